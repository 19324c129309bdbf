#include "ui_auth.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "client_address.h"
#include "meldcode/rest/account_store.h"
#include "meldcode/rest/totp.h"
#include "oidc.h"
#include "problem.h"
#include "route_calls.h"
#include "sidecar.h"
#include "ui_files.h"

namespace meldcoded {

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr std::size_t kMinPasswordChars = 12;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr const char* kIssuer = "meldcode";

struct AuthRoute {
    const char* method;
    const char* path;
};
constexpr AuthRoute kRoutes[] = {
    {"GET", "/ui/auth/methods"},    {"POST", "/ui/auth/password"},
    {"GET", "/ui/auth/session"},    {"POST", "/ui/auth/logout"},
    {"POST", "/ui/auth/enrol"},     {"POST", "/ui/auth/enrol/confirm"},
    {"GET", "/ui/auth/oidc/login"}, {"GET", "/ui/auth/oidc/callback"},
};

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
        .count();
}

// A string member of a JSON body, 1 to `max_bytes` long, or the problem
// that names it.
std::variant<std::string, Response> text_member(const json& body, const char* name,
                                                std::size_t max_bytes) {
    const std::string pointer = std::string("/") + name;
    if (!body.contains(name)) {
        return problem(422, "missing_field", std::string(name) + " is required", pointer);
    }
    const json& value = body.at(name);
    if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
        value.get_ref<const std::string&>().size() > max_bytes) {
        return problem(
            422, "invalid_field",
            std::string(name) + " must be a string of 1 to " + std::to_string(max_bytes) + " bytes",
            pointer);
    }
    return value.get<std::string>();
}

// The JSON object body of a POST with exactly `names` as members (each a
// string), or the problem to answer.
std::variant<std::vector<std::string>, Response> read_body(
    const Request& request, std::size_t max_body,
    std::initializer_list<std::pair<const char*, std::size_t>> names) {
    const std::string* type = request.header("content-type");
    if (type == nullptr || type->substr(0, type->find(';')) != "application/json") {
        return problem(415, "unsupported_media_type", "send Content-Type: application/json");
    }
    if (request.body_too_large || request.body.size() > max_body) {
        return problem(413, "body_too_large", "the body is too large");
    }
    json body;
    if (auto refused = parse_within_depth(request.body, body)) return *refused;
    if (body.is_discarded() || !body.is_object()) {
        return problem(400, "invalid_json", "the body must be a JSON object");
    }
    for (const auto& [member, value] : body.items()) {
        if (std::none_of(names.begin(), names.end(),
                         [&member = member](const auto& n) { return member == n.first; })) {
            return problem(422, "unknown_field", "unknown member " + member, "/" + member);
        }
    }
    std::vector<std::string> values;
    for (const auto& [name, max_bytes] : names) {
        auto value = text_member(body, name, max_bytes);
        if (auto* refused = std::get_if<Response>(&value)) return *refused;
        values.push_back(std::get<std::string>(value));
    }
    return values;
}

json session_json(const Session& session, const SessionTimes& times) {
    return {{"actor", session.actor},
            {"csrf_token", session.csrf_token},
            {"expires_at", rfc3339(session.expires_at)},
            {"idle_expires_at", rfc3339(session.idle_expires_at(times))}};
}

// A person's actor as an audit row names it: id and role only.
json person_of(const json& actor) {
    return actor.is_null() ? json() : json{{"id", actor.at("id")}, {"role", actor.at("role")}};
}

// A cross-site page cannot make the browser post here: a fetch from another
// site says so in Sec-Fetch-Site (and could not send application/json
// without a preflight this server never answers).
bool cross_site(const Request& request) {
    const std::string* site = request.header("sec-fetch-site");
    return site != nullptr && *site != "same-origin" && *site != "none";
}

// return_to: a path of this UI, never another origin ("//evil", "/\evil").
bool own_ui_path(const std::string& path) {
    return path.rfind("/ui/", 0) == 0 && path.find("//") == std::string::npos &&
           path.find('\\') == std::string::npos && path.size() <= 500 &&
           std::none_of(path.begin(), path.end(), [](char c) {
               return static_cast<unsigned char>(c) <= 0x20 ||
                      static_cast<unsigned char>(c) >= 0x7f;
           });
}

Response redirect(const std::string& location) {
    return {302, "", "", {{"Location", location}}};
}

}  // namespace

