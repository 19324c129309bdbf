// The operations of the plugin. Each one: authorise the actor (core policy,
// denials audited), apply the pure core, store the result with its audit row
// in one durable transaction, then notify. Inputs have already passed their
// schemas at the ABI boundary.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/access_policy.h"
#include "core/calendar.h"
#include "core/catalog.h"
#include "core/figures.h"
#include "core/melding_draft.h"
#include "core/prompt_rules.h"
#include "core/redaction.h"
#include "core/reminders.h"
#include "core/retention.h"
#include "core/workflow.h"
#include "ports/clock.h"
#include "ports/crypto.h"
#include "ports/notifier.h"
#include "ports/prompt_rule.h"
#include "ports/store.h"
#include "service/event_log.h"
#include "service/prompt_log.h"

namespace meldcode {

struct ServiceSettings {
    std::string default_locale = "nl";
    PromptRules prompt_rules;
    std::vector<std::string> concern_event_kinds;  // host events that open a concern
    RetentionPolicy retention;
    // Redacted in every export; a request may add to these, never remove.
    std::vector<Redaction> export_redactions{Redaction::observer_identity};
    std::vector<std::shared_ptr<const PromptRule>> extension_rules;  // from compiled extensions
    ReminderSettings reminders = ReminderSettings::defaults();
    // The reminders came from the configuration: a state it names that the
    // workflow lacks is an error, not skipped as the defaults' are.
    bool reminders_configured = false;
    // How far past now a "when it happened" value may lie (clock skew between hosts).
    Timestamp clock_skew_seconds = 300;
    // k of the management figures: a smaller count is never shown.
    int figures_min_cell = kDefaultMinCell;
};

// The longest range of quarters one figures request covers (ten years).
constexpr int kMaxFigureQuarters = 40;

struct PromptResult {
    PromptDecision decision = PromptDecision::ask;
    std::string locale;
    std::optional<std::string> token;
    Timestamp expires_at = 0;
};

// What a prompt token says to the page that opens it later: to whom it was
// issued, in which locale, until when.
struct OpenedPrompt {
    std::string observer_id;
    std::string locale;
    Timestamp expires_at = 0;
};

struct TicketRef {
    std::string host_ticket_id;
    std::string unit_id;
    std::optional<std::string> household_ref;
};

struct Submission {
    std::optional<std::string> prompt_token;
    std::optional<TicketRef> ticket;
    std::string idempotency_key;
    std::vector<std::string> signals;
    std::string observations;
    std::string children_involved;  // "yes", "no", "unknown"
    bool acute = false;
    // Whom the observer already called ("112", "veilig_thuis", in that order)
    // and whether they ask the officer to call back.
    std::vector<std::string> already_called;
    bool callback_requested = false;
    nlohmann::json canonical;  // the request as sent, for the idempotency digest
};

// What an observer learns of an own submission: received, in_progress or
// handled, and the officer's last feedback message with its aftercare offer.
struct SubmissionStatus {
    std::string status;
    std::optional<std::string> message;
    bool aftercare_offered = false;
};

struct HostEvent {
    std::string event_id;
    std::string unit_id;
    std::optional<std::string> household_ref;
    std::string kind;
    Timestamp occurred_at = 0;
    nlohmann::json details;  // count, element, description when present
};

// Which page of a concern's chronology to show.
struct ChronologyQuery {
    int limit = 200;
    std::optional<EntryPosition> after;  // nullopt: from the start
};

// What makes a request safe to retry: under its key a retry adds nothing and
// answers as the first time; the same key for another request is refused.
struct RetryKey {
    std::optional<std::string> idempotency_key;
    nlohmann::json canonical;  // the request as sent, for the digest
};

// An officer's action (mc_concern_act).
struct ActionRequest {
    std::string concern_ref;
    std::string action;
    nlohmann::json fields;
    // The concern's version the officer saw: refused when it has changed
    // since, so that two officers cannot overwrite each other unseen.
    std::optional<std::int64_t> expected_version;
    // A retry adds nothing and answers the concern as it is.
    RetryKey retry;
};

struct ConcernView {
    ConcernRecord concern;
    Workflow::ActionsNow actions;                  // allowed now, and blocked with why
    std::vector<Entry> chronology;                 // one page
    std::optional<EntryPosition> chronology_next;  // where the next page starts
    std::int64_t version = 0;                      // StoreTransaction::concern_version
};

struct ConcernPage {
    std::vector<ConcernRecord> items;
    std::optional<ConcernId> next_cursor;
    bool by_priority = false;  // the cursor then carries the last item's priority too
};

struct AuditPage {
    std::vector<AuditItem> items;
    std::optional<std::int64_t> next_cursor;
};

struct DueStep {
    std::string concern_ref;
    std::string action;    // the action that is due
    std::string due_date;  // when it came due
    Reminder reminder = Reminder::review;
    std::optional<std::string> export_ref;  // the export awaiting approval
};

struct PurgeRequest {
    bool dry_run = false;
    int limit = 100;  // concerns per call: bounds one transaction
    RetryKey retry;   // a retry answers the first report
};

// Counts only: the admin who purges never sees content.
struct PurgeReport {
    bool dry_run = false;
    std::int64_t concerns = 0;
    std::int64_t entries = 0;
    std::int64_t submissions = 0;
    std::int64_t unattached_host_events = 0;
    std::int64_t held = 0;    // past retention, kept by a legal hold
    bool more = false;        // more concerns are due than the limit allowed
    bool log_cleared = true;  // the write-ahead log was emptied after the purge
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PurgeReport, dry_run, concerns, entries, submissions,
                                   unattached_host_events, held, more, log_cleared)

// Places a legal hold (with a reason) or asks to lift it (without).
struct LegalHoldRequest {
    std::string concern_ref;
    std::optional<std::string> reason;
    RetryKey retry;  // a retry answers the hold as it is
};

struct KeyRotationRequest {
    std::int64_t batch = 500;
    RetryKey retry;  // a retry answers the first progress and rotates nothing
};

// A data-subject export of one concern, before it is written as JSON.
// What an officer asks when a data subject requests their dossier.
struct WithheldEntry {
    std::int64_t entry_id = 0;
    std::string reason;  // rights_of_others, safety_of_others, investigation
    std::string explanation;
};

struct ExportRequest {
    std::string concern_ref;
    std::string requester_relation;  // possible_victim, suspected_perpetrator, other
    std::vector<WithheldEntry> withhold;
    std::vector<Redaction> also_redact;
    RetryKey retry;  // a retry answers the first request and records no other
};

struct Dossier {
    std::string requester_relation;
    ConcernRecord concern;
    std::vector<StoredSubmission> submissions;
    std::vector<Entry> chronology;
    // An entry was withheld whose effect the concern's status would show:
    // the dossier gives the concern without it (dossier.schema.json).
    bool status_withheld = false;
    Timestamp exported_at = 0;
    std::vector<Redaction> redactions;  // applied, in a stable order
    Pseudonyms pseudonyms;              // the identities they cover
};

// Which concern a request is about: its own reference or a submission's.
struct ConcernSelector {
    std::optional<std::string> concern_ref;
    std::optional<std::string> submission_ref;
};

class MeldcodeService {
public:
    MeldcodeService(ServiceSettings settings, Catalog catalog, Workflow workflow,
                    std::unique_ptr<Store> store, std::shared_ptr<const Crypto> crypto,
                    std::unique_ptr<Clock> clock, std::unique_ptr<Calendar> calendar);
    ~MeldcodeService();

