// Blind indexes, for both SQL adapters: the ids that tell whom a concern is
// about and who reported it (unit ids, household references, actor ids, host
// ticket ids) are kept only sealed, each row's together in its `ids` column
// (a JSON object, under the key in `ids_key_id`), and where the store looks
// one up, as a keyed hash (Crypto::blind_index) in a column of its own, under
// the same key as the row's `ids`. A lookup hashes the wanted value under
// every key of the ring: during a key rotation rows under the old key and
// under the new one are both found (`<column> IN (...)`), and the column's
// index serves the list as it served the clear value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ports/crypto.h"
#include "store/sql_common.h"
#include "store/sql_rotation.h"

namespace meldcode::sql {

// One id of a row: its name in the row's sealed `ids`, its kind, and whether
// the row has a hash column for it (only what is looked up has one).
struct BlindId {
    const char* name;
    BlindKind kind;
    bool indexed;
    std::optional<std::string> value;
};

// What each table's `ids` is bound to (with the key id): the row.
inline std::string ids_context(const char* table, const std::string& row) {
    return std::string(table) + ".ids/" + row;
}

// The hashes of `value` under every key of the ring, the active key's first.
inline std::vector<std::string> blind_indexes(const Crypto& crypto, BlindKind kind,
                                              const std::string& value) {
    std::vector<std::string> hashes{crypto.blind_index(crypto.active_key_id(), kind, value)};
    for (const std::string& key : crypto.key_ids()) {
        if (key != crypto.active_key_id()) hashes.push_back(crypto.blind_index(key, kind, value));
    }
    return hashes;
}

// "<column> IN (?first, ?first+1, ...)" with one parameter per key of the
// ring; bind them with bind_indexes().
inline std::string matches(const Crypto& crypto, const char* column, int first) {
    std::string sql = std::string(column) + " IN (";
    const std::size_t keys = crypto.key_ids().size();
    for (std::size_t i = 0; i < keys; ++i) {
        if (i > 0) sql += ", ";
        sql += "?" + std::to_string(first + static_cast<int>(i));
    }
    return sql + ")";
}

template <class Query>
void bind_indexes(const Crypto& crypto, Query& query, int first, BlindKind kind,
                  const std::string& value) {
    int index = first;
    for (const std::string& hash : blind_indexes(crypto, kind, value)) query.bind(index++, hash);
}

// Binds, from `first`: the hash (under the active key) of each indexed id, in
// order (NULL for an id without value), then the ids sealed together under
// `context`, then the active key id.
template <class Query>
void bind_ids(const Crypto& crypto, Query& query, int first, const std::vector<BlindId>& ids,
              const std::string& context) {
    const std::string& key = crypto.active_key_id();
    nlohmann::json sealed = nlohmann::json::object();
    int index = first;
    for (const BlindId& id : ids) {
        if (id.value) sealed[id.name] = *id.value;
        if (!id.indexed) continue;
        if (id.value) {
            query.bind(index++, crypto.blind_index(key, id.kind, *id.value));
        } else {
            query.bind_null(index++);
        }
    }
    query.bind_blob(index, crypto.seal_record(sealed.dump(), context));
    query.bind(index + 1, key);
}

// A row's ids, opened from its `ids` (column ids_col) and key id (ids_col + 1).
template <class Query>
nlohmann::json open_ids(const Crypto& crypto, const Query& row, int ids_col,
                        const std::string& context) {
    const auto key_id = row.optional_text(ids_col + 1);
    if (!key_id) throw Error(MC_E_STORAGE, "record_corrupt", "a stored record has no key id");
    auto ids = nlohmann::json::parse(crypto.open_record(*key_id, row.blob(ids_col), context),
                                     nullptr, /*allow_exceptions=*/false);
    if (!ids.is_object()) throw store_failure("a stored row's ids are corrupt");
    return ids;
}

inline std::string id_text(const nlohmann::json& ids, const char* name) {
    const auto it = ids.find(name);
    if (it == ids.end() || !it->is_string()) throw store_failure("a stored row's ids are corrupt");
    return it->get<std::string>();
}

inline std::optional<std::string> optional_id(const nlohmann::json& ids, const char* name) {
    const auto it = ids.find(name);
    if (it == ids.end()) return std::nullopt;
    if (!it->is_string()) throw store_failure("a stored row's ids are corrupt");
    return it->get<std::string>();
}

// Rows whose ids are under another key than the active one (?1), written as
// kUnderOldKey is, for the same reason.
constexpr const char* kIdsUnderOldKey =
    "(ids_key_id IS NULL OR ids_key_id < ?1 OR ids_key_id > ?1)";

// The ids of each table, as bind_ids() takes them.
inline std::vector<BlindId> concern_ids(const std::string& unit_id,
                                        const std::optional<std::string>& household_ref) {
    return {{"unit_id", BlindKind::unit, true, unit_id},
            {"household_ref", BlindKind::household, true, household_ref}};
}
inline std::vector<BlindId> submission_ids(const std::string& observer_id,
                                           const std::optional<std::string>& host_ticket_id) {
    return {{"observer_id", BlindKind::actor, true, observer_id},
            {"host_ticket_id", BlindKind::ticket, false, host_ticket_id}};
}
inline std::vector<BlindId> entry_ids(const std::string& unit_id, const std::string& actor_id) {
    return {{"unit_id", BlindKind::unit, true, unit_id},
            {"actor_id", BlindKind::actor, true, actor_id}};
}

// The prompt log and the tenancies are keyed by their hash: the context of
// their ids is that hash under the active key. save_prompt() answers whether
// the ticket was new (a claim, when processes share the store).
template <class Db>
bool save_prompt(Db& db, const Crypto& crypto, const std::string& host_ticket_id,
                 std::int64_t prompted_at) {
    auto q = db.query(
        "INSERT INTO prompts (ticket_hash, ids, ids_key_id, prompted_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT DO NOTHING RETURNING 1");
    const std::string hash =
        crypto.blind_index(crypto.active_key_id(), BlindKind::ticket, host_ticket_id);
    bind_ids(crypto, q, 1, {{"host_ticket_id", BlindKind::ticket, true, host_ticket_id}},
             ids_context("prompts", hash));
    q.bind(4, prompted_at);
    return q.step();
}

// A later change of tenant wins over an earlier one.
template <class Db>
void save_tenancy(Db& db, const Crypto& crypto, const std::string& unit_id, std::int64_t since) {
    auto q = db.query(
        "INSERT INTO tenancies (unit_hash, ids, ids_key_id, since) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (unit_hash) DO UPDATE SET since = CASE WHEN excluded.since > "
        "tenancies.since THEN excluded.since ELSE tenancies.since END");
    const std::string hash = crypto.blind_index(crypto.active_key_id(), BlindKind::unit, unit_id);
    bind_ids(crypto, q, 1, {{"unit_id", BlindKind::unit, true, unit_id}},
             ids_context("tenancies", hash));
    q.bind(4, since);
    q.run();
}

// The tables with blind ids, and how rotation finds a row's ids: `select`
// gives the row's number (id, or the time of a prompt or tenancy), the text
// its ids are bound to (ref, id, or hash), `ids` and `ids_key_id`.
enum class IdsTable { concerns, submissions, entries, prompts, tenancies };

struct IdsColumn {
    rotation::Kind kind;
    const char* select;  // ends in WHERE
    IdsTable table;
    // Read in id order from the kind's cursor (sql_rotation.h); the narrow
    // tables, keyed by a hash that rotation changes, through their index.
    bool from_cursor = true;
};

// The rows of a narrow table under an old key, through its index one old key
// at a time: on a table of four columns SQLite's planner prefers a full scan
// to a MULTI-INDEX OR, which would make a whole rotation quadratic. Every key
// a row is under has its check value (it is dropped only when nothing
// remains under it), and these tables never have rows without a key.
constexpr const char* kNarrowUnderOldKey =
    "ids_key_id IN (SELECT key_id FROM key_checks WHERE key_id < ?1 OR key_id > ?1)";

inline const IdsColumn kIdsColumns[] = {
    {{"concerns.ids", "concerns", kIdsUnderOldKey},
     "SELECT id, ref, ids, ids_key_id FROM concerns WHERE ",
     IdsTable::concerns},
    {{"submissions.ids", "submissions", kIdsUnderOldKey},
     "SELECT id, ref, ids, ids_key_id FROM submissions WHERE ",
     IdsTable::submissions},
    {{"entries.ids", "entries", kIdsUnderOldKey},
     "SELECT id, CAST(id AS TEXT) AS place, ids, ids_key_id FROM entries WHERE ",
     IdsTable::entries},
    {{"prompts.ids", "prompts", kNarrowUnderOldKey},
     "SELECT prompted_at, ticket_hash, ids, ids_key_id FROM prompts WHERE ",
     IdsTable::prompts,
     false},
    {{"tenancies.ids", "tenancies", kNarrowUnderOldKey},
     "SELECT since, unit_hash, ids, ids_key_id FROM tenancies WHERE ",
     IdsTable::tenancies,
     false},
};

// Writes a row's ids under the active key: its hashes and its sealed ids.
// `row` is its number and `place` the text its ids are bound to (see
// IdsColumn); a prompt or tenancy moves to its new hash (`place`, when
// given, is the old one).
template <class Db>
void write_ids(Db& db, const Crypto& crypto, IdsTable table, std::int64_t row,
               const std::optional<std::string>& place, const nlohmann::json& ids) {
    const auto remove = [&](const char* sql) {
        if (!place) return;
        auto q = db.query(sql);
        q.bind(1, *place);
        q.run();
    };
    switch (table) {
        case IdsTable::concerns: {
            auto q = db.query(
                "UPDATE concerns SET unit_hash = ?2, household_hash = ?3, ids = ?4, "
                "ids_key_id = ?5 WHERE id = ?1");
            q.bind(1, row);
            bind_ids(crypto, q, 2,
                     concern_ids(id_text(ids, "unit_id"), optional_id(ids, "household_ref")),
                     ids_context("concerns", place.value_or("")));
            q.run();
            return;
        }
        case IdsTable::submissions: {
            auto q = db.query(
                "UPDATE submissions SET observer_hash = ?2, ids = ?3, ids_key_id = ?4 "
                "WHERE id = ?1");
            q.bind(1, row);
            bind_ids(
                crypto, q, 2,
                submission_ids(id_text(ids, "observer_id"), optional_id(ids, "host_ticket_id")),
                ids_context("submissions", place.value_or("")));
            q.run();
            return;
        }
        case IdsTable::entries: {
            auto q = db.query(
                "UPDATE entries SET unit_hash = ?2, actor_hash = ?3, ids = ?4, ids_key_id = ?5 "
                "WHERE id = ?1");
            q.bind(1, row);
            bind_ids(crypto, q, 2, entry_ids(id_text(ids, "unit_id"), id_text(ids, "actor_id")),
                     ids_context("entries", std::to_string(row)));
            q.run();
            return;
        }
        case IdsTable::prompts:
            remove("DELETE FROM prompts WHERE ticket_hash = ?1");
            save_prompt(db, crypto, id_text(ids, "host_ticket_id"), row);
            return;
        case IdsTable::tenancies:
            remove("DELETE FROM tenancies WHERE unit_hash = ?1");
            save_tenancy(db, crypto, id_text(ids, "unit_id"), row);
            return;
    }
}

// Re-keys up to `limit` rows of one table whose ids are under an old key:
// within `cursor` in id order, or for a narrow table any of them.
template <class Db>
rotation::Rotated reblind(Db& db, const Crypto& crypto, const IdsColumn& column,
                          const rotation::Cursor& cursor, std::int64_t limit) {
    struct Pending {
        std::int64_t row;
        std::string place;
        nlohmann::json ids;
    };
    std::vector<Pending> rows;
    {
        auto q = db.query(std::string(column.select) + column.kind.under_old_key +
                          (column.from_cursor ? rotation::kWithinCursor : " LIMIT ?2"));
        q.bind(1, crypto.active_key_id()).bind(2, limit);
        if (column.from_cursor) rotation::bind_cursor(q, cursor);
        while (q.step()) {
            std::string place = q.text(1);
            auto ids = open_ids(crypto, q, 2, ids_context(column.kind.table, place));
            rows.push_back({q.int64(0), std::move(place), std::move(ids)});
        }
    }
    for (const Pending& row : rows)
        write_ids(db, crypto, column.table, row.row, row.place, row.ids);
    if (rows.empty()) return {};
    return {static_cast<std::int64_t>(rows.size()), rows.back().row};
}

// Rows of a narrow table still under an old key, counted through its index.
template <class Db>
std::int64_t narrow_ids_to_reblind(Db& db, const Crypto& crypto, const IdsColumn& column) {
    auto q = db.query(std::string("SELECT count(*) FROM ") + column.kind.table + " WHERE " +
                      column.kind.under_old_key);
    q.bind(1, crypto.active_key_id());
    return q.step() ? q.int64(0) : 0;
}

}  // namespace meldcode::sql
