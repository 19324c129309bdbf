// The meldcode workflow as a pure state machine over a definition that is
// data (resources/workflow.json, schemas/workflow.schema.json). The
// conditional logic of the assessment framework lives in named rules here,
// so a sector variant can reorder states and rename fields without code.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar.h"
#include "errors.h"

namespace meldcode {

// How urgently a concern needs the officer, highest first (the order of the
// concern list when sorted by priority).
enum class Priority { acute = 0, urgent = 1, normal = 2 };
std::string_view priority_name(Priority priority);
std::optional<Priority> priority_from_name(std::string_view name);
// A submission's priority: acute when the observer judged it acute, already
// called 112, or chose a disclosure (a resident or child telling about
// violence counts as acute unsafety); urgent when children are involved (the
// technician said so, or chose a signal about a child).
Priority submission_priority(bool acute, bool called_112, bool disclosure, bool children);
Priority highest(Priority a, Priority b);

// What the workflow knows of a concern, and changes when an action is recorded.
struct ConcernStatus {
    std::string state;
    std::optional<std::string> assignee;
    nlohmann::json assessment;    // the answers of step 4, or null
    bool reported = false;        // a melding to Veilig Thuis was made (not only decided)
    bool report_decided = false;  // step 5 (decide or review) decided to report
    bool help_arranged = false;
    bool acute = false;                      // the acute path was taken
    std::optional<std::string> review_date;  // "YYYY-MM-DD" while help is monitored
    int pending_feedback = 0;                // observer submissions not yet told they were handled
    Priority priority = Priority::normal;    // the highest of its submissions'
    // When the last melding was made, and the working day by which Veilig
    // Thuis's feedback is expected ("YYYY-MM-DD"; unset once it came).
    std::optional<Timestamp> reported_at;
    std::optional<std::string> veilig_thuis_feedback_due;
    std::vector<std::string> referrals;         // routes referred to, in order, each once
    std::string children_involved = "unknown";  // yes, no, unknown
    bool honour_related = false;                // a signal of honour-related violence was submitted
    bool specialist_consulted = false;  // a specialist was consulted (required then before step 3)
    nlohmann::json people = nlohmann::json::array();  // pseudonymous roles (record_people)
};

// What a rule may know of the moment an action is recorded: now, the civil
// date in the corporation's calendar (review dates, working days), and the
// latest moment a field that says when something happened may name: now plus
// the clock skew the configuration allows, so that nobody records a
// consultation that has not happened yet.
struct ActionContext {
    Timestamp now = 0;
    Timestamp latest = 0;
    const Calendar& calendar;
    Day today() const { return calendar.local_day(now); }
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

    // Signal categories whose signals make a concern honour-related.
    const std::vector<std::string>& honour_related_categories() const {
        return honour_related_categories_;
    }

    // The action governed by `rule` and the states it starts from, if any.
    std::optional<std::pair<std::string, std::vector<std::string>>> action_with_rule(
        const std::string& rule) const;

    // The action that moves a concern on from `state` (the first that names
    // the state and leads elsewhere): what a concern stalled there waits for.
    std::optional<std::string> step_from(const std::string& state) const;

    // The states an action's `from` names, "*" spelt out as every state that
    // is not final.
    std::vector<std::string> states_from(const std::vector<std::string>& from) const;

    // Actions whose start states include `state`, in definition order.
    std::vector<std::string> actions_from(const std::string& state) const;

    // Of the actions from the concern's state, those it may take now, and
    // those its rule refuses for the concern as it is (a closing before the
    // observer had feedback), with the error recording one would answer.
    struct ActionsNow {
        std::vector<std::string> allowed;
        std::vector<std::pair<std::string, Error>> blocked;
    };
    ActionsNow actions_now(const ConcernStatus& concern) const;

    // Applies one action or throws Error naming the field or the conflict.
    ActionRecord apply(ConcernStatus& concern, const std::string& action,
                       const nlohmann::json& fields, const ActionContext& context) const;

    // The definition as a user interface renders the officer's forms from it:
    // one locale, every text resolved, the actions each state allows
    // (schemas/workflow_view.schema.json). Built once per locale.
    const nlohmann::json& view(const std::string& locale) const;
    const std::string& view_text(const std::string& locale) const;

private:
    struct Field {
        std::string name;
        std::string type;
        bool required = false;
        std::vector<std::string> options;  // choice: the values; people: the relations
    };
    struct Action {
        std::string id;
        std::optional<int> step;
        std::vector<std::string> from;
        std::vector<std::string> again_from;  // recorded again there, the state unchanged
        std::optional<std::string> to;
        std::map<std::string, std::string> outcomes;
        std::string rule;
        std::vector<Field> fields;
    };

    static void check_rule(const Action& action);
    const Action& find_action(const std::string& id) const;
    bool starts_from(const Action& action, const std::string& state) const;
    void build_views(const nlohmann::json& definition);

    std::string id_;
    std::string version_;
    std::string initial_state_;
    std::vector<std::string> states_;
    std::vector<std::string> final_states_;
    std::vector<Action> actions_;
    std::vector<std::string> honour_related_categories_;
    std::map<std::string, nlohmann::json> views_;    // locale -> view
    std::map<std::string, std::string> view_texts_;  // locale -> view, serialised
};

}  // namespace meldcode
