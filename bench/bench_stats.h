// Helpers the benchmarks share: samples in microseconds, their median and
// 99th percentile; the time a ticket the hook measures was closed.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace meldcode::bench {

using Clock = std::chrono::steady_clock;

struct Stats {
    double median_us = 0;
    double p99_us = 0;
};

inline Stats stats(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

inline double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Microseconds since `start`.
inline double since_us(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

template <typename Fn>
std::vector<double> time_each(int count, Fn&& fn) {
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto start = Clock::now();
        fn(i);
        samples.push_back(since_us(start));
    }
    return samples;
}

// A minute ago, as a ticket's closed_at: such a ticket prompts, where a
// fixed date would pass the prompt rules' max_ticket_age_hours within days
// and leave the hook's figure timing the no-prompt path.
inline std::string a_minute_ago() {
    const auto closed = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() -
                                                             std::chrono::minutes(1));
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&closed));
    return text;
}

}  // namespace meldcode::bench
