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
// transaction read only committed rows and is answered once those are
// durable: at once, unless the last commit's sync is still under way.
//
// A commit and its sync can be apart (Transactions::sync): the leader then
// commits, hands the connection to the next leader and syncs the log itself,
// so the next batch's calls run while the disk writes the last one's. With
// SQLite a commit was 29% of the connection's time through the sidecar; run
// beside the next batch, the p99 fell by about 6.5% (bench/RESULTS.md).
// A sync that fails leaves the store failed: what was committed is visible
// but may be lost, and so may every later commit (the log is one chain), so
// every call waiting for a sync fails and every later call is refused until
// the store is opened again (as PostgreSQL stops on a failed fsync).
//
// The batch is capped at kMaxBatch calls: a PostgreSQL backend keeps up to
// 64 subtransaction ids in shared memory; past that, other sessions'
// snapshots look them up on disk.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "store/serial_lock.h"

namespace meldcode::sql {

// What an adapter's connection offers the group commit. Every function but
// sync() and count_commit() is called with the connection held.
class Transactions {
public:
    virtual ~Transactions() = default;
    // Opens a transaction with the store's write lock (throws, leaving none
    // open, when it cannot).
    virtual void begin() = 0;
    // Commits: visible to every later transaction when it returns, and
    // durable once sync() has returned after it.
    virtual void commit() = 0;
    // Makes every commit that returned before this call durable; throws when
    // it cannot. Called without the connection, possibly beside the next
    // batch on it. A no-op where commit() is durable by itself.
    virtual void sync() = 0;
    // How long a commit took until it was durable, for the store's commit
    // figures (StoreStats). May be called from any thread.
    virtual void count_commit(std::chrono::nanoseconds took) = 0;
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

// One transaction, committed but not yet synced: the group commit's call of
// its own, or with sync() after it, the store's opening.
template <typename Body>
void commit_one(Transactions& transactions, Body&& body) {
    transactions.begin();
    try {
        body();
        transactions.commit();
    } catch (...) {
        transactions.rollback();
        throw;
    }
}

// One durable transaction before the store is shared (its opening), not
// counted in its commit figures.
template <typename Body>
void one_transaction(Transactions& transactions, Body&& body) {
    commit_one(transactions, std::forward<Body>(body));
    transactions.sync();
}

class GroupCommit {
public:
    static constexpr int kMaxBatch = 64;

    explicit GroupCommit(Transactions& transactions) : transactions_(transactions) {}

