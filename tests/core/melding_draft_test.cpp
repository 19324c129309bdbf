// The melding draft as the pure core builds and renders it (core/melding_draft.h):
// what the definition says about sections and the nature of fields decides
// where a recorded action shows and how it is labelled; recorded text is
// escaped in the HTML and stays under its item in the plain text.
#include <catch2/catch.hpp>

#include "core/melding_draft.h"
#include "core_test_support.h"

using meldcode::DraftEntry;
using meldcode::DraftSource;
using meldcode::test::today;
using nlohmann::json;

namespace {

DraftEntry note(const std::string& facts, const std::string& interpretation) {
    return {"action",
            today().now,
            {"af-1", meldcode::Role::officer},
            {{"action", "add_note"},
             {"fields",
              {{"occurred_at", "2026-03-01T09:00:00Z"},
               {"facts", facts},
               {"interpretation", interpretation},
               {"interpretation_of", "de opzichter"}}}}};
}

json build(const json& workflow, const std::vector<DraftEntry>& chronology) {
    const meldcode::ConcernStatus status;
    static const meldcode::test::UtcCalendar calendar;
    return meldcode::melding_draft(DraftSource{status, chronology, workflow, calendar, today().now},
                                   {"c_AAAAAAAAAAAAAAAAAAAAAA", false});
}

const json& melding_section(const json& draft) {
    return draft.at("sections").at(2);
}

}  // namespace

TEST_CASE("a note's facts and interpretation are labelled in the draft as the definition says") {
    const json& workflow = meldcode::test::default_workflow().view("nl");
    const json draft = build(workflow, {note("Deur stuk\nslot eraf", "Woede <\"&'>")});
    const json& part = melding_section(draft).at("parts").at(0);
    CHECK(part.at("title") == "Notitie of contact vastleggen (01-03-2026 12:00)");
    const json& items = part.at("items");
    REQUIRE(items.size() == 4);
    CHECK(items[1] ==
          json{{"label", "Feiten"}, {"text", "Deur stuk\nslot eraf"}, {"kind", "fact"}});
    CHECK(items[2].at("kind") == "interpretation");
    CHECK(items[3] ==
          json{{"label", "Interpretatie van"}, {"text", "de opzichter"}, {"kind", "recorded"}});

    const std::string text = draft.at("text");
    CHECK(text.find("   - Feiten (feit): Deur stuk\n     slot eraf\n") != std::string::npos);
    const std::string html = draft.at("html");
    CHECK(html.find("Woede &lt;&quot;&amp;&#39;&gt;") != std::string::npos);
    CHECK(html.find("Deur stuk<br>slot eraf") != std::string::npos);
    CHECK(html.find("<dt>Feiten <span class=\"kind\">(feit)</span></dt>") != std::string::npos);
}

TEST_CASE("an action the definition gives no draft section stays out of the draft") {
    json workflow = meldcode::test::default_workflow().view("nl");
    for (json& action : workflow.at("actions")) action.erase("draft_section");
    const json draft = build(workflow, {note("Deur stuk", "Woede")});
    CHECK(melding_section(draft).at("parts").empty());
    CHECK(draft.dump().find("Deur stuk") == std::string::npos);
    // Without a melding in the definition, nothing is asked under Overige informatie.
    CHECK(draft.at("sections").at(4).at("parts").at(0).at("items").empty());
}
