#include "sqlite_migrations.h"

#include <string>

#include "schema_version.h"
#include "sql_rotation.h"
#include "sqlite_db.h"

namespace meldcode::sqlite {
namespace {

// Schema 1. Notes on choices that are not obvious from the columns:
// - concerns and audit use AUTOINCREMENT so an id is never reused after a
//   purge: audit rows keep a concern's id without a foreign key, and paging
//   (`before`) relies on ids only growing.
// - Booleans are 0/1 with CHECKs; timestamps are integer seconds (UTC);
//   dates are 'YYYY-MM-DD' text, which orders correctly as text.
// - pending feedback is not stored: it is derived from submissions.handled_at
//   on read, so the two can never disagree.
// - review_notified_for remembers which review date the officer was reminded
//   of; a new review date is due again without anyone resetting a flag.
// - Children reference concerns without ON DELETE CASCADE: a purge deletes
//   them explicitly, so no deletion spreads by accident.
// - The audit trail is append-only in the schema itself (triggers), not just
//   by convention in the code.
// - Tables are not STRICT: a host process that embeds the plugin may have an
//   older SQLite (< 3.37) loaded, which cannot read STRICT tables at all.
constexpr const char* kSchema1 = R"sql(
CREATE TABLE concerns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL UNIQUE,
    unit_id TEXT NOT NULL,
    household_ref TEXT,
    state TEXT NOT NULL,
    assignee TEXT,
    assessment TEXT,
    reported INTEGER NOT NULL CHECK (reported IN (0, 1)),
    help_arranged INTEGER NOT NULL CHECK (help_arranged IN (0, 1)),
    acute INTEGER NOT NULL CHECK (acute IN (0, 1)),
    review_date TEXT,
    review_notified_for TEXT,
    related_ref TEXT REFERENCES concerns (ref) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX concerns_by_unit ON concerns (unit_id);
CREATE INDEX concerns_by_state ON concerns (state);
CREATE INDEX concerns_by_assignee ON concerns (assignee);
CREATE INDEX concerns_by_related ON concerns (related_ref) WHERE related_ref IS NOT NULL;

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    concern_id INTEGER NOT NULL REFERENCES concerns (id),
    observer_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    host_ticket_id TEXT,
    submitted_at INTEGER NOT NULL,
    handled_at INTEGER,
    UNIQUE (observer_id, idempotency_key)
);
CREATE INDEX submissions_by_concern ON submissions (concern_id, handled_at);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER REFERENCES concerns (id),
    unit_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX entries_by_concern ON entries (concern_id, at);
-- Host events that arrived while the unit had no open concern.
CREATE INDEX entries_unattached_by_unit ON entries (unit_id, at) WHERE concern_id IS NULL;

CREATE TABLE host_events (
    event_id TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    concern_id INTEGER,
    outcome TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TABLE prompts (
    host_ticket_id TEXT PRIMARY KEY,
    prompted_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX prompts_by_time ON prompts (prompted_at);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
)sql";

// Schema 2: encryption at rest and the audit chain.
// - Sealed (XChaCha20-Poly1305 through the crypto port, key id per row):
//   entries.data (observations, signals, step records, host event details)
//   and concerns.assessment (the officer's weighing and decisions). Clear
//   stay what the store must query, order or join on: ids, references,
//   unit_id/household_ref (finding a unit's open concern), state, assignee,
//   review_date, flags and times, and actor ids (the audit trail names them
//   in clear by design). None of these is free text.
// - The first open with keys seals the rows written before this version
//   and links the audit rows (store/sql_keys.h); from then on a row
//   without key id is corrupt, never read as clear text.
// - The audit rows gain a key id and a link; only those two may change
//   (key rotation re-MACs), every other column stays append-only.
// - key_checks holds, per key id, a small value sealed under that key, so a
//   wrong key ring is refused at open before anything is read or written.
// - The prompt-token key in `secrets` is replaced by one derived from the
//   configured keys: nothing secret is left in the file.
constexpr const char* kSchema2 = R"sql(
ALTER TABLE entries ADD COLUMN key_id TEXT;
ALTER TABLE concerns ADD COLUMN key_id TEXT;
ALTER TABLE audit ADD COLUMN key_id TEXT;
ALTER TABLE audit ADD COLUMN link TEXT;
CREATE INDEX entries_by_key ON entries (key_id);
CREATE INDEX concerns_by_key ON concerns (key_id);
CREATE INDEX audit_by_key ON audit (key_id);

DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update
BEFORE UPDATE OF id, at, actor_id, actor_role, action, concern_id, outcome ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    mac TEXT NOT NULL
);

CREATE TABLE key_checks (
    key_id TEXT PRIMARY KEY,
    sealed BLOB NOT NULL
) WITHOUT ROWID;

DROP TABLE secrets;
)sql";

