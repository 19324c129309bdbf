#include "sqlite_store.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "commit_times.h"
#include "group_commit.h"
#include "sql_rotation.h"
#include "sql_transaction.h"
#include "sqlite_checkpointer.h"
#include "sqlite_db.h"
#include "sqlite_log.h"
#include "sqlite_migrations.h"
#include "store_lock.h"

namespace meldcode {
namespace {

using sqlite::Statement;

struct DbCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

// ---------------------------------------------------------------------------
// The connection and its statement cache.

// One connection with its prepared statements kept for reuse: the ticket hook
// and officers' lists should not pay for parsing SQL on every call.
class Connection {
public:
    using Query = sqlite::Query;

    explicit Connection(DbHandle db) : db_(std::move(db)) {}

    sqlite3* db() const { return db_.get(); }

    // A use of the cached statement for `sql`. Never hold two uses of the same
    // SQL at once: the second would reset the first.
    Query query(const std::string& sql) {
        auto it = cache_.find(sql);
        if (it == cache_.end()) {
            it = cache_.try_emplace(sql, db(), sql, SQLITE_PREPARE_PERSISTENT).first;
        }
        return Query(it->second.get());
    }

    void exec(const char* sql) { query(sql).run(); }

    // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL,
    // SQLITE_IOERR): refuse to go on outside it.
    void require_open() const {
        if (sqlite3_get_autocommit(db()) != 0) {
            throw sqlite::storage_failure(sqlite::kStoreFailure, "the transaction was aborted");
        }
    }

