// What the officer does around the five steps, through the C ABI as a host
// sees it (issue 16): priority and notifications, the melding and Veilig
// Thuis's feedback, routes besides Veilig Thuis, repeated consultations and
// reviews, the people involved, honour-related violence, the workflow
// definition served. Every answer is checked against its schema.
#include <algorithm>
#include <catch2/catch.hpp>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "abi/schema_validator.h"
#include "concern_walk.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const json kErp = actor("erp", "integration");

// The notifications without their event ids (each has its own; events_test.cpp).
struct Recorder {
    std::mutex mutex;
    std::vector<json> notifications;
    static void on(void* self, const char* text) {
        auto* r = static_cast<Recorder*>(self);
        json notification = json::parse(text);
        notification.erase("event_id");
        std::lock_guard<std::mutex> lock(r->mutex);
        r->notifications.push_back(std::move(notification));
    }
    std::vector<json> taken() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(notifications, {});
    }
};

// A submission without a prompt, for `unit`, with `changes` on top.
std::string submit(const StoreFixture& store, const std::string& unit, const std::string& key,
                   const json& changes = json::object()) {
    json s = ticket_submission({{"host_ticket_id", "WO-" + key}, {"unit_id", unit}},
                               "officer-key-" + key, "waarneming " + key);
    s["signals"] = {"mc.home.holes_in_walls_or_doors"};  // about no child: normal priority
    s["children_involved"] = "no";
    s.update(changes);
    return store.mc().submit_signals(actor("tech-1", "observer"), s).at("submission_ref");
}

json concern(const StoreFixture& store, const std::string& ref) {
    json c = store.mc().get_concern(officer(), {{"concern_ref", ref}});
    REQUIRE(matches_schema("concern", c));
    return c;
}

json refer_to(const std::string& route) {
    return {{"route", route},
            {"receiving_party", "ontvanger voor " + route},
            {"referred_at", kNow},
            {"sharing_basis", "consent"},
            {"sharing_justification", "de bewoner stemde telefonisch in"}};
}

}  // namespace

TEST_CASE("an acute submission joining a monitored concern reaches the officer at once") {
    StoreFixture store;
    const auto& mc = store.mc();
    Recorder recorder;
    REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);

    submit(store, "VHE-P", "p-1");
    const std::string ref = store.only_concern_ref("VHE-P");
    CHECK(recorder.taken() ==
          std::vector<json>{
              {{"event", "concern_created"}, {"concern_ref", ref}, {"priority", "normal"}}});
    walk_to_monitoring(mc, ref, "2026-12-01");

    SECTION("a submission that says acute") {
        submit(store, "VHE-P", "p-2", {{"acute", true}});
    }
    SECTION("a submission by someone who already called 112, asking for a call back") {
        submit(store, "VHE-P", "p-2",
               {{"already_called", {"112", "veilig_thuis"}}, {"callback_requested", true}});
        const json entry = concern(store, ref).at("chronology").back();
        CHECK(entry.at("kind") == "signals_submitted");
        CHECK(entry.at("data").at("already_called") == json::array({"112", "veilig_thuis"}));
        CHECK(entry.at("data").at("callback_requested") == true);
        CHECK(entry.at("data").at("call_back") == true);
    }
    SECTION("a disclosure: a child tells about violence") {
        submit(store, "VHE-P", "p-2", {{"signals", {"mc.children.tells_about_violence"}}});
    }
    // Ids and the priority only, for the concern that stays monitored.
    CHECK(recorder.taken() ==
          std::vector<json>{
              {{"event", "signals_added"}, {"concern_ref", ref}, {"priority", "acute"}}});
    const json after = concern(store, ref);
    CHECK(after.at("state") == "monitoring");
    CHECK(after.at("priority") == "acute");
    CHECK(after.at("acute") == false);  // the acute path itself was not recorded
}

TEST_CASE("a signal about a child makes a concern urgent whatever the technician answered") {
    // The form's default answer is "unknown": three taps report a child
    // left home alone without anyone saying children are involved.
    StoreFixture store;
    submit(store, "VHE-K", "k-1",
           {{"signals", {"mc.children.young_child_home_alone"}}, {"children_involved", "unknown"}});
    submit(store, "VHE-H", "h-1", {{"children_involved", "unknown"}});
    const auto priority = [&store](const std::string& unit) {
        return store.mc()
            .list_concerns(officer(), {{"unit_id", unit}})
            .at("items")
            .at(0)
            .at("priority");
    };
    CHECK(priority("VHE-K") == "urgent");
    CHECK(priority("VHE-H") == "normal");
}

TEST_CASE("children involved make a concern urgent, and the list sorts and filters by priority") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-1", "n-1");                                  // normal
    submit(store, "VHE-2", "u-1", {{"children_involved", "yes"}});  // urgent
    submit(store, "VHE-3", "a-1", {{"acute", true}});               // acute
    submit(store, "VHE-4", "n-2");                                  // normal
    submit(store, "VHE-1", "u-2", {{"children_involved", "yes"}});  // raises VHE-1

    const auto units = [](const json& page) {
        std::vector<std::string> all;
        for (const auto& item : page.at("items")) all.push_back(item.at("unit_id"));
        return all;
    };
    const json newest = mc.list_concerns(officer(), json::object());
    CHECK(units(newest) == std::vector<std::string>{"VHE-4", "VHE-3", "VHE-2", "VHE-1"});
    const json first = mc.list_concerns(officer(), {{"sort", "priority"}, {"limit", 2}});
    REQUIRE(matches_schema("concern_page", first));
    CHECK(units(first) == std::vector<std::string>{"VHE-3", "VHE-2"});
    const json second = mc.list_concerns(
        officer(), {{"sort", "priority"}, {"limit", 2}, {"cursor", first.at("next_cursor")}});
    CHECK(units(second) == std::vector<std::string>{"VHE-1", "VHE-4"});
    CHECK(second.at("items").at(0).at("priority") == "urgent");
    CHECK(units(mc.list_concerns(officer(), {{"priority", "normal"}})) ==
          std::vector<std::string>{"VHE-4"});

    // A cursor of one order is refused in the other, and nothing changes.
    const json mixed{{"cursor", first.at("next_cursor")}};
    expect_rejected(store, mc.plugin().api().concerns_list, officer().dump().c_str(),
                    mixed.dump().c_str(), {MC_E_PAYLOAD, "invalid_field", "/cursor"}, "VHE");
}

