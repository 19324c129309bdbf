// Which tickets have been prompted: kept in memory for the hook, written
// behind it to the store by a background thread (see README, "Why the
// ticket-closed hook never waits for a disk sync").
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "ports/store.h"

namespace meldcode {

class PromptLog {
public:
    // Loads the tickets prompted since `since` and starts the writer.
    PromptLog(Store& store, Timestamp since);
    // Writes everything pending, then stops the writer.
    ~PromptLog();
    PromptLog(const PromptLog&) = delete;
    PromptLog& operator=(const PromptLog&) = delete;

    bool contains(const std::string& ticket_id) const;
    // Records the ticket as prompted; false when it already was.
    bool claim(const std::string& ticket_id, Timestamp now);
    // Writes everything pending now (also called by the writer).
    void flush();

private:
    void run_writer();

    Store& store_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::unordered_set<std::string> prompted_;
    std::vector<PromptRecord> pending_;
    bool stopping_ = false;
    std::mutex flush_mutex_;  // one flush at a time keeps records in order
    std::thread writer_;
};

}  // namespace meldcode
