#include "store/postgres_migrations.h"

#include <string>

#include "store/schema_version.h"
#include "store/sql_rotation.h"

namespace meldcode::postgres {
namespace {

// Schema 1: the SQLite store's schema 11 (sqlite_migrations.cpp says why each
// table and column is there), translated; it was schema 10's until the blind
// indexes came, before any PostgreSQL store was in use, so it never held an
// id in clear and needs no backlog:
// - ids the store assigns are BIGINT identities, which never reuse a value
//   after a purge (SQLite's AUTOINCREMENT); entries and audit ids are chosen
//   by the store itself (ciphertext and chain links are bound to them).
// - sealed values are BYTEA; flags stay 0/1 with CHECKs, timestamps BIGINT
//   seconds, dates 'YYYY-MM-DD' text, as in SQLite, so both adapters bind and
//   read them alike.
// - the audit trail is append-only in the schema (triggers; TRUNCATE too):
//   only key_id and link may change (key rotation re-MACs).
constexpr const char* kSchema1 = R"sql(
CREATE TABLE concerns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    unit_hash TEXT NOT NULL,
    household_hash TEXT,
    ids BYTEA NOT NULL,
    ids_key_id TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT,
    assessment BYTEA,
    key_id TEXT,
    reported SMALLINT NOT NULL CHECK (reported IN (0, 1)),
    help_arranged SMALLINT NOT NULL CHECK (help_arranged IN (0, 1)),
    acute SMALLINT NOT NULL CHECK (acute IN (0, 1)),
    review_date TEXT,
    review_notified_for TEXT,
    related_ref TEXT REFERENCES concerns (ref) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    legal_hold_reason TEXT,
    legal_hold_since BIGINT,
    legal_hold_lift_by TEXT,
    legal_hold_lift_at BIGINT,
    priority SMALLINT NOT NULL DEFAULT 2 CHECK (priority IN (0, 1, 2)),
    report_decided SMALLINT NOT NULL DEFAULT 0 CHECK (report_decided IN (0, 1)),
    state_since BIGINT NOT NULL DEFAULT 0,
    veilig_thuis_feedback_due TEXT,
    case_data BYTEA,
    case_key_id TEXT
);
CREATE INDEX concerns_by_unit ON concerns (unit_hash);
CREATE INDEX concerns_by_ids_key ON concerns (ids_key_id);
CREATE INDEX concerns_by_state ON concerns (state);
CREATE INDEX concerns_by_assignee ON concerns (assignee);
CREATE INDEX concerns_by_related ON concerns (related_ref) WHERE related_ref IS NOT NULL;
CREATE INDEX concerns_by_key ON concerns (key_id);
CREATE INDEX concerns_by_closed_at ON concerns (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX concerns_by_priority ON concerns (priority, id);
CREATE INDEX concerns_by_case_key ON concerns (case_key_id);
CREATE INDEX concerns_by_household ON concerns (household_hash) WHERE household_hash IS NOT NULL;
CREATE INDEX concerns_unassigned ON concerns (created_at)
    WHERE assignee IS NULL AND closed_at IS NULL;
CREATE INDEX concerns_by_state_since ON concerns (state, state_since);
CREATE INDEX concerns_by_feedback_due ON concerns (veilig_thuis_feedback_due)
    WHERE veilig_thuis_feedback_due IS NOT NULL;

CREATE TABLE submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    observer_hash TEXT NOT NULL,
    ids BYTEA NOT NULL,
    ids_key_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    handled_at BIGINT,
    already_called_112 SMALLINT NOT NULL DEFAULT 0 CHECK (already_called_112 IN (0, 1)),
    already_called_veilig_thuis SMALLINT NOT NULL DEFAULT 0
        CHECK (already_called_veilig_thuis IN (0, 1)),
    callback_requested SMALLINT NOT NULL DEFAULT 0 CHECK (callback_requested IN (0, 1)),
    feedback_message TEXT,
    feedback_at BIGINT,
    aftercare_offered SMALLINT NOT NULL DEFAULT 0 CHECK (aftercare_offered IN (0, 1)),
    UNIQUE (observer_hash, idempotency_key)
);
CREATE INDEX submissions_by_concern ON submissions (concern_id, handled_at);
CREATE INDEX submissions_by_ids_key ON submissions (ids_key_id);

CREATE TABLE entries (
    id BIGINT PRIMARY KEY,
    concern_id BIGINT REFERENCES concerns (id),
    unit_hash TEXT NOT NULL,
    actor_hash TEXT NOT NULL,
    ids BYTEA NOT NULL,
    ids_key_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_role TEXT NOT NULL,
    data BYTEA NOT NULL,
    key_id TEXT
);
CREATE INDEX entries_by_concern ON entries (concern_id, at);
CREATE INDEX entries_unattached_by_unit ON entries (unit_hash, at) WHERE concern_id IS NULL;
CREATE INDEX entries_by_key ON entries (key_id);
CREATE INDEX entries_by_ids_key ON entries (ids_key_id);

CREATE TABLE host_events (
    event_id TEXT PRIMARY KEY
);

CREATE TABLE audit (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor BYTEA NOT NULL,
    actor_key_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    concern_id BIGINT,
    outcome TEXT NOT NULL,
    key_id TEXT,
    link TEXT,
    integration TEXT,
    request_id TEXT,
    count BIGINT
);
CREATE INDEX audit_by_key ON audit (key_id);
CREATE INDEX audit_by_actor_key ON audit (actor_key_id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_no_update
BEFORE UPDATE OF id, at, actor_role, action, concern_id, outcome, integration, request_id,
    count ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE audit_head (
    one SMALLINT PRIMARY KEY CHECK (one = 1),
    last_id BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    mac TEXT NOT NULL
);

CREATE TABLE key_checks (
    key_id TEXT PRIMARY KEY,
    sealed BYTEA NOT NULL
);

CREATE TABLE prompts (
    ticket_hash TEXT PRIMARY KEY,
    ids BYTEA NOT NULL,
    ids_key_id TEXT NOT NULL,
    prompted_at BIGINT NOT NULL
);
CREATE INDEX prompts_by_time ON prompts (prompted_at);
CREATE INDEX prompts_by_ids_key ON prompts (ids_key_id);

CREATE TABLE reminders_notified (
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    reminder TEXT NOT NULL,
    due_date TEXT NOT NULL,
    PRIMARY KEY (concern_id, reminder, due_date)
);

CREATE TABLE export_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    concern_id BIGINT NOT NULL REFERENCES concerns (id),
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    request BYTEA NOT NULL,
    key_id TEXT NOT NULL,
    released_by TEXT,
    released_at BIGINT
);
CREATE INDEX export_requests_by_concern ON export_requests (concern_id);
CREATE INDEX export_requests_by_key ON export_requests (key_id);

CREATE TABLE tenancies (
    unit_hash TEXT PRIMARY KEY,
    ids BYTEA NOT NULL,
    ids_key_id TEXT NOT NULL,
    since BIGINT NOT NULL
);
CREATE INDEX tenancies_by_ids_key ON tenancies (ids_key_id);

CREATE TABLE request_keys (
    actor_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    concern_id BIGINT REFERENCES concerns (id),
    answer TEXT,
    PRIMARY KEY (actor_id, idempotency_key)
);
CREATE INDEX request_keys_by_concern ON request_keys (concern_id);

CREATE TABLE figures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    concern_id BIGINT UNIQUE REFERENCES concerns (id),
    quarter TEXT NOT NULL CHECK (quarter ~ '^[0-9]{4}-Q[1-4]$'),
    data TEXT NOT NULL
);
CREATE INDEX figures_by_quarter ON figures (quarter);
)sql";

