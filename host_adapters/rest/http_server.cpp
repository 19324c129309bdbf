#include "http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include "client_address.h"
#include "problem.h"
#include "request_id.h"
#include "router.h"

namespace meldcoded {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Descriptors kept free of connections: the store, its journal, the
// webhook outbox, logs, and the accept of a connection that is turned away.
constexpr rlim_t kReservedDescriptors = 64;
// Bytes read at a time beyond the head: the read buffer is bounded by the
// head limit plus this, whatever a client sends.
constexpr std::size_t kReadAhead = std::size_t{64} * 1024;
// What a connection waiting for a request sets aside for its first read: the
// buffer grows from there as a request needs, so idle connections stay small.
constexpr std::size_t kFirstRead = 4096;
// After an accept failed (EMFILE, ENOBUFS, ...), the listener waits this
// long or until a connection closes before it accepts again: never a spin.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// After a last answer on a connection whose request is not read to its end
// (a body over the limit), what still comes is read and dropped this long,
// so that the client reads the answer instead of a reset (a lingering close);
// at most so many bytes, whatever comes.
constexpr auto kLinger = std::chrono::seconds(2);
// A refused body may be megabytes on its way; after a refused head (431,
// 400) a client has little more in flight, and a flood gets little reading.
constexpr std::size_t kLingerBytes = std::size_t{16} * 1024 * 1024;
constexpr std::size_t kLingerAfterHead = std::size_t{64} * 1024;
// Seconds a 503 asks a client to wait: a sidecar shutting down or a store
// that cannot take calls is replaced or back within about this long.
constexpr int kRetryAfterUnavailable = 5;

// A name given twice keeps its first value and is noted: the sidecar refuses
// it rather than guess whether the caller meant either, both or the last.
void split_query(beast::string_view query, Request& r) {
    while (!query.empty()) {
        const std::size_t end = std::min(query.find('&'), query.size());
        const beast::string_view pair = query.substr(0, end);
        const std::size_t eq = std::min(pair.find('='), pair.size());
        if (eq > 0) {
            const beast::string_view value =
                eq < pair.size() ? pair.substr(eq + 1) : beast::string_view();
            std::string name = percent_decode({pair.data(), eq});
            const bool added =
                r.query.emplace(name, percent_decode({value.data(), value.size()})).second;
            if (!added && r.repeated_query_parameter.empty()) {
                r.repeated_query_parameter = std::move(name);
            }
        }
        query = end < query.size() ? query.substr(end + 1) : beast::string_view();
    }
}

std::string lower(beast::string_view name) {
    std::string out(name);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Headers whose value is one thing, not a list: two of them joined would be
// read as one made-up value ("af-1, zz-evil" acting as an officer).
bool takes_one_value(const std::string& lower_name) {
    static const std::set<std::string> kOneValue{"x-acting-actor", "x-acting-role",
                                                 "x-acting-organisation", "idempotency-key"};
    return kOneValue.count(lower_name) != 0;
}

bool names_host_once(const http::request<http::string_body>& head) {
    return head.version() < 11 || head.count(http::field::host) == 1;
}

// The sidecar's view of a request whose head is in (the body, if any, too).
Request translate(const http::request<http::string_body>& in, const std::string& peer,
                  const ClientAddress& client_address) {
    Request r;
    r.method = std::string(in.method_string());
    const beast::string_view target = in.target();
    const std::size_t question = target.find('?');
    r.path = std::string(target.substr(0, question));
    if (question != beast::string_view::npos) split_query(target.substr(question + 1), r);
    for (const auto& field : in) {
        auto [it, inserted] = r.headers.emplace(lower(field.name_string()), field.value());
        if (inserted) continue;
        (it->second += ", ").append(field.value().data(), field.value().size());
        if (r.repeated_header.empty() && takes_one_value(it->first)) r.repeated_header = it->first;
    }
    r.client_address = client_address.of(peer, r.header("x-forwarded-for"));
    return r;
}

// The client's address as text; an IPv4 address mapped into IPv6 as IPv4.
std::string address_of(const tcp::socket& socket) {
    beast::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return "";
    const net::ip::address a = peer.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
    }
    return a.to_string();
}

// The cap on open connections that the descriptor limit allows; the soft
// limit is raised to the hard one first.
int effective_cap(int configured) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return configured;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY) return configured;
    const rlim_t room = limit.rlim_cur > 2 * kReservedDescriptors
                            ? limit.rlim_cur - kReservedDescriptors
                            : limit.rlim_cur / 2;
    return static_cast<int>(
        std::max<rlim_t>(1, std::min<rlim_t>(room, static_cast<rlim_t>(configured))));
}

}  // namespace

