// One process per SQLite store. "This ticket was asked about" and the webhook
// outbox live in a process's memory next to the store: two processes on one
// file would both ask a technician, so the second is refused at open.
//
// The lock is flock(2) on a file beside the store ("<store>-lock"), not on the
// store itself: closing any descriptor of the database file would drop the
// POSIX locks SQLite holds on it. The kernel releases the lock when the
// holder ends, however it ends (a crash leaves no stale lock).
#pragma once

#include <string>

namespace meldcode::sqlite {

class StoreLock {
public:
    // Throws Error(MC_E_STORAGE, "store_in_use") naming `store_path` when
    // another process (or another open instance) holds the store.
    explicit StoreLock(const std::string& store_path);
    ~StoreLock();
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace meldcode::sqlite