// Schema 2: SQLite's schema 12. The officer's list (ORDER BY priority, id
// DESC) reads an index in its order and stops after its page, instead of
// sorting every concern of the first priorities. Filtered by state or
// assignee alone, newest first (ORDER BY id DESC), it scans (state, id) or
// (assignee, id) backwards: what SQLite's one-column indexes give, since
// they end in the rowid. A chronology page reads the concern's entries (and
// its unit's unattached events) in (at, id) order from their indexes, as
// SQLite's (concern_id, at) index gives with the rowid, instead of sorting
// every entry of the concern by id within equal times. A concern's version
// (the largest id of its entries) reads (concern_id, id): without it the
// planner walked the primary key backwards from the newest entry of the
// whole store, filtering for the concern (1.7 s at 1M concerns for an old
// one); SQLite's (concern_id, at) index reads only the concern's entries.
constexpr const char* kSchema2 = R"sql(
DROP INDEX concerns_by_priority;
CREATE INDEX concerns_by_priority ON concerns (priority, id DESC);
CREATE INDEX concerns_by_state_priority ON concerns (state, priority, id DESC);
CREATE INDEX concerns_by_assignee_priority ON concerns (assignee, priority, id DESC);
DROP INDEX concerns_by_state;
CREATE INDEX concerns_by_state ON concerns (state, id);
DROP INDEX concerns_by_assignee;
CREATE INDEX concerns_by_assignee ON concerns (assignee, id);
DROP INDEX entries_by_concern;
CREATE INDEX entries_by_concern ON entries (concern_id, at, id);
CREATE INDEX entries_by_concern_id ON entries (concern_id, id);
DROP INDEX entries_unattached_by_unit;
CREATE INDEX entries_unattached_by_unit ON entries (unit_hash, at, id) WHERE concern_id IS NULL;
)sql";

