// steps_due_schedule.h — the sidecar asks the plugin for due steps itself,
// on a timer, so that "step_due" webhooks reach the host without the host
// polling GET /v1/steps/due. The plugin notifies each review once per review
// date, so asking often sends nothing twice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "log.h"
#include "meldcode/meldcode.hpp"

namespace meldcoded {

class StepsDueSchedule {
public:
    StepsDueSchedule(const meldcode::sdk::Instance& mc, Logger& log, std::chrono::seconds interval);
    ~StepsDueSchedule();  // stop()s
    StepsDueSchedule(const StepsDueSchedule&) = delete;
    StepsDueSchedule& operator=(const StepsDueSchedule&) = delete;

    void start();  // checks at once, then every interval
    void stop();   // waits for a check in progress; idempotent

private:
    void run();
    void check();

    const meldcode::sdk::Instance& mc_;
    Logger& log_;
    const std::chrono::seconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace meldcoded
