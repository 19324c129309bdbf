// The whole meldcode flow through the C ABI, as a host sees it: every answer
// is checked against its schema, and host-facing answers against leaks.
#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <vector>

#include "abi/schema_validator.h"
#include "concern_walk.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const json kOfficer = actor("af-1", "officer");
const json kSecondOfficer = actor("af-2", "officer");
const json kTechnician = actor("tech-7", "observer");
const json kErp = actor("erp", "integration");
// Distinctive text that must never reach the host.
const std::string kSecret = "Zag-een-slot-aan-de-buitenkant-XQ7Z";

// The notifications without their event ids (each has its own; events_test.cpp).
struct Recorder {
    std::mutex mutex;
    std::vector<std::string> notifications;
    static void on(void* self, const char* text) {
        auto* r = static_cast<Recorder*>(self);
        json notification = json::parse(text);
        notification.erase("event_id");
        std::lock_guard<std::mutex> lock(r->mutex);
        r->notifications.push_back(notification.dump());
    }
};

}  // namespace

TEST_CASE("a ticket close becomes a concern that is worked through all five steps") {
    StoreFixture store;
    const auto& mc = store.mc();
    Recorder recorder;
    REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);

    const json prompt = mc.ticket_closed(kErp, ticket("WO-1", "VHE-1", "tech-7"));
    REQUIRE(matches_schema("prompt", prompt));
    CHECK(prompt.at("ask") == true);
    CHECK(prompt.at("form").at("locale") == "nl");
    CHECK(prompt.at("form").at("acute_advice").get<std::string>().find("112") != std::string::npos);

    const json second = mc.ticket_closed(kErp, ticket("WO-1", "VHE-1", "tech-7"));
    REQUIRE(matches_schema("prompt", second));
    CHECK(second == json{{"ask", false}, {"reason", "already_prompted"}});
    // Prompted before wins over any other reason not to ask.
    json outside = ticket("WO-1", "VHE-1", "tech-7");
    outside["entered_dwelling"] = false;
    CHECK(mc.ticket_closed(kErp, outside).at("reason") == "already_prompted");

    const json receipt =
        mc.submit_signals(kTechnician, submission(prompt.at("prompt_token"), "key-0001", kSecret));
    REQUIRE(matches_schema("receipt", receipt));
    const std::string submission_ref = receipt.at("submission_ref");
    CHECK(mc.submission_status(kTechnician, {{"submission_ref", submission_ref}}).at("status") ==
          "received");

    const json page = mc.list_concerns(kOfficer, json::object());
    REQUIRE(matches_schema("concern_page", page));
    REQUIRE(page.at("items").size() == 1);
    const std::string ref = page.at("items").at(0).at("concern_ref");

    const json concern = mc.get_concern(kOfficer, {{"submission_ref", submission_ref}});
    REQUIRE(matches_schema("concern", concern));
    CHECK(concern.at("concern_ref") == ref);
    CHECK(concern.at("chronology").at(0).at("data").at("observations") == kSecret);

    walk_to_decision(mc, ref);
    CHECK(mc.submission_status(kTechnician, {{"submission_ref", submission_ref}}).at("status") ==
          "in_progress");
    act(mc, ref, "weigh",
        {{"suspicion", answer(true)},
         {"unsafety", answer(false)},
         {"help_possible", answer(true)},
         {"help_accepted", answer(true)}});
    const json monitoring = act(mc, ref, "decide",
                                {{"report", decision(false)},
                                 {"help", decision(true)},
                                 {"monitoring_agreements", "wijkteam belt wekelijks"},
                                 {"review_date", "2026-11-25"}});
    CHECK(monitoring.at("state") == "monitoring");
    CHECK(monitoring.at("help_arranged") == true);

    const json due = mc.steps_due(kOfficer);
    REQUIRE(matches_schema("due_steps", due));
    REQUIRE(due.at("due").size() == 1);
    CHECK(due.at("due").at(0).at("concern_ref") == ref);
    // Listed to every officer for as long as it is due; notified once (below).
    CHECK(mc.steps_due(kOfficer).at("due") == due.at("due"));
    CHECK(mc.steps_due(kSecondOfficer).at("due") == due.at("due"));

    const json reported =
        act(mc, ref, "review", {{"help_effective", answer(false)}, {"report", decision(true)}});
    CHECK(reported.at("state") == "decided");
    CHECK(reported.at("report_decided") == true);
    CHECK(reported.at("reported") == false);  // decided, not yet made
    const json melded = report_to_veilig_thuis(mc, ref, kNow);
    CHECK(melded.at("reported") == true);
    CHECK(melded.at("reported_at") == kNow);
    // Wednesday 25 November: five working days later.
    CHECK(melded.at("veilig_thuis_feedback_due") == "2026-12-02");
    act(mc, ref, "give_feedback", json::object());
    CHECK(mc.submission_status(kTechnician, {{"submission_ref", submission_ref}}).at("status") ==
          "handled");
    const json closed = act(mc, ref, "close", {{"reason", "gemeld bij Veilig Thuis"}});
    CHECK(closed.at("state") == "closed");
    CHECK(
        closed.at("allowed_actions") ==
        json::array({"record_veilig_thuis_feedback", "record_acute", "record_debrief", "reopen"}));
    // Submission, then one entry per recorded action.
    CHECK(closed.at("chronology").size() == 1 + 10);

    std::lock_guard<std::mutex> lock(recorder.mutex);
    REQUIRE(recorder.notifications.size() == 3);
    for (const auto& text : recorder.notifications) {
        REQUIRE(matches_schema("notification", json::parse(text)));
        CHECK(text.find(kSecret) == std::string::npos);
    }
    // Children involved: urgent.
    CHECK(json::parse(recorder.notifications[0]) ==
          json{{"event", "concern_created"}, {"concern_ref", ref}, {"priority", "urgent"}});
    CHECK(json::parse(recorder.notifications[1]) == json{{"event", "step_due"},
                                                         {"concern_ref", ref},
                                                         {"action", "review"},
                                                         {"reminder", "review"}});
    CHECK(json::parse(recorder.notifications[2]) == json{{"event", "feedback_ready"},
                                                         {"submission_ref", submission_ref},
                                                         {"message", "completed"}});

    // Nothing the host was given carries content.
    for (const json& host_facing : {prompt, receipt}) {
        CHECK(host_facing.dump().find(kSecret) == std::string::npos);
        CHECK(host_facing.dump().find("VHE-1") == std::string::npos);
    }
}

