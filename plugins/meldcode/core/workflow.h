// The meldcode workflow as a pure state machine over a definition that is
// data (resources/workflow.json, schemas/workflow.schema.json). The
// conditional logic of the assessment framework lives in named rules here,
// so a sector variant can reorder states and rename fields without code.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "time.h"

namespace meldcode {

// When an action is recorded: the day that counts as today (a review date
// may not lie before it) and the latest moment a field that says when
// something happened may name: now plus the clock skew the configuration
// allows, so that nobody records a consultation that has not happened yet.
struct ActionTime {
    std::int64_t today = 0;  // days since the epoch
    Timestamp latest = 0;
};

// What the workflow knows of a concern, and changes when an action is recorded.
struct ConcernStatus {
    std::string state;
    std::optional<std::string> assignee;
    nlohmann::json assessment;  // the answers of step 4, or null
    bool reported = false;      // reported to Veilig Thuis
    bool help_arranged = false;
    bool acute = false;                      // the acute path was taken
    std::optional<std::string> review_date;  // "YYYY-MM-DD" while help is monitored
    int pending_feedback = 0;                // observer submissions not yet told they were handled
};

// What an action recorded: goes into the chronology as is.
struct ActionRecord {
    std::string action;
    std::optional<int> step;
    std::string from_state;
    std::string to_state;
    nlohmann::json fields;  // the validated fields, only those the definition names
};

class Workflow {
public:
    // Checks the definition's consistency (states exist, rules known); the
    // caller has already validated it against its schema.
    static Workflow from_definition(const nlohmann::json& definition);

    const std::string& id() const { return id_; }
    const std::string& version() const { return version_; }
    const std::string& initial_state() const { return initial_state_; }
    bool is_final(const std::string& state) const;
    bool has_state(const std::string& state) const;
    std::vector<std::string> action_ids() const;
    std::vector<std::string> state_ids() const;

    // The action governed by `rule` and the states it starts from, if any.
    std::optional<std::pair<std::string, std::vector<std::string>>> action_with_rule(
        const std::string& rule) const;

    // Actions whose start states include the concern's state.
    std::vector<std::string> allowed_actions(const ConcernStatus& concern) const;

    // Applies one action or throws Error naming the field or the conflict.
    ActionRecord apply(ConcernStatus& concern, const std::string& action,
                       const nlohmann::json& fields, const ActionTime& time) const;

private:
    struct Field {
        std::string name;
        std::string type;
        bool required = false;
    };
    struct Action {
        std::string id;
        std::optional<int> step;
        std::vector<std::string> from;
        std::optional<std::string> to;
        std::map<std::string, std::string> outcomes;
        std::string rule;
        std::vector<Field> fields;
    };

    static void check_rule(const Action& action);
    const Action& find_action(const std::string& id) const;
    bool starts_from(const Action& action, const std::string& state) const;

    std::string id_;
    std::string version_;
    std::string initial_state_;
    std::vector<std::string> states_;
    std::vector<std::string> final_states_;
    std::vector<Action> actions_;
};

}  // namespace meldcode
