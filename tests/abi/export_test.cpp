// The data-subject export through the C ABI: the whole dossier, third
// parties redacted everywhere in it, officers only, every export audited.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"
#include "concern_walk.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const std::string kObserverId = "tech-DISTINCT-8086";
const std::string kTicketId = "WO-DISTINCT-3141";
const std::string kObservation = "Kind-achter-afgesloten-deur-DISTINCT-77";
const std::string kReaction = "Bewoner-ontkent-DISTINCT-REACTIE-12";

// One concern: a submission by kObserverId on kTicketId, a host event, and
// the officer's steps up to a report, one of which names the observer.
std::string dossier_concern(const StoreFixture& store) {
    const auto& mc = store.mc();
    mc.submit_signals(actor(kObserverId, "observer"),
                      ticket_submission({{"host_ticket_id", kTicketId}, {"unit_id", "VHE-EXPORT"}},
                                        "key-export-1", kObservation));
    mc.report_host_event(actor("erp", "integration"), {{"event_id", "EV-EXPORT"},
                                                       {"unit_id", "VHE-EXPORT"},
                                                       {"kind", "nuisance_complaint"},
                                                       {"occurred_at", kNow}});
    std::string ref = store.only_concern_ref("VHE-EXPORT");
    act(mc, ref, "record_acute",
        {{"called_112", false},
         {"called_veilig_thuis", true},
         {"veilig_thuis_call", "report"},
         {"called_at", kNow},
         {"summary", kReaction + ", gemeld door " + kObserverId}});
    close_with(mc, ref, Ending::reported);
    return ref;
}

json export_of(const StoreFixture& store, const std::string& ref, const json& redact = nullptr) {
    json request{{"concern_ref", ref}};
    if (!redact.is_null()) request["redact"] = redact;
    return released_export(store.mc(), request);
}

