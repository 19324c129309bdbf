#include "steps_due_schedule.h"

#include "sidecar.h"

namespace meldcoded {

StepsDueSchedule::StepsDueSchedule(const meldcode::sdk::Instance& mc, Logger& log,
                                   std::chrono::seconds interval)
    : mc_(mc), log_(log), interval_(interval) {}

StepsDueSchedule::~StepsDueSchedule() {
    stop();
}

void StepsDueSchedule::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (worker_.joinable()) return;
    stopping_ = false;
    worker_ = std::thread([this] { run(); });
}

void StepsDueSchedule::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
}

void StepsDueSchedule::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        check();
        lock.lock();
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

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
