// The named rules of the default workflow: the assessment framework (step 4),
// the decision and the review (step 5), the acute path, feedback and close.
#include <algorithm>
#include <functional>

#include "core/retention.h"

#include "core_test_support.h"
#include "workflow_fixtures.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

struct Rejection {
    mc_status status;
    std::string code;
    std::string pointer;
};

// Applies and, on success, returns the concern after it; on a rejection
// checks the error and that the concern did not change.
void apply_and_check(ConcernStatus concern, const std::string& action, const json& fields,
                     const std::optional<Rejection>& rejection,
                     const std::function<void(const ConcernStatus&)>& check_after = {}) {
    const Workflow& wf = default_workflow();
    if (rejection) {
        const json before = snapshot(concern);
        CHECK_THROWS_MATCHES(wf.apply(concern, action, fields, today()), Error,
                             ErrorIs(rejection->status, rejection->code, rejection->pointer));
        CHECK(snapshot(concern) == before);
    } else {
        REQUIRE_NOTHROW(wf.apply(concern, action, fields, today()));
        if (check_after) check_after(concern);
    }
}

std::optional<Rejection> payload(const std::string& code, const std::string& pointer) {
    return Rejection{MC_E_PAYLOAD, code, pointer};
}

const std::optional<Rejection> accepted = std::nullopt;

}  // namespace

TEST_CASE("assessment framework: each question is asked only when the previous leads there",
          "[workflow][rules][assessment]") {
    struct Row {
        std::string answers;  // questions 1-4, see assessment()
        std::optional<Rejection> rejection;
    };
    const auto row = GENERATE(values<Row>({
        // question 1 no: nothing else is asked
        {"n---", accepted},
        {"ny--", payload("invalid_field", "/fields/unsafety")},
        {"nn--", payload("invalid_field", "/fields/unsafety")},
        {"n-y-", payload("invalid_field", "/fields/help_possible")},
        {"n--y", payload("invalid_field", "/fields/help_accepted")},
        // question 1 yes: question 2 is required
        {"y---", payload("missing_field", "/fields/unsafety")},
        {"y-yy", payload("missing_field", "/fields/unsafety")},
        // question 2 yes: report; questions 3 and 4 do not apply
        {"yy--", accepted},
        {"yyy-", payload("invalid_field", "/fields/help_possible")},
        {"yyn-", payload("invalid_field", "/fields/help_possible")},
        {"yy-y", payload("invalid_field", "/fields/help_accepted")},
        // question 2 no: question 3 is required
        {"yn--", payload("missing_field", "/fields/help_possible")},
        {"yn-y", payload("missing_field", "/fields/help_possible")},
        // question 3 no: report; question 4 does not apply
        {"ynn-", accepted},
        {"ynny", payload("invalid_field", "/fields/help_accepted")},
        {"ynnn", payload("invalid_field", "/fields/help_accepted")},
        // question 3 yes: question 4 is required
        {"yny-", payload("missing_field", "/fields/help_accepted")},
        {"ynyy", accepted},
        {"ynyn", accepted},
    }));
    INFO("answers " << row.answers);
    ConcernStatus concern = concern_for("weigh", "conversation_done");
    concern.assessment = nullptr;
    apply_and_check(concern, "weigh", assessment(row.answers), row.rejection,
                    [&row](const ConcernStatus& after) {
                        CHECK(after.state == "weighed");
                        CHECK(after.assessment == assessment(row.answers));
                    });
}

TEST_CASE("weighing again replaces the earlier assessment", "[workflow][rules][assessment]") {
    // After a reopen the concern goes through step 4 again.
    ConcernStatus concern = concern_for("weigh", "conversation_done");
    concern.assessment = assessment("yy--");
    default_workflow().apply(concern, "weigh", assessment("n---"), today());
    CHECK(concern.assessment == assessment("n---"));
}

