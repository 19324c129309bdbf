// Group commit, shared by both store adapters: calls that arrive while the
// connection is busy share one durable commit instead of queueing one sync
// each (issue 20 §4).
//
// Each call runs its own function on its own thread, one at a time, as
// before: it takes the connection, joins the open transaction (or opens
// one) and runs inside a SAVEPOINT of its own, so a call that throws undoes
// only its own writes. Then, when no other call is waiting for the
// connection (or the batch is full), it commits the transaction for every
// call in it; otherwise it leaves the transaction open for the next caller
// and waits for that commit. Nothing waits for a batch to fill: a lone call
// commits at once, as it did without batching.
//
// No call that wrote, or that read what another call of the batch wrote, is
// answered before the commit is durable; a failed commit fails every such
// call. A call that neither wrote nor found anything written in the open
// transaction read only committed rows and returns at once.
//
// The batch is capped at kMaxBatch calls: a PostgreSQL backend keeps up to
// 64 subtransaction ids in shared memory; past that, other sessions'
// snapshots look them up on disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

#include "store/serial_lock.h"

namespace meldcode::sql {

// What an adapter's connection offers the group commit. Every function is
// called with the connection held.
class Transactions {
public:
    virtual ~Transactions() = default;
    // Opens a transaction with the store's write lock (throws, leaving none
    // open, when it cannot).
    virtual void begin() = 0;
    // Commits durably: when it returns, the transaction is on disk. `timed`:
    // counted in the store's commit figures (StoreStats).
    virtual void commit(bool timed) = 0;
    // Rolls the open transaction back, if there is one; never throws.
    virtual void rollback() noexcept = 0;
    // Whether the transaction is still open: a database may abort it by
    // itself (SQLite on SQLITE_FULL or SQLITE_IOERR, a lost connection).
    virtual bool open() = 0;
    // Whether anything was written in the open transaction.
    virtual bool wrote() = 0;
    // Runs SQL without parameters or rows (SAVEPOINT and friends).
    virtual void exec(const char* sql) = 0;
};

// One transaction outside the group commit, before the store is shared (its
// opening): not counted in its commit figures.
template <typename Body>
void one_transaction(Transactions& transactions, Body&& body) {
    transactions.begin();
    try {
        body();
        transactions.commit(/*timed=*/false);
    } catch (...) {
        transactions.rollback();
        throw;
    }
}

class GroupCommit {
public:
    static constexpr int kMaxBatch = 64;

    explicit GroupCommit(Transactions& transactions) : transactions_(transactions) {}

    // Runs fn in the open transaction and returns once what it did is
    // durable; rethrows what fn threw (its own writes undone), or the commit's
    // failure. Throws Error(MC_E_INTERNAL) when fn's thread is already inside
    // one of the store's calls.
    template <typename Fn>
    void run(Fn&& fn) {
        SerialMutex::refuse_reentry(mutex_);
        waiting_.fetch_add(1);
        std::shared_ptr<Batch> batch;
        std::exception_ptr own;
        bool wait = false;  // for the commit: it holds (or read) this call's writes
        {
            SerialMutex::Lock lock(mutex_);
            waiting_.fetch_sub(1);
            if (!open_) open_batch();
            batch = open_;
            own = in_savepoint(std::forward<Fn>(fn));
            if (!transactions_.open()) {
                wait = !own;  // a call that failed says why, the others that it was lost
                fail_batch();
            } else {
                wait = wrote();
                if (++members_ >= kMaxBatch || waiting_.load() == 0) close_batch();
            }
        }
        if (wait) {
            await(*batch);
            if (batch->failure) std::rethrow_exception(batch->failure);
        }
        if (own) std::rethrow_exception(own);
    }

    // Runs body with the connection outside any transaction (a checkpoint):
    // an open batch is committed first.
    template <typename Body>
    auto alone(Body&& body) {
        SerialMutex::Lock lock(mutex_);
        if (open_) close_batch();
        return body();
    }

    // Calls waiting for the connection now.
    std::int64_t waiting() const { return waiting_.load(); }

private:
    struct Batch {
        bool done = false;
        std::exception_ptr failure;
    };

    void open_batch() {
        transactions_.begin();
        open_ = std::make_shared<Batch>();
        members_ = 0;
    }

    template <typename Fn>
    std::exception_ptr in_savepoint(Fn&& fn) {
        try {
            transactions_.exec("SAVEPOINT member");
        } catch (...) {
            return std::current_exception();
        }
        try {
            fn();
            transactions_.exec("RELEASE SAVEPOINT member");
            return nullptr;
        } catch (...) {
            const auto thrown = std::current_exception();
            undo_member();
            return thrown;
        }
    }

    // After a failed call: its writes go, the batch's stay. When even that
    // fails, the transaction is rolled back (fail_batch follows, as open()
    // then says no).
    void undo_member() noexcept {
        try {
            transactions_.exec("ROLLBACK TO SAVEPOINT member");
            transactions_.exec("RELEASE SAVEPOINT member");
        } catch (...) {
            transactions_.rollback();
        }
    }

    // A check that fails counts as a write: the call waits for the commit,
    // which close_batch refuses if the transaction was aborted meanwhile.
    bool wrote() noexcept {
        try {
            return transactions_.wrote();
        } catch (...) {
            return true;
        }
    }

    // PostgreSQL answers COMMIT in an aborted transaction with a rollback
    // and no error: such a batch is failed instead.
    void close_batch() {
        if (!transactions_.open()) return fail_batch();
        std::exception_ptr failure;
        try {
            transactions_.commit(/*timed=*/true);
        } catch (...) {
            failure = std::current_exception();
            transactions_.rollback();
        }
        finish(failure);
    }

    // The transaction was lost under the batch: none of it is stored.
    void fail_batch() {
        transactions_.rollback();
        finish(std::make_exception_ptr(
            Error(MC_E_STORAGE, "storage",
                  "store failure: the transaction was aborted; nothing of it was stored")));
    }

    void finish(std::exception_ptr failure) {
        const auto batch = std::exchange(open_, nullptr);
        members_ = 0;
        {
            std::lock_guard<std::mutex> lock(done_mutex_);
            batch->failure = std::move(failure);
            batch->done = true;
        }
        done_.notify_all();
    }

    void await(const Batch& batch) {
        std::unique_lock<std::mutex> lock(done_mutex_);
        done_.wait(lock, [&] { return batch.done; });
    }

    Transactions& transactions_;
    SerialMutex mutex_;                     // the connection
    std::atomic<std::int64_t> waiting_{0};  // calls between arriving and taking the connection
    std::shared_ptr<Batch> open_;           // under mutex_: the open transaction's batch
    int members_ = 0;                       // under mutex_: calls in it so far
    std::mutex done_mutex_;                 // guards Batch::done and failure
    std::condition_variable done_;
};

}  // namespace meldcode::sql
