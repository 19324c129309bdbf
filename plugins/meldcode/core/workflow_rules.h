// The named rules a workflow definition can refer to: the logic of the
// national assessment framework (afwegingskader) and of closing a concern.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "workflow.h"

namespace meldcode::rules {

const std::vector<std::string>& names();

// Checks the rule's conditions on `fields`, updates `concern`, and returns
// the outcome name (e.g. "help_arranged") that may redirect the target state.
std::optional<std::string> apply(const std::string& rule, ConcernStatus& concern,
                                 const nlohmann::json& fields, std::int64_t today);

}  // namespace meldcode::rules
