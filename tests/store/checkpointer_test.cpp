// The SQLite store's checkpointer (store/sqlite_checkpointer.h) on a plain
// WAL database: who copies the log into the database, and when. The database
// file only grows when a checkpoint copies pages into it, so its size tells.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite_checkpointer.h"
#include "temp_dir.h"

namespace {

using meldcode::sqlite::Checkpointer;

constexpr std::uintmax_t kFrame = 4096 + 24;  // a page in the log, with its header
constexpr int kUnreachable = 1000000;

std::uintmax_t size_of(const std::string& file) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    return error ? 0 : size;
}

class WalDatabase {
public:
    WalDatabase() : path_(dir_.file("log.db")) {
        REQUIRE(sqlite3_open(path_.c_str(), &db_) == SQLITE_OK);
        run("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (x BLOB)");
    }
    ~WalDatabase() { sqlite3_close(db_); }
    WalDatabase(const WalDatabase&) = delete;
    WalDatabase& operator=(const WalDatabase&) = delete;

    void run(const char* sql) {
        REQUIRE(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    // One commit of about one page.
    void commit_a_page() { run("INSERT INTO t VALUES (randomblob(4000))"); }
    // Commits until the log has held `pages` pages. Only for a log nothing
    // copies before: once copied, it restarts and may never get there.
    void commit_until_log_holds(int pages) {
        while (log_size() < static_cast<std::uintmax_t>(pages) * kFrame) commit_a_page();
    }

    sqlite3* db() const { return db_; }
    const std::string& path() const { return path_; }
    std::uintmax_t file_size() const { return size_of(path_); }
    std::uintmax_t log_size() const { return size_of(path_ + "-wal"); }

private:
    meldcode::test::TempDir dir_{"meldcode-checkpointer"};
    std::string path_;
    sqlite3* db_ = nullptr;
};

// Waits up to 30 s (a bound for a loaded machine, not a figure) for the
// database file to grow past `size`.
bool grows_past(const WalDatabase& database, std::uintmax_t size) {
    for (int i = 0; i < 300; ++i) {
        if (database.file_size() > size) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

}  // namespace

TEST_CASE("the committing call no longer copies the log at SQLite's 1000 pages", "[checkpointer]") {
    WalDatabase database;
    Checkpointer checkpointer(database.path(), database.db(), {kUnreachable, kUnreachable});
    const auto before = database.file_size();
    database.commit_until_log_holds(1500);
    CHECK(database.file_size() == before);
}

TEST_CASE("a log past the wake threshold is copied by the checkpointer's own thread",
          "[checkpointer]") {
    WalDatabase database;
    Checkpointer checkpointer(database.path(), database.db(), {20, kUnreachable});
    const auto before = database.file_size();
    database.commit_until_log_holds(20);  // the commit that got there woke the thread
    REQUIRE(grows_past(database, before));
    checkpointer.exclusive([] {});  // the copy that began has ended
    // Copied to its end: the next commit writes the log from its start.
    database.commit_a_page();
    const auto log = database.log_size();
    for (int i = 0; i < 5; ++i) database.commit_a_page();
    CHECK(database.log_size() == log);
}

TEST_CASE("a log the thread has not copied is copied by the commit that reaches the bound",
          "[checkpointer]") {
    WalDatabase database;
    Checkpointer checkpointer(database.path(), database.db(), {kUnreachable, 20});
    const auto before = database.file_size();
    database.commit_until_log_holds(20);
    CHECK(database.file_size() > before);  // copied before the commit returned
    for (int i = 0; i < 100; ++i) database.commit_a_page();
    CHECK(database.log_size() <= 25 * kFrame);
}

TEST_CASE("an explicit checkpoint waits for a copy in progress instead of failing",
          "[checkpointer]") {
    WalDatabase database;
    Checkpointer checkpointer(database.path(), database.db(), {2, kUnreachable});
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 5; ++i) database.commit_a_page();  // the thread copies after each
        const bool emptied = checkpointer.exclusive([&] {
            int log = -1;
            int copied = -1;
            const int rc = sqlite3_wal_checkpoint_v2(database.db(), nullptr,
                                                     SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
            return rc == SQLITE_OK && log == copied;
        });
        CHECK(emptied);
        CHECK(database.log_size() == 0);
    }
}
