// The group commit's order of commits, syncs and answers (group_commit.h).
//
// A real disk sync cannot be held still, so these tests give the group commit
// a connection whose sync() waits until the test lets it go: then what runs
// beside a sync, and who is answered before it returns, can be asserted
// instead of hoped for. store_test.cpp runs the same group commit on real
// SQLite and PostgreSQL stores.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/errors.h"
#include "store/group_commit.h"

using namespace meldcode;

namespace {

// Waits up to 30 s (a loaded machine) for `done`; false when it never came.
bool eventually(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// A connection that keeps count, and whose syncs wait for the test.
class HeldSyncs final : public sql::Transactions {
public:
    void begin() override {
        open_ = true;
        wrote_ = false;
    }
    void commit() override {
        open_ = false;
        ++commits;
    }
    void sync() override {
        std::unique_lock<std::mutex> lock(mutex_);
        ++syncs_started;
        changed_.wait(lock, [&] { return syncs_allowed > syncs_done.load(); });
        ++syncs_done;
        if (fail_syncs) throw std::runtime_error("store failure: the log could not be synced");
    }
    void count_commit(std::chrono::nanoseconds) override {}
    void rollback() noexcept override { open_ = false; }
    bool open() override { return open_; }
    bool wrote() override { return wrote_; }
    void exec(const char*) override {}

    // A call's function: a write in the open transaction.
    void write() { wrote_ = true; }

    // Lets one more sync return.
    void allow_sync(int more = 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        syncs_allowed += more;
        changed_.notify_all();
    }

    std::atomic<int> commits{0};
    std::atomic<int> syncs_started{0};
    std::atomic<int> syncs_done{0};
    std::atomic<bool> fail_syncs{false};

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int syncs_allowed = 0;  // under mutex_
    bool open_ = false;     // only with the connection held
    bool wrote_ = false;
};

// One caller on a thread of its own: what its function did, and how it was
// answered.
struct Caller {
    std::atomic<bool> ran{false};
    std::atomic<bool> answered{false};
    std::string failure;  // written before `answered`
    std::thread thread;

    void start(sql::GroupCommit& group, HeldSyncs& log, bool writes) {
        thread = std::thread([this, &group, &log, writes] {
            try {
                group.run([&] {
                    if (writes) log.write();
                    ran = true;
                });
            } catch (const Error& e) {
                failure = e.what();
            }
            answered = true;
        });
    }
    ~Caller() {
        if (thread.joinable()) thread.join();
    }
};

// Unblocks every sync when it goes: declared after the callers, since a
// failed REQUIRE ends the test while their threads may wait for a sync.
struct Unblock {
    HeldSyncs& log;
    ~Unblock() { log.allow_sync(1000); }
};

// The first call commits alone, hands the connection on and syncs; the sync
// is held. Beside it, the reader leads the next batch: it only reads, and may
// have read the first commit, so it waits for that sync too. The second call
// runs in the same open batch, which waits for more calls instead of
// committing into the sync.
struct BesideAHeldSync {
    BesideAHeldSync() {
        first.start(group, log, /*writes=*/true);
        REQUIRE(eventually([&] { return log.syncs_started == 1; }));
        CHECK(log.commits == 1);
        reader.start(group, log, /*writes=*/false);
        REQUIRE(eventually([&] { return reader.ran.load(); }));
        second.start(group, log, /*writes=*/true);
        REQUIRE(eventually([&] { return second.ran.load(); }));
    }

    HeldSyncs log;
    sql::GroupCommit group{log};
    Caller first, reader, second;
    Unblock unblock{log};
};

}  // namespace

TEST_CASE_METHOD(BesideAHeldSync,
                 "a commit is answered once its sync returned, and the next batch runs meanwhile",
                 "[store]") {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(first.answered);
    CHECK_FALSE(reader.answered);
    CHECK_FALSE(second.answered);
    CHECK(log.commits == 1);

    // The first sync returns: its call is answered, and the second batch
    // commits and is synced (by the reader's thread, which led it).
    log.allow_sync();
    REQUIRE(eventually([&] { return first.answered.load(); }));
    REQUIRE(eventually([&] { return log.syncs_started == 2; }));
    CHECK(log.commits == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(second.answered);

    log.allow_sync();
    REQUIRE(eventually([&] { return second.answered && reader.answered; }));
    CHECK(first.failure.empty());
    CHECK(second.failure.empty());
    CHECK(reader.failure.empty());
    CHECK(log.syncs_done == 2);
}

TEST_CASE_METHOD(BesideAHeldSync,
                 "a sync that fails fails every call waiting for it, and the store takes no more",
                 "[store]") {
    log.fail_syncs = true;
    CHECK_FALSE(group.stopped());
    log.allow_sync();
    REQUIRE(eventually([&] { return first.answered && second.answered && reader.answered; }));
    CHECK(group.stopped());  // what the store's stats, and so a readiness probe, read
    for (const Caller* caller : {&first, &second, &reader}) {
        CHECK(caller->failure.find("the log could not be synced") != std::string::npos);
        CHECK(caller->failure.find("takes no more calls") != std::string::npos);
    }
    // The second batch was not committed on top of the failed log.
    CHECK(log.commits == 1);
    CHECK(log.syncs_started == 1);

    // Every later call is refused before it runs, shared or of its own.
    bool ran = false;
    try {
        group.run([&] { ran = true; });
        FAIL("a call ran on a failed store");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_STORAGE);
        CHECK(std::string(e.what()).find("takes no more calls") != std::string::npos);
    }
    CHECK_THROWS_AS(group.run_alone([&] { ran = true; }), Error);
    CHECK_FALSE(ran);
    CHECK(log.commits == 1);
}