TEST_CASE("a melding on the Friday before Easter Monday: feedback due on the fifth working day") {
    // 00:30 on Friday 26 March 2027 in Amsterdam is still Thursday in UTC:
    // the working days count from the Dutch date.
    StoreFixture store(json{{"clock", {{"fixed", "2027-03-26T10:00:00+01:00"}}}});
    const auto& mc = store.mc();
    submit(store, "VHE-M", "m-1");
    const std::string ref = store.only_concern_ref("VHE-M");
    walk_to_decision(mc, ref);
    act(mc, ref, "weigh", {{"suspicion", answer(true)}, {"unsafety", answer(true)}});
    const json decided =
        act(mc, ref, "decide", {{"report", decision(true)}, {"help", decision(false)}});
    CHECK(decided.at("report_decided") == true);
    CHECK(decided.at("reported") == false);
    // Closing before the melding is recorded is refused.
    act(mc, ref, "give_feedback", json::object());
    expect_rejected(
        store, mc.plugin().api().concern_act, officer().dump().c_str(),
        json{{"concern_ref", ref}, {"action", "close"}, {"fields", {{"reason", "reden-geheim"}}}}
            .dump()
            .c_str(),
        {MC_E_CONFLICT, "melding_required", ""}, "reden-geheim");

    const json melded = report_to_veilig_thuis(mc, ref, "2027-03-25T23:30:00Z");
    CHECK(melded.at("reported") == true);
    CHECK(melded.at("veilig_thuis_feedback_due") == "2027-04-05");  // Easter Monday skipped
    const json entry = melded.at("chronology").back();
    CHECK(entry.at("data").at("action") == "report_to_veilig_thuis");
    CHECK(entry.at("data").at("fields").at("region") == "Utrecht");

    // On the fifth working day nothing is late; the working day after, it is.
    const auto late = [&store, &ref] {
        std::vector<json> found;
        const json due = store.mc().steps_due(officer());
        for (const auto& step : due.at("due")) {
            if (step.at("concern_ref") == ref && step.at("reminder") != "feedback_owed") {
                found.push_back(step);
            }
        }
        return found;
    };
    store.reopen_at("2027-04-05T23:00:00+02:00");
    CHECK(late().empty());
    store.reopen_at("2027-04-06T08:00:00+02:00");
    CHECK(late() == std::vector<json>{{{"concern_ref", ref},
                                       {"action", "record_veilig_thuis_feedback"},
                                       {"due_date", "2027-04-06"},
                                       {"reminder", "veilig_thuis_feedback_late"}}});
    // A melding recorded now with a date before this one (a mistyped year)
    // does not take the wait back to its date, nor end it.
    const json earlier = report_to_veilig_thuis(store.mc(), ref, "2019-03-01T10:00:00Z");
    CHECK(earlier.at("reported_at") == "2027-03-25T23:30:00Z");
    CHECK(earlier.at("veilig_thuis_feedback_due") == "2027-04-05");
    CHECK(late().size() == 1);
    store.reopen_at("2027-04-06T12:00:00+02:00");
    // Feedback dated before the melding it answers is a wrong date, refused.
    const json before_melding{{"concern_ref", ref},
                              {"action", "record_veilig_thuis_feedback"},
                              {"fields",
                               {{"received_at", "2027-03-25T23:00:00Z"},
                                {"outcome", "handed_to_local_help"},
                                {"summary", "terugkoppeling-geheim"}}}};
    expect_rejected(store, store.mc().plugin().api().concern_act, officer().dump().c_str(),
                    before_melding.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/fields/received_at"},
                    "terugkoppeling-geheim");
    const json fed_back = act(store.mc(), ref, "record_veilig_thuis_feedback",
                              {{"received_at", "2027-04-06T11:00:00+02:00"},
                               {"outcome", "handed_to_local_help"},
                               {"summary", "veiligheidsbeoordeling gedaan, wijkteam neemt over"}});
    CHECK(fed_back.at("veilig_thuis_feedback_due") == nullptr);
    CHECK(late().empty());
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action IN "
                    "('concern.report_to_veilig_thuis', 'concern.record_veilig_thuis_feedback')") ==
          "3|\n");  // two meldingen and the feedback
}

TEST_CASE("a call to Veilig Thuis for advice on the acute path is no melding") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-A", "a-1");
    const std::string ref = store.only_concern_ref("VHE-A");
    json call{{"called_112", false},
              {"called_veilig_thuis", true},
              {"called_at", kNow},
              {"summary", "advies gevraagd"}};
    expect_rejected(
        store, mc.plugin().api().concern_act, officer().dump().c_str(),
        json{{"concern_ref", ref}, {"action", "record_acute"}, {"fields", call}}.dump().c_str(),
        {MC_E_PAYLOAD, "missing_field", "/fields/veilig_thuis_call"}, "advies");
    call["veilig_thuis_call"] = "advice";
    const json advised = act(mc, ref, "record_acute", call);
    CHECK(advised.at("acute") == true);
    CHECK(advised.at("reported") == false);
    call["veilig_thuis_call"] = "report";
    const json reported = act(mc, ref, "record_acute", call);
    CHECK(reported.at("reported") == true);
    CHECK(reported.at("reported_at") == kNow);
    CHECK(reported.at("veilig_thuis_feedback_due") == "2026-12-02");
}

