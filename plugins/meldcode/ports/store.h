// Port: durable storage of concerns, submissions, chronology and audit.
// The SQLite adapter (store/) is the embedded default.
//
// Concern content (chronology entries, a concern's assessment) is sealed
// with the crypto port before it is written and opened after it is read;
// audit rows are chained with its MACs (store/audit_chain.h).
//
// Every operation of the service runs inside Store::transaction(): its
// writes are committed durably (synced) before transaction() returns, or
// rolled back entirely when the function throws. Audit rows are written in
// the same transaction as the data they describe. Calls that come at the
// same time share one commit (store/group_commit.h): each is all or nothing
// on its own, none returns before the shared commit is durable, and a failed
// commit fails them all.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/actor.h"
#include "core/figures.h"
#include "core/time.h"
#include "core/workflow.h"

namespace meldcode {

using ConcernId = std::int64_t;

// A concern kept past its retention (docs/retention-and-export.md).
struct LegalHold {
    std::string reason;  // a code from schemas/legal_hold_request.schema.json
    Timestamp since = 0;
    // Lifting takes two people: who asked first, and when (nullopt: nobody).
    std::optional<std::string> lift_requested_by;
    std::optional<Timestamp> lift_requested_at;
};

// A data-subject export waiting for a second officer (README, "Retention,
// legal hold and data-subject export"). `request` is sealed at rest:
// requester_relation, withhold (entry ids with reason and explanation),
// redact.
struct ExportRecord {
    std::int64_t id = 0;  // assigned by the store
    std::string ref;      // opaque, random
    ConcernId concern = 0;
    std::string requested_by;
    Timestamp requested_at = 0;
    nlohmann::json request;
    std::optional<std::string> released_by;
    std::optional<Timestamp> released_at;
};

struct ConcernRecord {
    ConcernId id = 0;  // assigned by the store
    std::string ref;   // opaque, random: what the outside world sees
    std::string unit_id;
    std::optional<std::string> household_ref;
    ConcernStatus status;  // status.pending_feedback is derived by the store on read
    Timestamp created_at = 0;
    Timestamp updated_at = 0;
    Timestamp state_since = 0;               // when the concern entered its current state
    std::optional<std::string> related_ref;  // an earlier, closed concern of the same unit
    std::optional<Timestamp> closed_at;      // set on reaching a final state, cleared on reopen
    std::optional<LegalHold> legal_hold;     // changed only by set_legal_hold()
};

// A concern whose review date has come.
struct DueReview {
    ConcernRecord concern;
    bool notified = false;  // a step_due notification was sent for this review date
};

// A concern whose observers wait for final feedback, and since when the one
// who waits longest last heard anything (their submission, or an interim
// message).
struct FeedbackOwed {
    ConcernRecord concern;
    Timestamp since = 0;
};

// An export request no second officer has released yet, with its concern.
struct ExportAwaiting {
    ConcernRecord concern;
    ExportRecord record;
};

struct SubmissionRecord {
    std::string ref;  // the receipt's submission_ref
    std::string observer_id;
    std::string idempotency_key;
    std::string request_digest;  // to tell a true retry from a reused key
    std::optional<std::string> host_ticket_id;
    Timestamp submitted_at = 0;
    std::vector<std::string> already_called;  // "112", "veilig_thuis", in that order
    bool callback_requested = false;
};

// A submission as stored, with when its observer was told it was handled.
struct StoredSubmission {
    SubmissionRecord record;
    std::optional<Timestamp> handled_at;
};

// What an observer may learn of an own submission, and nothing that tells
// whether others reported the unit before.
struct SubmissionState {
    std::string observer_id;
    bool worked_on = false;              // an officer recorded a step since this submission
    bool handled = false;                // final feedback was given after this submission
    std::optional<std::string> message;  // the last feedback message it was sent
    bool aftercare_offered = false;      // with that message
};

// Feedback the officer gives the observers whose submissions still wait for
// it (core/feedback.h): a final message also marks them handled.
struct Feedback {
    std::string message;
    bool final = false;
    bool aftercare_offered = false;
    Timestamp at = 0;
};

// One line of a concern's chronology.
struct Entry {
    std::string kind;  // "signals_submitted", "host_event", "action", "household_moved"
    Timestamp at = 0;
    Actor actor;
    nlohmann::json data;
    std::int64_t id = 0;  // the store's (set on read): what an export withholds by
};

// Where an entry stands in a chronology, which is in time order (ties by
// id): what a page of it continues after.
struct EntryPosition {
    Timestamp at = 0;
    std::int64_t id = 0;
};

// A page of a chronology, and where the next one starts (nullopt: the last).
struct ChronologyPage {
    std::vector<Entry> entries;
    std::optional<EntryPosition> next;
};

struct AuditRecord {
    Timestamp at = 0;
    Actor actor;
    std::string action;  // e.g. "concern.read", "submission.create", "access.denied"
    std::optional<ConcernId> concern;
    std::string outcome;  // "ok" or "denied"
    // How many times it happened, for a row that stands for many (the failed
    // authentications from one address in one window).
    std::optional<std::int64_t> count{};
};

// Key rotation: records re-encrypted in one batch, and how many are still
// under another key than the active one.
struct RotationProgress {
    std::int64_t rotated = 0;
    std::int64_t remaining = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RotationProgress, rotated, remaining)

// What is kept of a request taken with an idempotency key: the digest of the
// request as sent, never its fields, and the first answer where it cannot be
// read again (a purge's or a key rotation's counts; a concern is read anew).
struct RequestKey {
    std::string request_digest;
    std::optional<nlohmann::json> answer;
};

// The first place where the audit chain does not hold.
struct AuditBreak {
    std::int64_t id = 0;
    std::string problem;  // "modified", "missing", "reordered", "truncated"
};

struct AuditVerification {
    std::int64_t rows = 0;
    std::optional<AuditBreak> first_broken;  // nullopt: the chain holds
};

// One row of the audit trail as an auditor reads it. The trail holds no
// concern content; the concern is named by its opaque reference, which is
// gone (nullopt) once the concern was purged.
struct AuditItem {
    std::int64_t id = 0;
    AuditRecord record;
    std::optional<std::string> concern_ref;
};

struct AuditQuery {
    int limit = 100;
    std::optional<std::int64_t> before;  // paging: only rows with a smaller id
    std::optional<std::string> action;
    std::optional<std::string> outcome;
};

struct ConcernQuery {
    std::optional<std::string> state;
    std::optional<std::string> assignee;
    std::optional<std::string> unit_id;
    std::optional<Priority> priority;
    int limit = 50;
    // Newest first, or by priority (acute first), newest first within one.
    bool by_priority = false;
    // Paging: only concerns after this one in the order (by priority: of a
    // lower priority, or of the same with a smaller id).
    std::optional<ConcernId> before;
    Priority before_priority = Priority::acute;
};

// What a purge removed (or, in a dry run, would remove) of one concern.
struct PurgeCounts {
    std::int64_t entries = 0;
    std::int64_t submissions = 0;
};

// A notification kept with the change that caused it until the host
// acknowledges it (plugin_api/ABI.md, "Events"): ids only, as notified.
struct StoredEvent {
    std::string event_id;
    std::optional<ConcernId> concern;  // whose purge removes it
    std::string notification;          // the JSON notified, event_id included
    Timestamp created_at = 0;
};

struct PromptRecord {
    std::string host_ticket_id;
    Timestamp prompted_at = 0;
};

class StoreTransaction {
public:
    virtual ~StoreTransaction() = default;

