// When to ask a technician, at ticket close, whether anything worrying was
// seen. Pure: the caller knows whether the ticket was prompted before.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "time.h"

namespace meldcode {

struct TicketClosed {
    std::string host_ticket_id;
    std::string unit_id;
    std::optional<std::string> household_ref;
    std::string work_type;
    bool entered_dwelling = false;
    std::string technician_id;
    Timestamp closed_at = 0;
    std::optional<std::string> locale;
    // The host would show the prompt where the tenant may see it or signs
    // (docs/embedding.md): the form is then not handed out with the answer.
    bool shared_screen = false;
};

struct PromptRules {
    std::vector<std::string> work_types;  // empty: every work type
    std::vector<std::string> excluded_work_types;
    bool require_entered_dwelling = true;
    std::vector<std::string> opted_out_technicians;
    int max_ticket_age_hours = 72;

    // From the "prompt_rules" member of the configuration (already schema-valid).
    static PromptRules from_config(const nlohmann::json& config);
};

enum class PromptDecision {
    ask,
    already_prompted,
    not_entered_dwelling,
    work_type_not_included,
    work_type_excluded,
    technician_opted_out,
    ticket_too_old,
    ask_later,  // ask, but not on this screen: on the technician's own, later
};

std::string_view decision_name(PromptDecision decision);
// Whether the technician is to be asked (now or later): a prompt token is issued.
bool asks(PromptDecision decision);

// What the rules say about one ticket. Whether it was prompted before is the
// prompt log's to say (it is I/O), and the service lets that win over any
// answer given here. `extension_asks` (may be empty) is asked only when the
// ticket's work type is not among prompt_rules.work_types: an extension's
// prompt rule (docs/extensions.md) can add a work type, never override an
// exclusion, an opt-out, the age limit or a visit outside the dwelling.
PromptDecision decide_prompt(const PromptRules& rules, const TicketClosed& ticket, Timestamp now,
                             const std::function<bool()>& extension_asks = {});

}  // namespace meldcode
