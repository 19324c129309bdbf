// http_server.h — the HTTP listener: Boost.Beast on Asio, behind a pimpl so
// that only http_server.cpp includes Beast's headers (DESIGN.md §8). It
// reads requests within the configured limits (head and body size, head,
// body and idle deadlines, open connections) and answers them in order, one
// connection's pipelined requests after one another.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config.h"
#include "http_types.h"

namespace meldcoded {

class HttpServer {
public:
    using Handler = std::function<Response(const Request&)>;

    HttpServer(const Config& config, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts answering on config.threads threads; throws when the
    // address cannot be bound or the TLS files cannot be read.
    void start();
    std::string url() const;
    // The cap on open connections in force: limits.max_connections, lowered
    // to what the process's file descriptor limit allows.
    int connection_cap() const;
    const TransportCounters& counters() const;

    // Graceful stop: the listener closes, new requests get 503, in-flight
    // ones finish (up to `grace`), then the threads end.
    void drain(std::chrono::seconds grace);

    struct Impl;  // in http_server.cpp; its connections use it too

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace meldcoded
