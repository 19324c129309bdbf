// The melding draft for Veilig Thuis (issue 19), through the C ABI as a host
// sees it: a full scenario's draft holds every section with the recorded
// content, facts and interpretations labelled, and no identity the officer
// did not choose to include; bad requests are clear errors, audited, and
// change nothing stored. Every answer is checked against its schema.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "abi/schema_validator.h"
#include "concern_walk.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const json kErp = actor("host-erp-7", "integration");
const std::string kObservation = "Kind huilde achter een deur met een <slot> aan de buitenkant";
const std::string kInterpretation = "De opzichter denkt dat het kind wordt opgesloten";
const std::string kReading = "Ik duid de reactie als ontwijkend";
const std::string kNuisance = "Buren horen 's nachts geschreeuw";
const std::string kNotToShare = "Dat het kind zelf over het slot vertelde";

// The concern of the scenario, walked to the decision to report.
std::string scenario(const StoreFixture& store) {
    const auto& mc = store.mc();
    json technician = actor("tech-7", "observer");
    technician["organisation"] = "Aannemer Bouwbedrijf Noord";
    json s = ticket_submission(
        {{"host_ticket_id", "WO-4711"}, {"unit_id", "VHE-000321"}, {"household_ref", "HH-99"}},
        "draft-key-1", kObservation);
    s["children_involved"] = "yes";
    mc.submit_signals(technician, s);
    mc.report_host_event(kErp, {{"event_id", "EV-1"},
                                {"unit_id", "VHE-000321"},
                                {"household_ref", "HH-99"},
                                {"kind", "nuisance_complaint"},
                                {"occurred_at", "2026-11-24T22:30:00Z"},
                                {"description", kNuisance}});
    // The host's system submits for a technician it does not name.
    mc.submit_signals(kErp, ticket_submission({{"host_ticket_id", "WO-4712"},
                                               {"unit_id", "VHE-000321"},
                                               {"household_ref", "HH-99"}},
                                              "draft-key-2", "Deur opnieuw gerepareerd"));
    const std::string ref = store.only_concern_ref("VHE-000321");
    act(mc, ref, "assign", {{"assignee", "af-1"}});
    act(mc, ref, "record_people",
        {{"people",
          {{{"person", "adult A"}, {"relation", "possible_victim"}},
           {{"person", "adult B"}, {"relation", "suspected_perpetrator"}},
           {{"person", "child 1"}, {"relation", "child_witness"}, {"age", 7}}}}});
    act(mc, ref, "map_signals",
        {{"observations", "Slot op de buitenkant van de kinderkamer"},
         {"supporting_signals", "Geschreeuw gemeld door buren"},
         {"undermining_signals", "Geen letsel gezien"},
         {"children_involved", "yes"},
         {"sources", "de buurvrouw, via de opzichter"},
         {"interpretations", kInterpretation}});
    act(mc, ref, "consult",
        {{"consulted_with", "Veilig Thuis, anoniem advies"},
         {"consulted_at", "2026-11-25T09:00:00+01:00"},
         {"question", "Is dit een melding waard?"},
         {"advice", "Gesprek voeren en daarna afwegen"},
         {"veilig_thuis_consulted", true}});
    act(mc, ref, "refer",
        {{"route", "wijkteam"},
         {"receiving_party", "Wijkteam Oost"},
         {"referred_at", "2026-11-25T09:15:00Z"},
         {"sharing_basis", "consent"},
         {"sharing_justification", "de bewoner stemde in"}});
    act(mc, ref, "hold_conversation",
        {{"held_with", "adult A"},
         {"held_at", "2026-11-25T09:30:00Z"},
         {"facts_presented", "Het slot en het geschreeuw"},
         {"reaction", "Het slot is van de vorige huurder"},
         {"officer_reading", kReading}});
    act(mc, ref, "weigh",
        {{"suspicion", {{"answer", true}, {"explanation", "Slot en geschreeuw samen"}}},
         {"unsafety", {{"answer", true}, {"explanation", "Structureel: al maanden"}}}});
    act(mc, ref, "decide",
        {{"report", {{"decision", true}, {"rationale", "Norm 1: structurele onveiligheid"}}},
         {"help", decision(false)}});
    return ref;
}

