/*
 * meldcode.h — the stable C ABI of libmeldcode.
 *
 * The meldcode plugin brings the Dutch "meldcode huiselijk geweld en
 * kindermishandeling" into a host system (ERP, work-order or ticket system):
 * when a technician closes a ticket the host asks whether anything worrying
 * was seen, the signals become a confidential concern, and a designated
 * officer works the concern through the five meldcode steps.
 *
 * Conventions (see plugin_api/ABI.md for the version policy):
 *  - Every call returns an mc_status. On failure, mc_last_error() describes
 *    the failure of the most recent call made on the same thread.
 *  - Payloads in and out are UTF-8 JSON documents; each one has a draft-07
 *    JSON Schema in schemas/ and inputs are validated before anything else.
 *  - Strings the library returns through a char** out-parameter are owned by
 *    the caller and released with mc_free(). On failure *out is set to NULL.
 *  - Every call that touches concern data takes the actor the host has
 *    authenticated, as JSON: {"id": "...", "role": "observer"}. The library
 *    decides what that actor may do; the host never has to.
 *  - All functions are safe to call from many threads at once on one
 *    instance. mc_close() must not race with other calls on that instance.
 *  - No error message, log line or host-facing output ever carries concern
 *    content (observations, signals, step records).
 */
#ifndef MELDCODE_MELDCODE_H
#define MELDCODE_MELDCODE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(MELDCODE_BUILDING)
#define MC_API __declspec(dllexport)
#else
#define MC_API __declspec(dllimport)
#endif
#else
#define MC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: the major part changes only on incompatible changes; the
 * minor part grows when functions or optional fields are added. */
#define MC_ABI_VERSION_MAJOR 1
#define MC_ABI_VERSION_MINOR 4
#define MC_ABI_VERSION ((uint32_t)((MC_ABI_VERSION_MAJOR << 16) | MC_ABI_VERSION_MINOR))

/* Status codes. Values are stable: new codes are only ever appended. */
typedef enum mc_status {
    MC_OK = 0,
    MC_E_ARGUMENT = 1,  /* a NULL pointer or an invalid handle */
    MC_E_JSON = 2,      /* not JSON, invalid UTF-8, or nested too deeply */
    MC_E_PAYLOAD = 3,   /* JSON that breaks its schema or a field rule */
    MC_E_TOO_LARGE = 4, /* payload over the size limit */
    MC_E_NOT_FOUND = 5, /* unknown concern, submission or prompt token */
    MC_E_FORBIDDEN = 6, /* the actor's role may not do this */
    MC_E_CONFLICT = 7,  /* not allowed in the concern's current state */
    MC_E_STORAGE = 8,   /* the store failed; nothing was changed */
    MC_E_VERSION = 9,   /* ABI or store schema version not supported */
    MC_E_INTERNAL = 10, /* a bug: please report it */
    MC_E_KEY = 11       /* the key ring does not fit the store: key_unknown, key_mismatch (1.1) */
} mc_status;

/* Details of the last failed call on this thread. */
typedef struct mc_error {
    mc_status status;
    /* Stable machine-readable code, e.g. "missing_field", "transition_not_allowed". */
    const char* code;
    /* Human-readable English message; never contains concern content. */
    const char* message;
    /* RFC 6901 JSON pointer of the offending field in the input payload, or
     * in the actor for invalid_actor ("" for the whole document or when not
     * applicable). */
    const char* pointer;
} mc_error;

/* Opaque instance: one open store with its configuration. */
typedef struct mc_instance mc_instance;

/* ---- library ----------------------------------------------------------- */

/* The ABI version this library implements (MC_ABI_VERSION of its build). */
MC_API uint32_t mc_abi_version(void);

/* Negotiation: MC_OK when a host built against `host_abi_version` can use
 * this library (same major, library minor >= host minor), else MC_E_VERSION. */
