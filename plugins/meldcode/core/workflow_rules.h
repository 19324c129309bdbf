// The named rules a workflow definition can refer to: the logic of the
// national assessment framework (afwegingskader) and of closing a concern.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "workflow.h"

namespace meldcode::rules {

// What a rule reads, so that a workflow definition can be checked against it
// when loaded rather than fail when an officer records the action.
struct FieldNeed {
    std::string name;
    std::string type;
    bool required;
};

struct RuleNeeds {
    std::vector<FieldNeed> fields;
    std::vector<std::string> outcomes;  // outcome names the rule may return
};

const std::vector<std::string>& names();
// nullptr for an unknown rule.
const RuleNeeds* needs(const std::string& rule);

// What the rule requires of the concern itself, whatever the fields (a
// melding before Veilig Thuis's feedback, the observer told before closing):
// the error the action would be refused with now, or nullopt. apply() checks
// it first; a concern's view lists an action it fails as blocked, with why.
std::optional<Error> unmet(const std::string& rule, const ConcernStatus& concern);

// Checks the rule's conditions on `fields`, updates `concern`, and returns
// the outcome name (e.g. "help_arranged") that may redirect the target state.
std::optional<std::string> apply(const std::string& rule, ConcernStatus& concern,
                                 const nlohmann::json& fields, const ActionContext& context);

// Veilig Thuis reports back within five working days of a melding.
constexpr int kVeiligThuisFeedbackWorkingDays = 5;

}  // namespace meldcode::rules
