// Every state x every action of the default workflow against the hand-written
// transition table of workflow_fixtures.cpp.
#include <algorithm>

#include "core_test_support.h"
#include "workflow_fixtures.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

std::vector<std::string> action_ids_of(const std::vector<ActionSpec>& specs) {
    std::vector<std::string> ids;
    for (const auto& spec : specs) ids.push_back(spec.id);
    return ids;
}

}  // namespace

TEST_CASE("the default workflow has the states and actions of workflow.json", "[workflow]") {
    const Workflow& wf = default_workflow();
    CHECK(wf.id() == "mc.woningcorporatie");
    CHECK(wf.version() == "2026.3");
    CHECK(wf.initial_state() == "open");
    CHECK(wf.state_ids() == default_states());
    CHECK(wf.action_ids() == action_ids_of(default_actions()));
    for (const auto& state : default_states()) {
        INFO(state);
        CHECK(wf.has_state(state));
        CHECK(wf.is_final(state) == (state == "closed"));
    }
    CHECK_FALSE(wf.has_state("reported"));
    CHECK_FALSE(wf.has_state("*"));
    CHECK_FALSE(wf.is_final("reported"));
}

TEST_CASE("action_with_rule names the action governing a rule", "[workflow]") {
    const Workflow& wf = default_workflow();
    using Found = std::pair<std::string, std::vector<std::string>>;
    CHECK(wf.action_with_rule("assessment_framework") == Found{"weigh", {"conversation_done"}});
    CHECK(wf.action_with_rule("decision") == Found{"decide", {"weighed"}});
    CHECK(wf.action_with_rule("review") == Found{"review", {"monitoring"}});
    CHECK(wf.action_with_rule("feedback") == Found{"give_feedback", {"*"}});
    CHECK(wf.action_with_rule("acute") == Found{"record_acute", {"*", "closed"}});
    CHECK(wf.action_with_rule("close") == Found{"close", {"decided"}});
    CHECK(wf.action_with_rule("no_such_rule") == std::nullopt);
}

TEST_CASE("actions_from lists, in definition order, the actions of the table",
          "[workflow][transitions]") {
    const auto& states = default_states();
    const auto index = GENERATE(range(std::size_t{0}, default_states().size()));
    std::vector<std::string> expected;
    for (const auto& row : transition_table()) {
        if (!row.result.at(index).empty()) expected.push_back(row.action);
    }
    INFO("state " << states[index]);
    CHECK(default_workflow().actions_from(states[index]) == expected);
}

TEST_CASE("every action in every state is allowed or rejected as the table says",
          "[workflow][transitions]") {
    const Workflow& wf = default_workflow();
    const auto row = GENERATE(from_range(transition_table()));
    const auto index = GENERATE(range(std::size_t{0}, default_states().size()));
    REQUIRE(row.result.size() == default_states().size());
    const std::string& state = default_states()[index];
    const std::string& expected = row.result[index];
    const json fields = valid_fields(row.action);
    ConcernStatus concern = concern_for(row.action, state);
    INFO(row.action << " in state " << state);

    if (expected.empty()) {
        const json before = snapshot(concern);
        CHECK_THROWS_MATCHES(wf.apply(concern, row.action, fields, today()), Error,
                             ErrorIs(MC_E_CONFLICT, "transition_not_allowed", "/action"));
        CHECK(snapshot(concern) == before);
    } else {
        const std::string target = expected == "=" ? state : expected;
        const ActionRecord record = wf.apply(concern, row.action, fields, today());
        CHECK(concern.state == target);
        CHECK(record.action == row.action);
        CHECK(record.step == action_spec(row.action).step);
        CHECK(record.from_state == state);
        CHECK(record.to_state == target);
        CHECK(record.fields == fields);
    }
}

TEST_CASE("decide with help arranged leads to monitoring", "[workflow][transitions]") {
    ConcernStatus concern = concern_for("decide", "weighed");
    const json fields{
        {"report", decision(false)},
        {"help", decision(true)},
        {"monitoring_agreements", "Social team visits weekly; officer calls monthly."},
        {"review_date", "2026-06-01"}};
    const ActionRecord record = default_workflow().apply(concern, "decide", fields, today());
    CHECK(record.from_state == "weighed");
    CHECK(record.to_state == "monitoring");
    CHECK(concern.state == "monitoring");
    CHECK(concern.help_arranged);
    CHECK_FALSE(concern.reported);
    CHECK(concern.review_date == std::optional<std::string>("2026-06-01"));
    CHECK(record.fields == fields);
}

TEST_CASE("an unknown action is not found", "[workflow][transitions]") {
    const auto state = GENERATE(from_range(default_states()));
    ConcernStatus concern = concern_for("assign", state);
    const json before = snapshot(concern);
    CHECK_THROWS_MATCHES(default_workflow().apply(concern, "approve", json::object(), today()),
                         Error, ErrorIs(MC_E_NOT_FOUND, "not_found", "/action"));
    CHECK(snapshot(concern) == before);
}

