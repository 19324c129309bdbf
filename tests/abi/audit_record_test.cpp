// A host's own security events through the C ABI (mc_audit_record): an
// integration records a failed authentication it turned away, an auditor
// finds it in the trail as a denied row without a concern and the chain still
// verifies; other roles are refused (and that is audited); a bad event is
// refused with code and pointer before anything is stored.
#include <catch2/catch.hpp>
#include <string>

#include "abi/schema_validator.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const json kAuditor = actor("audit-1", "auditor");
const json kSidecar = actor("meldcoded", "integration");

mc_status record(const StoreFixture& store, const char* actor_text, const char* event_text) {
    return store.mc().plugin().api().audit_record(store.mc().handle(), actor_text, event_text);
}

void check_bad_event(const StoreFixture& store, const std::string& event, mc_status status,
                     const std::string& code, const std::string& pointer) {
    INFO(event);
    const std::string before = store.data_fingerprint();
    const long long audit_rows = store.rows("audit");
    REQUIRE(record(store, kSidecar.dump().c_str(), event.c_str()) == status);
    const mc_error* error = store.mc().plugin().api().last_error();
    REQUIRE(error != nullptr);
    CHECK(error->status == status);
    CHECK(std::string(error->code) == code);
    CHECK(std::string(error->pointer) == pointer);
    CHECK_FALSE(std::string(error->message).empty());
    CHECK(store.data_fingerprint() == before);
    CHECK(store.rows("audit") == audit_rows);
}

}  // namespace

TEST_CASE("an integration records failed authentications, and the chain still verifies") {
    StoreFixture store;
    store.submit("WO-record-1", "VHE-RECORD-1", "tech-1", "Buren hoorden geschreeuw");
    const long long rows = store.rows("audit");
    for (const char* action : {"authentication.missing_token", "authentication.invalid_token",
                               "authentication.rate_limited"}) {
        store.mc().record_audit(kSidecar, {{"action", action}});
    }
    store.mc().record_audit(actor("beheer-1", "admin"),
                            {{"action", "authentication.invalid_token"}});
    REQUIRE(store.rows("audit") == rows + 4);

    const json items = store.mc().list_audit(kAuditor, {{"limit", 4}}).at("items");
    REQUIRE(items.size() == 4);
    const json& rate_limited = items.at(1);
    CHECK(rate_limited == json{{"id", rows + 3},
                               {"at", rate_limited.at("at")},
                               {"actor", kSidecar},
                               {"action", "authentication.rate_limited"},
                               {"concern_ref", nullptr},
                               {"outcome", "denied"}});
    CHECK(items.at(0).at("actor") == actor("beheer-1", "admin"));
    CHECK(items.at(2).at("action") == "authentication.invalid_token");
    CHECK(items.at(3).at("action") == "authentication.missing_token");
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
}

TEST_CASE("a row standing for many failed attempts keeps their count in the chain") {
    StoreFixture store;
    store.mc().record_audit(kSidecar, {{"action", "authentication.failures"}, {"count", 37}});
    const json newest = store.mc().list_audit(kAuditor, {{"limit", 1}}).at("items").at(0);
    CHECK(newest.at("action") == "authentication.failures");
    CHECK(newest.at("count") == 37);
    CHECK(newest.at("outcome") == "denied");
    CHECK(matches_schema("audit_page", json{{"items", {newest}}, {"next_cursor", nullptr}}));
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
    // Rows of one event carry no count.
    store.mc().record_audit(kSidecar, {{"action", "authentication.invalid_token"}});
    CHECK_FALSE(
        store.mc().list_audit(kAuditor, {{"limit", 2}}).at("items").at(1).contains("count"));
}

TEST_CASE("observers, officers and auditors may not record audit events") {
    StoreFixture store;
    const std::string before = store.data_fingerprint();
    const std::string event = json{{"action", "authentication.missing_token"}}.dump();
    for (const char* role : {"observer", "officer", "auditor"}) {
        INFO(role);
        const long long denied = store.rows("audit");
        CHECK(record(store, actor("someone", role).dump().c_str(), event.c_str()) ==
              MC_E_FORBIDDEN);
        CHECK(std::string(store.mc().plugin().api().last_error()->code) == "forbidden");
        // The refusal is the only new row: audited like every denial, no event.
        REQUIRE(store.rows("audit") == denied + 1);
        const json newest = store.mc().list_audit(kAuditor, {{"limit", 1}}).at("items").at(0);
        CHECK(newest.at("action") == "denied.record_audit");
        CHECK(newest.at("outcome") == "denied");
    }
    CHECK(store.sql("SELECT count(*) FROM audit WHERE action LIKE 'authentication.%'") == "0|\n");
    CHECK(store.data_fingerprint() == before);
}

TEST_CASE("a bad audit event is refused with code and pointer and stores nothing") {
    StoreFixture store;
    store.submit("WO-record-2", "VHE-RECORD-2", "tech-2", "Kind met blauwe plekken");
    check_bad_event(store, R"({"action":"authentication.missing_token")", MC_E_JSON, "invalid_json",
                    "");
    check_bad_event(store, "{\"action\":\"authentication.\xff\xfe\"}", MC_E_JSON, "invalid_utf8",
                    "");
    check_bad_event(store, R"({"action":7})", MC_E_PAYLOAD, "schema_violation", "/action");
    check_bad_event(store, R"(["authentication.missing_token"])", MC_E_PAYLOAD, "schema_violation",
                    "");
    check_bad_event(store, R"({"action":"concern.read"})", MC_E_PAYLOAD, "schema_violation",
                    "/action");
    check_bad_event(store, R"({})", MC_E_PAYLOAD, "missing_field", "/action");
    // A count belongs to authentication.failures, which needs one.
    check_bad_event(store, R"({"action":"authentication.failures"})", MC_E_PAYLOAD, "missing_field",
                    "/count");
    check_bad_event(store, R"({"action":"authentication.invalid_token","count":2})", MC_E_PAYLOAD,
                    "schema_violation", "/action");
    check_bad_event(store, R"({"action":"authentication.failures","count":0})", MC_E_PAYLOAD,
                    "schema_violation", "/count");
    check_bad_event(store, R"({"action":"authentication.failures","count":"12"})", MC_E_PAYLOAD,
                    "schema_violation", "/count");
    // An extra member is the object's fault: the pointer names the object.
    check_bad_event(store,
                    R"({"action":"authentication.invalid_token","client_address":"192.0.2.7"})",
                    MC_E_PAYLOAD, "schema_violation", "");
    const long long audit_rows = store.rows("audit");
    CHECK(record(store, kSidecar.dump().c_str(), nullptr) == MC_E_ARGUMENT);
    CHECK(std::string(store.mc().plugin().api().last_error()->code) == "null_argument");
    CHECK(store.rows("audit") == audit_rows);
}
