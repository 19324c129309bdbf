// route_calls.h — what every route handler does: one C ABI call with the
// caller's actor and a JSON payload, and a JSON answer.
#pragma once

#include <string>
#include <utility>

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

inline const meldcode::sdk::Api& api(const RouteContext& c) {
    return c.mc.plugin().api();
}

inline Response ok(std::string body, int status = 200) {
    return {status, "application/json", std::move(body), {}};
}

}  // namespace meldcoded