struct HttpServer::Impl {
    Impl(const Config& c, Handler h)
        : config(c),
          handler(std::move(h)),
          io(std::in_place, std::max(1, c.threads)),
          handlers(static_cast<std::size_t>(std::max(1, c.handler_threads))),
          cap(effective_cap(c.limits.max_connections)) {
        acceptor.emplace(net::make_strand(*io));
        accept_pause.emplace(acceptor->get_executor());
    }

    // The threads end first; then the acceptor; then the io_context, whose
    // destruction ends the connections still open: they find `stopped` and
    // the members they use still there.
    ~Impl() {
        stop_threads();
        accept_pause.reset();
        acceptor.reset();
        {
            std::lock_guard<std::mutex> lock(mutex);
            stopped = true;
        }
        io.reset();
    }

    // The requests being handled finish (their answers are not sent).
    void stop_threads() {
        work.reset();
        io->stop();
        for (std::thread& t : threads) t.join();
        threads.clear();
        handlers.join();
    }

    const Config& config;
    Handler handler;
    const ClientAddress client_address{config.trusted_proxies};
    TransportCounters counters;
    std::mutex mutex;  // guards in_flight, open, accept_waiting, stopped
    std::condition_variable idle;
    int in_flight = 0;            // requests begun (a first byte read) and not yet answered
    int open = 0;                 // connections accepted and not yet closed
    bool accept_waiting = false;  // at the cap: the next accept waits for a close
    bool stopped = false;
    std::atomic<bool> draining{false};
    std::optional<ssl::context> tls;
    std::optional<net::io_context> io;
    // Keeps the HTTP threads running while no connection waits on them: once
    // the acceptor is closed, every connection may be waiting for its
    // handler, and without it io.run() would return and the answers that
    // follow would never be sent.
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    // Requests run here, not on the HTTP threads: one that waits for the
    // store holds no connection's thread, and those that wait at once
    // share the store's commits.
    net::thread_pool handlers;
    std::optional<tcp::acceptor> acceptor;
    std::optional<net::steady_timer> accept_pause;  // on the acceptor's strand
    std::vector<std::thread> threads;
    const int cap;

    void accept();
    void on_accept(beast::error_code ec, tcp::socket socket);
    void closed();

    // Counts a request in from its first byte; false once draining: a
    // request begun before is in flight and finishes, a later one gets 503.
    bool begin_request() {
        std::lock_guard<std::mutex> lock(mutex);
        if (draining) return false;
        ++in_flight;
        return true;
    }
    void leave() {
        std::lock_guard<std::mutex> lock(mutex);
        if (--in_flight == 0) idle.notify_all();
    }
};

namespace {

// One connection: reads a request within the limits, hands it to the
// handler, writes the answer, and reads the next (pipelined requests wait in
// the buffer and are answered in order). Runs on its own strand.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    template <class... Args>
    Session(HttpServer::Impl& server, std::string client, Args&&... stream_args)
        : server_(server),
          stream_(std::forward<Args>(stream_args)...),
          buffer_(server.config.limits.max_header_bytes + kReadAhead),
          client_(std::move(client)) {}

    ~Session() {
        if (counted_)
            server_.leave();  // a request begun, and the connection ended before its answer
        server_.closed();
    }

    // On the connection's own strand, like everything after it.
    void start() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
    }

