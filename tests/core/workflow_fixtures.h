// The default workflow (resources/workflow.json) written out by hand, and a
// set of valid fields for each of its actions: the tests compare the loaded
// definition's behaviour with this independent description.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/workflow.h"

namespace meldcode::test {

struct FieldSpec {
    std::string name;
    std::string type;  // text, boolean, date, date_time, answer, decision
    bool required;
};

struct ActionSpec {
    std::string id;
    std::optional<int> step;
    std::vector<FieldSpec> fields;
};

// The states in definition order.
const std::vector<std::string>& default_states();
// The actions in definition order.
const std::vector<ActionSpec>& default_actions();
const ActionSpec& action_spec(const std::string& id);

// One row of the transition table: for each state of default_states(), what
// the action does there: "" = not allowed, "=" = allowed and stays, else the
// state it leads to (given valid_fields()).
struct TransitionRow {
    std::string action;
    std::vector<std::string> result;
};
const std::vector<TransitionRow>& transition_table();
// A state the action may start from.
std::string start_state(const std::string& action);

// {"answer": yes, "explanation": ...} and {"decision": yes, "rationale": ...}.
nlohmann::json answer(bool yes);
nlohmann::json decision(bool yes);
// Step 4 answers written as four characters for questions 1-4: 'y' yes, 'n' no,
// '-' not answered. "ynyy" = suspicion, no acute unsafety, help possible and accepted.
nlohmann::json assessment(const std::string& answers);

// Fields that let `action` succeed on concern_for(action, ...).
nlohmann::json valid_fields(const std::string& action);
// A concern in `state` with what `action` needs besides its fields: an
// assessment with help possible and accepted; pending feedback only for
// give_feedback (close needs none).
ConcernStatus concern_for(const std::string& action, const std::string& state);

}  // namespace meldcode::test
