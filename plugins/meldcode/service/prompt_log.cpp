#include "service/prompt_log.h"

#include <chrono>

namespace meldcode {
namespace {

// How long a prompt may sit in memory before it is written.
constexpr auto kWriteInterval = std::chrono::milliseconds(20);
constexpr std::size_t kWriteBatch = 512;

}  // namespace

PromptLog::PromptLog(Store& store, Timestamp since) : store_(store) {
    // Room for a large corporation's year of prompts: growing the set means
    // rehashing it, a pause on the hook's path.
    prompted_.reserve(1U << 16);
    for (const auto& record : store_.prompts_since(since)) prompted_.insert(record.host_ticket_id);
    writer_ = std::thread([this] { run_writer(); });
}

PromptLog::~PromptLog() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    writer_.join();
    try {
        flush();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the
                     // worst outcome is one more prompt for these tickets.
    }
}

bool PromptLog::contains(const std::string& ticket_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return prompted_.count(ticket_id) != 0;
}

bool PromptLog::claim(const std::string& ticket_id, Timestamp now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!prompted_.insert(ticket_id).second) return false;
    pending_.push_back({ticket_id, now});
    if (pending_.size() >= kWriteBatch) wake_.notify_one();
    return true;
}

void PromptLog::flush() {
    std::lock_guard<std::mutex> order(flush_mutex_);
    std::vector<PromptRecord> batch;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        batch.swap(pending_);
    }
    if (batch.empty()) return;
    try {
        store_.save_prompts(batch);
    } catch (...) {
        // Keep them for the next attempt: losing them could mean asking twice.
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.insert(pending_.begin(), batch.begin(), batch.end());
        throw;
    }
}

void PromptLog::run_writer() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, kWriteInterval);
        if (pending_.empty()) continue;
        lock.unlock();
        try {
            flush();
        } catch (...) {  // NOLINT(bugprone-empty-catch): retried on the next round
        }
        lock.lock();
    }
}

}  // namespace meldcode
