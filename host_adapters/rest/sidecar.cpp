#include "sidecar.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iterator>

#include "client_address.h"
#include "problem.h"
#include "v1_routes.h"

namespace meldcoded {

namespace {

// A random per-process prefix and a counter: unique, and unlike random bytes
// per request no system call on the hot path. Ids need not be secret.
std::string new_request_id() {
    static const std::string prefix = [] {
        [[maybe_unused]] const int ready = sodium_init();  // libsodium, not OpenSSL (auth.cpp)
        unsigned char bytes[6];
        randombytes_buf(bytes, sizeof bytes);
        char hex[sizeof bytes * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
        return std::string(hex);
    }();
    static std::atomic<std::uint64_t> counter{0};
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012llx",
                  static_cast<unsigned long long>(counter++ & 0xffffffffffffULL));
    return prefix + tail;
}

// X-Request-Id from the client if short and of safe characters, else ours:
// a value that goes into logs must not carry anything else.
std::string request_id_of(const Request& request) {
    if (const std::string* id = request.header("x-request-id")) {
        const bool safe =
            !id->empty() && id->size() <= 64 && std::all_of(id->begin(), id->end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                       c == '.' || c == ':';
            });
        if (safe) return *id;
    }
    return new_request_id();
}

// A PATCH may also say it is a merge patch (RFC 7386).
bool is_json_media_type(const std::string* content_type, bool patch) {
    if (content_type == nullptr) return false;
    std::string type = content_type->substr(0, content_type->find(';'));
    type.erase(type.find_last_not_of(' ') + 1);
    std::transform(type.begin(), type.end(), type.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return type == "application/json" || (patch && type == "application/merge-patch+json");
}

bool under_v1(const std::string& path) {
    return path == "/v1" || path.rfind("/v1/", 0) == 0;
}

// The unauthenticated operational endpoints.
constexpr const char* kOperations[] = {"/healthz", "/readyz", "/metrics"};

// Every label a request is counted under: the route templates, the
// operational endpoints, and "unmatched".
std::vector<std::string> route_labels() {
    std::vector<std::string> labels(std::begin(kOperations), std::end(kOperations));
    for (const Route& route : v1_routes()) labels.emplace_back(route.path_template);
    return labels;
}

// 204 with the methods a path allows, or 405 naming them.
Response allow(int status, const std::string& methods) {
    Response r = status == 204
                     ? Response{204, "", "", {}}
                     : problem(405, "method_not_allowed", "this route has no such method");
    r.headers.emplace_back("Allow", methods);
    return r;
}

}  // namespace

const nlohmann::json& sidecar_actor() {
    static const nlohmann::json actor{{"id", "meldcoded"}, {"role", "integration"}};
    return actor;
}

Sidecar::Sidecar(const Config& config, const meldcode::sdk::Instance& mc, Logger& log,
                 HostOrders& host_orders)
    : config_(config),
      mc_(mc),
      log_(log),
      host_orders_(host_orders),
      metrics_(route_labels()),
      auth_(config.tokens),
      limiter_(config.limits.auth_failures,
               std::chrono::seconds(config.limits.auth_window_seconds)),
      denials_(config.limits.denied_calls,
               std::chrono::seconds(config.limits.auth_window_seconds)) {}

Response Sidecar::handle(const Request& request) {
    const auto start = std::chrono::steady_clock::now();
    const std::string request_id = request_id_of(request);
    std::string route_label = "unmatched";
    Response response = dispatch(request, request_id, route_label);
    response.headers.emplace_back("X-Request-Id", request_id);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.observe(request.method, route_label, response.status, seconds);
    if (!log_.enabled(Level::info)) return response;  // spare building the line
    log_.log(Level::info, "request",
             {{"request_id", request_id},
              {"method", request.method},
              {"route", route_label},
              {"status", response.status},
              {"duration_ms", seconds * 1000.0}});
    return response;
}

Response Sidecar::dispatch(const Request& request, const std::string& request_id,
                           std::string& route_label) {
    if (!under_v1(request.path)) return operations(request, route_label);

    // HEAD is a GET whose body the listener leaves out.
    const Match m =
        match(v1_routes(), request.method == "HEAD" ? "GET" : request.method, request.path);
    if (m.route != nullptr) route_label = m.route->path_template;
    const Identity* identity = auth_.identify(request);
    if (identity == nullptr) return unauthenticated(request, request_id);
    if (m.route == nullptr) {
        const std::string methods = allowed_methods(v1_routes(), request.path);
        if (methods.empty()) return problem(404, "no_such_route", "there is no such route");
        return allow(request.method == "OPTIONS" ? 204 : 405, methods);
    }
    if (m.route->takes_body) {
        if (!is_json_media_type(request.header("content-type"), request.method == "PATCH")) {
            return problem(415, "unsupported_media_type", "send Content-Type: application/json");
        }
        if (request.body_too_large || request.body.size() > config_.limits.max_body_bytes) {
            return problem(
                413, "body_too_large",
                "the body is over " + std::to_string(config_.limits.max_body_bytes) + " bytes");
        }
        if (request.body.find('\0') != std::string::npos) {
            return problem(400, "invalid_json", "the body holds a NUL byte");
        }
    }
    // Every refusal is a durable audit row: a caller whose calls keep being
    // refused is stopped here before it asks again.
    const std::string caller = identity->actor.at("id").get<std::string>() + "/" +
                               identity->actor.at("role").get<std::string>();
    const auto now = FailureLimiter::Clock::now();
    if (const auto refusal = denials_.blocked(caller, now)) {
        if (refusal->first) {
            log_.log(Level::warn, "denied_calls_limited",
                     {{"request_id", request_id}, {"route", route_label}});
        }
        Response r = problem(429, "too_many_denied_calls",
                             "too many refused calls with this token; wait before the next");
        r.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after));
        return r;
    }
    auto acting = auth_.acting_actor(*identity, request, sidecar_actor().at("id"));
    if (auto* refused = std::get_if<ActingRefusal>(&acting)) {
        log_.log(Level::warn, "acting_denied",
                 {{"request_id", request_id},
                  {"route", route_label},
                  {"status", refused->problem.status}});
        if (!refused->tried_as.is_null()) audit_acting_refusal(*identity, *refused, request_id);
        if (refused->problem.status == 403) denials_.record_failure(caller, now);
        return refused->problem;
    }
    // Every audit row of the call names the request (and, when acting, the integration).
    nlohmann::json& actor = std::get<nlohmann::json>(acting);
    actor["request_id"] = request_id;
    Response response = call(*m.route, {request, *identity, actor, m.params, mc_, host_orders_});
    if (response.status == 403) denials_.record_failure(caller, now);
    return response;
}

