#include "metrics.h"

#include <sstream>

namespace meldcoded {

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    Series& s = series_[{method, route, status}];
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i]) ++s.buckets[i];
    }
    ++s.count;
    s.sum += seconds;
}

std::string Metrics::render() const {
    std::ostringstream out;
    std::vector<std::function<std::string()>> gauges;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        render_requests(out);
        gauges = gauges_;
    }
    // Outside the lock: a gauge may read a file (the outbox's counts), and
    // every request's observe() waits for that lock.
    for (const auto& render_gauges : gauges) out << render_gauges();
    return out.str();
}

void Metrics::render_requests(std::ostream& out) const {
    out << "# HELP meldcoded_requests_total HTTP requests by method, route template and status.\n"
           "# TYPE meldcoded_requests_total counter\n";
    const auto labels = [](const auto& key) {
        return "method=\"" + std::get<0>(key) + "\",route=\"" + std::get<1>(key) + "\",status=\"" +
               std::to_string(std::get<2>(key)) + "\"";
    };
    for (const auto& [key, s] : series_) {
        out << "meldcoded_requests_total{" << labels(key) << "} " << s.count << '\n';
    }
    out << "# HELP meldcoded_request_duration_seconds Time to answer, by route template.\n"
           "# TYPE meldcoded_request_duration_seconds histogram\n";
    for (const auto& [key, s] : series_) {
        const std::string l = labels(key);
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
            out << "meldcoded_request_duration_seconds_bucket{" << l << ",le=\"" << kBuckets[i]
                << "\"} " << s.buckets[i] << '\n';
        }
        out << "meldcoded_request_duration_seconds_bucket{" << l << ",le=\"+Inf\"} " << s.count
            << '\n'
            << "meldcoded_request_duration_seconds_sum{" << l << "} " << s.sum << '\n'
            << "meldcoded_request_duration_seconds_count{" << l << "} " << s.count << '\n';
    }
}

void Metrics::add_gauges(std::function<std::string()> render) {
    std::lock_guard<std::mutex> lock(mutex_);
    gauges_.push_back(std::move(render));
}

}  // namespace meldcoded
