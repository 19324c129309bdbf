// Shared helpers of the core tests: the embedded default definitions, a
// matcher for meldcode::Error, and a printable snapshot of a ConcernStatus.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "core/workflow.h"

namespace meldcode::test {

// An embedded resource (resources.h) parsed as JSON.
nlohmann::json embedded_json(const char* name);
const nlohmann::json& default_workflow_definition();
const Workflow& default_workflow();

// A calendar whose days begin at midnight UTC: the rules only ask it for
// the civil date (the plugin's adapter answers for Europe/Amsterdam).
class UtcCalendar final : public Calendar {
public:
    Day local_day(Timestamp t) const override { return day_of(t); }
    Timestamp start_of(Day day) const override { return day * 86400; }
    Timestamp local_time(Timestamp t) const override { return t; }
};

// "now" of every workflow test: 2026-03-01 12:00 UTC, with five minutes'
// clock skew allowed.
const ActionContext& today();

// Everything a ConcernStatus holds, as JSON: compared to prove a failed
// apply() changed nothing, and printed by Catch when it did.
nlohmann::json snapshot(const ConcernStatus& concern);

// Matches an Error by status, code and (when given) JSON pointer.
class ErrorIs : public Catch::MatcherBase<Error> {
public:
    ErrorIs(mc_status status, std::string code, std::optional<std::string> pointer = std::nullopt)
        : status_(status), code_(std::move(code)), pointer_(std::move(pointer)) {}

    bool match(const Error& error) const override;
    std::string describe() const override;

private:
    mc_status status_;
    std::string code_;
    std::optional<std::string> pointer_;
};

inline ErrorIs payload_error(std::string code, std::string pointer) {
    return ErrorIs(MC_E_PAYLOAD, std::move(code), std::move(pointer));
}
inline ErrorIs missing(const std::string& pointer) {
    return payload_error("missing_field", pointer);
}
inline ErrorIs invalid(const std::string& pointer) {
    return payload_error("invalid_field", pointer);
}

}  // namespace meldcode::test

namespace Catch {
template <>
struct StringMaker<meldcode::Error> {
    static std::string convert(const meldcode::Error& error);
};
}  // namespace Catch