TEST_CASE("decision: the two decisions follow from the assessment", "[workflow][rules][decision]") {
    enum class Help { none, complete, no_agreements, no_review_date, past, today, stray };
    struct Row {
        std::string answers;
        bool report;
        bool help;
        Help details;
        std::optional<Rejection> rejection;
    };
    const auto row = GENERATE(values<Row>({
        // question 1 no: close without report or help
        {"n---", false, false, Help::none, accepted},
        {"n---", true, false, Help::none, payload("invalid_field", "/fields/report/decision")},
        {"n---", false, true, Help::complete, payload("invalid_field", "/fields/help/decision")},
        {"n---", true, true, Help::complete, payload("invalid_field", "/fields/report/decision")},
        // question 2 yes (acute or structural unsafety): always report
        {"yy--", true, false, Help::none, accepted},
        {"yy--", true, true, Help::complete, accepted},
        {"yy--", false, false, Help::none, payload("report_required", "/fields/report/decision")},
        {"yy--", false, true, Help::complete,
         payload("report_required", "/fields/report/decision")},
        // question 3 no: report, and help was found not possible
        {"ynn-", true, false, Help::none, accepted},
        {"ynn-", false, false, Help::none, payload("report_required", "/fields/report/decision")},
        {"ynn-", true, true, Help::complete, payload("invalid_field", "/fields/help/decision")},
        // question 4 no: report, and help was not accepted
        {"ynyn", true, false, Help::none, accepted},
        {"ynyn", false, true, Help::complete,
         payload("report_required", "/fields/report/decision")},
        {"ynyn", true, true, Help::complete, payload("invalid_field", "/fields/help/decision")},
        // help possible and accepted: report, help or both, but something
        {"ynyy", false, true, Help::complete, accepted},
        {"ynyy", true, false, Help::none, accepted},
        {"ynyy", true, true, Help::complete, accepted},
        {"ynyy", false, false, Help::none, payload("action_required", "/fields/help/decision")},
        // help needs monitoring agreements and a review date that is not past
        {"ynyy", false, true, Help::no_agreements,
         payload("missing_field", "/fields/monitoring_agreements")},
        {"ynyy", false, true, Help::no_review_date,
         payload("missing_field", "/fields/review_date")},
        {"ynyy", false, true, Help::past, payload("invalid_field", "/fields/review_date")},
        {"ynyy", false, true, Help::today, accepted},
        // ... and without help they are not recorded
        {"ynyy", true, false, Help::stray,
         payload("invalid_field", "/fields/monitoring_agreements")},
        {"n---", false, false, Help::stray,
         payload("invalid_field", "/fields/monitoring_agreements")},
    }));
    INFO("answers " << row.answers << ", report " << row.report << ", help " << row.help
                    << ", details " << static_cast<int>(row.details));
    json fields{{"report", decision(row.report)}, {"help", decision(row.help)}};
    const std::string agreements = "Social team visits weekly; the officer checks monthly.";
    switch (row.details) {
        case Help::none:
            break;
        case Help::complete:
        case Help::stray:
            fields["monitoring_agreements"] = agreements;
            fields["review_date"] = "2026-06-01";
            break;
        case Help::no_agreements:
            fields["review_date"] = "2026-06-01";
            break;
        case Help::no_review_date:
            fields["monitoring_agreements"] = agreements;
            break;
        case Help::past:
            fields["monitoring_agreements"] = agreements;
            fields["review_date"] = "2026-02-28";
            break;
        case Help::today:
            fields["monitoring_agreements"] = agreements;
            fields["review_date"] = "2026-03-01";
            break;
    }
    ConcernStatus concern = concern_for("decide", "weighed");
    concern.assessment = assessment(row.answers);
    apply_and_check(concern, "decide", fields, row.rejection, [&](const ConcernStatus& after) {
        CHECK(after.state == (row.help ? "monitoring" : "decided"));
        CHECK(after.report_decided == row.report);
        CHECK_FALSE(after.reported);  // the melding is its own action
        CHECK(after.help_arranged == row.help);
        CHECK(after.review_date == (row.help ? fields.at("review_date").get<std::string>()
                                             : std::optional<std::string>()));
        CHECK(after.assessment == assessment(row.answers));
    });
}