TEST_CASE("feedback notifies each observer's submission by its own ref, never the concern's") {
    StoreFixture store;
    const auto& mc = store.mc();
    Recorder recorder;
    REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);
    const std::string first = store.submit("WO-1", "VHE-6", "tech-1", "eerste");
    const std::string second = store.submit("WO-2", "VHE-6", "tech-2", "tweede");
    const std::string ref = store.only_concern_ref("VHE-6");  // one concern, two submissions
    walk_to_decision(mc, ref);
    act(mc, ref, "weigh", {{"suspicion", answer(false)}});
    act(mc, ref, "decide", {{"report", decision(false)}, {"help", decision(false)}});
    const std::size_t before = 2;  // concern_created, signals_added
    // The notifications after the first `from`, each checked against the
    // schema and for the concern ref, which none of them may carry.
    const auto since = [&](std::size_t from) {
        std::lock_guard<std::mutex> lock(recorder.mutex);
        REQUIRE(recorder.notifications.size() >= from);
        std::vector<json> out;
        for (std::size_t i = from; i < recorder.notifications.size(); ++i) {
            out.push_back(json::parse(recorder.notifications[i]));
            CHECK(matches_schema("notification", out.back()));
            CHECK(recorder.notifications[i].find(ref) == std::string::npos);
        }
        return out;
    };
    CHECK(since(before).empty());

    const json give{{"concern_ref", ref}, {"action", "give_feedback"}, {"fields", json::object()}};
    store.check_refused(mc.plugin().api().concern_act, give,
                        {"observer", "auditor", "admin", "integration"}, "act_on_concern");
    CHECK(since(before).empty());

    act(mc, ref, "give_feedback", json::object());
    std::vector<json> ready = since(before);
    REQUIRE(ready.size() == 2);
    std::vector<std::string> refs;
    for (const json& n : ready) {
        CHECK(n.at("event") == "feedback_ready");
        CHECK_FALSE(n.contains("concern_ref"));
        refs.push_back(n.at("submission_ref"));
    }
    std::sort(refs.begin(), refs.end());
    std::vector<std::string> expected{first, second};
    std::sort(expected.begin(), expected.end());
    CHECK(refs == expected);

    // Feedback twice is refused, and tells nobody anything.
    std::string out;
    CHECK(mc.call_raw(mc.plugin().api().concern_act, officer().dump().c_str(), give.dump().c_str(),
                      out) == MC_E_CONFLICT);
    CHECK(std::string(mc.plugin().api().last_error()->code) == "no_feedback_pending");
    CHECK(since(before + 2).empty());

    // A later observer of the same concern: the officer hears of the new
    // signals, and then only that submission is told it was handled.
    const std::string third = store.submit("WO-3", "VHE-6", "tech-3", "derde");
    {
        std::lock_guard<std::mutex> lock(recorder.mutex);
        REQUIRE(recorder.notifications.size() == before + 3);
        CHECK(json::parse(recorder.notifications.back()) ==
              json{{"event", "signals_added"}, {"concern_ref", ref}, {"priority", "urgent"}});
    }
    act(mc, ref, "give_feedback", json::object());
    const json third_ready{
        {"event", "feedback_ready"}, {"submission_ref", third}, {"message", "completed"}};
    CHECK(since(before + 3) == std::vector<json>{third_ready});
}

