#include "meldcode/rest/webhook_outbox.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include <sodium.h>

#include "meldcode/rest/http_client.h"
#include "meldcode/rest/webhook_signature.h"
#include "outbox_store.h"

namespace meldcode::rest {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

constexpr int kBatch = 16;
// On a store other processes deliver from too, a row is taken for one attempt
// at a time and leased for as long as it may take, and a little more: rows
// held by a process that died are due again this soon.
constexpr int kSharedBatch = 1;
constexpr std::int64_t kLeaseMarginMs = 5'000;
constexpr std::int64_t kIdleWakeMs = 60'000;  // also how often delivered rows are pruned
// After a store failure (locked past its busy timeout, disk full, ...) the
// delivery thread pauses this long, doubling up to the maximum, and tries again.
constexpr std::int64_t kStorePauseFirstMs = 250;
constexpr std::int64_t kStorePauseMaxMs = 5'000;
// Events accepted while the store failed, held in memory until it takes them
// (about 300 bytes each); past this many, enqueue throws.
constexpr std::size_t kMaxHeld = 10'000;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
}

std::string new_event_id() {
    std::array<unsigned char, 16> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, 33> hex{};
    sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
    return std::string("evt_") + hex.data();
}

std::string rfc3339_utc(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text.data();
}

// The plugin's event ids (ABI 1.4) have the form of the outbox's own.
bool is_event_id(const std::string& id) {
    constexpr std::size_t kHexDigits = 32;
    return id.size() == 4 + kHexDigits && id.compare(0, 4, "evt_") == 0 &&
           std::all_of(id.begin() + 4, id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Ids only: an object of short strings with an "event", and perhaps the
// plugin's "event_id".
void check_notification(const json& notification) {
    if (!notification.is_object() || !notification.contains("event")) {
        throw std::invalid_argument(
            "webhook outbox: a notification is an object with an \"event\"");
    }
    for (const auto& [name, value] : notification.items()) {
        if (!value.is_string() || value.get_ref<const std::string&>().size() > 200) {
            throw std::invalid_argument("webhook outbox: notification member \"" + name +
                                        "\" is not an id");
        }
        if (name == "id" || name == "created_at") {
            throw std::invalid_argument("webhook outbox: \"" + name + "\" is the outbox's to set");
        }
        if (name == "event_id" && !is_event_id(value.get<std::string>())) {
            throw std::invalid_argument("webhook outbox: \"event_id\" is not evt_ and 32 hex");
        }
    }
}

// An attempt's outcome that the store has not taken yet.
struct Outcome {
    enum class Kind { delivered, retry, dead };
    Kind kind = Kind::delivered;
    std::int64_t row = 0;
    std::int64_t at_ms = 0;  // when it finished, or (retry) when the next attempt is due
    std::string error;
};

// An event the store refused when it was enqueued.
struct HeldEvent {
    std::string id;
    std::string event;  // its name, for the log
    std::string body;
    std::int64_t created_ms = 0;
};

}  // namespace

struct WebhookOutbox::Impl {
    WebhookOutboxOptions options;
    mutable std::mutex mutex;  // guards store, stopping, woken
    std::unique_ptr<OutboxStore> store;
    std::condition_variable wake;
    bool stopping = false;
    bool woken = false;
    std::thread worker;
    std::mt19937_64 random{std::random_device{}()};
    // Set when recording an attempt failed: recorded before anything else is
    // attempted, so a delivered event is not sent again while the store is
    // unavailable (a crash in between still sends it again: at least once).
    std::optional<Outcome> unrecorded;
    std::int64_t next_prune = 0;
    // Events the store refused, oldest first: the delivery thread writes them
    // before anything else. Lost if the process dies first. Only enqueue
    // pushes and only the thread (or stop) pops. Lock order: mutex, then
    // held_mutex; an enqueue that finds events held joins them without
    // taking `mutex`, which a store write may keep for its busy timeout.
    std::mutex held_mutex;
    std::deque<HeldEvent> held;
    bool gave_up = false;  // stop()'s last try failed: the destructor reports them lost

    explicit Impl(WebhookOutboxOptions o)
        : options(std::move(o)), store(open_outbox_store(options)) {}

    int batch() const { return options.postgresql.empty() ? kBatch : kSharedBatch; }

    std::int64_t lease_ms() const {
        return batch() * options.request_timeout.count() + kLeaseMarginMs;
    }

    void log(const char* level, const char* msg, const Delivery& d, const std::string& error) {
        if (!options.log) return;
        json record = {{"level", level},
                       {"msg", msg},
                       {"event_id", d.event_id},
                       {"endpoint", url_origin(d.endpoint)},
                       {"attempt", d.attempts + 1}};
        if (!error.empty()) record["error"] = error;
        options.log(record);
    }

    // The store's message only ("webhook outbox store: step: database is
    // locked"): it never holds an event's body.
    void log_store_failure(const std::string& error, std::int64_t pause_ms) {
        if (!options.log) return;
        nlohmann::json record = {
            {"level", "error"}, {"msg", "webhook_store_failed"}, {"error", error}};
        if (pause_ms > 0) record["retry_in_ms"] = pause_ms;  // none when stopping
        options.log(record);
    }

    void log_event(const char* level, const char* msg, const HeldEvent& e,
                   const std::string& error) {
        if (!options.log) return;
        json record = {{"level", level}, {"msg", msg}, {"event", e.event}, {"event_id", e.id}};
        if (!error.empty()) record["error"] = error;
        options.log(record);
    }

    // Holds `e` (the store refused it: `error`) for the delivery thread.
    // Throws std::runtime_error when too many are held already.
    void hold(const HeldEvent& e, const std::string& error) {
        {
            std::lock_guard<std::mutex> lock(held_mutex);
            if (held.size() >= kMaxHeld) {
                throw std::runtime_error("webhook outbox: the store fails (" + error + ") and " +
                                         std::to_string(held.size()) +
                                         " events wait in memory already");
            }
            held.push_back(e);
        }
        log_event("warning", "webhook_enqueue_deferred", e, error);
    }

    // Joins the held events when there are any (true); they keep their order.
    bool join_held(const HeldEvent& e) {
        {
            std::lock_guard<std::mutex> lock(held_mutex);
            if (held.empty()) return false;
            if (held.size() >= kMaxHeld) return false;  // enqueue tries the store itself
            held.push_back(e);
        }
        log_event("warning", "webhook_enqueue_deferred", e, "earlier events are not stored yet");
        return true;
    }

    // With the mutex held: writes the held events, oldest first. Throws when
    // the store fails, keeping those not written.
    void store_held() {
        for (;;) {
            HeldEvent next;
            {
                std::lock_guard<std::mutex> lock(held_mutex);
                if (held.empty()) return;
                next = held.front();
            }
            store->add(next.id, next.body, urls(), next.created_ms);
            {
                std::lock_guard<std::mutex> lock(held_mutex);
                held.pop_front();
            }
            log_event("info", "webhook_enqueue_recovered", next, {});
        }
    }

    std::uint64_t held_count() {
        std::lock_guard<std::mutex> lock(held_mutex);
        return held.size();
    }

    const WebhookEndpoint* endpoint(const std::string& url) const {
        const auto& all = options.endpoints;
        const auto it = std::find_if(all.begin(), all.end(),
                                     [&url](const WebhookEndpoint& e) { return e.url == url; });
        return it == all.end() ? nullptr : &*it;
    }

    std::vector<std::string> urls() const {
        std::vector<std::string> all;
        for (const auto& e : options.endpoints) all.push_back(e.url);
        return all;
    }

    std::int64_t backoff_ms(int attempts_made) {
        std::uniform_real_distribution<double> jitter(0.0, 1.0);
        return webhook_retry_delay(options.base_delay, options.max_delay, attempts_made,
                                   jitter(random))
            .count();
    }

    // With the mutex held. Throws when the store fails, keeping the outcome.
    void record(Outcome outcome) {
        unrecorded = std::move(outcome);
        record_unrecorded();
    }

    void record_unrecorded() {
        if (!unrecorded) return;
        const Outcome& o = *unrecorded;
        switch (o.kind) {
            case Outcome::Kind::delivered:
                store->delivered(o.row, o.at_ms);
                break;
            case Outcome::Kind::retry:
                store->retry(o.row, o.at_ms, o.error);
                break;
            case Outcome::Kind::dead:
                store->dead(o.row, o.at_ms, o.error);
                break;
        }
        unrecorded.reset();
    }

    void attempt(const Delivery& d) {
        const WebhookEndpoint* target = endpoint(d.endpoint);
        if (target == nullptr) {
            std::lock_guard<std::mutex> lock(mutex);
            log("error", "webhook_dead_letter", d, "endpoint no longer configured");
            record({Outcome::Kind::dead, d.row, now_ms(), "endpoint no longer configured"});
            return;
        }
        const auto t =
            std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
                .count();
        const PostOutcome outcome =
            post_json(d.endpoint,
                      {{kEventIdHeader, d.event_id},
                       {kSignatureHeader, webhook_signature(target->secret, t, d.body)},
                       {"User-Agent", "meldcoded-webhooks/1"}},
                      d.body, options.request_timeout);
        std::lock_guard<std::mutex> lock(mutex);
        if (outcome.delivered) {
            record({Outcome::Kind::delivered, d.row, now_ms(), {}});
        } else if (d.attempts + 1 >= options.max_attempts) {
            log("error", "webhook_dead_letter", d, outcome.error);
            record({Outcome::Kind::dead, d.row, now_ms(), outcome.error});
        } else {
            log("warning", "webhook_attempt_failed", d, outcome.error);
            record({Outcome::Kind::retry, d.row, now_ms() + backoff_ms(d.attempts + 1),
                    outcome.error});
        }
    }

    // One round, entered and left with the mutex held: what the store has not
    // taken yet (held events, then an attempt's outcome), the deliveries due, and when none were
    // due the pruning. Returns when to look again, or nothing to look again at once. Throws when
    // the store fails.
    std::optional<std::int64_t> deliver_round(std::unique_lock<std::mutex>& lock) {
        store_held();
        record_unrecorded();
        const std::int64_t now = now_ms();
        const auto due = store->due(now, batch(), lease_ms());
        lock.unlock();  // the POSTs run without the lock: enqueue stays quick
        for (const auto& d : due) {
            if (stopped()) break;
            attempt(d);
        }
        lock.lock();
        if (!due.empty()) return std::nullopt;
        if (now >= next_prune) {
            store->prune_delivered(
                now - std::chrono::duration_cast<std::chrono::milliseconds>(options.keep_delivered)
                          .count());
            next_prune = now + kIdleWakeMs;
        }
        return std::min(store->next_due_ms().value_or(now + kIdleWakeMs), now + kIdleWakeMs);
    }

    // The delivery thread. A store failure does not end it: it is logged,
    // and the round is tried again after a pause (what was not recorded is
    // recorded first).
    void run() {
        std::int64_t pause_ms = kStorePauseFirstMs;
        std::unique_lock<std::mutex> lock(mutex);
        while (!stopping) {
            try {
                const auto next = deliver_round(lock);
                pause_ms = kStorePauseFirstMs;
                if (!next) continue;
                // Due times are wall-clock (they are stored), but the wait is
                // a duration on the steady clock: a wall clock stepped back
                // (NTP, a moved clock) must not hold deliveries back.
                const auto wait =
                    Clock::time_point(std::chrono::milliseconds(*next)) - Clock::now();
                wake.wait_for(lock, std::max(wait, Clock::duration::zero()),
                              [this] { return stopping || woken; });
                woken = false;
            } catch (const std::exception& e) {
                if (!lock.owns_lock()) lock.lock();
                log_store_failure(e.what(), pause_ms);
                wake.wait_for(lock, std::chrono::milliseconds(pause_ms),
                              [this] { return stopping; });
                pause_ms = std::min(pause_ms * 2, kStorePauseMaxMs);
            }
        }
        try {
            record_unrecorded();  // or it is sent again after the next start
        } catch (const std::exception& e) {
            log_store_failure(e.what(), 0);
        }
    }

    bool stopped() {
        std::lock_guard<std::mutex> lock(mutex);
        return stopping;
    }
};

std::chrono::milliseconds webhook_retry_delay(std::chrono::milliseconds base_delay,
                                              std::chrono::milliseconds max_delay,
                                              int attempts_made, double jitter) {
    const std::int64_t base = std::max<std::int64_t>(1, base_delay.count());
    const std::int64_t cap = std::max<std::int64_t>(1, max_delay.count());
    std::int64_t full = base;
    for (int n = 1; n < attempts_made && full < cap; ++n) {
        full = full > cap / 2 ? cap : full * 2;  // doubled without overflowing
    }
    full = std::min(full, cap);
    const std::int64_t half = full / 2;
    const double fraction = std::clamp(jitter, 0.0, 1.0);
    const auto less = static_cast<std::int64_t>(fraction * static_cast<double>(half));
    return std::chrono::milliseconds(std::max<std::int64_t>(1, full - std::min(less, half)));
}

WebhookOutbox::WebhookOutbox(WebhookOutboxOptions options) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    if (options.max_attempts < 1) throw std::invalid_argument("webhook outbox: max_attempts < 1");
    if (options.base_delay.count() < 1 || options.max_delay.count() < 1) {
        throw std::invalid_argument("webhook outbox: base_delay and max_delay are at least 1 ms");
    }
    for (const auto& e : options.endpoints) {
        if (url_origin(e.url).empty()) {
            throw std::invalid_argument("webhook outbox: an endpoint url is not http(s)");
        }
        if (e.secret.empty())
            throw std::invalid_argument("webhook outbox: an endpoint has no secret");
    }
    impl_ = std::make_unique<Impl>(std::move(options));
}