TEST_CASE("decision: a review date is checked against today", "[workflow][rules][decision]") {
    const auto [review_date, ok] =
        GENERATE(std::make_pair("2026-02-28", false), std::make_pair("2026-03-01", true),
                 std::make_pair("2026-03-02", true), std::make_pair("1999-12-31", false));
    INFO("review date " << review_date);
    ConcernStatus concern = concern_for("decide", "weighed");
    const json fields{{"report", decision(false)},
                      {"help", decision(true)},
                      {"monitoring_agreements", "Weekly check."},
                      {"review_date", review_date}};
    apply_and_check(concern, "decide", fields,
                    ok ? accepted : payload("invalid_field", "/fields/review_date"));
}

TEST_CASE("decision: step 4 must have been recorded", "[workflow][rules][decision]") {
    ConcernStatus concern = concern_for("decide", "weighed");
    concern.assessment = nullptr;
    apply_and_check(concern, "decide", valid_fields("decide"),
                    Rejection{MC_E_CONFLICT, "assessment_missing", ""});
}

TEST_CASE("decision: an earlier report (acute path) stays recorded",
          "[workflow][rules][decision]") {
    ConcernStatus concern = concern_for("decide", "weighed");
    concern.reported = true;
    const json fields{{"report", decision(false)},
                      {"help", decision(true)},
                      {"monitoring_agreements", "Weekly check."},
                      {"review_date", "2026-04-01"}};
    apply_and_check(concern, "decide", fields, accepted, [](const ConcernStatus& after) {
        CHECK(after.reported);
        CHECK(after.state == "monitoring");
    });
}

TEST_CASE("review: question 5 no means a report", "[workflow][rules][review]") {
    struct Row {
        bool effective;
        std::optional<bool> report;
        std::optional<Rejection> rejection;
    };
    const auto row = GENERATE(values<Row>({
        {true, std::nullopt, accepted},
        {true, false, accepted},
        {true, true, accepted},
        {false, true, accepted},
        {false, std::nullopt, payload("missing_field", "/fields/report")},
        {false, false, payload("report_required", "/fields/report/decision")},
    }));
    INFO("help effective " << row.effective << ", report "
                           << (row.report ? std::to_string(*row.report) : "absent"));
    json fields{{"help_effective", answer(row.effective)}};
    if (row.report) fields["report"] = decision(*row.report);
    const ConcernStatus concern = concern_for("review", "monitoring");
    apply_and_check(concern, "review", fields, row.rejection, [&row](const ConcernStatus& after) {
        CHECK(after.state == "decided");
        CHECK(after.report_decided == row.report.value_or(false));
        CHECK_FALSE(after.reported);
        CHECK(after.review_date == std::nullopt);
    });
}

TEST_CASE("acute path: records a call and keeps the state", "[workflow][rules][acute]") {
    const auto state = GENERATE(from_range(std::vector<std::string>(
        default_states().begin(), default_states().end() - 1)));  // every state but closed
    const auto [called_112, called_veilig_thuis] =
        GENERATE(std::make_pair(true, false), std::make_pair(false, true),
                 std::make_pair(true, true), std::make_pair(false, false));
    INFO("state " << state << ", 112 " << called_112 << ", Veilig Thuis " << called_veilig_thuis);
    json fields = valid_fields("record_acute");
    fields["called_112"] = called_112;
    fields["called_veilig_thuis"] = called_veilig_thuis;
    if (called_veilig_thuis) fields["veilig_thuis_call"] = "report";
    const bool any_call = called_112 || called_veilig_thuis;
    const ConcernStatus concern = concern_for("record_acute", state);
    apply_and_check(concern, "record_acute", fields,
                    any_call ? accepted : payload("invalid_field", "/fields/called_112"),
                    [&](const ConcernStatus& after) {
                        CHECK(after.state == state);
                        CHECK(after.acute);
                        CHECK(after.reported == called_veilig_thuis);
                    });
}