TEST_CASE("one concern down each route the catalog names") {
    StoreFixture store;
    const auto& mc = store.mc();
    const std::vector<std::string> routes{
        "veilig_thuis",         "ggd",      "police",       "arbeidsinspectie", "comensha",
        "meld_misdaad_anoniem", "wijkteam", "care_provider"};
    for (const auto& route : routes) {
        INFO(route);
        const std::string unit = "VHE-" + route;
        submit(store, unit, "r-" + route);
        const std::string ref = store.only_concern_ref(unit);
        walk_to_decision(mc, ref);
        if (route == "veilig_thuis") {
            act(mc, ref, "weigh", {{"suspicion", answer(true)}, {"unsafety", answer(true)}});
            act(mc, ref, "decide", {{"report", decision(true)}, {"help", decision(false)}});
            report_to_veilig_thuis(mc, ref, kNow);
        } else {
            // No suspicion of domestic violence: referred instead of closed without action.
            act(mc, ref, "weigh", {{"suspicion", answer(false)}});
            act(mc, ref, "decide", {{"report", decision(false)}, {"help", decision(false)}});
            const json referred = act(mc, ref, "refer", refer_to(route));
            CHECK(referred.at("referrals") == json::array({route}));
            CHECK(referred.at("chronology").back().at("data").at("fields").at("receiving_party") ==
                  "ontvanger voor " + route);
        }
        act(mc, ref, "give_feedback", json::object());
        act(mc, ref, "close", {{"reason", "doorgezet"}});
        const json dossier = released_export(mc, {{"concern_ref", ref}});
        CHECK(dossier.at("outcome") == (route == "veilig_thuis" ? "reported" : "referred"));
    }
    // The melding is its own action, not a referral.
    const std::string ref = store.only_concern_ref("VHE-ggd");
    json to_veilig_thuis{
        {"concern_ref", ref}, {"action", "refer"}, {"fields", refer_to("veilig_thuis")}};
    act(mc, ref, "reopen", {{"reason", "nieuwe signalen"}});
    to_veilig_thuis["fields"]["sharing_justification"] = "geheim-doorverwijzing";
    expect_rejected(store, mc.plugin().api().concern_act, officer().dump().c_str(),
                    to_veilig_thuis.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/fields/route"}, "geheim-doorverwijzing");
}

TEST_CASE(
    "a second review asks question 5 again, and consultations and notes go on between steps") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-R", "r-1");
    const std::string ref = store.only_concern_ref("VHE-R");
    walk_to_monitoring(mc, ref, "2026-11-25");
    CHECK(mc.steps_due(officer()).at("due").size() == 1);

    const json again = act(mc, ref, "consult",
                           {{"consulted_with", "collega aandachtsfunctionaris"},
                            {"consulted_at", kNow},
                            {"question", "is de hulp genoeg?"},
                            {"advice", "nog een maand volgen"}});
    CHECK(again.at("state") == "monitoring");
    act(mc, ref, "add_note",
        {{"occurred_at", kNow},
         {"contact_with", "wijkteam"},
         {"facts", "huisbezoek gedaan, rustig"},
         {"interpretation", "lijkt te helpen"},
         {"interpretation_of", "wijkteam"}});
    const json first = act(mc, ref, "review",
                           {{"help_effective", answer(true)},
                            {"help_continues", true},
                            {"next_review_date", "2026-12-23"}});
    CHECK(first.at("state") == "monitoring");
    CHECK(first.at("review_date") == "2026-12-23");

    store.reopen_at("2026-12-23T08:00:00+01:00");
    const json due = store.mc().steps_due(officer());
    // The review, and the feedback the observer is owed since monitoring began.
    REQUIRE(due.at("due").size() == 2);
    CHECK(due.at("due").at(0) == json{{"concern_ref", ref},
                                      {"action", "review"},
                                      {"due_date", "2026-12-23"},
                                      {"reminder", "review"}});
    CHECK(due.at("due").at(1).at("reminder") == "feedback_owed");
    const json second = act(store.mc(), ref, "review",
                            {{"help_effective", answer(false)}, {"report", decision(true)}});
    CHECK(second.at("state") == "decided");
    CHECK(second.at("report_decided") == true);
    std::vector<std::string> actions;
    for (const auto& e : second.at("chronology")) {
        if (e.at("kind") == "action") actions.push_back(e.at("data").at("action"));
    }
    CHECK(std::count(actions.begin(), actions.end(), "review") == 2);
    CHECK(std::count(actions.begin(), actions.end(), "consult") == 2);
}

TEST_CASE("a review comes due at midnight in Amsterdam, not two hours later at midnight UTC") {
    StoreFixture store;
    submit(store, "VHE-Z", "z-1");
    const std::string ref = store.only_concern_ref("VHE-Z");
    walk_to_monitoring(store.mc(), ref, "2027-06-15");  // summer time: UTC+2
    const auto reviews_due = [&store] {
        const json due = store.mc().steps_due(officer()).at("due");
        return std::count_if(due.begin(), due.end(),
                             [](const json& step) { return step.at("reminder") == "review"; });
    };
    store.reopen_at("2027-06-14T23:59:00+02:00");
    CHECK(reviews_due() == 0);
    store.reopen_at("2027-06-15T00:30:00+02:00");  // still 14 June in UTC
    CHECK(reviews_due() == 1);
}