MC_API mc_status mc_abi_check(uint32_t host_abi_version);

/* {"version", "abi_version", "catalog_version", "workflow_version"}
 * (schemas/info.schema.json). */
MC_API mc_status mc_info(char** info_json);

/* The error of the last failed call on this thread, or NULL when the last
 * call succeeded. Valid until the next mc_ call on this thread. */
MC_API const mc_error* mc_last_error(void);

/* Releases memory returned by this library. NULL is allowed. */
MC_API void mc_free(void* ptr);

/* ---- instance ---------------------------------------------------------- */

/* Opens (creating when absent) the store named by the configuration
 * (schemas/config.schema.json), with the key ring its "keys" names. Fails
 * with MC_E_VERSION on a store written by a newer library, and with MC_E_KEY
 * (key_unknown, key_mismatch) when the key ring lacks a key the store uses
 * or holds different bytes under its id; nothing is changed then. */
MC_API mc_status mc_open(const char* config_json, mc_instance** instance);

/* Flushes pending work, closes the store and frees the instance. NULL is allowed.
 * The handle is gone afterwards: a host must not pass it again. The library
 * refuses a handle it recognises as closed (MC_E_ARGUMENT, invalid_instance)
 * while its memory has not been reused, but cannot promise to, as with
 * sqlite3_close(). */
MC_API mc_status mc_close(mc_instance* instance);

/* ---- signal capture (observers, integrations) --------------------------- */

/* A host ticket was closed (schemas/ticket.schema.json). Answers whether to
 * ask the technician and, if so, the form and a prompt token
 * (schemas/prompt.schema.json). Never asks twice for one ticket. Runs on the
 * host's request path: it does not wait for a disk sync. */
MC_API mc_status mc_ticket_closed(mc_instance* instance, const char* actor_json,
                                  const char* ticket_json, char** prompt_json);

/* Submits the signals an observer ticked (schemas/submission.schema.json).
 * Durable before it returns. Answers a receipt holding an opaque reference
 * and nothing else (schemas/receipt.schema.json). A retry with the same
 * idempotency key returns the first receipt and stores nothing new. */
MC_API mc_status mc_signals_submit(mc_instance* instance, const char* actor_json,
                                   const char* submission_json, char** receipt_json);

/* Opens a prompt token for a page that asks the technician later, on their
 * own device, and holds nothing but the token (the web UI's capture page,
 * docs/web-ui.md): the actor the token was issued to (as an observer: the
 * host submits with mc_signals_submit as this actor), the prompt's locale,
 * when the token expires, and the form in that locale or in the request's
 * "locale" (schemas/prompt_open_request.schema.json ->
 * schemas/opened_prompt.schema.json). Takes no actor: the token is the
 * credential. Reads nothing stored and writes nothing; an unknown or
 * tampered token fails with MC_E_NOT_FOUND unknown_prompt_token, an expired
 * one with prompt_token_expired. Since ABI 1.2. */
MC_API mc_status mc_prompt_open(mc_instance* instance, const char* request_json,
                                char** prompt_json);

/* The status of one of the actor's own submissions
 * (schemas/submission_status_request.schema.json ->
 *  schemas/submission_status.schema.json). */
MC_API mc_status mc_submission_status(mc_instance* instance, const char* actor_json,
                                      const char* request_json, char** status_json);

/* Another host event about a unit: nuisance complaint, rent arrears past a
 * threshold, repeated repair (schemas/host_event.schema.json). Goes to the
 * unit's chronology for the officer; the sender learns nothing
 * (schemas/accepted.schema.json). */
MC_API mc_status mc_host_event_report(mc_instance* instance, const char* actor_json,
                                      const char* event_json, char** accepted_json);

/* ---- the meldcode workflow (officers) ----------------------------------- */

/* Lists concerns, filtered and paged (schemas/concern_query.schema.json ->
 * schemas/concern_page.schema.json). */