    // Submissions and idempotency.
    virtual std::optional<SubmissionRecord> find_submission_by_key(const std::string& observer_id,
                                                                   const std::string& key) = 0;
    virtual std::optional<SubmissionState> submission_state(const std::string& submission_ref) = 0;
    virtual void insert_submission(ConcernId concern, const SubmissionRecord& submission) = 0;
    // A request taken with an idempotency key, so that a retry adds nothing
    // and a different request under the same key is refused. A key about a
    // concern is purged with it.
    virtual std::optional<RequestKey> find_request_key(const std::string& actor_id,
                                                       const std::string& key) = 0;
    virtual void insert_request_key(const std::string& actor_id, const std::string& key,
                                    const RequestKey& request,
                                    std::optional<ConcernId> concern) = 0;
    // Gives the feedback to every submission of the concern not yet handled
    // and returns their refs (in no particular order): each observer is told
    // by their own submission's ref, never by the concern's.
    virtual std::vector<std::string> give_feedback(ConcernId concern, const Feedback& feedback) = 0;

    // Concerns. An open concern is one without closed_at (not in a final state).
    // The newest open concern of the unit created at or after `since` (the
    // unit's tenancy), of `household_ref` or of no household, an exact
    // household match first.
    virtual std::optional<ConcernRecord> find_open_concern(
        const std::string& unit_id, const std::optional<std::string>& household_ref,
        Timestamp since) = 0;
    // The newest concern of a household, at any unit (open ones only, or any).
    virtual std::optional<ConcernRecord> household_concern(const std::string& household_ref,
                                                           bool open_only) = 0;
    // The newest concern of the unit created at or after `since`, in any state.
    virtual std::optional<ConcernRecord> latest_concern(const std::string& unit_id,
                                                        Timestamp since) = 0;
    // When the unit's tenant last changed (0: never, as far as we know).
    virtual Timestamp tenancy_since(const std::string& unit_id) = 0;
    virtual void set_tenancy_since(const std::string& unit_id, Timestamp since) = 0;
    virtual std::optional<ConcernRecord> find_concern(const std::string& concern_ref) = 0;
    virtual std::optional<ConcernRecord> find_concern_by_submission(
        const std::string& submission_ref) = 0;
    virtual ConcernId insert_concern(const ConcernRecord& concern) = 0;
    virtual void update_concern(const ConcernRecord& concern) = 0;
    virtual std::vector<ConcernRecord> list_concerns(const ConcernQuery& query) = 0;
    // Concerns in `state` whose review date is on or before `date`, each with
    // whether its officers were already notified for that review date: a due
    // review is listed for as long as it is due, but notified once.
    virtual std::vector<DueReview> due_reviews(const std::string& state,
                                               const std::string& date) = 0;
    virtual void mark_review_notified(ConcernId concern, const std::string& review_date) = 0;

