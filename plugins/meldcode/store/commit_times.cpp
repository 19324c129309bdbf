#include "store/commit_times.h"

#include <algorithm>

namespace meldcode::sql {

void CommitTimes::add(std::chrono::nanoseconds took) {
    const double seconds = std::chrono::duration<double>(took).count();
    const auto bucket = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
    if (bucket < static_cast<std::ptrdiff_t>(kBounds.size())) {
        within_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    }
    nanoseconds_.fetch_add(took.count(), std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
}

// Read while commits go on, the figures may be one commit apart; the buckets
// are capped at the count read first, so they never exceed it.
StoreStats CommitTimes::read() const {
    StoreStats stats;
    stats.commits = commits_.load(std::memory_order_relaxed);
    stats.commit_seconds = static_cast<double>(nanoseconds_.load(std::memory_order_relaxed)) / 1e9;
    std::int64_t so_far = 0;
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
        so_far += within_[i].load(std::memory_order_relaxed);
        stats.commits_within.push_back({kBounds[i], std::min(so_far, stats.commits)});
    }
    return stats;
}

}  // namespace meldcode::sql
