#include "backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace meldcode::admin {
namespace {

using nlohmann::json;

std::runtime_error failure(const std::string& what) {
    return std::runtime_error(what);
}

std::runtime_error system_failure(const std::string& what) {
    return failure(what + ": " + std::strerror(errno));
}

// What the backup created, removed again unless the backup completes.
class Created {
public:
    ~Created() {
        if (kept_) return;
        for (auto path = files_.rbegin(); path != files_.rend(); ++path) {
            // SQLite's own files beside a copy (a journal left by a full disk)
            for (const char* suffix : {"-journal", "-wal", "-shm"}) {
                ::unlink((*path + suffix).c_str());
            }
            ::unlink(path->c_str());
        }
        if (!folder_.empty()) ::rmdir(folder_.c_str());
    }
    void folder(const std::string& path) { folder_ = path; }
    void file(const std::string& path) { files_.push_back(path); }
    void keep() { kept_ = true; }

private:
    std::string folder_;
    std::vector<std::string> files_;
    bool kept_ = false;
};

bool empty_folder(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return false;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) return false;
    while (const dirent* entry = ::readdir(dir.get())) {
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
            return false;
    }
    return true;
}

void make_folder(const std::string& path, Created& created) {
    if (::mkdir(path.c_str(), 0700) == 0) {
        created.folder(path);
    } else if (errno != EEXIST) {
        throw system_failure("cannot create the destination " + path);
    } else if (!empty_folder(path)) {
        throw failure("the destination " + path +
                      " exists and is not an empty folder; a backup goes into a new one");
    } else if (::chmod(path.c_str(), 0700) != 0) {
        throw system_failure("cannot make the destination " + path + " private");
    }
}

// A new file readable by its owner only: the store holds special-category
// data (sealed) and the key ring opens it.
void create_private_file(const std::string& path, const std::string& content, Created& created) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw system_failure("cannot create " + path);
    created.file(path);
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            throw system_failure("cannot write " + path);
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    if (::close(fd) != 0 || !synced) throw system_failure("cannot write " + path);
}

struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, Closer>;

// SQLite's fixed text for a result code: sqlite3_errmsg() may quote SQL.
void check(int rc, const std::string& what) {
    if (rc != SQLITE_OK) throw failure(what + ": " + sqlite3_errstr(rc));
}

Db open_db(const std::string& path, int flags, const std::string& what) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Db db(raw);
    check(rc, what + " " + path);
    return db;
}

std::string query_text(sqlite3* db, const char* sql, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    check(sqlite3_prepare_v2(db, sql, -1, &raw, nullptr), what);
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
    const int rc = sqlite3_step(raw);
    if (rc != SQLITE_ROW) check(rc == SQLITE_DONE ? SQLITE_EMPTY : rc, what);
    const unsigned char* text = sqlite3_column_text(raw, 0);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
}

// As the store's owner only: a reader creates SQLite's -wal and -shm files
// when they are absent, and the service could not open files root made.
void require_owner(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw system_failure("cannot open the store " + path);
    if (info.st_uid == ::geteuid()) return;
    const passwd* owner = ::getpwuid(info.st_uid);
    throw failure("the store " + path + " belongs to " +
                  (owner != nullptr ? std::string(owner->pw_name) : std::to_string(info.st_uid)) +
                  ": run the backup as that user (runuser -u <user> -- meldcode-admin backup ...)");
}

// Read-only, and never created: a mistyped store_path must not become an
// empty store that backs up "successfully".
Db open_source(const std::string& path) {
    require_owner(path);
    Db db = open_db(path, SQLITE_OPEN_READONLY, "cannot open the store");
    check(sqlite3_busy_timeout(db.get(), 10000), "cannot open the store " + path);
    return db;
}

Db open_store(const std::string& path) {
    Db db = open_source(path);
    if (query_text(db.get(), "PRAGMA user_version", "cannot read the store " + path) == "0") {
        throw failure("the store " + path + " is not a meldcode store (no schema version)");
    }
    return db;
}

// One step over all pages: one read transaction, one consistent snapshot.
// Busy or locked (a writer checkpointing, the WAL restarting) is retried.
long long copy_pages(sqlite3* source, sqlite3* copy) {
    sqlite3_backup* backup = sqlite3_backup_init(copy, "main", source, "main");
    if (backup == nullptr) check(sqlite3_errcode(copy), "cannot start the backup");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int rc;
    while ((rc = sqlite3_backup_step(backup, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (std::chrono::steady_clock::now() >= until) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const long long pages = sqlite3_backup_pagecount(backup);
    const int finished = sqlite3_backup_finish(backup);
    check(rc == SQLITE_DONE ? finished : rc, "the backup failed");
    return pages;
}

long long copy_store(const Db& source, const std::string& store_path, const std::string& copy_path,
                     Created& created) {
    create_private_file(copy_path, "", created);
    const Db copy = open_db(copy_path, SQLITE_OPEN_READWRITE, "cannot open the copy");
    const long long pages = copy_pages(source.get(), copy.get());
    // The copy is a store of its own (WAL like the original); fold its log in
    // so that the backup is one file.
    check(sqlite3_exec(copy.get(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
          "cannot complete the copy");
    if (query_text(copy.get(), "PRAGMA integrity_check", "cannot check the copy") != "ok") {
        throw failure("the copy of " + store_path + " fails PRAGMA integrity_check");
    }
    return pages;
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file) throw failure("cannot read the key ring file " + path + " (keys.file)");
    return text.str();
}

// The key ring as the configuration names it: the bytes of its file, or the
// text of its environment variable.
std::string key_ring_text(const json& keys) {
    if (keys.contains("file")) return read_file(keys.at("file").get<std::string>());
    const std::string name = keys.at("env").get<std::string>();
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
        throw failure("the environment variable " + name +
                      " (keys.env) is not set: the key ring must go into the backup with the "
                      "store; run the backup where the service's environment is set");
    }
    return value;
}

void require_store_and_keys(const json& config) {
    const auto string = [&](const char* name) {
        return config.contains(name) && config.at(name).is_string();
    };
    if (config.contains("store")) {
        throw failure(
            "the store is PostgreSQL: back it up with pg_dump together with the key ring "
            "(docs/postgresql.md, \"Backups\")");
    }
    if (!string("store_path") || !config.contains("keys") || !config.at("keys").is_object() ||
        !(config.at("keys").contains("file") || config.at("keys").contains("env"))) {
        throw failure("the configuration names no store_path and keys (file or env)");
    }
}

}  // namespace

BackupReport backup(const json& config, const std::string& destination,
                    const std::vector<std::string>& sidecar_files) {
    require_store_and_keys(config);
    Created created;
    make_folder(destination, created);
    BackupReport report{destination + "/meldcode.db", destination + "/meldcode.keys", 0, {}};
    // The key ring first: a missing one fails before the store is read.
    create_private_file(report.key_ring, key_ring_text(config.at("keys")), created);
    const std::string store_path = config.at("store_path").get<std::string>();
    report.pages = copy_store(open_store(store_path), store_path, report.store, created);
    for (const auto& file : sidecar_files) {
        const std::string copy = destination + "/" + base_name(file);
        copy_store(open_source(file), file, copy, created);
        report.sidecar_files.push_back(copy);
    }
    created.keep();
    return report;
}

}  // namespace meldcode::admin