    PromptResult ticket_closed(const Actor& actor, const TicketClosed& ticket);
    std::string submit_signals(const Actor& actor, const Submission& submission);
    // A prompt token that opens and has not expired (else MC_E_NOT_FOUND:
    // unknown_prompt_token, prompt_token_expired). Reads nothing stored: the
    // token is its own credential, sealed under the key ring.
    OpenedPrompt open_prompt(const std::string& token) const;
    SubmissionStatus submission_status(const Actor& actor, const std::string& submission_ref);
    void report_host_event(const Actor& actor, const HostEvent& event);

    ConcernPage list_concerns(const Actor& actor, const ConcernQuery& query);
    ConcernView get_concern(const Actor& actor, const ConcernSelector& which,
                            const ChronologyQuery& page);
    ConcernView act(const Actor& actor, const ActionRequest& request);
    std::vector<DueStep> steps_due(const Actor& actor);

    // Retention and export (service/retention.cpp, service/dossier_export.cpp).
    // A hold with reason == nullopt lifts it.
    ConcernRecord set_legal_hold(const Actor& actor, const LegalHoldRequest& request);
    PurgeReport purge(const Actor& actor, const PurgeRequest& request);
    // A data-subject export in two steps, by two officers: the request
    // records who asks and withholds entries with a reason (nothing is
    // released); a second officer approves, and only then is the dossier,
    // without the withheld entries, released.
    ExportRecord request_export(const Actor& actor, const ExportRequest& request);
    Dossier approve_export(const Actor& actor, const std::string& export_ref);
    // The request as the second officer checks it before approving: who
    // asked, for whom, what is withheld and why. Refused as an approval would
    // be when it can no longer be released (export_released, concern_changed).
    ExportRecord view_export(const Actor& actor, const std::string& export_ref);
    // Ends a request unreleased, with the reason recorded: the second
    // officer declines it, or the one who asked withdraws it. It leaves the
    // due steps, and nobody can release it any more (export_declined).
    ExportRecord decline_export(const Actor& actor, const std::string& export_ref,
                                const std::string& reason);
    // The draft of a melding to Veilig Thuis from the concern as recorded
    // (service/melding_draft.cpp, core/melding_draft.h); reads, stores
    // nothing but its audit row ("concern.melding_draft").
    nlohmann::json melding_draft(const Actor& actor, const DraftRequest& request);
    // A draft request that was refused before it reached melding_draft() (a
    // payload that breaks its schema): audited as "denied.draft_melding".
    void melding_draft_refused(const Actor& actor);
    // Re-encrypts one batch of records under the active key (one durable
    // transaction); call again until nothing remains.
    RotationProgress rotate_keys(const Actor& actor, const KeyRotationRequest& request);
    const std::string& active_key_id() const { return crypto_->active_key_id(); }
    // Checks the audit chain; the check itself is audited afterwards.
    AuditVerification verify_audit(const Actor& actor);
    // One page of the audit trail, newest first; the reading is audited
    // after the page was read, so it is on the next page of its reader.
    AuditPage list_audit(const Actor& actor, const AuditQuery& query);
    // A security event the host handled itself (the sidecar turning away a
    // failed authentication, a person signing in to the web UI): one row
    // without a concern, durable; "ok" for a sign-in, sign-out or completed
    // enrolment, else "denied". With `acting_as` (the person concerned, or
    // whom an integration was refused to act as), the row names that person
    // as actor and the caller as its integration.
    void record_audit(const Actor& actor, const std::string& action,
                      const std::optional<Actor>& acting_as,
                      std::optional<std::int64_t> count = std::nullopt);

