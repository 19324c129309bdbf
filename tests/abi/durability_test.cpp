// What was acknowledged survives closing and reopening the store.
#include <sqlite3.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"
#include "plugin_fixture.h"

using namespace meldcode::test;
using meldcode::matches_schema;

TEST_CASE("close and reopen: concerns, chronology, prompts and idempotency survive") {
    StoreFixture store;
    const json technician = actor("tech-1", "observer");
    const json officer = actor("af-1", "officer");
    const json prompt = store.prompt_for("WO-1", "VHE-1", "tech-1");
    const json payload = submission(prompt.at("prompt_token"), "key-00001", "blijft bewaard");
    const json receipt = store.mc().submit_signals(technician, payload);
    const std::string ref = store.only_concern_ref("VHE-1");
    store.mc().act(
        officer, {{"concern_ref", ref}, {"action", "assign"}, {"fields", {{"assignee", "af-1"}}}});
    const json before = store.mc().get_concern(officer, {{"concern_ref", ref}});

    store.reopen();

    const json after = store.mc().get_concern(officer, {{"concern_ref", ref}});
    CHECK(after == before);
    CHECK(after.at("assignee") == "af-1");
    CHECK(after.at("chronology").at(0).at("data").at("observations") == "blijft bewaard");
    // Never prompts twice, also across a restart.
    CHECK(store.mc().ticket_closed(technician, ticket("WO-1", "VHE-1", "tech-1")).at("reason") ==
          "already_prompted");
    // The prompt token was checked without a disk write: it still works.
    CHECK(store.mc().submit_signals(technician, payload) == receipt);
    CHECK(store.rows("submissions") == 1);
}

