#include "store/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "store/sqlite_db.h"

namespace meldcode::sqlite {

StoreLock::StoreLock(const std::string& store_path) {
    const std::string path = store_path + "-lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw system_failure(kCannotOpen, path, errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    const int error = errno;
    ::close(fd_);
    if (error == EWOULDBLOCK) {
        throw Error(MC_E_STORAGE, "store_in_use",
                    "the store " + store_path +
                        " is in use by another process or instance; a SQLite store serves one "
                        "at a time");
    }
    throw system_failure(kCannotOpen, path, error);
}

StoreLock::~StoreLock() {
    ::close(fd_);  // releases the lock
}

}  // namespace meldcode::sqlite