bool csrf_matches(const Request& request, const Session& session) {
    const std::string* csrf = request.header("x-csrf-token");
    return csrf != nullptr && csrf->size() == session.csrf_token.size() &&
           sodium_memcmp(csrf->data(), session.csrf_token.data(), csrf->size()) == 0;
}

UiAuth::UiAuth(const Config& config, const meldcode::sdk::Instance& mc, Logger& log)
    : config_(config),
      mc_(mc),
      log_(log),
      sessions_({std::chrono::seconds(config.ui.idle_timeout_seconds),
                 std::chrono::seconds(config.ui.absolute_timeout_seconds),
                 std::chrono::seconds(config.ui.reauthenticate_after_seconds)}),
      address_failures_(config.limits.auth_failures,
                        std::chrono::seconds(config.limits.auth_window_seconds)),
      account_failures_(config.limits.auth_failures,
                        std::chrono::seconds(config.limits.auth_window_seconds)),
      // Browsers keep a Secure cookie only from https; plain http is
      // allowed on loopback alone (check_listen_policy), where it stays on
      // the machine.
      secure_cookie_(config.tls() || config.behind_tls_proxy ||
                     public_url(config).rfind("https://", 0) == 0) {
    if (config.ui.password) {
        accounts_ = std::make_unique<meldcode::rest::AccountStore>(
            accounts_store_path(config),
            std::make_shared<const meldcode::rest::SeedSealer>(config.ui.accounts_keys));
    }
    if (config.ui.oidc.enabled()) {
        oidc_ = std::make_unique<OidcClient>(config.ui.oidc,
                                             public_url(config) + "/ui/auth/oidc/callback");
    }
}

UiAuth::~UiAuth() = default;

std::vector<std::string> UiAuth::route_labels() {
    std::vector<std::string> labels;
    for (const AuthRoute& route : kRoutes) labels.emplace_back(route.path);
    return labels;
}

Response UiAuth::handle(const Request& request, const std::string& request_id,
                        std::string& route_label) {
    const std::string method = request.method == "HEAD" ? "GET" : request.method;
    const auto known = std::find_if(std::begin(kRoutes), std::end(kRoutes),
                                    [&](const AuthRoute& r) { return request.path == r.path; });
    if (known == std::end(kRoutes)) return problem(404, "no_such_route", "there is no such route");
    route_label = known->path;
    if (method != known->method) {
        Response r = problem(405, "method_not_allowed", "this route has no such method");
        r.headers.emplace_back("Allow",
                               std::string(known->method) + (method == "GET" ? ", HEAD" : ""));
        return r;
    }
    if (method == "POST" && cross_site(request)) {
        return problem(403, "cross_site_request", "sign-in requests come from this site only");
    }
    const std::string& path = route_label;
    if (path == "/ui/auth/methods") return methods();
    if (path == "/ui/auth/password") return password(request, request_id);
    if (path == "/ui/auth/session") return current(request);
    if (path == "/ui/auth/logout") return logout(request, request_id);
    if (path == "/ui/auth/enrol") return enrol(request);
    if (path == "/ui/auth/enrol/confirm") return enrol_confirm(request, request_id);
    if (path == "/ui/auth/oidc/login") return oidc_login(request);
    return oidc_callback(request, request_id);
}

Response UiAuth::methods() const {
    return ok(json{{"oidc", oidc_ != nullptr}, {"password", accounts_ != nullptr}}.dump());
}

std::optional<Response> UiAuth::limited(const Request& request, const std::string& account_key) {
    const auto now = FailureLimiter::Clock::now();
    auto refusal = address_failures_.blocked(limiter_key(request.client_address), now);
    if (!refusal && !account_key.empty()) refusal = account_failures_.blocked(account_key, now);
    if (!refusal) return std::nullopt;
    Response r = problem(429, "too_many_failed_attempts",
                         "too many failed sign-in attempts; wait before the next");
    r.headers.emplace_back("Retry-After", std::to_string(refusal->retry_after));
    return r;
}

void UiAuth::failed(const Request& request, const std::string& account_key) {
    const auto now = FailureLimiter::Clock::now();
    address_failures_.record_failure(limiter_key(request.client_address), now);
    if (!account_key.empty()) account_failures_.record_failure(account_key, now);
}

