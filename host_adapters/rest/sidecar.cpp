#include "sidecar.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <optional>

#include "client_address.h"
#include "problem.h"
#include "request_id.h"
#include "route_calls.h"
#include "v1_routes.h"

namespace meldcoded {

namespace {

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

std::string lower_trimmed(std::string text) {
    text.erase(text.find_last_not_of(" \t") + 1);
    text.erase(0, text.find_first_not_of(" \t"));
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return text;
}

// JSON is UTF-8 (RFC 8259): a charset, if named, must say so; another would
// be read as UTF-8 all the same. A PATCH may also say it is a merge patch
// (RFC 7386).
bool is_json_media_type(const std::string* content_type, bool patch) {
    if (content_type == nullptr) return false;
    const std::string whole = lower_trimmed(*content_type);
    const std::string type = lower_trimmed(whole.substr(0, whole.find(';')));
    const auto charset = whole.find("charset=");
    if (charset != std::string::npos) {
        std::string value =
            lower_trimmed(whole.substr(charset + 8, whole.find(';', charset) - charset - 8));
        value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
        if (value != "utf-8") return false;
    }
    return type == "application/json" || (patch && type == "application/merge-patch+json");
}

// A body the sidecar would read as it came: no content coding (gzip would
// reach the JSON parser as bytes), and no transfer coding but chunked.
std::optional<Response> refuse_codings(const Request& request) {
    const std::string* content = request.header("content-encoding");
    if (content != nullptr && lower_trimmed(*content) != "identity") {
        return problem(415, "unsupported_media_type",
                       "send the body as it is: no Content-Encoding is taken");
    }
    const std::string* transfer = request.header("transfer-encoding");
    if (transfer != nullptr && lower_trimmed(*transfer) != "chunked") {
        return problem(400, "malformed_request", "of the transfer codings only chunked is taken");
    }
    return std::nullopt;
}

bool under_v1(const std::string& path) {
    return path == "/v1" || path.rfind("/v1/", 0) == 0;
}

bool under_ui(const std::string& path) {
    return path == "/ui" || path.rfind("/ui/", 0) == 0;
}

// The route label of every file under /ui/ but /ui/auth/.
constexpr const char* kUiFiles = "/ui/*";

// Routes that take a sign-in no older than ui.session.reauthenticate_after_seconds
// from a session (a bearer token is not a sign-in and is not affected): both
// officers of a data-subject export, the one who asks and the one who releases.
bool needs_recent_sign_in(const Route& route) {
    const std::string path = route.path_template;
    return path == "/v1/concerns/{ref}/export-requests" ||
           path == "/v1/export-requests/{export_ref}/approval";
}

// The two routes the technician's capture page calls with its prompt token.
bool accepts_prompt_token(const Route& route) {
    const char* method = prompt_token_method(route.path_template);
    return method != nullptr && std::string(route.method) == method;
}

bool safe_method(const std::string& method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

// How a request without a usable credential is answered, logged, counted
// and audited (AuthFailure's order).
struct Unidentified {
    const char* code;  // also the log's reason, unless the plugin named a finer one
    const char* detail;
    const char* audit_action;
};
const Unidentified& unidentified(AuthFailure failure) {
    static const Unidentified kinds[] = {
        {"missing_token", "send Authorization: Bearer <token>", "authentication.missing_token"},
        {"invalid_token", "send Authorization: Bearer <token>", "authentication.invalid_token"},
        {"too_many_failed_attempts", "", "authentication.rate_limited"},
        {"session_ended", "the session has ended; sign in again", "authentication.invalid_session"},
        {"invalid_prompt_token", "the prompt token is unknown or has expired",
         "authentication.invalid_prompt_token"},
    };
    return kinds[static_cast<std::size_t>(failure)];
}

// The unauthenticated operational endpoints.
constexpr const char* kOperations[] = {"/healthz", "/readyz", "/metrics"};

// Every label a request is counted under: the route templates, the
// operational endpoints, and "unmatched".
std::vector<std::string> route_labels() {
    std::vector<std::string> labels(std::begin(kOperations), std::end(kOperations));
    for (const Route& route : v1_routes()) labels.emplace_back(route.path_template);
    labels.emplace_back(kUiFiles);
    for (std::string& label : UiAuth::route_labels()) labels.push_back(std::move(label));
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

// A query parameter given twice, or any to a route that takes none: refused
// rather than ignored, which would answer as if the caller had asked for
// something else (?state=open&state=decided read as decided alone, or
// /v1/steps/due?assignee=af-1 as if it filtered).
std::optional<Response> refuse_query(const Request& request, const Route& route) {
    // A name that is not UTF-8 goes on to refuse_other_parameters, which
    // every route's query passes through (here, or in its handler).
    const std::string& repeated = request.repeated_query_parameter;
    if (!repeated.empty() && valid_utf8(repeated)) {
        const std::string pointer = parameter_pointer(repeated);
        return problem(400, "repeated_query_parameter",
                       "a query parameter may be given once; " +
                           (pointer.empty() ? std::string("one") : pointer.substr(1)) +
                           " is given more than once",
                       pointer);
    }
    if (route.takes_query) return std::nullopt;
    return refuse_other_parameters(
        request, {},
        (std::string(route.method) + " " + route.path_template + " takes no query parameters")
            .c_str());
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
      ui_files_(config),
      ui_auth_(config, mc, log),
      capture_cors_(config.ui.capture_element_origins),
      limiter_(config.limits.auth_failures, std::chrono::seconds(config.limits.auth_window_seconds),
               FailureLimiter::Ended::tally),
      denials_(config.limits.denied_calls, std::chrono::seconds(config.limits.auth_window_seconds)),
      window_sweep_(std::chrono::seconds(config.limits.auth_window_seconds),
                    [this] { audit_ended_windows(); }) {
    window_sweep_.start();
}

Sidecar::~Sidecar() {
    window_sweep_.stop();
    audit_ended_windows(true);
}

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
    if (under_ui(request.path)) return ui(request, request_id, route_label);
    if (!under_v1(request.path)) return operations(request, route_label);
    if (auto preflight = capture_cors_.preflight(request)) return std::move(*preflight);
    Response response = v1(request, request_id, route_label);
    response.headers.emplace_back("Cache-Control", "no-store");
    capture_cors_.allow(request, response);
    return response;
}

// The UI's files, and its sign-in under /ui/auth/ (never cached).
Response Sidecar::ui(const Request& request, const std::string& request_id,
                     std::string& route_label) {
    if (request.path.rfind("/ui/auth/", 0) != 0) {
        route_label = kUiFiles;
        return ui_files_.serve(request);
    }
    Response response = ui_auth_.handle(request, request_id, route_label);
    add_ui_headers(response, config_.ui, false);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

Response Sidecar::v1(const Request& request, const std::string& request_id,
                     std::string& route_label) {
    // HEAD is a GET whose body the listener leaves out.
    const Match m =
        match(v1_routes(), request.method == "HEAD" ? "GET" : request.method, request.path);
    // A known path asked with a method it lacks (405, OPTIONS) counts under its route.
    if (m.path_known) route_label = m.route != nullptr ? m.route->path_template : m.path_template;
    auto authenticated = authenticate(request, m.route, request_id);
    if (auto* refused = std::get_if<Response>(&authenticated)) return *refused;
    const Identity* identity = &std::get<Identity>(authenticated);
    if (m.route == nullptr) {
        const std::string methods = allowed_methods(v1_routes(), request.path);
        if (methods.empty()) {
            // A segment no route could take because it is not text: say so.
            if (!valid_utf8(percent_decode(request.path))) {
                return problem(400, "invalid_utf8", "the path is not valid UTF-8");
            }
            return problem(404, "no_such_route", "there is no such route");
        }
        return allow(request.method == "OPTIONS" ? 204 : 405, methods);
    }
    if (auto refused = refuse_query(request, *m.route)) return *refused;
    if (!request.repeated_header.empty()) {
        return problem(
            400, "repeated_header",
            "a header may be given once; " + request.repeated_header + " is given more than once");
    }
    if (m.route->takes_body) {
        if (!is_json_media_type(request.header("content-type"), request.method == "PATCH")) {
            return problem(415, "unsupported_media_type",
                           "send Content-Type: application/json (UTF-8, the only charset of JSON)");
        }
        if (auto refused = refuse_codings(request)) return *refused;
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
    // refused is stopped here before it asks again. The caller is the token,
    // and for an integration acting for someone, the token as that person:
    // one technician's screen refused over and over must not stop every
    // other technician's tickets that the same integration brings in.
    const auto caller_of = [](const nlohmann::json& actor) {
        return actor.at("id").get<std::string>() + "/" + actor.at("role").get<std::string>();
    };
    const std::string token_caller = caller_of(identity->actor);
    const auto now = FailureLimiter::Clock::now();
    if (auto limited = denied_calls_limited(token_caller, now, request_id, route_label)) {
        return *limited;
    }
    auto acting = auth_.acting_actor(*identity, request, sidecar_actor().at("id"));
    if (auto* refused = std::get_if<ActingRefusal>(&acting)) {
        log_.log(Level::warn, "acting_denied",
                 {{"request_id", request_id},
                  {"route", route_label},
                  {"status", refused->problem.status}});
        if (!refused->tried_as.is_null()) audit_acting_refusal(*identity, *refused, request_id);
        if (refused->problem.status == 403) denials_.record_failure(token_caller, now);
        return refused->problem;
    }
    // Every audit row of the call names the request (and, when acting, the integration).
    nlohmann::json& actor = std::get<nlohmann::json>(acting);
    const std::string as = caller_of(actor);
    const std::string caller = as == token_caller ? token_caller : token_caller + " as " + as;
    if (caller != token_caller) {
        if (auto limited = denied_calls_limited(caller, now, request_id, route_label)) {
            return *limited;
        }
    }
    actor["request_id"] = request_id;
    Response response = call(*m.route, {request, *identity, actor, m.params, mc_, host_orders_});
    if (response.status == 403) denials_.record_failure(caller, now);
    return response;
}

std::optional<Response> Sidecar::denied_calls_limited(const std::string& caller,
                                                      FailureLimiter::Clock::time_point now,
                                                      const std::string& request_id,
                                                      const std::string& route_label) {
    const auto refusal = denials_.blocked(caller, now);
    if (!refusal) return std::nullopt;
    if (refusal->first) {
        log_.log(Level::warn, "denied_calls_limited",
                 {{"request_id", request_id}, {"route", route_label}});
    }
    Response r = problem(429, "too_many_denied_calls",
                         "too many refused calls by this caller; wait before the next");
    r.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after));
    return r;
}

Response Sidecar::call(const Route& route, const RouteContext& context) const {
    // A full disk, a store that is down or a key ring that does not fit
    // were answered and logged like any refused call, where no operator
    // looks: logged as errors, by code (never the plugin's message).
    const auto failed = [&](const std::string& code, int status) {
        log_.log(Level::error, "call_failed",
                 {{"request_id", context.actor.value("request_id", "")},
                  {"route", route.path_template},
                  {"code", code},
                  {"status", status}});
    };
    try {
        return route.handler(context);
    } catch (const meldcode::sdk::Error& e) {
        const int status = http_status(e.status());
        if (status >= 500) failed(e.code(), status);
        return problem(status, e.code(), e.what(), e.pointer());
    } catch (const std::exception&) {
        failed("internal", 500);
        return problem(500, "internal", "the sidecar failed; see its log");
    }
}

std::variant<Identity, Response> Sidecar::authenticate(const Request& request, const Route* route,
                                                       const std::string& request_id) {
    if (const auto token = prompt_token(request)) {
        return from_prompt_token(request, route, *token, request_id);
    }
    if (request.header("authorization") != nullptr) {
        if (const Identity* identity = auth_.identify(request)) return *identity;
        return unauthenticated(request, request_id, AuthFailure::invalid_token);
    }
    if (const auto cookie = UiAuth::session_cookie(request)) {
        return from_session(request, route, *cookie, request_id);
    }
    return unauthenticated(request, request_id, AuthFailure::missing_token);
}

// A session acts as its person, as that person's bearer token would; a
// change needs the session's CSRF token beside the cookie, which another
// site's page can neither read nor send.
std::variant<Identity, Response> Sidecar::from_session(const Request& request, const Route* route,
                                                       const std::string& cookie,
                                                       const std::string& request_id) {
    const auto session = ui_auth_.session(cookie);
    if (!session) return unauthenticated(request, request_id, AuthFailure::invalid_session);
    if (!safe_method(request.method) && !csrf_matches(request, *session)) {
        ui_auth_.audit(audit_action::csrf_failed, session->actor, request_id);
        return problem(403, "csrf_failed", "send the session's X-CSRF-Token with every change");
    }
    if (route != nullptr && needs_recent_sign_in(*route) &&
        Session::Clock::now() - session->authenticated_at >
            ui_auth_.session_times().reauthenticate) {
        ui_auth_.audit(audit_action::reauthentication_required, session->actor, request_id);
        return problem(401, "reauthentication_required", "sign in again before an export");
    }
    return Identity{session->actor, {}};
}

// The technician's capture page: the prompt token is the credential, on the
// two routes it needs, as the observer it was issued to.
std::variant<Identity, Response> Sidecar::from_prompt_token(const Request& request,
                                                            const Route* route,
                                                            const std::string& token,
                                                            const std::string& request_id) {
    if (route == nullptr || !accepts_prompt_token(*route)) {
        return problem(
            401, "prompt_token_not_accepted",
            "a prompt token is accepted by GET /v1/prompt and POST /v1/submissions only");
    }
    try {
        const nlohmann::json opened = mc_.open_prompt({{"prompt_token", token}});
        return Identity{opened.at("actor"), {}};
    } catch (const meldcode::sdk::Error& e) {
        if (e.status() != MC_E_NOT_FOUND && e.status() != MC_E_PAYLOAD) throw;
        // Unknown or expired is the plugin's to say; a malformed one is invalid.
        return unauthenticated(request, request_id, AuthFailure::invalid_prompt_token,
                               e.status() == MC_E_NOT_FOUND ? e.code() : "");
    }
}

// 401 before anything else is looked at; failures are logged, counted, and
// past the limit refused per client address (an IPv6 client per /64) with
// 429. The plugin's audit trail gets at most three durable rows per address
// and window, whatever an attacker sends: its first failure (only which
// failure: no token, no address), its first 429, and when the window ends
// the count of its attempts (audit_ended_windows). `code` overrides the
// problem's code (a prompt token's: expired or unknown).
Response Sidecar::unauthenticated(const Request& request, const std::string& request_id,
                                  AuthFailure failure, const std::string& code) {
    const auto now = FailureLimiter::Clock::now();
    const Unidentified& kind = unidentified(failure);
    const std::string answered = code.empty() ? kind.code : code;
    const std::string client = limiter_key(request.client_address);
    log_.log(
        Level::warn, "auth_failed",
        {{"request_id", request_id}, {"reason", answered}, {"client", request.client_address}});
    if (const auto refusal = limiter_.blocked(client, now)) {
        if (refusal->first) audit_refusal("authentication.rate_limited");
        metrics_.auth_failed(AuthFailure::rate_limited);
        Response r = problem(429, "too_many_failed_attempts",
                             "too many failed authentication attempts from this address");
        r.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after));
        return r;
    }
    metrics_.auth_failed(failure);
    if (limiter_.record_failure(client, now) == 1) audit_refusal(kind.audit_action);
    Response r = problem(401, answered, kind.detail);
    r.headers.emplace_back("WWW-Authenticate", failure == AuthFailure::invalid_prompt_token
                                                   ? "Prompt realm=\"meldcoded\""
                                                   : "Bearer realm=\"meldcoded\"");
    return r;
}

// One durable row per address and window, written when the window ends, with
// how many attempts it stood for; its first failure and first refusal were
// written at once, for alerts that cannot wait.
void Sidecar::audit_ended_windows(bool all) {
    for (const long attempts : limiter_.take_ended(FailureLimiter::Clock::now(), all)) {
        audit_refusal("authentication.failures", attempts);
    }
}

// The refusal stands whether or not the trail took it: a client never learns
// of an audit failure, the operator does (without the request's details).
void Sidecar::audit_refusal(const char* action, std::optional<long> count) {
    nlohmann::json event{{"action", action}};
    if (count) event["count"] = *count;
    try {
        mc_.record_audit(sidecar_actor(), event);
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

// This pipeline exists only once the store is open; a store that a failed
// write to disk stopped refuses every call until the sidecar is started
// again, so an orchestrator should route elsewhere and restart it.
Response Sidecar::readiness() const {
    try {
        if (mc_.store_stats().value("stopped", false)) {
            return problem(503, "store_stopped",
                           "a write to disk failed, so the store takes no more calls; restart the "
                           "sidecar");
        }
        mc_.probe_store();
        return {200, "application/json", R"({"status":"ready"})", {}};
    } catch (const meldcode::sdk::Error& e) {
        // The plugin's own text may name the database server: the log has
        // the code, the unauthenticated answer only what to do.
        log_.log(Level::error, "store_not_ready", {{"code", e.code()}});
        if (e.code() == "key_unknown") {
            return problem(503, "key_unknown",
                           "another instance writes under a key this one's key ring lacks: give "
                           "it the current key ring and restart it");
        }
        if (e.code() == "disk_full") {
            return problem(503, "disk_full", "the store's disk has less than 64 MiB free");
        }
        return problem(503, "not_ready", "the store cannot take calls now");
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
    if (route_label == "/readyz") return readiness();
    return {200, "text/plain; version=0.0.4", metrics_.render(), {}};
}

}  // namespace meldcoded
