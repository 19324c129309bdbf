// The access policy: one table of role x operation, in one place. Adapters
// may check earlier for a nicer error, but this is where "may" is decided.
#pragma once

#include <string_view>
#include <vector>

#include "actor.h"

namespace meldcode {

enum class Operation {
    ticket_closed,      // hook: the host reports a closed ticket
    submit_signals,     // an observer submits what was seen
    submission_status,  // an observer looks at the status of own submissions
    report_host_event,  // the host reports another event about a unit
    list_concerns,
    read_concern,
    act_on_concern,  // assign, record a step, acute path, feedback, close, reopen
    steps_due,
    set_legal_hold,  // place or lift a legal hold on a concern
    purge_concerns,  // remove concerns past their retention
    export_concern,  // a data-subject export of one dossier
    draft_melding,   // the draft of a melding to Veilig Thuis (issue 19)
    rotate_keys,     // re-encrypt stored records under the active key
    verify_audit,    // check the audit chain (reads no concern content)
    read_audit,      // page through the audit trail (it holds no concern content)
    record_audit,    // a host records a security event it handled itself
    read_figures,    // management figures per quarter, k-anonymous (no concern content)
};

struct PolicyRule {
    Operation operation;
    std::vector<Role> allowed;
};

std::string_view operation_name(Operation op);
// The whole table, for documentation and tests.
const std::vector<PolicyRule>& access_policy();
bool may(Role role, Operation op);
// Throws Error(MC_E_FORBIDDEN) when the actor's role may not perform op.
void require(const Actor& actor, Operation op);

}  // namespace meldcode
