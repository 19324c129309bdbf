// commit_times.h — how long the store's commits took, from COMMIT until they
// were durable: mostly the sync to disk, so this is where a slowing disk
// shows before anyone waits on it (mc_store_stats, the sidecar's /metrics).
// A fixed-bucket histogram of atomics: a commit's sync may end on another
// thread than the next one's, and readers read without a lock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "ports/store.h"

namespace meldcode::sql {

class CommitTimes {
public:
    // Upper bounds in seconds, the Prometheus client libraries' defaults
    // shifted down: a local sync takes a millisecond or so.
    static constexpr std::array<double, 12> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                    0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

    void add(std::chrono::nanoseconds took);
    StoreStats read() const;

private:
    std::array<std::atomic<std::int64_t>, kBounds.size()> within_{};  // per bucket, not summed
    std::atomic<std::int64_t> commits_{0};
    std::atomic<std::int64_t> nanoseconds_{0};
};

}  // namespace meldcode::sql