    // How the store's commits went, for the operator (no content, no ids).
    StoreStats store_stats() const;
    // Throws unless the store can take calls now, for a readiness probe: it
    // answers a transaction (MC_E_STORAGE when stopped or unreachable), the
    // newest writes are under a key this ring holds (MC_E_KEY, key_unknown:
    // another process rotated to a key this one was not given), and its disk
    // has room for the log to grow (MC_E_STORAGE, disk_full).
    void probe_store();
    // Events (service/event_log.h): the host has this one durably.
    void acknowledge_event(const std::string& event_id) { events_.acknowledge(event_id); }
    // Notifies again, under their event ids, at most `limit` events kept at
    // least `older_than` seconds ago and not acknowledged, oldest first;
    // returns how many.
    std::int64_t replay_events(Timestamp older_than, int limit);
    // Management figures of quarters from..to ("2026-Q1", already valid
    // quarters; core/figures.h), for managers and officers. A quarter that
    // has not begun, a range backwards or longer than kMaxFigureQuarters is
    // MC_E_PAYLOAD naming the field; every answer and refusal is audited.
    nlohmann::json figures(const Actor& actor, const std::string& from, const std::string& to);
    // Audits a figures request that did not even parse (the ABI refuses it).
    void refuse_figures(const Actor& actor);

    const Catalog& catalog() const { return catalog_; }
    const Workflow& workflow() const { return workflow_; }
    const std::string& default_locale() const { return settings_.default_locale; }
    void set_notifier(std::shared_ptr<Notifier> notifier);
    // Writes the prompt log now (also done in the background and on close).
    void flush();

