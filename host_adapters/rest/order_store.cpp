#include "order_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

#include <sqlite3.h>

namespace meldcoded {

namespace {

// secure_delete: a replaced order's old values are overwritten, not left in
// free pages of the file.
constexpr const char* kSetup = R"sql(
PRAGMA synchronous=FULL;
PRAGMA secure_delete=ON;
CREATE TABLE IF NOT EXISTS host_orders (
    mapping TEXT NOT NULL,
    order_id TEXT NOT NULL,
    retained TEXT NOT NULL,
    PRIMARY KEY (mapping, order_id));
)sql";

[[noreturn]] void fail(sqlite3* db, const char* what) {
    throw std::runtime_error(std::string("host order store: ") + what + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
}

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

// Prepares `sql` with its text parameters bound in order.
Statement prepare(sqlite3* db, const char* sql, std::initializer_list<std::string> params) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) fail(db, "prepare");
    Statement stmt(raw, &sqlite3_finalize);
    int i = 1;
    for (const std::string& p : params) {
        if (sqlite3_bind_text(raw, i++, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT) !=
            SQLITE_OK) {
            fail(db, "bind");
        }
    }
    return stmt;
}

// Files from before retention get the column, their orders counting from now.
constexpr const char* kAddUpdatedAt = R"sql(
BEGIN IMMEDIATE;
ALTER TABLE host_orders ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE host_orders SET updated_at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX host_orders_by_update ON host_orders (updated_at);
PRAGMA user_version = 1;
COMMIT;
)sql";

// Orders get an owner: the integration that posts them. Those kept before
// have none ('') until an integration's update claims them (OrderStore::put).
constexpr const char* kAddIntegration = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE host_orders_owned (
    integration TEXT NOT NULL,
    mapping TEXT NOT NULL,
    order_id TEXT NOT NULL,
    retained TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (integration, mapping, order_id));
INSERT INTO host_orders_owned
    SELECT '', mapping, order_id, retained, updated_at FROM host_orders;
DROP TABLE host_orders;
ALTER TABLE host_orders_owned RENAME TO host_orders;
CREATE INDEX host_orders_by_update ON host_orders (updated_at);
PRAGMA user_version = 2;
COMMIT;
)sql";

constexpr std::int64_t kSweepSeconds = 3600;

// Rolled back unless committed (a failing statement throws).
class Transaction {
public:
    explicit Transaction(sqlite3* db) : db_(db) {
        if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
            fail(db_, "begin");
        }
    }
    ~Transaction() {
        if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            fail(db_, "commit");
        db_ = nullptr;
    }

private:
    sqlite3* db_;
};

int user_version(sqlite3* db) {
    const Statement stmt = prepare(db, "PRAGMA user_version", {});
    return sqlite3_step(stmt.get()) == SQLITE_ROW ? sqlite3_column_int(stmt.get(), 0) : 0;
}

}  // namespace

SqliteOrderStore::SqliteOrderStore(const std::string& path, std::int64_t keep_seconds)
    : keep_seconds_(keep_seconds) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("host order store: cannot create " + path);
    ::close(fd);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, kSetup, nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("host order store: open: " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    migrate(1, kAddUpdatedAt);
    migrate(2, kAddIntegration);
}

void SqliteOrderStore::migrate(int version, const char* sql) {
    if (user_version(db_) >= version) return;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("host order store: migrate: " + message);
    }
}

SqliteOrderStore::~SqliteOrderStore() {
    sqlite3_close(db_);
}

OrderHold SqliteOrderStore::hold(const OrderKey&) {
    return OrderHold(std::unique_lock<std::mutex>(mutex_));
}

std::optional<nlohmann::json> SqliteOrderStore::find(const OrderKey& key) {
    // The owner's row sorts after an unowned one ('').
    const Statement stmt = prepare(db_,
                                   "SELECT retained FROM host_orders WHERE integration IN (?1, '') "
                                   "AND mapping = ?2 AND order_id = ?3 "
                                   "ORDER BY integration DESC LIMIT 1",
                                   {key.integration, key.mapping, key.order_id});
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) fail(db_, "find");
    return nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
}

void SqliteOrderStore::put(const OrderKey& key, const nlohmann::json& retained, std::int64_t now) {
    if (now >= next_sweep_) {
        remove_expired(now);
        next_sweep_ = now + kSweepSeconds;
    }
    // An unowned order kept from before owners becomes the integration's: its
    // row is replaced by the owned one, in one transaction.
    Transaction transaction(db_);
    const Statement claim = prepare(db_,
                                    "DELETE FROM host_orders WHERE integration = '' "
                                    "AND mapping = ?1 AND order_id = ?2",
                                    {key.mapping, key.order_id});
    if (sqlite3_step(claim.get()) != SQLITE_DONE) fail(db_, "claim");
    const Statement stmt = prepare(db_,
                                   "INSERT OR REPLACE INTO host_orders (integration, mapping, "
                                   "order_id, retained, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                   {key.integration, key.mapping, key.order_id, retained.dump()});
    sqlite3_bind_int64(stmt.get(), 5, now);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(db_, "put");
    transaction.commit();
}

void SqliteOrderStore::remove_expired(std::int64_t now) {
    const Statement stmt = prepare(db_, "DELETE FROM host_orders WHERE updated_at < ?1", {});
    sqlite3_bind_int64(stmt.get(), 1, now - keep_seconds_);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(db_, "remove expired orders");
}

}  // namespace meldcoded