// Schema 3: retention (docs/retention-and-export.md).
// - closed_at is when the concern reached its final state; retention counts
//   from it. Concerns closed before this migration get their last update
//   time: never earlier than the real closing, so none is purged too soon.
//   (The chronology would know better, but its data may be encrypted.)
// - A legal hold is a reason code and the time it was placed, on the concern
//   row itself, so purging the concern can never leave a hold behind.
constexpr const char* kSchema3 = R"sql(
ALTER TABLE concerns ADD COLUMN closed_at INTEGER;
ALTER TABLE concerns ADD COLUMN legal_hold_reason TEXT;
ALTER TABLE concerns ADD COLUMN legal_hold_since INTEGER;
UPDATE concerns SET closed_at = updated_at WHERE state = 'closed';
CREATE INDEX concerns_by_closed_at ON concerns (closed_at) WHERE closed_at IS NOT NULL;
)sql";

// Schema 4: an audit row names the integration that called on the actor's
// behalf and the host's request id (Actor::integration, request_id). Both are
// part of the append-only content, so the trigger guards them too.
constexpr const char* kSchema4 = R"sql(
ALTER TABLE audit ADD COLUMN integration TEXT;
ALTER TABLE audit ADD COLUMN request_id TEXT;
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update
BEFORE UPDATE OF id, at, actor_id, actor_role, action, concern_id, outcome, integration, request_id
ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
)sql";

// Schema 5: what the observer did and asks for, with each submission
// (schemas/submission.schema.json): whom they already called (112, Veilig
// Thuis) and whether they want the officer to call back. Flags, not text, so
// they stay clear like concerns.acute; submissions stored before read as
// nobody called and no call-back asked, which is what those observers said.
constexpr const char* kSchema5 = R"sql(
ALTER TABLE submissions ADD COLUMN already_called_112 INTEGER NOT NULL DEFAULT 0
    CHECK (already_called_112 IN (0, 1));
ALTER TABLE submissions ADD COLUMN already_called_veilig_thuis INTEGER NOT NULL DEFAULT 0
    CHECK (already_called_veilig_thuis IN (0, 1));
ALTER TABLE submissions ADD COLUMN callback_requested INTEGER NOT NULL DEFAULT 0
    CHECK (callback_requested IN (0, 1));
)sql";

// Schema 6: the officer's feedback to each observer (core/feedback.h): the
// last fixed message sent and when, and whether aftercare was offered with
// it. Ids and flags, no text. Submissions handled before this version were
// told "handled", which is the message "completed" now.
constexpr const char* kSchema6 = R"sql(
ALTER TABLE submissions ADD COLUMN feedback_message TEXT;
ALTER TABLE submissions ADD COLUMN feedback_at INTEGER;
ALTER TABLE submissions ADD COLUMN aftercare_offered INTEGER NOT NULL DEFAULT 0
    CHECK (aftercare_offered IN (0, 1));
UPDATE submissions SET feedback_message = 'completed', feedback_at = handled_at
    WHERE handled_at IS NOT NULL;
)sql";

