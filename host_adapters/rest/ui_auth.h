// ui_auth.h — how people sign in to the web UI (docs/web-ui.md): the JSON
// endpoints under /ui/auth/ (password and TOTP, enrolment, OpenID Connect,
// the session, sign-out) and the session cookie that /v1 accepts in place of
// a bearer token. Every sign-in, failed sign-in and sign-out is an audit row
// in the plugin's trail, by ids only; failures are limited per client
// address and per account as failed tokens are.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth.h"
#include "config.h"
#include "http_types.h"
#include "log.h"
#include "meldcode/meldcode.hpp"
#include "sessions.h"

namespace meldcode::rest {
class AccountStore;
}

namespace meldcoded {

class OidcClient;

// The session cookie's name.
constexpr const char* kSessionCookie = "mc_session";

// Audit actions of the sign-in (schemas/audit_event.schema.json).
namespace audit_action {
constexpr const char* signed_in = "session.signed_in";
constexpr const char* sign_in_failed = "session.sign_in_failed";
constexpr const char* signed_out = "session.signed_out";
constexpr const char* csrf_failed = "session.csrf_failed";
constexpr const char* reauthentication_required = "session.reauthentication_required";
constexpr const char* enrolment_completed = "enrolment.completed";
constexpr const char* enrolment_failed = "enrolment.failed";
}  // namespace audit_action

// Whether the request's X-CSRF-Token is the session's (compared in constant time).
bool csrf_matches(const Request& request, const Session& session);

class UiAuth {
public:
    UiAuth(const Config& config, const meldcode::sdk::Instance& mc, Logger& log);
    ~UiAuth();
    UiAuth(const UiAuth&) = delete;
    UiAuth& operator=(const UiAuth&) = delete;

    // The route labels of /ui/auth/, for the metrics.
    static std::vector<std::string> route_labels();

    // A request under /ui/auth/.
    Response handle(const Request& request, const std::string& request_id,
                    std::string& route_label);

    // The value of the request's mc_session cookie; nullopt without one (or
    // with two: a cookie set by a sibling domain is not chosen between).
    static std::optional<std::string> session_cookie(const Request& request);

    // The live session of that cookie, marked as used; nullopt if it ended.
    std::optional<Session> session(const std::string& cookie);

    const SessionTimes& session_times() const { return sessions_.times(); }

    // One audit row by the sidecar about `person` ({"id", "role"}; null when
    // no account is known), as mc_audit_record takes it.
    void audit(const char* action, const nlohmann::json& person, const std::string& request_id);

private:
    Response methods() const;
    Response password(const Request& request, const std::string& request_id);
    Response current(const Request& request);
    Response logout(const Request& request, const std::string& request_id);
    Response enrol(const Request& request);
    Response enrol_confirm(const Request& request, const std::string& request_id);
    Response oidc_login(const Request& request);
    Response oidc_callback(const Request& request, const std::string& request_id);

    // A new session for `actor` (ending the one the request came with), its
    // JSON and cookie; audited.
    Response sign_in(const Request& request, const nlohmann::json& actor,
                     const std::string& request_id);
    // A sign-in that failed: counted against the address and the account.
    void failed(const Request& request, const std::string& account_key);
    std::optional<Response> limited(const Request& request, const std::string& account_key);
    std::string set_cookie(const std::string& value, bool clear) const;

    const Config& config_;
    const meldcode::sdk::Instance& mc_;
    Logger& log_;
    SessionStore sessions_;
    std::unique_ptr<meldcode::rest::AccountStore> accounts_;  // null: password sign-in off
    std::unique_ptr<OidcClient> oidc_;                        // null: OIDC off
    FailureLimiter address_failures_;
    FailureLimiter account_failures_;
    bool secure_cookie_;
};

}  // namespace meldcoded