TEST_CASE("acute path: a call to Veilig Thuis for advice is no melding",
          "[workflow][rules][acute]") {
    json fields = valid_fields("record_acute");
    fields["called_veilig_thuis"] = true;
    const ConcernStatus concern = concern_for("record_acute", "open");
    SECTION("which call it was is required") {
        apply_and_check(concern, "record_acute", fields,
                        payload("missing_field", "/fields/veilig_thuis_call"));
    }
    SECTION("advice") {
        fields["veilig_thuis_call"] = "advice";
        apply_and_check(concern, "record_acute", fields, accepted, [](const ConcernStatus& after) {
            CHECK(after.acute);
            CHECK_FALSE(after.reported);
            CHECK(after.veilig_thuis_feedback_due == std::nullopt);
        });
    }
    SECTION("a report starts the wait for Veilig Thuis's feedback") {
        fields["veilig_thuis_call"] = "report";
        fields["called_at"] = "2026-02-20T22:15:00Z";  // a Friday
        apply_and_check(concern, "record_acute", fields, accepted, [](const ConcernStatus& after) {
            CHECK(after.reported);
            CHECK(after.veilig_thuis_feedback_due == std::optional<std::string>("2026-02-27"));
        });
    }
    SECTION("no call kind without a call to Veilig Thuis") {
        fields["called_veilig_thuis"] = false;
        fields["veilig_thuis_call"] = "advice";
        apply_and_check(concern, "record_acute", fields,
                        payload("invalid_field", "/fields/veilig_thuis_call"));
    }
}

TEST_CASE("feedback: only when an observer is waiting for it", "[workflow][rules][feedback]") {
    const auto state = GENERATE(as<std::string>{}, "open", "weighed", "monitoring", "decided");
    ConcernStatus concern = concern_for("give_feedback", state);
    SECTION("none pending") {
        concern.pending_feedback = 0;
        apply_and_check(concern, "give_feedback", json::object(),
                        Rejection{MC_E_CONFLICT, "no_feedback_pending", ""});
    }
    SECTION("a final message (completed when none is named) gives it") {
        const json fields =
            GENERATE(json::object(), json{{"message", "completed"}},
                     json{{"message", "report_again"}, {"aftercare_offered", true}});
        concern.pending_feedback = 3;
        apply_and_check(concern, "give_feedback", fields, accepted,
                        [&state](const ConcernStatus& after) {
                            CHECK(after.pending_feedback == 0);
                            CHECK(after.state == state);
                        });
    }
    SECTION("an interim message keeps it pending") {
        const auto message = GENERATE(as<std::string>{}, "in_progress", "officer_will_call");
        concern.pending_feedback = 3;
        apply_and_check(concern, "give_feedback", {{"message", message}}, accepted,
                        [](const ConcernStatus& after) { CHECK(after.pending_feedback == 3); });
    }
    SECTION("no message of one's own") {
        concern.pending_feedback = 3;
        apply_and_check(concern, "give_feedback", {{"message", "we reported it"}},
                        payload("invalid_field", "/fields/message"));
    }
}

TEST_CASE("close: only after feedback to every observer", "[workflow][rules][close]") {
    ConcernStatus concern = concern_for("close", "decided");
    SECTION("feedback pending") {
        concern.pending_feedback = 1;
        apply_and_check(concern, "close", valid_fields("close"),
                        Rejection{MC_E_CONFLICT, "feedback_required", ""});
    }
    SECTION("no feedback pending") {
        apply_and_check(concern, "close", valid_fields("close"), accepted,
                        [](const ConcernStatus& after) { CHECK(after.state == "closed"); });
    }
    SECTION("a report decided but no melding recorded") {
        concern.report_decided = true;
        apply_and_check(concern, "close", valid_fields("close"),
                        Rejection{MC_E_CONFLICT, "melding_required", ""});
        concern.reported = true;
        apply_and_check(concern, "close", valid_fields("close"), accepted);
    }
}

}  // namespace meldcode::test

