#include "event_replay.h"

namespace meldcoded {

EventReplay::EventReplay(const meldcode::sdk::Instance& mc, Logger& log)
    : mc_(mc), log_(log), timer_(kInterval, [this] { round(); }) {}

// A failed round is logged and tried again next time: the events stay kept.
void EventReplay::round() {
    const std::chrono::seconds age = first_ ? std::chrono::seconds(0) : kAge;
    first_ = false;
    try {
        const std::int64_t replayed = mc_.replay_events(age, kBatch);
        log_.log(replayed > 0 ? Level::warn : Level::debug, "events_replayed",
                 {{"replayed", replayed}});
    } catch (const std::exception& e) {
        log_.log(Level::error, "events_replay_failed", {{"error", e.what()}});
    }
}

}  // namespace meldcoded
