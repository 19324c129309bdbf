// HTTP requests over Boost.Beast's client (TLS through Asio's OpenSSL
// stream, the peer verified against the system's CAs and the URL's host):
// webhook POSTs, and what meldcoded asks an OpenID Connect provider.
// Beast's headers stay in http_client.cpp.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace meldcode::rest {

struct PostOutcome {
    bool delivered = false;  // the receiver answered 2xx
    std::string error;       // else "http 500", "no answer: ...": never the body
};

struct HttpAnswer {
    int status = 0;     // 0: no answer
    std::string body;   // read only when asked for
    std::string error;  // no answer: why ("no answer: ..."), never a body
};

struct HttpCall {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type;  // with a body
    std::string body;
    std::chrono::milliseconds timeout{10000};
    std::size_t max_body = 0;  // 0: the answer's body is not read; else at most this much
};

// One request on a fresh connection: resolve, connect, handshake, send and
// the answer (its head, or head and body) all within `call.timeout`.
HttpAnswer http_exchange(const HttpCall& call);

// Resolve, connect, handshake, send and the answer's head all within
// `timeout`; the answer's body is not read.
PostOutcome post_json(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, std::chrono::milliseconds timeout);

// "https://erp.example:8443" for "https://erp.example:8443/hooks?key=x": what
// the log may say of an endpoint (a path or query may carry a token); ""
// unless `url` is an absolute http(s) URL.
std::string url_origin(const std::string& url);

}  // namespace meldcode::rest