TEST_CASE("the effects of each action on the concern", "[workflow]") {
    const Workflow& wf = default_workflow();

    SECTION("assign records the assignee and keeps the state") {
        ConcernStatus concern = concern_for("assign", "consulted");
        wf.apply(concern, "assign", valid_fields("assign"), today());
        CHECK(concern.assignee == std::optional<std::string>("officer-7"));
        CHECK(concern.state == "consulted");
    }
    SECTION("assign again replaces the assignee") {
        ConcernStatus concern = concern_for("assign", "open");
        concern.assignee = "officer-1";
        wf.apply(concern, "assign", valid_fields("assign"), today());
        CHECK(concern.assignee == std::optional<std::string>("officer-7"));
    }
    SECTION("assign refuses an assignee longer than an actor id and changes nothing") {
        ConcernStatus concern = concern_for("assign", "open");
        concern.assignee = "officer-1";
        const json before = snapshot(concern);
        const json longest{{"assignee", std::string(200, 'a')}};
        const json too_long{{"assignee", std::string(201, 'a')}};
        CHECK_THROWS_MATCHES(wf.apply(concern, "assign", too_long, today()), Error,
                             ErrorIs(MC_E_PAYLOAD, "invalid_field", "/fields/assignee"));
        CHECK(snapshot(concern) == before);
        wf.apply(concern, "assign", longest, today());
        CHECK(concern.assignee == std::optional<std::string>(std::string(200, 'a')));
    }
    SECTION("weigh stores the answers as the assessment") {
        ConcernStatus concern = concern_for("weigh", "conversation_done");
        concern.assessment = nullptr;
        wf.apply(concern, "weigh", assessment("yy--"), today());
        CHECK(concern.assessment == assessment("yy--"));
        CHECK(concern.state == "weighed");
    }
    SECTION("decide to report marks the report decided, not made, without help") {
        ConcernStatus concern = concern_for("decide", "weighed");
        wf.apply(concern, "decide", valid_fields("decide"), today());
        CHECK(concern.report_decided);
        CHECK_FALSE(concern.reported);
        CHECK_FALSE(concern.help_arranged);
        CHECK(concern.review_date == std::nullopt);
    }
    SECTION("give_feedback clears the pending feedback and keeps the state") {
        ConcernStatus concern = concern_for("give_feedback", "monitoring");
        wf.apply(concern, "give_feedback", json::object(), today());
        CHECK(concern.pending_feedback == 0);
        CHECK(concern.state == "monitoring");
    }
    SECTION("map_signals records whether children are involved") {
        ConcernStatus concern = concern_for("map_signals", "open");
        wf.apply(concern, "map_signals", valid_fields("map_signals"), today());
        CHECK(concern.children_involved == "yes");
    }
    SECTION("steps 2-3, close and reopen change only the state") {
        const auto action = GENERATE(as<std::string>{}, "consult", "hold_conversation",
                                     "skip_conversation", "close", "reopen");
        ConcernStatus concern = concern_for(action, start_state(action));
        json expected = snapshot(concern);
        wf.apply(concern, action, valid_fields(action), today());
        expected["state"] = concern.state;
        CHECK(concern.state != start_state(action));
        CHECK(snapshot(concern) == expected);
    }
}

TEST_CASE("a concern walks the whole meldcode", "[workflow]") {
    const Workflow& wf = default_workflow();
    ConcernStatus concern;
    concern.state = wf.initial_state();
    concern.pending_feedback = 1;
    struct Step {
        std::string action;
        json fields;
        std::string state_after;
    };
    const std::vector<Step> steps{
        {"assign", valid_fields("assign"), "open"},
        {"map_signals", valid_fields("map_signals"), "signals_mapped"},
        {"consult", valid_fields("consult"), "consulted"},
        {"hold_conversation", valid_fields("hold_conversation"), "conversation_done"},
        {"weigh", assessment("ynyy"), "weighed"},
        {"decide",
         {{"report", decision(false)},
          {"help", decision(true)},
          {"monitoring_agreements", "Weekly visit of the social team."},
          {"review_date", "2026-05-01"}},
         "monitoring"},
        {"review", {{"help_effective", answer(false)}, {"report", decision(true)}}, "decided"},
        {"report_to_veilig_thuis", valid_fields("report_to_veilig_thuis"), "decided"},
        {"give_feedback", json::object(), "decided"},
        {"close", valid_fields("close"), "closed"},
        {"reopen", valid_fields("reopen"), "open"},
    };
    for (const auto& step : steps) {
        INFO("action " << step.action);
        const std::string from = concern.state;
        const ActionRecord record = wf.apply(concern, step.action, step.fields, today());
        CHECK(record.from_state == from);
        CHECK(record.to_state == step.state_after);
        REQUIRE(concern.state == step.state_after);
    }
    CHECK(concern.reported);
    CHECK(concern.help_arranged);
    CHECK(concern.review_date == std::nullopt);
    CHECK(concern.pending_feedback == 0);
    CHECK(concern.assignee == std::optional<std::string>("officer-7"));
}

}  // namespace meldcode::test