bool contains(const json& document, const std::string& text) {
    return document.dump().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("an export holds the whole dossier as it was recorded") {
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json dossier = export_of(store, ref);
    const json concern = store.mc().get_concern(officer(), {{"concern_ref", ref}});

    CHECK(dossier.at("format") == "meldcode.dossier/1");
    CHECK(dossier.at("exported_at") == kNow);
    CHECK(dossier.at("concern").at("concern_ref") == ref);
    CHECK(dossier.at("concern").at("state") == "closed");
    CHECK(dossier.at("concern").at("reported") == true);
    CHECK(dossier.at("outcome") == "reported");
    CHECK(dossier.at("concern").at("closed_at") == kNow);
    CHECK(dossier.at("concern").at("legal_hold") == nullptr);
    CHECK(dossier.at("assessment").at("unsafety").at("answer") == true);
    REQUIRE(dossier.at("submissions").size() == 1);
    CHECK(dossier.at("submissions").at(0).at("host_ticket_id") == kTicketId);
    CHECK(dossier.at("submissions").at(0).at("handled_at") == kNow);

    // The chronology is the officer's, but for the redacted observer.
    const json& chronology = dossier.at("chronology");
    REQUIRE(chronology.size() == concern.at("chronology").size());
    CHECK(chronology.at(0).at("data").at("observations") == kObservation);
    CHECK(chronology.at(0).at("data").at("signals") == json{"mc.children.lock_on_outside_of_room"});
    CHECK(chronology.at(1).at("kind") == "host_event");
    for (std::size_t i = 1; i < chronology.size(); ++i) {
        json recorded = concern.at("chronology").at(i);
        if (recorded.at("data").contains("fields") &&
            recorded.at("data").at("fields").contains("summary")) {
            continue;  // names the observer: compared below, redacted
        }
        CHECK(chronology.at(i) == recorded);
    }
    CHECK(contains(dossier, kReaction));
    CHECK(contains(dossier, "\"step\":4"));
    CHECK(contains(dossier, "\"action\":\"decide\""));
}

TEST_CASE("the observer's identity is redacted everywhere by default") {
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json dossier = export_of(store, ref);
    CHECK(dossier.at("redacted") == json{"observer_identity"});
    CHECK_FALSE(contains(dossier, kObserverId));
    CHECK(dossier.at("submissions").at(0).at("observer_id") == "[observer 1]");
    CHECK(dossier.at("chronology").at(0).at("actor").at("id") == "[observer 1]");
    CHECK(contains(dossier, kReaction + ", gemeld door [observer 1]"));
    // Not redacted unless asked: the officer and the host's ticket.
    CHECK(contains(dossier, "af-1"));
    CHECK(contains(dossier, kTicketId));
}

TEST_CASE("a short numeric identity is redacted without cutting times, units or refs apart") {
    // Host user ids like "10" are common; "10" also occurs in "10:00", in
    // "VHE-10" and possibly in a ref.
    StoreFixture store;
    const auto& mc = store.mc();
    mc.submit_signals(actor("10", "observer"),
                      ticket_submission({{"host_ticket_id", "WO-7"}, {"unit_id", "VHE-10"}},
                                        "key-export-10", "gezien om 10:00"));
    const std::string ref = store.only_concern_ref("VHE-10");
    act(mc, ref, "record_acute",
        {{"called_112", false},
         {"called_veilig_thuis", true},
         {"veilig_thuis_call", "report"},
         {"called_at", kNow},
         {"summary", "gemeld door 10 om 10:10, bevestigd door 10."}});
    close_with(mc, ref, Ending::reported);
    const json recorded = mc.get_concern(officer(), {{"concern_ref", ref}});

    const json dossier = export_of(store, ref);  // answers are checked against the schema

    CHECK(dossier.at("concern").at("unit_id") == "VHE-10");
    CHECK(dossier.at("concern").at("created_at") == recorded.at("created_at"));
    CHECK(dossier.at("submissions").at(0).at("observer_id") == "[observer 1]");
    CHECK(dossier.at("submissions").at(0).at("submitted_at") == kNow);
    const json& chronology = dossier.at("chronology");
    REQUIRE(chronology.size() == recorded.at("chronology").size());
    CHECK(chronology.at(0).at("actor").at("id") == "[observer 1]");
    CHECK(chronology.at(0).at("data").at("observations") == "gezien om 10:00");
    for (std::size_t i = 0; i < chronology.size(); ++i) {
        CHECK(chronology.at(i).at("at") == recorded.at("chronology").at(i).at("at"));
    }
    CHECK(contains(
        dossier,
        "\"summary\":\"gemeld door [observer 1] om 10:10, bevestigd door [observer 1].\""));
    CHECK(contains(dossier, "\"called_at\":\"" + std::string(kNow) + "\""));
    CHECK(contains(dossier, ref));
}

TEST_CASE("a request may redact more than the configuration, never less") {
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json stricter = export_of(store, ref, {"actor_ids", "host_ticket_ids"});
    CHECK(stricter.at("redacted") == json{"observer_identity", "actor_ids", "host_ticket_ids"});
    for (const std::string& identity :
         {kObserverId, kTicketId, std::string("af-1"), std::string("\"erp\"")}) {
        INFO(identity);
        CHECK_FALSE(contains(stricter, identity));
    }
    CHECK(export_of(store, ref, json::array()).at("redacted") == json{"observer_identity"});
}

TEST_CASE("a configuration without redaction exports identities unless the request asks") {
    StoreFixture store(json{{"export", {{"redact", json::array()}}}});
    const std::string ref = dossier_concern(store);
    const json plain = export_of(store, ref);
    CHECK(plain.at("redacted") == json::array());
    CHECK(contains(plain, kObserverId));
    const json asked = export_of(store, ref, {"observer_identity"});
    CHECK_FALSE(contains(asked, kObserverId));
}

TEST_CASE("every export is audited and only officers may export") {
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    export_of(store, ref);
    // Requested by one officer, released by another.
    CHECK(store.audit_actors("concern.export") ==
          "concern.export_requested|af-1|\nconcern.export|af-2|\n");

    store.check_refused(store.mc().plugin().api().concern_export,
                        {{"concern_ref", ref}, {"requester_relation", "other"}},
                        {"observer", "auditor", "admin", "integration"}, "export_concern");
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'concern.export'") == "1|\n");
}

TEST_CASE("an export waits in every officer's due steps until a second officer releases it") {
    // The second officer needs the request's ref; without this list only
    // the first could pass it on.
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json pending = store.mc().export_concern(
        actor("af-1", "officer"),
        {{"concern_ref", ref}, {"requester_relation", "possible_victim"}});
    const auto awaiting = [&store](const std::string& who) {
        const json due = store.mc().steps_due(actor(who, "officer"));
        REQUIRE(matches_schema("due_steps", due));
        json exports = json::array();
        for (const auto& step : due.at("due")) {
            if (step.at("reminder") == "export_awaiting_approval") exports.push_back(step);
        }
        return exports;
    };
    const json step{{"concern_ref", ref},
                    {"action", "approve_export"},
                    {"due_date", std::string(kNow).substr(0, 10)},
                    {"reminder", "export_awaiting_approval"},
                    {"export_ref", pending.at("export_ref")}};
    CHECK(awaiting("af-2") == json::array({step}));
    CHECK(awaiting("af-1") == json::array({step}));
    store.mc().export_concern(actor("af-2", "officer"),
                              {{"export_ref", pending.at("export_ref")}, {"approve", true}});
    CHECK(awaiting("af-2").empty());
}

TEST_CASE("the second officer reads the request before approving it") {
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json chronology =
        store.mc().get_concern(actor("af-1", "officer"), {{"concern_ref", ref}}).at("chronology");
    const json request{{"concern_ref", ref},
                       {"requester_relation", "suspected_perpetrator"},
                       {"withhold",
                        {{{"entry_id", chronology.at(0).at("entry_id")},
                          {"reason", "safety_of_others"},
                          {"explanation", "what the victim disclosed"}}}}};
    const json pending = store.mc().export_concern(actor("af-1", "officer"), request);
    const json look{{"export_ref", pending.at("export_ref")}};
    const json seen = store.mc().export_concern(actor("af-2", "officer"), look);
    REQUIRE(matches_schema("export_pending", seen));
    CHECK(seen == pending);  // as recorded: who asked, for whom, what is withheld and why
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'concern.export_request_read'") ==
          "1|\n");
    CHECK(store.sql("SELECT count(*) FROM export_requests WHERE released_at IS NULL") == "1|\n");
    store.check_refused(store.mc().plugin().api().concern_export, look,
                        {"observer", "auditor", "admin", "integration"}, "export_concern");
    store.mc().export_concern(actor("af-2", "officer"),
                              {{"export_ref", pending.at("export_ref")}, {"approve", true}});
    expect_rejected(store, store.mc().plugin().api().concern_export,
                    actor("af-2", "officer").dump().c_str(), look.dump().c_str(),
                    {MC_E_CONFLICT, "export_released", "/export_ref"}, kObservation);
}

