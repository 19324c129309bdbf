// JSON <-> domain types at the C boundary. Decoders take documents that have
// already passed their schema; they add the checks a schema cannot express.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/actor.h"
#include "service/meldcode_service.h"

namespace meldcode::codec {

// Parses and validates a payload against schemas/<schema>.schema.json.
nlohmann::json read(const char* text, const std::string& schema);

Actor actor(const char* text);
TicketClosed ticket(nlohmann::json&& doc);
Submission submission(const nlohmann::json& doc);
ActionRequest action_request(const nlohmann::json& doc);
LegalHoldRequest legal_hold_request(const nlohmann::json& doc);
KeyRotationRequest key_rotation_request(const nlohmann::json& doc);
HostEvent host_event(const nlohmann::json& doc);
ConcernQuery concern_query(const nlohmann::json& doc);
AuditQuery audit_query(const nlohmann::json& doc);
ConcernSelector concern_selector(const nlohmann::json& doc);
ChronologyQuery chronology_query(const nlohmann::json& doc);
PurgeRequest purge_request(const nlohmann::json& doc);
DraftRequest melding_draft_request(const nlohmann::json& doc);
// The "redact" member of an export request or of the "export" configuration.
std::vector<Redaction> redactions(const nlohmann::json& doc);

// The prompt answer in pieces to be written once into the caller's buffer:
// the form (kilobytes) is serialised once per locale and never copied twice.
struct PromptText {
    std::string head;
    std::string_view form;
    std::string_view tail;
};
PromptText prompt(const PromptResult& result, const Catalog& catalog);
// mc_prompt_open's answer, its form in `locale`.
PromptText opened_prompt(const OpenedPrompt& opened, const std::string& locale,
                         const Catalog& catalog);
nlohmann::json submission_status(const std::string& submission_ref, const SubmissionStatus& status);
nlohmann::json concern(const ConcernView& view);
nlohmann::json concern_page(const ConcernPage& page);
// Audit rows hold no concern content; the page shows only what they hold.
nlohmann::json audit_page(const AuditPage& page);
nlohmann::json due_steps(const std::vector<DueStep>& due);
nlohmann::json legal_hold(const ConcernRecord& concern);
nlohmann::json purge_report(const PurgeReport& report);
nlohmann::json store_stats(const StoreStats& stats);
// Redaction is applied last, to the finished document.
nlohmann::json dossier(const Dossier& dossier);
// An export request (the first of its two steps) and what it answers: no
// content of the dossier, only what the approving officer must check.
// A call naming an export_ref: its approval (with approve), its decline
// (with decline and a reason), or else a look at the request before
// approving.
struct ExportApproval {
    std::string export_ref;
    bool approve = false;
    std::optional<std::string> decline_reason;
};
// The approval, decline or look, or nullopt for a request; either throws
// naming a member that does not belong.
std::optional<ExportApproval> export_approval(const nlohmann::json& doc);
ExportRequest export_request(const nlohmann::json& doc);
nlohmann::json export_pending(const ExportRecord& record);

}  // namespace meldcode::codec