MC_API mc_status mc_concerns_list(mc_instance* instance, const char* actor_json,
                                  const char* query_json, char** page_json);

/* One concern with its chronology and the actions allowed next
 * (schemas/concern_get.schema.json -> schemas/concern.schema.json). */
MC_API mc_status mc_concern_get(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** concern_json);

/* Records one workflow action on a concern: assign, a meldcode step, the
 * acute path, feedback to the observer, close, reopen
 * (schemas/concern_action.schema.json -> schemas/concern.schema.json).
 * A missing required field fails with MC_E_PAYLOAD naming the field. */
MC_API mc_status mc_concern_act(mc_instance* instance, const char* actor_json,
                                const char* action_json, char** concern_json);

/* Fires "step_due" notifications for reviews that have come due and lists
 * them (schemas/due_steps.schema.json). Hosts call it periodically. */
MC_API mc_status mc_steps_due(mc_instance* instance, const char* actor_json, char** due_json);

/* ---- retention and data-subject requests (ABI 1.1) ---------------------- */
/* See docs/retention-and-export.md. */

/* Places or lifts a legal hold on a concern: a held concern is never purged
 * (schemas/legal_hold_request.schema.json -> schemas/legal_hold.schema.json).
 * Lifting takes two people (since 1.2): the first request to lift is recorded
 * (lift_requested_at), a second one by another actor lifts the hold; the
 * same actor again is refused (MC_E_CONFLICT, second_person_required).
 * Officers and admins; the answer carries no concern content. Since ABI 1.1. */
MC_API mc_status mc_legal_hold_set(mc_instance* instance, const char* actor_json,
                                   const char* request_json, char** hold_json);

/* Irreversibly removes every closed concern past its retention and not on
 * hold, with its chronology and submissions, and unit-level host events past
 * theirs; the audit trail keeps a "concern.purged" row per concern. With
 * "dry_run" only counts. Admins only; the report holds counts only
 * (schemas/purge_request.schema.json -> schemas/purge_report.schema.json).
 * Since ABI 1.1. */
MC_API mc_status mc_purge(mc_instance* instance, const char* actor_json, const char* request_json,
                          char** report_json);

/* Exports one concern's dossier for a data-subject request, in two steps by
 * two officers (since 1.2): a request with "concern_ref" records who asks
 * ("requester_relation") and the entries withheld, each with a reason, and
 * answers an export_ref, releasing nothing; a request with "export_ref" by
 * another officer approves it and answers the dossier, without the withheld
 * entries, with third parties redacted as configured (a request may redact
 * more, never less) (schemas/export_request.schema.json ->
 * schemas/export_answer.schema.json). The same officer approving is refused
 * (MC_E_CONFLICT, second_officer_required), and audited. Officers only. Since ABI 1.1. */
MC_API mc_status mc_concern_export(mc_instance* instance, const char* actor_json,
                                   const char* request_json, char** dossier_json);
/* ---- the melding draft for Veilig Thuis (ABI 1.3, issue 19) ------------- */

/* The draft of a melding to Veilig Thuis, in Dutch, assembled from the
 * concern as recorded, in the sections of Veilig Thuis's meldformulier:
 * Melder, Betrokkenen, Melding, Ondersteunend netwerk, Overige informatie
 * (schemas/melding_draft_request.schema.json ->
 *  schemas/melding_draft.schema.json): the sections as structured JSON and
 * the whole as plain "text" and an HTML fragment ("html"). The module holds
 * no names or addresses: the draft marks the places to fill in from the
 * corporation's own system ("«in te vullen: …»") and says so at its top. The
 * observer who saw the signals is named only with "include_observer". Officers
 * only; every draft is audited ("concern.melding_draft", ids only), and so is
 * every refusal, including an unknown concern (MC_E_NOT_FOUND) and a request
 * that breaks its schema; nothing else is stored. Since ABI 1.3. */
