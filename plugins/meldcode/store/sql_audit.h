// The audit chain in SQL, for both adapters: append, verify and re-MAC rows
// of the `audit` table and its anchor `audit_head` (see audit_chain.h). `Db`
// is an adapter's connection (see sql_transaction.h); every function runs
// inside the caller's open transaction, which holds the store's write lock
// (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock), so the head read
// here is the one the append replaces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ports/crypto.h"
#include "ports/store.h"
#include "store/audit_chain.h"
#include "store/sql_common.h"
#include "store/sql_rotation.h"

namespace meldcode::sql {
namespace audit {

using audit_chain::Head;
using audit_chain::Row;

// The actor's id is sealed (column `actor`, under `actor_key_id`, bound to
// the row): the trail names who did what to auditors, not to someone holding
// only the store. The chain MACs the clear id, so rows linked before it was
// sealed keep verifying.
constexpr const char* kRowColumns =
    "SELECT id, at, actor, actor_role, action, concern_id, outcome, key_id, link, "
    "integration, request_id, count, actor_key_id FROM audit ";

// Not bound to the row's id: the chain MACs the clear actor, so an actor
// moved to another row breaks the link there; bound to its id, a reordering
// of rows could no longer be told from a change.
constexpr const char* kActorContext = "audit.actor";

// The actor's id from the columns `actor_col` (sealed) and `key_col`.
template <class Query>
std::string open_actor(const Crypto& crypto, const Query& q, int actor_col, int key_col) {
    const auto key = q.optional_text(key_col);
    if (!key) throw Error(MC_E_STORAGE, "record_corrupt", "a stored record has no key id");
    return crypto.open_record(*key, q.blob(actor_col), kActorContext);
}

// A row whose sealed actor does not open (moved from another row, altered)
// reads without a link, so that the chain reports it as modified.
template <class Query>
Row read_row(const Crypto& crypto, const Query& q) {
    Row row{q.int64(0),         q.int64(1),          std::string(),       q.text(3),
            q.text(4),          q.optional_int64(5), q.text(6),           q.optional_text(7),
            q.optional_text(8), q.optional_text(9),  q.optional_text(10), q.optional_int64(11)};
    try {
        row.actor_id = open_actor(crypto, q, 2, 12);
    } catch (const Error& e) {
        if (e.code() != "record_corrupt") throw;
        row.link.reset();
    }
    return row;
}

template <class Db>
std::optional<Row> row_by_id(Db& db, const Crypto& crypto, std::int64_t id) {
    auto q = db.query(std::string(kRowColumns) + "WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_row(crypto, q);
}

// Seals a row's actor under the active key.
template <class Db>
void seal_actor(Db& db, const Crypto& crypto, std::int64_t id, const std::string& actor_id) {
    auto q = db.query("UPDATE audit SET actor = ?2, actor_key_id = ?3 WHERE id = ?1");
    q.bind(1, id).bind_blob(2, crypto.seal_record(actor_id, kActorContext));
    q.bind(3, crypto.active_key_id());
    q.run();
}

// Rows whose sealed actor is under another key than the active one (?1),
// written as kUnderOldKey is. (A row's link and actor are resealed together,
// but an actor sealed by the schema migration may be under a newer key than
// the row's link: each kind has its own cursor.)
constexpr const char* kActorUnderOldKey =
    "(actor_key_id IS NULL OR actor_key_id < ?1 OR actor_key_id > ?1)";

// The two kinds of audit record that rotation re-keys: links and actors.
inline const rotation::Kind kLinks{"audit.link", "audit", kUnderOldKey};
inline const rotation::Kind kActors{"audit.actor", "audit", kActorUnderOldKey};

// Reseals up to `limit` actors within `cursor` under the active key, in id order.
template <class Db>
rotation::Rotated reseal_actors(Db& db, const Crypto& crypto, const rotation::Cursor& cursor,
                                std::int64_t limit) {
    std::vector<std::pair<std::int64_t, std::string>> actors;
    {
        auto q = db.query(std::string("SELECT id, actor, actor_key_id FROM audit WHERE ") +
                          kActors.under_old_key + rotation::kWithinCursor);
        q.bind(1, crypto.active_key_id()).bind(2, limit);
        rotation::bind_cursor(q, cursor);
        while (q.step()) actors.emplace_back(q.int64(0), open_actor(crypto, q, 1, 2));
    }
    for (const auto& [id, actor_id] : actors) seal_actor(db, crypto, id, actor_id);
    if (actors.empty()) return {};
    return {static_cast<std::int64_t>(actors.size()), actors.back().first};
}

template <class Db>
std::optional<Head> read_head(Db& db) {
    auto q = db.query("SELECT last_id, key_id, mac FROM audit_head WHERE one = 1");
    if (!q.step()) return std::nullopt;
    return Head{q.int64(0), q.text(1), q.text(2)};
}

template <class Db>
void write_head(Db& db, const Crypto& crypto, std::int64_t last_id,
                const std::string& last_canonical) {
    const std::string& key = crypto.active_key_id();
    auto q = db.query(
        "INSERT INTO audit_head (one, last_id, key_id, mac) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, key_id = excluded.key_id, "
        "mac = excluded.mac");
    q.bind(1, last_id).bind(2, key);
    q.bind(3, audit_chain::head_mac(crypto, key, last_id, last_canonical));
    q.run();
}

// The canonical content of the row before `id` ("" before the first).
template <class Db>
std::string previous_canonical(Db& db, const Crypto& crypto, std::int64_t id) {
    if (id <= 1) return {};
    const auto previous = row_by_id(db, crypto, id - 1);
    if (!previous) throw store_failure("the audit trail has a gap");
    return audit_chain::canonical(*previous, previous->id);
}

template <class Db>
void set_link(Db& db, const Crypto& crypto, const Row& row, const std::string& previous) {
    const std::string& key = crypto.active_key_id();
    auto q = db.query(
        "UPDATE audit SET key_id = ?2, link = ?3, actor = ?4, actor_key_id = ?2 WHERE id = ?1");
    q.bind(1, row.id).bind(2, key);
    q.bind(3, audit_chain::link(crypto, key, audit_chain::canonical(row, row.id), previous));
    q.bind_blob(4, crypto.seal_record(row.actor_id, kActorContext));
    q.run();
}

inline Error audit_broken(std::int64_t id) {
    return Error(MC_E_CONFLICT, "audit_broken",
                 "the audit trail fails verification at row " + std::to_string(id) +
                     "; run the audit verification before rotating keys");
}

template <class Db>
std::int64_t row_count(Db& db) {
    auto q = db.query("SELECT count(*) FROM audit");
    return q.step() ? q.int64(0) : 0;
}

}  // namespace audit

template <class Db>
void append_audit_row(Db& db, const Crypto& crypto, const AuditRecord& record) {
    const auto head = audit::read_head(db);
    if (!head && audit::row_count(db) > 0) {
        // Re-creating a lost anchor would hide a cut-off tail: fail closed.
        throw store_failure("the audit trail lost its head (tampered store)");
    }
    audit::Row row{head ? head->last_id + 1 : 1,
                   record.at,
                   record.actor.id,
                   std::string(role_name(record.actor.role)),
                   record.action,
                   record.concern,
                   record.outcome,
                   crypto.active_key_id(),
                   std::nullopt,
                   record.actor.integration,
                   record.actor.request_id,
                   record.count};
    const std::string canonical = audit_chain::canonical(row, row.id);
    row.link = audit_chain::link(crypto, *row.key_id, canonical,
                                 audit::previous_canonical(db, crypto, row.id));
    auto q = db.query(
        "INSERT INTO audit (id, at, actor, actor_key_id, actor_role, action, concern_id, outcome, "
        "key_id, link, integration, request_id, count) "
        "VALUES (?1, ?2, ?3, ?8, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    q.bind(1, row.id).bind(2, row.at).bind(4, row.actor_role);
    q.bind_blob(3, crypto.seal_record(row.actor_id, audit::kActorContext));
    q.bind(5, row.action).bind(6, row.concern_id).bind(7, row.outcome).bind(8, row.key_id);
    q.bind(9, row.link).bind(10, row.integration).bind(11, row.request_id).bind(12, row.count);
    q.run();
    audit::write_head(db, crypto, row.id, canonical);
}

// Checks every link of the audit chain and its head.
template <class Db>
AuditVerification verify_audit_chain(Db& db, const Crypto& crypto) {
    audit_chain::Verifier verifier(crypto);
    {
        auto q = db.query(std::string(audit::kRowColumns) + "ORDER BY id");
        while (q.step() && verifier.feed(audit::read_row(crypto, q))) {
        }
    }
    return verifier.finish(audit::read_head(db));
}

// Rows matching the query, newest first, with the reference of the concern
// each one names (when that concern still exists).
template <class Db>
std::vector<AuditItem> list_audit_rows(Db& db, const Crypto& crypto, const AuditQuery& filter) {
    // SQLite reads a negative LIMIT as "no limit": never let that through.
    if (filter.limit <= 0) return {};
    // A LEFT JOIN on the concerns' primary key: the reference costs one
    // index look-up per row, and a purged concern simply yields NULL.
    auto q = db.query(
        "SELECT a.id, a.at, a.actor, a.actor_role, a.action, a.concern_id, a.outcome, c.ref, "
        "a.integration, a.request_id, a.count, a.actor_key_id "
        "FROM audit a LEFT JOIN concerns c ON c.id = a.concern_id "
        "WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.action = ?2) "
        "AND (?3 IS NULL OR a.outcome = ?3) ORDER BY a.id DESC LIMIT ?4");
    q.bind(1, filter.before).bind(2, filter.action).bind(3, filter.outcome);
    q.bind(4, std::int64_t{filter.limit});
    std::vector<AuditItem> items;
    while (q.step()) {
        const auto role = role_from_name(q.text(3));
        if (!role) throw store_failure("a stored audit actor role is corrupt");
        const Actor actor{audit::open_actor(crypto, q, 2, 11), *role, q.optional_text(8),
                          q.optional_text(9)};
        AuditRecord record{q.int64(1),          actor,     q.text(4),
                           q.optional_int64(5), q.text(6), q.optional_int64(10)};
        items.push_back(AuditItem{q.int64(0), std::move(record), q.optional_text(7)});
    }
    return items;
}

// Re-MACs up to `limit` rows within `cursor` (in id order) that are not
// under the active key; each old link is checked first, so a rotation never
// launders a tampered row.
template <class Db>
rotation::Rotated relink_audit(Db& db, const Crypto& crypto, const rotation::Cursor& cursor,
                               std::int64_t limit) {
    std::vector<audit::Row> rows;
    {
        auto q = db.query(std::string(audit::kRowColumns) + "WHERE " + audit::kLinks.under_old_key +
                          rotation::kWithinCursor);
        q.bind(1, crypto.active_key_id()).bind(2, limit);
        rotation::bind_cursor(q, cursor);
        while (q.step()) rows.push_back(audit::read_row(crypto, q));
    }
    for (const audit::Row& row : rows) {
        const std::string previous = audit::previous_canonical(db, crypto, row.id);
        if (!audit_chain::link_ok(crypto, row, row.id, previous)) throw audit::audit_broken(row.id);
        audit::set_link(db, crypto, row, previous);
    }
    if (rows.empty()) return {};
    return {static_cast<std::int64_t>(rows.size()), rows.back().id};
}

// Re-MACs the chain's head under the active key, after checking it under
// its old one.
template <class Db>
void rekey_audit_head(Db& db, const Crypto& crypto) {
    const auto head = audit::read_head(db);
    if (!head || head->key_id == crypto.active_key_id()) return;
    const auto last = audit::row_by_id(db, crypto, head->last_id);
    if (!last || audit_chain::head_mac(crypto, head->key_id, head->last_id,
                                       audit_chain::canonical(*last, last->id)) != head->mac) {
        throw audit::audit_broken(head->last_id);
    }
    audit::write_head(db, crypto, head->last_id, audit_chain::canonical(*last, last->id));
}

// Links the rows of a store written before the chain existed (no key id)
// and writes the head. Only for the first open with keys.
template <class Db>
void link_unchained_audit(Db& db, const Crypto& crypto) {
    std::vector<audit::Row> rows;
    {
        auto q = db.query(std::string(audit::kRowColumns) + "ORDER BY id");
        while (q.step()) rows.push_back(audit::read_row(crypto, q));
    }
    std::string previous;
    std::int64_t expected = 1;
    for (const audit::Row& row : rows) {
        // Chain positions are ids 1, 2, 3...; an old store always has them.
        if (row.id != expected++) throw store_failure("the audit trail has a gap");
        audit::set_link(db, crypto, row, previous);
        previous = audit_chain::canonical(row, row.id);
    }
    if (!rows.empty()) audit::write_head(db, crypto, rows.back().id, previous);
}

}  // namespace meldcode::sql
