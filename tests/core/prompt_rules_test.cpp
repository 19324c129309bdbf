// When a technician is asked, at ticket close, whether anything worrying was seen.
#include "core/prompt_rules.h"
#include "core_test_support.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

constexpr Timestamp kHour = 3600;

Timestamp now() {
    static const Timestamp t = *parse_timestamp("2026-03-01T12:00:00Z");
    return t;
}

// A ticket the default rules ask about: entered, closed an hour ago.
TicketClosed ticket() {
    TicketClosed t;
    t.host_ticket_id = "WO-2026-0042";
    t.unit_id = "unit-17";
    t.work_type = "plumbing";
    t.entered_dwelling = true;
    t.technician_id = "tech-3";
    t.closed_at = now() - kHour;
    return t;
}

const json kConfig{{"work_types", {"plumbing", "carpentry", "locks"}},
                   {"excluded_work_types", {"locks"}},
                   {"require_entered_dwelling", true},
                   {"opted_out_technicians", {"tech-9"}},
                   {"max_ticket_age_hours", 24}};

}  // namespace
}  // namespace meldcode::test

namespace Catch {
template <>
struct StringMaker<meldcode::PromptDecision> {
    static std::string convert(meldcode::PromptDecision d) {
        return std::string(meldcode::decision_name(d));
    }
};
}  // namespace Catch

namespace meldcode::test {

TEST_CASE("prompt rules default to asking after any entered dwelling within 72 h", "[prompt]") {
    const auto config = GENERATE(json::object(), json(nullptr));
    const PromptRules rules = PromptRules::from_config(config);
    CHECK(rules.work_types.empty());
    CHECK(rules.excluded_work_types.empty());
    CHECK(rules.require_entered_dwelling);
    CHECK(rules.opted_out_technicians.empty());
    CHECK(rules.max_ticket_age_hours == 72);
    CHECK(decide_prompt(rules, ticket(), now()) == PromptDecision::ask);
}

TEST_CASE("prompt rules read every member of the configuration", "[prompt]") {
    const PromptRules rules = PromptRules::from_config(kConfig);
    CHECK(rules.work_types == std::vector<std::string>{"plumbing", "carpentry", "locks"});
    CHECK(rules.excluded_work_types == std::vector<std::string>{"locks"});
    CHECK(rules.require_entered_dwelling);
    CHECK(rules.opted_out_technicians == std::vector<std::string>{"tech-9"});
    CHECK(rules.max_ticket_age_hours == 24);
    CHECK_FALSE(
        PromptRules::from_config({{"require_entered_dwelling", false}}).require_entered_dwelling);
}

TEST_CASE("each reason not to ask, and ask", "[prompt]") {
    struct Row {
        const char* what;
        json config;
        void (*change)(TicketClosed&);
        PromptDecision expected;
        const char* name;
    };
    const auto row = GENERATE(values<Row>({
        {"a plain ticket", kConfig, [](TicketClosed&) {}, PromptDecision::ask, "ask"},
        {"dwelling not entered", kConfig, [](TicketClosed& t) { t.entered_dwelling = false; },
         PromptDecision::not_entered_dwelling, "not_entered_dwelling"},
        {"dwelling not entered, not required",
         {{"require_entered_dwelling", false}},
         [](TicketClosed& t) { t.entered_dwelling = false; },
         PromptDecision::ask,
         "ask"},
        {"work type not listed", kConfig, [](TicketClosed& t) { t.work_type = "painting"; },
         PromptDecision::work_type_not_included, "work_type_not_included"},
        {"work type listed and excluded", kConfig, [](TicketClosed& t) { t.work_type = "locks"; },
         PromptDecision::work_type_excluded, "work_type_excluded"},
        {"work type excluded, no list",
         {{"excluded_work_types", {"gardening"}}},
         [](TicketClosed& t) { t.work_type = "gardening"; },
         PromptDecision::work_type_excluded,
         "work_type_excluded"},
        {"technician opted out", kConfig, [](TicketClosed& t) { t.technician_id = "tech-9"; },
         PromptDecision::technician_opted_out, "technician_opted_out"},
        {"closed a day and a second ago", kConfig,
         [](TicketClosed& t) { t.closed_at = now() - 24 * kHour - 1; },
         PromptDecision::ticket_too_old, "ticket_too_old"},
        {"closed exactly a day ago", kConfig,
         [](TicketClosed& t) { t.closed_at = now() - 24 * kHour; }, PromptDecision::ask, "ask"},
        {"closed 72 h and a second ago, default", json::object(),
         [](TicketClosed& t) { t.closed_at = now() - 72 * kHour - 1; },
         PromptDecision::ticket_too_old, "ticket_too_old"},
        {"closed exactly 72 h ago, default", json::object(),
         [](TicketClosed& t) { t.closed_at = now() - 72 * kHour; }, PromptDecision::ask, "ask"},
        {"closed in the future (host clock ahead)", kConfig,
         [](TicketClosed& t) { t.closed_at = now() + kHour; }, PromptDecision::ask, "ask"},
    }));
    INFO(row.what);
    TicketClosed t = ticket();
    row.change(t);
    const PromptDecision decision = decide_prompt(PromptRules::from_config(row.config), t, now());
    CHECK(decision_name(decision) == row.name);
    CHECK(decision == row.expected);
}

TEST_CASE("an extension's rule adds work types and overrides nothing else", "[prompt]") {
    const auto rules = PromptRules::from_config(kConfig);
    int asked = 0;
    const auto extension_asks = [&asked] {
        ++asked;
        return true;
    };
    TicketClosed t = ticket();
    t.work_type = "pest_control";
    CHECK(decide_prompt(rules, t, now(), extension_asks) == PromptDecision::ask);
    CHECK(decide_prompt(rules, t, now(), [] { return false; }) ==
          PromptDecision::work_type_not_included);
    CHECK(decide_prompt(rules, t, now()) == PromptDecision::work_type_not_included);
    asked = 0;
    // Only a work type missing from the list asks the extension.
    CHECK(decide_prompt(rules, ticket(), now(), extension_asks) == PromptDecision::ask);
    CHECK(asked == 0);
    t.technician_id = "tech-9";
    CHECK(decide_prompt(rules, t, now(), extension_asks) == PromptDecision::technician_opted_out);
    t = ticket();
    t.work_type = "locks";  // listed and excluded: the exclusion holds
    CHECK(decide_prompt(rules, t, now(), extension_asks) == PromptDecision::work_type_excluded);
    t.work_type = "pest_control";
    t.closed_at = now() - 25 * kHour;
    CHECK(decide_prompt(rules, t, now(), extension_asks) == PromptDecision::ticket_too_old);
    t.closed_at = now() - kHour;
    t.entered_dwelling = false;
    CHECK(decide_prompt(rules, t, now(), extension_asks) == PromptDecision::not_entered_dwelling);
}

TEST_CASE("every prompt decision has its own name", "[prompt]") {
    const std::vector<std::pair<PromptDecision, std::string>> names{
        {PromptDecision::ask, "ask"},
        {PromptDecision::already_prompted, "already_prompted"},
        {PromptDecision::not_entered_dwelling, "not_entered_dwelling"},
        {PromptDecision::work_type_not_included, "work_type_not_included"},
        {PromptDecision::work_type_excluded, "work_type_excluded"},
        {PromptDecision::technician_opted_out, "technician_opted_out"},
        {PromptDecision::ticket_too_old, "ticket_too_old"}};
    for (const auto& [decision, name] : names) CHECK(decision_name(decision) == name);
}

}  // namespace meldcode::test