MC_API mc_status mc_concern_melding_draft(mc_instance* instance, const char* actor_json,
                                          const char* request_json, char** draft_json);

/* ---- keys and audit (admins, auditors) ---------------------------------- */

/* Re-encrypts one batch of stored records (and re-MACs audit rows) that are
 * not under the key ring's active key, in one durable transaction
 * (schemas/key_rotation_request.schema.json ->
 *  schemas/key_rotation.schema.json: rotated, remaining, active_key).
 * Call again until "remaining" (at most how many records are left) is 0; an
 * interrupted rotation resumes where it stopped. "remaining" rises again when
 * a host with the old key still active writes to the store: the rotation then
 * reads every record once more. Admin only; audited.
 * Since ABI 1.1. */
MC_API mc_status mc_keys_rotate(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** progress_json);

/* Verifies the tamper-evident audit trail and reports the first broken link
 * (schemas/audit_verification.schema.json). Auditor and admin; the
 * verification is itself audited. Since ABI 1.1. */
MC_API mc_status mc_audit_verify(mc_instance* instance, const char* actor_json, char** report_json);

/* One page of the audit trail, newest first: who did what, when, to which
 * concern reference, with what outcome — never concern content
 * (schemas/audit_query.schema.json -> schemas/audit_page.schema.json). Pass
 * "next_cursor" as "cursor" for the next page. Auditor and admin; the reading
 * is itself audited ("audit.read"). Since ABI 1.1. */
MC_API mc_status mc_audit_list(mc_instance* instance, const char* actor_json,
                               const char* query_json, char** page_json);

/* Records a security event the host handled itself, such as a request the
 * HTTP sidecar turned away for a missing or unknown token
 * (schemas/audit_event.schema.json: only an "action", never a client
 * address, a token or anything personal). One durable audit row: the caller
 * as actor, the action, no concern, outcome "denied". Integration and admin;
 * any other role gets MC_E_FORBIDDEN, itself audited. Since ABI 1.1. */
MC_API mc_status mc_audit_record(mc_instance* instance, const char* actor_json,
                                 const char* event_json);

/* ---- catalog and notifications ------------------------------------------ */

/* The signal catalog in a locale ("nl" or "en"; NULL for the configured
 * default) (schemas/catalog_view.schema.json). */
MC_API mc_status mc_catalog_get(mc_instance* instance, const char* locale, char** catalog_json);

/* The workflow definition in a locale ("nl" or "en"; NULL for the configured
 * default), as a user interface renders the officer's forms from it: the
 * states with the actions each allows, every action with its fields, their
 * labels, help texts and choices, the warnings a form shows (e.g. for
 * honour-related violence), and the assessment framework's questions in
 * their official wording with the definitions of acute and structural
 * unsafety (schemas/workflow_view.schema.json). An unknown locale fails with
 * MC_E_ARGUMENT (unsupported_locale). Since ABI 1.2. */
MC_API mc_status mc_workflow_get(mc_instance* instance, const char* locale, char** workflow_json);

/* ---- 1.3: management figures (issue 19, point 2) ------------------------ */

/* Management figures per quarter (Europe/Amsterdam) of the quarters the
 * request names (schemas/figures_request.schema.json: "from" and "to", as
 * "2026-Q1"): concerns opened, by priority, outcome, melding, feedback to
 * reporters, signal category and referral route, the acute share and the
 * median days to each step (schemas/figures.schema.json). Every count below
 * k (config "figures"/"min_cell", default 5) is hidden (null), with as many
 * others as it takes that no sum or difference of what is shown reveals it.
 * Managers and officers only (else MC_E_FORBIDDEN); a quarter that has not
 * begun fails with MC_E_PAYLOAD quarter_in_the_future on /to; every answer
 * and refusal is audited. Since ABI 1.3. */
MC_API mc_status mc_figures_get(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** figures_json);