TEST_CASE("signals for a unit with an open concern join it, after closure a new one relates") {
    StoreFixture store;
    const auto& mc = store.mc();
    store.submit("WO-1", "VHE-2", "tech-1", "eerste");
    store.submit("WO-2", "VHE-2", "tech-2", "tweede");
    const std::string ref = store.only_concern_ref("VHE-2");
    json concern = mc.get_concern(kOfficer, {{"concern_ref", ref}});
    CHECK(concern.at("chronology").size() == 2);
    CHECK(concern.at("pending_feedback") == 2);

    mc.report_host_event(kErp, {{"event_id", "EV-1"},
                                {"unit_id", "VHE-2"},
                                {"kind", "nuisance_complaint"},
                                {"occurred_at", kNow}});
    concern = mc.get_concern(kOfficer, {{"concern_ref", ref}});
    CHECK(concern.at("chronology").size() == 3);
    CHECK(concern.at("chronology").at(2).at("kind") == "host_event");

    walk_to_decision(mc, ref);
    act(mc, ref, "weigh", {{"suspicion", answer(false)}});
    act(mc, ref, "decide", {{"report", decision(false)}, {"help", decision(false)}});
    act(mc, ref, "give_feedback", json::object());
    act(mc, ref, "close", {{"reason", "geen vermoeden"}});

    store.submit("WO-3", "VHE-2", "tech-3", "derde");
    const json page = mc.list_concerns(kOfficer, {{"unit_id", "VHE-2"}});
    REQUIRE(page.at("items").size() == 2);
    CHECK(page.at("items").at(0).at("related_concern_ref") == ref);
    CHECK(page.at("items").at(0).at("state") == "open");
}

TEST_CASE("a sector workflow's own final state ends a concern for new signals") {
    // The sector variant in the schema examples can end a concern in
    // "transferred", not in "closed": signals after that start a new concern.
    const std::string sector_workflow =
        MELDCODE_SOURCE_DIR "/schemas/examples/workflow/valid/acute_and_outcomes.json";
    StoreFixture store(json{{"workflow_file", sector_workflow}});
    const auto& mc = store.mc();
    store.submit("WO-1", "VHE-3", "tech-1", "eerste");
    const std::string ref = store.only_concern_ref("VHE-3");
    act(mc, ref, "weigh", {{"suspicion", answer(false)}});
    CHECK(act(mc, ref, "transfer", {{"transferred_to", "wijkteam"}}).at("state") == "transferred");

    store.submit("WO-2", "VHE-3", "tech-2", "tweede");
    const json page = mc.list_concerns(kOfficer, {{"unit_id", "VHE-3"}});
    REQUIRE(page.at("items").size() == 2);
    CHECK(page.at("items").at(0).at("state") == "open");
    CHECK(page.at("items").at(0).at("related_concern_ref") == ref);
    const json chronology = mc.get_concern(kOfficer, {{"concern_ref", ref}}).at("chronology");
    CHECK(std::count_if(chronology.begin(), chronology.end(), [](const json& entry) {
              return entry.at("kind") == "signals_submitted";
          }) == 1);
}

