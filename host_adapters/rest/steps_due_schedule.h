// steps_due_schedule.h — the sidecar asks the plugin for due steps itself,
// on a timer, so that "step_due" webhooks reach the host without the host
// polling GET /v1/steps/due. The plugin notifies each review once per review
// date, so asking often sends nothing twice. Several meldcoded on one shared
// store take turns (SharedTurn): one looks at a time, the others skip that
// round.
#pragma once

#include <chrono>

#include "log.h"
#include "meldcode/meldcode.hpp"
#include "periodic.h"
#include "shared_turn.h"

namespace meldcoded {

class StepsDueSchedule {
public:
    // `turn`: null when this process has the store to itself.
    StepsDueSchedule(const meldcode::sdk::Instance& mc, Logger& log, std::chrono::seconds interval,
                     SharedTurn* turn = nullptr);

    void start() { timer_.start(); }  // checks at once, then every interval
    void stop() { timer_.stop(); }    // waits for a check in progress; idempotent

private:
    void check();
    void look();

    const meldcode::sdk::Instance& mc_;
    Logger& log_;
    SharedTurn* turn_;
    Periodic timer_;  // last: stopped before the members check() uses go
};

}  // namespace meldcoded
