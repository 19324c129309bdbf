// metrics.h — request counts and latency histograms in Prometheus text format.
//
// Every label value comes from a set fixed at start, so no request can add a
// series: the method (GET, POST, PATCH, PUT, DELETE, HEAD, OPTIONS, else
// "other"), the route TEMPLATE (/v1/concerns/{ref}, never the path; else
// "unmatched") and the status (the codes the sidecar answers, else "other").
// Requests count with relaxed atomics: none waits for another or for a
// /metrics render.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_types.h"

namespace meldcoded {

enum class AuthFailure {
    missing_token,
    invalid_token,
    rate_limited,
    invalid_session,       // a session cookie that is unknown or ended
    invalid_prompt_token,  // Authorization: Prompt with a token that does not open
};

class Metrics {
public:
    // `routes`: every route label a request may be counted under; a label not
    // among them is counted as "unmatched".
    explicit Metrics(const std::vector<std::string>& routes);
    void observe(const std::string& method, const std::string& route, int status, double seconds);
    void auth_failed(AuthFailure reason);
    std::string render() const;
    // Text in Prometheus format appended to every render(): what other parts
    // (the listener, the webhook outbox) measure. Add before the server starts.
    void add_gauges(std::function<std::string()> render);

    static constexpr std::array<const char*, 8> kMethods{"GET",    "POST", "PATCH",   "PUT",
                                                         "DELETE", "HEAD", "OPTIONS", "other"};
    static constexpr std::array<int, 23> kStatuses{200, 201, 202, 204, 302, 304, 308, 400,
                                                   401, 403, 404, 405, 408, 409, 412, 413,
                                                   415, 422, 429, 431, 500, 503, 0};  // 0: other

private:
    static constexpr std::array<double, 9> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                    0.025,  0.05,  0.1,    0.5};
    struct Series {
        std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf
        std::atomic<std::uint64_t> sum_ns{0};
    };
    Series& series(std::size_t method, std::size_t route, std::size_t status) const;
    void render_requests(std::ostream& out) const;

    std::vector<std::string> routes_;  // the last is "unmatched"
    std::unordered_map<std::string, std::size_t> route_index_;
    std::unique_ptr<Series[]> series_;  // method x route x status
    std::array<std::atomic<std::uint64_t>, 5> auth_failures_{};
    mutable std::mutex gauges_mutex_;  // requests never take it
    std::vector<std::function<std::string()>> gauges_;
};

// The listener's counters and its connection cap in Prometheus text format.
std::string transport_gauges(const TransportCounters& counters, int connection_cap);

// The plugin's store commits (schemas/store_stats.schema.json) as a
// Prometheus histogram.
std::string store_gauges(const nlohmann::json& stats);

}  // namespace meldcoded