// Schema 7: what the officer does around the steps (issue 16).
// - priority (0 acute, 1 urgent, 2 normal) is clear, like acute: the list is
//   sorted and filtered by it. Concerns stored before read as normal, or acute
//   when the acute path was recorded; their next submission raises it.
// - report_decided: step 5 decided to report; `reported` now means a melding
//   was recorded. Before, a decision to report set `reported`, so both start
//   equal.
// - state_since (when the concern entered its state: stalled steps) starts at
//   the last update, never earlier than the real moment.
// - veilig_thuis_feedback_due: the working day by which Veilig Thuis's
//   feedback on a melding is expected; clear like review_date.
// - case_data (sealed, its own key id): the people as roles, referrals,
//   children involved, honour-related, when the last melding was made.
// - reminders_notified: which reminder (unassigned, stalled, feedback owed,
//   Veilig Thuis's feedback late) the officers were notified of, by its due
//   date; listed while due, notified once. Indexes keep each reminder's
//   query to the concerns it is about.
// - a legal hold remembers who asked to lift it (lifting takes two people).
// - export_requests: a data-subject export waits for a second officer; who
//   asks (the requester's relation), which entries are withheld and why is
//   sealed; purged with its concern.
// - tenancies: when a unit's tenant last changed (a host event); signals
//   without a household then start a new concern.
constexpr const char* kSchema7 = R"sql(
ALTER TABLE concerns ADD COLUMN priority INTEGER NOT NULL DEFAULT 2 CHECK (priority IN (0, 1, 2));
UPDATE concerns SET priority = 0 WHERE acute = 1;
ALTER TABLE concerns ADD COLUMN report_decided INTEGER NOT NULL DEFAULT 0
    CHECK (report_decided IN (0, 1));
UPDATE concerns SET report_decided = reported;
ALTER TABLE concerns ADD COLUMN state_since INTEGER NOT NULL DEFAULT 0;
UPDATE concerns SET state_since = updated_at;
ALTER TABLE concerns ADD COLUMN veilig_thuis_feedback_due TEXT;
ALTER TABLE concerns ADD COLUMN case_data BLOB;
ALTER TABLE concerns ADD COLUMN case_key_id TEXT;
CREATE INDEX concerns_by_priority ON concerns (priority, id);
CREATE INDEX concerns_by_case_key ON concerns (case_key_id);
CREATE INDEX concerns_by_household ON concerns (household_ref) WHERE household_ref IS NOT NULL;
CREATE INDEX concerns_unassigned ON concerns (created_at)
    WHERE assignee IS NULL AND closed_at IS NULL;
CREATE INDEX concerns_by_state_since ON concerns (state, state_since);
CREATE INDEX concerns_by_feedback_due ON concerns (veilig_thuis_feedback_due)
    WHERE veilig_thuis_feedback_due IS NOT NULL;
