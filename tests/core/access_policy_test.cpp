// The access policy: need-to-know (DESIGN.md §4) as a hand-written table.
#include <algorithm>

#include "core/access_policy.h"
#include "core_test_support.h"

namespace meldcode::test {
namespace {

const std::vector<Role> kRoles{Role::observer, Role::officer,     Role::auditor,
                               Role::admin,    Role::integration, Role::manager};

struct Expectation {
    Operation operation;
    std::string name;
    // observer, officer, auditor, admin, integration, manager
    std::vector<bool> allowed;
};

const std::vector<Expectation>& expected_policy() {
    // clang-format off
    static const std::vector<Expectation> table{
        //                                                    obs    off    aud    adm    int    man
        {Operation::ticket_closed,     "ticket_closed",     {true,  true,  false, false, true , false}},
        {Operation::submit_signals,    "submit_signals",    {true,  true,  false, false, true , false}},
        {Operation::submission_status, "submission_status", {true,  true,  false, false, true , false}},
        {Operation::report_host_event, "report_host_event", {false, false, false, true,  true , false}},
        {Operation::list_concerns,     "list_concerns",     {false, true,  false, false, false, false}},
        {Operation::read_concern,      "read_concern",      {false, true,  false, false, false, false}},
        {Operation::act_on_concern,    "act_on_concern",    {false, true,  false, false, false, false}},
        {Operation::steps_due,         "steps_due",         {false, true,  false, false, true , false}},
        {Operation::set_legal_hold,    "set_legal_hold",    {false, true,  false, true,  false, false}},
        {Operation::purge_concerns,    "purge_concerns",    {false, false, false, true,  false, false}},
        {Operation::export_concern,    "export_concern",    {false, true,  false, false, false, false}},
        {Operation::draft_melding,     "draft_melding",     {false, true,  false, false, false, false}},
        {Operation::rotate_keys,       "rotate_keys",       {false, false, false, true,  false, false}},
        {Operation::verify_audit,      "verify_audit",      {false, false, true,  true,  false, false}},
        {Operation::read_audit,        "read_audit",        {false, false, true,  true,  false, false}},
        {Operation::record_audit,      "record_audit",      {false, false, false, true,  true , false}},
        {Operation::read_figures,      "read_figures",      {false, true,  false, false, false, true }},
    };
    // clang-format on
    return table;
}

}  // namespace

TEST_CASE("may() follows the role x operation table", "[access]") {
    const auto& row = GENERATE(from_range(expected_policy()));
    REQUIRE(row.allowed.size() == kRoles.size());
    for (std::size_t i = 0; i < kRoles.size(); ++i) {
        INFO(role_name(kRoles[i]) << " " << row.name);
        CHECK(may(kRoles[i], row.operation) == row.allowed[i]);
    }
}

TEST_CASE("require() lets the allowed through and forbids the rest", "[access]") {
    const auto& row = GENERATE(from_range(expected_policy()));
    for (std::size_t i = 0; i < kRoles.size(); ++i) {
        const Actor actor{"user-" + std::to_string(i), kRoles[i]};
        INFO(role_name(actor.role) << " " << row.name);
        if (row.allowed[i]) {
            CHECK_NOTHROW(require(actor, row.operation));
        } else {
            CHECK_THROWS_MATCHES(require(actor, row.operation), Error,
                                 ErrorIs(MC_E_FORBIDDEN, "forbidden", ""));
        }
    }
}

TEST_CASE("a forbidden operation is named in the message, the actor is not", "[access]") {
    const Actor actor{"jan.jansen@example.org", Role::auditor};
    try {
        require(actor, Operation::read_concern);
        FAIL("auditors may not read concerns");
    } catch (const Error& e) {
        const std::string message = e.what();
        CHECK(message.find("read_concern") != std::string::npos);
        CHECK(message.find("jan.jansen") == std::string::npos);
    }
}

TEST_CASE("the published table lists every operation once, as expected", "[access]") {
    const auto& table = access_policy();
    REQUIRE(table.size() == expected_policy().size());
    for (std::size_t i = 0; i < table.size(); ++i) {
        const Expectation& expected = expected_policy()[i];
        INFO(expected.name);
        CHECK(table[i].operation == expected.operation);
        CHECK(operation_name(table[i].operation) == expected.name);
        std::vector<Role> allowed;
        for (std::size_t r = 0; r < kRoles.size(); ++r) {
            if (expected.allowed[r]) allowed.push_back(kRoles[r]);
        }
        std::vector<Role> published = table[i].allowed;
        std::sort(published.begin(), published.end());
        CHECK(published == allowed);
    }
}

TEST_CASE("auditors, observers and managers never see concern content", "[access]") {
    for (const Role role :
         {Role::observer, Role::auditor, Role::admin, Role::integration, Role::manager}) {
        for (const Operation op :
             {Operation::list_concerns, Operation::read_concern, Operation::act_on_concern}) {
            INFO(role_name(role) << " " << operation_name(op));
            CHECK_FALSE(may(role, op));
        }
    }
}

TEST_CASE("a manager may read the figures and nothing else", "[access]") {
    for (const auto& rule : access_policy()) {
        INFO(operation_name(rule.operation));
        CHECK(may(Role::manager, rule.operation) == (rule.operation == Operation::read_figures));
    }
}

TEST_CASE("role names round-trip", "[access]") {
    const std::vector<std::string> names{"observer", "officer",     "auditor",
                                         "admin",    "integration", "manager"};
    for (std::size_t i = 0; i < kRoles.size(); ++i) {
        CHECK(role_name(kRoles[i]) == names[i]);
        CHECK(role_from_name(names[i]) == kRoles[i]);
        CHECK(role_from_name(role_name(kRoles[i])) == kRoles[i]);
    }
    for (const char* unknown : {"", "Officer", "OFFICER", "officer ", "root", "unknown"}) {
        INFO("'" << unknown << "'");
        CHECK(role_from_name(unknown) == std::nullopt);
    }
}

}  // namespace meldcode::test