Response UiAuth::password(const Request& request, const std::string& request_id) {
    if (!accounts_) return problem(404, "password_sign_in_off", "password sign-in is off here");
    auto body = read_body(request, config_.limits.max_body_bytes,
                          {{"username", 200}, {"password", kMaxPasswordBytes}, {"totp", 10}});
    if (auto* refused = std::get_if<Response>(&body)) return *refused;
    const std::vector<std::string>& values = std::get<0>(body);
    const std::string& username = values[0];
    const std::string& password = values[1];
    const std::string& code = values[2];
    const std::string account_key = "account:" + username;
    if (auto refused = limited(request, account_key)) return *refused;
    const meldcode::rest::SignIn outcome = accounts_->sign_in(username, password, code, unix_now());
    if (!outcome.ok) {
        failed(request, account_key);
        const json person = outcome.account ? json{{"id", outcome.account->actor_id},
                                                   {"role", outcome.account->role}}
                                            : json();
        log_.log(Level::warn, "sign_in_failed",
                 {{"request_id", request_id}, {"method", "password"}});
        audit(audit_action::sign_in_failed, person, request_id);
        return problem(401, "sign_in_failed",
                       "the username, password or code is wrong (a code is accepted once)");
    }
    return sign_in(request, {{"id", username}, {"role", outcome.account->role}}, request_id);
}

Response UiAuth::sign_in(const Request& request, const json& actor, const std::string& request_id) {
    // A new id at every sign-in: a session id planted before it is never
    // the one signed in.
    if (const auto old = session_cookie(request)) sessions_.end(*old);
    const SessionStore::Created created = sessions_.create(actor, Clock::now());
    audit(audit_action::signed_in, actor, request_id);
    Response r = ok(session_json(created.session, sessions_.times()).dump());
    r.headers.emplace_back("Set-Cookie", set_cookie(created.id, false));
    return r;
}

std::string UiAuth::set_cookie(const std::string& value, bool clear) const {
    return std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" +
           (secure_cookie_ ? "; Secure" : "") + (clear ? "; Max-Age=0" : "");
}

Response UiAuth::current(const Request& request) {
    const auto cookie = session_cookie(request);
    const auto found = cookie ? sessions_.use(*cookie, Clock::now()) : std::nullopt;
    if (!found) return problem(401, "no_session", "not signed in");
    return ok(session_json(*found, sessions_.times()).dump());
}

Response UiAuth::logout(const Request& request, const std::string& request_id) {
    const auto cookie = session_cookie(request);
    const auto found = cookie ? sessions_.use(*cookie, Clock::now()) : std::nullopt;
    if (!found) return problem(401, "no_session", "not signed in");
    if (!csrf_matches(request, *found)) {
        audit(audit_action::csrf_failed, found->actor, request_id);
        return problem(403, "csrf_failed", "send the session's X-CSRF-Token");
    }
    sessions_.end(*cookie);
    audit(audit_action::signed_out, found->actor, request_id);
    Response r{204, "", "", {}};
    r.headers.emplace_back("Set-Cookie", set_cookie("", true));
    return r;
}

Response UiAuth::enrol(const Request& request) {
    if (!accounts_) return problem(404, "password_sign_in_off", "password sign-in is off here");
    auto body = read_body(request, config_.limits.max_body_bytes,
                          {{"enrolment_token", 100}, {"password", kMaxPasswordBytes}});
    if (auto* refused = std::get_if<Response>(&body)) return *refused;
    const std::vector<std::string>& values = std::get<0>(body);
    const std::string& token = values[0];
    const std::string& password = values[1];
    if (auto refused = limited(request, "")) return *refused;
    // Characters, not bytes: a passphrase in any script counts the same.
    const std::size_t chars = static_cast<std::size_t>(
        std::count_if(password.begin(), password.end(), [](char c) { return (c & 0xc0) != 0x80; }));
    if (!valid_utf8(password) || chars < kMinPasswordChars) {
        return problem(
            422, "weak_password",
            "a password has at least " + std::to_string(kMinPasswordChars) + " characters",
            "/password");
    }
    const auto enrolling = accounts_->begin_enrolment(token, password, unix_now());
    if (!enrolling) {
        failed(request, "");
        return problem(404, "unknown_enrolment",
                       "this enrolment link is unknown, used or expired; ask for a new one");
    }
    return ok(json{{"totp_uri", meldcode::rest::totp::otpauth_uri(
                                    kIssuer, enrolling->account.actor_id, enrolling->seed)}}
                  .dump());
}

