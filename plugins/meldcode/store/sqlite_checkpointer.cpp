#include "sqlite_checkpointer.h"

#include "sqlite_db.h"

namespace meldcode::sqlite {

namespace {

// A passive checkpoint copies what no reader still needs, syncing the log
// before and the database after (synchronous=FULL): the log restarts from
// its beginning at the first write after a copy that reached its end.
void copy_log(sqlite3* db) {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

}  // namespace

Checkpointer::Checkpointer(const std::string& path, sqlite3* writer, CheckpointPages pages)
    : writer_(writer), pages_(pages) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    db_.reset(raw);  // a failed open still returns a handle to close
    check(rc, kCannotOpen);
    exec(db_.get(), "PRAGMA busy_timeout = 10000", kCannotOpen);
    exec(db_.get(), "PRAGMA synchronous = FULL", kCannotOpen);
    thread_ = std::thread([this] { run(); });
    sqlite3_wal_hook(writer_, &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

// Called by SQLite in the committing call, after its commit, with the pages
// now in the log.
int Checkpointer::on_commit(void* self, sqlite3* writer, const char* /*schema*/, int pages) {
    auto& checkpointer = *static_cast<Checkpointer*>(self);
    if (pages >= checkpointer.pages_.copy_inline) {
        checkpointer.exclusive([writer] { copy_log(writer); });
    } else if (pages >= checkpointer.pages_.wake) {
        {
            std::lock_guard<std::mutex> lock(checkpointer.mutex_);
            checkpointer.due_ = true;
        }
        checkpointer.wake_.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return due_ || stop_; });
        if (stop_) return;
        due_ = false;
        lock.unlock();
        exclusive([this] { copy_log(db_.get()); });
        lock.lock();
    }
}

}  // namespace meldcode::sqlite
