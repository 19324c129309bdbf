// The webhook outbox (host_adapters/rest/outbox) against a real receiver on
// loopback: tests/rest/webhook_receiver.py, which verifies each delivery
// with the Python code of docs/webhooks.md (and the Node code is run on the
// same deliveries). Waits are bounded polls on the outbox's stats, never
// timing assertions.
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "abi/schema_validator.h"
#include "meldcode/rest/webhook_outbox.h"
#include "meldcode/rest/webhook_signature.h"
#include "postgres_schema.h"

extern char** environ;

namespace fs = std::filesystem;
using meldcode::rest::WebhookOutbox;
using meldcode::rest::WebhookOutboxOptions;
using nlohmann::json;

namespace {

const fs::path kSource = MELDCODE_SOURCE_DIR;
const std::string kSecret = "whsec_5f2b9c0e7a1d";
const json kNotification = {{"event", "concern_created"},
                            {"concern_ref", "c_Q2v8XwzM1pL0aB7sT4nRkA"}};

// A fresh directory under the system's temp dir, removed afterwards.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "mc_outbox_XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
};

pid_t spawn(std::vector<std::string> args) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    return pid;
}

int wait_exit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A port nobody listens on right now (the receiver binds it later), and
// that no other process gets while this one runs: the socket stays bound to
// it (SO_REUSEADDR, never listening), so the kernel gives it to nobody's
// bind(0), while the receiver (Python's HTTPServer sets SO_REUSEADDR too) may
// listen on it. Until then a connection is refused, as to any closed port.
// (A port merely found free was now and then another test's before the
// receiver bound it.)
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    const int on = 1;
    REQUIRE(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return ntohs(addr.sin_port);  // fd stays open until the process ends
}