    void rollback_if_open() {
        // SQLite itself rolls back on some errors (SQLITE_FULL, SQLITE_IOERR);
        // a second ROLLBACK would then fail, so ask first.
        if (sqlite3_get_autocommit(db()) == 0) {
            sqlite3_exec(db(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

private:
    DbHandle db_;  // declared first so it is closed after the statements are finalized
    std::unordered_map<std::string, Statement> cache_;
};

using SqliteTransaction = sql::SqlTransaction<Connection>;

// ---------------------------------------------------------------------------
// Schema 11's second half, which needs the keys: the ids that schema 10 and
// older kept in clear wait in blind_backlog (sqlite_migrations.cpp); here each
// is hashed and sealed into its row, and the backlog row is deleted
// (secure_delete overwrites it). All of it in the transaction that opens the
// store: a store is never found half-migrated, and a crash leaves the backlog
// for the next open.

// The ids of a backlog row as its table keeps them sealed.
nlohmann::json legacy_ids(sql::IdsTable table, const std::optional<std::string>& a,
                          const std::optional<std::string>& b) {
    const auto set = [](nlohmann::json& ids, const char* name,
                        const std::optional<std::string>& value) {
        if (value) ids[name] = *value;
    };
    nlohmann::json ids = nlohmann::json::object();
    switch (table) {
        case sql::IdsTable::concerns:
            set(ids, "unit_id", a);
            set(ids, "household_ref", b);
            break;
        case sql::IdsTable::submissions:
            set(ids, "observer_id", a);
            set(ids, "host_ticket_id", b);
            break;
        case sql::IdsTable::entries:
            set(ids, "unit_id", a);
            set(ids, "actor_id", b);
            break;
        case sql::IdsTable::prompts:
            set(ids, "host_ticket_id", a);
            break;
        case sql::IdsTable::tenancies:
            set(ids, "unit_id", a);
            break;
    }
    return ids;
}

struct LegacyRow {
    std::int64_t rowid;
    std::string table;
    std::int64_t row;  // the row's id; a prompt's or tenancy's time
    std::optional<std::string> ref, a, b;
};

void seal_legacy_row(Connection& db, const Crypto& crypto, const LegacyRow& legacy) {
    if (legacy.table == "audit") {
        if (!legacy.a) throw sql::store_failure("an audit row without actor");
        sql::audit::seal_actor(db, crypto, legacy.row, *legacy.a);
        return;
    }
    for (const sql::IdsColumn& column : sql::kIdsColumns) {
        if (legacy.table != column.kind.table) continue;
        // Concerns and submissions are bound to their ref, the others to
        // their id or (new) hash.
        sql::write_ids(db, crypto, column.table, legacy.row, legacy.ref,
                       legacy_ids(column.table, legacy.a, legacy.b));
        return;
    }
    throw sql::store_failure("a schema migration left an unknown table in its backlog");
}

// Returns whether there was anything to seal.
bool seal_blind_backlog(Connection& db, const Crypto& crypto) {
    bool sealed = false;
    for (;;) {
        std::vector<LegacyRow> rows;
        {
            auto q = db.query(
                "SELECT rowid, tbl, row_id, ref, a, b FROM blind_backlog ORDER BY rowid LIMIT "
                "1000");
            while (q.step()) {
                rows.push_back({q.int64(0), q.text(1), q.int64(2), q.optional_text(3),
                                q.optional_text(4), q.optional_text(5)});
            }
        }
        if (rows.empty()) return sealed;
        sealed = true;
        for (const LegacyRow& row : rows) seal_legacy_row(db, crypto, row);
        auto done = db.query("DELETE FROM blind_backlog WHERE rowid <= ?1");
        done.bind(1, rows.back().rowid);
        done.run();
    }
}

// Sets a pragma and checks the answer: SQLite ignores settings it cannot
// honour (WAL on a network file system, foreign keys in some builds).
void require_pragma(sqlite3* db, const char* set, const char* get, const std::string& expected,
                    const char* what) {
    sqlite::exec(db, set, sqlite::kCannotOpen);
    if (sqlite::query_text(db, get, sqlite::kCannotOpen) != expected) {
        throw sqlite::storage_failure(sqlite::kCannotOpen, what);
    }
}

// ---------------------------------------------------------------------------
// The store: one connection; calls take turns on it and share its commits
// (group_commit.h).

class SqliteStore final : public Store, private sql::Transactions {
public:
    // Checks the key ring against the store (sql::prepare_keys) before
    // anything else is read or written. When it sealed the ids an older
    // store kept in clear, the write-ahead log still holds page images with
    // them (the migration's own frames): it is emptied at once.
    // From here on the store syncs its log itself (sqlite_log.h), so COMMIT
    // need not: synchronous=NORMAL, after the migrations ran with FULL.
    SqliteStore(std::unique_ptr<sqlite::StoreLock> lock, const std::string& path, DbHandle db,
                std::shared_ptr<const Crypto> crypto)
        : lock_(std::move(lock)),
          connection_(std::move(db)),
          path_(path),
          log_(path),
          checkpointer_(path, connection_.db()),
          crypto_(std::move(crypto)) {
        require_pragma(connection_.db(), "PRAGMA synchronous = NORMAL", "PRAGMA synchronous", "1",
                       "synchronous=NORMAL was refused");
        bool sealed = false;
        sql::one_transaction(*this, [&] {
            // Only this store writes to the file while it is open (the
            // store's lock), always under this ring's active key: a rotation
            // towards another key restarts once, here (sql_rotation.h).
            sql::rotation::restart_for_other_key(connection_, *crypto_);
            sql::prepare_keys(connection_, *crypto_,
                              [&] { sealed = seal_blind_backlog(connection_, *crypto_); });
        });
        if (sealed && !checkpoint()) {
            throw sqlite::storage_failure(sqlite::kStoreFailure,
                                          "the log of the migrated store could not be emptied");
        }
    }

    // fn on the connection, for the group commit to run in its transaction.
    auto on_connection(const std::function<void(StoreTransaction&)>& fn) {
        return [this, &fn] {
            SqliteTransaction tx(connection_, *crypto_);
            fn(tx);
        };
    }

    void transaction(const std::function<void(StoreTransaction&)>& fn) override {
        group_.run(on_connection(fn));
    }

    void transaction_of_its_own(const std::function<void(StoreTransaction&)>& fn) override {
        group_.run_alone(on_connection(fn));
    }

    std::vector<PromptRecord> prompts_since(Timestamp since) override {
        std::vector<PromptRecord> prompts;
        group_.run([&] { prompts = sql::prompts_since(connection_, *crypto_, since); });
        return prompts;
    }

    // A batch from the background writer: one transaction, one sync (or a
    // share of one).
    void save_prompts(const std::vector<PromptRecord>& prompts) override {
        if (prompts.empty()) return;
        group_.run([&] { sql::save_prompts(connection_, *crypto_, prompts); });
    }

    // The store's file lock keeps every other process out (store_lock.h).
    PromptClaims* shared_prompt_claims() override { return nullptr; }

    // TRUNCATE: the log is emptied on disk, not only marked as reusable, so
    // the frames that still hold deleted rows are gone. busy_timeout lets it
    // wait for other connections' readers for a while.
    bool checkpoint() override {
        return group_.alone([&] {
            return checkpointer_.exclusive([&] {
                auto q = connection_.query("PRAGMA wal_checkpoint(TRUNCATE)");
                // One row: busy (1 when blocked), frames in the log, frames checkpointed.
                return q.step() && q.int64(0) == 0 && q.int64(1) == q.int64(2);
            });
        });
    }

    StoreStats stats() const override {
        StoreStats stats = commit_times_.read();
        stats.waiting = group_.waiting();
        stats.stopped = group_.stopped();
        stats.pages_written = pages_written_.load(std::memory_order_relaxed);
        return stats;
    }

    // What an unprivileged writer may still use of the store file's disk.
    std::optional<std::uint64_t> free_bytes() const override {
        struct statvfs disk {};
        if (::statvfs(path_.c_str(), &disk) != 0) return std::nullopt;
        return std::uint64_t{disk.f_bavail} * disk.f_frsize;
    }

private:
    // BEGIN IMMEDIATE takes the write lock up front: a transaction that reads
    // and then writes cannot fail half-way on another process's lock
    // (busy_timeout makes the BEGIN wait instead). A failed ROLLBACK may
    // have left a transaction open; without the rollback first, every later
    // BEGIN would fail.
    void begin() override {
        connection_.rollback_if_open();
        connection_.exec("BEGIN IMMEDIATE");
        changes_at_begin_ = sqlite3_total_changes64(connection_.db());
    }

    // With synchronous=NORMAL, COMMIT writes the log without syncing it:
    // durable after sync().
    void commit() override {
        connection_.exec("COMMIT");
        count_pages_written();
    }

    void sync() override { log_.sync(); }

    void count_commit(std::chrono::nanoseconds took) override { commit_times_.add(took); }

    // The connection's count of pages it wrote to the log (also those a
    // large transaction spilled before its commit), taken and reset here on
    // the thread that holds the connection, so stats() reads only an atomic.
    void count_pages_written() {
        int written = 0;
        int unused = 0;
        sqlite3_db_status(connection_.db(), SQLITE_DBSTATUS_CACHE_WRITE, &written, &unused,
                          /*resetFlg=*/1);
        pages_written_.fetch_add(written, std::memory_order_relaxed);
    }

    void rollback() noexcept override { connection_.rollback_if_open(); }
    bool open() override { return sqlite3_get_autocommit(connection_.db()) == 0; }
    // Rows inserted, updated or deleted, also those a savepoint undid since.
    bool wrote() override { return sqlite3_total_changes64(connection_.db()) != changes_at_begin_; }
    void exec(const char* sql) override { connection_.exec(sql); }

    std::unique_ptr<sqlite::StoreLock> lock_;  // released after the connection closes
    Connection connection_;
    std::string path_;
    sqlite::LogFile log_;                // after the connection, which created the log
    sqlite::Checkpointer checkpointer_;  // stopped before the connection closes
    std::shared_ptr<const Crypto> crypto_;
    sqlite3_int64 changes_at_begin_ = 0;
    sql::CommitTimes commit_times_;
    std::atomic<std::int64_t> pages_written_{0};
    sql::GroupCommit group_{*this};
};

// ---------------------------------------------------------------------------
// Opening.

// A new store is created readable by its owner only: it holds special-
// category personal data. SQLite gives the -wal and -shm files the mode of
// the database file, so they follow.
void create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
    } else if (errno != EEXIST) {
        throw sqlite::storage_failure(sqlite::kCannotOpen, std::strerror(errno));
    }
}

DbHandle open_connection(const std::string& path) {
    create_private_file(path);
    sqlite3* raw = nullptr;
    // NOMUTEX: SqliteStore serialises all use of the connection itself.
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle db(raw);  // a failed open still returns a handle to close
    sqlite::check(rc, sqlite::kCannotOpen);
    // READWRITE silently falls back to read-only on a write-protected file.
    if (sqlite3_db_readonly(raw, "main") == 1) {
        throw sqlite::storage_failure(sqlite::kCannotOpen, "the file is read-only");
    }
    return db;
}

void configure(sqlite3* db) {
    // Wait up to 10 s for another process's write lock instead of failing.
    sqlite::exec(db, "PRAGMA busy_timeout = 10000", sqlite::kCannotOpen);
    // Before writing anything, even the journal mode: never touch a store a
    // newer meldcode wrote. Also the first read, so it reports a non-database.
    sqlite::check_schema_version(sqlite::schema_version(db, sqlite::kCannotOpen));
    require_pragma(db, "PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal",
                   "write-ahead logging (WAL) is not available for this file");
    require_pragma(db, "PRAGMA synchronous = FULL", "PRAGMA synchronous", "2",
                   "synchronous=FULL was refused");
    // Deleted rows (purges) are overwritten rather than left in free pages.
    sqlite::exec(db, "PRAGMA secure_delete = ON", sqlite::kCannotOpen);
    // Savepoint journals in memory, not in temporary files outside the
    // store's folder: a submission's outgrew the 64 KiB SQLite keeps in
    // memory, and writing the rest cost a quarter of the connection's time.
    // Calls that change rows by the thousand run in a transaction of their
    // own (Store::transaction_of_its_own), where the journal stays small.
    sqlite::exec(db, "PRAGMA temp_store = MEMORY", sqlite::kCannotOpen);
    sqlite::exec(db, "PRAGMA foreign_keys = OFF", sqlite::kCannotOpen);
    sqlite::migrate(db);
    // After the migrations, which run with foreign keys off (see migrate()).
    require_pragma(db, "PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1",
                   "foreign keys are not supported by this SQLite");
}

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path,
                                         std::shared_ptr<const Crypto> crypto) {
    // Before the file is touched: a second process must not even migrate it.
    auto lock = std::make_unique<sqlite::StoreLock>(path);
    DbHandle db = open_connection(path);
    configure(db.get());
    return std::make_unique<SqliteStore>(std::move(lock), path, std::move(db), std::move(crypto));
}

}  // namespace meldcode
