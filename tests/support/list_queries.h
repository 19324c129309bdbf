// The queries an officer's list can ask: each order, each filter, a first
// page and a later one. The store tests of both adapters check that every one
// of them reads an index in its order instead of sorting what it found.
#pragma once

#include <string>
#include <vector>

#include "ports/store.h"

namespace meldcode::test {

struct ListQuery {
    std::string name;  // says which one, when a check fails
    ConcernQuery query;
};

inline std::vector<ListQuery> officer_list_queries() {
    std::vector<ListQuery> queries;
    for (const bool by_priority : {true, false}) {
        for (int filter = 0; filter < 5; ++filter) {
            for (const bool later_page : {false, true}) {
                ConcernQuery q;
                q.by_priority = by_priority;
                if (filter == 1 || filter == 4) q.state = "weighing";
                if (filter == 2) q.assignee = "officer-1";
                if (filter >= 3) q.priority = Priority::urgent;
                if (later_page) q.before = 4711;
                queries.push_back({"by priority " + std::to_string(by_priority) + ", filter " +
                                       std::to_string(filter) + ", later page " +
                                       std::to_string(later_page),
                                   q});
            }
        }
    }
    return queries;
}

}  // namespace meldcode::test