Response Sidecar::call(const Route& route, const RouteContext& context) const {
    try {
        return route.handler(context);
    } catch (const meldcode::sdk::Error& e) {
        return problem(http_status(e.status()), e.code(), e.what(), e.pointer());
    } catch (const std::exception&) {
        return problem(500, "internal", "the sidecar failed; see its log");
    }
}

// 401 before anything else is looked at; failures are logged, counted, and
// past the limit refused per client address (an IPv6 client per /64) with
// 429. The plugin's audit trail gets at most two durable rows per address
// and window, whatever an attacker sends: its first failure (only which
// failure: no token, no address) and its first 429.
Response Sidecar::unauthenticated(const Request& request, const std::string& request_id) {
    const auto now = FailureLimiter::Clock::now();
    const bool had_token = request.header("authorization") != nullptr;
    const std::string client = limiter_key(request.client_address);
    log_.log(Level::warn, "auth_failed",
             {{"request_id", request_id},
              {"reason", had_token ? "unknown_token" : "missing_token"},
              {"client", request.client_address}});
    if (const auto refusal = limiter_.blocked(client, now)) {
        if (refusal->first) audit_refusal("authentication.rate_limited");
        metrics_.auth_failed(AuthFailure::rate_limited);
        Response r = problem(429, "too_many_failed_attempts",
                             "too many failed authentication attempts from this address");
        r.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after));
        return r;
    }
    metrics_.auth_failed(had_token ? AuthFailure::invalid_token : AuthFailure::missing_token);
    if (limiter_.record_failure(client, now) == 1) {
        audit_refusal(had_token ? "authentication.invalid_token" : "authentication.missing_token");
    }
    Response r = problem(401, had_token ? "invalid_token" : "missing_token",
                         "send Authorization: Bearer <token>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"meldcoded\"");
    return r;
}

// The refusal stands whether or not the trail took it: a client never learns
// of an audit failure, the operator does (without the request's details).
void Sidecar::audit_refusal(const char* action) {
    try {
        mc_.record_audit(sidecar_actor(), {{"action", action}});
    } catch (const meldcode::sdk::Error& e) {
        log_.log(Level::error, "audit_record_failed", {{"code", e.code()}});
    }
}

// Which integration tried to act as whom, by ids only. A person's token has
// no business with acting headers at all: the sidecar records that person's
// refused attempt itself (a person may not write audit rows).
void Sidecar::audit_acting_refusal(const Identity& identity, const ActingRefusal& refusal,
                                   const std::string& request_id) {
    const bool integration = identity.actor.at("role") == "integration";
    nlohmann::json caller = integration ? identity.actor : sidecar_actor();
    caller["request_id"] = request_id;
    const nlohmann::json& tried_as = integration ? refusal.tried_as : identity.actor;
    try {
        mc_.record_audit(caller, {{"action", "acting.not_allowed"}, {"acting_as", tried_as}});
    } catch (const meldcode::sdk::Error& e) {
        log_.log(Level::error, "audit_record_failed", {{"code", e.code()}});
    }
}

// Unauthenticated operational endpoints: no data, only liveness and counters.
Response Sidecar::operations(const Request& request, std::string& route_label) const {
    const auto known = std::find(std::begin(kOperations), std::end(kOperations), request.path);
    if (known == std::end(kOperations))
        return problem(404, "no_such_route", "there is no such route");
    route_label = *known;
    if (request.method == "OPTIONS") return allow(204, "GET, HEAD, OPTIONS");
    if (request.method != "GET" && request.method != "HEAD")
        return allow(405, "GET, HEAD, OPTIONS");
    if (route_label == "/healthz") return {200, "application/json", R"({"status":"ok"})", {}};
    if (route_label == "/readyz") {  // this pipeline exists only once the store is open
        return {200, "application/json", R"({"status":"ready"})", {}};
    }
    return {200, "text/plain; version=0.0.4", metrics_.render(), {}};
}

}  // namespace meldcoded
