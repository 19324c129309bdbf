#include "metrics.h"

#include <algorithm>
#include <sstream>

namespace meldcoded {

namespace {

template <class Array, class Value>
std::size_t index_of(const Array& known, const Value& value) {
    const auto it = std::find(known.begin(), known.end(), value);
    return static_cast<std::size_t>(it - known.begin());  // the size when not known
}

}  // namespace

Metrics::Metrics(const std::vector<std::string>& routes) : routes_(routes) {
    routes_.erase(std::remove(routes_.begin(), routes_.end(), "unmatched"), routes_.end());
    std::sort(routes_.begin(), routes_.end());
    routes_.erase(std::unique(routes_.begin(), routes_.end()), routes_.end());
    routes_.push_back("unmatched");
    for (std::size_t i = 0; i < routes_.size(); ++i) route_index_.emplace(routes_[i], i);
    series_ = std::make_unique<Series[]>(kMethods.size() * routes_.size() * kStatuses.size());
}

Metrics::Series& Metrics::series(std::size_t method, std::size_t route, std::size_t status) const {
    return series_[(method * routes_.size() + route) * kStatuses.size() + status];
}

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double seconds) {
    const std::size_t m =
        std::min(index_of(kMethods, method), kMethods.size() - 1);  // kMethods' last is "other"
    const auto found = route_index_.find(route);
    const std::size_t r = found == route_index_.end() ? routes_.size() - 1 : found->second;
    const std::size_t s = std::min(index_of(kStatuses, status), kStatuses.size() - 1);
    Series& target = series(m, r, s);
    const auto bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
    target.buckets[static_cast<std::size_t>(bucket - kBuckets.begin())].fetch_add(
        1, std::memory_order_relaxed);
    target.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e9),
                            std::memory_order_relaxed);
}

void Metrics::auth_failed(AuthFailure reason) {
    auth_failures_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render() const {
    std::ostringstream out;
    render_requests(out);
    out << "# HELP meldcoded_auth_failures_total Requests refused before any caller was known.\n"
           "# TYPE meldcoded_auth_failures_total counter\n";
    static const char* reasons[] = {"missing_token", "invalid_token", "rate_limited",
                                    "invalid_session", "invalid_prompt_token"};
    for (std::size_t i = 0; i < auth_failures_.size(); ++i) {
        out << "meldcoded_auth_failures_total{reason=\"" << reasons[i] << "\"} "
            << auth_failures_[i].load(std::memory_order_relaxed) << '\n';
    }
    std::vector<std::function<std::string()>> gauges;
    {
        std::lock_guard<std::mutex> lock(gauges_mutex_);
        gauges = gauges_;
    }
    // A gauge may read a file (the outbox's counts): no request waits for it.
    for (const auto& render_gauges : gauges) out << render_gauges();
    return out.str();
}

void Metrics::render_requests(std::ostream& out) const {
    struct Row {
        std::string labels;
        std::array<std::uint64_t, kBuckets.size() + 1> buckets;
        double sum;
    };
    std::vector<Row> rows;
    for (std::size_t m = 0; m < kMethods.size(); ++m) {
        for (std::size_t r = 0; r < routes_.size(); ++r) {
            for (std::size_t s = 0; s < kStatuses.size(); ++s) {
                const Series& one = series(m, r, s);
                Row row{{}, {}, 0};
                std::uint64_t count = 0;
                for (std::size_t b = 0; b < row.buckets.size(); ++b) {
                    count += one.buckets[b].load(std::memory_order_relaxed);
                    row.buckets[b] = count;  // cumulative, as Prometheus has them
                }
                if (count == 0) continue;
                row.sum = static_cast<double>(one.sum_ns.load(std::memory_order_relaxed)) / 1e9;
                const std::string status =
                    kStatuses[s] == 0 ? "other" : std::to_string(kStatuses[s]);
                row.labels = std::string("method=\"") + kMethods[m] + "\",route=\"" + routes_[r] +
                             "\",status=\"" + status + "\"";
                rows.push_back(std::move(row));
            }
        }
    }
    out << "# HELP meldcoded_requests_total HTTP requests by method, route template and status.\n"
           "# TYPE meldcoded_requests_total counter\n";
    for (const Row& row : rows) {
        out << "meldcoded_requests_total{" << row.labels << "} " << row.buckets.back() << '\n';
    }
    out << "# HELP meldcoded_request_duration_seconds Time to answer, by route template.\n"
           "# TYPE meldcoded_request_duration_seconds histogram\n";
    for (const Row& row : rows) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i) {
            out << "meldcoded_request_duration_seconds_bucket{" << row.labels << ",le=\""
                << kBuckets[i] << "\"} " << row.buckets[i] << '\n';
        }
        out << "meldcoded_request_duration_seconds_bucket{" << row.labels << ",le=\"+Inf\"} "
            << row.buckets.back() << '\n'
            << "meldcoded_request_duration_seconds_sum{" << row.labels << "} " << row.sum << '\n'
            << "meldcoded_request_duration_seconds_count{" << row.labels << "} "
            << row.buckets.back() << '\n';
    }
}

