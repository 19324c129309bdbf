// Port: a prompt rule contributed by a compiled extension (docs/extensions.md),
// e.g. "always ask after a pest-control visit". The core decides when such a
// rule is consulted (decide_prompt); the adapter calls into the extension.
#pragma once

#include "core/prompt_rules.h"

namespace meldcode {

class PromptRule {
public:
    virtual ~PromptRule() = default;
    // True when the rule wants the technician asked about this ticket.
    // Called from many threads at once, on the host's request path.
    virtual bool asks(const TicketClosed& ticket) const = 0;
};

}  // namespace meldcode
