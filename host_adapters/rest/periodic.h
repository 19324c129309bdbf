// periodic.h — a task run on its own thread at once and then every interval,
// until stopped: the sidecar's look for due steps, and its count of failed
// authentications per window.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace meldcoded {

class Periodic {
public:
    Periodic(std::chrono::seconds interval, std::function<void()> task);
    ~Periodic();  // stop()s
    Periodic(const Periodic&) = delete;
    Periodic& operator=(const Periodic&) = delete;

    void start();  // runs the task at once, then every interval
    void stop();   // waits for a run in progress; idempotent

private:
    void run();

    const std::chrono::seconds interval_;
    const std::function<void()> task_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace meldcoded