    // Runs fn in the open transaction and returns once what it did is
    // durable; rethrows what fn threw (its own writes undone), or the commit's
    // failure. fn may run on another caller's thread, the leader's. Throws
    // Error(MC_E_INTERNAL) when fn's thread is already inside one of the
    // store's calls, and the failed sync's error once the store failed.
    template <typename Fn>
    void run(Fn&& fn) {
        SerialMutex::refuse_reentry(mutex_);
        using Target = std::remove_reference_t<Fn>;
        Call call(&fn, [](void* target) { (*static_cast<Target*>(target))(); });
        {
            std::unique_lock<std::mutex> lock(queue_mutex_);
            if (failed_) std::rethrow_exception(failed_);
            enqueue(call);
            while (!call.done) {
                call.wake.wait(lock, [&] { return call.done || call.leads; });
                if (call.done) break;
                lock.unlock();
                const Commit unsynced = lead(call);
                lock.lock();
                call.leads = false;
                hand_over();
                if (unsynced.number == 0) continue;
                lock.unlock();
                sync(unsynced);
                lock.lock();
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
        if (auto failure = store_failure()) std::rethrow_exception(failure);
        const auto started = Clock::now();
        commit_one(transactions_, std::forward<Fn>(fn));
        if (auto failure = sync(Commit{++committed_, started})) std::rethrow_exception(failure);
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

    // Whether a failed sync stopped the store: it refuses every call until
    // it is opened again (StoreStats::stopped, for readiness probes).
    bool stopped() const { return stopped_.load(); }

private:
    using Clock = std::chrono::steady_clock;

    // One commit of a batch (or a call of its own), numbered in order.
    struct Commit {
        std::uint64_t number = 0;  // 0: none, nothing to sync
        Clock::time_point started;
        bool later = false;  // synced after the connection is handed on
    };

    // One caller's call, on its stack; the leader runs it. Its fields other
    // than the function and `ran` are written under queue_mutex_ once it is
    // queued.
    struct Call {
        Call(void* fn, void (*run_fn)(void*)) : target(fn), invoke(run_fn) {}
        void* target;
        void (*invoke)(void*);
        std::exception_ptr own;      // what the function threw, its writes undone
        std::exception_ptr failure;  // the commit's failure, when its writes were lost
        bool ran = false;            // by the leader, who alone reads it: run (or refused)
        bool done = false;           // answered: nothing of it waits for a commit or a sync
        bool leads = false;          // its thread runs the queue now
        std::uint64_t needs = 0;     // the commit that must be durable before it is answered
        Call* next = nullptr;        // in the queue, then in the batch, then unsynced
        std::condition_variable wake;
    };

    // Under queue_mutex_. The first call to arrive while no one leads leads.
    void enqueue(Call& call) {
        (queue_tail_ ? queue_tail_->next : queue_head_) = &call;
        queue_tail_ = &call;
        waiting_.fetch_add(1);
        if (!leading_)
            leading_ = call.leads = true;
        else
            leader_wake_.notify_one();
    }

    // The next call to run; none when the batch is to be committed. While
    // the last batch's sync is under way the open batch waits for more calls
    // instead: its commit would wait for the disk anyway, and a larger batch
    // shares more of its pages. Once the store failed, queued calls are
    // refused: nothing more is written on top of a log that may have lost a
    // commit.
    Call* next_call() {
        std::unique_lock<std::mutex> lock(queue_mutex_);
        leader_wake_.wait(lock, [&] { return queue_head_ || !open_ || syncing_ == 0; });
        while (Call* call = queue_head_) {
            queue_head_ = std::exchange(call->next, nullptr);
            if (!queue_head_) queue_tail_ = nullptr;
            waiting_.fetch_sub(1);
            call->ran = true;
            if (!failed_) return call;
            call->failure = failed_;
            settle(*call);
        }
        return nullptr;
    }

    // Under queue_mutex_, after leading: the longest-waiting call leads next.
    void hand_over() {
        leading_ = queue_head_ != nullptr;
        if (leading_) {
            queue_head_->leads = true;
            queue_head_->wake.notify_one();
        }
    }

    // The failed sync's error once the store failed, else none.
    std::exception_ptr store_failure() {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        return failed_;
    }

    // Runs queued calls one after another with the connection held, each in
    // its own savepoint, and commits when no call is left waiting (or the
    // batch is full). Handing the connection from thread to thread for every
    // call cost more than the calls themselves; a leader keeps it until the
    // batch holding its own call is committed. Returns with no transaction
    // open and `own` run; its batch's commit, when one is left to sync after
    // the connection is handed on (batches before it are synced at once).
    // That sync is the leader's even when its own call only read and was
    // answered before it: its caller then waits for one more sync.
    Commit lead(const Call& own) {
        SerialMutex::Lock lock(mutex_);
        Commit last;
        while (!own.ran || open_) {
            Call* call = next_call();
            if (call) run_one(*call);
            if (open_ && (!call || members_ >= kMaxBatch)) {
                last = close_batch(/*sync_later=*/own.ran);
                if (!own.ran && last.number != 0) {
                    sync(last);
                    last = Commit{};
                }
            }
        }
        return last;
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
            // It read only what was committed: answered once that is durable.
            std::lock_guard<std::mutex> lock(queue_mutex_);
            wait_for_sync(call, committed_);
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

    // Commits the batch; its calls then wait for the commit's sync. Returns
    // that commit, or none when it failed (its calls answered with why).
    // PostgreSQL answers COMMIT in an aborted transaction with a rollback
    // and no error: such a batch is failed instead.
    // `sync_later`: synced after the connection is handed on.
    Commit close_batch(bool sync_later) {
        if (!transactions_.open()) {
            fail_batch();
            return {};
        }
        if (auto failure = store_failure()) {  // not written on top of a failed log
            transactions_.rollback();
            finish(failure, Commit{});
            return {};
        }
        const auto started = Clock::now();
        try {
            transactions_.commit();
        } catch (...) {
            transactions_.rollback();
            finish(std::current_exception(), Commit{});
            return {};
        }
        const Commit commit{++committed_, started, sync_later};
        finish(nullptr, commit);
        return commit;
    }

    // The transaction was lost under the batch: none of it is stored.
    void fail_batch() {
        transactions_.rollback();
        finish(std::make_exception_ptr(
                   Error(MC_E_STORAGE, "storage",
                         "store failure: the transaction was aborted; nothing of it was stored")),
               Commit{});
    }

    // Closes the batch: its calls are answered with its failure, or wait for
    // `commit` to be durable.
    void finish(const std::exception_ptr& failure, const Commit& commit) {
        open_ = false;
        members_ = 0;
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (commit.later) ++syncing_;
        for (Call* call = std::exchange(batch_, nullptr); call;) {
            Call* next = std::exchange(call->next, nullptr);
            call->failure = failure;
            if (failure)
                settle(*call);
            else
                wait_for_sync(*call, commit.number);
            call = next;
        }
    }

    // Makes `commit` (and every one before it) durable and answers the calls
    // waiting for it. Returns the failure when the store failed.
    std::exception_ptr sync(const Commit& commit) {
        std::exception_ptr failure;
        try {
            transactions_.sync();
            transactions_.count_commit(Clock::now() - commit.started);
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(queue_mutex_);
        if (failure && !failed_) {
            failed_ = store_failed(failure);
            stopped_.store(true);
        }
        if (!failed_) durable_ = std::max(durable_, commit.number);
        settle_unsynced();
        if (commit.later && --syncing_ == 0) leader_wake_.notify_one();
        return failed_;
    }

    // What every waiting and later call is answered once a sync failed: the
    // sync's own error, and that the store takes nothing more.
    static std::exception_ptr store_failed(const std::exception_ptr& failure) {
        std::string why = "store failure: a commit could not be made durable";
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            why = e.what();
        } catch (...) {
        }
        return std::make_exception_ptr(
            Error(MC_E_STORAGE, "storage",
                  why + "; the store takes no more calls until it is opened again"));
    }

    // Under queue_mutex_: answered now if commit `number` is durable, else
    // once it is.
    void wait_for_sync(Call& call, std::uint64_t number) {
        call.needs = number;
        if (!still_unsynced(call)) return settle_synced(call);
        call.next = unsynced_;
        unsynced_ = &call;
    }

    // Under queue_mutex_: answers the calls whose commit is durable, and
    // fails all of them once the store failed.
    void settle_unsynced() {
        Call** link = &unsynced_;
        while (Call* call = *link) {
            if (still_unsynced(*call)) {
                link = &call->next;
                continue;
            }
            *link = std::exchange(call->next, nullptr);
            settle_synced(*call);
        }
    }

    // Under queue_mutex_: the call's commit may yet become durable.
    bool still_unsynced(const Call& call) const { return call.needs > durable_ && !failed_; }

    // Under queue_mutex_, once still_unsynced says no: answered, with the
    // store's failure if its commit did not become durable before it.
    void settle_synced(Call& call) {
        if (call.needs > durable_) call.failure = failed_;
        settle(call);
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
    std::uint64_t committed_ = 0;           // under mutex_: the last commit's number
    std::mutex queue_mutex_;  // guards the queue, leading_, the sync state and Call's fields
    Call* queue_head_ = nullptr;
    Call* queue_tail_ = nullptr;
    bool leading_ = false;                 // a caller's thread runs the queue
    std::condition_variable leader_wake_;  // a call queued, or no sync left under way
    int syncing_ = 0;                      // syncs under way after their connection was handed on
    std::uint64_t durable_ = 0;            // the last commit known durable
    Call* unsynced_ = nullptr;             // calls answered once their commit is durable
    std::exception_ptr failed_;            // the sync that failed the store
    std::atomic<bool> stopped_{false};     // failed_ is set, read without the mutex
};

}  // namespace meldcode::sql