TEST_CASE("the people involved are roles with ages, never names") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-K", "k-1");
    const std::string ref = store.only_concern_ref("VHE-K");
    CHECK(concern(store, ref).at("children_involved") == "unknown");
    const json people{{{"person", "adult A"}, {"relation", "possible_victim"}},
                      {{"person", "adult B"}, {"relation", "suspected_perpetrator"}},
                      {{"person", "child 1"}, {"relation", "child_witness"}, {"age", 7}}};
    const json recorded = act(mc, ref, "record_people", {{"people", people}});
    CHECK(recorded.at("people") == people);
    CHECK(recorded.at("children_involved") == "yes");
    // The store file holds no role in clear: sealed like every step.
    CHECK(store.raw_bytes().find("suspected_perpetrator") == std::string::npos);

    json named = people;
    named[1]["name"] = "Johanna-Vermeulen-XQ";
    expect_rejected(
        store, mc.plugin().api().concern_act, officer().dump().c_str(),
        json{{"concern_ref", ref}, {"action", "record_people"}, {"fields", {{"people", named}}}}
            .dump()
            .c_str(),
        {MC_E_PAYLOAD, "invalid_field", "/fields/people/1/name"}, "Johanna");
    json ageless = people;
    ageless[2].erase("age");
    expect_rejected(
        store, mc.plugin().api().concern_act, officer().dump().c_str(),
        json{{"concern_ref", ref}, {"action", "record_people"}, {"fields", {{"people", ageless}}}}
            .dump()
            .c_str(),
        {MC_E_PAYLOAD, "missing_field", "/fields/people/2/age"}, "Johanna");
}

TEST_CASE("honour-related violence: a specialist first, and the forms warn") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-E", "e-1", {{"signals", {"mc.honour.afraid_of_family_reaction"}}});
    const std::string ref = store.only_concern_ref("VHE-E");
    CHECK(concern(store, ref).at("honour_related") == true);
    act(mc, ref, "map_signals",
        {{"observations", "bang voor de reactie van de familie"},
         {"supporting_signals", "angst"},
         {"undermining_signals", "geen"},
         {"children_involved", "no"}});
    act(mc, ref, "consult",
        {{"consulted_with", "collega"},
         {"consulted_at", kNow},
         {"question", "gesprek?"},
         {"advice", "eerst een deskundige"}});
    const json conversation{{"concern_ref", ref},
                            {"action", "skip_conversation"},
                            {"fields", {{"skip_reason", "gevaar voor de bewoner"}}}};
    expect_rejected(store, mc.plugin().api().concern_act, officer().dump().c_str(),
                    conversation.dump().c_str(),
                    {MC_E_CONFLICT, "specialist_consultation_required", ""}, "gevaar");
    act(mc, ref, "consult",
        {{"consulted_with", "regionaal expertisepunt eergerelateerd geweld"},
         {"consulted_at", kNow},
         {"question", "gesprek veilig?"},
         {"advice", "niet in gesprek gaan, direct melden"},
         {"specialist", "expertise_point"}});
    const json skipped = act(mc, ref, "skip_conversation", {{"skip_reason", "gevaar"}});
    CHECK(skipped.at("state") == "conversation_done");

    // The warning is in the definition the forms are rendered from.
    const json view = mc.workflow("nl");
    const auto hold = std::find_if(view.at("actions").begin(), view.at("actions").end(),
                                   [](const json& a) { return a.at("id") == "hold_conversation"; });
    REQUIRE(hold != view.at("actions").end());
    REQUIRE(hold->at("warnings").size() == 1);
    CHECK(hold->at("warnings").at(0).at("when") == "honour_related");
    CHECK(hold->at("warnings").at(0).at("text").get<std::string>().find("tolk") !=
          std::string::npos);
}

TEST_CASE("the workflow definition is served per locale, with the framework's own words") {
    StoreFixture store;
    const auto& mc = store.mc();
    const json nl = mc.workflow("nl");
    const json en = mc.workflow("en");
    REQUIRE(matches_schema("workflow_view", nl));
    REQUIRE(matches_schema("workflow_view", en));
    CHECK(nl.at("locale") == "nl");
    CHECK(nl.at("framework").at("questions").size() == 5);
    CHECK(nl.at("framework").at("questions").at(1).at("text") ==
          "Afweging 2: Is er sprake van acute onveiligheid of structurele onveiligheid?");
    CHECK(nl.at("framework").at("definitions").at(0).at("term") == "Acute onveiligheid");
    CHECK(en.at("framework").at("definitions").at(1).at("term") == "Structural unsafety");
    // The actions each state allows are those a concern in it lists, as
    // allowed now or blocked (no melding yet: no feedback of Veilig Thuis).
    submit(store, "VHE-W", "w-1");
    const std::string ref = store.only_concern_ref("VHE-W");
    const auto open = std::find_if(nl.at("states").begin(), nl.at("states").end(),
                                   [](const json& s) { return s.at("id") == "open"; });
    const json listed = concern(store, ref);
    CHECK(listed.at("blocked_actions") ==
          json::array({{{"action", "record_veilig_thuis_feedback"},
                        {"code", "not_reported"},
                        {"message", "no melding to Veilig Thuis has been recorded"}}}));
    json allowed = open->at("allowed_actions");
    allowed.erase(std::find(allowed.begin(), allowed.end(), "record_veilig_thuis_feedback"));
    CHECK(listed.at("allowed_actions") == allowed);
    // Every field has a label in both languages (no id standing in).
    for (const auto& action : en.at("actions")) {
        for (const auto& field : action.at("fields")) {
            INFO(action.at("id") << "/" << field.at("name"));
            CHECK(field.at("label") != field.at("name"));
        }
    }
    char* out = reinterpret_cast<char*>(0x1);
    CHECK(mc.plugin().api().workflow_get(mc.handle(), "de", &out) == MC_E_ARGUMENT);
    CHECK(out == nullptr);
    CHECK(std::string(mc.plugin().api().last_error()->code) == "unsupported_locale");
}

