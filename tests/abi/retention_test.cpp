// Retention, legal hold and purge through the C ABI, against the real store
// file: what is due goes, what is held or open stays, a dry run changes
// nothing, and the bytes on disk keep nothing of what was purged.
#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "admin_cli.h"
#include "concern_walk.h"
#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const json kAdmin = actor("records-1", "admin");
const json kDryRun{{"dry_run", true}};
const json kPurge{{"dry_run", false}};

// Short periods, all different, so one store can step past each in turn.
const json kRetention{{"retention",
                       {{"closed_without_action_days", 10},
                        {"help_arranged_days", 20},
                        {"reported_days", 30},
                        {"host_event_days", 40}}}};

// kNow (2026-11-25T10:00:00Z) plus whole days, minus `early` seconds.
std::string days_later(int days, int early = 0) {
    const int seconds = 10 * 3600 + days * 24 * 3600 - early;  // from 2026-11-25T00:00:00Z
    const int day = seconds / 86400;
    const int rest = seconds % 86400;
    // Every date used here falls in 2026-11-25 .. 2027-03-31.
    static const int kMonthDays[] = {30, 31, 31, 28, 31};  // Nov (from 25), Dec, Jan, Feb, Mar
    static const char* kMonths[] = {"2026-11", "2026-12", "2027-01", "2027-02", "2027-03"};
    int d = 25 + day;
    int m = 0;
    while (d > kMonthDays[m]) d -= kMonthDays[m++];
    char text[32];
    std::snprintf(text, sizeof text, "%s-%02dT%02d:%02d:%02dZ", kMonths[m], d, rest / 3600,
                  rest / 60 % 60, rest % 60);
    return text;
}

// A concern with one submission on its own unit, closed with `ending` at kNow.
std::string closed_concern(StoreFixture& store, const std::string& unit, Ending ending) {
    store.submit("WO-" + unit, unit, "tech-1", "waarneming " + unit);
    std::string ref = store.only_concern_ref(unit);
    close_with(store.mc(), ref, ending);
    return ref;
}

bool exists(const StoreFixture& store, const std::string& ref) {
    try {
        store.mc().get_concern(officer(), {{"concern_ref", ref}});
        return true;
    } catch (const meldcode::sdk::Error& e) {
        REQUIRE(e.status() == MC_E_NOT_FOUND);
        return false;
    }
}

json purge_at(StoreFixture& store, const std::string& when) {
    store.reopen_at(when);
    return store.mc().purge(kAdmin, kPurge);
}

}  // namespace

TEST_CASE("each outcome is kept exactly its retention period after closing") {
    StoreFixture store(kRetention);
    const std::string without_action = closed_concern(store, "VHE-A", Ending::without_action);
    const std::string help = closed_concern(store, "VHE-H", Ending::help_arranged);
    const std::string reported = closed_concern(store, "VHE-R", Ending::reported);
    const std::vector<std::pair<int, std::string>> periods{
        {10, without_action}, {20, help}, {30, reported}};

    for (const auto& [days, ref] : periods) {
        INFO("retention of " << days << " days");
        CHECK(purge_at(store, days_later(days, 1)).at("concerns") == 0);
        CHECK(exists(store, ref));
        const json report = purge_at(store, days_later(days));
        CHECK(report.at("concerns") == 1);
        CHECK(report.at("submissions") == 1);
        // help adds the review, a report the melding
        CHECK(report.at("entries") == json(ref == without_action ? 9 : 10));
        CHECK(report.at("log_cleared") == true);
        CHECK_FALSE(exists(store, ref));
    }
    CHECK(store.rows("concerns") == 0);
    CHECK(store.rows("submissions") == 0);
    CHECK(store.rows("entries") == 0);
}