void Metrics::add_gauges(std::function<std::string()> render) {
    std::lock_guard<std::mutex> lock(gauges_mutex_);
    gauges_.push_back(std::move(render));
}

std::string transport_gauges(const TransportCounters& c, int connection_cap) {
    std::ostringstream out;
    const auto load = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
    out << "# HELP meldcoded_open_connections HTTP connections open now.\n"
           "# TYPE meldcoded_open_connections gauge\n"
        << "meldcoded_open_connections " << load(c.open_connections) << '\n'
        << "# HELP meldcoded_connection_limit Open connections at most (limits.max_connections, "
           "lowered to the descriptor limit).\n"
           "# TYPE meldcoded_connection_limit gauge\n"
        << "meldcoded_connection_limit " << connection_cap << '\n'
        << "# HELP meldcoded_connections_total HTTP connections accepted.\n"
           "# TYPE meldcoded_connections_total counter\n"
        << "meldcoded_connections_total " << load(c.connections_total) << '\n'
        << "# HELP meldcoded_http_refused_total Requests and connections the listener ended "
           "itself, by reason.\n"
           "# TYPE meldcoded_http_refused_total counter\n";
    const std::pair<const char*, const std::atomic<std::uint64_t>*> reasons[] = {
        {"header_too_large", &c.header_too_large},
        {"body_too_large", &c.body_too_large},
        {"malformed", &c.malformed},
        {"head_timeout", &c.head_timeouts},
        {"body_timeout", &c.body_timeouts},
        {"idle_timeout", &c.idle_closed},
        {"accept_paused", &c.accept_paused},
        {"accept_error", &c.accept_errors}};
    for (const auto& [reason, counter] : reasons) {
        out << "meldcoded_http_refused_total{reason=\"" << reason << "\"} " << load(*counter)
            << '\n';
    }
    return out.str();
}

std::string store_gauges(const nlohmann::json& stats) {
    std::ostringstream out;
    out << "# HELP meldcode_store_commit_seconds Time the store took to commit a transaction "
           "until its write to disk returned.\n"
           "# TYPE meldcode_store_commit_seconds histogram\n";
    for (const auto& bucket : stats.at("commits_within")) {
        out << "meldcode_store_commit_seconds_bucket{le=\"" << bucket.at("le").get<double>()
            << "\"} " << bucket.at("commits") << '\n';
    }
    out << "meldcode_store_commit_seconds_bucket{le=\"+Inf\"} " << stats.at("commits") << '\n'
        << "meldcode_store_commit_seconds_sum " << stats.at("commit_seconds").get<double>() << '\n'
        << "meldcode_store_commit_seconds_count " << stats.at("commits") << '\n'
        << "# HELP meldcode_pruned_event_total Notifications no host acknowledged within 7 days, "
           "pruned since the store was opened (never delivered: docs/webhooks.md).\n"
           "# TYPE meldcode_pruned_event_total counter\n"
        << "meldcode_pruned_event_total " << stats.value("events_pruned", 0) << '\n'
        << "# HELP meldcode_store_waiting_calls Calls waiting for the store's connection now "
           "(they share the next commit).\n"
           "# TYPE meldcode_store_waiting_calls gauge\n"
        << "meldcode_store_waiting_calls " << stats.value("waiting", 0) << '\n'
        << "# HELP meldcode_store_stopped 1 once a write to disk failed: the store refuses every "
           "call until the sidecar is started again.\n"
           "# TYPE meldcode_store_stopped gauge\n"
        << "meldcode_store_stopped " << (stats.value("stopped", false) ? 1 : 0) << '\n';
    if (stats.contains("pages_written")) {
        out << "# HELP meldcode_store_pages_written_total Pages (4 KiB) the SQLite store wrote to "
               "its write-ahead log since it was opened.\n"
               "# TYPE meldcode_store_pages_written_total counter\n"
               "meldcode_store_pages_written_total "
            << stats.at("pages_written") << '\n';
    }
    return out.str();
}

}  // namespace meldcoded
