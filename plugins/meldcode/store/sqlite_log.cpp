#include "store/sqlite_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "store/sqlite_db.h"

namespace meldcode::sqlite {
namespace {

void sync_folder_of(const std::string& path) {
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty()) folder = ".";
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw system_failure(kCannotOpen, "the store's folder", errno);
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) throw system_failure(kCannotOpen, "the store's folder could not be synced", error);
}

}  // namespace

LogFile::LogFile(const std::string& store_path) {
    const std::string path = store_path + "-wal";
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw system_failure(kCannotOpen, "the store's write-ahead log", errno);
    try {
        sync_folder_of(path);
    } catch (...) {
        ::close(fd_);
        throw;
    }
}

LogFile::~LogFile() {
    ::close(fd_);
}

void LogFile::sync() {
    const std::lock_guard<std::mutex> one_at_a_time(syncing_);
    struct stat status {};
    if (::fstat(fd_, &status) != 0) throw system_failure(kStoreFailure, "the log", errno);
    if (status.st_nlink == 0) {
        throw storage_failure(kStoreFailure,
                              "the store's log was deleted while the store was open");
    }
    int rc = 0;
    do {
        rc = ::fdatasync(fd_);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) throw system_failure(kStoreFailure, "the log could not be synced", errno);
}

}  // namespace meldcode::sqlite
