#include "core_test_support.h"

#include "core/time.h"
#include "resources.h"

namespace meldcode::test {

nlohmann::json embedded_json(const char* name) {
    const auto text = resources::get(name);
    return nlohmann::json::parse(text.begin(), text.end());
}

const nlohmann::json& default_workflow_definition() {
    static const nlohmann::json definition = embedded_json("workflow.json");
    return definition;
}

const Workflow& default_workflow() {
    static const Workflow workflow = Workflow::from_definition(default_workflow_definition());
    return workflow;
}

const ActionContext& today() {
    static const UtcCalendar calendar;
    static const Timestamp noon = *parse_timestamp("2026-03-01T12:00:00Z");
    static const ActionContext context{noon, noon + 300, calendar};
    return context;
}

nlohmann::json snapshot(const ConcernStatus& c) {
    const auto optional = [](const std::optional<std::string>& s) {
        return s ? nlohmann::json(*s) : nlohmann::json(nullptr);
    };
    return {{"state", c.state},
            {"assignee", optional(c.assignee)},
            {"assessment", c.assessment},
            {"reported", c.reported},
            {"help_arranged", c.help_arranged},
            {"acute", c.acute},
            {"review_date", optional(c.review_date)},
            {"pending_feedback", c.pending_feedback},
            {"report_decided", c.report_decided},
            {"priority", priority_name(c.priority)},
            {"reported_at", c.reported_at ? nlohmann::json(*c.reported_at) : nlohmann::json()},
            {"veilig_thuis_feedback_due", optional(c.veilig_thuis_feedback_due)},
            {"referrals", c.referrals},
            {"children_involved", c.children_involved},
            {"honour_related", c.honour_related},
            {"specialist_consulted", c.specialist_consulted},
            {"people", c.people}};
}

bool ErrorIs::match(const Error& error) const {
    return error.status() == status_ && error.code() == code_ &&
           (!pointer_ || error.pointer() == *pointer_);
}

std::string ErrorIs::describe() const {
    return "is Error{status " + std::to_string(status_) + ", code \"" + code_ + "\"" +
           (pointer_ ? ", pointer \"" + *pointer_ + "\"" : std::string()) + "}";
}

}  // namespace meldcode::test

std::string Catch::StringMaker<meldcode::Error>::convert(const meldcode::Error& error) {
    return "Error{status " + std::to_string(error.status()) + ", code \"" + error.code() +
           "\", pointer \"" + error.pointer() + "\", \"" + error.what() + "\"}";
}
