// metrics.h — request counts and latency histograms in Prometheus text format.
//
// Labels are the method, the route TEMPLATE (/v1/concerns/{ref}, never the
// path) and the status, so no id or personal datum becomes a label value.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace meldcoded {

class Metrics {
public:
    void observe(const std::string& method, const std::string& route, int status, double seconds);
    std::string render() const;
    // Text in Prometheus format appended to every render(): what other parts
    // (the webhook outbox) measure. Add before the server starts.
    void add_gauges(std::function<std::string()> render);

private:
    // The request counters and histograms; the caller holds mutex_.
    void render_requests(std::ostream& out) const;

    static constexpr std::array<double, 9> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                    0.025,  0.05,  0.1,    0.5};
    struct Series {
        std::array<unsigned long, kBuckets.size()> buckets{};
        unsigned long count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, Series> series_;
    std::vector<std::function<std::string()>> gauges_;
};

}  // namespace meldcoded
