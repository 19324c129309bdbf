// "applies_when" and "closed_when" of a mapping: conditions on the order.
//
//   {"path": "/status/code", "in": ["TEC"]}   a value at the path is one of these
//   {"path": "/technischGereeddatum", "present": true}   the path reaches a value
//   {"all": [condition, ...]}, {"any": [condition, ...]}
//
// A path that fans out over an array holds when any element's value does.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "definition_reader.h"
#include "host_path.h"

namespace meldcode::rest {

class OrderCondition {
public:
    static OrderCondition read(const DefinitionReader& reader, const nlohmann::json& definition,
                               const std::string& pointer);

    bool holds(const nlohmann::json& order) const;

    // Adds what the condition reads from `order` to `into` (see HostPath::project).
    void project(const nlohmann::json& order, nlohmann::json& into) const;

private:
    enum class Kind { in, present, all, any };
    Kind kind_ = Kind::present;
    std::vector<HostPath> path_;  // one for in/present, none for all/any
    std::vector<std::string> values_;
    std::vector<OrderCondition> children_;
};

}  // namespace meldcode::rest
