#include "meldcode/rest/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>
#include <type_traits>

namespace meldcode::rest {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Url {
    bool https = false;
    std::string host;  // without the brackets of an IPv6 literal
    std::string port;  // "" when the URL names none
    std::string target;

    std::string host_field() const {
        const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        return port.empty() ? h : h + ":" + port;
    }
};

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// scheme://host[:port][/path][?query]; no user info, no fragment.
std::optional<Url> parse_url(const std::string& text) {
    Url url;
    std::string rest;
    if (text.rfind("http://", 0) == 0) {
        rest = text.substr(7);
    } else if (text.rfind("https://", 0) == 0) {
        url.https = true;
        rest = text.substr(8);
    } else {
        return std::nullopt;
    }
    const std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
    std::string authority = rest.substr(0, end);
    url.target = end < rest.size() && rest[end] != '#' ? rest.substr(end) : "/";
    url.target = url.target.substr(0, url.target.find('#'));
    if (url.target.front() == '?') url.target.insert(0, "/");
    std::size_t port_at = std::string::npos;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        url.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port_at = close + 1;
        }
        if (url.host.empty() || !std::all_of(url.host.begin(), url.host.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
            })) {
            return std::nullopt;
        }
    } else {
        port_at = authority.find(':');
        url.host = authority.substr(0, port_at);
        if (url.host.empty() || !std::all_of(url.host.begin(), url.host.end(), host_char)) {
            return std::nullopt;
        }
    }
    if (port_at != std::string::npos) {
        url.port = authority.substr(port_at + 1);
        if (url.port.empty() || url.port.size() > 5 ||
            !std::all_of(url.port.begin(), url.port.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
            std::stoul(url.port) == 0 || std::stoul(url.port) > 65535) {
            return std::nullopt;
        }
    }
    return url;
}

// One client TLS context for every delivery: TLS 1.2+, peers verified
// against the system's certificate authorities.
ssl::context& client_tls() {
    static ssl::context context = [] {
        ssl::context c(ssl::context::tls_client);
        c.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        c.set_default_verify_paths();
        c.set_verify_mode(ssl::verify_peer);
        return c;
    }();
    return context;
}

// One POST on a fresh connection, as callbacks on `io`; the caller runs it.
// The stream's deadline covers connect, handshake, write and the head read.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
public:
    template <class... Args>
    Exchange(net::io_context& io, const Url& url, http::request<http::string_body> request,
             std::chrono::milliseconds timeout, std::size_t max_body, HttpAnswer& outcome,
             Args&&... stream_args)
        : stream_(io, std::forward<Args>(stream_args)...),
          resolver_(io),
          deadline_(io),
          url_(url),
          request_(std::move(request)),
          timeout_(timeout),
          max_body_(max_body),
          outcome_(outcome) {
        if (max_body > 0) parser_.body_limit(max_body);
    }

    void start() {
        if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
            // SNI, and the certificate must name the URL's host.
            SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str());
            stream_.set_verify_callback(ssl::host_name_verification(url_.host));
        }
        deadline_.expires_after(timeout_);
        deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) self->resolver_.cancel();
        });
        resolver_.async_resolve(
            url_.host, url_.port.empty() ? (url_.https ? "443" : "80") : url_.port,
            [self = this->shared_from_this()](beast::error_code ec,
                                              const tcp::resolver::results_type& found) {
                self->deadline_.cancel();
                if (ec)
                    return self->fail(ec == net::error::operation_aborted
                                          ? beast::error_code(beast::error::timeout)
                                          : ec);
                self->connect(found);
            });
    }

private:
    auto& socket() { return beast::get_lowest_layer(stream_); }

    void connect(const tcp::resolver::results_type& found) {
        socket().expires_after(timeout_);
        socket().async_connect(
            found, [self = this->shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                if (ec) return self->fail(ec);
                if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                    self->write();
                } else {
                    self->stream_.async_handshake(ssl::stream_base::client,
                                                  [self](beast::error_code handshake) {
                                                      if (handshake) return self->fail(handshake);
                                                      self->write();
                                                  });
                }
            });
    }

    void write() {
        http::async_write(stream_, request_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->fail(ec);
                              self->read();
                          });
    }

    void read() {
        const auto done = [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->fail(ec);
            self->outcome_ = {static_cast<int>(self->parser_.get().result_int()),
                              std::move(self->parser_.get().body()), ""};
        };
        if (max_body_ == 0) return http::async_read_header(stream_, buffer_, parser_, done);
        http::async_read(stream_, buffer_, parser_, done);
    }

    // Beast's and Asio's messages name the failure (refused, timed out), never the body.
    void fail(beast::error_code ec) { outcome_ = {0, "", "no answer: " + ec.message()}; }

    Stream stream_;
    tcp::resolver resolver_;
    net::steady_timer deadline_;
    Url url_;
    http::request<http::string_body> request_;
    std::chrono::milliseconds timeout_;
    std::size_t max_body_;
    HttpAnswer& outcome_;
    beast::flat_buffer buffer_{16 * 1024};
    http::response_parser<http::string_body> parser_;
};

}  // namespace

HttpAnswer http_exchange(const HttpCall& call) {
    const std::optional<Url> parsed = parse_url(call.url);
    if (!parsed) return {0, "", "no answer: not an absolute http(s) URL"};
    const http::verb verb = http::string_to_verb(call.method);
    if (verb == http::verb::unknown) return {0, "", "no answer: unknown method"};
    http::request<http::string_body> request{verb, parsed->target, 11};
    request.set(http::field::host, parsed->host_field());
    for (const auto& [name, value] : call.headers) request.set(name, value);
    if (!call.content_type.empty()) request.set(http::field::content_type, call.content_type);
    request.keep_alive(false);
    request.body() = call.body;
    request.prepare_payload();
    HttpAnswer outcome{0, "", "no answer: timed out"};
    try {
        net::io_context io;
        if (parsed->https) {
            std::make_shared<Exchange<beast::ssl_stream<beast::tcp_stream>>>(
                io, *parsed, std::move(request), call.timeout, call.max_body, outcome, client_tls())
                ->start();
        } else {
            std::make_shared<Exchange<beast::tcp_stream>>(io, *parsed, std::move(request),
                                                          call.timeout, call.max_body, outcome)
                ->start();
        }
        io.run();
    } catch (const std::exception& e) {
        return {0, "", std::string("no answer: ") + e.what()};
    }
    return outcome;
}

PostOutcome post_json(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, std::chrono::milliseconds timeout) {
    const HttpAnswer answer =
        http_exchange({"POST", url, headers, "application/json", body, timeout, 0});
    if (answer.status == 0) return {false, answer.error};
    if (answer.status >= 200 && answer.status < 300) return {true, ""};
    return {false, "http " + std::to_string(answer.status)};
}

std::string url_origin(const std::string& url) {
    const std::optional<Url> parsed = parse_url(url);
    if (!parsed) return "";
    return std::string(parsed->https ? "https://" : "http://") + parsed->host_field();
}

}  // namespace meldcode::rest