    // Reminders beyond reviews: candidates, of which the service decides in
    // working days which have come due. Each reads one index.
    // Concerns not closed that nobody was assigned to, created before `before`.
    virtual std::vector<ConcernRecord> unassigned_concerns(Timestamp before) = 0;
    // Concerns in `state` since before `before`.
    virtual std::vector<ConcernRecord> concerns_in_state(const std::string& state,
                                                         Timestamp before) = 0;
    // Concerns in `state` with an observer waiting for final feedback who
    // last heard anything before `before`.
    virtual std::vector<FeedbackOwed> feedback_owed(const std::string& state, Timestamp before) = 0;
    // Concerns whose Veilig Thuis feedback was expected before `date`.
    virtual std::vector<ConcernRecord> veilig_thuis_feedback_late(const std::string& date) = 0;
    // Export requests not yet released, oldest first. Reads the requests
    // whole: a corporation makes a few a year, and they go with their concern.
    virtual std::vector<ExportAwaiting> exports_awaiting_approval() = 0;
    // Whether the officers were notified of a reminder (by kind and due date).
    virtual bool reminder_notified(ConcernId concern, const std::string& reminder,
                                   const std::string& due_date) = 0;
    virtual void mark_reminder_notified(ConcernId concern, const std::string& reminder,
                                        const std::string& due_date) = 0;

    // Chronology. Host events about a unit without an open concern are kept
    // with concern == nullopt and shown in every later concern of the unit.
    virtual void append_entry(std::optional<ConcernId> concern, const std::string& unit_id,
                              const Entry& entry) = 0;
    // The id of the concern's newest chronology entry: it grows with every
    // change an officer must see before acting (an action, new signals, a
    // host event), so it is the concern's version for If-Match.
    virtual std::int64_t concern_version(ConcernId concern) = 0;
    // The key the newest audit row's chain is under: the active key of the
    // process that wrote last (nullopt before the first row).
    virtual std::optional<std::string> newest_write_key() = 0;
    // False when an event with this host event id was stored before.
    virtual bool claim_host_event(const std::string& event_id) = 0;
    // Events (StoredEvent): kept in the change's transaction, removed once
    // acknowledged, read back (oldest first, at most `limit`) for a replay,
    // and pruned unacknowledged once older than the store keeps them
    // (returns how many).
    virtual void insert_event(const StoredEvent& event) = 0;
    virtual void remove_events(const std::vector<std::string>& event_ids) = 0;
    virtual std::vector<StoredEvent> unacknowledged_events(Timestamp created_before, int limit) = 0;
    virtual std::int64_t prune_events(Timestamp created_before) = 0;
    // The concern's chronology in time order, from just after `after` (from
    // the start when nullopt), at most `limit` entries (all when nullopt):
    // years of host events must not come in one answer.
    virtual ChronologyPage chronology(const ConcernRecord& concern,
                                      const std::optional<EntryPosition>& after,
                                      std::optional<int> limit) = 0;
    std::vector<Entry> whole_chronology(const ConcernRecord& concern) {
        return chronology(concern, std::nullopt, std::nullopt).entries;
    }

    // Retention. closed_concerns: concerns with closed_at on or before
    // `closed_before`, oldest first. purge_concern removes a concern with its
    // chronology and submissions (dry_run: only counts them); the audit rows
    // that name it stay. purge_unattached_events does the same for host events
    // that never joined a concern, occurred on or before `occurred_before`,
    // of units that have no concern left.
    virtual void set_legal_hold(ConcernId concern, const std::optional<LegalHold>& hold) = 0;
    virtual std::vector<ConcernRecord> closed_concerns(Timestamp closed_before) = 0;
    virtual PurgeCounts purge_concern(ConcernId concern, bool dry_run) = 0;
    virtual std::int64_t purge_unattached_events(Timestamp occurred_before, bool dry_run) = 0;
    virtual std::vector<StoredSubmission> submissions_of(ConcernId concern) = 0;

