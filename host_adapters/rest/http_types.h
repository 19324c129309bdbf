// http_types.h — the sidecar's own view of an HTTP exchange.
//
// The pipeline, the router and the routes work on these plain types so that
// only http_server.cpp includes the HTTP library's headers (Boost.Beast).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace meldcoded {

struct Request {
    std::string method;
    std::string path;                            // without the query, still percent-encoded
    std::map<std::string, std::string> query;    // decoded
    std::string repeated_query_parameter;        // the first name given twice, if any
    std::map<std::string, std::string> headers;  // names in lower case; repeats joined by ", "
    std::string repeated_header;                 // the first one-value header given twice, if any
    std::string body;
    bool body_too_large = false;  // the server refused to read a body over the limit
    std::string client_address;

    const std::string* header(const std::string& lower_name) const {
        const auto it = headers.find(lower_name);
        return it == headers.end() ? nullptr : &it->second;
    }
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// What the listener counts as it goes, for /metrics: plain atomics that a
// connection updates without waiting for anything.
struct TransportCounters {
    std::atomic<std::int64_t> open_connections{0};
    std::atomic<std::uint64_t> connections_total{0};
    std::atomic<std::uint64_t> header_too_large{0};  // 431
    std::atomic<std::uint64_t> body_too_large{0};    // 413 before or while the body came
    std::atomic<std::uint64_t> malformed{0};         // 400: not HTTP/1.1 as Beast reads it
    std::atomic<std::uint64_t> head_timeouts{0};     // closed: the head did not come in time
    std::atomic<std::uint64_t> body_timeouts{0};     // closed: the body did not come in time
    std::atomic<std::uint64_t> idle_closed{0};       // keep-alive connections closed when idle
    std::atomic<std::uint64_t> accept_paused{0};     // times the connection cap held new ones back
    std::atomic<std::uint64_t> accept_errors{0};     // accept failed (EMFILE, ...): paused, retried
};

}  // namespace meldcoded
