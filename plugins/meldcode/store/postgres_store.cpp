#include "store/postgres_store.h"

#include <chrono>
#include <mutex>
#include <utility>

#include "store/commit_times.h"
#include "store/group_commit.h"
#include "store/postgres_db.h"
#include "store/postgres_migrations.h"
#include "store/sql_rotation.h"
#include "store/sql_transaction.h"

namespace meldcode {
namespace {

// The connection as sql::SqlTransaction uses it.
class PgDb {
public:
    using Query = postgres::Query;

    explicit PgDb(const std::string& conninfo) : connection_(conninfo) {}

    Query query(const std::string& sql) { return Query(connection_, sql); }
    void exec(const char* sql) { connection_.exec(sql); }

    // PostgreSQL aborts the whole transaction on any error: a function that
    // caught one and went on would only get more errors, but say why.
    void require_open() const {
        if (PQtransactionStatus(connection_.get()) != PQTRANS_INTRANS) {
            throw postgres::storage_failure(postgres::kStoreFailure, "the transaction was aborted");
        }
    }

    const postgres::Connection& connection() const { return connection_; }

    void reconnect_if_lost() { connection_.reconnect_if_lost(); }

    void rollback_if_open() {
        if (PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) {
            postgres::ResultHandle ignored(PQexec(connection_.get(), "ROLLBACK"));
        }
    }

private:
    postgres::Connection connection_;
};

using PgTransaction = sql::SqlTransaction<PgDb>;

// The prompt log's claims on a connection of their own, outside the store's
// advisory lock: the ticket hook waits for neither this process's nor
// another's transactions, only for the insert under the prompts table's
// unique key. Committed without waiting for the server's disk sync
// (synchronous_commit = off on this connection): other processes see a claim
// at once, and what a crash of the server itself may lose is its last
// fraction of a second of claims — one more question for those tickets, as
// with SQLite's prompt log written behind the hook (README).
// The ticket is stored as its blind index (sql_blind.h): claimed under the
// active key, its one unique key. While a key rotation is unfinished, two
// processes may have different active keys, and their claims of one ticket
// would not meet on that key: with more than one key in the ring, a claim
// looks the ticket up under every key first, and the claims of all such
// processes on the store take turns (an advisory lock of their own, not the
// store's), so that two of them racing on one ticket cannot both ask.
class PgPromptClaims final : public PromptClaims {
public:
    PgPromptClaims(const std::string& conninfo, const Crypto& crypto)
        : db_(conninfo), crypto_(crypto) {
        db_.exec("SET synchronous_commit = off");
        db_.exec("SET client_min_messages = warning");
    }

    bool claim(const PromptRecord& prompt) override {
        std::lock_guard<std::mutex> lock(mutex_);
        db_.reconnect_if_lost();
        if (crypto_.key_ids().size() == 1) return save(prompt);
        db_.exec(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtext('meldcode-claims:' || "
            "current_schema()))");
        try {
            const bool claimed = !find(prompt.host_ticket_id) && save(prompt);
            db_.exec("COMMIT");
            return claimed;
        } catch (...) {
            db_.rollback_if_open();
            throw;
        }
    }

    bool claimed(const std::string& host_ticket_id) override {
        std::lock_guard<std::mutex> lock(mutex_);
        db_.reconnect_if_lost();
        return find(host_ticket_id);
    }

private:
    bool save(const PromptRecord& prompt) {
        return sql::save_prompt(db_, crypto_, prompt.host_ticket_id, prompt.prompted_at);
    }

    bool find(const std::string& host_ticket_id) {
        auto q =
            db_.query("SELECT 1 FROM prompts WHERE " + sql::matches(crypto_, "ticket_hash", 1));
        sql::bind_indexes(crypto_, q, 1, BlindKind::ticket, host_ticket_id);
        return q.step();
    }

    std::mutex mutex_;
    PgDb db_;
    const Crypto& crypto_;
};

class PostgresStore final : public Store, private sql::Transactions {
public:
    PostgresStore(std::unique_ptr<PgDb> db, const std::string& conninfo,
                  std::shared_ptr<const Crypto> crypto)
        : db_(std::move(db)), crypto_(std::move(crypto)), claims_(conninfo, *crypto_) {
        // Schema 1 never kept an id in clear: nothing waits for the keys.
        sql::one_transaction(*this, [&] { sql::prepare_keys(*db_, *crypto_, [] {}); });
    }

