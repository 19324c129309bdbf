#include "access_policy.h"

#include <algorithm>
#include <array>

#include "errors.h"

namespace meldcode {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoles{{
    {Role::observer, "observer"},
    {Role::officer, "officer"},
    {Role::auditor, "auditor"},
    {Role::admin, "admin"},
    {Role::integration, "integration"},
    {Role::manager, "manager"},
}};

}  // namespace

std::string_view role_name(Role role) {
    for (const auto& [r, name] : kRoles) {
        if (r == role) return name;
    }
    return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) {
    for (const auto& [r, n] : kRoles) {
        if (n == name) return r;
    }
    return std::nullopt;
}

const std::vector<PolicyRule>& access_policy() {
    // Need-to-know (DESIGN.md §4): observers submit and see their own
    // submissions only; officers work concerns; auditors and admins see no
    // concern content; integrations feed tickets and events on a host's behalf.
    static const std::vector<PolicyRule> table{
        {Operation::ticket_closed, {Role::observer, Role::officer, Role::integration}},
        {Operation::submit_signals, {Role::observer, Role::officer, Role::integration}},
        {Operation::submission_status, {Role::observer, Role::officer, Role::integration}},
        {Operation::report_host_event, {Role::integration, Role::admin}},
        {Operation::list_concerns, {Role::officer}},
        {Operation::read_concern, {Role::officer}},
        {Operation::act_on_concern, {Role::officer}},
        {Operation::steps_due, {Role::officer, Role::integration}},
        // A hold is placed by whoever learns of the complaint, the proceedings
        // or the authority's request: the officer working the concern or the
        // admin who handles legal and records matters. It reveals no content.
        {Operation::set_legal_hold, {Role::officer, Role::admin}},
        // Purging is records management: it sees counts, never content.
        {Operation::purge_concerns, {Role::admin}},
        // An export is a whole dossier: only the officer may see one.
        {Operation::export_concern, {Role::officer}},
        // The draft of a melding holds the whole concern: the officer's alone.
        {Operation::draft_melding, {Role::officer}},
        {Operation::rotate_keys, {Role::admin}},
        {Operation::verify_audit, {Role::auditor, Role::admin}},
        // The trail says who did what to which concern reference, and when:
        // oversight, not casework, so no officer, observer or integration.
        {Operation::read_audit, {Role::auditor, Role::admin}},
        // A host that turns requests away itself (the sidecar's failed
        // authentications) writes them to the trail; it never reads it back.
        {Operation::record_audit, {Role::integration, Role::admin}},
        // Management figures hold counts of at least k concerns, never a
        // concern: the manager (board, regulator's contact) sees them and
        // nothing else; the officer, whose policy task includes evaluating
        // the meldcode, sees them too.
        {Operation::read_figures, {Role::officer, Role::manager}},
    };
    return table;
}

std::string_view operation_name(Operation op) {
    switch (op) {
        case Operation::ticket_closed:
            return "ticket_closed";
        case Operation::submit_signals:
            return "submit_signals";
        case Operation::submission_status:
            return "submission_status";
        case Operation::report_host_event:
            return "report_host_event";
        case Operation::list_concerns:
            return "list_concerns";
        case Operation::read_concern:
            return "read_concern";
        case Operation::act_on_concern:
            return "act_on_concern";
        case Operation::steps_due:
            return "steps_due";
        case Operation::set_legal_hold:
            return "set_legal_hold";
        case Operation::purge_concerns:
            return "purge_concerns";
        case Operation::export_concern:
            return "export_concern";
        case Operation::draft_melding:
            return "draft_melding";
        case Operation::rotate_keys:
            return "rotate_keys";
        case Operation::verify_audit:
            return "verify_audit";
        case Operation::read_audit:
            return "read_audit";
        case Operation::record_audit:
            return "record_audit";
        case Operation::read_figures:
            return "read_figures";
    }
    return "unknown";
}

bool may(Role role, Operation op) {
    const auto& table = access_policy();
    const auto rule = std::find_if(table.begin(), table.end(),
                                   [op](const PolicyRule& r) { return r.operation == op; });
    return rule != table.end() &&
           std::find(rule->allowed.begin(), rule->allowed.end(), role) != rule->allowed.end();
}

void require(const Actor& actor, Operation op) {
    if (!may(actor.role, op)) throw forbidden(std::string(operation_name(op)));
}

}  // namespace meldcode
