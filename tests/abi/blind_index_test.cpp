// Blind indexes through the C ABI (issue 20, point 3): the store (on SQLite
// the file and its write-ahead log; on PostgreSQL a real pg_dump of the
// store's schema and every value of every table) holds no unit id, household
// reference, technician id or host ticket id, and every look-up by one of
// them still finds what it found before, also in the middle of a key
// rotation and after it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const json kOfficer = actor("af-1", "officer");
const json kAdmin = actor("beheer-1", "admin");
const json kAuditor = actor("audit-1", "auditor");
const json kErp = actor("erp", "integration");

// Distinctive ids of each kind; none of them may be found in the store.
const std::string kUnit = "VHE-BLIND-7Q3Z";
const std::string kEventUnit = "VHE-BLIND-5K2X";  // host events before any concern
const std::string kMovedTo = "VHE-BLIND-1D8S";    // where the household moves
const std::string kHousehold = "HH-BLIND-2M8W";
const std::string kTech = "tech-BLIND-9R4D";
const std::string kOtherTech = "tech-BLIND-6N1P";
const std::string kTicket = "WO-BLIND-3F7J";
const std::string kHouseholdTicket = "WO-BLIND-8C2V";
const std::string kMoveTicket = "WO-BLIND-4H6T";
const std::string kEventTicket = "WO-BLIND-0L5G";

const std::vector<std::string>& every_id() {
    static const std::vector<std::string> ids{kUnit,       kEventUnit,  kMovedTo, kHousehold,
                                              kTech,       kOtherTech,  kTicket,  kHouseholdTicket,
                                              kMoveTicket, kEventTicket};
    return ids;
}

// `bytes`: the store as someone without the key ring could read it.
void check_no_id(const std::string& bytes) {
    INFO("the store's " << bytes.size() << " bytes");
    for (const std::string& id : every_id()) {
        INFO(id);
        CHECK(bytes.find(id) == std::string::npos);
    }
}

json observer(const std::string& id) {
    return actor(id, "observer");
}

// The ticket of a submission without a prompt, naming the household.
json household_ticket(const std::string& ticket_id, const std::string& unit) {
    return {{"host_ticket_id", ticket_id}, {"unit_id", unit}, {"household_ref", kHousehold}};
}

json host_event(const std::string& id, const std::string& unit, const std::string& kind) {
    json event{{"event_id", id}, {"unit_id", unit}, {"kind", kind}, {"occurred_at", kNow}};
    if (kind == "rent_arrears") event["count"] = 3;
    return event;
}

struct Written {
    std::string concern_ref;
    std::string submission_ref;            // kTech's
    std::string household_submission_ref;  // kOtherTech's, naming the household
    json prompt;                           // answered later
};

// Uses every kind of id: a technician's prompt and submission at a unit, a
// second technician naming the household, a host event at a unit without a
// concern, a change of tenant, an observer's status request (audited).
// Idempotency keys are chosen not to repeat any id.
Written write_every_id(const StoreFixture& store) {
    const auto& mc = store.mc();
    const json prompt = store.prompt_for(kTicket, kUnit, kTech);
    const std::string submission_ref =
        mc.submit_signals(observer(kTech),
                          submission(prompt.at("prompt_token"), "idem-0001", "tekst"))
            .at("submission_ref");
    const std::string household_submission_ref =
        mc.submit_signals(
              observer(kOtherTech),
              ticket_submission(household_ticket(kHouseholdTicket, kUnit), "idem-0002", "tekst"))
            .at("submission_ref");
    mc.report_host_event(kErp, host_event("EV-B1", kEventUnit, "rent_arrears"));
    mc.report_host_event(kErp, host_event("EV-B2", kMovedTo, "tenant_changed"));
    mc.submission_status(observer(kTech), {{"submission_ref", submission_ref}});
    return {store.only_concern_ref(kUnit), submission_ref, household_submission_ref,
            store.prompt_for(kEventTicket, kEventUnit, kTech)};
}

