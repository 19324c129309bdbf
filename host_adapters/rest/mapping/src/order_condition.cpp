#include "order_condition.h"

#include <algorithm>

namespace meldcode::rest {

using nlohmann::json;

OrderCondition OrderCondition::read(const DefinitionReader& reader, const json& definition,
                                    const std::string& pointer) {
    reader.only_members(definition, pointer, {"path", "in", "present", "all", "any", "$comment"});
    OrderCondition c;
    for (const char* combinator : {"all", "any"}) {
        if (!definition.contains(combinator)) continue;
        reader.alone(definition, pointer, combinator);
        const auto& list = definition.at(combinator);
        const auto list_pointer = child_pointer(pointer, combinator);
        if (!list.is_array() || list.empty())
            reader.fail(list_pointer, "must be a non-empty array");
        c.kind_ = std::string(combinator) == "all" ? Kind::all : Kind::any;
        for (std::size_t i = 0; i < list.size(); ++i) {
            c.children_.push_back(
                read(reader, list[i], child_pointer(list_pointer, std::to_string(i))));
        }
        return c;
    }
    if (!definition.contains("path")) reader.fail(pointer, "needs 'path' (or 'all'/'any')");
    c.path_.push_back(reader.path(definition.at("path"), child_pointer(pointer, "path")));
    if (definition.contains("in") == definition.contains("present")) {
        reader.fail(pointer, "needs exactly one of 'in' and 'present'");
    }
    if (definition.contains("present")) {
        if (definition.at("present") != true)
            reader.fail(child_pointer(pointer, "present"), "must be true");
        return c;
    }
    c.kind_ = Kind::in;
    const auto& values = definition.at("in");
    const auto values_pointer = child_pointer(pointer, "in");
    if (!values.is_array() || values.empty())
        reader.fail(values_pointer, "must be a non-empty array");
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto text = comparable_text(values[i]);
        if (!text)
            reader.fail(child_pointer(values_pointer, std::to_string(i)),
                        "must be a string, number or boolean");
        c.values_.push_back(*text);
    }
    return c;
}

bool OrderCondition::holds(const json& order) const {
    const auto child_holds = [&order](const OrderCondition& child) { return child.holds(order); };
    switch (kind_) {
        case Kind::all:
            return std::all_of(children_.begin(), children_.end(), child_holds);
        case Kind::any:
            return std::any_of(children_.begin(), children_.end(), child_holds);
        case Kind::present:
            return !path_.front().values(order).empty();
        case Kind::in:
            break;
    }
    const auto found = path_.front().values(order);
    return std::any_of(found.begin(), found.end(), [this](const json* value) {
        const auto text = comparable_text(*value);
        return text && std::find(values_.begin(), values_.end(), *text) != values_.end();
    });
}

void OrderCondition::project(const json& order, json& into) const {
    for (const auto& path : path_) {
        if (auto part = path.project(order)) merge_projection(into, *part);
    }
    for (const auto& child : children_) child.project(order, into);
}

}  // namespace meldcode::rest
