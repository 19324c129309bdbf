// Group commit, shared by both store adapters: calls that arrive while the
// connection is busy share one durable commit instead of queueing one sync
// each (issue 20 §4).
//
// Calls queue in order of arrival. The caller that finds no one leading
// becomes the leader: it takes the connection and runs the queued calls'
// functions one after another on its own thread, each inside a SAVEPOINT of
// its own in one open transaction, so a call that throws undoes only its own
// writes. When no call is left waiting (or the batch is full) it commits the
// transaction for every call in it. Once the batch holding its own call is
// committed it hands the lead to the longest-waiting caller. Nothing waits
// for a batch to fill: a lone call commits at once.
//
// No call that wrote, or that read what another call of the batch wrote, is
// answered before the commit is durable; a failed commit fails every such
// call. A call that neither wrote nor found anything written in the open
// transaction read only committed rows and is answered at once.
//
// The batch is capped at kMaxBatch calls: a PostgreSQL backend keeps up to
// 64 subtransaction ids in shared memory; past that, other sessions'
// snapshots look them up on disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <type_traits>
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

// One transaction outside the group commit: before the store is shared (its
// opening, not counted in its commit figures), or a call of its own.
template <typename Body>
void one_transaction(Transactions& transactions, Body&& body, bool timed = false) {
    transactions.begin();
    try {
        body();
        transactions.commit(timed);
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
    // failure. fn may run on another caller's thread, the leader's. Throws
    // Error(MC_E_INTERNAL) when fn's thread is already inside one of the
    // store's calls.
    template <typename Fn>
    void run(Fn&& fn) {
        SerialMutex::refuse_reentry(mutex_);
        using Target = std::remove_reference_t<Fn>;
        Call call(&fn, [](void* target) { (*static_cast<Target*>(target))(); });
        {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            enqueue(call);
            while (!call.done) {
                call.wake.wait(lock, [&] { return call.done || call.leads; });
                if (call.done) break;
                lock.unlock();
                lead(call);
                lock.lock();
                hand_over();
            }
        }
        if (call.failure) std::rethrow_exception(call.failure);
        if (call.own) std::rethrow_exception(call.own);
    }

    // Runs fn in a transaction of its own, without a savepoint, once the
    // leader's batch is committed; durable when it returns.
    template <typename Fn>
    void run_alone(Fn&& fn) {
        SerialMutex::Lock lock(mutex_);
        one_transaction(transactions_, std::forward<Fn>(fn), /*timed=*/true);
    }

    // Runs body with the connection outside any transaction (a checkpoint):
    // it waits for the leader's batch to be committed.
    template <typename Body>
    auto alone(Body&& body) {
        SerialMutex::Lock lock(mutex_);
        return body();
    }

    // Calls waiting to be run now.
    std::int64_t waiting() const { return waiting_.load(); }

private:
    // One caller's call, on its stack; the leader runs it. Its fields other
    // than the function are written under queue_mutex_ once it is queued.
    struct Call {
        Call(void* fn, void (*run_fn)(void*)) : target(fn), invoke(run_fn) {}
        void* target;
        void (*invoke)(void*);
        std::exception_ptr own;      // what the function threw, its writes undone
        std::exception_ptr failure;  // the commit's failure, when its writes were lost
        bool done = false;           // answered: nothing of it waits for a commit
        bool leads = false;          // its thread runs the queue now
        Call* next = nullptr;        // in the queue, then in the batch
        std::condition_variable wake;
    };

    // Under queue_mutex_. The first call to arrive while no one leads leads.
    void enqueue(Call& call) {
        (queue_tail_ ? queue_tail_->next : queue_head_) = &call;
        queue_tail_ = &call;
        waiting_.fetch_add(1);
        if (!leading_) leading_ = call.leads = true;
    }

    Call* dequeue() {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        Call* call = queue_head_;
        if (!call) return nullptr;
        queue_head_ = std::exchange(call->next, nullptr);
        if (!queue_head_) queue_tail_ = nullptr;
        waiting_.fetch_sub(1);
        return call;
    }

    // Under queue_mutex_, after leading: the longest-waiting call leads next.
    void hand_over() {
        leading_ = queue_head_ != nullptr;
        if (leading_) {
            queue_head_->leads = true;
            queue_head_->wake.notify_one();
        }
    }

    // Runs queued calls one after another with the connection held, each in
    // its own savepoint, and commits when no call is left waiting (or the
    // batch is full). Handing the connection from thread to thread for every
    // call cost more than the calls themselves; a leader keeps it until the
    // batch holding its own call is committed. Returns with `own` answered
    // and no transaction open.
    void lead(const Call& own) {
        SerialMutex::Lock lock(mutex_);
        while (!own.done || open_) {
            Call* call = dequeue();
            if (!call) {
                close_batch();
                continue;
            }
            run_one(*call);
            if (open_ && (members_ >= kMaxBatch || waiting_.load() == 0)) close_batch();
        }
    }

    void run_one(Call& call) {
        try {
            if (!open_) open_batch();
        } catch (...) {
            call.own = std::current_exception();
            return answer(call);
        }
        call.own = in_savepoint(call);
        if (!transactions_.open()) {
            // A call that failed says why, the others that the batch was lost.
            if (call.own)
                answer(call);
            else
                join_batch(call);
            fail_batch();
        } else if (wrote()) {
            join_batch(call);
        } else {
            answer(call);  // read only what was committed: answered at once
        }
    }

    void open_batch() {
        transactions_.begin();
        open_ = true;
        members_ = 0;
    }

    // The call waits for the commit: it holds (or read) this batch's writes.
    void join_batch(Call& call) {
        call.next = batch_;
        batch_ = &call;
        ++members_;
    }

    std::exception_ptr in_savepoint(const Call& call) {
        try {
            transactions_.exec("SAVEPOINT member");
        } catch (...) {
            return std::current_exception();
        }
        try {
            call.invoke(call.target);
            transactions_.exec("RELEASE SAVEPOINT member");
            return nullptr;
        } catch (...) {
            auto thrown = std::current_exception();
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
        if (!open_) return;
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

    // Answers every call of the batch, with its failure if there is one.
    void finish(const std::exception_ptr& failure) {
        open_ = false;
        members_ = 0;
        std::lock_guard<std::mutex> lock(queue_mutex_);
        for (Call* call = std::exchange(batch_, nullptr); call;) {
            Call* next = std::exchange(call->next, nullptr);
            call->failure = failure;
            settle(*call);
            call = next;
        }
    }

    void answer(Call& call) {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        settle(call);
    }

    // Under queue_mutex_.
    static void settle(Call& call) {
        call.done = true;
        call.wake.notify_one();
    }

    Transactions& transactions_;
    SerialMutex mutex_;                     // the connection
    std::atomic<std::int64_t> waiting_{0};  // calls queued, not yet run
    bool open_ = false;                     // under mutex_: a transaction is open
    int members_ = 0;                       // under mutex_: calls waiting for its commit
    Call* batch_ = nullptr;                 // under mutex_: those calls
    std::mutex queue_mutex_;                // guards the queue, leading_ and Call's fields
    Call* queue_head_ = nullptr;
    Call* queue_tail_ = nullptr;
    bool leading_ = false;  // a caller's thread runs the queue
};

}  // namespace meldcode::sql