TEST_CASE("every new action refuses a missing or wrong field by name and stores nothing") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-B", "b-1");
    const std::string ref = store.only_concern_ref("VHE-B");
    act(mc, ref, "record_acute",
        {{"called_112", false},
         {"called_veilig_thuis", true},
         {"veilig_thuis_call", "report"},
         {"called_at", kNow},
         {"summary", "gemeld"}});
    const std::string secret = "GEHEIM-veld-waarde";
    const std::vector<std::pair<std::string, json>> actions{
        {"report_to_veilig_thuis", melding(kNow)},
        {"record_veilig_thuis_feedback",
         {{"received_at", kNow}, {"outcome", "investigation"}, {"summary", secret}}},
        {"refer", refer_to("wijkteam")},
        {"add_note", {{"occurred_at", kNow}, {"facts", secret}}},
        {"record_people",
         {{"people", {{{"person", "child 1"}, {"relation", "other"}, {"age", 4}}}}}}};
    const json definition = mc.workflow("en");
    for (const auto& [action, valid] : actions) {
        const auto spec =
            std::find_if(definition.at("actions").begin(), definition.at("actions").end(),
                         [&](const json& a) { return a.at("id") == action; });
        REQUIRE(spec != definition.at("actions").end());
        for (const auto& field : spec->at("fields")) {
            const std::string name = field.at("name");
            INFO(action << " " << name);
            const auto request = [&](const json& fields) {
                return json{{"concern_ref", ref}, {"action", action}, {"fields", fields}}.dump();
            };
            json wrong = valid;
            wrong[name] = field.at("type") == "people" ? json(secret) : json::array({secret});
            expect_rejected(store, mc.plugin().api().concern_act, officer().dump().c_str(),
                            request(wrong).c_str(),
                            {MC_E_PAYLOAD, "invalid_field", "/fields/" + name}, secret);
            if (!field.at("required").get<bool>()) continue;
            json missing = valid;
            missing.erase(name);
            expect_rejected(store, mc.plugin().api().concern_act, officer().dump().c_str(),
                            request(missing).c_str(),
                            {MC_E_PAYLOAD, "missing_field", "/fields/" + name}, secret);
        }
        act(mc, ref, action, valid);  // and the valid fields are recorded
    }
}

TEST_CASE("reminders are listed to every officer while due, and each notified once") {
    // Wednesday 25 November 2026; a concern nobody takes on for a working day.
    StoreFixture store(json{{"reminders",
                             {{"unassigned_after_working_days", 1},
                              {"stalled_after_working_days", {{"signals_mapped", 2}}}}}});
    submit(store, "VHE-H", "h-1");
    const std::string ref = store.only_concern_ref("VHE-H");
    Recorder recorder;
    const auto due_for = [&store](const std::string& who) {
        const json due = store.mc().steps_due(actor(who, "officer"));
        REQUIRE(matches_schema("due_steps", due));
        return due.at("due");
    };
    const auto listen = [&store, &recorder] {
        const auto& mc = store.mc();
        REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);
    };
    CHECK(due_for("af-1").empty());

    store.reopen_at("2026-11-26T09:00:00+01:00");
    listen();
    const json unassigned{{"concern_ref", ref},
                          {"action", "assign"},
                          {"due_date", "2026-11-26"},
                          {"reminder", "unassigned"}};
    CHECK(due_for("af-1") == json::array({unassigned}));
    CHECK(due_for("af-2") == json::array({unassigned}));  // every officer, while due
    CHECK(recorder.taken() == std::vector<json>{{{"event", "step_due"},
                                                 {"concern_ref", ref},
                                                 {"action", "assign"},
                                                 {"reminder", "unassigned"}}});
    act(store.mc(), ref, "assign", {{"assignee", "af-1"}});
    act(store.mc(), ref, "map_signals",
        {{"observations", "feiten"},
         {"supporting_signals", "s"},
         {"undermining_signals", "u"},
         {"children_involved", "unknown"}});
    CHECK(due_for("af-1").empty());

    // Two working days in signals_mapped: Friday and Monday; due on Monday.
    store.reopen_at("2026-11-27T09:00:00+01:00");
    CHECK(due_for("af-1").empty());
    store.reopen_at("2026-11-30T09:00:00+01:00");
    listen();
    const json stalled{{"concern_ref", ref},
                       {"action", "consult"},
                       {"due_date", "2026-11-30"},
                       {"reminder", "stalled"}};
    CHECK(due_for("af-2") == json::array({stalled}));
    CHECK(due_for("af-1") == json::array({stalled}));
    CHECK(recorder.taken().size() == 1);
    store.reopen();  // a restart does not notify again
    listen();
    CHECK(due_for("af-1") == json::array({stalled}));
    CHECK(recorder.taken().empty());
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'steps.due'") == "8|\n");
}

TEST_CASE("a reminder for a state the workflow does not have is refused at open") {
    const auto dir = fresh_dir();
    mc_instance* handle = nullptr;
    const json config = test_config(
        dir, {{"reminders", {{"stalled_after_working_days", {{"waiting_for_godot", 3}}}}}});
    CHECK(plugin()->api().open(config.dump().c_str(), &handle) == MC_E_PAYLOAD);
    CHECK(handle == nullptr);
    const mc_error* error = plugin()->api().last_error();
    CHECK(std::string(error->pointer) == "/reminders/stalled_after_working_days/waiting_for_godot");
    std::filesystem::remove_all(dir);
}

