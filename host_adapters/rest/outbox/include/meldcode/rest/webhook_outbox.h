// The webhook outbox: the plugin's notifications ("concern_created",
// "step_due", ...; ids only, schemas/notification.schema.json) delivered to
// the host's endpoints as signed POSTs (schemas/webhook_event.schema.json,
// headers in webhook_signature.h, docs/webhooks.md).
//
//   WebhookOutbox outbox({"data/webhooks.db", {{"https://erp.example/hooks", secret}}});
//   outbox.start();
//   mc_notifications_set(mc, [](void* o, const char* n) {
//       try {  // no exception may cross the plugin's C frames
//           static_cast<WebhookOutbox*>(o)->enqueue(nlohmann::json::parse(n));
//       } catch (const std::exception& e) { /* log e.what(): the store failed */ }
//   }, &outbox);
//   ...
//   outbox.stop();   // before mc_close; finishes the delivery in flight
//
// Durable: enqueue() returns once the event is in its own SQLite file (WAL,
// synchronous=FULL, mode 0600), so pending deliveries survive a crash or a
// restart; a new outbox on the same file delivers them. With `postgresql`
// the deliveries are rows of a table in that database instead, committed
// durably, and every outbox on it delivers: each row is taken by one at a
// time, and rows held by a process that died are taken over once their
// lease (the request timeout and 5 s) has passed. When the file cannot
// be written (locked by another process past the 5 s busy timeout, disk
// full), the event is held in memory instead and the delivery thread writes
// it, retrying, before anything else; it is lost to the outbox if the process ends
// first (logged as webhook_event_lost when the outbox is destroyed), and the
// plugin, which keeps it until acknowledged, offers it again. The
// delivery thread outlasts store errors: it logs them and tries again. Each endpoint gets
// its own delivery: retried on a non-2xx answer or a connection failure with
// exponential backoff and jitter, and after max_attempts parked as a dead
// letter — visible in stats() and the log, never deleted; requeue_dead()
// gives them another round. Delivered rows are
// pruned after keep_delivered. Secrets are never written to the file.
// Never forks or execs. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode::rest {

struct WebhookEndpoint {
    std::string url;     // http:// or https://; the endpoint's identity in the store
    std::string secret;  // the HMAC-SHA256 key shared with the receiver
};

struct WebhookOutboxOptions {
    std::string store_path;
    // A libpq conninfo: when set, the deliveries live in that database (the
    // current schema of a PostgreSQL store several meldcoded share) instead
    // of store_path, and whichever process takes a row delivers it.
    std::string postgresql;
    std::vector<WebhookEndpoint> endpoints;
    int max_attempts = 12;
    // Attempt n waits min(max_delay, base_delay * 2^(n-1)), less up to half
    // of it at random (jitter, so receivers coming back are not stampeded).
    std::chrono::milliseconds base_delay{1000};
    std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
    std::chrono::hours keep_delivered{24 * 7};
    // Structured log records (JSON objects with "level", "msg", "event_id",
    // "event" (its name), "endpoint" as scheme://host:port, "attempt",
    // "error"): ids only. Called from the delivery thread and from enqueue.
    std::function<void(const nlohmann::json&)> log;
};

// The delay before the next attempt when `attempts_made` were made:
// min(max_delay, base_delay * 2^(attempts_made-1)), less `jitter` (in
// [0, 1)) times half of it. In 64-bit integers: never below 1 ms nor above
// max_delay, however large the inputs.
std::chrono::milliseconds webhook_retry_delay(std::chrono::milliseconds base_delay,
                                              std::chrono::milliseconds max_delay,
                                              int attempts_made, double jitter);

struct WebhookOutboxStats {
    std::uint64_t pending = 0;    // waiting for their next attempt
    std::uint64_t delivered = 0;  // not yet pruned
    std::uint64_t dead = 0;       // gave up after max_attempts (or endpoint removed)
    std::uint64_t attempts = 0;   // attempts made, over every delivery in the store
    std::uint64_t held = 0;       // events the store refused, in memory until it takes them
};

class WebhookOutbox {
public:
    // Opens (creating) the store. Throws std::runtime_error, and
    // std::invalid_argument for options out of range (a delay under 1 ms).
    explicit WebhookOutbox(WebhookOutboxOptions options);
    ~WebhookOutbox();  // stop()s
    WebhookOutbox(const WebhookOutbox&) = delete;
    WebhookOutbox& operator=(const WebhookOutbox&) = delete;

    // Stores `notification` for every endpoint and returns its event id
    // ("evt_" + 32 hex): the notification's "event_id" (the plugin's, ABI
    // 1.4; the body carries it as "id"), else a new one. An event id already
    // stored is not stored again (a replayed event is delivered once per
    // endpoint, however often it is enqueued). Sets *stored (when given) to
    // whether the event is in the store when it returns, which the plugin's
    // acknowledgement waits for. Durable when it returns, unless the store failed:
    // then it is held in memory for the delivery thread to store (logged
    // with its name and id as webhook_enqueue_deferred, and
    // webhook_enqueue_recovered once stored); while any are held, new events
    // join them without trying the store. Throws std::invalid_argument
    // unless it is an object of strings (ids only) with an "event"; throws
    // std::runtime_error when the store fails with 10,000 events held.
    std::string enqueue(const nlohmann::json& notification, bool* stored = nullptr);

    void start();  // the delivery thread; pending deliveries from earlier runs included
    void stop();   // waits for the attempt in flight; idempotent

    WebhookOutboxStats stats() const;

    // Gives the dead letters to still-configured endpoints a new round of
    // attempts (after the receiver is fixed), and returns how many. Another
    // process may do this on the same file: a running outbox picks them up
    // within a minute, or at once when it is this one.
    std::uint64_t requeue_dead();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meldcode::rest