TEST_CASE("the store is a WAL-mode SQLite file readable by its owner only", "[sqlite]") {
    StoreFixture store;
    store.submit("WO-1", "VHE-1", "tech-1", "x");
    namespace fs = std::filesystem;
    for (const auto& file : {store.store_path(), store.store_path() + "-wal"}) {
        INFO(file);
        REQUIRE(fs::exists(file));
        CHECK(fs::status(file).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
    }
    CHECK(store.sql("PRAGMA journal_mode") == "wal|\n");
}

TEST_CASE("a store written by a newer meldcode is refused before anything is written") {
    StoreFixture store;
    store.submit("WO-1", "VHE-1", "tech-1", "x");
    store.close();
    store.tamper(on_postgres() ? "UPDATE schema_version SET version = 999"
                               : "PRAGMA user_version = 999");
    const std::string before = store.data_fingerprint();
    const auto& api = plugin()->api();
    mc_instance* instance = nullptr;
    const std::string config = store.config().dump();
    CHECK(api.open(config.c_str(), &instance) == MC_E_VERSION);
    CHECK(instance == nullptr);
    CHECK(std::string(api.last_error()->code) == "store_too_new");
    CHECK(store.data_fingerprint() == before);
}

TEST_CASE("opening fails clearly on a bad configuration") {
    const StoreFixture fixture;
    const auto& api = plugin()->api();
    const auto open = [&](const json& changes) {
        json config = fixture.config();
        config.merge_patch(changes);
        mc_instance* instance = nullptr;
        const mc_status status = api.open(config.dump().c_str(), &instance);
        CHECK(instance == nullptr);
        return status;
    };
    // A store that cannot be reached: a missing folder, or no server there.
    CHECK(open(on_postgres()
                   ? json{{"store", {{"postgresql", "host=/nonexistent-dir"}}}}
                   : json{{"store_path", "/nonexistent-dir/x/meldcode.db"}}) == MC_E_STORAGE);
    CHECK(open({{"default_locale", "fr"}}) == MC_E_PAYLOAD);
    CHECK(std::string(api.last_error()->pointer) == "/default_locale");
    CHECK(open({{"workflow_file", "/nonexistent.json"}}) == MC_E_PAYLOAD);
    CHECK(std::string(api.last_error()->code) == "unreadable_workflow_file");
    const auto twice = fixture.dir() / "workflow_twice.json";
    std::ofstream(twice) << R"({"id": "sector.a", "id": "sector.b"})";
    CHECK(open({{"workflow_file", twice.string()}}) == MC_E_JSON);
    CHECK(std::string(api.last_error()->code) == "invalid_workflow");
    CHECK(std::string(api.last_error()->message).find("(at /id)") != std::string::npos);
}

TEST_CASE("opening without keys, or with keys others can read, is refused") {
    const StoreFixture fixture;
    const auto& api = plugin()->api();
    const auto refused = [&](const json& config, const char* code) {
        mc_instance* instance = nullptr;
        CHECK(api.open(config.dump().c_str(), &instance) == MC_E_PAYLOAD);
        CHECK(instance == nullptr);
        CHECK(std::string(api.last_error()->code) == code);
        CHECK(std::string(api.last_error()->pointer) == "/keys");
    };
    json config = fixture.config();
    config.erase("keys");
    refused(config, "missing_field");

    const std::string key_file = fixture.config().at("keys").at("file");
    namespace fs = std::filesystem;
    fs::permissions(key_file, fs::perms::group_read, fs::perm_options::add);
    refused(fixture.config(), "key_file_permissions");
    fs::permissions(key_file, fs::perms::group_read, fs::perm_options::remove);

    config["keys"] = {{"env", "MELDCODE_TEST_KEYS_UNSET"}};
    refused(config, "missing_key_env");
    ::setenv("MELDCODE_TEST_KEYS_BAD", R"({"active": "k1", "keys": {"k1": "00"}})", 1);
    config["keys"] = {{"env", "MELDCODE_TEST_KEYS_BAD"}};
    refused(config, "invalid_key_ring");
    CHECK(std::string(api.last_error()->message).find("00") == std::string::npos);
    // Which key is active must not depend on which of two members a reader takes.
    ::setenv(
        "MELDCODE_TEST_KEYS_TWICE",
        (R"({"active": "k1", "keys": {"k1": ")" + std::string(64, 'a') + R"("}, "active": "k2"})")
            .c_str(),
        1);
    config["keys"] = {{"env", "MELDCODE_TEST_KEYS_TWICE"}};
    refused(config, "invalid_key_ring");
    CHECK(std::string(api.last_error()->message).find("/active") != std::string::npos);
}

TEST_CASE("the store says how many commits it made and how long they took") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const json opened = store.mc().store_stats();
    store.submit("WO-S1", "VHE-S1", "tech-1", "telt mee");
    store.only_concern_ref("VHE-S1");
    const json after = store.mc().store_stats();
    // The submission and the read each committed once at least (the hook's
    // prompt is written behind it).
    CHECK(after.at("commits").get<long long>() >= opened.at("commits").get<long long>() + 2);
    CHECK(after.at("commit_seconds").get<double>() > 0);
    long long previous = 0;
    double previous_le = 0;
    for (const json& bucket : after.at("commits_within")) {
        CHECK(bucket.at("le").get<double>() > previous_le);
        CHECK(bucket.at("commits").get<long long>() >= previous);
        CHECK(bucket.at("commits").get<long long>() <= after.at("commits").get<long long>());
        previous_le = bucket.at("le");
        previous = bucket.at("commits");
    }
    // A call refused before its transaction commits nothing.
    char* out = nullptr;
    CHECK(api.concern_get(store.mc().handle(), actor("af-1", "officer").dump().c_str(), "{",
                          &out) == MC_E_JSON);
    CHECK(store.mc().store_stats().at("commits") == after.at("commits"));
    // Pages are SQLite's unit of log; PostgreSQL's log is not in pages.
    CHECK(after.contains("pages_written") == !on_postgres());
    // No call is running, so none waits for the store (store_test.cpp has
    // the waiting ones).
    CHECK(after.at("waiting") == 0);
    CHECK(matches_schema("store_stats", after));
    // The figures are the process's own: a reopened store counts afresh.
    store.reopen();
    CHECK(store.mc().store_stats().at("commits").get<long long>() <
          after.at("commits").get<long long>());
    CHECK(api.store_stats(store.mc().handle(), nullptr) == MC_E_ARGUMENT);
    CHECK(api.store_stats(nullptr, &out) == MC_E_ARGUMENT);
    CHECK(out == nullptr);
}

