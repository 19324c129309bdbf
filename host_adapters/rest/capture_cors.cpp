#include "capture_cors.h"

#include <algorithm>

#include "problem.h"

namespace meldcoded {

const char* prompt_token_method(const std::string& path) {
    if (path == "/v1/prompt") return "GET";
    if (path == "/v1/submissions") return "POST";
    return nullptr;
}

const std::string* CaptureCors::allowed_origin(const Request& request) const {
    const std::string* origin = request.header("origin");
    if (origin == nullptr || prompt_token_method(request.path) == nullptr) return nullptr;
    return std::find(origins_.begin(), origins_.end(), *origin) == origins_.end() ? nullptr
                                                                                  : origin;
}

std::optional<Response> CaptureCors::preflight(const Request& request) const {
    const std::string* asked = request.header("access-control-request-method");
    if (request.method != "OPTIONS" || asked == nullptr || request.header("origin") == nullptr) {
        return std::nullopt;
    }
    const std::string* origin = allowed_origin(request);
    if (origin == nullptr || *asked != prompt_token_method(request.path)) {
        return problem(403, "cross_origin_not_allowed",
                       "this origin may not call this route from a browser");
    }
    Response r{204, "", "", {}};
    r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    r.headers.emplace_back("Access-Control-Allow-Methods", *asked);
    r.headers.emplace_back("Access-Control-Allow-Headers",
                           "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    // Private Network Access: a public page may reach a sidecar on the
    // corporation's own network only when the sidecar says so.
    const std::string* private_network = request.header("access-control-request-private-network");
    if (private_network != nullptr && *private_network == "true") {
        r.headers.emplace_back("Access-Control-Allow-Private-Network", "true");
    }
    r.headers.emplace_back("Vary", "Origin");
    return r;
}

void CaptureCors::allow(const Request& request, Response& response) const {
    if (request.header("origin") != nullptr && prompt_token_method(request.path) != nullptr) {
        response.headers.emplace_back("Vary", "Origin");  // the answer differs by origin
    }
    const std::string* origin = allowed_origin(request);
    if (origin == nullptr) return;
    response.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    response.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
}

}  // namespace meldcoded
