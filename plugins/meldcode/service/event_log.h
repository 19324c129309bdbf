// The plugin's side of a transactional outbox (plugin_api/ABI.md, "Events").
// Every notification is kept in the store in the transaction of the change
// that caused it, under an event id ("evt_" + 32 hex), so a process killed
// after the commit and before its host stored the event loses nothing: the
// host acknowledges an event once it has it durably, and asks for those not
// acknowledged (a replay notifies them again under the same id).
// Acknowledgements are held in memory and written in batches (and on replay
// and close): one lost in a crash only means the event is notified once
// more under the same id, which the host's outbox takes once.
// A host that never acknowledges (a 1.3 host, the language bindings) must not
// grow the store without bound: events are kept at most kKeepUnacknowledged,
// then pruned and counted (store_stats' events_pruned).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode {

class EventLog {
public:
    static constexpr Timestamp kKeepUnacknowledged = Timestamp{7} * 24 * 60 * 60;

    EventLog(Store& store, const Crypto& crypto) : store_(store), crypto_(crypto) {}
    // Writes the acknowledgements still held; never throws.
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // In `tx`: keeps `notification` (ids only) under a new event id, about
    // `concern` (its purge removes the event), and returns it with its
    // "event_id" for the notifier.
    nlohmann::json keep(StoreTransaction& tx, nlohmann::json notification,
                        std::optional<ConcernId> concern, Timestamp now);
    // In a transaction of its own: prunes the events older than
    // kKeepUnacknowledged, counting them. Done when the store opens, by
    // unacknowledged(), and every kPruneEvery events kept
    // (prune_now_and_then, after a change commits).
    void prune(Timestamp now);
    void prune_now_and_then(Timestamp now);
    // The host has the event durably. Unknown ids are ignored (another
    // instance on the store, or an earlier acknowledgement, removed it).
    // Throws when a full batch could not be written (it is kept for later).
    void acknowledge(const std::string& event_id);
    // The events kept at or before `created_before` and not acknowledged,
    // oldest first, at most `limit`: acknowledgements are written and old
    // events pruned first.
    std::vector<nlohmann::json> unacknowledged(Timestamp created_before, int limit, Timestamp now);
    std::int64_t pruned() const { return pruned_.load(); }

private:
    static constexpr std::size_t kAckBatch = 64;
    static constexpr std::int64_t kPruneEvery = 1024;

    // Writes the acknowledgements held; throws (keeping them) when it fails.
    void flush();

    Store& store_;
    const Crypto& crypto_;
    std::mutex mutex_;  // guards acknowledged_
    std::vector<std::string> acknowledged_;
    std::atomic<std::int64_t> kept_{0};
    std::atomic<std::int64_t> pruned_{0};
};

}  // namespace meldcode
