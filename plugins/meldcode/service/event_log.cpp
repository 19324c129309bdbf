#include "service/event_log.h"

namespace meldcode {

using nlohmann::json;

EventLog::~EventLog() {
    try {
        flush();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the
                     // worst outcome is one more notification under the same ids.
    }
}

json EventLog::keep(StoreTransaction& tx, json notification, std::optional<ConcernId> concern,
                    Timestamp now) {
    // 128 random bits, in the form webhook events carry (evt_ + 32 hex).
    const std::string id = "evt_" + crypto_.digest(crypto_.random_token(16)).substr(0, 32);
    notification["event_id"] = id;
    tx.insert_event({id, concern, notification.dump(), now});
    ++kept_;
    return notification;
}

void EventLog::prune_now_and_then(Timestamp now) {
    if (kept_.load() < kPruneEvery) return;
    kept_ = 0;
    prune(now);
}

void EventLog::prune(Timestamp now) {
    std::int64_t pruned = 0;
    store_.transaction(
        [&](StoreTransaction& tx) { pruned = tx.prune_events(now - kKeepUnacknowledged); });
    pruned_ += pruned;
}

void EventLog::acknowledge(const std::string& event_id) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        acknowledged_.push_back(event_id);
        if (acknowledged_.size() < kAckBatch) return;
    }
    flush();
}

void EventLog::flush() {
    std::vector<std::string> batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        batch.swap(acknowledged_);
    }
    if (batch.empty()) return;
    try {
        store_.transaction([&](StoreTransaction& tx) { tx.remove_events(batch); });
    } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        acknowledged_.insert(acknowledged_.end(), batch.begin(), batch.end());
        throw;
    }
}

std::vector<json> EventLog::unacknowledged(Timestamp created_before, int limit, Timestamp now) {
    flush();
    prune(now);
    std::vector<StoredEvent> events;
    store_.transaction(
        [&](StoreTransaction& tx) { events = tx.unacknowledged_events(created_before, limit); });
    std::vector<json> notifications;
    notifications.reserve(events.size());
    for (const StoredEvent& e : events) notifications.push_back(json::parse(e.notification));
    return notifications;
}

}  // namespace meldcode
