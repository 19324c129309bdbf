#include "steps_due_schedule.h"

#include "sidecar.h"

namespace meldcoded {

StepsDueSchedule::StepsDueSchedule(const meldcode::sdk::Instance& mc, Logger& log,
                                   std::chrono::seconds interval, SharedTurn* turn)
    : mc_(mc), log_(log), turn_(turn), timer_(interval, [this] { check(); }) {}

// A failed check is logged and tried again next time: the reviews stay due.
void StepsDueSchedule::check() {
    try {
        if (turn_ == nullptr) return look();
        if (!turn_->run_if_free([this] { look(); })) {
            log_.log(Level::debug, "steps_due_check_skipped", {{"reason", "another_instance"}});
        }
    } catch (const std::exception& e) {
        log_.log(Level::error, "steps_due_check_failed", {{"error", e.what()}});
    }
}

void StepsDueSchedule::look() {
    const auto due = mc_.steps_due(sidecar_actor()).at("due").size();
    log_.log(due > 0 ? Level::info : Level::debug, "steps_due_checked", {{"due", due}});
}

}  // namespace meldcoded
