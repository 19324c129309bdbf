// Retention periods by outcome and the redaction of exported dossiers: the
// pure rules, without a store.
#include <catch2/catch.hpp>

#include "core/redaction.h"
#include "core/retention.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

constexpr Timestamp kDay = Timestamp{24} * 3600;

ConcernStatus status(bool reported, bool help) {
    ConcernStatus s;
    s.state = "closed";
    s.reported = reported;
    s.help_arranged = help;
    return s;
}

}  // namespace

TEST_CASE("the outcome follows the status flags, a report outweighing help", "[retention]") {
    CHECK(outcome_of(status(false, false)) == Outcome::closed_without_action);
    CHECK(outcome_of(status(false, true)) == Outcome::help_arranged);
    CHECK(outcome_of(status(true, false)) == Outcome::reported);
    CHECK(outcome_of(status(true, true)) == Outcome::reported);
}

TEST_CASE("each outcome is due its own number of days after closing", "[retention]") {
    const RetentionPolicy policy = RetentionPolicy::from_config(
        json{{"closed_without_action_days", 3}, {"reported_days", 9}, {"host_event_days", 2}});
    CHECK(policy.purge_due_at(Outcome::closed_without_action, 100) == 100 + 3 * kDay);
    CHECK(policy.purge_due_at(Outcome::help_arranged, 100) == 100 + 1826 * kDay);  // default
    CHECK(policy.purge_due_at(Outcome::reported, 100) == 100 + 9 * kDay);
    CHECK(policy.host_events_due_before(10 * kDay) == 8 * kDay);
    // The first filter must let through everything any outcome could make due.
    CHECK(policy.latest_closing_due(10 * kDay) == 7 * kDay);
}

TEST_CASE("pseudonyms name identities, and replace them as words in free text", "[redaction]") {
    Pseudonyms p;
    p.add("tech-1", "observer");
    p.add("tech-10", "observer");
    p.add("tech-1", "actor");  // known already: keeps its first name
    CHECK(p.of("tech-1") == "[observer 1]");
    CHECK(p.of("tech-10") == "[observer 2]");
    CHECK(p.of("tech-100") == "tech-100");
    json doc{{"tech-1", "by tech-10 and tech-1."}, {"list", {"tech-1", 3, nullptr, "tech-100"}}};
    p.apply_to_text(doc);
    CHECK(doc == json{{"tech-1", "by [observer 2] and [observer 1]."},
                      {"list", {"[observer 1]", 3, nullptr, "tech-100"}}});
}

TEST_CASE("a short or numeric identity leaves words, dates and pseudonyms whole", "[redaction]") {
    Pseudonyms p;
    p.add("10", "observer");
    p.add("1", "actor");
    json doc{
        {"summary", "gemeld door 10 om 09:10 (10.5 uur), VHE10 en 1x; 10-rapport, 10. caf\u00e910"},
        {"called_at", "2026-11-10T10:10:00Z"},
        {"review_date", "2027-01-10"}};
    p.apply_to_text(doc);
    // "[observer 1]" is not rewritten by the identity "1" after it.
    CHECK(doc.at("summary") ==
          "gemeld door [observer 1] om 09:10 (10.5 uur), VHE10 en 1x; [observer 1]-rapport, "
          "[observer 1]. caf\u00e910");
    CHECK(doc.at("called_at") == "2026-11-10T10:10:00Z");
    CHECK(doc.at("review_date") == "2027-01-10");
}

TEST_CASE("redaction names are the schema's", "[redaction]") {
    for (const char* name : {"observer_identity", "actor_ids", "host_ticket_ids"}) {
        const auto r = redaction_from_name(name);
        REQUIRE(r);
        CHECK(redaction_name(*r) == name);
    }
    CHECK_FALSE(redaction_from_name("unit_id"));
}

}  // namespace meldcode::test