TEST_CASE("an open concern is never purged, however old") {
    StoreFixture store(kRetention);
    const std::string receipt = store.submit("WO-1", "VHE-OPEN", "tech-1", "tekst");
    const std::string ref = store.only_concern_ref("VHE-OPEN");
    // Reopened concerns are open again: their old closing time no longer counts.
    const std::string reopened = closed_concern(store, "VHE-REOPENED", Ending::without_action);
    act(store.mc(), reopened, "reopen", {{"reason", "nieuwe signalen"}});

    CHECK(purge_at(store, days_later(120)).at("concerns") == 0);
    CHECK(exists(store, ref));
    CHECK(exists(store, reopened));
    CHECK(
        store.mc().submission_status(actor("tech-1", "observer"), {{"submission_ref", receipt}}) ==
        json{{"submission_ref", receipt}, {"status", "received"}});
}

TEST_CASE("a held concern survives its retention and is purged once the hold is lifted") {
    StoreFixture store(kRetention);
    const std::string ref = closed_concern(store, "VHE-HOLD", Ending::without_action);
    const json held = store.mc().set_legal_hold(
        kAdmin, {{"concern_ref", ref}, {"hold", true}, {"reason", "complaint"}});
    CHECK(held ==
          json{{"concern_ref", ref}, {"legal_hold", {{"reason", "complaint"}, {"since", kNow}}}});

    json report = purge_at(store, days_later(11));
    CHECK(report.at("concerns") == 0);
    CHECK(report.at("held") == 1);
    // The officer sees the hold and when the retention started.
    const json concern = store.mc().get_concern(officer(), {{"concern_ref", ref}});
    CHECK(concern.at("legal_hold") == held.at("legal_hold"));
    CHECK(concern.at("closed_at") == kNow);

    // The admin cannot lift it alone: a second person, here the officer,
    // confirms; the next purge takes the concern.
    const json lift{{"concern_ref", ref}, {"hold", false}};
    CHECK(store.mc().set_legal_hold(kAdmin, lift).at("legal_hold").contains("lift_requested_at"));
    CHECK(store.mc().purge(kAdmin, kPurge).at("held") == 1);
    expect_rejected(store, store.mc().plugin().api().legal_hold_set, kAdmin.dump().c_str(),
                    lift.dump().c_str(), {MC_E_CONFLICT, "second_person_required", "/hold"},
                    "complaint");
    CHECK(store.mc().set_legal_hold(officer(), lift) ==
          json{{"concern_ref", ref}, {"legal_hold", nullptr}});
    report = store.mc().purge(kAdmin, kPurge);
    CHECK(report.at("concerns") == 1);
    CHECK(report.at("held") == 0);
    CHECK_FALSE(exists(store, ref));
    // Why it was kept, and that it was let go, outlive the concern.
    CHECK(store.audit_actors("concern.legal_hold") ==
          "concern.legal_hold.complaint|records-1|\nconcern.legal_hold_lift_requested|records-1|"
          "\nconcern.legal_hold_lifted|af-1|\n");
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action = 'denied.legal_hold_lift'") ==
          "1|\n");
}

TEST_CASE("a dry run counts what a purge would remove and changes nothing") {
    StoreFixture store(kRetention);
    closed_concern(store, "VHE-DRY", Ending::reported);
    store.reopen_at(days_later(31));
    const auto before = store.data_fingerprint();
    const long long audit_before = store.rows("audit");

    const json dry = store.mc().purge(kAdmin, kDryRun);
    CHECK(dry.at("dry_run") == true);
    CHECK(dry.at("concerns") == 1);
    CHECK(store.data_fingerprint() == before);
    // Only the dry run itself is audited.
    CHECK(store.rows("audit") == audit_before + 1);
    CHECK(store.sql("SELECT action FROM audit ORDER BY id DESC LIMIT 1") == "purge.dry_run|\n");

    json real = store.mc().purge(kAdmin, kPurge);
    CHECK(real.at("dry_run") == false);
    real["dry_run"] = true;
    CHECK(real == dry);
}