    // Refuses (MC_E_FORBIDDEN, audited as denied.<operation>) a role that
    // may not perform `op`. Each operation asks it first; the ABI asks it
    // too before it reads a payload, so that a role that may not call at all
    // hears so, not what is wrong with its payload.
    void authorize(const Actor& actor, Operation op);

private:
    // k, N and the rows every figures answer lists (figures()).
    FiguresSettings figures_settings() const;
    // Whether `action` is the workflow's feedback action (the rule "feedback").
    bool gives_feedback(const std::string& action) const;
    nlohmann::json signal_labels(const std::vector<std::string>& signals) const;
    // What a submission changes in its concern's status: priority, children
    // involved, honour-related.
    void take_in(ConcernStatus& status, const Submission& submission) const;
    bool call_back(const Submission& submission) const;
    // The ticket a submission is about; nullopt for a token issued to someone
    // else (the caller refuses and audits it). Reads nothing stored.
    std::optional<TicketRef> ticket_of(const Actor& actor, const Submission& submission,
                                       Timestamp now) const;
    // The receipt of an earlier submission with this key by this actor, if
    // any; a conflict when the key came with other content.
    std::optional<std::string> retried(StoreTransaction& tx, const Actor& actor,
                                       const Submission& s, const std::string& canonical) const;
    std::optional<RequestKey> taken_before(StoreTransaction& tx, const Actor& actor,
                                           const RetryKey& retry) const;
    void remember(StoreTransaction& tx, const Actor& actor, const RetryKey& retry,
                  std::optional<ConcernId> concern,
                  std::optional<nlohmann::json> answer = std::nullopt) const;
    // The concern with a page of its chronology (the first by default) and
    // its version, as a read and an action answer it.
    static ConcernView read_view(StoreTransaction& tx, const ConcernRecord& concern,
                                 const ChronologyQuery& page = {});
    // A concern about the unit (and household) as it starts, not yet stored:
    // its id is 0 until the caller inserts it.
    ConcernRecord draft_concern(StoreTransaction& tx, const std::string& unit_id,
                                const std::optional<std::string>& household_ref, Timestamp now);
    // A draft, stored and counted in the figures.
    ConcernRecord new_concern(StoreTransaction& tx, const std::string& unit_id,
                              const std::optional<std::string>& household_ref, Timestamp now);
    // The open concern new signals about a household at a unit join, if any
    // (README, "The household, not the dwelling"): the household's own,
    // wherever it lives now (a move is recorded and the concern follows it);
    // else the unit's since its last change of tenant, of that household or
    // of none.
    std::optional<ConcernRecord> open_concern_for(StoreTransaction& tx, const Actor& actor,
                                                  const std::string& unit_id,
                                                  const std::optional<std::string>& household_ref,
                                                  Timestamp now);
    ConcernRecord select(StoreTransaction& tx, const ConcernSelector& which);
    // Brings the concern's part in the management figures up to date with
    // its status, after `change` (given the civil days of its opening and of
    // now) added what the event itself tells.
    // A concern counted for the first time has no figures to read yet.
    enum class Counted { before, not_yet };
    void count(StoreTransaction& tx, const ConcernRecord& concern, Timestamp now,
               const std::function<void(FigureContribution&, Day, Day)>& change = {},
               Counted counted = Counted::before);
    PurgeReport purge_due(StoreTransaction& tx, const Actor& actor, const PurgeRequest& request,
                          Timestamp now);
    // Every step due today (service/reminders.cpp), and which of them no
    // officer was notified of yet: those are marked notified in `tx`.
    void collect_due(StoreTransaction& tx, Day today, Timestamp now, std::vector<DueStep>& due,
                     std::vector<nlohmann::json>& notifications);
    void check_reminder_states();
    // One durable "denied" row without a concern, in its own transaction.
    void audit_denial(const Actor& actor, const std::string& action,
                      std::optional<ConcernId> concern = std::nullopt);
    void audit(StoreTransaction& tx, const Actor& actor, const std::string& action,
               std::optional<ConcernId> concern);
    // Hands a notification (schemas/notification.schema.json: ids only) to
    // the host's callback, if one is set; called once the change is durable.
    void notify(const nlohmann::json& notification);
    // Notifies what a change kept (events_.keep) once it committed.
    void announce(const std::vector<nlohmann::json>& notifications, Timestamp now);

    ServiceSettings settings_;
    Catalog catalog_;
    Workflow workflow_;
    std::unique_ptr<Store> store_;
    std::shared_ptr<const Crypto> crypto_;
    std::unique_ptr<Clock> clock_;
    std::unique_ptr<Calendar> calendar_;
    PromptLog prompt_log_;
    EventLog events_;
    std::mutex notifier_mutex_;
    std::shared_ptr<Notifier> notifier_;
};

}  // namespace meldcode
