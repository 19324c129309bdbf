// Checking one action's fields against its definition: types, required
// fields, unknown fields. Internal to the workflow.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "time.h"

namespace meldcode::fields {

// Longest free text accepted in one field, in characters.
constexpr std::size_t kMaxTextChars = 20000;

std::string pointer(const std::string& name);
std::string pointer(const std::string& name, const std::string& member);

// Most people one concern records (record_people).
constexpr std::size_t kMaxPeople = 30;

// Throws Error(invalid_field) unless `value` has the workflow field type;
// `options` are a choice's values, or the relations a person may have.
void check_type(const std::string& name, const std::string& type,
                const std::vector<std::string>& options, const nlohmann::json& value);
// The choice's value (a "choice" field that is present).
const std::string& choice(const nlohmann::json& fields, const std::string& name);

// Throws Error(in_the_future) when the date-time `value` (already checked by
// check_type) lies after `latest`.
void check_not_after(const std::string& name, const nlohmann::json& value, Timestamp latest);

bool has(const nlohmann::json& fields, const std::string& name);
// The yes/no of an "answer" (member "answer") or a "decision" (member "decision").
bool yes(const nlohmann::json& fields, const std::string& name);
void require(const nlohmann::json& fields, const std::string& name);
void forbid(const nlohmann::json& fields, const std::string& name, const std::string& why);

}  // namespace meldcode::fields
