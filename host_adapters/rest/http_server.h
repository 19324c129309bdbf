// http_server.h — the HTTP listener (cpprestsdk behind a pimpl: its headers
// are slow to compile and stay in http_server.cpp, DESIGN.md §8).
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

    // Binds and starts answering; throws when the address cannot be bound.
    void start();
    std::string url() const;

    // Graceful stop: new requests get 503, in-flight ones finish (up to
    // `grace`), then the listener closes.
    void drain(std::chrono::seconds grace);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sizes cpprestsdk's shared thread pool; call once before the first listener.
void initialize_http_threads(int threads);

}  // namespace meldcoded
