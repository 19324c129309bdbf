#include "periodic.h"

#include <utility>

namespace meldcoded {

Periodic::Periodic(std::chrono::seconds interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)) {}

Periodic::~Periodic() {
    stop();
}

void Periodic::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (worker_.joinable()) return;
    stopping_ = false;
    worker_ = std::thread([this] { run(); });
}

void Periodic::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
}

void Periodic::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        task_();
        lock.lock();
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

}  // namespace meldcoded