TEST_CASE("ticket and host event ids are the reporting host's own") {
    StoreFixture store;
    const auto& mc = store.mc();
    const json planner = actor("planner", "integration");
    json erp_for_technician = kTechnician;
    erp_for_technician["integration"] = "erp";
    const json wo = ticket("WO-SAME", "VHE-7", "tech-7");
    CHECK(mc.ticket_closed(kErp, wo).at("ask") == true);
    // Another host's ticket of that id is another ticket ...
    CHECK(mc.ticket_closed(planner, ticket("WO-SAME", "VHE-8", "tech-7")).at("ask") == true);
    // ... while the host acting for its technician is the same host.
    CHECK(mc.ticket_closed(erp_for_technician, wo).at("reason") == "already_prompted");
    CHECK(mc.ticket_closed(kErp, wo).at("reason") == "already_prompted");

    const json arrears{{"event_id", "EV-SAME"},
                       {"unit_id", "VHE-7"},
                       {"kind", "rent_arrears"},
                       {"occurred_at", "2026-11-01T00:00:00Z"}};
    mc.report_host_event(kErp, arrears);
    mc.report_host_event(kErp, arrears);  // a repeat: stored once
    json other = arrears;
    other["kind"] = "access_refused";
    mc.report_host_event(planner, other);  // the planner's EV-SAME is its own event
    CHECK(store.rows("host_events") == 2);
}

TEST_CASE("host events join the unit's chronology, and a rule may open a concern") {
    StoreFixture store(json{{"host_events", {{"create_concern_for", {"repeated_repair"}}}}});
    const auto& mc = store.mc();
    const json event{{"event_id", "EV-9"},
                     {"unit_id", "VHE-3"},
                     {"kind", "rent_arrears"},
                     {"occurred_at", "2026-11-01T00:00:00Z"},
                     {"count", 3}};
    const json accepted = mc.report_host_event(kErp, event);
    REQUIRE(matches_schema("accepted", accepted));
    CHECK(mc.list_concerns(kOfficer, {{"unit_id", "VHE-3"}}).at("items").empty());

    json repair = event;
    repair["event_id"] = "EV-10";
    repair["kind"] = "repeated_repair";
    repair["element"] = "door";
    CHECK(mc.report_host_event(kErp, repair) == accepted);
    CHECK(mc.report_host_event(kErp, repair) == accepted);  // a repeat is stored once
    const std::string ref = store.only_concern_ref("VHE-3");
    const json concern = mc.get_concern(kOfficer, {{"concern_ref", ref}});
    REQUIRE(concern.at("chronology").size() == 2);  // the earlier arrears and the repair
    CHECK(concern.at("pending_feedback") == 0);
}

TEST_CASE("refused access and a request to move for safety are host events for the officer") {
    StoreFixture store(json{{"host_events", {{"create_concern_for", {"safety_move_request"}}}}});
    const auto& mc = store.mc();
    const json refused{{"event_id", "EV-20"},
                       {"unit_id", "VHE-9"},
                       {"kind", "access_refused"},
                       {"occurred_at", "2026-11-10T08:00:00Z"},
                       {"count", 3}};
    mc.report_host_event(kErp, refused);
    CHECK(mc.list_concerns(kOfficer, {{"unit_id", "VHE-9"}}).at("items").empty());
    const json move{{"event_id", "EV-21"},
                    {"unit_id", "VHE-9"},
                    {"kind", "safety_move_request"},
                    {"occurred_at", "2026-11-12T08:00:00Z"}};
    mc.report_host_event(kErp, move);
    const json concern =
        mc.get_concern(kOfficer, {{"concern_ref", store.only_concern_ref("VHE-9")}});
    REQUIRE(concern.at("chronology").size() == 2);
    CHECK(concern.at("chronology").at(0).at("data").at("kind") == "access_refused");
    CHECK(concern.at("chronology").at(0).at("data").at("count") == 3);
    CHECK(concern.at("chronology").at(1).at("data").at("kind") == "safety_move_request");
}