namespace {

json submit_for(const StoreFixture& store, const std::string& unit,
                const std::optional<std::string>& household, const std::string& key) {
    json t{{"host_ticket_id", "WO-" + key}, {"unit_id", unit}};
    if (household) t["household_ref"] = *household;
    store.mc().submit_signals(actor("tech-1", "observer"),
                              ticket_submission(t, "household-key-" + key, "gezien " + key));
    return store.mc().list_concerns(officer(), {{"unit_id", unit}}).at("items");
}

}  // namespace

TEST_CASE(
    "a change of tenant starts a new file, and signals without a household join the current one") {
    StoreFixture store;
    const json before = submit_for(store, "VHE-T", std::nullopt, "t-1");
    REQUIRE(before.size() == 1);
    const std::string former = before.at(0).at("concern_ref");

    // Without a change of tenant, signals without a household join the open concern.
    CHECK(submit_for(store, "VHE-T", std::nullopt, "t-2").size() == 1);

    store.reopen_at("2026-12-01T10:00:00+01:00");
    store.mc().report_host_event(kErp, {{"event_id", "EV-TENANT-1"},
                                        {"unit_id", "VHE-T"},
                                        {"household_ref", "HH-NEW"},
                                        {"kind", "tenant_changed"},
                                        {"occurred_at", "2026-12-01T00:00:00+01:00"}});
    CHECK(store.mc().list_concerns(officer(), {{"unit_id", "VHE-T"}}).at("items").size() == 1);
    const json after = submit_for(store, "VHE-T", std::nullopt, "t-3");
    REQUIRE(after.size() == 2);
    const json current = after.at(0);
    CHECK(current.at("concern_ref") != former);
    // The new tenant's file does not point back to the former tenant's.
    CHECK(current.at("related_concern_ref") == nullptr);
    CHECK(store.mc().get_concern(officer(), {{"concern_ref", former}}).at("state") == "open");
    // Signals naming the new household join its file, which now knows it.
    CHECK(submit_for(store, "VHE-T", std::string("HH-NEW"), "t-4").size() == 2);
    CHECK(store.mc()
              .get_concern(officer(), {{"concern_ref", current.at("concern_ref")}})
              .at("household_ref") == "HH-NEW");
}

TEST_CASE("a new tenant's file does not show the unit's events of the former tenant's time") {
    StoreFixture store;
    // No concern at the unit: the events stay with the unit.
    store.mc().report_host_event(kErp, {{"event_id", "EV-ARREARS-1"},
                                        {"unit_id", "VHE-W"},
                                        {"kind", "rent_arrears"},
                                        {"occurred_at", "2026-11-20T00:00:00Z"}});
    store.mc().report_host_event(kErp, {{"event_id", "EV-TENANT-2"},
                                        {"unit_id", "VHE-W"},
                                        {"kind", "tenant_changed"},
                                        {"occurred_at", "2026-11-24T00:00:00Z"}});
    const json items = submit_for(store, "VHE-W", std::nullopt, "w-1");
    REQUIRE(items.size() == 1);
    const json chronology = concern(store, items.at(0).at("concern_ref")).at("chronology");
    std::vector<std::string> kinds;
    for (const auto& e : chronology) {
        kinds.push_back(e.at("kind") == "host_event" ? e.at("data").at("kind") : e.at("kind"));
    }
    CHECK(kinds == std::vector<std::string>{"tenant_changed", "signals_submitted"});
}

TEST_CASE("a new household at the unit starts a new file without the former's history") {
    StoreFixture store;
    submit_for(store, "VHE-N", std::string("HH-OLD"), "n-1");
    const json both = submit_for(store, "VHE-N", std::string("HH-NEXT"), "n-2");
    REQUIRE(both.size() == 2);
    CHECK(both.at(0).at("household_ref") == "HH-NEXT");
    CHECK(both.at(0).at("related_concern_ref") == nullptr);
}

TEST_CASE("a household that moves keeps its history across units") {
    StoreFixture store;
    const auto& mc = store.mc();
    Recorder recorder;
    REQUIRE(mc.plugin().api().notifications_set(mc.handle(), Recorder::on, &recorder) == MC_OK);
    const std::string ref =
        submit_for(store, "VHE-OUD", std::string("HH-MOVE"), "m-1").at(0).at("concern_ref");
    act(mc, ref, "add_note", {{"occurred_at", kNow}, {"facts", "verhuizing aangekondigd"}});

    CHECK(submit_for(store, "VHE-NIEUW", std::string("HH-MOVE"), "m-2").size() == 1);
    CHECK(mc.list_concerns(officer(), {{"unit_id", "VHE-OUD"}}).at("items").empty());
    const json moved = concern(store, ref);
    CHECK(moved.at("unit_id") == "VHE-NIEUW");
    const auto entry =
        std::find_if(moved.at("chronology").begin(), moved.at("chronology").end(),
                     [](const json& e) { return e.at("kind") == "household_moved"; });
    REQUIRE(entry != moved.at("chronology").end());
    CHECK(entry->at("data") == json{{"from_unit_id", "VHE-OUD"}, {"to_unit_id", "VHE-NIEUW"}});
    CHECK(recorder.taken().back() ==
          json{{"event", "signals_added"}, {"concern_ref", ref}, {"priority", "urgent"}});

    // Closed, the household's next concern points back to it from its third home.
    close_with(mc, ref, Ending::without_action);
    const json third = submit_for(store, "VHE-DERDE", std::string("HH-MOVE"), "m-3");
    REQUIRE(third.size() == 1);
    CHECK(third.at(0).at("related_concern_ref") == ref);
}

