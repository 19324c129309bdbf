// The store's write-ahead log, opened apart from SQLite to make its commits
// durable off the connection (group_commit.h: the next batch runs while the
// disk writes the last one's).
//
// The connection commits with synchronous=NORMAL: SQLite writes a commit's
// frames to the log but does not sync them, and still syncs the log's header
// when the log starts anew and the log before every checkpoint, so the store
// stays consistent. What a commit with synchronous=FULL adds, one fdatasync of
// the log after its frames, is LogFile::sync(); a sync covers every frame
// written before it.
//
// SQLite deletes the log only when the last connection to the store closes,
// and the store's own connection stays open as long as this file: the file
// synced is the log SQLite writes. sync() checks it was not unlinked anyway.
#pragma once

#include <mutex>
#include <string>

namespace meldcode::sqlite {

class LogFile {
public:
    // Opens `store_path`-wal, which the store's connection has created, and
    // syncs the folder that holds it, so the log's name outlives a crash.
    explicit LogFile(const std::string& store_path);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    // Every frame written to the log before the call is on disk when it
    // returns; throws Error(MC_E_STORAGE) when it cannot say so. One sync at
    // a time: Linux reports a failed write-back once per open file, to the
    // sync that asks first, so of two at once the later commit's could get
    // the error and the earlier one's a success it did not have.
    void sync();

private:
    int fd_ = -1;
    std::mutex syncing_;
};

}  // namespace meldcode::sqlite