TEST_CASE("meldcode-admin purges batch by batch until none is due, and a dry run only counts") {
    StoreFixture store(kRetention);
    for (const char* unit : {"VHE-A1", "VHE-A2", "VHE-A3"}) {
        closed_concern(store, unit, Ending::reported);
    }
    store.reopen_at(days_later(31));
    const std::string config = config_file(store);
    store.close();
    const auto before = store.data_fingerprint();
    const auto lines = [](const std::string& output) {
        std::vector<std::string> result;
        std::istringstream in(output);
        for (std::string line; std::getline(in, line);) result.push_back(line);
        return result;
    };

    CHECK(admin("purge --config " + config + " --role auditor").exit_code == 2);
    const AdminRun too_small = admin("purge --config " + config + " --batch 0");
    CHECK(too_small.exit_code == 2);
    CHECK(too_small.errors.find("schema_violation") != std::string::npos);
    CHECK(too_small.errors.find("/limit: Expected number greater than or equal to 1 (option "
                                "--batch)\n") != std::string::npos);
    CHECK(store.data_fingerprint() == before);
    const AdminRun dry = admin("purge --config " + config + " --dry-run --batch 1");
    REQUIRE(dry.exit_code == 0);
    CHECK(json::parse(lines(dry.output).at(0)).at("concerns") == 3);  // counts all at once
    CHECK(lines(dry.output).at(1) == "dry run: 3 concerns due, 0 held past their retention");
    CHECK(store.data_fingerprint() == before);

    const AdminRun purged = admin("purge --config " + config + " --batch 2");
    REQUIRE(purged.exit_code == 0);
    const auto report = lines(purged.output);
    REQUIRE(report.size() == 3);
    CHECK(json::parse(report[0]).at("concerns") == 2);
    CHECK(json::parse(report[0]).at("more") == true);
    CHECK(json::parse(report[1]).at("concerns") == 1);
    CHECK(json::parse(report[1]).at("more") == false);
    CHECK(report[2] == "done: 3 concerns purged, 0 held past their retention");
    CHECK(store.rows("concerns") == 0);
    CHECK(store.rows("submissions") == 0);
}

TEST_CASE("after a purge the store file and its log hold nothing of the concern") {
    StoreFixture store(kRetention);
    const auto& mc = store.mc();
    const json observer = actor("tech-DISTINCT-4711", "observer");
    const std::vector<std::string> secrets{
        "Zag-een-hangslot-aan-de-buitenkant-QX81",  // the observation
        "VHE-DISTINCT-UNIT-993",                    // the unit
        "HH-DISTINCT-HOUSEHOLD-27",                 // the household
        "WO-DISTINCT-TICKET-5150",                  // the host's ticket
        "Gesprek-met-bewoner-DISTINCT-REACTIE-66",  // what the officer recorded
    };
    const json receipt =
        mc.submit_signals(observer, ticket_submission({{"host_ticket_id", secrets[3]},
                                                       {"unit_id", secrets[1]},
                                                       {"household_ref", secrets[2]}},
                                                      "key-distinct-1", secrets[0]));
    const std::string ref = store.only_concern_ref(secrets[1]);
    act(mc, ref, "record_acute",
        {{"called_112", false},
         {"called_veilig_thuis", true},
         {"veilig_thuis_call", "report"},
         {"called_at", kNow},
         {"summary", secrets[4]}});
    close_with(mc, ref, Ending::reported);
    const std::string submission_ref = receipt.at("submission_ref");

    // The search can see a row: the concern's reference is kept in clear.
    // (Unit, household, ticket and text are sealed before the purge too.)
    store.reopen();
    CHECK(store.raw_bytes().find(ref) != std::string::npos);
    // Its notifications, kept until a host acknowledges them (none did), too.
    CHECK(store.rows("events") == 2);  // concern_created, feedback_ready

    CHECK(purge_at(store, days_later(30)).at("concerns") == 1);
    const std::string bytes = store.raw_bytes();
    for (const auto& secret : secrets) {
        INFO(secret);
        CHECK(bytes.find(secret) == std::string::npos);
    }
    CHECK(bytes.find(ref) == std::string::npos);
    CHECK(bytes.find(submission_ref) == std::string::npos);
    // The observer's id stays only where the audit trail records who acted
    // (sealed there, for auditors).
    CHECK(store.audit_actors("signals.submit") == "signals.submit|tech-DISTINCT-4711|\n");
    CHECK(store.sql("SELECT count(*) FROM submissions") == "0|\n");

    // What remains of it: the purge in the audit, by whom, for which concern id.
    CHECK(store.sql("SELECT a.actor_role FROM audit a WHERE a.action = "
                    "'concern.purged' AND a.concern_id = (SELECT concern_id FROM audit WHERE "
                    "action = 'signals.submit')") == "admin|\n");
    CHECK(store.audit_actors("concern.purged") == "concern.purged|records-1|\n");
    // Every way in answers as if it never existed (a new instance: the clock moved).
    const auto& now_mc = store.mc();
    std::string out;
    for (const json& request :
         {json{{"concern_ref", ref}}, json{{"submission_ref", submission_ref}}}) {
        CHECK(now_mc.call_raw(now_mc.plugin().api().concern_get, officer().dump().c_str(),
                              request.dump().c_str(), out) == MC_E_NOT_FOUND);
    }
    CHECK(now_mc.call_raw(now_mc.plugin().api().submission_status, observer.dump().c_str(),
                          json{{"submission_ref", submission_ref}}.dump().c_str(),
                          out) == MC_E_NOT_FOUND);
}