TEST_CASE(
    "an export asked by the suspected perpetrator withholds entries and needs a second officer") {
    StoreFixture store;
    const auto& mc = store.mc();
    const std::string disclosure = "Het-kind-vertelde-over-slaan-DISCL";
    const std::string reaction = "Moeder-zei-hij-slaat-als-hij-drinkt-RXN";
    json told = ticket_submission({{"host_ticket_id", "WO-X1"}, {"unit_id", "VHE-X"}},
                                  "export-key-1", disclosure);
    told["signals"] = {"mc.children.tells_about_violence"};
    const std::string receipt =
        mc.submit_signals(actor("tech-1", "observer"), told).at("submission_ref");
    const std::string ref = store.only_concern_ref("VHE-X");
    act(mc, ref, "assign", {{"assignee", "af-1"}});
    act(mc, ref, "map_signals",
        {{"observations", "feiten"},
         {"supporting_signals", "onthulling"},
         {"undermining_signals", "geen"},
         {"children_involved", "yes"}});
    act(mc, ref, "consult",
        {{"consulted_with", "collega"},
         {"consulted_at", kNow},
         {"question", "v"},
         {"advice", "a"}});
    const json held = act(mc, ref, "hold_conversation",
                          {{"held_with", "moeder"},
                           {"held_at", kNow},
                           {"facts_presented", "de signalen"},
                           {"reaction", reaction},
                           {"officer_reading", "zorgelijk"}});
    std::vector<std::int64_t> withheld;
    for (const auto& e : held.at("chronology")) {
        if (e.at("kind") == "signals_submitted" ||
            (e.at("kind") == "action" && e.at("data").at("action") == "hold_conversation")) {
            withheld.push_back(e.at("entry_id"));
        }
    }
    REQUIRE(withheld.size() == 2);
    const json request{{"concern_ref", ref},
                       {"requester_relation", "suspected_perpetrator"},
                       {"withhold",
                        {{{"entry_id", withheld[0]},
                          {"reason", "safety_of_others"},
                          {"explanation", "de onthulling van het kind"}},
                         {{"entry_id", withheld[1]},
                          {"reason", "rights_of_others"},
                          {"explanation", "wat de moeder vertelde"}}}}};

    SECTION("bad requests name the field and store nothing") {
        const auto refused = [&](const json& body, const Expect& expected) {
            expect_rejected(store, mc.plugin().api().concern_export, officer().dump().c_str(),
                            body.dump().c_str(), expected, disclosure);
        };
        json other = request;
        other["withhold"][1]["entry_id"] = 999999;
        refused(other, {MC_E_PAYLOAD, "invalid_field", "/withhold/1/entry_id"});
        json who = request;
        who.erase("requester_relation");
        refused(who, {MC_E_PAYLOAD, "missing_field", "/requester_relation"});
        json why = request;
        why["withhold"][0]["reason"] = "because";
        refused(why, {MC_E_PAYLOAD, "schema_violation", "/withhold/0/reason"});
        json twice = request;
        twice["withhold"][1]["entry_id"] = withheld[0];
        refused(twice, {MC_E_PAYLOAD, "invalid_field", "/withhold/1/entry_id"});
        json unexplained = request;
        unexplained["withhold"][1]["explanation"] = " \n ";
        refused(unexplained, {MC_E_PAYLOAD, "invalid_field", "/withhold/1/explanation"});
        refused({{"export_ref", "x_AAAAAAAAAAAAAAAAAAAAAA"}, {"approve", true}},
                {MC_E_NOT_FOUND, "not_found", "/export_ref"});
    }
    SECTION("released by a second officer only, without what was withheld") {
        const json pending = mc.export_concern(officer(), request);
        REQUIRE(matches_schema("export_pending", pending));
        CHECK(pending.at("status") == "awaiting_approval");
        CHECK(pending.dump().find(disclosure) == std::string::npos);
        const json approve{{"export_ref", pending.at("export_ref")}, {"approve", true}};
        expect_rejected(store, mc.plugin().api().concern_export, officer().dump().c_str(),
                        approve.dump().c_str(),
                        {MC_E_CONFLICT, "second_officer_required", "/export_ref"}, disclosure);
        CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'denied.export_approval'") ==
              "1|\n");
        CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'concern.export'") == "0|\n");

        const json dossier = mc.export_concern(actor("af-2", "officer"), approve);
        REQUIRE(matches_schema("dossier", dossier));
        CHECK(dossier.at("requester_relation") == "suspected_perpetrator");
        const std::string text = dossier.dump();
        CHECK(text.find(disclosure) == std::string::npos);
        CHECK(text.find(reaction) == std::string::npos);
        CHECK(text.find(receipt) == std::string::npos);  // nor the submission it records
        CHECK(dossier.at("submissions").empty());
        for (const auto& e : dossier.at("chronology")) {
            CHECK(std::find(withheld.begin(), withheld.end(), e.at("entry_id")) == withheld.end());
        }
        CHECK(dossier.at("chronology").size() == held.at("chronology").size() - 2);
        // Released once.
        expect_rejected(store, mc.plugin().api().concern_export,
                        actor("af-3", "officer").dump().c_str(), approve.dump().c_str(),
                        {MC_E_CONFLICT, "export_released", "/export_ref"}, disclosure);
        // The store keeps the withholding sealed, like every text.
        CHECK(store.raw_bytes().find("wat de moeder vertelde") == std::string::npos);
    }
}