json draft(const StoreFixture& store, const json& request) {
    json d = store.mc().melding_draft(officer(), request);
    REQUIRE(matches_schema("melding_draft", d));
    return d;
}

const json& section(const json& draft, const std::string& id) {
    for (const json& s : draft.at("sections")) {
        if (s.at("id") == id) return s;
    }
    FAIL("no section " << id);
    throw;
}

// Every item of a section whose text or label holds `needle`.
std::vector<json> items_with(const json& section, const std::string& needle) {
    std::vector<json> found;
    for (const json& part : section.at("parts")) {
        for (const json& item : part.at("items")) {
            const std::string text =
                item.at("label").get<std::string>() + "\n" + item.at("text").get<std::string>();
            if (text.find(needle) != std::string::npos) found.push_back(item);
        }
    }
    return found;
}

std::string kind_of(const json& section, const std::string& needle) {
    const auto found = items_with(section, needle);
    REQUIRE(found.size() == 1);
    return found.front().at("kind");
}

bool has_part(const json& section, const std::string& title_start) {
    for (const json& part : section.at("parts")) {
        if (part.at("title").get<std::string>().rfind(title_start, 0) == 0) return true;
    }
    return false;
}

long long audited(const StoreFixture& store, const std::string& action) {
    return std::stoll(store.sql("SELECT count(*) FROM audit WHERE action = '" + action + "'"));
}

}  // namespace