TEST_CASE("an export is not released with what was added after its request") {
    // What the first officer withholds is decided on the chronology as it
    // was: a note or a new submission since (a victim's new address) was
    // never weighed, and would reach a suspected perpetrator unseen.
    StoreFixture store;
    store.mc().submit_signals(
        actor(kObserverId, "observer"),
        ticket_submission({{"host_ticket_id", kTicketId}, {"unit_id", "VHE-OPEN"}}, "key-open-1",
                          kObservation));
    const std::string ref = store.only_concern_ref("VHE-OPEN");
    const json pending = store.mc().export_concern(
        actor("af-1", "officer"),
        {{"concern_ref", ref}, {"requester_relation", "suspected_perpetrator"}});
    const std::string new_address = "Nieuw-adres-DISTINCT-4242";
    act(store.mc(), ref, "add_note", {{"occurred_at", kNow}, {"facts", new_address}});
    const json approval{{"export_ref", pending.at("export_ref")}, {"approve", true}};
    expect_rejected(store, store.mc().plugin().api().concern_export,
                    actor("af-2", "officer").dump().c_str(), approval.dump().c_str(),
                    {MC_E_CONFLICT, "concern_changed", "/export_ref"}, new_address);
    CHECK(store.sql("SELECT count(*) FROM export_requests WHERE released_at IS NULL") == "1|\n");
    expect_rejected(store, store.mc().plugin().api().concern_export,
                    actor("af-2", "officer").dump().c_str(),
                    json{{"export_ref", pending.at("export_ref")}}.dump().c_str(),
                    {MC_E_CONFLICT, "concern_changed", "/export_ref"}, new_address);
    const json due = store.mc().steps_due(actor("af-2", "officer")).at("due");
    CHECK(std::none_of(due.begin(), due.end(), [](const json& step) {
        return step.at("reminder") == "export_awaiting_approval";
    }));
    // Asked again, on all of it, it is released with the note.
    CHECK(contains(export_of(store, ref), new_address));
}

