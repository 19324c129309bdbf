#include "concern_walk.h"

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"

namespace meldcode::test {

json officer() {
    return actor("af-1", "officer");
}

json act(const sdk::Instance& mc, const std::string& ref, const std::string& action,
         const json& fields) {
    json concern =
        mc.act(officer(), {{"concern_ref", ref}, {"action", action}, {"fields", fields}});
    REQUIRE(matches_schema("concern", concern));
    return concern;
}

json answer(bool yes) {
    return {{"answer", yes}, {"explanation", "toelichting"}};
}

json decision(bool yes) {
    return {{"decision", yes}, {"rationale", "onderbouwing"}};
}

void walk_to_decision(const sdk::Instance& mc, const std::string& ref) {
    act(mc, ref, "assign", {{"assignee", "af-1"}});
    act(mc, ref, "map_signals",
        {{"observations", "feiten"},
         {"supporting_signals", "gat in deur"},
         {"undermining_signals", "geen"},
         {"children_involved", "yes"}});
    act(mc, ref, "consult",
        {{"consulted_with", "Veilig Thuis"},
         {"consulted_at", "2026-11-25T09:00:00+01:00"},
         {"question", "vraag"},
         {"advice", "advies"}});
    act(mc, ref, "hold_conversation",
        {{"held_with", "bewoner"},
         {"held_at", "2026-11-25T09:30:00Z"},
         {"facts_presented", "feiten"},
         {"reaction", "reactie"},
         {"officer_reading", "duiding"}});
}

json melding(const std::string& reported_at) {
    return {{"reported_at", reported_at},
            {"channel", "phone"},
            {"region", "Utrecht"},
            {"reference", "VT-123"},
            {"client_informed", false},
            {"not_informed_reason", "Het kind zou gevaar lopen."},
            {"reporter_unnamed_to_family", true},
            {"corporation_role", "blijft reparaties doen en meldt nieuwe signalen"}};
}

json report_to_veilig_thuis(const sdk::Instance& mc, const std::string& ref,
                            const std::string& reported_at) {
    return act(mc, ref, "report_to_veilig_thuis", melding(reported_at));
}

void walk_to_monitoring(const sdk::Instance& mc, const std::string& ref,
                        const std::string& review_date) {
    walk_to_decision(mc, ref);
    act(mc, ref, "weigh",
        {{"suspicion", answer(true)},
         {"unsafety", answer(false)},
         {"help_possible", answer(true)},
         {"help_accepted", answer(true)}});
    act(mc, ref, "decide",
        {{"report", decision(false)},
         {"help", decision(true)},
         {"monitoring_agreements", "wijkteam belt wekelijks"},
         {"review_date", review_date}});
}

json released_export(const sdk::Instance& mc, const json& request) {
    json asked = request;
    if (!asked.contains("requester_relation")) asked["requester_relation"] = "possible_victim";
    const json pending = mc.export_concern(officer(), asked);
    REQUIRE(matches_schema("export_pending", pending));
    const json dossier = mc.export_concern(
        actor("af-2", "officer"), {{"export_ref", pending.at("export_ref")}, {"approve", true}});
    REQUIRE(matches_schema("dossier", dossier));
    return dossier;
}

void close_with(const sdk::Instance& mc, const std::string& ref, Ending ending) {
    if (ending != Ending::help_arranged) walk_to_decision(mc, ref);
    switch (ending) {
        case Ending::without_action:
            act(mc, ref, "weigh", {{"suspicion", answer(false)}});
            act(mc, ref, "decide", {{"report", decision(false)}, {"help", decision(false)}});
            break;
        case Ending::help_arranged:
            walk_to_monitoring(mc, ref, "2026-11-25");
            act(mc, ref, "review", {{"help_effective", answer(true)}});
            break;
        case Ending::reported:
            act(mc, ref, "weigh", {{"suspicion", answer(true)}, {"unsafety", answer(true)}});
            act(mc, ref, "decide", {{"report", decision(true)}, {"help", decision(false)}});
            report_to_veilig_thuis(mc, ref, "2026-11-25T09:45:00Z");
            break;
    }
    act(mc, ref, "give_feedback", json::object());
    const json closed = act(mc, ref, "close", {{"reason", "afgerond"}});
    REQUIRE(closed.at("state") == "closed");
}

}  // namespace meldcode::test