bool listening(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

// Polls `done` for up to a minute: generous on a loaded machine, and what
// is asserted is that it happens, not how fast.
void wait_for(const std::function<bool()>& done, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    INFO("waiting for " << what);
    REQUIRE(done());
}

// tests/rest/webhook_receiver.py on 127.0.0.1:port, stopped with SIGTERM.
class Receiver {
public:
    Receiver(int port, const fs::path& record, const std::string& status = "") {
        std::vector<std::string> args = {
            "python3",  (kSource / "tests/rest/webhook_receiver.py").string(),
            "--port",   std::to_string(port),
            "--secret", kSecret,
            "--record", record.string(),
            "--doc",    (kSource / "docs/webhooks.md").string()};
        if (!status.empty()) args.insert(args.end(), {"--status", status});
        pid_ = spawn(args);
        wait_for([port] { return listening(port); }, "the receiver to listen");
    }
    ~Receiver() {
        kill(pid_, SIGTERM);
        wait_exit(pid_);
    }
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

private:
    pid_t pid_;
};

// Collects the outbox's log records (written from its delivery thread).
class LogSink {
public:
    std::function<void(const json&)> writer() {
        return [this](const json& entry) {
            std::lock_guard<std::mutex> lock(mutex_);
            entries_.push_back(entry);
        };
    }
    std::vector<json> entries() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<json> entries_;
};

// Another process's hold on the outbox file, as `meldcoded
// --requeue-dead-letters` or a backup may take: BEGIN IMMEDIATE on a second
// connection, kept until the object goes (longer than the outbox's busy
// timeout when the test waits for the outbox to report the failure).
class StoreLock {
public:
    explicit StoreLock(const fs::path& store) {
        REQUIRE(sqlite3_open(store.c_str(), &db_) == SQLITE_OK);
        sqlite3_busy_timeout(db_, 60'000);  // the outbox may be writing right now
        REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    ~StoreLock() {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
    }
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;

private:
    sqlite3* db_ = nullptr;
};

// The first log entry whose "msg" is `msg` (null when there is none).
json logged(const LogSink& sink, const std::string& msg) {
    for (const auto& entry : sink.entries()) {
        if (entry.value("msg", "") == msg) return entry;
    }
    return nullptr;
}

std::vector<json> records(const fs::path& file) {
    std::vector<json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

WebhookOutboxOptions options(const fs::path& dir, int port) {
    WebhookOutboxOptions o;
    o.store_path = (dir / "webhooks.db").string();
    o.endpoints = {{"http://127.0.0.1:" + std::to_string(port) + "/hooks/meldcode", kSecret}};
    o.max_attempts = 1000;
    o.base_delay = std::chrono::milliseconds(20);
    o.max_delay = std::chrono::milliseconds(200);
    o.request_timeout = std::chrono::seconds(5);
    return o;
}

// The same, logging to `sink`.
WebhookOutboxOptions options(const fs::path& dir, int port, LogSink& sink) {
    WebhookOutboxOptions o = options(dir, port);
    o.log = sink.writer();
    return o;
}

// One test's directory, receiver port, receiver record and outbox log.
struct Scene {
    TempDir dir;
    const int port = free_port();
    const fs::path record = dir.path / "record.jsonl";
    LogSink sink;
    fs::path store() const { return dir.path / "webhooks.db"; }
    WebhookOutboxOptions options() { return ::options(dir.path, port, sink); }
};

// The receiver verified it (documented Python code), refused it tampered or
// with another secret, and it is the event that was enqueued.
void check_delivery(const json& record, const std::string& event_id) {
    INFO(record.dump());
    CHECK(record.at("verified") == true);
    CHECK(record.at("tampered_verified") == false);
    CHECK(record.at("wrong_secret_verified") == false);
    CHECK(record.at("event_id") == event_id);
    const json body = json::parse(record.at("body").get<std::string>());
    CHECK(meldcode::matches_schema("webhook_event", body));
    CHECK(body.at("id") == event_id);
    CHECK(body.at("event") == kNotification.at("event"));
    CHECK(body.at("concern_ref") == kNotification.at("concern_ref"));
}

}  // namespace

TEST_CASE("webhooks: an event is delivered with a signature the documented code verifies") {
    TempDir dir;
    const int port = free_port();
    const auto record = dir.path / "record.jsonl";
    Receiver receiver(port, record);
    WebhookOutbox outbox(options(dir.path, port));
    outbox.start();
    const std::string id = outbox.enqueue(kNotification);
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery");
    outbox.stop();

    const auto got = records(record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);
    CHECK(outbox.stats().pending == 0);
    CHECK(fs::status(dir.path / "webhooks.db").permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write));

    // The Node.js snippet of docs/webhooks.md agrees on the same delivery.
    CHECK(wait_exit(spawn({"node", (kSource / "tests/rest/verify_webhooks.mjs").string(),
                           (kSource / "docs/webhooks.md").string(), record.string(), kSecret})) ==
          0);
}

TEST_CASE("webhooks: a receiver that is down gets the event once it is up") {
    TempDir dir;
    const int port = free_port();
    const auto record = dir.path / "record.jsonl";
    WebhookOutbox outbox(options(dir.path, port));
    outbox.start();
    const std::string id = outbox.enqueue(kNotification);
    wait_for([&] { return outbox.stats().attempts >= 3; }, "failed attempts");
    CHECK(outbox.stats().pending == 1);

    Receiver receiver(port, record);
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery");
    const auto got = records(record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);
}

TEST_CASE("webhooks: a pending event survives a restart and is delivered afterwards") {
    TempDir dir;
    const int port = free_port();
    const auto record = dir.path / "record.jsonl";
    std::string id;
    {
        WebhookOutbox before(options(dir.path, port));  // the receiver is down
        before.start();
        id = before.enqueue(kNotification);
        wait_for([&] { return before.stats().attempts >= 1; }, "a failed attempt");
    }  // the sidecar stops with the event still pending

    Receiver receiver(port, record);
    WebhookOutbox after(options(dir.path, port));
    CHECK(after.stats().pending == 1);
    after.start();
    wait_for([&] { return after.stats().delivered == 1; }, "the delivery after the restart");
    const auto got = records(record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);
}

TEST_CASE("webhooks: a receiver answering 500 puts the event in the dead letters, kept") {
    TempDir dir;
    const int port = free_port();
    const auto record = dir.path / "record.jsonl";
    Receiver receiver(port, record, "500");
    auto opts = options(dir.path, port);
    opts.max_attempts = 3;
    LogSink sink;
    opts.log = sink.writer();
    std::string id;
    {
        WebhookOutbox outbox(opts);
        outbox.start();
        id = outbox.enqueue(kNotification);
        wait_for([&] { return outbox.stats().dead == 1; }, "the dead letter");
        const auto stats = outbox.stats();
        CHECK(stats.pending == 0);
        CHECK(stats.delivered == 0);
        CHECK(stats.attempts == 3);
    }
    const auto got = records(record);
    REQUIRE(got.size() == 3);
    for (const auto& r : got) check_delivery(r, id);
    // The documented receiver code takes the first and knows the retries.
    CHECK(got.at(0).at("new") == true);
    CHECK(got.at(1).at("new") == false);
    CHECK(got.at(2).at("new") == false);

    const auto log = sink.entries();
    REQUIRE(log.size() == 3);
    CHECK(log.back().at("msg") == "webhook_dead_letter");
    CHECK(log.back().at("level") == "error");
    CHECK(log.back().at("event_id") == id);
    CHECK(log.back().at("error") == "http 500");
    CHECK(log.back().at("endpoint") == "http://127.0.0.1:" + std::to_string(port));
    for (const auto& entry : log) {
        CHECK(entry.dump().find(kNotification.at("concern_ref").get<std::string>()) ==
              std::string::npos);
    }
    // Still there, still visible, for a new outbox on the same file.
    CHECK(WebhookOutbox(opts).stats().dead == 1);
}

TEST_CASE("webhooks: requeued dead letters are delivered once the receiver is fixed") {
    TempDir dir;
    const int port = free_port();
    const auto record = dir.path / "record.jsonl";
    auto opts = options(dir.path, port);
    opts.max_attempts = 1;
    std::string id;
    {
        Receiver broken(port, record, "500");
        WebhookOutbox outbox(opts);
        outbox.start();
        id = outbox.enqueue(kNotification);
        wait_for([&] { return outbox.stats().dead == 1; }, "the dead letter");
    }
    Receiver fixed(port, record);
    WebhookOutbox running(opts);
    running.start();
    // An operator's process on the same file, as `meldcoded --requeue-dead-letters` does.
    CHECK(WebhookOutbox(opts).requeue_dead() == 1);
    running.requeue_dead();  // nothing left to requeue; wakes the running outbox at once
    wait_for([&] { return running.stats().delivered == 1; }, "the requeued delivery");
    CHECK(running.stats().dead == 0);
    const auto got = records(record);
    REQUIRE(got.size() == 2);  // the failed attempt and the delivery
    for (const auto& r : got) check_delivery(r, id);
    CHECK(running.requeue_dead() == 0);
}

TEST_CASE("webhooks: a store locked past its busy timeout is waited out and not fatal") {
    Scene scene;
    WebhookOutbox outbox(scene.options());
    outbox.start();
    const std::string id = outbox.enqueue(kNotification);  // the receiver is down: retried
    wait_for([&] { return outbox.stats().attempts >= 2; }, "failed attempts");
    {
        StoreLock lock(scene.store());
        wait_for([&] { return !logged(scene.sink, "webhook_store_failed").is_null(); },
                 "the store failure to be logged");
    }
    Receiver receiver(scene.port, scene.record);
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery");
    const auto got = records(scene.record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);

    const json failure = logged(scene.sink, "webhook_store_failed");
    CHECK(failure.at("level") == "error");
    CHECK(failure.at("error").get<std::string>().find("locked") != std::string::npos);
    CHECK(failure.dump().find(kNotification.at("concern_ref").get<std::string>()) ==
          std::string::npos);
    // Still delivering.
    outbox.enqueue(kNotification);
    wait_for([&] { return outbox.stats().delivered == 2; }, "the next delivery");
}

TEST_CASE("webhooks: a delivery the store failed to record is recorded and not sent again") {
    Scene scene;
    Receiver receiver(scene.port, scene.record);
    WebhookOutbox outbox(scene.options());
    const std::string id = outbox.enqueue(kNotification);
    {
        // Readable but not writable: the POST succeeds, recording it fails.
        StoreLock lock(scene.store());
        outbox.start();
        wait_for([&] { return !logged(scene.sink, "webhook_store_failed").is_null(); },
                 "the store failure to be logged");
    }
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery to be recorded");
    outbox.stop();
    const auto got = records(scene.record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);
    CHECK(outbox.stats().pending == 0);
}

TEST_CASE("webhooks: an event the locked store refused is held and delivered once it is free") {
    Scene scene;
    Receiver receiver(scene.port, scene.record);
    WebhookOutbox outbox(scene.options());
    outbox.start();
    std::string first;
    std::string second;
    {
        StoreLock lock(scene.store());
        bool stored = true;
        first = outbox.enqueue(kNotification, &stored);  // after the busy timeout: held
        CHECK_FALSE(stored);  // not yet: the plugin keeps the event unacknowledged
        second = outbox.enqueue(kNotification);  // joins it without waiting
        CHECK(outbox.stats().held == 2);
    }
    wait_for([&] { return outbox.stats().delivered == 2; }, "both deliveries");
    CHECK(outbox.stats().held == 0);
    const auto got = records(scene.record);
    REQUIRE(got.size() == 2);
    check_delivery(got.at(0), first);  // in the order they were enqueued
    check_delivery(got.at(1), second);

    const json deferred = logged(scene.sink, "webhook_enqueue_deferred");
    CHECK(deferred.at("event_id") == first);
    CHECK(deferred.at("event") == "concern_created");
    CHECK(deferred.at("error").get<std::string>().find("locked") != std::string::npos);
    const json recovered = logged(scene.sink, "webhook_enqueue_recovered");
    CHECK(recovered.at("event_id") == first);
    for (const auto& entry : scene.sink.entries()) {
        CHECK(entry.dump().find(kNotification.at("concern_ref").get<std::string>()) ==
              std::string::npos);
    }
}

TEST_CASE("webhooks: an event still held when the outbox goes is logged as lost with its id") {
    Scene scene;
    std::string id;
    {
        auto outbox = std::make_unique<WebhookOutbox>(scene.options());  // never started
        StoreLock lock(scene.store());
        id = outbox->enqueue(kNotification);
        CHECK(outbox->stats().held == 1);
        outbox.reset();  // goes while the store is still locked
    }
    const json lost = logged(scene.sink, "webhook_event_lost");
    REQUIRE(lost.is_object());
    CHECK(lost.at("level") == "error");
    CHECK(lost.at("event_id") == id);
    CHECK(WebhookOutbox(scene.options()).stats().pending == 0);  // a crash loses it the same way
}

TEST_CASE("webhooks: a delivery to an endpoint no longer configured becomes a dead letter") {
    TempDir dir;
    const int port = free_port();
    std::string id;
    {
        WebhookOutbox before(options(dir.path, port));  // never started
        id = before.enqueue(kNotification);
    }
    auto opts = options(dir.path, port);
    opts.endpoints.front().url = "http://127.0.0.1:" + std::to_string(port) + "/other";
    LogSink sink;
    opts.log = sink.writer();
    WebhookOutbox after(opts);
    after.start();
    wait_for([&] { return after.stats().dead == 1; }, "the dead letter");
    after.stop();
    CHECK(after.stats().pending == 0);
    const auto log = sink.entries();
    REQUIRE(log.size() == 1);
    CHECK(log.front().at("event_id") == id);
    CHECK(log.front().at("error") == "endpoint no longer configured");
}

namespace {

// The plugin's event id (ABI 1.4), as it notifies it.
json with_event_id(const std::string& hex32) {
    json notification = kNotification;
    notification["event_id"] = "evt_" + hex32;
    return notification;
}

}  // namespace

TEST_CASE("webhooks: an event enqueued again under the plugin's event id is delivered once") {
    Scene scene;
    Receiver receiver(scene.port, scene.record);
    WebhookOutbox outbox(scene.options());
    const json notification = with_event_id("00112233445566778899aabbccddeeff");
    bool stored = false;
    const std::string id = outbox.enqueue(notification, &stored);
    CHECK(id == notification.at("event_id"));
    CHECK(stored);
    outbox.start();
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery");
    // Replayed after a crash that lost the plugin's acknowledgement: the
    // outbox has it already, which is what the acknowledgement waits for.
    stored = false;
    CHECK(outbox.enqueue(notification, &stored) == id);
    CHECK(stored);
    outbox.stop();
    const auto stats = outbox.stats();
    CHECK(stats.delivered == 1);
    CHECK(stats.pending == 0);
    const auto got = records(scene.record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);  // the body's id is the plugin's; no event_id member
}

TEST_CASE("webhooks: enqueue refuses anything but ids and stores nothing") {
    TempDir dir;
    WebhookOutbox outbox(options(dir.path, free_port()));
    CHECK_THROWS_AS(outbox.enqueue(json::array()), std::invalid_argument);
    CHECK_THROWS_AS(outbox.enqueue({{"concern_ref", "c_x"}}), std::invalid_argument);
    CHECK_THROWS_AS(
        outbox.enqueue({{"event", "concern_created"}, {"observations", {{"text", "x"}}}}),
        std::invalid_argument);
    CHECK_THROWS_AS(outbox.enqueue({{"event", "concern_created"}, {"id", "evt_mine"}}),
                    std::invalid_argument);
    CHECK_THROWS_AS(outbox.enqueue({{"event", "concern_created"}, {"event_id", "evt_mine"}}),
                    std::invalid_argument);
    const auto stats = outbox.stats();
    CHECK(stats.pending + stats.delivered + stats.dead == 0);
}

TEST_CASE("webhooks: the retry delay stays within half and all of its capped doubling") {
    using meldcode::rest::webhook_retry_delay;
    using ms = std::chrono::milliseconds;
    const ms day = std::chrono::hours(24);
    CHECK(webhook_retry_delay(ms(1000), ms(600'000), 1, 0.0) == ms(1000));
    CHECK(webhook_retry_delay(ms(1000), ms(600'000), 4, 0.0) == ms(8000));
    CHECK(webhook_retry_delay(ms(1000), ms(600'000), 4, 0.999) > ms(4000));
    CHECK(webhook_retry_delay(ms(1000), ms(600'000), 12, 0.0) == ms(600'000));
    // Far past any doubling a 64-bit integer holds, and with the largest delays.
    for (const int attempts : {1, 2, 31, 32, 33, 62, 63, 64, 100, 1000}) {
        for (const ms base : {ms(1), ms(1000), ms(3'600'000), day, ms::max()}) {
            for (const ms cap : {ms(1), ms(200), day, ms::max()}) {
                for (const double jitter : {0.0, 0.5, 0.999}) {
                    const ms delay = webhook_retry_delay(base, cap, attempts, jitter);
                    INFO(attempts << " " << base.count() << " " << cap.count() << " " << jitter);
                    REQUIRE(delay >= ms(1));
                    REQUIRE(delay <= cap);
                    REQUIRE(delay >= std::min(cap, base) / 2);
                }
            }
        }
    }
}

TEST_CASE("webhooks: a delay under a millisecond is refused") {
    TempDir dir;
    auto opts = options(dir.path, free_port());
    opts.max_delay = std::chrono::milliseconds(-1294967296);  // 3000000000 wrapped to an int
    CHECK_THROWS_AS(WebhookOutbox(opts), std::invalid_argument);
    opts.max_delay = std::chrono::minutes(1);
    opts.base_delay = std::chrono::milliseconds(0);
    CHECK_THROWS_AS(WebhookOutbox(opts), std::invalid_argument);
}

TEST_CASE("webhooks: the signature is HMAC-SHA256 over the timestamp, a dot and the body") {
    // Computed independently: python3 -c "import hmac, hashlib; print(hmac.new(
    //   b'whsec_test', b'1795685462.{\"event\":\"step_due\"}', hashlib.sha256).hexdigest())"
    CHECK(meldcode::rest::webhook_signature("whsec_test", 1795685462, R"({"event":"step_due"})") ==
          "t=1795685462,v1=9ea16716d376901b1c678f5cc0174c59d841b7cb6240aaa5ee169e76808da436");
}

// The outbox beside a PostgreSQL store several meldcoded share
// (outbox_tests_postgres: the CTest fixture's cluster, a schema per test).

namespace {

// A scene whose outboxes keep their deliveries in a schema of their own, with
// the receiver up.
struct SharedScene : Scene {
    meldcode::test::PostgresSchema schema;
    Receiver receiver{port, record};
    WebhookOutboxOptions shared_options() {
        WebhookOutboxOptions o = options();
        o.postgresql = schema.conninfo();
        return o;
    }
};

}  // namespace

TEST_CASE("webhooks on a shared store: two outboxes deliver every event once between them",
          "[postgres]") {
    SharedScene scene;
    WebhookOutbox first(scene.shared_options());
    WebhookOutbox second(scene.shared_options());
    first.start();
    second.start();
    constexpr std::uint64_t kEvents = 40;
    std::set<std::string> enqueued;
    for (std::uint64_t i = 0; i < kEvents; ++i) {
        enqueued.insert((i % 2 == 0 ? first : second).enqueue(kNotification));
    }
    // Either one counts the deliveries of both: they share the table.
    wait_for([&] { return second.stats().delivered == kEvents; }, "every delivery");
    first.stop();
    second.stop();
    const auto got = records(scene.record);
    std::set<std::string> delivered;
    for (const auto& r : got) {
        check_delivery(r, r.at("event_id").get<std::string>());
        delivered.insert(r.at("event_id").get<std::string>());
    }
    CHECK(got.size() == kEvents);  // none taken by both
    CHECK(delivered == enqueued);
    CHECK(first.stats().pending == 0);
    CHECK_FALSE(fs::exists(scene.store()));  // no file: the rows are in the database
}

TEST_CASE("webhooks on a shared store: an event both instances replay is delivered once",
          "[postgres]") {
    SharedScene scene;
    WebhookOutbox first(scene.shared_options());
    WebhookOutbox second(scene.shared_options());
    constexpr int kEvents = 10;
    for (int i = 0; i < kEvents; ++i) {
        const json notification = with_event_id(std::string(31, 'a') + std::to_string(i));
        first.enqueue(notification);
        second.enqueue(notification);
    }
    first.start();
    second.start();
    wait_for([&] { return second.stats().delivered == kEvents; }, "every delivery");
    first.stop();
    second.stop();
    const auto got = records(scene.record);
    std::set<std::string> delivered;
    for (const auto& r : got) delivered.insert(r.at("event_id").get<std::string>());
    CHECK(got.size() == kEvents);
    CHECK(delivered.size() == kEvents);
    CHECK(first.stats().pending == 0);
}

TEST_CASE("webhooks on a shared store: a row another process took waits for its lease",
          "[postgres]") {
    SharedScene scene;
    WebhookOutbox outbox(scene.shared_options());
    const std::string id = outbox.enqueue(kNotification);
    // As a process that took the row and died would leave it: due again
    // when its lease ends, ten seconds from now.
    const auto lease_ends =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch() + std::chrono::seconds(10))
            .count();
    REQUIRE(scene.schema.sql("UPDATE meldcoded_webhook_deliveries SET next_attempt_ms = " +
                             std::to_string(lease_ends)));
    outbox.start();
    CHECK(records(scene.record).empty());
    wait_for([&] { return outbox.stats().delivered == 1; }, "the delivery after the lease");
    const auto got = records(scene.record);
    REQUIRE(got.size() == 1);
    check_delivery(got.front(), id);
}
