// Keys and the store, for both SQL adapters: the check values that refuse a
// wrong key ring at open, sealing what an older store kept in clear, and key
// rotation. `Db` is an adapter's connection (see sql_transaction.h); every
// function runs inside the caller's open transaction.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ports/crypto.h"
#include "ports/store.h"
#include "store/sql_audit.h"
#include "store/sql_blind.h"
#include "store/sql_common.h"

namespace meldcode::sql {

namespace keys {

constexpr const char* kCheckText = "meldcode key check";
constexpr const char* kCheckContext = "key_checks";

// One sealed column of one table, and how to reach and bind its rows.
struct SealedColumn {
    rotation::Kind kind;
    const char* select;  // id, ref (text), sealed value, key_id; ends in WHERE
    const char* update;  // ?1 id, ?2 sealed, ?3 key_id
    std::string (*context)(std::int64_t id, const std::string& ref);
};

inline const SealedColumn kEntries{
    {"entries.data", "entries", kUnderOldKey},
    "SELECT id, '', data, key_id FROM entries WHERE ",
    "UPDATE entries SET data = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t id, const std::string&) { return entry_context(id); }};
inline const SealedColumn kAssessments{
    {"concerns.assessment", "concerns",
     "assessment IS NOT NULL AND (key_id IS NULL OR key_id < ?1 OR key_id > ?1)"},
    "SELECT id, ref, assessment, key_id FROM concerns WHERE ",
    "UPDATE concerns SET assessment = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return assessment_context(ref); }};
// The concern's sealed case details (schema 7) have a key id column of their own.
inline const SealedColumn kCases{
    {"concerns.case_data", "concerns",
     "case_data IS NOT NULL AND (case_key_id IS NULL OR case_key_id < ?1 OR case_key_id > ?1)"},
    "SELECT id, ref, case_data, case_key_id FROM concerns WHERE ",
    "UPDATE concerns SET case_data = ?2, case_key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return case_context(ref); }};
inline const SealedColumn kExports{
    {"export_requests.request", "export_requests", kUnderOldKey},
    "SELECT id, ref, request, key_id FROM export_requests WHERE ",
    "UPDATE export_requests SET request = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return export_context(ref); }};

inline const SealedColumn* const kSealedColumns[] = {&kEntries, &kAssessments, &kCases, &kExports};

struct Pending {
    std::int64_t id;
    std::string context;
    std::string plaintext;
};

// Reseals up to `limit` rows of one column within `cursor` under the active
// key, in id order. A row without key id is clear text from before
// encryption (`legacy` only).
template <class Db>
rotation::Rotated reseal(Db& db, const Crypto& crypto, const SealedColumn& column,
                         const rotation::Cursor& cursor, std::int64_t limit, bool legacy) {
    std::vector<Pending> rows;
    {
        auto q = db.query(std::string(column.select) + column.kind.under_old_key +
                          rotation::kWithinCursor);
        q.bind(1, crypto.active_key_id()).bind(2, limit);
        rotation::bind_cursor(q, cursor);
        while (q.step()) {
            const auto key = q.optional_text(3);
            if (!key && !legacy)
                throw Error(MC_E_STORAGE, "record_corrupt", "a stored record has no key id");
            std::string context = column.context(q.int64(0), q.text(1));
            std::string plain = key ? crypto.open_record(*key, q.blob(2), context) : q.text(2);
            rows.push_back({q.int64(0), std::move(context), std::move(plain)});
        }
    }
    for (const Pending& row : rows) {
        auto q = db.query(column.update);
        q.bind(1, row.id).bind_blob(2, crypto.seal_record(row.plaintext, row.context));
        q.bind(3, crypto.active_key_id());
        q.run();
    }
    if (rows.empty()) return {};
    return {static_cast<std::int64_t>(rows.size()), rows.back().id};
}

// Throws unless every key the store has used is in the ring with the same bytes.
// Returns whether the store has ever been opened with keys.
template <class Db>
bool check_known_keys(Db& db, const Crypto& crypto) {
    auto q = db.query("SELECT key_id, sealed FROM key_checks ORDER BY key_id");
    bool any = false;
    while (q.step()) {
        any = true;
        const std::string key_id = q.text(0);
        try {
            // Throws key_unknown itself when the ring lacks the key id.
            crypto.open_record(key_id, q.blob(1), kCheckContext);
        } catch (const Error& e) {
            if (e.code() != "record_corrupt") throw;
            throw Error(
                MC_E_KEY, "key_mismatch",
                "key '" + key_id + "' of the key ring is not the key this store was written with");
        }
    }
    return any;
}

template <class Db>
void add_check(Db& db, const Crypto& crypto) {
    auto q =
        db.query("INSERT INTO key_checks (key_id, sealed) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    q.bind(1, crypto.active_key_id()).bind_blob(2, crypto.seal_record(kCheckText, kCheckContext));
    q.run();
}

}  // namespace keys

// At open, inside the adapter's transaction: throws Error(MC_E_KEY)
// "key_unknown" when the store used a key the ring lacks and "key_mismatch"
// when a key id's bytes differ from the ones the store was written with —
// before anything is written. Then runs `legacy` (an adapter's migrations
// that need the keys: SQLite's older stores kept the blind ids in clear),
// records the active key's check value, and on the first open with keys
// seals the content and links the audit rows of an older store (only SQLite
// has such stores; on a new store there is nothing to seal).
template <class Db, class Legacy>
void prepare_keys(Db& db, const Crypto& crypto, Legacy&& legacy) {
    const bool keyed_before = keys::check_known_keys(db, crypto);
    if (!keyed_before) {
        constexpr std::int64_t kAll = std::numeric_limits<std::int64_t>::max();
        const rotation::Cursor all{0, kAll};
        keys::reseal(db, crypto, keys::kEntries, all, kAll, true);
        keys::reseal(db, crypto, keys::kAssessments, all, kAll, true);
    }
    legacy();
    if (!keyed_before) link_unchained_audit(db, crypto);
    keys::add_check(db, crypto);
}

namespace keys {

// Whether the store has a check value of another key than the active one:
// every key a row is under has one, until nothing remains under it.
template <class Db>
bool old_key_in_use(Db& db, const Crypto& crypto) {
    auto q = db.query("SELECT 1 FROM key_checks WHERE key_id < ?1 OR key_id > ?1 LIMIT 1");
    q.bind(1, crypto.active_key_id());
    return q.step();
}

// Nothing is under another key than the active one: a ring without the
// others opens the store from now on.
template <class Db>
void forget_old_keys(Db& db, const Crypto& crypto) {
    auto q = db.query("DELETE FROM key_checks WHERE key_id <> ?1");
    q.bind(1, crypto.active_key_id());
    q.run();
    db.query("DELETE FROM rotation_cursors").run();
}

}  // namespace keys

// One batch of rotation inside the caller's transaction: re-encrypts
// chronology entries, assessments, case data and exports, re-keys the blind
// ids (hashes and sealed values), re-MACs audit rows (and reseals their
// actors), each kind oldest first from where the last batch stopped, a
// window of ids at a time (sql_rotation.h). When every cursor has read its
// kind to the end, nothing remains under an old key: its check value is
// dropped, and a ring without that key opens the store from then on.
template <class Db>
RotationProgress rotate_records(Db& db, const Crypto& crypto, std::int64_t batch) {
    RotationProgress progress;
    if (!keys::old_key_in_use(db, crypto)) return progress;
    // Each kind's step adds what it re-keyed, and at most how many of its
    // records are left.
    const auto step = [&](const rotation::Kind& kind, auto&& rotate) {
        const rotation::Step done =
            rotation::advance(db, crypto, kind, batch - progress.rotated, rotate);
        progress.rotated += done.rotated;
        progress.remaining += done.left;
    };
    for (const keys::SealedColumn* column : keys::kSealedColumns) {
        step(column->kind, [&](const rotation::Cursor& cursor, std::int64_t limit) {
            return keys::reseal(db, crypto, *column, cursor, limit, false);
        });
    }
    for (const IdsColumn& column : kIdsColumns) {
        const auto rekey = [&](const rotation::Cursor& cursor, std::int64_t limit) {
            return reblind(db, crypto, column, cursor, limit);
        };
        if (column.from_cursor) {
            step(column.kind, rekey);
            continue;
        }
        if (progress.rotated < batch) {
            progress.rotated += rekey(rotation::Cursor{}, batch - progress.rotated).count;
        }
        progress.remaining += narrow_ids_to_reblind(db, crypto, column);
    }
    step(audit::kLinks, [&](const rotation::Cursor& cursor, std::int64_t limit) {
        const rotation::Rotated relinked = relink_audit(db, crypto, cursor, limit);
        rekey_audit_head(db, crypto);
        return relinked;
    });
    step(audit::kActors, [&](const rotation::Cursor& cursor, std::int64_t limit) {
        return audit::reseal_actors(db, crypto, cursor, limit);
    });
    if (progress.remaining == 0) keys::forget_old_keys(db, crypto);
    return progress;
}

}  // namespace meldcode::sql
