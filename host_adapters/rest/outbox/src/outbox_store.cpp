#include "outbox_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include <sqlite3.h>

namespace meldcode::rest {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS deliveries (
    row INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    created_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    UNIQUE (event_id, endpoint));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_ms);
)sql";

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw std::runtime_error("webhook outbox store: " + what + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement, finalised on every path out.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, "prepare");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    Statement& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    // True while there is a row to read.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db_, "step");
        return rc == SQLITE_ROW;
    }
    void run() {
        step();
        sqlite3_reset(stmt_);
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) fail(db_, "bind");
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Created 0600 before SQLite opens it: event ids and concern references are
// nobody else's business on a shared machine.
void create_private(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("webhook outbox store: cannot create the file");
    ::close(fd);
}

// The outbox's own SQLite file: one process at a time delivers from it.
class SqliteOutboxStore final : public OutboxStore {
public:
    explicit SqliteOutboxStore(const std::string& path);
    ~SqliteOutboxStore() override;
    SqliteOutboxStore(const SqliteOutboxStore&) = delete;
    SqliteOutboxStore& operator=(const SqliteOutboxStore&) = delete;

    void add(const std::string& event_id, const std::string& body,
             const std::vector<std::string>& endpoints, std::int64_t now_ms) override;
    // Nothing to lease: no other process delivers from this file.
    std::vector<Delivery> due(std::int64_t now_ms, int limit, std::int64_t lease_ms) override;
    std::optional<std::int64_t> next_due_ms() override;
    void delivered(std::int64_t row, std::int64_t now_ms) override;
    void retry(std::int64_t row, std::int64_t next_ms, const std::string& error) override;
    void dead(std::int64_t row, std::int64_t now_ms, const std::string& error) override;
    void prune_delivered(std::int64_t before_ms) override;
    std::uint64_t requeue_dead(const std::vector<std::string>& endpoints,
                               std::int64_t now_ms) override;
    WebhookOutboxStats stats() override;

private:
    void exec(const char* sql);
    sqlite3* db_ = nullptr;
};

SqliteOutboxStore::SqliteOutboxStore(const std::string& path) {
    create_private(path);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("webhook outbox store: open: " + message);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);
        Statement wal(db_, "PRAGMA journal_mode=WAL");
        if (!wal.step() || wal.text(0) != "wal") {
            throw std::runtime_error("webhook outbox store: WAL journal mode refused");
        }
        exec("PRAGMA synchronous=FULL");
        exec(kSchema);
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

SqliteOutboxStore::~SqliteOutboxStore() {
    sqlite3_close(db_);
}

void SqliteOutboxStore::exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "exec");
}

void SqliteOutboxStore::add(const std::string& event_id, const std::string& body,
                            const std::vector<std::string>& endpoints, std::int64_t now_ms) {
    exec("BEGIN IMMEDIATE");
    try {
        Statement insert(db_,
                         "INSERT INTO deliveries (event_id, endpoint, body, state, "
                         "next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, 'pending', ?4, ?4) "
                         "ON CONFLICT (event_id, endpoint) DO NOTHING");
        for (const auto& endpoint : endpoints) {
            insert.bind(1, event_id).bind(2, endpoint).bind(3, body).bind(4, now_ms).run();
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<Delivery> SqliteOutboxStore::due(std::int64_t now_ms, int limit, std::int64_t) {
    Statement select(db_,
                     "SELECT row, event_id, endpoint, body, attempts FROM deliveries "
                     "WHERE state = 'pending' AND next_attempt_ms <= ?1 "
                     "ORDER BY next_attempt_ms, row LIMIT ?2");
    select.bind(1, now_ms).bind(2, limit);
    std::vector<Delivery> out;
    while (select.step()) {
        out.push_back({select.integer(0), select.text(1), select.text(2), select.text(3),
                       static_cast<int>(select.integer(4))});
    }
    return out;
}

std::optional<std::int64_t> SqliteOutboxStore::next_due_ms() {
    Statement select(db_, "SELECT min(next_attempt_ms) FROM deliveries WHERE state = 'pending'");
    if (!select.step() || select.is_null(0)) return std::nullopt;
    return select.integer(0);
}

void SqliteOutboxStore::delivered(std::int64_t row, std::int64_t now_ms) {
    Statement(db_,
              "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
              "finished_ms = ?2, last_error = NULL WHERE row = ?1")
        .bind(1, row)
        .bind(2, now_ms)
        .run();
}

void SqliteOutboxStore::retry(std::int64_t row, std::int64_t next_ms, const std::string& error) {
    Statement(db_,
              "UPDATE deliveries SET attempts = attempts + 1, next_attempt_ms = ?2, "
              "last_error = ?3 WHERE row = ?1")
        .bind(1, row)
        .bind(2, next_ms)
        .bind(3, error)
        .run();
}

void SqliteOutboxStore::dead(std::int64_t row, std::int64_t now_ms, const std::string& error) {
    Statement(db_,
              "UPDATE deliveries SET state = 'dead', attempts = attempts + 1, "
              "finished_ms = ?2, last_error = ?3 WHERE row = ?1")
        .bind(1, row)
        .bind(2, now_ms)
        .bind(3, error)
        .run();
}

void SqliteOutboxStore::prune_delivered(std::int64_t before_ms) {
    Statement(db_, "DELETE FROM deliveries WHERE state = 'delivered' AND finished_ms < ?1")
        .bind(1, before_ms)
        .run();
}

std::uint64_t SqliteOutboxStore::requeue_dead(const std::vector<std::string>& endpoints,
                                              std::int64_t now_ms) {
    std::uint64_t requeued = 0;
    for (const auto& endpoint : endpoints) {
        Statement(db_,
                  "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?2, "
                  "finished_ms = NULL WHERE state = 'dead' AND endpoint = ?1")
            .bind(1, endpoint)
            .bind(2, now_ms)
            .run();
        requeued += static_cast<std::uint64_t>(sqlite3_changes(db_));
    }
    return requeued;
}

WebhookOutboxStats SqliteOutboxStore::stats() {
    Statement select(db_, "SELECT state, count(*), sum(attempts) FROM deliveries GROUP BY state");
    WebhookOutboxStats stats;
    while (select.step()) {
        const auto state = select.text(0);
        const auto count = static_cast<std::uint64_t>(select.integer(1));
        stats.attempts += static_cast<std::uint64_t>(select.integer(2));
        if (state == "pending") stats.pending = count;
        if (state == "delivered") stats.delivered = count;
        if (state == "dead") stats.dead = count;
    }
    return stats;
}

}  // namespace

std::unique_ptr<OutboxStore> open_outbox_store(const WebhookOutboxOptions& options) {
    if (!options.postgresql.empty()) return open_postgres_outbox_store(options.postgresql);
    return std::make_unique<SqliteOutboxStore>(options.store_path);
}

}  // namespace meldcode::rest