CREATE TABLE reminders_notified (
    concern_id INTEGER NOT NULL REFERENCES concerns (id),
    reminder TEXT NOT NULL,
    due_date TEXT NOT NULL,
    PRIMARY KEY (concern_id, reminder, due_date)
) WITHOUT ROWID;
ALTER TABLE concerns ADD COLUMN legal_hold_lift_by TEXT;
ALTER TABLE concerns ADD COLUMN legal_hold_lift_at INTEGER;
CREATE TABLE export_requests (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    concern_id INTEGER NOT NULL REFERENCES concerns (id),
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    request BLOB NOT NULL,
    key_id TEXT NOT NULL,
    released_by TEXT,
    released_at INTEGER
);
CREATE INDEX export_requests_by_concern ON export_requests (concern_id);
CREATE INDEX export_requests_by_key ON export_requests (key_id);
CREATE TABLE tenancies (
    unit_id TEXT PRIMARY KEY,
    since INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Schema 8: officers' actions may carry an idempotency key (a retried
// record_acute must add nothing). Only the digest of the request is kept,
// never its fields; purged with the concern.
constexpr const char* kSchema8 = R"sql(
CREATE TABLE action_keys (
    actor_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    concern_id INTEGER NOT NULL REFERENCES concerns (id),
    PRIMARY KEY (actor_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX action_keys_by_concern ON action_keys (concern_id);
)sql";

// Schema 9: purges, key rotations and legal holds take idempotency keys too,
// so the keys of officers' actions become the keys of any request. A purge's
// or rotation's key belongs to no concern and keeps its first answer (counts
// only): those cannot be read again the way a concern can. An audit row may
// stand for many events (failed authentications per address and window): it
// says how many.
constexpr const char* kSchema9 = R"sql(
CREATE TABLE request_keys (
    actor_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    concern_id INTEGER REFERENCES concerns (id),
    answer TEXT,
    PRIMARY KEY (actor_id, idempotency_key)
) WITHOUT ROWID;
INSERT INTO request_keys (actor_id, idempotency_key, request_digest, concern_id)
    SELECT actor_id, idempotency_key, request_digest, concern_id FROM action_keys;
DROP TABLE action_keys;
CREATE INDEX request_keys_by_concern ON request_keys (concern_id);
ALTER TABLE audit ADD COLUMN count INTEGER;
)sql";

// Schema 10: management figures (core/figures.h). One row per concern, kept
// when the concern is purged: the purge only cuts concern_id, so nothing
// leads from a row to a concern, unit or household any more. A row holds
// the quarter the concern was opened in and words and day counts from fixed
// lists (no content, no dates), which is why it is not sealed. Durations are
// kept per concern rather than as counters: a median needs the values.
// Concerns stored before this version have no row: the figures start here.
constexpr const char* kSchema10 = R"sql(
CREATE TABLE figures (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER UNIQUE REFERENCES concerns (id),
    quarter TEXT NOT NULL CHECK (quarter GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'),
    data TEXT NOT NULL
);
CREATE INDEX figures_by_quarter ON figures (quarter);
)sql";

// Schema 11: blind indexes (issue 20, point 3). Someone holding the file
// without the key ring must not learn which dwelling has a concern or who
// reported it, so no unit id, household reference, observer (actor) id or
// host ticket id stays in clear:
// - each row keeps its ids sealed together in `ids` (a JSON object, under
//   `ids_key_id`, bound to the row), and where the store looks one up, a
//   keyed hash of it (store/sql_blind.h): concerns.unit_hash and
//   household_hash, entries.unit_hash and actor_hash, submissions.
//   observer_hash, prompts.ticket_hash and tenancies.unit_hash. The indexes
//   that served the clear columns serve the hashes.
// - audit rows keep their actor's id sealed in `actor` (under
//   `actor_key_id`); the chain still MACs the clear id, so every link made
//   before stays valid. Like key_id and link, the sealed actor may change
//   (key rotation reseals it): the trigger guards every other column.
// - Hashing and sealing need the keys, which a migration does not have: the
//   clear values move to blind_backlog here, and the store's first open with
//   keys seals them and empties it in one transaction (sqlite_store.cpp).
//   Until then the file still holds them, as it did before.
// - DROP COLUMN rewrites the table and secure_delete overwrites the freed
//   pages; submissions (whose unique key named the observer), prompts and
//   tenancies (keyed by the clear id) are rebuilt instead, as rowid tables:
//   rotation finds their rows under an old key through a MULTI-INDEX OR,
//   which SQLite offers on rowid tables only. (DROP COLUMN needs SQLite 3.35,
//   as the store's RETURNING clauses already do.)
// - Someone holding the file still sees which rows share a unit, household
//   or actor (equal hashes), never which one it is.
constexpr const char* kSchema11 = R"sql(
CREATE TABLE blind_backlog (
    tbl TEXT NOT NULL,
    row_id INTEGER NOT NULL,
    ref TEXT,
    a TEXT,
    b TEXT
);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'concerns', id, ref, unit_id, household_ref FROM concerns;
DROP INDEX concerns_by_unit;
DROP INDEX concerns_by_household;
ALTER TABLE concerns DROP COLUMN unit_id;
ALTER TABLE concerns DROP COLUMN household_ref;
ALTER TABLE concerns ADD COLUMN unit_hash TEXT;
ALTER TABLE concerns ADD COLUMN household_hash TEXT;
ALTER TABLE concerns ADD COLUMN ids BLOB;
ALTER TABLE concerns ADD COLUMN ids_key_id TEXT;
CREATE INDEX concerns_by_unit ON concerns (unit_hash);
CREATE INDEX concerns_by_household ON concerns (household_hash) WHERE household_hash IS NOT NULL;
CREATE INDEX concerns_by_ids_key ON concerns (ids_key_id);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'entries', id, NULL, unit_id, actor_id FROM entries;
DROP INDEX entries_unattached_by_unit;
ALTER TABLE entries DROP COLUMN unit_id;
ALTER TABLE entries DROP COLUMN actor_id;
ALTER TABLE entries ADD COLUMN unit_hash TEXT;
ALTER TABLE entries ADD COLUMN actor_hash TEXT;
ALTER TABLE entries ADD COLUMN ids BLOB;
ALTER TABLE entries ADD COLUMN ids_key_id TEXT;
CREATE INDEX entries_unattached_by_unit ON entries (unit_hash, at) WHERE concern_id IS NULL;
CREATE INDEX entries_by_ids_key ON entries (ids_key_id);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'submissions', id, ref, observer_id, host_ticket_id FROM submissions;
CREATE TABLE submissions_blind (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    concern_id INTEGER NOT NULL REFERENCES concerns (id),
    observer_hash TEXT,
    ids BLOB,
    ids_key_id TEXT,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    handled_at INTEGER,
    already_called_112 INTEGER NOT NULL DEFAULT 0 CHECK (already_called_112 IN (0, 1)),
    already_called_veilig_thuis INTEGER NOT NULL DEFAULT 0
        CHECK (already_called_veilig_thuis IN (0, 1)),
    callback_requested INTEGER NOT NULL DEFAULT 0 CHECK (callback_requested IN (0, 1)),
    feedback_message TEXT,
    feedback_at INTEGER,
    aftercare_offered INTEGER NOT NULL DEFAULT 0 CHECK (aftercare_offered IN (0, 1)),
    UNIQUE (observer_hash, idempotency_key)
);
INSERT INTO submissions_blind (id, ref, concern_id, idempotency_key, request_digest,
    submitted_at, handled_at, already_called_112, already_called_veilig_thuis,
    callback_requested, feedback_message, feedback_at, aftercare_offered)
    SELECT id, ref, concern_id, idempotency_key, request_digest, submitted_at, handled_at,
        already_called_112, already_called_veilig_thuis, callback_requested, feedback_message,
        feedback_at, aftercare_offered FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_blind RENAME TO submissions;
CREATE INDEX submissions_by_concern ON submissions (concern_id, handled_at);
CREATE INDEX submissions_by_ids_key ON submissions (ids_key_id);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'prompts', prompted_at, NULL, host_ticket_id, NULL FROM prompts;
DROP TABLE prompts;
CREATE TABLE prompts (
    ticket_hash TEXT PRIMARY KEY,
    ids BLOB NOT NULL,
    ids_key_id TEXT NOT NULL,
    prompted_at INTEGER NOT NULL
);
CREATE INDEX prompts_by_time ON prompts (prompted_at);
CREATE INDEX prompts_by_ids_key ON prompts (ids_key_id);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'tenancies', since, NULL, unit_id, NULL FROM tenancies;
DROP TABLE tenancies;
CREATE TABLE tenancies (
    unit_hash TEXT PRIMARY KEY,
    ids BLOB NOT NULL,
    ids_key_id TEXT NOT NULL,
    since INTEGER NOT NULL
);
CREATE INDEX tenancies_by_ids_key ON tenancies (ids_key_id);

INSERT INTO blind_backlog (tbl, row_id, ref, a, b)
    SELECT 'audit', id, NULL, actor_id, NULL FROM audit;
DROP TRIGGER audit_no_update;
ALTER TABLE audit DROP COLUMN actor_id;
ALTER TABLE audit ADD COLUMN actor BLOB;
ALTER TABLE audit ADD COLUMN actor_key_id TEXT;
CREATE INDEX audit_by_actor_key ON audit (actor_key_id);
CREATE TRIGGER audit_no_update
BEFORE UPDATE OF id, at, actor_role, action, concern_id, outcome, integration, request_id, count
ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
)sql";