    // Management figures (core/figures.h): one contribution per concern,
    // kept when the concern is purged (purge_concern only unlinks it).
    virtual std::optional<FigureContribution> figure_contribution(ConcernId concern) = 0;
    virtual void save_figure_contribution(ConcernId concern, Quarter opened,
                                          const FigureContribution& contribution) = 0;
    // Every contribution of concerns opened in quarters from..to.
    virtual std::vector<QuarterContribution> figure_contributions(Quarter from, Quarter to) = 0;

    // Data-subject exports awaiting a second officer.
    virtual std::int64_t insert_export(const ExportRecord& record) = 0;
    virtual std::optional<ExportRecord> find_export(const std::string& export_ref) = 0;
    virtual void mark_export_released(std::int64_t id, const std::string& by, Timestamp at) = 0;
    // Seals `record.request` again in place of the stored one (a decline).
    virtual void replace_export_request(const ExportRecord& record) = 0;

    // Audit: append-only, each row linked to the one before (tamper-evident).
    virtual void append_audit(const AuditRecord& record) = 0;
    // Checks every link of the audit chain and its head.
    virtual AuditVerification verify_audit() = 0;
    // Audit rows matching the query, newest first.
    virtual std::vector<AuditItem> list_audit(const AuditQuery& query) = 0;

    // Re-encrypts (and re-MACs) up to `batch` records that are not under the
    // crypto port's active key; call again until nothing remains.
    virtual RotationProgress rotate_keys(std::int64_t batch) = 0;
};

// The store's commits since it was opened, for the operator's alerts.
// Concurrent calls share commits, so there are fewer commits than calls.
struct StoreStats {
    std::int64_t commits = 0;
    double commit_seconds = 0;  // all of them together
    struct Bucket {
        double le;             // seconds
        std::int64_t commits;  // that took at most `le` (cumulative)
    };
    std::vector<Bucket> commits_within;
    // Calls waiting for the store's connection at this moment (they will
    // share the next commit).
    std::int64_t waiting = 0;
    // Events pruned unacknowledged since the store was opened (the service's
    // count, not the adapter's).
    std::int64_t events_pruned = 0;
    // Pages written to the log since the store was opened, on SQLite (its
    // log is in pages; PostgreSQL's is not): a commit's cost on disk grows
    // with its pages, so this is what a change of schema or call moves.
    std::optional<std::int64_t> pages_written;
    // A write to disk failed, so the store may have lost what it last
    // committed: it refuses every call until it is opened again.
    bool stopped = false;
};

// "Was this ticket asked about?" settled in the store itself, for a store
// that several processes share (PostgreSQL): a claim is one insert under the
// prompts table's unique key, so two processes never both win it.
class PromptClaims {
public:
    virtual ~PromptClaims() = default;
    // Claims the ticket as prompted; false when some process claimed it
    // before. Thread-safe.
    virtual bool claim(const PromptRecord& prompt) = 0;
    // Whether some process claimed the ticket. Thread-safe.
    virtual bool claimed(const std::string& host_ticket_id) = 0;
};

class Store {
public:
    virtual ~Store() = default;

    // Runs fn as one unit of work: durable when this returns; rolled back and
    // rethrown when fn throws. Calls are serialised; those that wait for one
    // another share a commit. fn may run on another caller's thread and must
    // not call the store (that throws Error(MC_E_INTERNAL)).
    virtual void transaction(const std::function<void(StoreTransaction&)>& fn) = 0;
    // The same in a transaction shared with no other call, for a call that
    // changes rows by the thousand (a purge, a key rotation): a shared
    // transaction gives each call a savepoint, and SQLite's cost for every
    // statement inside one grows with what the savepoint has journaled.
    virtual void transaction_of_its_own(const std::function<void(StoreTransaction&)>& fn) = 0;

    // The prompt log is written behind the hook (see README: "Why the
    // ticket-closed hook never waits for a disk sync").
    virtual std::vector<PromptRecord> prompts_since(Timestamp since) = 0;
    virtual void save_prompts(const std::vector<PromptRecord>& prompts) = 0;
    // The claims of a store other processes may share at the same time; null
    // when this process has the store to itself (SQLite's file lock): then
    // the prompt log in memory is the truth and is written behind.
    virtual PromptClaims* shared_prompt_claims() = 0;

    // Copies the write-ahead log into the database file and truncates it, so
    // no old page image of deleted content is left in the log. False when
    // another connection's reader kept it from completing (try again later).
    virtual bool checkpoint() = 0;

    // How its commits went; reads nothing stored and takes no lock.
    virtual StoreStats stats() const = 0;
    // Bytes free for the store's files on their disk, where the adapter
    // writes them (SQLite); nullopt where a server does (PostgreSQL).
    virtual std::optional<std::uint64_t> free_bytes() const = 0;
};

}  // namespace meldcode
