#include "workflow.h"

#include <algorithm>

#include "errors.h"
#include "workflow_fields.h"
#include "workflow_rules.h"

namespace meldcode {
namespace {

using nlohmann::json;

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

Error bad_definition(const std::string& why) {
    return Error(MC_E_PAYLOAD, "invalid_workflow", "invalid workflow definition: " + why);
}

template <typename T, typename Key>
void require_unique(const std::vector<T>& items, Key key, const std::string& what) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        for (std::size_t j = i + 1; j < items.size(); ++j) {
            if (key(items[i]) == key(items[j]))
                throw bad_definition("duplicate " + what + " " + key(items[i]));
        }
    }
}

}  // namespace

std::string_view priority_name(Priority priority) {
    switch (priority) {
        case Priority::acute:
            return "acute";
        case Priority::urgent:
            return "urgent";
        case Priority::normal:
            return "normal";
    }
    return "normal";
}

std::optional<Priority> priority_from_name(std::string_view name) {
    for (const Priority p : {Priority::acute, Priority::urgent, Priority::normal}) {
        if (priority_name(p) == name) return p;
    }
    return std::nullopt;
}

Priority submission_priority(bool acute, bool called_112, bool disclosure, bool children) {
    if (acute || called_112 || disclosure) return Priority::acute;
    return children ? Priority::urgent : Priority::normal;
}

Priority highest(Priority a, Priority b) {
    return static_cast<int>(a) <= static_cast<int>(b) ? a : b;
}

Workflow Workflow::from_definition(const json& def) {
    Workflow w;
    w.id_ = def.at("id").get<std::string>();
    w.version_ = def.at("version").get<std::string>();
    w.initial_state_ = def.at("initial_state").get<std::string>();
    for (const auto& s : def.at("states")) w.states_.push_back(s.at("id").get<std::string>());
    require_unique(
        w.states_, [](const std::string& s) { return s; }, "state");
    w.final_states_ = def.at("final_states").get<std::vector<std::string>>();
    w.honour_related_categories_ =
        def.value("honour_related_categories", std::vector<std::string>{});
    const auto known = [&w](const std::string& s) { return contains(w.states_, s); };
    if (!known(w.initial_state_)) throw bad_definition("unknown initial state");
    for (const auto& s : w.final_states_) {
        if (!known(s)) throw bad_definition("unknown final state " + s);
    }
    for (const auto& a : def.at("actions")) {
        Action action;
        action.id = a.at("id").get<std::string>();
        if (a.contains("step")) action.step = a.at("step").get<int>();
        action.from = a.at("from").get<std::vector<std::string>>();
        action.again_from = a.value("again_from", std::vector<std::string>{});
        if (a.contains("to")) action.to = a.at("to").get<std::string>();
        if (a.contains("outcomes"))
            action.outcomes = a.at("outcomes").get<std::map<std::string, std::string>>();
        action.rule = a.value("rule", "");
        for (const auto& f : a.at("fields")) {
            Field field{f.at("name").get<std::string>(),
                        f.at("type").get<std::string>(),
                        f.at("required").get<bool>(),
                        {}};
            for (const auto& option : f.value("options", json::array())) {
                field.options.push_back(option.at("id").get<std::string>());
            }
            action.fields.push_back(std::move(field));
        }
        for (const auto& s : action.from) {
            if (s != "*" && !known(s))
                throw bad_definition("action " + action.id + ": unknown state " + s);
        }
        for (const auto& s : action.again_from) {
            if (!known(s)) throw bad_definition("action " + action.id + ": unknown state " + s);
        }
        if (action.to && !known(*action.to))
            throw bad_definition("action " + action.id + ": unknown target");
        for (const auto& [outcome, state] : action.outcomes) {
            if (!known(state))
                throw bad_definition("action " + action.id + ": unknown outcome state");
        }
        require_unique(
            action.fields, [](const Field& f) { return f.name; },
            "field in action " + action.id + ":");
        check_rule(action);
        w.actions_.push_back(std::move(action));
    }
    require_unique(
        w.actions_, [](const Action& a) { return a.id; }, "action");
    w.build_views(def);
    return w;
}

