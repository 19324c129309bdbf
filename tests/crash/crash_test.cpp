// Crash safety: a host killed with SIGKILL while it streams submissions loses
// none that the plugin acknowledged, and a restarted host retrying with the
// same idempotency keys stores nothing twice.
//
// Each round starts submission_streamer (a separate process: SIGKILL must hit
// a real host, not a thread of the test), reads its acknowledgements from a
// pipe, kills it at a random moment and reaps it. Then the store is inspected
// directly (the file with SQLite itself, or PostgreSQL over a connection of
// its own), exactly as the crash left it, before the plugin touches it again;
// then the store is reopened through the SDK and every key up to and past the
// one in flight is retried, and the audit chain must verify; then the store
// is inspected once more. crash_tests_postgres runs the same on PostgreSQL.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "meldcode/meldcode.hpp"
#include "postgres_schema.h"
#include "streamed_submission.h"

extern char** environ;

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

[[noreturn]] void fail_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("meldcode-crash-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Where the store is: a SQLite file in the test's folder, or, when the tests
// run against PostgreSQL (MELDCODE_TEST_POSTGRES), a schema of its own.
struct TestStore {
    explicit TestStore(const std::filesystem::path& dir) {
        if (std::getenv("MELDCODE_TEST_POSTGRES") != nullptr) schema.emplace();
        const std::string keys = (dir / "meldcode.keys").string();
        meldcode::sdk::create_key_file(keys);
        config = {{"keys", {{"file", keys}}}};
        if (schema) {
            config["store"] = {{"postgresql", schema->conninfo()}};
        } else {
            config["store_path"] = (dir / "meldcode.db").string();
        }
        config_file = (dir / "config.json").string();
        std::ofstream(config_file) << config.dump();
    }

    std::optional<meldcode::test::PostgresSchema> schema;
    json config;
    std::string config_file;  // what the streamer opens
};

// The store read directly, not through the plugin: with SQLite itself, or
// over a connection of its own to PostgreSQL. The SQLite file is opened
// read-write because after a crash the WAL is hot: recovering it on open
// needs write access to the shared-memory index, which a read-only
// connection may lack.
class Db {
public:
    explicit Db(const TestStore& store) {
        if (store.schema) {
            conninfo_ = store.schema->conninfo();
            return;
        }
        const std::string path = store.config.at("store_path");
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("cannot open the store: " + message);
        }
        sqlite3_busy_timeout(db_, 5000);
    }
    ~Db() { sqlite3_close(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    bool sqlite() const { return db_ != nullptr; }

    // Every row of the query, each column as text ("NULL" for NULL).
    std::vector<std::vector<std::string>> rows(const std::string& sql) const {
        if (!sqlite()) return meldcode::test::postgres_table(conninfo_, sql);
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error("bad query " + sql + ": " + sqlite3_errmsg(db_));
        }
        std::vector<std::vector<std::string>> out;
        int rc = SQLITE_ROW;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const auto* text = sqlite3_column_text(stmt, i);
                row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) {
            throw std::runtime_error("query " + sql + " failed: " + sqlite3_errmsg(db_));
        }
        return out;
    }

    // All rows flattened, for comparing result sets and showing them on failure.
    std::string text(const std::string& sql) const {
        std::string out;
        for (const auto& row : rows(sql)) {
            for (const auto& column : row) out += column + "|";
            out += "\n";
        }
        return out;
    }

    long long count(const std::string& sql) const {
        const auto result = rows(sql);
        if (result.size() != 1 || result[0].size() != 1) {
            throw std::runtime_error("not a single value: " + sql);
        }
        return std::stoll(result[0][0]);
    }

private:
    sqlite3* db_ = nullptr;
    std::string conninfo_;  // on PostgreSQL
};

struct Ack {
    long long key;
    std::string ref;
};

struct StreamerRun {
    std::vector<Ack> acks;  // in the order the streamer wrote them
    std::string malformed;  // complete lines that are not "key-N s_..."
    int wait_status = 0;
};

// A spawned streamer: killed and reaped on every path out of run_streamer, so
// a failing round leaves no process behind.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            int ignored = 0;
            while (waitpid(pid_, &ignored, 0) < 0 && errno == EINTR) {
            }
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    int kill_and_reap() {
        // Also fine when it already exited: an unreaped child can still be signalled.
        kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0) {
            if (errno != EINTR) fail_errno("waitpid");
        }
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

// Reads what is there; false at end of file.
bool read_some(int fd, std::string& into) {
    char chunk[4096];
    for (;;) {
        const ssize_t got = read(fd, chunk, sizeof chunk);
        if (got > 0) {
            into.append(chunk, static_cast<std::size_t>(got));
            return true;
        }
        if (got == 0) return false;
        if (errno != EINTR) fail_errno("read");
    }
}

