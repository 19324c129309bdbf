// The access policy is documented as a table in README.md; this test keeps
// the table and the code's table (core/access_policy.cpp) the same.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/access_policy.h"

namespace {

using meldcode::Operation;
using meldcode::Role;

std::vector<std::string> cells(const std::string& row) {
    std::vector<std::string> out;
    std::stringstream in(row);
    std::string cell;
    std::getline(in, cell, '|');  // before the first '|'
    while (std::getline(in, cell, '|')) {
        const auto first = cell.find_first_not_of(' ');
        const auto last = cell.find_last_not_of(' ');
        out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    return out;
}

// operation name -> roles marked "yes", from the README's "## Access policy" table.
std::map<std::string, std::set<std::string>> documented_policy() {
    std::ifstream readme(MELDCODE_README);
    REQUIRE(readme);
    std::map<std::string, std::set<std::string>> policy;
    std::vector<std::string> roles;
    bool in_section = false;
    for (std::string line; std::getline(readme, line);) {
        if (line.rfind("## ", 0) == 0) in_section = line == "## Access policy";
        if (!in_section || line.rfind("|", 0) != 0 || line.find("---") != std::string::npos) {
            continue;
        }
        const auto row = cells(line);
        if (roles.empty()) {
            roles.assign(row.begin() + 1, row.end());
            continue;
        }
        // "list_concerns, read_concern, act_on_concern" share a row; "(...)" is a remark.
        std::stringstream names(row[0].substr(0, row[0].find(" (")));
        for (std::string name; std::getline(names >> std::ws, name, ',');) {
            auto& allowed = policy[name];
            for (std::size_t i = 0; i < roles.size(); ++i) {
                if (row[i + 1] == "yes") allowed.insert(roles[i]);
            }
        }
    }
    return policy;
}

}  // namespace

TEST_CASE("the README's access policy table is the code's access policy") {
    const auto documented = documented_policy();
    REQUIRE(documented.size() == meldcode::access_policy().size());
    for (const auto& rule : meldcode::access_policy()) {
        const std::string op(meldcode::operation_name(rule.operation));
        INFO("operation " << op);
        REQUIRE(documented.count(op) == 1);
        std::set<std::string> allowed;
        for (const Role role : rule.allowed) allowed.insert(std::string(meldcode::role_name(role)));
        CHECK(documented.at(op) == allowed);
    }
}
