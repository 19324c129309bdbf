// How one ticket field gets its value from a host's order:
//
//   {"from": "/path" | ["/first", "/then"],   the first path that reaches a value wins
//    "map": {"TIM": "timmerwerk", "*": "reparatie"},   optional value map ("*": anything else;
//                                              without "*" an unmapped value is kept as it is)
//    "default": value,                         when no path reaches a value
//    "default_to_now": true}                   closed_at only: the caller's `now` instead
//   {"value": constant}                        the same value for every order
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "definition_reader.h"
#include "host_path.h"

namespace meldcode::rest {

// A member of schemas/ticket.schema.json.
struct TicketField {
    const char* name;
    bool boolean;  // else a string
    bool required;
};
const std::vector<TicketField>& ticket_fields();

class FieldRule {
public:
    static FieldRule read(const DefinitionReader& reader, const TicketField& field,
                          const nlohmann::json& definition, const std::string& pointer);

    // The value, or nullopt with `problem` set (naming the field and paths,
    // never a value from the order). Absent optional fields: nullopt, no problem.
    std::optional<nlohmann::json> value(const nlohmann::json& order, const std::string& now,
                                        std::string& problem) const;

    // The value in `order` that value() takes, before its map; nullptr when
    // the rule takes a constant, a default or now.
    const nlohmann::json* source(const nlohmann::json& order) const;

    // Adds what the rule reads from `order` to `into`; a value that the map
    // does not list and that does not become the ticket's value as it is
    // (free text) is kept as kUnlisted, which maps the same.
    void project(const nlohmann::json& order, nlohmann::json& into) const;

    const TicketField& field() const { return field_; }

private:
    bool has_type(const nlohmann::json& value) const;
    // The first value a path of `from` reaches, and that path's text.
    std::pair<const nlohmann::json*, const std::string*> first_found(
        const nlohmann::json& order) const;
    nlohmann::json mapped(const nlohmann::json& found) const;
    nlohmann::json kept(const nlohmann::json& found) const;

    TicketField field_{};
    std::vector<std::pair<std::string, HostPath>> from_;
    std::optional<nlohmann::json> constant_;
    std::map<std::string, nlohmann::json> map_;
    std::optional<nlohmann::json> default_;
    bool default_to_now_ = false;
};

}  // namespace meldcode::rest