// Runs the streamer from key `start` on `threads` threads and SIGKILLs it
// `delay` after its first acknowledgement (or after spawning it, when
// `from_spawn`).
StreamerRun run_streamer(const TestStore& store, long long start, milliseconds delay,
                         bool from_spawn, int threads = 1) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail_errno("pipe2");
    Fd read_end(fds[0]);
    Fd write_end(fds[1]);

    // dup2 onto fd 1 clears close-on-exec there only; both pipe ends
    // themselves close on exec, so the streamer holds the write end once
    // and its death is end of file for us.
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0) fail_errno("posix_spawn_file_actions_init");
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::string path = MELDCODE_STREAMER_PATH;
    std::string config_arg = store.config_file;
    std::string start_arg = std::to_string(start);
    std::string count_arg = "1000000";
    std::string threads_arg = std::to_string(threads);
    char* argv[] = {path.data(),      config_arg.data(),  start_arg.data(),
                    count_arg.data(), threads_arg.data(), nullptr};
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        errno = spawned;
        fail_errno("posix_spawn " + path);
    }
    Child child(pid);
    write_end.reset();

    const auto spawned_at = Clock::now();
    // A streamer that never acknowledges anything is killed all the same;
    // the caller then fails the round. Keeps the test bounded.
    const auto give_up = spawned_at + std::chrono::seconds(15);
    auto kill_at = from_spawn ? spawned_at + delay : give_up;
    bool waiting_for_first_ack = !from_spawn;
    std::string output;
    for (;;) {
        const auto now = Clock::now();
        const auto deadline = std::min(kill_at, give_up);
        if (now >= deadline) break;
        const auto left = std::chrono::ceil<milliseconds>(deadline - now);
        pollfd p{read_end.get(), POLLIN, 0};
        const int ready = poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR) continue;
            fail_errno("poll");
        }
        if (ready == 0) continue;
        if (!read_some(read_end.get(), output)) break;  // it exited on its own
        if (waiting_for_first_ack && output.find('\n') != std::string::npos) {
            waiting_for_first_ack = false;
            kill_at = Clock::now() + delay;
        }
    }

    StreamerRun run;
    run.wait_status = child.kill_and_reap();
    // What it wrote before it died is still in the pipe: those lines count.
    while (read_some(read_end.get(), output)) {
    }

    // A trailing piece without '\n' was never a whole acknowledgement (cannot
    // happen with one write per line, but a host would not count it either).
    std::size_t begin = 0;
    for (std::size_t end; (end = output.find('\n', begin)) != std::string::npos; begin = end + 1) {
        const std::string line = output.substr(begin, end - begin);
        std::istringstream fields(line);
        std::string key;
        std::string ref;
        std::string extra;
        if (fields >> key >> ref && !(fields >> extra) && key.rfind("key-", 0) == 0 &&
            key.size() == 10 && ref.rfind("s_", 0) == 0 && ref.size() == 24) {
            run.acks.push_back({std::stoll(key.substr(4)), ref});
        } else {
            run.malformed += line + "\n";
        }
    }
    return run;
}

// (idempotency_key -> ref) of every stored submission.
std::map<std::string, std::string> stored_submissions(const Db& db) {
    std::map<std::string, std::string> stored;
    for (const auto& row : db.rows("SELECT idempotency_key, ref FROM submissions")) {
        stored.emplace(row[0], row[1]);
    }
    return stored;
}

// What must hold of the store at any moment: a SQLite file is sound, still in
// WAL mode and no reference dangles (PostgreSQL enforces its foreign keys
// itself); no submission reference is stored twice, and the audit trail has
// one 'signals.submit' row per stored submission, in the submission's concern.
void check_store_sound(const Db& db) {
    if (db.sqlite()) {
        CHECK(db.text("PRAGMA integrity_check") == "ok|\n");
        CHECK(db.text("PRAGMA journal_mode") == "wal|\n");
        CHECK(db.text("PRAGMA foreign_key_check") == "");
    }
    CHECK(db.count("SELECT count(*) - count(DISTINCT ref) FROM submissions") == 0);
    CHECK(db.text("SELECT concern_id, count(*) FROM audit WHERE action = 'signals.submit' "
                  "GROUP BY concern_id ORDER BY concern_id") ==
          db.text("SELECT concern_id, count(*) FROM submissions GROUP BY concern_id "
                  "ORDER BY concern_id"));
}