namespace {

// The frames of the current run of SQLite's log: from its start, those that
// carry the log header's salt (a restarted log overwrites older frames, whose
// salt is the old one). Frames of a transaction not yet committed are only
// ever there while it runs.
long long log_frames(const std::string& store_path) {
    std::ifstream log(store_path + "-wal", std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(log), {}};
    const auto word = [&](std::size_t at) {
        return (std::uint32_t{static_cast<unsigned char>(bytes[at])} << 24) |
               (std::uint32_t{static_cast<unsigned char>(bytes[at + 1])} << 16) |
               (std::uint32_t{static_cast<unsigned char>(bytes[at + 2])} << 8) |
               std::uint32_t{static_cast<unsigned char>(bytes[at + 3])};
    };
    if (bytes.size() < 32) return 0;
    const std::size_t frame = 24 + word(8);  // a frame header and a page
    long long frames = 0;
    for (std::size_t at = 32; at + frame <= bytes.size(); at += frame, ++frames) {
        if (word(at + 8) != word(16) || word(at + 12) != word(20)) break;
    }
    return frames;
}

}  // namespace

TEST_CASE("the store counts the pages its commits write to SQLite's log", "[sqlite]") {
    StoreFixture store;
    const auto pages = [&] {
        return store.mc().store_stats().at("pages_written").get<long long>();
    };
    // The prompt log's background thread commits every 20 ms or so, and a
    // commit's pages are counted just after its frames reach the log: the two
    // are read once neither has moved for a while, and then must agree. A
    // store that never falls quiet within 30 s (a bound for a loaded machine)
    // fails the test instead of hanging it.
    const auto quiet = [&] {
        for (int i = 0; i < 150; ++i) {
            const std::pair<long long, long long> first{log_frames(store.store_path()), pages()};
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const std::pair<long long, long long> then{log_frames(store.store_path()), pages()};
            if (first == then) return then;
        }
        FAIL("the store's log kept growing for 30 s with no call running");
        return std::pair<long long, long long>{};
    };
    store.submit("WO-P0", "VHE-P0", "tech-1", "eerste");
    // Far below the 1000 pages that wake the checkpointer: the log is not
    // restarted in between, so its frames grow by what the commits wrote.
    REQUIRE(log_frames(store.store_path()) < 500);
    const auto before = quiet();  // frames, pages
    const auto grown = [&] {
        const auto now = quiet();
        CHECK(now.second - before.second == now.first - before.first);
        return now.second - before.second;
    };

    store.submit("WO-P1", "VHE-P1", "tech-1", "opent een zorg");
    const long long one = grown();
    // A new concern writes at least its concern, submission, chronology,
    // audit and event rows, each in a table of its own.
    CHECK(one >= 5);

    // An officer's read writes its audit row: counted as well.
    store.only_concern_ref("VHE-P1");
    CHECK(grown() > one);
    // A call refused before its transaction writes nothing.
    const long long after_read = pages();
    char* out = nullptr;
    CHECK(store.mc().plugin().api().concern_get(store.mc().handle(),
                                                actor("af-1", "officer").dump().c_str(), "{",
                                                &out) == MC_E_JSON);
    CHECK(pages() == after_read);
}

TEST_CASE("submissions keep SQLite's journals in memory: no temporary file is written",
          "[sqlite]") {
    // Every call runs in a savepoint, whose journal SQLite would spill past
    // 64 KiB into an unnamed file of its temporary folder, outside the
    // store's: a submission's did (store_test.cpp has the calls of their own
    // that change rows by the thousand).
    const std::filesystem::path temporary = std::filesystem::temp_directory_path() /
                                            ("meldcode-sqlite-tmp-" + std::to_string(getpid()));
    std::filesystem::create_directories(temporary);
    // Read by SQLite at each temporary file it opens, in this process.
    sqlite3_temp_directory = sqlite3_mprintf("%s", temporary.c_str());
    StoreFixture store;
    const int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    REQUIRE(inotify_add_watch(watch, temporary.c_str(), IN_CREATE) >= 0);

    for (int i = 0; i < 20; ++i) {
        const std::string n = std::to_string(i);
        store.submit("WO-J" + n, i % 2 == 0 ? "VHE-J" : "VHE-J" + n, "tech-1", "tekst " + n);
    }

    alignas(inotify_event) char events[4096];
    const ssize_t read_bytes = read(watch, events, sizeof events);
    CHECK(read_bytes < 0);
    CHECK(errno == EAGAIN);
    close(watch);
    store.close();
    sqlite3_free(std::exchange(sqlite3_temp_directory, nullptr));
    std::filesystem::remove_all(temporary);
}
