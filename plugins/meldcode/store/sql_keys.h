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
    const char* select;  // id, ref (text), sealed value, key_id; ends in WHERE … AND
    const char* update;  // ?1 id, ?2 sealed, ?3 key_id
    std::string (*context)(std::int64_t id, const std::string& ref);
    const char* under_old_key = kUnderOldKey;  // the condition on its key id column
};

inline const SealedColumn kEntries{
    "SELECT id, '', data, key_id FROM entries WHERE ",
    "UPDATE entries SET data = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t id, const std::string&) { return entry_context(id); }};
inline const SealedColumn kAssessments{
    "SELECT id, ref, assessment, key_id FROM concerns WHERE assessment IS NOT NULL AND ",
    "UPDATE concerns SET assessment = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return assessment_context(ref); }};
// The concern's sealed case details (schema 7) have a key id column of their own.
inline const SealedColumn kCases{
    "SELECT id, ref, case_data, case_key_id FROM concerns WHERE case_data IS NOT NULL AND ",
    "UPDATE concerns SET case_data = ?2, case_key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return case_context(ref); },
    "(case_key_id IS NULL OR case_key_id < ?1 OR case_key_id > ?1)"};
inline const SealedColumn kExports{
    "SELECT id, ref, request, key_id FROM export_requests WHERE ",
    "UPDATE export_requests SET request = ?2, key_id = ?3 WHERE id = ?1",
    [](std::int64_t, const std::string& ref) { return export_context(ref); }};

struct Pending {
    std::int64_t id;
    std::string context;
    std::string plaintext;
};

// Reseals up to `limit` rows of one column under the active key. A row
// without key id is clear text from before encryption (`legacy` only).
template <class Db>
std::int64_t reseal(Db& db, const Crypto& crypto, const SealedColumn& column, std::int64_t limit,
                    bool legacy) {
    std::vector<Pending> rows;
    {
        auto q = db.query(std::string(column.select) + column.under_old_key + " LIMIT ?2");
        q.bind(1, crypto.active_key_id()).bind(2, limit);
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
    return static_cast<std::int64_t>(rows.size());
}

template <class Db>
std::int64_t count(Db& db, const Crypto& crypto, const std::string& sql) {
    auto q = db.query(sql);
    q.bind(1, crypto.active_key_id());
    return q.step() ? q.int64(0) : 0;
}

template <class Db>
std::int64_t remaining(Db& db, const Crypto& crypto) {
    return count(db, crypto, std::string("SELECT count(*) FROM entries WHERE ") + kUnderOldKey) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM concerns WHERE assessment IS NOT NULL AND ") +
                     kUnderOldKey) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM concerns WHERE case_data IS NOT NULL AND ") +
                     kCases.under_old_key) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM export_requests WHERE ") + kUnderOldKey) +
           ids_to_reblind(db, crypto) + audit_rows_to_relink(db, crypto);
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
        keys::reseal(db, crypto, keys::kEntries, kAll, true);
        keys::reseal(db, crypto, keys::kAssessments, kAll, true);
    }
    legacy();
    if (!keyed_before) link_unchained_audit(db, crypto);
    keys::add_check(db, crypto);
}

// One batch of rotation inside the caller's transaction: re-encrypts
// chronology entries, assessments, case data and exports, re-keys the blind
// ids (hashes and sealed values), re-MACs audit rows (and reseals their
// actors), oldest first. When nothing remains under an old key, its check value
// is dropped: a ring without that key opens the store from then on.
template <class Db>
RotationProgress rotate_records(Db& db, const Crypto& crypto, std::int64_t batch) {
    RotationProgress progress;
    for (const keys::SealedColumn* column :
         {&keys::kEntries, &keys::kAssessments, &keys::kCases, &keys::kExports}) {
        if (progress.rotated < batch) {
            progress.rotated += keys::reseal(db, crypto, *column, batch - progress.rotated, false);
        }
    }
    for (const IdsColumn& column : kIdsColumns) {
        if (progress.rotated < batch) {
            progress.rotated += reblind(db, crypto, column, batch - progress.rotated);
        }
    }
    if (progress.rotated < batch) {
        progress.rotated += relink_audit(db, crypto, batch - progress.rotated);
    }
    progress.remaining = keys::remaining(db, crypto);
    if (progress.remaining == 0) {
        auto q = db.query("DELETE FROM key_checks WHERE key_id <> ?1");
        q.bind(1, crypto.active_key_id());
        q.run();
    }
    return progress;
}

}  // namespace meldcode::sql