// A rule reads fixed fields and returns fixed outcomes: the action must
// declare those fields (same type; required where the rule needs them) and
// map only outcomes the rule can return.
void Workflow::check_rule(const Action& action) {
    if (action.rule.empty()) {
        if (!action.outcomes.empty())
            throw bad_definition("action " + action.id + ": outcomes without a rule");
        return;
    }
    const rules::RuleNeeds* needs = rules::needs(action.rule);
    if (needs == nullptr)
        throw bad_definition("action " + action.id + ": unknown rule " + action.rule);
    for (const auto& need : needs->fields) {
        const auto field = std::find_if(action.fields.begin(), action.fields.end(),
                                        [&need](const Field& f) { return f.name == need.name; });
        if (field == action.fields.end() || field->type != need.type ||
            (need.required && !field->required)) {
            throw bad_definition("action " + action.id + ": rule " + action.rule + " needs field " +
                                 need.name + " (" + need.type +
                                 (need.required ? ", required)" : ")"));
        }
    }
    for (const auto& [outcome, state] : action.outcomes) {
        if (!contains(needs->outcomes, outcome)) {
            throw bad_definition("action " + action.id + ": rule " + action.rule +
                                 " has no outcome " + outcome);
        }
    }
}

bool Workflow::is_final(const std::string& state) const {
    return contains(final_states_, state);
}

bool Workflow::has_state(const std::string& state) const {
    return contains(states_, state);
}

std::vector<std::string> Workflow::state_ids() const {
    return states_;
}

std::vector<std::string> Workflow::action_ids() const {
    std::vector<std::string> ids;
    for (const auto& a : actions_) ids.push_back(a.id);
    return ids;
}

std::optional<std::pair<std::string, std::vector<std::string>>> Workflow::action_with_rule(
    const std::string& rule) const {
    for (const auto& a : actions_) {
        if (a.rule == rule) return std::make_pair(a.id, a.from);
    }
    return std::nullopt;
}

bool Workflow::starts_from(const Action& action, const std::string& state) const {
    return contains(action.from, state) || contains(action.again_from, state) ||
           (contains(action.from, "*") && !is_final(state));
}

std::vector<std::string> Workflow::states_from(const std::vector<std::string>& from) const {
    std::vector<std::string> states;
    for (const auto& s : states_) {
        if (contains(from, s) || (contains(from, "*") && !is_final(s))) states.push_back(s);
    }
    return states;
}

std::optional<std::string> Workflow::step_from(const std::string& state) const {
    for (const auto& a : actions_) {
        if (contains(a.from, state) && a.to && *a.to != state) return a.id;
    }
    return std::nullopt;
}

std::vector<std::string> Workflow::actions_from(const std::string& state) const {
    std::vector<std::string> ids;
    for (const auto& a : actions_) {
        if (starts_from(a, state)) ids.push_back(a.id);
    }
    return ids;
}

Workflow::ActionsNow Workflow::actions_now(const ConcernStatus& concern) const {
    ActionsNow now;
    for (const auto& a : actions_) {
        if (!starts_from(a, concern.state)) continue;
        if (auto refusal = rules::unmet(a.rule, concern)) {
            now.blocked.emplace_back(a.id, std::move(*refusal));
        } else {
            now.allowed.push_back(a.id);
        }
    }
    return now;
}

const Workflow::Action& Workflow::find_action(const std::string& id) const {
    const auto it = std::find_if(actions_.begin(), actions_.end(),
                                 [&id](const Action& a) { return a.id == id; });
    if (it == actions_.end()) throw not_found("action", "/action");
    return *it;
}

ActionRecord Workflow::apply(ConcernStatus& concern, const std::string& action_id,
                             const json& fields, const ActionContext& context) const {
    const Action& action = find_action(action_id);
    if (!starts_from(action, concern.state)) {
        throw Error(MC_E_CONFLICT, "transition_not_allowed",
                    "action " + action.id + " is not allowed in state " + concern.state, "/action");
    }
    if (!fields.is_object()) throw invalid_field("/fields", "must be an object");
    json recorded = json::object();
    for (const auto& item : fields.items()) {
        // Plain variables: capturing a structured binding in a lambda is C++20.
        const std::string& name = item.key();
        const json& value = item.value();
        const auto field = std::find_if(action.fields.begin(), action.fields.end(),
                                        [&name](const Field& f) { return f.name == name; });
        if (field == action.fields.end()) {
            throw Error(MC_E_PAYLOAD, "unknown_field", "action " + action.id + " has no such field",
                        "/fields");
        }
        fields::check_type(field->name, field->type, field->options, value);
        if (field->type == "date_time") {
            fields::check_not_after(field->name, value, context.latest);
        }
        recorded[name] = value;
    }
    for (const auto& f : action.fields) {
        if (f.required) fields::require(recorded, f.name);
    }
    ConcernStatus next = concern;
    const auto outcome = rules::apply(action.rule, next, recorded, context);
    const std::string from = next.state;
    if (outcome && action.outcomes.count(*outcome) != 0) {
        next.state = action.outcomes.at(*outcome);
    } else if (action.to && !contains(action.again_from, from)) {
        next.state = *action.to;
    }
    concern = std::move(next);
    return {action.id, action.step, from, concern.state, std::move(recorded)};
}

}  // namespace meldcode
