#include "steps_due_schedule.h"

#include "sidecar.h"

namespace meldcoded {

StepsDueSchedule::StepsDueSchedule(const meldcode::sdk::Instance& mc, Logger& log,
                                   std::chrono::seconds interval)
    : mc_(mc), log_(log), timer_(interval, [this] { check(); }) {}

// A failed check is logged and tried again next time: the reviews stay due.
void StepsDueSchedule::check() {
    try {
        const auto due = mc_.steps_due(sidecar_actor()).at("due").size();
        log_.log(due > 0 ? Level::info : Level::debug, "steps_due_checked", {{"due", due}});
    } catch (const std::exception& e) {
        log_.log(Level::error, "steps_due_check_failed", {{"error", e.what()}});
    }
}

}  // namespace meldcoded