namespace meldcode::test {

TEST_CASE("melding: open melden, tenzij: the reaction, or why the client was not told",
          "[workflow][rules][melding]") {
    const ConcernStatus concern = concern_for("report_to_veilig_thuis", "decided");
    json fields = valid_fields("report_to_veilig_thuis");
    SECTION("told, with the reaction") {
        apply_and_check(concern, "report_to_veilig_thuis", fields, accepted,
                        [](const ConcernStatus& after) {
                            CHECK(after.reported);
                            CHECK(after.state == "decided");
                            CHECK(after.reported_at == parse_timestamp("2026-02-27T14:00:00Z"));
                        });
    }
    SECTION("told, without the reaction") {
        fields.erase("client_reaction");
        apply_and_check(concern, "report_to_veilig_thuis", fields,
                        payload("missing_field", "/fields/client_reaction"));
    }
    SECTION("told, with a reason for not telling") {
        fields["not_informed_reason"] = "x";
        apply_and_check(concern, "report_to_veilig_thuis", fields,
                        payload("invalid_field", "/fields/not_informed_reason"));
    }
    SECTION("not told, without why") {
        fields["client_informed"] = false;
        fields.erase("client_reaction");
        apply_and_check(concern, "report_to_veilig_thuis", fields,
                        payload("missing_field", "/fields/not_informed_reason"));
        fields["not_informed_reason"] = "Telling would put the child at risk.";
        apply_and_check(concern, "report_to_veilig_thuis", fields, accepted);
    }
    SECTION("not told, with a reaction") {
        fields["client_informed"] = false;
        fields["not_informed_reason"] = "Telling would put the child at risk.";
        apply_and_check(concern, "report_to_veilig_thuis", fields,
                        payload("invalid_field", "/fields/client_reaction"));
    }
}

TEST_CASE("melding: Veilig Thuis's feedback is due five working days after its civil date",
          "[workflow][rules][melding]") {
    // Friday 26 March 2027, Easter Monday on the 29th: Tuesday to Friday and
    // Monday 5 April are the five working days.
    const auto [reported_at, due] = GENERATE(
        std::make_pair("2027-03-26T10:00:00Z", "2027-04-05"),
        std::make_pair("2027-03-22T10:00:00Z", "2027-03-30"),   // Monday: over Easter Monday
        std::make_pair("2026-12-24T10:00:00Z", "2027-01-04"));  // Christmas, New Year
    INFO("reported at " << reported_at);
    json fields = valid_fields("report_to_veilig_thuis");
    fields["reported_at"] = reported_at;
    // Recorded later than any of these moments (none may lie ahead of now).
    const UtcCalendar calendar;
    const Timestamp later = *parse_timestamp("2027-12-31T12:00:00Z");
    ConcernStatus concern = concern_for("report_to_veilig_thuis", "decided");
    default_workflow().apply(concern, "report_to_veilig_thuis", fields,
                             ActionContext{later, later, calendar});
    CHECK(concern.veilig_thuis_feedback_due == std::string(due));
}

TEST_CASE("Veilig Thuis feedback: only after a melding, and it ends the wait",
          "[workflow][rules][melding]") {
    ConcernStatus concern = concern_for("record_veilig_thuis_feedback", "closed");
    concern.reported = false;
    apply_and_check(concern, "record_veilig_thuis_feedback",
                    valid_fields("record_veilig_thuis_feedback"),
                    Rejection{MC_E_CONFLICT, "not_reported", ""});
    concern.reported = true;
    concern.veilig_thuis_feedback_due = "2026-03-02";
    apply_and_check(concern, "record_veilig_thuis_feedback",
                    valid_fields("record_veilig_thuis_feedback"), accepted,
                    [](const ConcernStatus& after) {
                        CHECK(after.veilig_thuis_feedback_due == std::nullopt);
                        CHECK(after.state == "closed");
                    });
}

TEST_CASE("referral: each route once, and the outcome when nothing else was done",
          "[workflow][rules][referral]") {
    ConcernStatus concern = concern_for("refer", "decided");
    concern.assessment = assessment("n---");
    const Workflow& wf = default_workflow();
    wf.apply(concern, "refer", valid_fields("refer"), today());
    json police = valid_fields("refer");
    police["route"] = "police";
    wf.apply(concern, "refer", police, today());
    wf.apply(concern, "refer", valid_fields("refer"), today());
    CHECK(concern.referrals == std::vector<std::string>{"ggd", "police"});
    CHECK(outcome_of(concern) == Outcome::referred);
    concern.help_arranged = true;
    CHECK(outcome_of(concern) == Outcome::help_arranged);
    json veilig_thuis = valid_fields("refer");
    veilig_thuis["route"] = "veilig_thuis";  // the melding is its own action
    apply_and_check(concern, "refer", veilig_thuis, payload("invalid_field", "/fields/route"));
}

TEST_CASE("help arranged once stays when a reopened concern is decided again without help",
          "[workflow][rules][decide]") {
    ConcernStatus concern = concern_for("decide", "weighed");
    concern.help_arranged = true;  // decided before the concern was closed and reopened
    concern.assessment = assessment("n---");
    apply_and_check(concern, "decide", {{"report", decision(false)}, {"help", decision(false)}},
                    accepted, [](const ConcernStatus& after) {
                        CHECK(after.help_arranged);
                        CHECK(outcome_of(after) == Outcome::help_arranged);
                        CHECK_FALSE(after.review_date);
                    });
}

TEST_CASE("review: while help goes on, question 5 is asked again at a new date",
          "[workflow][rules][review]") {
    const ConcernStatus concern = concern_for("review", "monitoring");
    json fields{{"help_effective", answer(true)}, {"help_continues", true}};
    SECTION("a new review date keeps the concern monitored") {
        fields["next_review_date"] = "2026-04-01";
        fields["monitoring_agreements"] = "Monthly visit from now on.";
        apply_and_check(concern, "review", fields, accepted, [](const ConcernStatus& after) {
            CHECK(after.state == "monitoring");
            CHECK(after.review_date == std::optional<std::string>("2026-04-01"));
            CHECK(after.help_arranged);
        });
    }
    SECTION("going on needs a next review date, not in the past") {
        apply_and_check(concern, "review", fields,
                        payload("missing_field", "/fields/next_review_date"));
        fields["next_review_date"] = "2026-02-28";
        apply_and_check(concern, "review", fields,
                        payload("invalid_field", "/fields/next_review_date"));
    }
    SECTION("a next review date only when the help goes on") {
        fields["help_continues"] = false;
        fields["next_review_date"] = "2026-04-01";
        apply_and_check(concern, "review", fields,
                        payload("invalid_field", "/fields/next_review_date"));
    }
    SECTION("help that goes on after a no still needs the report") {
        fields["help_effective"] = answer(false);
        fields["next_review_date"] = "2026-04-01";
        apply_and_check(concern, "review", fields, payload("missing_field", "/fields/report"));
        fields["report"] = decision(true);
        apply_and_check(concern, "review", fields, accepted, [](const ConcernStatus& after) {
            CHECK(after.state == "monitoring");
            CHECK(after.report_decided);
        });
    }
}

TEST_CASE("consultation: can be repeated later without moving the concern back",
          "[workflow][rules][consultation]") {
    const auto state = GENERATE(as<std::string>{}, "consulted", "conversation_done", "weighed",
                                "monitoring", "decided");
    apply_and_check(concern_for("consult", state), "consult", valid_fields("consult"), accepted,
                    [&state](const ConcernStatus& after) { CHECK(after.state == state); });
}

TEST_CASE("people: roles only, and a child among them means children are involved",
          "[workflow][rules][people]") {
    ConcernStatus concern = concern_for("record_people", "open");
    apply_and_check(concern, "record_people", valid_fields("record_people"), accepted,
                    [](const ConcernStatus& after) {
                        CHECK(after.people == valid_fields("record_people").at("people"));
                        CHECK(after.children_involved == "yes");
                    });
    const json adults{{"people", {{{"person", "adult A"}, {"relation", "possible_victim"}}}}};
    apply_and_check(concern, "record_people", adults, accepted, [](const ConcernStatus& after) {
        CHECK(after.children_involved == "unknown");
    });
}

TEST_CASE("honour-related violence: a specialist before step 3", "[workflow][rules][honour]") {
    const auto action = GENERATE(as<std::string>{}, "hold_conversation", "skip_conversation");
    ConcernStatus concern = concern_for(action, "consulted");
    concern.honour_related = true;
    apply_and_check(concern, action, valid_fields(action),
                    Rejection{MC_E_CONFLICT, "specialist_consultation_required", ""});
    const Workflow& wf = default_workflow();
    SECTION("a consultation without a specialist does not count") {
        wf.apply(concern, "consult", valid_fields("consult"), today());
        apply_and_check(concern, action, valid_fields(action),
                        Rejection{MC_E_CONFLICT, "specialist_consultation_required", ""});
    }
    SECTION("the regional expertise point") {
        json fields = valid_fields("consult");
        fields["specialist"] = "expertise_point";
        wf.apply(concern, "consult", fields, today());
        apply_and_check(concern, action, valid_fields(action), accepted);
    }
    SECTION("Veilig Thuis") {
        json fields = valid_fields("consult");
        fields["veilig_thuis_consulted"] = true;
        wf.apply(concern, "consult", fields, today());
        apply_and_check(concern, action, valid_fields(action), accepted);
    }
}

TEST_CASE("a submission's priority", "[workflow][priority]") {
    CHECK(submission_priority(true, false, false, false) == Priority::acute);
    CHECK(submission_priority(false, true, false, false) == Priority::acute);
    CHECK(submission_priority(false, false, true, false) == Priority::acute);
    CHECK(submission_priority(false, false, false, true) == Priority::urgent);
    CHECK(submission_priority(false, false, false, false) == Priority::normal);
    CHECK(highest(Priority::normal, Priority::urgent) == Priority::urgent);
    CHECK(highest(Priority::acute, Priority::urgent) == Priority::acute);
    CHECK(priority_from_name("urgent") == Priority::urgent);
    CHECK(priority_from_name("high") == std::nullopt);
}

}  // namespace meldcode::test