    // fn on the connection, for the group commit to run in its transaction.
    auto on_connection(const std::function<void(StoreTransaction&)>& fn) {
        return [this, &fn] {
            PgTransaction tx(*db_, *crypto_);
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
        group_.run([&] { prompts = sql::prompts_since(*db_, *crypto_, since); });
        return prompts;
    }

    void save_prompts(const std::vector<PromptRecord>& prompts) override {
        if (prompts.empty()) return;
        group_.run([&] { sql::save_prompts(*db_, *crypto_, prompts); });
    }

    PromptClaims* shared_prompt_claims() override { return &claims_; }

    // Nothing to do here: a purge's DELETE leaves dead row versions until
    // VACUUM, and old WAL segments until they are recycled; both are the
    // database operator's (docs/postgresql.md), not a connection's.
    bool checkpoint() override { return true; }

    std::optional<std::uint64_t> free_bytes() const override { return std::nullopt; }

    StoreStats stats() const override {
        StoreStats stats = commit_times_.read();
        stats.waiting = group_.waiting();
        stats.stopped = group_.stopped();
        return stats;
    }

private:
    // READ COMMITTED, then the store's advisory lock as the first statement:
    // one writer at a time, as with SQLite's BEGIN IMMEDIATE, and every
    // statement after the lock sees what the previous holder committed (a
    // REPEATABLE READ snapshot would be taken before the lock is granted).
    // SERIALIZABLE would fail conflicting transactions with 40001 and need
    // the service's function re-run, which it is not written for. Both in
    // one round trip. Then, with the lock, a rotation towards another key
    // than ours restarts (sql_rotation.h): another process may have begun it
    // since this one opened the store.
    void begin() override {
        static const std::string begin_with_lock =
            std::string("BEGIN ISOLATION LEVEL READ COMMITTED; ") + postgres::store_lock_sql();
        db_->reconnect_if_lost();
        db_->rollback_if_open();
        try {
            db_->exec(begin_with_lock.c_str());
            sql::rotation::restart_for_other_key(*db_, *crypto_);
        } catch (...) {
            rollback();
            throw;
        }
    }

    // synchronous_commit = on (open_postgres_store): durable when it returns,
    // so there is nothing left for sync().
    void commit() override { db_->exec("COMMIT"); }
    void sync() override {}
    void count_commit(std::chrono::nanoseconds took) override { commit_times_.add(took); }

    void rollback() noexcept override { db_->rollback_if_open(); }
    // Not after an error (INERROR) nor on a lost connection.
    bool open() override { return PQtransactionStatus(db_->connection().get()) == PQTRANS_INTRANS; }
    // A write gives the transaction an id; reads and the advisory lock do not.
    bool wrote() override {
        auto q = db_->query("SELECT txid_current_if_assigned() IS NOT NULL");
        return q.step() && q.boolean(0);
    }
    void exec(const char* sql) override { db_->exec(sql); }

    std::unique_ptr<PgDb> db_;
    std::shared_ptr<const Crypto> crypto_;
    PgPromptClaims claims_;  // after crypto_, which it uses
    sql::CommitTimes commit_times_;
    sql::GroupCommit group_{*this};
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& conninfo,
                                           std::shared_ptr<const Crypto> crypto) {
    auto db = std::make_unique<PgDb>(conninfo);
    // Durable on COMMIT whatever the server's default; no notices on stderr.
    db->exec("SET synchronous_commit = on");
    db->exec("SET client_min_messages = warning");
    postgres::migrate(db->connection());
    return std::make_unique<PostgresStore>(std::move(db), conninfo, std::move(crypto));
}

}  // namespace meldcode