TEST_CASE("host events of a unit without a concern are kept for their own period") {
    StoreFixture store(kRetention);
    const auto& mc = store.mc();
    const json erp = actor("erp", "integration");
    const auto event = [](const std::string& id, const std::string& unit) {
        return json{{"event_id", id},
                    {"unit_id", unit},
                    {"kind", "rent_arrears"},
                    {"occurred_at", kNow},
                    {"count", 3}};
    };
    mc.report_host_event(erp, event("EV-ALONE", "VHE-EVENTS-ONLY"));
    // A unit whose (open) concern shows its unit-level events keeps them.
    mc.report_host_event(erp, event("EV-WITH-CONCERN", "VHE-WITH-CONCERN"));
    store.submit("WO-9", "VHE-WITH-CONCERN", "tech-1", "tekst");

    CHECK(purge_at(store, days_later(40, 1)).at("unattached_host_events") == 0);
    CHECK(purge_at(store, days_later(40)).at("unattached_host_events") == 1);
    // The one kept is the event of the unit with a concern, which still shows it.
    CHECK(store.sql("SELECT count(*) FROM entries WHERE concern_id IS NULL") == "1|\n");
    const json kept = store.mc().get_concern(
        officer(), {{"concern_ref", store.only_concern_ref("VHE-WITH-CONCERN")}});
    bool host_event_shown = false;
    for (const json& item : kept.at("chronology")) {
        if (item.at("kind") == "host_event") host_event_shown = true;
    }
    CHECK(host_event_shown);
}

TEST_CASE("only an admin may purge, and a refusal is audited and removes nothing") {
    StoreFixture store(kRetention);
    closed_concern(store, "VHE-ROLE", Ending::without_action);
    store.reopen_at(days_later(11));
    store.check_refused(store.mc().plugin().api().purge, kPurge,
                        {"observer", "officer", "auditor", "integration"}, "purge_concerns");
    CHECK(store.rows("concerns") == 1);
}

TEST_CASE("only officers and admins may place a legal hold, and a refusal is audited") {
    StoreFixture store(kRetention);
    const std::string ref = closed_concern(store, "VHE-HOLD-ROLE", Ending::without_action);
    store.check_refused(store.mc().plugin().api().legal_hold_set,
                        {{"concern_ref", ref}, {"hold", true}, {"reason", "legal_proceedings"}},
                        {"observer", "auditor", "integration"}, "set_legal_hold");
}

TEST_CASE("a later concern of the unit loses only its pointer to a purged one") {
    StoreFixture store(kRetention);
    const std::string old_ref = closed_concern(store, "VHE-AGAIN", Ending::without_action);
    store.submit("WO-AGAIN-2", "VHE-AGAIN", "tech-2", "nieuwe waarneming");
    const json page = store.mc().list_concerns(officer(), {{"unit_id", "VHE-AGAIN"}});
    REQUIRE(page.at("items").at(0).at("related_concern_ref") == old_ref);
    const std::string new_ref = page.at("items").at(0).at("concern_ref");

    CHECK(purge_at(store, days_later(10)).at("concerns") == 1);
    const json later = store.mc().get_concern(officer(), {{"concern_ref", new_ref}});
    CHECK(later.at("related_concern_ref") == nullptr);
    CHECK(later.at("chronology").size() == 1);
}

