// The named rules of the default workflow: the assessment framework (step 4),
// the decision and the review (step 5), the acute path, feedback and close.
#include <functional>

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
        CHECK(after.reported == row.report);
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
        CHECK(after.reported == row.report.value_or(false));
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
}

}  // namespace meldcode::test
