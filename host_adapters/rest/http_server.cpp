#include "http_server.h"

#include <cpprest/astreambuf.h>
#include <cpprest/http_listener.h>
#include <cpprest/uri.h>
#include <pplx/threadpool.h>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "problem.h"

namespace meldcoded {

namespace http = web::http;

namespace {

// Everything but the body, which arrives asynchronously.
Request translate_head(const http::http_request& in, std::size_t declared, std::size_t max_body) {
    Request r;
    r.method = in.method();
    r.path = in.request_uri().path();
    for (const auto& [name, value] : web::uri::split_query(in.request_uri().query())) {
        r.query[web::uri::decode(name)] = web::uri::decode(value);
    }
    for (const auto& [name, value] : in.headers()) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[lower] = value;
    }
    r.client_address = in.remote_address();
    // A declared length over the limit is refused without reading the body.
    r.body_too_large = declared > max_body;
    return r;
}

constexpr std::size_t kBodyChunk = std::size_t{16} * 1024;

// A chunked body as it arrives, shared by the steps of read_chunks.
struct ChunkedBody {
    std::string bytes;
    std::vector<unsigned char> chunk = std::vector<unsigned char>(kBodyChunk);
};

// Reads a chunked body without holding a thread while waiting; true as soon
// as more than `limit` bytes have arrived (then at most limit + one chunk is
// held), false at the end of a body within the limit.
pplx::task<bool> read_chunks(concurrency::streams::streambuf<unsigned char> in,
                             const std::shared_ptr<ChunkedBody>& body, std::size_t limit) {
    return in.getn(body->chunk.data(), body->chunk.size()).then([in, body, limit](std::size_t got) {
        if (got == 0) return pplx::task_from_result(false);
        body->bytes.append(body->chunk.begin(),
                           body->chunk.begin() + static_cast<std::ptrdiff_t>(got));
        if (body->bytes.size() > limit) return pplx::task_from_result(true);
        return read_chunks(in, body, limit);
    });
}

// Takes a declared body once cpprestsdk has all of it. By then the body's
// buffer is closed for writing, so this getn is already complete: no wait.
std::string take_complete_body(const http::http_request& request, std::size_t declared) {
    std::string bytes(declared, '\0');
    const std::size_t got = request.body()
                                .streambuf()
                                .getn(reinterpret_cast<unsigned char*>(bytes.data()), declared)
                                .get();
    bytes.resize(got);
    return bytes;
}

// Makes cpprestsdk stop taking in a body: its next write into the request's
// buffer fails, which ends the body (the reply waits for that), and the
// listener reads no more of it. Nothing is buffered beyond what arrived.
void stop_receiving(const http::http_request& request) {
    request.body().streambuf().close(
        std::ios_base::out, std::make_exception_ptr(std::length_error("body over the limit")));
}

// The body is moved, not copied: a prompt is ~8 KB on the host's request path.
http::http_response to_cpprest(Response response) {
    http::http_response out(static_cast<http::status_code>(response.status));
    for (const auto& [name, value] : response.headers) out.headers().add(name, value);
    out.set_body(std::move(response.body), response.content_type);
    return out;
}

}  // namespace

struct HttpServer::Impl {
    Impl(const Config& c, Handler h) : config(c), handler(std::move(h)) {}

    const Config& config;
    Handler handler;
    std::unique_ptr<http::experimental::listener::http_listener> listener;
    std::mutex mutex;
    std::condition_variable idle;
    int in_flight = 0;
    bool draining = false;

