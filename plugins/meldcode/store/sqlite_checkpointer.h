// Copies the SQLite store's write-ahead log into the database on a thread and
// a connection of its own.
//
// By default SQLite copies the log in the commit that takes it past 1000
// pages: that commit then also waits for the copy and its two syncs, and with
// group commit so does every call sharing it. Measured through the sidecar,
// that cost 17% of submissions/s (bench/RESULTS.md). Here
// the store's connection only wakes this thread, which copies what it can
// without blocking anyone (a passive checkpoint). Should the log still reach
// pages.copy_inline (the copier never finishing while commits keep coming),
// the committing call copies it itself, as SQLite would have: the log stays
// bounded.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace meldcode::sqlite {

// Pages in the log after a commit (4 KiB each) that make it copied.
struct CheckpointPages {
    int wake = 1000;          // by the checkpointer's thread: SQLite's own default
    int copy_inline = 10000;  // by the committing call: about 40 MiB of log
};

class Checkpointer {
public:
    // Opens a second connection to the store at `path` and takes over
    // `writer`'s log hook (which turns SQLite's automatic checkpoints off).
    Checkpointer(const std::string& path, sqlite3* writer, CheckpointPages pages = {});
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // Runs fn while no copy runs: a TRUNCATE checkpoint on the writer would
    // otherwise find this one's checkpoint lock taken and give up.
    template <class Fn>
    auto exclusive(Fn fn) {
        std::lock_guard<std::mutex> copying(copying_);
        return fn();
    }

private:
    static int on_commit(void* self, sqlite3* writer, const char* schema, int pages);
    void run();

    struct Closer {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    sqlite3* writer_;
    CheckpointPages pages_;
    std::unique_ptr<sqlite3, Closer> db_;
    std::mutex copying_;  // held by whichever connection copies
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace meldcode::sqlite
