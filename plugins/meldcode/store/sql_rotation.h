// Where key rotation has got to, for both SQL adapters: rotation reads each
// kind of sealed record in id order from a cursor kept in the store
// (`rotation_cursors`, one row per kind, under the key it rotates to), so a
// batch looks only at rows no batch has looked at before, and at most a
// window of them. `Db` is an adapter's connection (see sql_transaction.h);
// every function runs inside the caller's open transaction.
//
// Why a cursor and not an index on each key id column, as before schema 15:
// rotation was the only reader of those eight indexes, and every submission
// wrote to them — 9 of the 40 pages a lone submission wrote to SQLite's log
// (bench/RESULTS.md, 2026-12-07). A row written after its cursor passed is
// sealed under the active key already: the store seals every write under the
// ring's active key.
//
// Except from a host still running with the old key as active
// (docs/encryption-and-audit.md: restart every host before rotating), which
// may write under it behind a cursor. Such a host sends the cursors back to
// the start before it writes (`kRestartForOtherKey`): SQLite's at its open
// (no other process writes to the file while it is open), PostgreSQL's in
// every transaction, as the store's lock is taken. The rotation then reads
// every kind again, to its last id by then, before it forgets the old key.
// Before 2026-12-07 the last batch read every kind whole instead, in one
// transaction that every other write waited for: 0.27 s at 100,000
// submissions (bench/RESULTS.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "ports/crypto.h"

namespace meldcode::sql::rotation {

// The cursors' table, and the indexes it replaces: SQLite's schema 15 and
// PostgreSQL's schema 5, the same text on both.
constexpr const char* kCursorsSchema = R"sql(
CREATE TABLE rotation_cursors (
    kind TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    after_id BIGINT NOT NULL,
    end_id BIGINT NOT NULL
);
DROP INDEX entries_by_key;
DROP INDEX entries_by_ids_key;
DROP INDEX concerns_by_key;
DROP INDEX concerns_by_case_key;
DROP INDEX concerns_by_ids_key;
DROP INDEX submissions_by_ids_key;
DROP INDEX export_requests_by_key;
DROP INDEX audit_by_key;
DROP INDEX audit_by_actor_key;
)sql";

// One kind of record that rotation re-keys: rows of `table` for which
// `under_old_key` holds (?1 the active key).
struct Kind {
    const char* name;  // its cursor's row in rotation_cursors
    const char* table;
    const char* under_old_key;
};

// Where rotation has got to in one kind: the rows with after_id < id <=
// end_id are still to read. `end_id` is the kind's last id when its first
// batch ran (or the first after a restart); a row after it was written
// under the active key. -1: not known yet, set by the next batch.
struct Cursor {
    std::int64_t after_id = 0;
    std::int64_t end_id = 0;
};

// Sends every cursor towards another key than ?1 (the host's active key)
// back to the start of its kind, its end not known yet. Changes nothing
// unless a rotation towards another key is under way: then this host has
// the old key as active, and may write under it behind the cursors.
constexpr const char* kRestartForOtherKey =
    "UPDATE rotation_cursors SET after_id = 0, end_id = -1 WHERE key_id <> ?1";

template <class Db>
void restart_for_other_key(Db& db, const Crypto& crypto) {
    auto q = db.query(kRestartForOtherKey);
    q.bind(1, crypto.active_key_id());
    q.run();
}

// Appended to a read that ends in a kind's `under_old_key`: the rows within
// the cursor (?3, ?4), in id order, at most ?2.
constexpr const char* kWithinCursor = " AND id > ?3 AND id <= ?4 ORDER BY id LIMIT ?2";

template <class Query>
Query& bind_cursor(Query& q, const Cursor& cursor) {
    return q.bind(3, cursor.after_id).bind(4, cursor.end_id);
}

// What one batch of one kind re-keyed, and the id of its last row.
struct Rotated {
    std::int64_t count = 0;
    std::int64_t last_id = 0;
};

template <class Db>
std::int64_t last_id(Db& db, const Kind& kind) {
    auto q = db.query(std::string("SELECT max(id) FROM ") + kind.table);
    return q.step() ? q.optional_int64(0).value_or(0) : 0;
}

template <class Db>
void save_cursor(Db& db, const Crypto& crypto, const Kind& kind, const Cursor& cursor) {
    auto q = db.query(
        "INSERT INTO rotation_cursors (kind, key_id, after_id, end_id) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (kind) DO UPDATE SET key_id = excluded.key_id, "
        "after_id = excluded.after_id, end_id = excluded.end_id");
    q.bind(1, kind.name).bind(2, crypto.active_key_id());
    bind_cursor(q, cursor).run();
}

// The kind's cursor towards the active key. The first time rotation asks
// (and the first time after a restart), it runs to the table's last id then:
// what is written later is written under the active key.
template <class Db>
Cursor cursor(Db& db, const Crypto& crypto, const Kind& kind) {
    Cursor at;
    {
        auto q = db.query(
            "SELECT after_id, end_id FROM rotation_cursors WHERE kind = ?1 AND key_id = ?2");
        q.bind(1, kind.name).bind(2, crypto.active_key_id());
        if (q.step()) {
            at = {q.int64(0), q.int64(1)};
            if (at.end_id >= 0) return at;
        }
    }
    at.end_id = last_id(db, kind);
    save_cursor(db, crypto, kind, at);
    return at;
}

// At most how many rows within the cursor are still to read.
inline std::int64_t left_within(const Cursor& cursor) {
    return cursor.end_id > cursor.after_id ? cursor.end_id - cursor.after_id : 0;
}

// What one batch did with one kind: the rows it re-keyed, and at most how
// many are left to read. Answered from the cursor, so asking after every
// batch costs the same however large the store.
struct Step {
    std::int64_t rotated = 0;
    std::int64_t left = 0;
};

// How many ids of a kind one batch reads at most, per row it may re-key:
// after a restart most rows are under the active key already, and a batch
// that looked for `limit` rows under the old key until it found them would
// read the whole kind in one transaction.
constexpr std::int64_t kIdsReadPerRow = 20;

// Runs `rotate(window, limit)` (re-keys up to `limit` rows of `kind` within
// the window, in id order) over the next kIdsReadPerRow * limit ids of the
// cursor, and moves the cursor past them; a batch that found fewer than
// `limit` read its window to the end.
template <class Db, class Rotate>
Step advance(Db& db, const Crypto& crypto, const Kind& kind, std::int64_t limit, Rotate&& rotate) {
    Cursor at = cursor(db, crypto, kind);
    std::int64_t rotated = 0;
    if (at.after_id < at.end_id && limit > 0) {
        const Cursor window{at.after_id, std::min(at.end_id, at.after_id + kIdsReadPerRow * limit)};
        const Rotated done = rotate(window, limit);
        at.after_id = done.count < limit ? window.end_id : done.last_id;
        save_cursor(db, crypto, kind, at);
        rotated = done.count;
    }
    return {rotated, left_within(at)};
}

}  // namespace meldcode::sql::rotation