TEST_CASE("after a purge the audit trail keeps its rows but no longer names the concern") {
    StoreFixture store(kRetention);
    const std::string ref = closed_concern(store, "VHE-AUDIT", Ending::reported);
    const auto submitted = [&store] {
        const json page =
            store.mc().list_audit(actor("audit-1", "auditor"), {{"action", "signals.submit"}});
        REQUIRE(page.at("items").size() == 1);
        return page.at("items").at(0).at("concern_ref");
    };
    CHECK(submitted() == ref);
    CHECK(purge_at(store, days_later(31)).at("concerns") == 1);
    CHECK(submitted().is_null());
}

TEST_CASE("a retried hold, lift or purge does nothing more and answers as the first time") {
    StoreFixture store(kRetention);
    const auto& api = store.mc().plugin().api();
    const std::string ref = closed_concern(store, "VHE-RETRY", Ending::without_action);
    const std::string later = closed_concern(store, "VHE-LATER", Ending::help_arranged);
    const json hold{{"concern_ref", ref},
                    {"hold", true},
                    {"reason", "complaint"},
                    {"idempotency_key", "hold-0001"}};
    const json held = store.mc().set_legal_hold(kAdmin, hold);
    // A day later the retry does not restart the hold's `since`.
    store.reopen_at(days_later(1));
    CHECK(store.mc().set_legal_hold(kAdmin, hold) == held);

    // A retried request to lift is not the same person asking twice...
    const json lift{{"concern_ref", ref}, {"hold", false}, {"idempotency_key", "lift-0001"}};
    const json asked = store.mc().set_legal_hold(kAdmin, lift);
    CHECK(asked.at("legal_hold").contains("lift_requested_at"));
    CHECK(store.mc().set_legal_hold(kAdmin, lift) == asked);
    // ...but asking again without the key still is.
    const json again{{"concern_ref", ref}, {"hold", false}};
    expect_rejected(store, api.legal_hold_set, kAdmin.dump().c_str(), again.dump().c_str(),
                    {MC_E_CONFLICT, "second_person_required", "/hold"}, "complaint");
    // The same key for another request is refused and changes nothing.
    json other = lift;
    other["idempotency_key"] = "hold-0001";
    expect_rejected(store, api.legal_hold_set, kAdmin.dump().c_str(), other.dump().c_str(),
                    {MC_E_CONFLICT, "idempotency_key_reused", "/idempotency_key"}, ref);
    CHECK(store.mc().set_legal_hold(actor("records-2", "admin"), again).at("legal_hold") ==
          nullptr);

    const json purge{{"dry_run", false}, {"idempotency_key", "purge-0001"}};
    store.reopen_at(days_later(11));
    const json report = store.mc().purge(kAdmin, purge);
    CHECK(report.at("concerns") == 1);
    CHECK(exists(store, later));
    store.reopen_at(days_later(22));
    const long long audit_rows = store.rows("audit");
    // The retry purges nothing more, although another concern is due now.
    CHECK(store.mc().purge(kAdmin, purge) == report);
    CHECK(exists(store, later));
    CHECK(store.rows("audit") == audit_rows + 1);  // the read by exists() only
    // The same key for a dry run is another request.
    expect_rejected(store, api.purge, kAdmin.dump().c_str(),
                    json{{"dry_run", true}, {"idempotency_key", "purge-0001"}}.dump().c_str(),
                    {MC_E_CONFLICT, "idempotency_key_reused", "/idempotency_key"}, "purge-0001");
    CHECK(store.mc().purge(kAdmin, kPurge).at("concerns") == 1);
    CHECK_FALSE(exists(store, later));
}