// Every look-up by an id finds what it found when the ids were in clear.
// `old_digests`: the ring still holds the key the first submissions' request
// digests were made under (a rotation does not re-key those).
void check_lookups(const StoreFixture& store, const Written& written, bool old_digests = true) {
    const auto& mc = store.mc();
    // By unit: the list's filter, and a concern's own fields read back.
    CHECK(store.only_concern_ref(kUnit) == written.concern_ref);
    const json concern = mc.get_concern(kOfficer, {{"concern_ref", written.concern_ref}});
    CHECK(concern.at("unit_id") == kUnit);
    CHECK(concern.at("household_ref") == kHousehold);
    // By observer: their own submission's status, and nobody else's.
    CHECK(mc.submission_status(observer(kTech), {{"submission_ref", written.submission_ref}})
              .contains("status"));
    CHECK_THROWS_AS(
        mc.submission_status(observer(kOtherTech), {{"submission_ref", written.submission_ref}}),
        meldcode::sdk::Error);
    // By observer and idempotency key: a retry answers the first receipt.
    const json retry =
        ticket_submission(household_ticket(kHouseholdTicket, kUnit), "idem-0002", "tekst");
    if (old_digests) {
        CHECK(mc.submit_signals(observer(kOtherTech), retry).at("submission_ref") ==
              written.household_submission_ref);
    } else {
        // Found, but its digest cannot be checked without the old key.
        try {
            mc.submit_signals(observer(kOtherTech), retry);
            FAIL("a retry was taken as a new submission");
        } catch (const meldcode::sdk::Error& e) {
            CHECK(e.code() == "idempotency_key_reused");
        }
    }
    // By ticket: a ticket asked about is not asked again.
    CHECK(mc.ticket_closed(observer(kTech), ticket(kTicket, kUnit, kTech)).at("reason") ==
          "already_prompted");
}

// The unit's host events from before its first concern join that concern.
void check_unit_events(const StoreFixture& store, const Written& written) {
    const auto& mc = store.mc();
    mc.submit_signals(observer(kTech),
                      submission(written.prompt.at("prompt_token"), "idem-0003", "tekst"));
    const json concern =
        mc.get_concern(kOfficer, {{"concern_ref", store.only_concern_ref(kEventUnit)}});
    bool host_event_seen = false;
    for (const json& item : concern.at("chronology")) {
        if (item.at("kind") == "host_event") host_event_seen = true;
    }
    CHECK(host_event_seen);
}

// By household: the household moves, its concern moves with it.
void check_household_moves(const StoreFixture& store, const Written& written) {
    store.mc().submit_signals(
        observer(kOtherTech),
        ticket_submission(household_ticket(kMoveTicket, kMovedTo), "idem-0004", "tekst"));
    CHECK(store.only_concern_ref(kMovedTo) == written.concern_ref);
}

// Auditors still see who did what.
void check_audit_names_actors(const StoreFixture& store) {
    const json page = store.mc().list_audit(kAuditor, {{"limit", 500}});
    bool technician_named = false;
    for (const json& item : page.at("items")) {
        if (item.at("actor").at("id") == kTech) technician_named = true;
    }
    CHECK(technician_named);
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
}

}  // namespace

TEST_CASE("the store holds no unit, household, technician or ticket id, and finds each of them") {
    StoreFixture store;
    const Written written = write_every_id(store);
    // On SQLite the newest pages are in the WAL only while the instance is open.
    if (!on_postgres()) REQUIRE(std::filesystem::file_size(store.store_path() + "-wal") > 0);
    // What is kept in clear is found: the search reads the whole store.
    CHECK(store.raw_bytes().find(written.concern_ref) != std::string::npos);
    check_no_id(store.raw_bytes());
    check_lookups(store, written);
    check_unit_events(store, written);
    check_audit_names_actors(store);
    store.close();  // on SQLite: checkpoints the WAL into the file; writes the prompt log
    check_no_id(store.raw_bytes());
    store.reopen();
    check_lookups(store, written);
    check_household_moves(store, written);
    check_no_id(store.raw_bytes());
}

TEST_CASE("look-ups by unit, household, observer and ticket hold through a key rotation") {
    StoreFixture store;
    const Written written = write_every_id(store);
    store.close();  // the prompt log is written under the old key too

    json ring = fixture_ring(store);
    ring["keys"]["k-new"] = std::string(64, 'd');
    ring["active"] = "k-new";
    store.reopen_with_keys(key_ring_file(store, "both.keys", ring));
    // Nothing rotated yet: every row is under the old key.
    check_lookups(store, written);
    // Half-way: some rows under each key.
    json progress = store.mc().rotate_keys(kAdmin, {{"batch", 7}});
    REQUIRE(progress.at("remaining") > 0);
    check_lookups(store, written);
    check_unit_events(store, written);
    while (progress.at("remaining") > 0) progress = store.mc().rotate_keys(kAdmin, {{"batch", 7}});

    const json only_new = {{"active", "k-new"}, {"keys", {{"k-new", std::string(64, 'd')}}}};
    store.reopen_with_keys(key_ring_file(store, "new.keys", only_new));
    check_lookups(store, written, /*old_digests=*/false);
    check_household_moves(store, written);
    check_audit_names_actors(store);
    store.close();
    check_no_id(store.raw_bytes());
}
