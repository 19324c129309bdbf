// mc_figures_get (ABI 1.3): the figures count what officers recorded through
// the ABI, survive a purge, are for managers and officers only, and a bad
// request is a clear error that is audited and changes nothing.
#include <catch2/catch.hpp>
#include <fstream>

#include "concern_walk.h"
#include "figures_attack.h"
#include "plugin_fixture.h"

namespace meldcode::test {
namespace {

json figures_of(const StoreFixture& store, const std::string& from, const std::string& to,
                const std::string& role = "manager") {
    return store.mc().figures(actor("board-1", role), {{"from", from}, {"to", to}});
}

const json& row_of(const json& figures, const std::string& table, const std::string& row) {
    for (const auto& t : figures.at("tables")) {
        for (const auto& r : t.at("rows")) {
            if (t.at("table") == table && r.at("row") == row) return r;
        }
    }
    throw std::runtime_error("no row " + table + "/" + row);
}

json first_valid_example(const std::string& schema) {
    const auto dir =
        std::filesystem::path(MELDCODE_SOURCE_DIR) / "schemas" / "examples" / schema / "valid";
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(dir)) files.push_back(f.path());
    std::sort(files.begin(), files.end());
    std::ifstream in(files.at(0));
    return json::parse(in);
}

long long audit_rows(const StoreFixture& store, const std::string& action,
                     const std::string& outcome) {
    return std::stoll(store.sql("SELECT count(*) FROM audit WHERE action = '" + action +
                                "' AND outcome = '" + outcome + "'"));
}

// Ten concerns opened on the fixture's day (2026-Q4), three of each ending
// and one still open, every observer told the same day.
void ten_concerns(const StoreFixture& store) {
    const Ending endings[] = {Ending::reported, Ending::without_action, Ending::help_arranged};
    for (int i = 0; i < 10; ++i) {
        const std::string unit = "VHE-F" + std::to_string(i);
        store.submit("WO-F" + std::to_string(i), unit, "tech-" + std::to_string(i), "gezien");
        if (i < 9) close_with(store.mc(), store.only_concern_ref(unit), endings[i % 3]);
    }
}

}  // namespace

TEST_CASE("figures count what officers recorded, and a purge leaves them", "[figures]") {
    StoreFixture store(json{{"figures", {{"min_cell", 3}}}});
    ten_concerns(store);
    const json before = figures_of(store, "2026-Q4", "2026-Q4");
    CHECK(before.at("min_cell") == 3);
    CHECK(before.at("quarters") == json::array({{{"quarter", "2026-Q4"}, {"complete", false}}}));
    CHECK(row_of(before, "opened", "concerns").at("counts") == json::array({10}));
    CHECK(row_of(before, "priority", "urgent").at("counts") == json::array({10}));  // children
    CHECK(row_of(before, "priority", "acute").at("counts") == json::array({0}));
    CHECK(row_of(before, "signal_category", "mc.children").at("counts") == json::array({10}));
    CHECK(row_of(before, "signal_category", "mc.home").at("counts") == json::array({10}));
    // Three of each ending; the one open concern is hidden, with a complement.
    CHECK(row_of(before, "outcome", "open").at("counts") == json::array({nullptr}));
    int outcomes_shown = 0;
    for (const char* outcome : {"reported", "help_arranged", "closed_without_action"}) {
        const json& n = row_of(before, "outcome", outcome).at("counts").at(0);
        if (!n.is_null()) CHECK(n == 3);
        outcomes_shown += n.is_null() ? 0 : 1;
    }
    CHECK(outcomes_shown == 2);
    CHECK(row_of(before, "melding", "feedback_awaited").at("counts") == json::array({3}));
    CHECK(row_of(before, "melding", "none").at("counts") == json::array({7}));
    // One still owed (hidden), so the nine told in time are hidden with it:
    // shown beside the ten opened, they would give the one away.
    CHECK(row_of(before, "reporter_feedback", "owed").at("counts") == json::array({nullptr}));
    CHECK(row_of(before, "reporter_feedback", "in_time").at("counts") == json::array({nullptr}));
    CHECK(row_of(before, "reporter_feedback", "late").at("counts") == json::array({0}));
    CHECK(before.at("acute_share") == json::array({0.0}));
    for (const auto& m : before.at("median_days")) {
        INFO(m.at("milestone"));
        // Help arranged skips no step; the others skip step 5's review: all the same day.
        CHECK(m.at("days") == json::array({0.0}));
    }
    CHECK(FiguresAttack(before).revealed().empty());
    // Every category and route is a row, also at zero: a row's presence says nothing.
    CHECK(row_of(before, "signal_category", "mc.honour").at("counts") == json::array({0}));
    CHECK(row_of(before, "route", "comensha").at("counts") == json::array({0}));
    CHECK(store.rows("figures") == 10);
    CHECK(audit_rows(store, "figures.read", "ok") == 1);

    // Past every retention period, the admin purges the nine closed concerns.
    store.reopen_at("2032-01-15T10:00:00Z");
    const json report = store.mc().purge(actor("admin-1", "admin"), {{"dry_run", false}});
    REQUIRE(report.at("concerns") == 9);
    CHECK(store.rows("concerns") == 1);
    CHECK(store.rows("figures") == 10);
    CHECK(store.sql("SELECT count(*) FROM figures WHERE concern_id IS NULL") == "9|\n");
    const json after = figures_of(store, "2026-Q4", "2026-Q4");
    CHECK(after.at("quarters") == json::array({{{"quarter", "2026-Q4"}, {"complete", true}}}));
    for (const char* member : {"tables", "acute_share", "median_days", "years", "min_cell"}) {
        INFO(member);
        CHECK(after.at(member) == before.at(member));
    }
}