TEST_CASE("a melding draft holds every section with the concern as recorded") {
    StoreFixture store;
    const std::string ref = scenario(store);
    const auto before = store.data_fingerprint();

    const json d = draft(store, {{"concern_ref", ref}});
    CHECK(d.at("concern_ref") == ref);
    std::vector<std::string> ids;
    for (const json& s : d.at("sections")) ids.push_back(s.at("id"));
    CHECK(ids == std::vector<std::string>{"melder", "betrokkenen", "melding",
                                          "ondersteunend_netwerk", "overige_informatie"});
    CHECK(d.at("notice").get<std::string>().find("«in te vullen: …»") != std::string::npos);
    CHECK(d.at("dated") == "25-11-2026 11:00");  // the fixed clock, in Amsterdam

    // Melder: the places for the corporation and the officer; the technician
    // not named.
    const json& melder = section(d, "melder");
    CHECK(kind_of(melder, "Woningcorporatie") == "fill_in");
    CHECK(items_with(melder, "niet genoemd").size() == 1);

    // Betrokkenen: roles, relations and the child's age, names to fill in.
    const json& people = section(d, "betrokkenen");
    CHECK(has_part(people, "Volwassene A"));
    CHECK(has_part(people, "Volwassene B"));
    CHECK(has_part(people, "Kind 1"));
    CHECK(items_with(people, "Mogelijk slachtoffer").size() == 1);
    CHECK(items_with(people, "Vermoedelijke pleger").size() == 1);
    CHECK(items_with(people, "7 jaar").size() == 1);
    CHECK(items_with(people, "naam en geboortedatum uit het eigen systeem").size() == 3);
    CHECK(kind_of(people, "Adres") == "fill_in");

    // Melding: the signals, the host's event, every step, facts and
    // interpretations labelled, the afwegingskader's answers.
    const json& melding = section(d, "melding");
    CHECK(kind_of(melding, kObservation) == "fact");
    CHECK(kind_of(melding, kNuisance) == "fact");
    CHECK(kind_of(melding, "Slot op de buitenkant van de kinderkamer") == "fact");
    CHECK(kind_of(melding, kInterpretation) == "interpretation");
    CHECK(kind_of(melding, "Het slot is van de vorige huurder") == "fact");
    CHECK(kind_of(melding, kReading) == "interpretation");
    CHECK(items_with(melding, "de buurvrouw, via de opzichter").size() == 1);
    CHECK(items_with(melding, "Afweging 1:").at(0).at("text") == "Ja. Slot en geschreeuw samen");
    CHECK(items_with(melding, "Afweging 2:").at(0).at("text") == "Ja. Structureel: al maanden");
    CHECK(items_with(melding, "Norm 1: structurele onveiligheid").size() == 1);
    CHECK(has_part(melding, "Stap 1: "));
    CHECK(has_part(melding, "Stap 3: "));
    CHECK(has_part(melding, "Stap 4: "));
    CHECK(has_part(melding, "Stap 5: "));
    CHECK(has_part(melding, "Overlastmelding over de woning"));

    // Ondersteunend netwerk: the consultation and the route.
    const json& network = section(d, "ondersteunend_netwerk");
    CHECK(has_part(network, "Stap 2: "));
    CHECK(items_with(network, "Gesprek voeren en daarna afwegen").size() == 1);
    CHECK(items_with(network, "Wijkteam Oost").size() == 1);
    CHECK(kind_of(network, "Hulpverleners") == "fill_in");

    // Overige informatie before the melding is recorded: all to decide.
    const json& other = section(d, "overige_informatie");
    CHECK(kind_of(other, "Cliënt vooraf ingelicht") == "fill_in");
    CHECK(kind_of(other, "Melder wil anoniem blijven voor het gezin") == "fill_in");
    CHECK(kind_of(other, "Niet delen met het gezin") == "fill_in");

    // The document says the same, with each section's title and content.
    const std::string text = d.at("text");
    for (const char* title : {"1. Melder", "2. Betrokkenen", "3. Melding",
                              "4. Ondersteunend netwerk", "5. Overige informatie"}) {
        CHECK(text.find(title) != std::string::npos);
    }
    CHECK(text.find("Waarneming van de medewerker (feit): " + kObservation) != std::string::npos);
    CHECK(text.find("Interpretaties (interpretatie): " + kInterpretation) != std::string::npos);
    const std::string html = d.at("html");
    CHECK(html.find("&lt;slot&gt;") != std::string::npos);
    CHECK(html.find("<slot>") == std::string::npos);
    CHECK(html.find("<h2>5. Overige informatie</h2>") != std::string::npos);

    // Drafting stores nothing but its audit row.
    CHECK(store.data_fingerprint() == before);
    CHECK(audited(store, "concern.melding_draft") == 1);
}

TEST_CASE("a melding draft after the melding holds what was recorded with it") {
    StoreFixture store;
    const std::string ref = scenario(store);
    json fields = melding("2026-11-25T09:45:00Z");
    fields["not_to_share_with_family"] = kNotToShare;
    act(store.mc(), ref, "report_to_veilig_thuis", fields);

    const json reported = draft(store, {{"concern_ref", ref}});
    const json& other = section(reported, "overige_informatie");
    CHECK(items_with(other, "Cliënt vooraf ingelicht").at(0).at("text") == "nee");
    CHECK(items_with(other, "Het kind zou gevaar lopen.").size() == 1);
    CHECK(items_with(other, "Melder wil anoniem blijven voor het gezin").at(0).at("text") == "ja");
    CHECK(items_with(other, "blijft reparaties doen").size() == 1);
    CHECK(items_with(other, kNotToShare).size() == 1);
    CHECK(items_with(other, "«in te vullen").empty());

    SECTION("a melding recorded without what not to share asks for it") {
        act(store.mc(), ref, "report_to_veilig_thuis", melding("2026-11-25T09:50:00Z"));
        const json latest = draft(store, {{"concern_ref", ref}});
        const json& again = section(latest, "overige_informatie");
        CHECK(kind_of(again, "Niet delen met het gezin") == "fill_in");
        CHECK(items_with(again, kNotToShare).empty());  // the latest melding counts
    }
}