// Keys acknowledged (or retried) whose submission is missing, then those
// whose stored reference is not the one the host was given.
std::vector<std::string> missing_or_changed(const std::map<long long, std::string>& receipts,
                                            const std::map<std::string, std::string>& stored) {
    std::vector<std::string> missing;
    std::vector<std::string> changed;
    for (const auto& [n, ref] : receipts) {
        const std::string key = meldcode::crash::key(n);
        const auto found = stored.find(key);
        if (found == stored.end()) {
            missing.push_back(key + " missing");
        } else if (found->second != ref) {
            changed.push_back(key + " is " + found->second + ", acknowledged " + ref);
        }
    }
    missing.insert(missing.end(), changed.begin(), changed.end());
    return missing;
}

// The first ten, one a line: compared with "" so that a failure shows them.
std::string first_few(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < 10; ++i) out += items[i] + "\n";
    return out;
}

// Restarts the host and retries keys 0 .. end-1; returns the keys that
// answered another receipt than they were given before (`receipts`, which
// gains the new ones). The audit chain must have survived the kill.
std::vector<std::string> retry_all(const std::shared_ptr<const meldcode::sdk::Plugin>& plugin,
                                   const TestStore& store, long long end,
                                   long long rows_after_crash,
                                   std::map<long long, std::string>& receipts) {
    json config = store.config;
    config["check_outputs"] = true;
    const meldcode::sdk::Instance mc(plugin, config);
    // Every link and the head hold.
    const json audit = mc.verify_audit({{"id", "audit-1"}, {"role", "auditor"}});
    CHECK(audit.at("ok") == true);
    CHECK(audit.at("rows") >= rows_after_crash);
    std::vector<std::string> changed;
    for (long long n = 0; n < end; ++n) {
        const json receipt =
            mc.submit_signals(meldcode::crash::actor(), meldcode::crash::submission(n));
        const std::string ref = receipt.at("submission_ref");
        const auto [known, fresh] = receipts.emplace(n, ref);
        if (!fresh && known->second != ref) {
            changed.push_back(meldcode::crash::key(n) + " answered " + ref + ", acknowledged " +
                              known->second);
        }
    }
    return changed;
}

// After retrying keys 0 .. end-1: exactly one submission per key, each with
// the receipt that key was given, and still a sound store.
void check_after_retries(const TestStore& store, const std::map<long long, std::string>& receipts,
                         long long end) {
    const Db db(store);
    check_store_sound(db);
    const auto stored = stored_submissions(db);
    CHECK(db.count("SELECT count(*) FROM submissions") == end);
    CHECK(static_cast<long long>(stored.size()) == end);
    CHECK(static_cast<long long>(receipts.size()) == end);
    CHECK(first_few(missing_or_changed(receipts, stored)) == "");
    CHECK(db.count("SELECT count(*) FROM audit WHERE action = 'signals.submit'") == end);
}

}  // namespace