/* ---- end of 1.3: management figures ------------------------------------ */

/* The signal-category extensions of this instance (docs/extensions.md): the
 * catalog packs and compiled extensions that were loaded, and those that were
 * rejected, each with a stable code and a reason
 * (schemas/extensions.schema.json). mc_open succeeds with a bad pack or
 * extension: it is skipped, and listed here. Since ABI 1.1. */
MC_API mc_status mc_extensions_get(mc_instance* instance, char** extensions_json);

/* How the instance's store has been committing since it was opened, for an
 * operator's metrics: the number of commits, their total time and how many
 * took at most each of a fixed set of durations
 * (schemas/store_stats.schema.json). A commit is timed until its write to
 * disk, the sync that makes a call durable, has returned, so a slowing disk
 * shows here first; since ABI 1.4 also the calls waiting for the store now (waiting),
 * on SQLite the pages written to its log (pages_written), and whether a
 * failed write to disk stopped the store (stopped: every call then fails
 * with MC_E_STORAGE until the store is opened again). Holds no content and
 * no ids; takes no actor and no store lock.
 * Since ABI 1.3. */
MC_API mc_status mc_store_stats(mc_instance* instance, char** stats_json);

/* Whether the store can take calls now, for a readiness probe: MC_OK, or
 * MC_E_STORAGE when it is stopped (see mc_store_stats), its server cannot be
 * reached, or its disk has less than 64 MiB free (code "disk_full"), or
 * MC_E_KEY ("key_unknown") when another process that shares the store writes
 * under a key this instance's key ring lacks. Runs one transaction that
 * writes nothing; takes no actor, audits nothing, holds no content. Since
 * ABI 1.4. */
MC_API mc_status mc_store_probe(mc_instance* instance);

/* Called with a notification (schemas/notification.schema.json) carrying ids
 * only, never content: "concern_created" and "step_due" with the concern_ref;
 * "feedback_ready" (the officer gave feedback: tell the observer the signal
 * was handled) once per submission, with the submission_ref of its receipt and
 * no concern_ref; since ABI 1.4 each with its "event_id" (see mc_events_ack).
 * Hosts ignore events they do not know. The callback runs on the thread that
 * made the change, after the change is durable; it must not call back into
 * the same instance, except mc_events_ack. */
typedef void (*mc_notify_fn)(void* user_data, const char* notification_json);

/* Registers (or with fn == NULL removes) the notification callback. */
MC_API mc_status mc_notifications_set(mc_instance* instance, mc_notify_fn fn, void* user_data);

/* ---- 1.4: events kept until acknowledged (plugin_api/ABI.md, "Events") -- */

/* The host has the notification with this "event_id" durably (in its own
 * outbox, say): the plugin stops keeping it. Every notification is kept in
 * the store in the same transaction as the change that caused it, so a host
 * killed between the change and storing its event gets it again from
 * mc_events_replay. Acknowledgements are written in batches (and by
 * mc_events_replay and mc_close); one lost in a crash means the event is
 * notified again under the same id. An unknown id is no error (another
 * instance on the store acknowledged it). May be called from the
 * notification callback. Since ABI 1.4. */
MC_API mc_status mc_events_ack(mc_instance* instance, const char* event_id);

/* Notifies again (through the callback, on this thread, before it returns)
 * at most `limit` (1..10000) events kept at least `older_than_seconds` (>= 0)
 * ago and not acknowledged, oldest first (by the second), each under its own event_id, and
 * sets *replayed to how many. Writes the acknowledgements held first. Two
 * instances on one store may both replay an event: a host takes each
 * event_id once. Events nobody acknowledges are pruned after 7 days
 * (mc_store_stats' events_pruned). Since ABI 1.4. */
MC_API mc_status mc_events_replay(mc_instance* instance, int64_t older_than_seconds, int64_t limit,
                                  int64_t* replayed);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MELDCODE_MELDCODE_H */