TEST_CASE("a figures row holds no content, no id and no date", "[figures]") {
    StoreFixture store;
    store.submit("WO-P1", "VHE-P1", "tech-p1", "Deur van de kinderkamer op slot van buitenaf");
    const std::string ref = store.only_concern_ref("VHE-P1");
    const std::string row = store.sql("SELECT quarter, data FROM figures");
    CHECK(row.rfind("2026-Q4|", 0) == 0);
    for (const char* secret : {"Deur", "VHE-P1", "WO-P1", "tech-p1", "2026-11-25"}) {
        INFO(secret);
        CHECK(row.find(secret) == std::string::npos);
    }
    CHECK(row.find(ref) == std::string::npos);
}

TEST_CASE("officers and managers see figures, every other role is refused and audited",
          "[figures][access]") {
    StoreFixture store;
    const json request{{"from", "2026-Q1"}, {"to", "2026-Q4"}};
    CHECK_NOTHROW(figures_of(store, "2026-Q1", "2026-Q4", "officer"));
    CHECK_NOTHROW(figures_of(store, "2026-Q1", "2026-Q4", "manager"));
    store.check_refused(store.mc().plugin().api().figures_get, request,
                        {"observer", "auditor", "admin", "integration"}, "read_figures");
}

TEST_CASE("a manager is refused everything but the figures, each refusal audited",
          "[figures][access]") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::vector<std::pair<sdk::Instance::Call, const char*>> calls{
        {api.ticket_closed, "ticket"},
        {api.signals_submit, "submission"},
        {api.submission_status, "submission_status_request"},
        {api.host_event_report, "host_event"},
        {api.concerns_list, "concern_query"},
        {api.concern_get, "concern_get"},
        {api.concern_act, "concern_action"},
        {api.legal_hold_set, "legal_hold_request"},
        {api.purge, "purge_request"},
        {api.concern_export, "export_request"},
        {api.keys_rotate, "key_rotation_request"},
        {api.audit_list, "audit_query"},
    };
    for (const auto& [fn, schema] : calls) {
        INFO(schema);
        const auto before = store.data_fingerprint();
        const auto denied =
            std::stoll(store.sql("SELECT count(*) FROM audit WHERE outcome = 'denied'"));
        std::string out;
        CHECK(store.mc().call_raw(fn, actor("board-1", "manager").dump().c_str(),
                                  first_valid_example(schema).dump().c_str(),
                                  out) == MC_E_FORBIDDEN);
        CHECK(out.empty());
        CHECK(store.data_fingerprint() == before);
        CHECK(std::stoll(store.sql("SELECT count(*) FROM audit WHERE outcome = 'denied'")) ==
              denied + 1);
    }
    const json manager = actor("board-1", "manager");
    CHECK_THROWS_AS(store.mc().steps_due(manager), sdk::Error);
    CHECK_THROWS_AS(store.mc().verify_audit(manager), sdk::Error);
    CHECK(audit_rows(store, "denied.steps_due", "denied") == 1);
    CHECK(audit_rows(store, "denied.verify_audit", "denied") == 1);
}

TEST_CASE("a quarter in the future, a backward or too long range are clear errors, audited",
          "[figures]") {
    StoreFixture store;
    const auto fn = store.mc().plugin().api().figures_get;
    const std::string manager = actor("board-1", "manager").dump();
    struct Case {
        const char* request;
        Expect expected;
    };
    const std::vector<Case> cases{
        {R"({"from": "2026-Q4", "to": "2027-Q1"})", {MC_E_PAYLOAD, "quarter_in_the_future", "/to"}},
        {R"({"from": "2026-Q3", "to": "2026-Q2"})", {MC_E_PAYLOAD, "invalid_range", "/from"}},
        {R"({"from": "2016-Q4", "to": "2026-Q4"})", {MC_E_PAYLOAD, "range_too_long", "/from"}},
        {R"({"from": "2026-Q5", "to": "2026-Q4"})", {MC_E_PAYLOAD, "schema_violation", "/from"}},
        {R"({"to": "2026-Q4"})", {MC_E_PAYLOAD, "missing_field", "/from"}},
        {R"({"from": "2026-Q1", "to": "2026-Q4")", {MC_E_JSON, "invalid_json", ""}},
    };
    long long audited = 0;
    for (const auto& c : cases) {
        INFO(c.request);
        expect_rejected(store, fn, manager.c_str(), c.request, c.expected, "board-1");
        CHECK(audit_rows(store, "figures.read", "denied") == ++audited);
    }
    // The newest quarter that has begun is fine (the fixture's clock: 2026-11-25).
    CHECK(figures_of(store, "2026-Q4", "2026-Q4").at("to") == "2026-Q4");
}

}  // namespace meldcode::test
