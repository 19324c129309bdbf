#include "prompt_rules.h"

#include <algorithm>

namespace meldcode {
namespace {

bool listed(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

template <typename T>
void read(const nlohmann::json& object, const char* key, T& into) {
    if (object.contains(key)) into = object.at(key).get<T>();
}

}  // namespace

PromptRules PromptRules::from_config(const nlohmann::json& config) {
    PromptRules rules;
    read(config, "work_types", rules.work_types);
    read(config, "excluded_work_types", rules.excluded_work_types);
    read(config, "require_entered_dwelling", rules.require_entered_dwelling);
    read(config, "opted_out_technicians", rules.opted_out_technicians);
    read(config, "max_ticket_age_hours", rules.max_ticket_age_hours);
    return rules;
}

std::string_view decision_name(PromptDecision decision) {
    switch (decision) {
        case PromptDecision::ask:
            return "ask";
        case PromptDecision::already_prompted:
            return "already_prompted";
        case PromptDecision::not_entered_dwelling:
            return "not_entered_dwelling";
        case PromptDecision::work_type_not_included:
            return "work_type_not_included";
        case PromptDecision::work_type_excluded:
            return "work_type_excluded";
        case PromptDecision::technician_opted_out:
            return "technician_opted_out";
        case PromptDecision::ticket_too_old:
            return "ticket_too_old";
        case PromptDecision::ask_later:
            return "ask_later";
    }
    return "unknown";
}

PromptDecision decide_prompt(const PromptRules& rules, const TicketClosed& ticket, Timestamp now,
                             const std::function<bool()>& extension_asks) {
    // Order matters only for the reason reported; any one of them means "do not ask".
    if (rules.require_entered_dwelling && !ticket.entered_dwelling) {
        return PromptDecision::not_entered_dwelling;
    }
    if (!rules.work_types.empty() && !listed(rules.work_types, ticket.work_type) &&
        !(extension_asks && extension_asks())) {
        return PromptDecision::work_type_not_included;
    }
    if (listed(rules.excluded_work_types, ticket.work_type))
        return PromptDecision::work_type_excluded;
    if (listed(rules.opted_out_technicians, ticket.technician_id)) {
        return PromptDecision::technician_opted_out;
    }
    if (now - ticket.closed_at > static_cast<Timestamp>(rules.max_ticket_age_hours) * 3600) {
        return PromptDecision::ticket_too_old;
    }
    return ticket.shared_screen ? PromptDecision::ask_later : PromptDecision::ask;
}

bool asks(PromptDecision decision) {
    return decision == PromptDecision::ask || decision == PromptDecision::ask_later;
}

}  // namespace meldcode