TEST_CASE("a unit's host events show only in concerns of their household and time") {
    // A closed concern's dossier must not take in what happened after it, nor
    // what another household of the unit (a later tenant) did.
    StoreFixture store;
    const auto event = [&](const std::string& id, const std::string& household,
                           const std::string& occurred_at) {
        store.mc().report_host_event(kErp, {{"event_id", id},
                                            {"unit_id", "VHE-8"},
                                            {"household_ref", household},
                                            {"kind", "rent_arrears"},
                                            {"occurred_at", occurred_at},
                                            {"count", 3}});
    };
    event("EV-A-before", "HH-A", "2026-11-01T00:00:00Z");
    event("EV-B-before", "HH-B", "2026-11-02T00:00:00Z");
    store.mc().submit_signals(kTechnician, ticket_submission({{"host_ticket_id", "WO-1"},
                                                              {"unit_id", "VHE-8"},
                                                              {"household_ref", "HH-A"}},
                                                             "key-hh-a-1", "gezien"));
    const std::string ref = store.only_concern_ref("VHE-8");
    close_with(store.mc(), ref, Ending::without_action);
    store.reopen_at("2027-03-01T00:00:00Z");
    event("EV-A-after", "HH-A", "2027-02-01T00:00:00Z");
    event("EV-B-after", "HH-B", "2027-02-02T00:00:00Z");

    const auto event_ids = [](const json& chronology) {
        std::vector<std::string> ids;
        for (const json& entry : chronology) {
            if (entry.at("kind") == "host_event") ids.push_back(entry.at("data").at("event_id"));
        }
        return ids;
    };
    const std::vector<std::string> expected{"EV-A-before"};
    CHECK(event_ids(store.mc().get_concern(kOfficer, {{"concern_ref", ref}}).at("chronology")) ==
          expected);
    CHECK(event_ids(released_export(store.mc(), {{"concern_ref", ref}}).at("chronology")) ==
          expected);
}

TEST_CASE("observers see only the status of their own submissions") {
    StoreFixture store;
    const auto& mc = store.mc();
    const std::string mine = store.submit("WO-1", "VHE-4", "tech-1", "tekst");
    std::string out;
    const auto before = store.data_fingerprint();
    const std::string request = json{{"submission_ref", mine}}.dump();
    CHECK(mc.call_raw(mc.plugin().api().submission_status,
                      actor("tech-2", "observer").dump().c_str(), request.c_str(),
                      out) == MC_E_NOT_FOUND);
    CHECK(mc.call_raw(mc.plugin().api().concern_get, actor("tech-1", "observer").dump().c_str(),
                      request.c_str(), out) == MC_E_FORBIDDEN);
    CHECK(store.data_fingerprint() == before);
    // For the auditor, someone else's ref is a refused lookup.
    CHECK(store.audit_actors("denied.submission_status") == "denied.submission_status|tech-2|\n");
}

TEST_CASE("signals that join a concern being worked read as received until a step follows") {
    // "in_progress" at once would tell the new observer that someone else had
    // reported the unit before.
    StoreFixture store;
    const auto& mc = store.mc();
    const std::string first = store.submit("WO-1", "VHE-5", "tech-1", "eerste");
    const std::string ref = store.only_concern_ref("VHE-5");
    act(mc, ref, "assign", {{"assignee", "af-1"}});
    const auto status = [&](const std::string& observer, const std::string& submission) {
        return mc.submission_status(actor(observer, "observer"), {{"submission_ref", submission}})
            .at("status");
    };
    CHECK(status("tech-1", first) == "in_progress");

    const std::string joined = store.submit("WO-2", "VHE-5", "tech-2", "tweede");
    REQUIRE(store.only_concern_ref("VHE-5") == ref);
    CHECK(status("tech-2", joined) == "received");
    act(mc, ref, "map_signals",
        {{"observations", "waarnemingen"},
         {"supporting_signals", "signalen"},
         {"undermining_signals", "geen"},
         {"children_involved", "yes"}});
    CHECK(status("tech-2", joined) == "in_progress");
}

TEST_CASE("a prompt token used by another observer is refused and audited") {
    StoreFixture store;
    const auto& mc = store.mc();
    const json prompt = store.prompt_for("WO-1", "VHE-6", "tech-1");
    CHECK_THROWS_AS(mc.submit_signals(actor("tech-2", "observer"),
                                      submission(prompt.at("prompt_token"), "key-0001", kSecret)),
                    meldcode::sdk::Error);
    CHECK(store.sql("SELECT outcome FROM audit WHERE action = 'denied.submit_signals'") ==
          "denied|\n");
    CHECK(store.audit_actors("denied.submit_signals") == "denied.submit_signals|tech-2|\n");
    CHECK(store.rows("submissions") == 0);
}