WebhookOutbox::~WebhookOutbox() {
    stop();
    std::lock_guard<std::mutex> lock(impl_->held_mutex);
    for (const auto& e : impl_->held) {
        impl_->log_event("error", "webhook_event_lost", e, "never written to the outbox file");
    }
}

std::string WebhookOutbox::enqueue(const json& notification, bool* stored) {
    if (stored != nullptr) *stored = false;
    check_notification(notification);
    json event = notification;
    std::string id = event.value("event_id", new_event_id());
    event.erase("event_id");
    const std::int64_t now = now_ms();
    event["id"] = id;
    event["created_at"] = rfc3339_utc(now);
    HeldEvent e{id, notification.at("event").get<std::string>(), event.dump(), now};
    if (impl_->join_held(e)) return id;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        try {
            impl_->store->add(e.id, e.body, impl_->urls(), e.created_ms);
            if (stored != nullptr) *stored = true;
        } catch (const std::runtime_error& failure) {
            impl_->hold(e, failure.what());
        }
        impl_->woken = true;
    }
    impl_->wake.notify_one();
    return id;
}

void WebhookOutbox::start() {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->worker.joinable()) return;
    impl_->stopping = false;
    impl_->gave_up = false;
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

void WebhookOutbox::stop() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_one();
    if (impl_->worker.joinable()) impl_->worker.join();
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->gave_up) return;  // once: each try may wait out the busy timeout
    try {
        impl_->store_held();  // a last try: what is still held is lost
    } catch (const std::exception& e) {
        impl_->gave_up = true;
        impl_->log_store_failure(e.what(), 0);
    }
}

std::uint64_t WebhookOutbox::requeue_dead() {
    std::uint64_t requeued = 0;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        requeued = impl_->store->requeue_dead(impl_->urls(), now_ms());
        impl_->woken = true;
    }
    impl_->wake.notify_one();
    return requeued;
}

WebhookOutboxStats WebhookOutbox::stats() const {
    WebhookOutboxStats stats;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        stats = impl_->store->stats();
    }
    stats.held = impl_->held_count();
    return stats;
}

}  // namespace meldcode::rest