// Schema 12: the officer's list (by priority, most urgent first, newest first
// within one: ORDER BY priority, id DESC) reads an index in that order and
// stops after its page. The index (priority, id) of schema 7 ran the other way
// within a priority, so every page sorted all concerns of the first
// priorities (and counted their unhandled submissions) before taking its
// first 100. The filters the list takes keep their index in the same order;
// filtered by state or assignee alone, newest first, the one-column indexes
// still serve (they end in the rowid, the concern's id).
constexpr const char* kSchema12 = R"sql(
DROP INDEX concerns_by_priority;
CREATE INDEX concerns_by_priority ON concerns (priority, id DESC);
CREATE INDEX concerns_by_state_priority ON concerns (state, priority, id DESC);
CREATE INDEX concerns_by_assignee_priority ON concerns (assignee, priority, id DESC);
)sql";

// Schema 13: events, the transactional outbox (plugin_api/ABI.md, "Events").
// A notification is kept here in the transaction of the change that caused
// it, under its event id, until the host acknowledges it: a process killed
// after the commit and before the host stored the event can replay it under
// the same id. Ids only (the notification as notified), never content; a
// purge removes a concern's events with it; rows left unacknowledged are
// pruned after a week (service/event_log.h).
constexpr const char* kSchema13 = R"sql(
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    concern_id INTEGER REFERENCES concerns (id),
    notification TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_by_age ON events (created_at);