TEST_CASE("a melding draft names no identity the officer did not choose to include") {
    StoreFixture store;
    const std::string ref = scenario(store);
    const json unnamed = draft(store, {{"concern_ref", ref}, {"include_observer", false}});
    const std::string all = unnamed.dump();
    // The observer, their organisation, the host's ticket, unit and household
    // ids, the integration, the officer's own id: none of them.
    for (const char* identity : {"tech-7", "Aannemer Bouwbedrijf Noord", "WO-4711", "WO-4712",
                                 "VHE-000321", "HH-99", "host-erp-7", "EV-1", "af-1"}) {
        INFO(identity);
        CHECK(all.find(identity) == std::string::npos);
    }
    CHECK(unnamed == draft(store, {{"concern_ref", ref}}));  // the default

    const json named = draft(store, {{"concern_ref", ref}, {"include_observer", true}});
    CHECK(named.at("include_observer") == true);
    const json& melder = section(named, "melder");
    CHECK(items_with(melder, "medewerker tech-7 (Aannemer Bouwbedrijf Noord)").size() == 1);
    CHECK(items_with(melder,
                     "gemeld via het systeem van de woningcorporatie (koppeling "
                     "host-erp-7)")
              .size() == 1);
    for (const json& item : items_with(melder, "naam en telefoonnummer van deze medewerker")) {
        CHECK(item.at("kind") == "fill_in");
    }
    CHECK(items_with(melder, "naam en telefoonnummer van deze medewerker").size() == 2);
    CHECK(named.at("text").get<std::string>().find("tech-7") != std::string::npos);
    for (const char* identity : {"WO-4711", "WO-4712", "VHE-000321", "HH-99", "EV-1"}) {
        INFO(identity);
        CHECK(named.dump().find(identity) == std::string::npos);
    }
}

TEST_CASE("only officers draft a melding, and each refusal is audited") {
    StoreFixture store;
    const std::string ref = scenario(store);
    store.check_refused(store.mc().plugin().api().concern_melding_draft, {{"concern_ref", ref}},
                        {"observer", "auditor", "admin", "integration", "manager"},
                        "draft_melding");
    CHECK(audited(store, "concern.melding_draft") == 0);
}

TEST_CASE("a bad melding draft request is a clear error, audited, and changes nothing") {
    StoreFixture store;
    const std::string ref = scenario(store);
    const auto fn = store.mc().plugin().api().concern_melding_draft;
    const std::string officer_text = officer().dump();
    const long long refused_before = audited(store, "denied.draft_melding");
    long long refusals = 0;
    const auto rejected = [&](const std::string& payload, const Expect& expected) {
        INFO(payload);
        expect_rejected(store, fn, officer_text.c_str(), payload.c_str(), expected, "geheim");
        CHECK(audited(store, "denied.draft_melding") == refused_before + ++refusals);
    };
    rejected(json{{"concern_ref", "c_AAAAAAAAAAAAAAAAAAAAAA"}}.dump(),
             {MC_E_NOT_FOUND, "not_found", "/concern_ref"});
    rejected("{\"concern_ref\": ", {MC_E_JSON, "invalid_json", ""});
    rejected(json{{"concern_ref", 42}}.dump(), {MC_E_PAYLOAD, "schema_violation", "/concern_ref"});
    rejected(json{{"concern_ref", ref}, {"include_observer", "geheim"}}.dump(),
             {MC_E_PAYLOAD, "schema_violation", "/include_observer"});
    rejected(json{{"include_observer", true}}.dump(),
             {MC_E_PAYLOAD, "missing_field", "/concern_ref"});
    // A member the schema does not know: refused at the object (as everywhere).
    rejected(json{{"concern_ref", ref}, {"name", "geheim"}}.dump(),
             {MC_E_PAYLOAD, "schema_violation", ""});
    CHECK(audited(store, "concern.melding_draft") == 0);
}
