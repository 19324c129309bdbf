// route_calls.h — what every route handler does: one C ABI call with the
// caller's actor and a JSON payload, and a JSON answer.
#pragma once

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "problem.h"
#include "router.h"
#include "strict_json.h"

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

// Every payload's nesting limit in the plugin (README, "Payload rules").
constexpr int kMaxDepth = 64;

// Parses `body` into `out` (discarded when it is not JSON) exactly as the
// plugin would: a member twice in one object is refused (the reader that
// takes the first value would see something else than the store), and so is
// nesting deeper than kMaxDepth. The sidecar must check the depth itself
// before it works on a body: dump() and merge_patch() recurse once per level,
// and a 1 MiB body of brackets is half a million levels, more than a
// thread's stack.
inline std::optional<Response> parse_within_depth(const std::string& body, nlohmann::json& out) {
    try {
        out = meldcode::strict_json::parse(body, kMaxDepth);
    } catch (const meldcode::strict_json::TooDeep&) {
        return problem(400, "too_deep",
                       "JSON is nested deeper than " + std::to_string(kMaxDepth) + " levels");
    } catch (const meldcode::strict_json::DuplicateMember& e) {
        return problem(400, "duplicate_member", e.what(), e.pointer);
    } catch (const nlohmann::json::exception&) {
        out = nlohmann::json(nlohmann::json::value_t::discarded);
    }
    return std::nullopt;
}

// Adds a value the URL or a header carries to the body's object. A body that
// is not a JSON object goes to the plugin unchanged, which names its fault.
// A body that already holds a different value is a contradiction: 422.
inline std::optional<Response> merge(std::string& body, const std::string& key,
                                     const nlohmann::json& value, const char* source) {
    if (value.is_string() && !valid_utf8(value.get_ref<const std::string&>())) {
        return problem(400, "invalid_utf8", std::string("the ") + source + " is not valid UTF-8");
    }
    nlohmann::json doc;
    if (auto refused = parse_within_depth(body, doc)) return refused;
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    if (doc.contains(key) && doc[key] != value) {
        return problem(422, key + "_mismatch",
                       std::string("the body's ") + key + " differs from the " + source, "/" + key);
    }
    doc[key] = value;
    body = doc.dump();
    return std::nullopt;
}

// The Idempotency-Key header becomes the body's idempotency_key: a retry
// gets the first answer and adds nothing.
inline std::optional<Response> merge_idempotency_key(const Request& request, std::string& body) {
    const std::string* key = request.header("idempotency-key");
    if (key == nullptr) return std::nullopt;
    return merge(body, "idempotency_key", *key, "Idempotency-Key header");
}

// 400 unless every query parameter is one of `allowed` (`refusal` is the
// detail) and valid UTF-8, name and value (a name goes into the pointer).
// The pointer that names a query parameter in a refusal: "/<name>" for a
// name like the ones routes take, "" for anything else, which may be text a
// caller typed (a name is the caller's, as a body's unknown member is).
inline std::string parameter_pointer(const std::string& name) {
    const bool plain =
        !name.empty() && name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
                   ch == '.';
        });
    return plain ? "/" + name : "";
}

inline std::optional<Response> refuse_other_parameters(const Request& request,
                                                       std::initializer_list<const char*> allowed,
                                                       const char* refusal) {
    for (const auto& [name, value] : request.query) {
        if (!valid_utf8(name)) {
            return problem(400, "invalid_utf8", "a query parameter's name is not valid UTF-8");
        }
        if (std::none_of(allowed.begin(), allowed.end(),
                         [&name = name](const char* a) { return name == a; })) {
            return problem(400, "unknown_query_parameter", refusal, parameter_pointer(name));
        }
        if (!valid_utf8(value)) {
            return problem(400, "invalid_utf8", "a query parameter is not valid UTF-8",
                           parameter_pointer(name));
        }
    }
    return std::nullopt;
}

// Turns a GET's query parameters into the JSON query the plugin takes; only
// the names in `allowed`, else 400 with `refusal` as the detail. `limit` and
// `*_limit` are numbers in the query schemas; anything that is not one goes
// on as a string for the plugin to refuse with its own code and pointer.
inline std::optional<Response> query_from_url(const Request& request,
                                              std::initializer_list<const char*> allowed,
                                              const char* refusal, nlohmann::json& query) {
    if (auto refused = refuse_other_parameters(request, allowed, refusal)) return refused;
    query = nlohmann::json::object();
    for (const auto& [name, value] : request.query) {
        const bool digits = !value.empty() && value.size() < 10 &&
                            std::all_of(value.begin(), value.end(), [](char ch) {
                                return std::isdigit(static_cast<unsigned char>(ch));
                            });
        const bool number =
            name == "limit" || (name.size() > 6 && name.rfind("_limit") == name.size() - 6);
        query[name] = number && digits ? nlohmann::json(std::stoi(value)) : nlohmann::json(value);
    }
    return std::nullopt;
}

inline Response ok(std::string body, int status = 200) {
    return {status, "application/json", std::move(body), {}};
}

// The call for a GET whose payload the URL's query built: a query parameter
// that breaks the payload's schema is a malformed URL, 400 with the pointer,
// not content the plugin could not process (422).
inline Response answer_query(const RouteContext& c, meldcode::sdk::Instance::Call fn,
                             const nlohmann::json& query) {
    try {
        return ok(call(c, fn, query.dump()));
    } catch (const meldcode::sdk::Error& e) {
        const std::string& pointer = e.pointer();
        const bool names_parameter =
            std::any_of(c.request.query.begin(), c.request.query.end(), [&](const auto& param) {
                const std::string prefix = "/" + param.first;
                return pointer == prefix || pointer.rfind(prefix + "/", 0) == 0;
            });
        if (e.status() != MC_E_PAYLOAD || !names_parameter) throw;
        return problem(400, e.code(), e.what(), pointer);
    }
}

inline const meldcode::sdk::Api& api(const RouteContext& c) {
    return c.mc.plugin().api();
}

}  // namespace meldcoded