TEST_CASE("an admin cannot lift an officer's legal hold alone") {
    StoreFixture store;
    const auto& mc = store.mc();
    submit(store, "VHE-L", "l-1");
    const std::string ref = store.only_concern_ref("VHE-L");
    const json admin = actor("ad-1", "admin");
    mc.set_legal_hold(officer(), {{"concern_ref", ref}, {"hold", true}, {"reason", "complaint"}});
    const json lift{{"concern_ref", ref}, {"hold", false}};
    const json asked = mc.set_legal_hold(admin, lift);
    REQUIRE(matches_schema("legal_hold", asked));
    CHECK(asked.at("legal_hold").at("reason") == "complaint");
    CHECK(asked.at("legal_hold").at("lift_requested_at") == kNow);
    expect_rejected(store, mc.plugin().api().legal_hold_set, admin.dump().c_str(),
                    lift.dump().c_str(), {MC_E_CONFLICT, "second_person_required", "/hold"},
                    "complaint");
    // Placing it again cancels the request to lift.
    mc.set_legal_hold(officer(), {{"concern_ref", ref}, {"hold", true}, {"reason", "complaint"}});
    CHECK_FALSE(concern(store, ref).at("legal_hold").contains("lift_requested_at"));
    mc.set_legal_hold(admin, lift);
    CHECK(mc.set_legal_hold(actor("ad-2", "admin"), lift).at("legal_hold") == nullptr);
}

TEST_CASE("a direct signal asks the officer to call the observer back") {
    StoreFixture store;
    submit(store, "VHE-D", "d-1", {{"signals", {"mc.adults.fearful_or_tense"}}});
    submit(store, "VHE-D", "d-2", {{"signals", {"mc.home.lock_on_outside_of_inner_door"}}});
    const json chronology = concern(store, store.only_concern_ref("VHE-D")).at("chronology");
    REQUIRE(chronology.size() == 2);
    CHECK(chronology.at(0).at("data").at("call_back") == false);  // indirect, not asked
    CHECK(chronology.at(1).at("data").at("call_back") == true);   // direct
}

TEST_CASE("feedback is owed from the observer's submission, or the last interim message") {
    StoreFixture store(json{{"reminders",
                             {{"feedback_owed_after_working_days", 2},
                              {"stalled_after_working_days", json::object()}}}});
    submit(store, "VHE-F", "f-1");  // Wednesday 25 November 2026
    const std::string ref = store.only_concern_ref("VHE-F");
    const auto owed = [&store] {
        std::vector<std::string> dates;
        const json due = store.mc().steps_due(officer());
        for (const auto& step : due.at("due")) {
            if (step.at("reminder") == "feedback_owed") dates.push_back(step.at("due_date"));
        }
        return dates;
    };
    store.reopen_at("2026-11-26T12:00:00+01:00");
    CHECK(owed().empty());
    store.reopen_at("2026-11-27T12:00:00+01:00");
    CHECK(owed() == std::vector<std::string>{"2026-11-27"});
    act(store.mc(), ref, "give_feedback", {{"message", "in_progress"}});  // interim
    store.reopen_at("2026-11-30T12:00:00+01:00");
    CHECK(owed().empty());
    store.reopen_at("2026-12-01T12:00:00+01:00");
    CHECK(owed() == std::vector<std::string>{"2026-12-01"});
    act(store.mc(), ref, "give_feedback", {{"message", "completed"}});  // final
    CHECK(owed().empty());
}

TEST_CASE(
    "an action on a concern changed since it was read is refused and a retried one adds nothing") {
    StoreFixture store;
    const auto& mc = store.mc();
    const auto& api = mc.plugin().api();
    submit(store, "VHE-V", "v-1");
    const std::string ref = store.only_concern_ref("VHE-V");
    const json seen = mc.get_concern(officer(), {{"concern_ref", ref}});
    const std::int64_t version = seen.at("version");
    CHECK(version == seen.at("chronology").back().at("entry_id"));

    // Officer 1 acts on the version both read ...
    const json assign{{"concern_ref", ref},
                      {"action", "assign"},
                      {"fields", {{"assignee", "af-1"}}},
                      {"expected_version", version}};
    const json assigned = mc.act(officer(), assign);
    CHECK(assigned.at("version").get<std::int64_t>() > version);
    // ... and officer 2's action on that version is refused, changing nothing.
    json stale = assign;
    stale["fields"]["assignee"] = "af-2";
    expect_rejected(store, api.concern_act, actor("af-2", "officer").dump().c_str(),
                    stale.dump().c_str(), {MC_E_CONFLICT, "concern_changed", "/expected_version"},
                    "af-2");
    // New signals change the version too: the officer must see them first.
    submit(store, "VHE-V", "v-2");
    json on_assigned = assign;
    on_assigned["expected_version"] = assigned.at("version");
    expect_rejected(store, api.concern_act, officer().dump().c_str(), on_assigned.dump().c_str(),
                    {MC_E_CONFLICT, "concern_changed", "/expected_version"}, "af-1");

    // A retried record_acute with its key adds nothing.
    const json acute{{"concern_ref", ref},
                     {"action", "record_acute"},
                     {"idempotency_key", "acute-call-0001"},
                     {"fields",
                      {{"called_112", true},
                       {"called_veilig_thuis", false},
                       {"called_at", kNow},
                       {"summary", "112 kwam"}}}};
    const json first = mc.act(officer(), acute);
    const long long entries = store.rows("entries");
    const json retried = mc.act(officer(), acute);
    CHECK(store.rows("entries") == entries);
    CHECK(retried.at("version") == first.at("version"));
    CHECK(retried.at("chronology") == first.at("chronology"));
    // A stale If-Match on the retry does not matter: it was taken before.
    json retried_stale = acute;
    retried_stale["expected_version"] = version;
    CHECK(mc.act(officer(), retried_stale).at("version") == first.at("version"));
    // The same key for another action is refused, changing nothing.
    json other = acute;
    other["fields"]["summary"] = "anders-geheim";
    expect_rejected(store, api.concern_act, officer().dump().c_str(), other.dump().c_str(),
                    {MC_E_CONFLICT, "idempotency_key_reused", "/idempotency_key"}, "anders-geheim");
    // Another officer's key of the same text is their own.
    CHECK(mc.act(actor("af-2", "officer"), acute).at("version").get<std::int64_t>() >
          first.at("version").get<std::int64_t>());
}