    void on_request(const http::http_request& request) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (draining) {
                Response r = problem(503, "shutting_down", "the sidecar is shutting down");
                r.headers.emplace_back("Connection", "close");
                request.reply(to_cpprest(r));
                return;
            }
            ++in_flight;
        }
        const std::size_t declared = request.headers().content_length();
        Request head = translate_head(request, declared, config.limits.max_body_bytes);
        if (head.body_too_large) {
            stop_receiving(request);
            respond(request, head);
            return;
        }
        // Never block a pool thread on the body: with every thread waiting for
        // a body that another pool task must read, the server would deadlock.
        // Transfer-Encoding overrides a Content-Length (RFC 9112 §6.3), as in
        // cpprestsdk: such a body is read, and limited, as it arrives.
        if (request.headers().has(http::header_names::transfer_encoding)) {
            read_chunked(request, std::move(head));
        } else if (declared > 0) {
            read_declared(request, std::move(head), declared);
        } else {
            respond(request, head);  // no body (GETs): answered at once, no hand-off
        }
    }

    // One continuation, once cpprestsdk has the whole body (the length is
    // already within the limit, so what it buffers is bounded). Every
    // continuation is a hand-off between pool threads, a large share of what
    // the sidecar adds per request (bench/RESULTS.md); this path has one.
    void read_declared(const http::http_request& request, Request head, std::size_t declared) {
        request.content_ready().then([this, request, declared, head = std::move(head)](
                                         const pplx::task<http::http_request>& ready) mutable {
            try {
                ready.get();
                head.body = take_complete_body(request, declared);
            } catch (...) {  // the client went away mid-body: answer without it
            }
            respond(request, head);
        });
    }

    // Read as it arrives, so a chunked body over the limit is refused once
    // the limit is passed, not after it is all in.
    void read_chunked(const http::http_request& request, Request head) {
        auto body = std::make_shared<ChunkedBody>();
        read_chunks(request.body().streambuf(), body, config.limits.max_body_bytes)
            .then([this, request, body,
                   head = std::move(head)](const pplx::task<bool>& over) mutable {
                try {
                    head.body_too_large = over.get();
                    if (head.body_too_large) {
                        stop_receiving(request);
                    } else {
                        head.body = std::move(body->bytes);
                    }
                } catch (...) {  // the client went away mid-body: answer without it
                }
                respond(request, head);
            });
    }

    void respond(const http::http_request& request, const Request& parsed) {
        try {
            Response response = handler(parsed);
            // The rest of a refused body may still be on its way: close the
            // connection after the answer rather than read it as a request.
            if (parsed.body_too_large) response.headers.emplace_back("Connection", "close");
            // Counted until the reply is written: an acknowledged answer is sent
            // before drain() lets the listener close.
            request.reply(to_cpprest(std::move(response)))
                .then([this](const pplx::task<void>& sent) {
                    try {
                        sent.get();
                    } catch (...) {  // the client went away; nothing more to do
                    }
                    finish();
                });
        } catch (...) {
            request.reply(to_cpprest(problem(500, "internal", "the sidecar failed")));
            finish();
        }
    }

    void finish() {
        std::lock_guard<std::mutex> lock(mutex);
        if (--in_flight == 0) idle.notify_all();
    }
};

HttpServer::HttpServer(const Config& config, Handler handler)
    : impl_(std::make_unique<Impl>(config, std::move(handler))) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::url() const {
    return std::string(impl_->config.tls() ? "https" : "http") + "://" + impl_->config.address +
           ":" + std::to_string(impl_->config.port);
}

void HttpServer::start() {
    http::experimental::listener::http_listener_config options;
    if (impl_->config.tls()) {
        const std::string cert = impl_->config.tls_certificate_file;
        const std::string key = impl_->config.tls_private_key_file;
        options.set_ssl_context_callback([cert, key](boost::asio::ssl::context& ctx) {
            ctx.set_options(
                boost::asio::ssl::context::default_workarounds |
                boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
            ctx.use_certificate_chain_file(cert);
            ctx.use_private_key_file(key, boost::asio::ssl::context::pem);
        });
    }
    impl_->listener =
        std::make_unique<http::experimental::listener::http_listener>(web::uri(url()), options);
    impl_->listener->support([this](const http::http_request& r) { impl_->on_request(r); });
    impl_->listener->open().wait();
}

void HttpServer::drain(std::chrono::seconds grace) {
    {
        std::unique_lock<std::mutex> lock(impl_->mutex);
        impl_->draining = true;
        impl_->idle.wait_for(lock, grace, [this] { return impl_->in_flight == 0; });
    }
    if (impl_->listener) impl_->listener->close().wait();
}

void initialize_http_threads(int threads) {
    crossplat::threadpool::initialize_with_threads(static_cast<std::size_t>(threads));
}

}  // namespace meldcoded
