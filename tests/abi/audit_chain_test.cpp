// The tamper-evident audit trail through the C ABI: an untampered chain
// verifies; a modified, deleted, reordered row and a cut-off tail are each
// found at the right row, even when the attacker drops the triggers first.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "admin_cli.h"
#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const json kAuditor = actor("audit-1", "auditor");

// A store with some ten audit rows, the last one counting failed attempts.
void audited_activity(const StoreFixture& store) {
    for (const char* unit : {"VHE-1", "VHE-2", "VHE-3"}) {
        store.submit(std::string("WO-") + unit, unit, "tech-1", "waarneming");
        store.only_concern_ref(unit);
    }
    store.mc().record_audit(actor("meldcoded", "integration"),
                            {{"action", "authentication.failures"}, {"count", 40}});
    REQUIRE(store.rows("audit") >= 7);
}

json verify_after(StoreFixture& store, const std::string& sql) {
    store.close();
    store.tamper(sql);
    store.reopen();
    return store.mc().verify_audit(kAuditor);
}

}  // namespace

TEST_CASE("an untampered audit chain verifies, and verifying is audited") {
    StoreFixture store;
    audited_activity(store);
    const long long rows = store.rows("audit");
    const json report = store.mc().verify_audit(kAuditor);
    CHECK(report == json{{"ok", true}, {"rows", rows}});
    CHECK(store.rows("audit") == rows + 1);
    CHECK(store.mc().verify_audit(actor("beheer-1", "admin")).at("ok") == true);
    CHECK_THROWS_AS(store.mc().verify_audit(actor("af-1", "officer")), meldcode::sdk::Error);
    store.reopen();
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
}

TEST_CASE("each kind of tampering with the audit trail is found at its first row") {
    StoreFixture store;
    audited_activity(store);
    const long long last = store.rows("audit");
    struct Case {
        const char* name;
        std::string sql;
        long long id;
        const char* problem;
    };
    const Case cases[] = {
        {"a modified row", "UPDATE audit SET action = 'concern.list' WHERE id = 3", 3, "modified"},
        {"another row's actor (sealed) copied in",
         "UPDATE audit SET actor = (SELECT actor FROM audit WHERE action = "
         "'authentication.failures'), actor_key_id = (SELECT actor_key_id FROM audit WHERE "
         "action = 'authentication.failures') WHERE id = 2",
         2, "modified"},
        {"a lowered count", "UPDATE audit SET count = 2 WHERE count = 40", last, "modified"},
        {"a count given to a row of one event", "UPDATE audit SET count = 2 WHERE id = 2", 2,
         "modified"},
        {"a deleted row", "DELETE FROM audit WHERE id = 4", 4, "missing"},
        {"reordered rows",
         "UPDATE audit SET id = -1 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = 4; "
         "UPDATE audit SET id = 4 WHERE id = -1",
         3, "reordered"},
        {"a truncated tail", "DELETE FROM audit WHERE id > " + std::to_string(last - 2), last - 1,
         "truncated"},
        {"a truncated tail with a rewound head",
         "DELETE FROM audit WHERE id > 4; UPDATE audit_head SET last_id = 4", 4, "modified"},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            const json report = verify_after(store, c.sql);
            CHECK(report.at("ok") == false);
            CHECK(report.at("first_broken") == json{{"id", c.id}, {"problem", c.problem}});
        }
    }
}

TEST_CASE("meldcode-admin verifies the chain (exit 0, 1, 2), lists it and rotates keys") {
    StoreFixture store;
    audited_activity(store);
    const std::string config = config_file(store);
    store.close();

    const AdminRun ok = admin("audit-verify --config " + config + " --role auditor");
    CHECK(ok.exit_code == 0);
    CHECK(json::parse(ok.output).at("ok") == true);

    const AdminRun rotated = admin("keys-rotate --config " + config + " --batch 7");
    CHECK(rotated.exit_code == 0);
    CHECK(rotated.output.find("\"remaining\":0") != std::string::npos);

    const AdminRun listed = admin("audit-list --config " + config + " --role auditor --limit 3");
    CHECK(listed.exit_code == 0);
    std::istringstream lines(listed.output);
    std::vector<json> rows;
    for (std::string line; std::getline(lines, line);) rows.push_back(json::parse(line));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].at("action") == "keys.rotate");  // newest first
    CHECK(rows[1].at("id") == rows[0].at("id").get<int>() - 1);
    CHECK(admin("audit-list --config " + config + " --role officer").exit_code == 2);

    store.tamper("UPDATE audit SET outcome = 'denied' WHERE id = 2");
    const AdminRun broken = admin("audit-verify --config " + config);
    CHECK(broken.exit_code == 1);
    CHECK(json::parse(broken.output).at("first_broken") ==
          json{{"id", 2}, {"problem", "modified"}});

    CHECK(admin("audit-verify --config " + config + " --role officer").exit_code == 2);
    CHECK(admin("audit-verify --config /nonexistent.json").exit_code == 2);
}