TEST_CASE("a retry after its prompt token expired still gets the first receipt") {
    StoreFixture store;
    const json prompt = store.prompt_for("WO-1", "VHE-7", "tech-1");
    const json first = submission(prompt.at("prompt_token"), "key-0001", kSecret);
    const json receipt = store.mc().submit_signals(actor("tech-1", "observer"), first);
    store.reopen_at("2026-12-10T10:00:00Z");  // 15 days on: the token has expired

    CHECK(store.mc().submit_signals(actor("tech-1", "observer"), first) == receipt);
    const auto refused = [&](const json& body) {
        try {
            store.mc().submit_signals(actor("tech-1", "observer"), body);
        } catch (const meldcode::sdk::Error& e) {
            return std::string(e.code());
        }
        return std::string("accepted");
    };
    CHECK(refused(submission(prompt.at("prompt_token"), "key-0001", "anders")) ==
          "idempotency_key_reused");
    CHECK(refused(submission(prompt.at("prompt_token"), "key-0002", kSecret)) ==
          "prompt_token_expired");
    CHECK(store.rows("submissions") == 1);
}

TEST_CASE("catalog and info are available in both locales") {
    StoreFixture store;
    const json nl = store.mc().catalog("nl");
    const json en = store.mc().catalog("en");
    REQUIRE(matches_schema("catalog_view", nl));
    REQUIRE(matches_schema("catalog_view", en));
    CHECK(nl.at("categories").size() == en.at("categories").size());
    CHECK(nl.at("question") != en.at("question"));
    const json info = store.mc().plugin().info();
    REQUIRE(matches_schema("info", info));
    CHECK(info.at("abi_version") ==
          std::to_string(MC_ABI_VERSION_MAJOR) + "." + std::to_string(MC_ABI_VERSION_MINOR));
}

TEST_CASE("a long chronology is read page by page, in time order") {
    StoreFixture store;
    const auto& mc = store.mc();
    store.submit("WO-P", "VHE-P", "tech-p", "eerste");
    const std::string ref = store.only_concern_ref("VHE-P");
    for (int i = 0; i < 25; ++i) {
        mc.report_host_event(kErp, {{"event_id", "EV-P-" + std::to_string(i)},
                                    {"unit_id", "VHE-P"},
                                    {"kind", "nuisance_complaint"},
                                    {"occurred_at", kNow}});
    }
    const json first = mc.get_concern(kOfficer, {{"concern_ref", ref}, {"chronology_limit", 10}});
    REQUIRE(matches_schema("concern", first));
    CHECK(first.at("chronology").size() == 10);
    CHECK(first.at("chronology").at(0).at("kind") == "signals_submitted");
    std::vector<json> all = first.at("chronology");
    json page = first;
    while (!page.at("chronology_next_cursor").is_null()) {
        page = mc.get_concern(kOfficer, {{"concern_ref", ref},
                                         {"chronology_limit", 10},
                                         {"chronology_cursor", page.at("chronology_next_cursor")}});
        REQUIRE(matches_schema("concern", page));
        for (const auto& e : page.at("chronology")) all.push_back(e);
    }
    CHECK(page.at("chronology").size() == 6);  // 1 submission + 25 events
    const json whole = mc.get_concern(kOfficer, {{"concern_ref", ref}, {"chronology_limit", 1000}});
    CHECK(whole.at("chronology") == json(all));
    CHECK(whole.at("chronology_next_cursor").is_null());
    // Without a limit, a page of at most 200: a host is never sent years at once.
    CHECK(mc.get_concern(kOfficer, {{"concern_ref", ref}}).at("chronology").size() == 26);

    const std::string before = store.data_fingerprint();
    for (const json& bad :
         {json{{"concern_ref", ref}, {"chronology_limit", 0}},
          json{{"concern_ref", ref}, {"chronology_limit", 1001}},
          json{{"concern_ref", ref}, {"chronology_cursor", "12"}},
          json{{"concern_ref", ref}, {"chronology_cursor", "9999999999999999999.1"}}}) {
        INFO(bad.dump());
        CHECK_THROWS_AS(mc.get_concern(kOfficer, bad), meldcode::sdk::Error);
    }
    CHECK(store.data_fingerprint() == before);
}

