// route_calls.h — what every route handler does: one C ABI call with the
// caller's actor and a JSON payload, and a JSON answer.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "problem.h"
#include "router.h"

namespace meldcoded {

// One C ABI call with a JSON payload; a failure throws sdk::Error.
inline std::string call(const RouteContext& c, meldcode::sdk::Instance::Call fn,
                        const std::string& payload) {
    std::string out;
    if (c.mc.call_raw(fn, c.actor.dump().c_str(), payload.c_str(), out) != MC_OK) {
        c.mc.plugin().last_error("call failed");
    }
    return out;
}

// A C ABI call that takes the actor only (mc_steps_due, mc_audit_verify).
inline std::string call_actor_only(const RouteContext& c,
                                   mc_status (*fn)(mc_instance*, const char*, char**),
                                   const char* failure) {
    char* out = nullptr;
    if (fn(c.mc.handle(), c.actor.dump().c_str(), &out) != MC_OK) c.mc.plugin().last_error(failure);
    return c.mc.plugin().take(out);
}

// Adds a value the URL or a header carries to the body's object. A body that
// is not a JSON object goes to the plugin unchanged, which names its fault.
// A body that already holds a different value is a contradiction: 422.
inline std::optional<Response> merge(std::string& body, const std::string& key,
                                     const std::string& value, const char* source) {
    nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    if (doc.contains(key) && doc[key] != value) {
        return problem(422, key + "_mismatch",
                       std::string("the body's ") + key + " differs from the " + source, "/" + key);
    }
    doc[key] = value;
    body = doc.dump();
    return std::nullopt;
}

inline const meldcode::sdk::Api& api(const RouteContext& c) {
    return c.mc.plugin().api();
}

inline Response ok(std::string body, int status = 200) {
    return {status, "application/json", std::move(body), {}};
}

}  // namespace meldcoded