TEST_CASE("a second officer declines an export request, the one who asked withdraws one") {
    // A request nobody will release must not wait in every officer's due
    // steps for ever, and the decision not to release is recorded with why.
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json request{{"concern_ref", ref}, {"requester_relation", "suspected_perpetrator"}};
    const json pending = store.mc().export_concern(actor("af-1", "officer"), request);
    const std::string reason = "Reden-DISTINCT-5150: eerst met de jurist overleggen";
    const json decline{{"export_ref", pending.at("export_ref")}, {"decline", true}};
    const auto concern_export = store.mc().plugin().api().concern_export;
    const auto with = [](json base, const json& more) {
        base.update(more);
        return base;
    };
    const auto refuses = [&](const std::string& who, const json& payload, const Expect& expected) {
        expect_rejected(store, concern_export, actor(who, "officer").dump().c_str(),
                        payload.dump().c_str(), expected, reason);
    };
    refuses("af-2", decline, {MC_E_PAYLOAD, "missing_field", "/reason"});
    refuses("af-2", with(decline, {{"reason", " \n\t"}}),
            {MC_E_PAYLOAD, "invalid_field", "/reason"});
    refuses("af-2", with(decline, {{"reason", reason}, {"approve", true}}),
            {MC_E_PAYLOAD, "invalid_field", "/decline"});
    refuses("af-2", {{"export_ref", pending.at("export_ref")}, {"reason", reason}},
            {MC_E_PAYLOAD, "invalid_field", "/reason"});
    refuses("af-2", with(request, {{"decline", true}, {"reason", reason}}),
            {MC_E_PAYLOAD, "invalid_field", "/decline"});
    refuses("af-2",
            {{"export_ref", "x_AAAAAAAAAAAAAAAAAAAAAA"}, {"decline", true}, {"reason", reason}},
            {MC_E_NOT_FOUND, "not_found", "/export_ref"});
    store.check_refused(concern_export, with(decline, {{"reason", reason}}),
                        {"observer", "auditor", "admin", "integration"}, "export_concern");

    const json declined =
        store.mc().export_concern(actor("af-2", "officer"), with(decline, {{"reason", reason}}));
    REQUIRE(matches_schema("export_pending", declined));
    CHECK(declined.at("status") == "declined");
    CHECK(declined.at("declined") == json{{"by", "af-2"}, {"at", kNow}, {"reason", reason}});
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'concern.export_declined'") ==
          "1|\n");
    const json due = store.mc().steps_due(actor("af-1", "officer")).at("due");
    CHECK(std::none_of(due.begin(), due.end(), [](const json& step) {
        return step.at("reminder") == "export_awaiting_approval";
    }));
    for (const json& after :
         {json{{"export_ref", pending.at("export_ref")}, {"approve", true}},
          json{{"export_ref", pending.at("export_ref")}}, with(decline, {{"reason", reason}})}) {
        refuses("af-3", after, {MC_E_CONFLICT, "export_declined", "/export_ref"});
    }

    // The one who asked may take a request back; a released one cannot be.
    const json asked_again = store.mc().export_concern(actor("af-1", "officer"), request);
    const json withdrawn = store.mc().export_concern(
        actor("af-1", "officer"),
        {{"export_ref", asked_again.at("export_ref")}, {"decline", true}, {"reason", reason}});
    CHECK(withdrawn.at("declined").at("by") == "af-1");
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'concern.export_withdrawn'") ==
          "1|\n");
    const json third = store.mc().export_concern(actor("af-1", "officer"), request);
    store.mc().export_concern(actor("af-2", "officer"),
                              {{"export_ref", third.at("export_ref")}, {"approve", true}});
    refuses("af-1", {{"export_ref", third.at("export_ref")}, {"decline", true}, {"reason", reason}},
            {MC_E_CONFLICT, "export_released", "/export_ref"});
}