// Schema 3: events, the transactional outbox (SQLite's schema 13 says why).
constexpr const char* kSchema3 = R"sql(
CREATE TABLE events (
    event_id TEXT PRIMARY KEY,
    concern_id BIGINT REFERENCES concerns (id),
    notification TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_by_age ON events (created_at);
CREATE INDEX events_by_concern ON events (concern_id) WHERE concern_id IS NOT NULL;
)sql";

// Schema 4: a concern keeps how many of its submissions wait for feedback
// (SQLite's schema 14 says why).
constexpr const char* kSchema4 = R"sql(
ALTER TABLE concerns ADD COLUMN pending_feedback BIGINT NOT NULL DEFAULT 0;
UPDATE concerns c SET pending_feedback = (SELECT count(*) FROM submissions s
    WHERE s.concern_id = c.id AND s.handled_at IS NULL);
)sql";

// Schema 5: SQLite's schema 15. Key rotation reads each kind of record in id
// order from a cursor kept here, instead of through an index on each key id
// column that every submission wrote to.
constexpr const char* kSchema5 = sql::rotation::kCursorsSchema;

// The version table itself is not a migration: it must exist before the
// first one runs, and a newer meldcode may have changed everything else.
constexpr const char* kVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "one SMALLINT PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL)";

void rollback_quietly(const Connection& connection) {
    ResultHandle ignored(PQexec(connection.get(), "ROLLBACK"));
}

// One migration (or none, when another process got there first) in its own
// transaction, under the store's lock.
void migrate_to(const Connection& connection, const Migration& migration) {
    connection.exec("BEGIN");
    try {
        connection.exec(store_lock_sql());
        const int version = schema_version(connection);
        refuse_newer_schema(version, latest_schema_version());
        if (version < migration.version) {
            connection.exec(kVersionTable);
            connection.exec(migration.sql);
            Query set(connection,
                      "INSERT INTO schema_version (one, version) VALUES (1, ?1) "
                      "ON CONFLICT (one) DO UPDATE SET version = excluded.version");
            set.bind(1, std::int64_t{migration.version}).run();
        }
        connection.exec("COMMIT");
    } catch (...) {
        rollback_quietly(connection);
        throw;
    }
}

}  // namespace

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all{
        {1, kSchema1}, {2, kSchema2}, {3, kSchema3}, {4, kSchema4}, {5, kSchema5}};
    return all;
}

int latest_schema_version() {
    return migrations().back().version;
}

int schema_version(const Connection& connection) {
    Query exists(connection, "SELECT to_regclass('schema_version') IS NOT NULL");
    if (!exists.step() || !exists.boolean(0)) return 0;
    Query version(connection, "SELECT version FROM schema_version WHERE one = 1");
    return version.step() ? static_cast<int>(version.int64(0)) : 0;
}

void migrate(const Connection& connection) {
    // Read before anything is written: a newer store is refused untouched.
    const int current = schema_version(connection);
    refuse_newer_schema(current, latest_schema_version());
    for (const Migration& migration : migrations()) {
        if (migration.version > current) migrate_to(connection, migration);
    }
}

const char* store_lock_sql() {
    // One lock per schema: stores in other schemas of the database (one per
    // corporation, docs/multi-corporation.md) do not wait for this one.
    return "SELECT pg_advisory_xact_lock(hashtext('meldcode:' || current_schema()))";
}

}  // namespace meldcode::postgres