TEST_CASE(
    "a host killed while streaming submissions loses no acknowledged one and duplicates "
    "none on retry") {
    const TempDir dir;
    const TestStore store(dir.path());
    const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(MELDCODE_PLUGIN_PATH);

    const auto seed = std::random_device{}();
    INFO("random seed " << seed);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> jitter(0, 40);

    struct Round {
        int delay_ms;
        bool from_spawn;
    };
    // Mostly kills in mid-stream at growing delays. One kills a restarting
    // host early, while it loads the plugin, recovers the WAL left by the
    // previous kill, or makes its first submissions.
    const std::vector<Round> rounds{
        {50, false}, {120, false}, {10, true}, {250, false}, {400, false}};

    // Key index -> the only receipt that key may ever get: acknowledged by a
    // streamer, or handed out by a retry.
    std::map<long long, std::string> receipts;
    long long stored_keys = 0;  // keys 0 .. stored_keys-1 are stored
    std::string summary;

    for (std::size_t r = 0; r < rounds.size(); ++r) {
        const auto delay = milliseconds(rounds[r].delay_ms + jitter(random));
        // Starts a few keys back: the new streamer's first calls are retries
        // of keys a killed one already stored, across a process restart.
        const long long start = std::max(0LL, stored_keys - 3);
        INFO("round " << r << ": streamer from " << meldcode::crash::key(start) << ", killed "
                      << delay.count() << " ms after "
                      << (rounds[r].from_spawn ? "spawning it" : "its first acknowledgement"));

        const StreamerRun run = run_streamer(store, start, delay, rounds[r].from_spawn);
        REQUIRE(WIFSIGNALED(run.wait_status));  // else it failed on its own: see its stderr
        REQUIRE(WTERMSIG(run.wait_status) == SIGKILL);
        CHECK(run.malformed == "");
        if (!rounds[r].from_spawn) REQUIRE(!run.acks.empty());

        // One past the highest key this or an earlier round made the plugin
        // promise. The streamer attempts key n+1 only after acknowledging n,
        // so at most one key beyond it may be stored: the one in flight.
        long long acked_end = stored_keys;
        long long expected_next = start;
        std::vector<std::string> changed_by_restart;
        for (const Ack& ack : run.acks) {
            CHECK(ack.key == expected_next);  // in order, none skipped
            expected_next = ack.key + 1;
            const auto [known, fresh] = receipts.emplace(ack.key, ack.ref);
            if (!fresh && known->second != ack.ref) {
                changed_by_restart.push_back(meldcode::crash::key(ack.key));
            }
            acked_end = std::max(acked_end, ack.key + 1);
        }
        // Keys a restarted streamer retried and got another receipt for.
        CHECK(first_few(changed_by_restart) == "");

        // 1. The file exactly as the kill left it: nothing acknowledged is
        //    lost, nothing beyond the key in flight was stored.
        long long rows_after_crash = 0;
        {
            const Db db(store);
            check_store_sound(db);
            const auto stored = stored_submissions(db);
            rows_after_crash = db.count("SELECT count(*) FROM submissions");
            CHECK(rows_after_crash == static_cast<long long>(stored.size()));
            CHECK(rows_after_crash >= acked_end);      // no acknowledged key lost
            CHECK(rows_after_crash <= acked_end + 1);  // nothing past the one in flight
            const auto bad = missing_or_changed(receipts, stored);
            // Acknowledged submissions the crash lost or changed.
            CHECK(first_few(bad) == "");
        }
        summary += "round " + std::to_string(r) + ": " + std::to_string(run.acks.size()) +
                   " acknowledged, the one in flight " +
                   (rows_after_crash == acked_end + 1 ? "committed" : "not committed") + "\n";

        // 2. Restart: retry every key sent so far, the one in flight, and a
        //    few never sent (more than the one that can be in flight). Every
        //    known key must answer with its first receipt.
        const long long retry_end = acked_end + 5;
        CHECK(first_few(retry_all(plugin, store, retry_end, rows_after_crash, receipts)) == "");
        // 3. After the retries: exactly one submission per distinct key.
        check_after_retries(store, receipts, retry_end);
        stored_keys = retry_end;
    }

    // Not assertions (the numbers depend on timing): shown with -s, to see
    // that the rounds did stream and were killed mid-way.
    INFO(summary << "stored " << stored_keys << " submissions");
    SUCCEED("crash rounds done");
}

TEST_CASE(
    "a host killed while 8 threads' submissions share commits loses no acknowledged one and "
    "doubles none") {
    const TempDir dir;
    const TestStore store(dir.path());
    const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(MELDCODE_PLUGIN_PATH);
    constexpr int kThreads = 8;
    const auto seed = std::random_device{}();
    INFO("random seed " << seed);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> jitter(0, 40);

    std::map<long long, std::string> receipts;
    long long stored_keys = 0;
    for (const int delay_ms : {80, 300}) {
        const auto delay = milliseconds(delay_ms + jitter(random));
        INFO("streamer from " << meldcode::crash::key(stored_keys) << ", killed " << delay.count()
                              << " ms after its first acknowledgement");
        const StreamerRun run = run_streamer(store, stored_keys, delay, false, kThreads);
        REQUIRE(WIFSIGNALED(run.wait_status));  // else it failed on its own: see its stderr
        REQUIRE(WTERMSIG(run.wait_status) == SIGKILL);
        CHECK(run.malformed == "");
        REQUIRE(!run.acks.empty());
        long long acked_end = stored_keys;
        for (const Ack& ack : run.acks) {
            CHECK(ack.key >= stored_keys);
            CHECK(receipts.emplace(ack.key, ack.ref).second);  // each key acknowledged once
            acked_end = std::max(acked_end, ack.key + 1);
        }

        // The store as the kill left it: every acknowledged key with its
        // receipt, and at most one call in flight per thread beyond them.
        long long rows_after_crash = 0;
        {
            const Db db(store);
            check_store_sound(db);
            rows_after_crash = db.count("SELECT count(*) FROM submissions");
            CHECK(first_few(missing_or_changed(receipts, stored_submissions(db))) == "");
            CHECK(rows_after_crash <=
                  stored_keys + static_cast<long long>(run.acks.size()) + kThreads);
        }
        const long long retry_end = acked_end + kThreads + 5;
        CHECK(first_few(retry_all(plugin, store, retry_end, rows_after_crash, receipts)) == "");
        check_after_retries(store, receipts, retry_end);
        stored_keys = retry_end;
    }
}