private:
    void begin() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            wait_for_request();
        } else {
            expire(server_.config.limits.head_timeout_seconds);
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (!ec) self->wait_for_request();
                                    });
        }
    }

    auto& socket() { return beast::get_lowest_layer(stream_); }
    void expire(int seconds) { socket().expires_after(std::chrono::seconds(seconds)); }

    // A keep-alive connection waits up to the idle deadline for its next
    // request's first byte; a new one only as long as a head may take (a
    // client that connects and sends nothing holds its slot no longer).
    // From the first byte on, the head has its own deadline.
    void wait_for_request() {
        if (buffer_.size() > 0) return read_head();
        const auto& limits = server_.config.limits;
        expire(answered_ ? limits.idle_timeout_seconds : limits.head_timeout_seconds);
        stream_.async_read_some(
            buffer_.prepare(std::max(kFirstRead, buffer_.capacity())),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                if (ec == beast::error::timeout) {
                    auto& counters = self->server_.counters;
                    ++(self->answered_ ? counters.idle_closed : counters.head_timeouts);
                }
                if (ec) return;  // closed, idle too long, or the server stops
                self->buffer_.commit(n);
                self->read_head();
            });
    }

    void read_head() {
        counted_ = server_.begin_request();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.config.limits.max_header_bytes));
        parser_->body_limit(server_.config.limits.max_body_bytes);
        expire(server_.config.limits.head_timeout_seconds);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = this->shared_from_this()](
                                    beast::error_code ec, std::size_t) { self->on_head(ec); });
    }

    void on_head(beast::error_code ec) {
        if (ec == http::error::body_limit) return refuse_body();  // declared too long
        if (ec) return refuse(ec, server_.counters.head_timeouts);
        if (!names_host_once(parser_->get())) return refuse_hostless();
        if (parser_->is_done()) return answer();
        if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
            return send_continue();
        }
        read_body();
    }

    // The client waits for leave to send its body: it may, the length fits.
    void send_continue() {
        auto interim =
            std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
        expire(server_.config.limits.send_timeout_seconds);
        http::async_write(
            stream_, *interim,
            [self = this->shared_from_this(), interim](beast::error_code ec, std::size_t) {
                if (!ec) self->read_body();
            });
    }

    void read_body() {
        expire(server_.config.limits.body_timeout_seconds);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec == http::error::body_limit) return self->refuse_body();
                             if (ec) return self->refuse(ec, self->server_.counters.body_timeouts);
                             self->answer();
                         });
    }

    // What could not be read as a request: a head over the limit gets 431,
    // malformed HTTP 400, a deadline passed or a closed connection nothing.
    void refuse(beast::error_code ec, std::atomic<std::uint64_t>& timeouts) {
        if (ec == beast::error::timeout) {
            ++timeouts;
            return;
        }
        linger_bytes_ = kLingerAfterHead;
        if (ec == http::error::header_limit) {
            ++server_.counters.header_too_large;
            return send(
                problem(431, "header_too_large",
                        "the request head is over " +
                            std::to_string(server_.config.limits.max_header_bytes) + " bytes"),
                false, false);
        }
        if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
            ++server_.counters.malformed;
            return send(problem(400, "malformed_request", "the request is not valid HTTP/1.1"),
                        false, false);
        }
    }

    // RFC 9112 §3.2: an HTTP/1.1 request without a Host, or with two, is
    // answered 400; two differing ones are how a request is smuggled past
    // a proxy that reads the other one.
    void refuse_hostless() {
        ++server_.counters.malformed;
        linger_bytes_ = kLingerAfterHead;
        send(problem(400, "malformed_request", "an HTTP/1.1 request names its Host once"), false,
             false);
    }

    // A body over the limit, declared or met on the way: the pipeline still
    // answers (a 401 comes first), and the connection closes after it, as the
    // rest of that body is on its way and is not read.
    void refuse_body() {
        ++server_.counters.body_too_large;
        Request request = translate(parser_->get(), client_, server_.client_address);
        request.body.clear();
        request.body_too_large = true;
        handle(std::move(request), false);
    }

    void answer() {
        const bool keep_alive = parser_->keep_alive();
        Request request = translate(parser_->get(), client_, server_.client_address);
        request.body = std::move(parser_->get().body());
        handle(std::move(request), keep_alive);
    }

    // On a handler thread; the answer is sent from the connection's strand.
    void handle(Request request, bool keep_alive) {
        const bool head = request.method == "HEAD";
        if (!counted_) {
            return send(problem(503, "shutting_down", "the sidecar is shutting down"), false, head);
        }
        // The strand is taken here, on it: the handler thread reads nothing
        // of the connection but its server.
        net::post(server_.handlers, [self = this->shared_from_this(),
                                     strand = stream_.get_executor(), request = std::move(request),
                                     keep_alive, head] {
            Response response;
            try {
                response = self->server_.handler(request);
            } catch (...) {
                response = problem(500, "internal", "the sidecar failed");
            }
            net::post(strand, [self, response = std::move(response), keep_alive, head]() mutable {
                self->send(std::move(response), keep_alive, head);
            });
        });
    }

    void send(Response in, bool keep_alive, bool head) {
        auto out = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(in.status), 11);
        if (!in.content_type.empty()) out->set(http::field::content_type, in.content_type);
        for (auto& [name, value] : in.headers) {
            if (beast::iequals(name, "connection") && beast::iequals(value, "close")) {
                keep_alive = false;
            } else {
                out->insert(name, value);
            }
        }
        // What the listener answers itself carries these too (docs/http-sidecar.md).
        if (out->find("X-Request-Id") == out->end()) out->set("X-Request-Id", new_request_id());
        if (in.status == 503 && out->find(http::field::retry_after) == out->end()) {
            out->set(http::field::retry_after, std::to_string(kRetryAfterUnavailable));
        }
        out->body() = std::move(in.body);
        out->prepare_payload();
        if (head) out->body().clear();  // Content-Length stays that of the GET
        out->keep_alive(keep_alive && !server_.draining);
        expire(server_.config.limits.send_timeout_seconds);
        http::async_write(
            stream_, *out,
            [self = this->shared_from_this(), out](beast::error_code ec, std::size_t) {
                self->sent(ec, out->keep_alive());
            });
    }

    void sent(beast::error_code ec, bool keep_alive) {
        if (std::exchange(counted_, false)) server_.leave();
        answered_ = true;
        if (ec) return;
        if (keep_alive) return wait_for_request();
        close();
    }

    // Ends the connection after a last answer: a TLS close_notify within the
    // send deadline, then the socket's sending side.
    void close() {
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
            beast::error_code ignored;
            socket().socket().shutdown(tcp::socket::shutdown_send, ignored);
            socket().expires_after(kLinger);
            linger();
        } else {
            expire(server_.config.limits.send_timeout_seconds);
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
        }
    }

    // Reads and drops what the client still sends, until it closes or the
    // lingering time is over; at most the buffer's size is held.
    void linger(std::size_t dropped = 0) {
        if (dropped > linger_bytes_) return;
        buffer_.clear();
        socket().async_read_some(
            buffer_.prepare(std::max(kFirstRead, buffer_.capacity())),
            [self = this->shared_from_this(), dropped](beast::error_code ec, std::size_t n) {
                if (!ec) self->linger(dropped + n);
            });
    }

    HttpServer::Impl& server_;
    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string client_;
    std::size_t linger_bytes_ = kLingerBytes;  // dropped at most in a lingering close
    bool counted_ = false;   // a request in flight, counted by begin_request(), left once answered
    bool answered_ = false;  // a request was answered: waits are idle ones
};

}  // namespace

