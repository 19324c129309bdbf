// sidecar.h — the request pipeline, independent of the HTTP library:
// request id, authentication (before anything else under /v1/), routing,
// content type and size, acting actor, the handler, errors as problem+json,
// then metrics and one log line.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "auth.h"
#include "capture_cors.h"
#include "config.h"
#include "http_types.h"
#include "log.h"
#include "meldcode/meldcode.hpp"
#include "metrics.h"
#include "periodic.h"
#include "router.h"
#include "ui_auth.h"
#include "ui_files.h"

namespace meldcoded {

// Who the sidecar is when it acts on its own (docs/http-sidecar.md): the
// actor of audit rows about requests turned away before any caller was
// known, and of its own look for due steps. An integration may do both.
const nlohmann::json& sidecar_actor();

class Sidecar {
public:
    Sidecar(const Config& config, const meldcode::sdk::Instance& mc, Logger& log,
            HostOrders& host_orders);
    ~Sidecar();  // writes the count of every window still open
    Sidecar(const Sidecar&) = delete;
    Sidecar& operator=(const Sidecar&) = delete;
    Response handle(const Request& request);
    Metrics& metrics() { return metrics_; }

private:
    Response dispatch(const Request& request, const std::string& request_id,
                      std::string& route_label);
    Response operations(const Request& request, std::string& route_label) const;
    Response readiness() const;
    Response call(const Route& route, const RouteContext& context) const;
    // 429 while `caller` is past the limit of refused calls.
    std::optional<Response> denied_calls_limited(const std::string& caller,
                                                 FailureLimiter::Clock::time_point now,
                                                 const std::string& request_id,
                                                 const std::string& route_label);
    // Who the request comes from: a bearer token, a prompt token (two routes
    // only) or a session cookie (with its CSRF token on unsafe methods);
    // else the refusal.
    std::variant<Identity, Response> authenticate(const Request& request, const Route* route,
                                                  const std::string& request_id);
    std::variant<Identity, Response> from_session(const Request& request, const Route* route,
                                                  const std::string& cookie,
                                                  const std::string& request_id);
    std::variant<Identity, Response> from_prompt_token(const Request& request, const Route* route,
                                                       const std::string& token,
                                                       const std::string& request_id);
    Response unauthenticated(const Request& request, const std::string& request_id,
                             AuthFailure failure, const std::string& code = "");
    Response ui(const Request& request, const std::string& request_id, std::string& route_label);
    Response v1(const Request& request, const std::string& request_id, std::string& route_label);
    void audit_refusal(const char* action, std::optional<long> count = std::nullopt);
    void audit_ended_windows(bool all = false);
    void audit_acting_refusal(const Identity& identity, const ActingRefusal& refusal,
                              const std::string& request_id);

    const Config& config_;
    const meldcode::sdk::Instance& mc_;
    Logger& log_;
    HostOrders& host_orders_;
    Metrics metrics_;
    Authenticator auth_;
    UiFiles ui_files_;
    UiAuth ui_auth_;
    CaptureCors capture_cors_;
    FailureLimiter limiter_;  // failed authentication, per client address
    FailureLimiter denials_;  // refused calls (403), per authenticated caller
    Periodic window_sweep_;   // last: stopped before the members it uses go
};

}  // namespace meldcoded