TEST_CASE("whom the observer already called and a call-back request reach the officer") {
    StoreFixture store;
    const auto& mc = store.mc();
    const json asked = store.prompt_for("WO-1", "VHE-8", "tech-1");
    json body = submission(asked.at("prompt_token"), "key-0001", kSecret);
    body["already_called"] = {"veilig_thuis", "112"};
    body["callback_requested"] = true;
    const json receipt = mc.submit_signals(actor("tech-1", "observer"), body);
    const std::string plain = store.submit("WO-2", "VHE-8", "tech-2", "tweede");

    const json concern =
        mc.get_concern(kOfficer, {{"submission_ref", receipt.at("submission_ref")}});
    REQUIRE(matches_schema("concern", concern));
    const json& chronology = concern.at("chronology");
    REQUIRE(chronology.size() == 2);
    // In one order, whatever order the host sent.
    CHECK(chronology.at(0).at("data").at("already_called") == json::array({"112", "veilig_thuis"}));
    CHECK(chronology.at(0).at("data").at("callback_requested") == true);
    // Left out: nobody was called and no call-back was asked.
    CHECK(chronology.at(1).at("data").at("already_called") == json::array());
    CHECK(chronology.at(1).at("data").at("callback_requested") == false);
    // Stored with the submission itself, too.
    CHECK(store.sql("SELECT already_called_112, already_called_veilig_thuis, callback_requested "
                    "FROM submissions ORDER BY id") == "1|1|1|\n0|0|0|\n");
    // The host's receipt says nothing of it.
    CHECK(receipt.size() == 1);
}

TEST_CASE("feedback messages: interim, final with aftercare, and the officer's debrief") {
    StoreFixture store;
    const auto& mc = store.mc();
    Recorder recorder;
    REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);
    const json tech = actor("tech-1", "observer");
    const std::string mine = store.submit("WO-1", "VHE-M", "tech-1", "eerste");
    const std::string ref = store.only_concern_ref("VHE-M");
    const auto status = [&] { return mc.submission_status(tech, {{"submission_ref", mine}}); };
    CHECK(status() == json{{"submission_ref", mine}, {"status", "received"}});

    // Right away, before any step: being dealt with, nothing more expected.
    act(mc, ref, "give_feedback", {{"message", "in_progress"}});
    REQUIRE(matches_schema("submission_status", status()));
    CHECK(status() == json{{"submission_ref", mine},
                           {"status", "in_progress"},
                           {"message", "in_progress"},
                           {"aftercare_offered", false}});
    const json concern = mc.get_concern(officer(), {{"concern_ref", ref}});
    CHECK(concern.at("pending_feedback") == 1);  // an interim message is not the feedback owed
    CHECK(concern.at("chronology").back().at("data").at("fields") ==
          json{{"message", "in_progress"}});

    act(mc, ref, "record_debrief",
        {{"held_with", "tech-1"},
         {"held_at", "2026-11-25T09:00:00+01:00"},
         {"notes", "Bezoek nabesproken; nazorg aangeboden."}});
    walk_to_decision(mc, ref);
    act(mc, ref, "weigh", {{"suspicion", answer(false)}});
    act(mc, ref, "decide", {{"report", decision(false)}, {"help", decision(false)}});
    act(mc, ref, "give_feedback", {{"message", "report_again"}, {"aftercare_offered", true}});
    CHECK(status() == json{{"submission_ref", mine},
                           {"status", "handled"},
                           {"message", "report_again"},
                           {"aftercare_offered", true}});
    const json closed = act(mc, ref, "close", {{"reason", "geen vermoeden"}});
    CHECK(closed.at("state") == "closed");

    // The host learns only that feedback is ready and which message: never
    // the aftercare offer, the debrief or the concern.
    std::lock_guard<std::mutex> lock(recorder.mutex);
    std::vector<json> ready;
    for (const auto& text : recorder.notifications) {
        const json n = json::parse(text);
        if (n.at("event") == "feedback_ready") ready.push_back(n);
    }
    CHECK(
        ready ==
        std::vector<json>{
            {{"event", "feedback_ready"}, {"submission_ref", mine}, {"message", "in_progress"}},
            {{"event", "feedback_ready"}, {"submission_ref", mine}, {"message", "report_again"}}});
    const json debrief = closed.at("chronology").at(2);
    CHECK(debrief.at("data").at("action") == "record_debrief");
    CHECK(debrief.at("data").at("fields").at("notes") == "Bezoek nabesproken; nazorg aangeboden.");
    // The debrief is sealed at rest like every step record.
    CHECK(store.raw_bytes().find("nazorg aangeboden") == std::string::npos);
}
