// event_replay.h — the sidecar's half of the plugin's transactional outbox
// (plugin_api/ABI.md, "Events"; docs/webhooks.md). The plugin keeps every
// notification with its change until the sidecar acknowledges it, which
// SinkList does once every sink has it durably (the webhook outbox has stored
// it). A meldcoded killed after a change and before its event was stored
// left the event unacknowledged: at start this replays every such event at
// once, and then every minute those older than a minute (an event in flight
// in this or another instance on a shared store is younger). A replayed
// event keeps its id, and the outbox stores each event id once, so two
// instances replaying the same event deliver it once per endpoint.
#pragma once

#include <chrono>
#include <cstdint>

#include "log.h"
#include "meldcode/meldcode.hpp"
#include "periodic.h"

namespace meldcoded {

class EventReplay {
public:
    static constexpr std::chrono::seconds kInterval{60};
    static constexpr std::chrono::seconds kAge{60};
    static constexpr std::int64_t kBatch = 1000;  // per round: a backlog takes several

    EventReplay(const meldcode::sdk::Instance& mc, Logger& log);

    void start() { timer_.start(); }  // replays at once, then every kInterval
    void stop() { timer_.stop(); }    // waits for a round in progress; idempotent

private:
    void round();

    const meldcode::sdk::Instance& mc_;
    Logger& log_;
    bool first_ = true;  // only the timer's thread reads and writes it
    Periodic timer_;     // last: stopped before the members round() uses go
};

}  // namespace meldcoded
