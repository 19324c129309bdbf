#include "field_rule.h"

namespace meldcode::rest {

using nlohmann::json;

const std::vector<TicketField>& ticket_fields() {
    // Checked against schemas/ticket.schema.json by tests/rest/mapping_test.cpp.
    static const std::vector<TicketField> fields = {
        {"host_ticket_id", false, true},  {"unit_id", false, true},
        {"household_ref", false, false},  {"work_type", false, true},
        {"entered_dwelling", true, true}, {"technician_id", false, true},
        {"closed_at", false, true},       {"locale", false, false},
        {"shared_screen", true, false},
    };
    return fields;
}

bool FieldRule::has_type(const json& value) const {
    return field_.boolean ? value.is_boolean() : value.is_string();
}

FieldRule FieldRule::read(const DefinitionReader& reader, const TicketField& field,
                          const json& definition, const std::string& pointer) {
    reader.only_members(definition, pointer,
                        {"from", "map", "default", "default_to_now", "value", "$comment"});
    FieldRule rule;
    rule.field_ = field;
    const std::string type = field.boolean ? "a boolean" : "a string";
    const auto constant = [&](const char* member) -> std::optional<json> {
        if (!definition.contains(member)) return std::nullopt;
        const json& value = definition.at(member);
        if (!rule.has_type(value)) reader.fail(child_pointer(pointer, member), "must be " + type);
        return value;
    };
    if (definition.contains("value") == definition.contains("from")) {
        reader.fail(pointer, "needs exactly one of 'from' and 'value'");
    }
    rule.constant_ = constant("value");
    if (rule.constant_) {
        reader.alone(definition, pointer, "value");
        return rule;
    }
    rule.from_ = reader.paths(definition.at("from"), child_pointer(pointer, "from"));
    rule.default_ = constant("default");
    if (definition.contains("default_to_now")) {
        const auto now_pointer = child_pointer(pointer, "default_to_now");
        if (std::string(field.name) != "closed_at") reader.fail(now_pointer, "only for closed_at");
        if (definition.at("default_to_now") != true) reader.fail(now_pointer, "must be true");
        if (rule.default_)
            reader.fail(now_pointer, "'default' and 'default_to_now' exclude each other");
        rule.default_to_now_ = true;
    }
    if (definition.contains("map")) {
        const auto& map = definition.at("map");
        const auto map_pointer = child_pointer(pointer, "map");
        if (!map.is_object() || map.empty()) reader.fail(map_pointer, "must be a non-empty object");
        for (const auto& [from, to] : map.items()) {
            if (!rule.has_type(to))
                reader.fail(child_pointer(map_pointer, from), "must be " + type);
            rule.map_.emplace(from, to);
        }
    }
    return rule;
}

json FieldRule::mapped(const json& found) const {
    if (map_.empty()) return found;
    const auto text = comparable_text(found);
    auto hit = text ? map_.find(*text) : map_.end();
    if (hit == map_.end()) hit = map_.find("*");
    return hit == map_.end() ? found : hit->second;
}

std::pair<const json*, const std::string*> FieldRule::first_found(const json& order) const {
    for (const auto& [text, path] : from_) {
        const auto found = path.values(order);
        if (!found.empty()) return {found.front(), &text};
    }
    return {nullptr, nullptr};
}

const json* FieldRule::source(const json& order) const {
    return constant_ ? nullptr : first_found(order).first;
}

std::optional<json> FieldRule::value(const json& order, const std::string& now,
                                     std::string& problem) const {
    if (constant_) return constant_;
    if (const auto [found, text] = first_found(order); found != nullptr) {
        json value = mapped(*found);
        // A whole number is text as the host wrote it: VERA's order ids are
        // integers, and so are many ERPs' unit numbers.
        if (!field_.boolean && value.is_number_integer()) value = value.dump();
        if (has_type(value)) return value;
        problem = std::string(field_.name) + ": the value at " + *text + " is not " +
                  (field_.boolean ? "a boolean" : "a string or a whole number") + " (add a 'map')";
        return std::nullopt;
    }
    if (default_) return default_;
    if (default_to_now_) return json(now);
    if (field_.required) {
        std::string tried;
        for (const auto& entry : from_) tried += (tried.empty() ? "" : ", ") + entry.first;
        problem = std::string("no value for ") + field_.name + " (tried " + tried + ")";
    }
    return std::nullopt;
}

// A listed value is a code of the mapping's own; an unlisted one matters only
// as unlisted, unless the map has no "*" and it is the ticket's value as it
// is (or a number or boolean, which no name, address or phone number is).
json FieldRule::kept(const json& found) const {
    const auto text = comparable_text(found);
    if (map_.empty() || (text && map_.count(*text) != 0)) return found;
    const bool unlisted_is_mapped = map_.count(kUnlisted) != 0;
    if (!unlisted_is_mapped && (has_type(found) || !found.is_string())) return found;
    return kUnlisted;
}

void FieldRule::project(const json& order, json& into) const {
    const HostPath::Leaf leaf = [this](const json& found) { return kept(found); };
    for (const auto& entry : from_) {
        if (auto part = entry.second.project(order, leaf)) merge_projection(into, *part);
    }
}

}  // namespace meldcode::rest
