#include "meldcode/rest/ticket_mapping.h"

#include <optional>
#include <vector>

#include "definition_reader.h"
#include "field_rule.h"
#include "order_condition.h"

namespace meldcode::rest {

using nlohmann::json;

struct TicketMapping::Impl {
    std::string name;
    std::optional<OrderCondition> applies_when;  // absent: every order
    OrderCondition closed_when;
    std::vector<FieldRule> fields;
};

namespace {

std::string mapping_name(const json& definition) {
    const auto name = definition.is_object() ? definition.find("name") : definition.end();
    if (name == definition.end() || !name->is_string() || name->get<std::string>().empty()) {
        throw MappingError("ticket mapping: /name: a non-empty string is required", "/name");
    }
    return name->get<std::string>();
}

std::vector<FieldRule> read_fields(const DefinitionReader& reader, const json& fields) {
    const std::string pointer = "/fields";
    if (!fields.is_object()) reader.fail(pointer, "must be an object");
    for (const auto& [name, value] : fields.items()) {
        bool known = false;
        for (const auto& field : ticket_fields()) known = known || name == field.name;
        if (!known)
            reader.fail(child_pointer(pointer, name), "'" + name + "' is not a ticket field");
    }
    std::vector<FieldRule> rules;
    for (const auto& field : ticket_fields()) {
        if (fields.contains(field.name)) {
            rules.push_back(FieldRule::read(reader, field, fields.at(field.name),
                                            child_pointer(pointer, field.name)));
        } else if (field.required) {
            reader.fail(pointer,
                        std::string("the ticket field '") + field.name + "' is not mapped");
        }
    }
    return rules;
}

}  // namespace

TicketMapping::TicketMapping(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
TicketMapping::~TicketMapping() = default;
TicketMapping::TicketMapping(TicketMapping&&) noexcept = default;
TicketMapping& TicketMapping::operator=(TicketMapping&&) noexcept = default;

TicketMapping TicketMapping::load(const json& definition) {
    if (!definition.is_object()) throw MappingError("ticket mapping: must be a JSON object", "");
    const DefinitionReader reader(mapping_name(definition));
    reader.only_members(
        definition, "",
        {"$schema", "$comment", "name", "description", "applies_when", "closed_when", "fields"});
    if (!definition.contains("closed_when")) reader.fail("", "'closed_when' is required");
    if (!definition.contains("fields")) reader.fail("", "'fields' is required");
    auto impl = std::make_unique<Impl>(
        Impl{definition.at("name").get<std::string>(), std::nullopt,
             OrderCondition::read(reader, definition.at("closed_when"), "/closed_when"),
             read_fields(reader, definition.at("fields"))});
    if (definition.contains("applies_when")) {
        impl->applies_when =
            OrderCondition::read(reader, definition.at("applies_when"), "/applies_when");
    }
    return TicketMapping(std::move(impl));
}

const std::string& TicketMapping::name() const {
    return impl_->name;
}

MappingResult TicketMapping::map(const json& host_order, const std::string& now) const {
    using Outcome = MappingResult::Outcome;
    MappingResult result;
    if (!host_order.is_object() ||
        (impl_->applies_when && !impl_->applies_when->holds(host_order))) {
        return result;
    }
    if (!impl_->closed_when.holds(host_order)) {
        result.outcome = Outcome::not_closed;
        return result;
    }
    json ticket = json::object();
    for (const auto& rule : impl_->fields) {
        std::string problem;
        auto value = rule.value(host_order, now, problem);
        if (!problem.empty()) {
            result.outcome = Outcome::incomplete;
            result.field = rule.field().name;
            result.message = "ticket mapping '" + impl_->name + "': " + problem;
            return result;
        }
        if (value) ticket[rule.field().name] = std::move(*value);
    }
    result.outcome = Outcome::closed;
    result.ticket = std::move(ticket);
    return result;
}

std::string TicketMapping::order_id(const json& host_order) const {
    if (!host_order.is_object()) return "";
    for (const auto& rule : impl_->fields) {
        if (std::string(rule.field().name) != "host_ticket_id") continue;
        std::string problem;
        const auto value = rule.value(host_order, "", problem);
        if (value && value->is_string()) return value->get<std::string>();
    }
    return "";
}

std::optional<std::string> TicketMapping::source_pointer(const json& host_order,
                                                         const std::string& field) const {
    for (const auto& rule : impl_->fields) {
        if (rule.field().name != field) continue;
        const json* source = rule.source(host_order);
        return source == nullptr ? std::nullopt : pointer_to(host_order, source);
    }
    return std::nullopt;
}

json TicketMapping::retained(const json& host_order) const {
    json kept = json::object();
    if (impl_->applies_when) impl_->applies_when->project(host_order, kept);
    impl_->closed_when.project(host_order, kept);
    for (const auto& rule : impl_->fields) rule.project(host_order, kept);
    return kept;
}

OrderChange TicketMapping::change(const json& before, const json& after,
                                  const std::string& now) const {
    using Outcome = MappingResult::Outcome;
    OrderChange change;
    change.result = map(after, now);
    // An order that was incomplete before closes once the missing value comes.
    const bool closed_before = !before.is_null() && map(before, now).outcome == Outcome::closed;
    change.closes_now = change.result.outcome == Outcome::closed && !closed_before;
    change.retained = retained(after);
    return change;
}

}  // namespace meldcode::rest