namespace meldcode::test {
namespace {

using Blocked = std::vector<std::pair<std::string, std::string>>;

Blocked blocked_of(const ConcernStatus& concern) {
    Blocked out;
    for (const auto& [action, refusal] : default_workflow().actions_now(concern).blocked) {
        out.emplace_back(action, refusal.code());
    }
    return out;
}

bool allows(const ConcernStatus& concern, const std::string& action) {
    const auto allowed = default_workflow().actions_now(concern).allowed;
    return std::find(allowed.begin(), allowed.end(), action) != allowed.end();
}

}  // namespace

TEST_CASE("an action the concern cannot take as it is is blocked, with the refusal it would get",
          "[workflow][rules]") {
    ConcernStatus concern;
    concern.state = "open";
    // Nothing to give feedback on, no melding to hear back about.
    CHECK(blocked_of(concern) == Blocked{{"record_veilig_thuis_feedback", "not_reported"},
                                         {"give_feedback", "no_feedback_pending"}});
    concern.pending_feedback = 1;
    concern.reported = true;
    CHECK(blocked_of(concern).empty());

    concern.state = "decided";
    CHECK_FALSE(allows(concern, "close"));
    CHECK(blocked_of(concern) == Blocked{{"close", "feedback_required"}});
    concern.pending_feedback = 0;
    concern.report_decided = true;
    concern.reported = false;
    CHECK(blocked_of(concern) == Blocked{{"record_veilig_thuis_feedback", "not_reported"},
                                         {"give_feedback", "no_feedback_pending"},
                                         {"close", "melding_required"}});
    concern.reported = true;
    CHECK(allows(concern, "close"));

    concern.state = "consulted";
    concern.honour_related = true;
    const Blocked honour = blocked_of(concern);
    CHECK(std::count(
              honour.begin(), honour.end(),
              Blocked::value_type{"hold_conversation", "specialist_consultation_required"}) == 1);
    CHECK(std::count(
              honour.begin(), honour.end(),
              Blocked::value_type{"skip_conversation", "specialist_consultation_required"}) == 1);
    concern.specialist_consulted = true;
    CHECK(allows(concern, "hold_conversation"));
}

TEST_CASE("a blocked action is refused with the error its listing gave, and changes nothing",
          "[workflow][rules]") {
    const Workflow& wf = default_workflow();
    const auto state = GENERATE(from_range(default_states()));
    ConcernStatus concern;
    concern.state = state;
    concern.report_decided = true;
    concern.honour_related = true;
    for (const auto& [action, refusal] : wf.actions_now(concern).blocked) {
        INFO(action << " in " << state);
        ConcernStatus tried = concern;
        CHECK_THROWS_MATCHES(wf.apply(tried, action, valid_fields(action), today()), Error,
                             ErrorIs(MC_E_CONFLICT, refusal.code(), refusal.pointer()));
        CHECK(snapshot(tried) == snapshot(concern));
    }
}

}  // namespace meldcode::test
