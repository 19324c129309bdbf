// Reading the audit trail through the C ABI (mc_audit_list): an auditor pages
// through every row of a scenario, newest first, and sees who did what to
// which concern reference, never what was reported; the reading is audited;
// other roles are refused; a bad query is refused before anything happens.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const json kAuditor = actor("audit-1", "auditor");
const std::string kText = "Kelderbox vol lege flessen, kind huilde lang (AUDITLIST-7731)";
const std::string kUnit = "VHE-AUDIT-42";

// Submission, an officer's list and read, and an observer refused.
std::string scenario(const StoreFixture& store) {
    store.submit("WO-audit-1", kUnit, "tech-1", kText);
    std::string ref = store.only_concern_ref(kUnit);
    store.mc().get_concern(actor("af-1", "officer"), {{"concern_ref", ref}});
    CHECK_THROWS_AS(store.mc().list_concerns(actor("tech-1", "observer"), json::object()),
                    meldcode::sdk::Error);
    return ref;
}

// Every page from the newest row on, `limit` rows at a time.
std::vector<json> all_pages(const StoreFixture& store, int limit) {
    std::vector<json> pages;
    json query{{"limit", limit}};
    for (;;) {
        pages.push_back(store.mc().list_audit(kAuditor, query));
        const json& next = pages.back().at("next_cursor");
        if (next.is_null()) return pages;
        query["cursor"] = next;
    }
}

void check_bad_query(const StoreFixture& store, const json& query, const std::string& pointer) {
    INFO(query.dump());
    const std::string before = store.data_fingerprint();
    const long long audit_rows = store.rows("audit");
    try {
        store.mc().list_audit(kAuditor, query);
        FAIL("a bad audit query was accepted");
    } catch (const meldcode::sdk::Error& e) {
        CHECK(e.status() == MC_E_PAYLOAD);
        CHECK(e.pointer() == pointer);
    }
    CHECK(store.data_fingerprint() == before);
    CHECK(store.rows("audit") == audit_rows);
}

}  // namespace

TEST_CASE("an auditor pages through the whole audit trail and sees no concern content") {
    StoreFixture store;
    const std::string ref = scenario(store);
    const long long rows = store.rows("audit");

    const std::vector<json> pages = all_pages(store, 2);
    std::vector<long long> ids;
    std::set<std::string> actions;
    for (const json& page : pages) {
        const std::string text = page.dump();
        CHECK(text.find("AUDITLIST-7731") == std::string::npos);
        CHECK(text.find(kUnit) == std::string::npos);
        for (const json& item : page.at("items")) {
            ids.push_back(item.at("id"));
            actions.insert(item.at("action").get<std::string>());
            if (item.at("action") == "signals.submit") CHECK(item.at("concern_ref") == ref);
        }
    }
    // Newest first, every row once: the reads append above the first page.
    REQUIRE(ids.size() == static_cast<std::size_t>(rows));
    for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == rows - static_cast<long long>(i));
    for (const char* action :
         {"signals.submit", "concern.list", "concern.read", "denied.list_concerns"}) {
        CHECK(actions.count(action) == 1);
    }
}

TEST_CASE("reading the audit trail is audited, and filters select rows") {
    StoreFixture store;
    scenario(store);
    const long long rows = store.rows("audit");
    store.mc().list_audit(kAuditor, {{"limit", 1}});
    CHECK(store.rows("audit") == rows + 1);

    const json newest = store.mc().list_audit(actor("beheer-1", "admin"), {{"limit", 1}});
    CHECK(newest.at("items").at(0) == json{{"id", rows + 1},
                                           {"at", newest.at("items").at(0).at("at")},
                                           {"actor", kAuditor},
                                           {"action", "audit.read"},
                                           {"concern_ref", nullptr},
                                           {"outcome", "ok"}});
    const json denied = store.mc().list_audit(kAuditor, {{"outcome", "denied"}});
    REQUIRE(denied.at("items").size() == 1);
    CHECK(denied.at("items").at(0).at("action") == "denied.list_concerns");
    CHECK(denied.at("next_cursor").is_null());
    const json reads = store.mc().list_audit(kAuditor, {{"action", "audit.read"}});
    CHECK(reads.at("items").size() == 3);
}

TEST_CASE("officers, observers and integrations may not read the audit trail") {
    StoreFixture store;
    scenario(store);
    store.check_refused(store.mc().plugin().api().audit_list, json::object(),
                        {"officer", "observer", "integration"}, "read_audit");
}

TEST_CASE("a bad audit query is refused with a pointer and changes nothing") {
    StoreFixture store;
    scenario(store);
    check_bad_query(store, {{"limit", 0}}, "/limit");
    check_bad_query(store, {{"limit", 501}}, "/limit");
    check_bad_query(store, {{"limit", "10"}}, "/limit");
    check_bad_query(store, {{"cursor", 12}}, "/cursor");
    check_bad_query(store, {{"cursor", "9999999999999999999"}}, "/cursor");
    check_bad_query(store, {{"outcome", "failed"}}, "/outcome");
}