void HttpServer::Impl::accept() {
    acceptor->async_accept(net::make_strand(*io), [this](beast::error_code ec, tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
        // Out of descriptors or buffers: wait, for a close or a short while.
        ++counters.accept_errors;
        std::lock_guard<std::mutex> lock(mutex);
        accept_waiting = true;
        accept_pause->expires_after(kAcceptPause);
        accept_pause->async_wait([this](beast::error_code timer) {
            if (timer) return;  // a close resumed accepting first, or the server stops
            std::lock_guard<std::mutex> again(mutex);
            if (!std::exchange(accept_waiting, false)) return;
            accept();
        });
        return;
    }
    std::string client = address_of(socket);
    bool more = true;  // decided once: closed() may resume accepting meanwhile
    {
        std::lock_guard<std::mutex> lock(mutex);
        ++open;
        ++counters.open_connections;
        ++counters.connections_total;
        if (open >= cap) {
            accept_waiting = true;
            more = false;
            ++counters.accept_paused;
        }
    }
    if (tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(client),
                                                                        std::move(socket), *tls)
            ->start();
    } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, std::move(client), std::move(socket))
            ->start();
    }
    if (more) accept();
}

// A connection closed: one more may be accepted.
void HttpServer::Impl::closed() {
    --counters.open_connections;
    std::lock_guard<std::mutex> lock(mutex);
    --open;
    if (stopped || !accept_waiting || open >= cap) return;
    accept_waiting = false;
    net::post(acceptor->get_executor(), [this] {
        accept_pause->cancel();
        if (acceptor->is_open()) accept();
    });
}

HttpServer::HttpServer(const Config& config, Handler handler)
    : impl_(std::make_unique<Impl>(config, std::move(handler))) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::url() const {
    return listener_url(impl_->config);
}

int HttpServer::connection_cap() const {
    return impl_->cap;
}

const TransportCounters& HttpServer::counters() const {
    return impl_->counters;
}

void HttpServer::start() {
    Impl& s = *impl_;
    if (s.config.tls()) {
        s.tls.emplace(ssl::context::tls_server);
        s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        s.tls->use_certificate_chain_file(s.config.tls_certificate_file);
        s.tls->use_private_key_file(s.config.tls_private_key_file, ssl::context::pem);
    }
    tcp::resolver resolver(*s.io);
    const auto endpoints =
        resolver.resolve(s.config.address, std::to_string(s.config.port),
                         tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(net::socket_base::reuse_address(true));
    s.acceptor->bind(endpoint);
    s.acceptor->listen(net::socket_base::max_listen_connections);
    net::post(s.acceptor->get_executor(), [&s] { s.accept(); });
    s.work.emplace(s.io->get_executor());
    for (int i = 0; i < std::max(1, s.config.threads); ++i) {
        s.threads.emplace_back([&s] { s.io->run(); });
    }
}

void HttpServer::drain(std::chrono::seconds grace) {
    Impl& s = *impl_;
    net::post(s.acceptor->get_executor(), [&s] {
        beast::error_code ignored;
        s.acceptor->close(ignored);
        s.accept_pause->cancel();
    });
    std::unique_lock<std::mutex> lock(s.mutex);
    s.draining = true;
    s.idle.wait_for(lock, grace, [&s] { return s.in_flight == 0; });
    lock.unlock();
    s.stop_threads();
}

}  // namespace meldcoded