CREATE INDEX events_by_concern ON events (concern_id) WHERE concern_id IS NOT NULL;
)sql";

// Schema 14: a concern keeps how many of its submissions wait for feedback.
// Counted on every read before, it cost one step per waiting submission, and
// every submission reads its concern: a dwelling reported thousands of times
// made each next report slower (sql_transaction.h keeps the count).
constexpr const char* kSchema14 = R"sql(
ALTER TABLE concerns ADD COLUMN pending_feedback INTEGER NOT NULL DEFAULT 0;
UPDATE concerns SET pending_feedback = (SELECT count(*) FROM submissions s
    WHERE s.concern_id = concerns.id AND s.handled_at IS NULL);
)sql";

// Schema 15: key rotation reads each kind of record in id order from a
// cursor kept here (store/sql_rotation.h) instead of through an index on each
// key id column. Rotation was those indexes' only reader; every submission
// wrote to them. The narrow tables (prompts, tenancies) keep theirs: keyed by
// a hash that rotation changes, they have no id order to resume in. The same
// text is PostgreSQL's schema 5.
constexpr const char* kSchema15 = sql::rotation::kCursorsSchema;

void rollback_if_open(sqlite3* db) {
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
}

// A migration must leave no dangling reference; with foreign keys off during
// migrations, nothing else would notice.
void check_foreign_keys(sqlite3* db) {
    Statement statement(db, "PRAGMA foreign_key_check");
    Query query(statement.get());
    if (query.step()) {
        throw storage_failure(kStoreFailure, "a schema migration left broken references");
    }
}

void apply(sqlite3* db, const Migration& migration) {
    exec(db, migration.sql);
    // PRAGMA takes no bound parameters; the number is our own constant.
    exec(db, ("PRAGMA user_version = " + std::to_string(migration.version)).c_str());
    check_foreign_keys(db);
}

// Runs the migration to `target` unless the file is already there. The
// version is read after BEGIN IMMEDIATE holds the write lock, so two
// processes opening a new store at once cannot both run it.
void migrate_to(sqlite3* db, const Migration& migration) {
    exec(db, "BEGIN IMMEDIATE");
    try {
        const int version = schema_version(db, kStoreFailure);
        check_schema_version(version);
        if (version < migration.version) apply(db, migration);
        exec(db, "COMMIT");
    } catch (...) {
        rollback_if_open(db);
        throw;
    }
}

}  // namespace

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all{
        {1, kSchema1},   {2, kSchema2},   {3, kSchema3},   {4, kSchema4},   {5, kSchema5},
        {6, kSchema6},   {7, kSchema7},   {8, kSchema8},   {9, kSchema9},   {10, kSchema10},
        {11, kSchema11}, {12, kSchema12}, {13, kSchema13}, {14, kSchema14}, {15, kSchema15},
    };
    return all;
}

int latest_schema_version() {
    return migrations().back().version;
}

int schema_version(sqlite3* db, const char* context) {
    return static_cast<int>(query_int(db, "PRAGMA user_version", context));
}

void check_schema_version(int version) {
    refuse_newer_schema(version, latest_schema_version());
}

void migrate(sqlite3* db) {
    const int current = schema_version(db, kStoreFailure);
    check_schema_version(current);
    if (current < 0) throw storage_failure(kCannotOpen, "the file is not a meldcode store");
    for (const Migration& migration : migrations()) {
        if (migration.version > current) migrate_to(db, migration);
    }
}

}  // namespace meldcode::sqlite
