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
    out << "# HELP meldcoded_requests_total HTTP requests by method, route template and status.\n"
           "# TYPE meldcoded_requests_total counter\n";
    std::lock_guard<std::mutex> lock(mutex_);
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
    for (const auto& gauges : gauges_) out << gauges();
    return out.str();
}

void Metrics::add_gauges(std::function<std::string()> render) {
    std::lock_guard<std::mutex> lock(mutex_);
    gauges_.push_back(std::move(render));
}

}  // namespace meldcoded
