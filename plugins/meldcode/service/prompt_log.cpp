#include "service/prompt_log.h"

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace meldcode {
namespace {

// How long a prompt may sit in memory before it is written.
constexpr auto kWriteInterval = std::chrono::milliseconds(20);
// How many wake the writer early, and the most it saves in one store call.
constexpr std::size_t kWriteBatch = 512;

}  // namespace

PromptLog::PromptLog(Store& store, Timestamp since)
    : store_(store), shared_(store.shared_prompt_claims()) {
    // Room for a large corporation's year of prompts: growing the set means
    // rehashing it, a pause on the hook's path.
    prompted_.reserve(1U << 16);
    if (shared_ != nullptr) return;
    for (const auto& record : store_.prompts_since(since)) prompted_.insert(record.host_ticket_id);
    writer_ = std::thread([this] { run_writer(); });
}

PromptLog::~PromptLog() {
    if (shared_ != nullptr) return;
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

bool PromptLog::known(const std::string& ticket_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return prompted_.count(ticket_id) != 0;
}

bool PromptLog::contains(const std::string& ticket_id) const {
    return known(ticket_id) || (shared_ != nullptr && shared_->claimed(ticket_id));
}

// A shared store's claims are never taken back: what is known claimed stays so.
void PromptLog::remember(const std::string& ticket_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    prompted_.insert(ticket_id);
}

bool PromptLog::claim(const std::string& ticket_id, Timestamp now) {
    if (shared_ != nullptr) {
        if (known(ticket_id)) return false;
        const bool won = shared_->claim({ticket_id, now});
        remember(ticket_id);
        return won;
    }
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
    // In store calls of at most kWriteBatch: a backlog left by a burst of
    // closed tickets would otherwise hold the store's connection, and every
    // submission waiting for it, for as long as the whole backlog takes.
    for (auto first = batch.begin(); first != batch.end();) {
        const auto last = first + std::min<std::ptrdiff_t>(kWriteBatch, batch.end() - first);
        try {
            store_.save_prompts({first, last});
        } catch (...) {
            // Keep the unsaved ones for the next attempt: losing them could
            // mean asking twice.
            std::lock_guard<std::mutex> lock(mutex_);
            pending_.insert(pending_.begin(), first, batch.end());
            throw;
        }
        first = last;
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
