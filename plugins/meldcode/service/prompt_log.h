// Which tickets have been prompted. On a store this process has to itself
// (SQLite): kept in memory for the hook, written behind it to the store by a
// background thread (see README, "Why the ticket-closed hook never waits for
// a disk sync"). On a store other processes share (PostgreSQL): claimed in
// the store (Store::shared_prompt_claims), the set in memory only remembering
// what is known to be claimed, so a repeat costs no round trip.
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
    // Loads the tickets prompted since `since` and starts the writer (a
    // shared store: neither; the store holds the truth).
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
    bool known(const std::string& ticket_id) const;  // in the set in memory
    void remember(const std::string& ticket_id);

    Store& store_;
    PromptClaims* const shared_;  // null: this process has the store to itself
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::unordered_set<std::string> prompted_;
    std::vector<PromptRecord> pending_;
    bool stopping_ = false;
    std::mutex flush_mutex_;  // one flush at a time keeps records in order
    std::thread writer_;
};

}  // namespace meldcode