TEST_CASE("an export request retried under its key records one request") {
    // A host that lost the 201 asks again; a second pending dossier could be
    // released apart from the first.
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json officer = actor("af-1", "officer");
    const json request{{"concern_ref", ref},
                       {"requester_relation", "possible_victim"},
                       {"idempotency_key", "export-key-0001"}};
    const json first = store.mc().export_concern(officer, request);
    const json again = store.mc().export_concern(officer, request);
    CHECK(again.at("export_ref") == first.at("export_ref"));
    CHECK(store.rows("export_requests") == 1);

    json other = request;
    other["requester_relation"] = "other";
    expect_rejected(store, store.mc().plugin().api().concern_export, officer.dump().c_str(),
                    other.dump().c_str(),
                    {MC_E_CONFLICT, "idempotency_key_reused", "/idempotency_key"}, kObservation);
    const json approval{{"export_ref", first.at("export_ref")},
                        {"approve", true},
                        {"idempotency_key", "export-key-0002"}};
    expect_rejected(store, store.mc().plugin().api().concern_export,
                    actor("af-2", "officer").dump().c_str(), approval.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/idempotency_key"}, kObservation);
    // Without a key, each request is one of its own.
    json unkeyed = request;
    unkeyed.erase("idempotency_key");
    CHECK(store.mc().export_concern(officer, unkeyed).at("export_ref") != first.at("export_ref"));
    CHECK(store.rows("export_requests") == 2);
}

namespace {

// The entry ids of the chronology entries that `pick` selects.
std::vector<std::int64_t> entries_where(const json& concern,
                                        const std::function<bool(const json&)>& pick) {
    std::vector<std::int64_t> ids;
    for (const auto& e : concern.at("chronology")) {
        if (pick(e)) ids.push_back(e.at("entry_id"));
    }
    return ids;
}

json withholding(const std::string& ref, const std::vector<std::int64_t>& ids) {
    json withhold = json::array();
    for (const auto id : ids) {
        withhold.push_back(
            {{"entry_id", id}, {"reason", "safety_of_others"}, {"explanation", "veiligheid"}});
    }
    return {{"concern_ref", ref},
            {"requester_relation", "suspected_perpetrator"},
            {"withhold", withhold}};
}

bool is_action(const json& entry, const std::string& action) {
    return entry.at("kind") == "action" && entry.at("data").at("action") == action;
}

}  // namespace

TEST_CASE("a withheld melding, decision or closing does not show in the concern's status") {
    // The flags, state and outcome follow from entries: "reported" beside a
    // chronology without the melding tells the requester what was withheld.
    StoreFixture store;
    const std::string ref = dossier_concern(store);
    const json recorded = store.mc().get_concern(officer(), {{"concern_ref", ref}});
    const auto ids = entries_where(recorded, [](const json& e) {
        return is_action(e, "decide") || is_action(e, "record_acute") || is_action(e, "close");
    });
    REQUIRE(ids.size() == 3);

    const json dossier = released_export(store.mc(), withholding(ref, ids));

    const json& concern = dossier.at("concern");
    CHECK(concern == json{{"concern_ref", ref},
                          {"unit_id", "VHE-EXPORT"},
                          {"household_ref", nullptr},
                          {"created_at", recorded.at("created_at")},
                          {"related_concern_ref", nullptr},
                          {"legal_hold", nullptr},
                          {"status_withheld", true}});
    CHECK(dossier.at("outcome") == nullptr);
    CHECK(dossier.at("chronology").size() == recorded.at("chronology").size() - 3);
    // Withholding a host's event only still takes the status out: it is an entry.
    const auto event =
        entries_where(recorded, [](const json& e) { return e.at("kind") == "host_event"; });
    CHECK(released_export(store.mc(), withholding(ref, event))
              .at("concern")
              .contains("status_withheld"));
    // Without anything withheld the status is there.
    CHECK(export_of(store, ref).at("outcome") == "reported");
}

TEST_CASE("a withheld move of the household is undone on the dossier's unit") {
    StoreFixture store;
    const auto& mc = store.mc();
    const auto submit_at = [&](const std::string& unit, const std::string& key) {
        mc.submit_signals(
            actor("tech-1", "observer"),
            ticket_submission(
                {{"host_ticket_id", "WO-" + key}, {"unit_id", unit}, {"household_ref", "HH-SAFE"}},
                "move-key-" + key, "gezien " + key));
    };
    submit_at("VHE-FIRST", "1");
    const std::string ref = store.only_concern_ref("VHE-FIRST");
    submit_at("VHE-SECOND", "2");
    submit_at("VHE-SHELTER", "3");
    const json recorded = mc.get_concern(officer(), {{"concern_ref", ref}});
    REQUIRE(recorded.at("unit_id") == "VHE-SHELTER");
    const auto moves =
        entries_where(recorded, [](const json& e) { return e.at("kind") == "household_moved"; });
    REQUIRE(moves.size() == 2);

    // The last move withheld: the dossier stays at the unit before it.
    const json last = released_export(mc, withholding(ref, {moves.at(1)}));
    CHECK(last.at("concern").at("unit_id") == "VHE-SECOND");
    CHECK(last.at("concern").at("state") == recorded.at("state"));  // a move is no status
    CHECK_FALSE(contains(last, "VHE-SHELTER"));
    // Both withheld: back to the first unit.
    const json both = released_export(mc, withholding(ref, moves));
    CHECK(both.at("concern").at("unit_id") == "VHE-FIRST");
    CHECK_FALSE(contains(both, "VHE-SHELTER"));
    // The first withheld and the last released: the released move says where it went.
    CHECK(released_export(mc, withholding(ref, {moves.at(0)})).at("concern").at("unit_id") ==
          "VHE-SHELTER");
}

TEST_CASE("what Veilig Thuis must not discuss with the family is never in a dossier") {
    StoreFixture store;
    const auto& mc = store.mc();
    const std::string secret = "Het-kind-vertelde-het-aan-de-juf-NTS";
    mc.submit_signals(actor(kObserverId, "observer"),
                      ticket_submission({{"host_ticket_id", kTicketId}, {"unit_id", "VHE-NTS"}},
                                        "key-nts-1", kObservation));
    const std::string ref = store.only_concern_ref("VHE-NTS");
    walk_to_decision(mc, ref);
    act(mc, ref, "weigh", {{"suspicion", answer(true)}, {"unsafety", answer(true)}});
    act(mc, ref, "decide", {{"report", decision(true)}, {"help", decision(false)}});
    json fields = melding(kNow);
    fields["not_to_share_with_family"] = secret;
    act(mc, ref, "report_to_veilig_thuis", fields);
    for (const std::string relation : {"possible_victim", "suspected_perpetrator", "other"}) {
        INFO(relation);
        const json dossier =
            released_export(mc, {{"concern_ref", ref}, {"requester_relation", relation}});
        CHECK_FALSE(contains(dossier, secret));
        const auto melding_entry =
            std::find_if(dossier.at("chronology").begin(), dossier.at("chronology").end(),
                         [](const json& e) { return is_action(e, "report_to_veilig_thuis"); });
        REQUIRE(melding_entry != dossier.at("chronology").end());
        CHECK(melding_entry->at("data").at("fields").at("not_to_share_with_family") ==
              "[withheld: not to be shared with the family]");
    }
    // The officer still reads it.
    CHECK(contains(mc.get_concern(officer(), {{"concern_ref", ref}}), secret));
}