Response UiAuth::enrol_confirm(const Request& request, const std::string& request_id) {
    if (!accounts_) return problem(404, "password_sign_in_off", "password sign-in is off here");
    auto body =
        read_body(request, config_.limits.max_body_bytes, {{"enrolment_token", 100}, {"totp", 10}});
    if (auto* refused = std::get_if<Response>(&body)) return *refused;
    if (auto refused = limited(request, "")) return *refused;
    const std::vector<std::string>& values = std::get<0>(body);
    const auto account = accounts_->confirm_enrolment(values[0], values[1], unix_now());
    if (!account) {
        failed(request, "");
        audit(audit_action::enrolment_failed, json(), request_id);
        return problem(401, "enrolment_failed",
                       "the code is wrong, or the enrolment link is unknown, used or expired");
    }
    audit(audit_action::enrolment_completed, {{"id", account->actor_id}, {"role", account->role}},
          request_id);
    return {204, "", "", {}};
}

Response UiAuth::oidc_login(const Request& request) {
    if (!oidc_) return problem(404, "oidc_off", "OpenID Connect sign-in is off here");
    const auto it = request.query.find("return_to");
    const std::string return_to = it == request.query.end() ? "/ui/" : it->second;
    if (!own_ui_path(return_to)) {
        return problem(400, "invalid_return_to", "return_to must be a path under /ui/",
                       "/return_to");
    }
    try {
        return redirect(oidc_->login(return_to));
    } catch (const std::exception& e) {
        log_.log(Level::error, "oidc_provider_unreachable", {{"error", e.what()}});
        return problem(503, "oidc_unavailable", "the identity provider cannot be reached");
    }
}

Response UiAuth::oidc_callback(const Request& request, const std::string& request_id) {
    if (!oidc_) return problem(404, "oidc_off", "OpenID Connect sign-in is off here");
    if (auto refused = limited(request, "")) return *refused;
    const OidcClient::Outcome outcome = oidc_->callback(request.query);
    if (!outcome.actor) {
        failed(request, "");
        log_.log(Level::warn, "sign_in_failed",
                 {{"request_id", request_id}, {"method", "oidc"}, {"reason", outcome.failure}});
        audit(audit_action::sign_in_failed, outcome.person, request_id);
        // Back to the sign-in page, which says why (a code, nothing of the person).
        return redirect(std::string("/ui/?error=") +
                        (outcome.failure == "mfa_required" ? "mfa_required" : "sign_in_failed"));
    }
    Response r = sign_in(request, *outcome.actor, request_id);
    r.status = 302;
    r.content_type.clear();
    r.body.clear();
    r.headers.emplace_back("Location", outcome.return_to);
    return r;
}

std::optional<std::string> UiAuth::session_cookie(const Request& request) {
    const std::string* header = request.header("cookie");
    if (header == nullptr) return std::nullopt;
    std::optional<std::string> found;
    std::size_t start = 0;
    while (start < header->size()) {
        const std::size_t end = std::min(header->find(';', start), header->size());
        std::string pair = header->substr(start, end - start);
        pair.erase(0, pair.find_first_not_of(' '));
        const std::size_t eq = pair.find('=');
        if (eq != std::string::npos && pair.compare(0, eq, kSessionCookie) == 0 &&
            eq == std::char_traits<char>::length(kSessionCookie)) {
            if (found) return std::nullopt;
            found = pair.substr(eq + 1);
        }
        start = end + 1;
    }
    return found;
}

std::optional<Session> UiAuth::session(const std::string& cookie) {
    return sessions_.use(cookie, Clock::now());
}

// The refusal or sign-in stands whether or not the trail took it: the
// operator learns of an audit failure from the log.
void UiAuth::audit(const char* action, const json& person, const std::string& request_id) {
    json caller = sidecar_actor();
    caller["request_id"] = request_id;
    json event{{"action", action}};
    if (!person.is_null()) event["acting_as"] = person_of(person);
    try {
        mc_.record_audit(caller, event);
    } catch (const meldcode::sdk::Error& e) {
        log_.log(Level::error, "audit_record_failed", {{"code", e.code()}});
    }
}

}  // namespace meldcoded
