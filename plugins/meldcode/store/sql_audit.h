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

namespace meldcode::sql {
namespace audit {

using audit_chain::Head;
using audit_chain::Row;

constexpr const char* kRowColumns =
    "SELECT id, at, actor_id, actor_role, action, concern_id, outcome, key_id, link, "
    "integration, request_id, count FROM audit ";

template <class Query>
Row read_row(const Query& q) {
    return Row{q.int64(0),         q.int64(1),          q.text(2),           q.text(3),
               q.text(4),          q.optional_int64(5), q.text(6),           q.optional_text(7),
               q.optional_text(8), q.optional_text(9),  q.optional_text(10), q.optional_int64(11)};
}

template <class Db>
std::optional<Row> row_by_id(Db& db, std::int64_t id) {
    auto q = db.query(std::string(kRowColumns) + "WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_row(q);
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
std::string previous_canonical(Db& db, std::int64_t id) {
    if (id <= 1) return {};
    const auto previous = row_by_id(db, id - 1);
    if (!previous) throw store_failure("the audit trail has a gap");
    return audit_chain::canonical(*previous, previous->id);
}

template <class Db>
void set_link(Db& db, const Crypto& crypto, const Row& row, const std::string& previous) {
    const std::string& key = crypto.active_key_id();
    auto q = db.query("UPDATE audit SET key_id = ?2, link = ?3 WHERE id = ?1");
    q.bind(1, row.id).bind(2, key);
    q.bind(3, audit_chain::link(crypto, key, audit_chain::canonical(row, row.id), previous));
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
    row.link =
        audit_chain::link(crypto, *row.key_id, canonical, audit::previous_canonical(db, row.id));
    auto q = db.query(
        "INSERT INTO audit (id, at, actor_id, actor_role, action, concern_id, outcome, key_id, "
        "link, integration, request_id, count) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    q.bind(1, row.id).bind(2, row.at).bind(3, row.actor_id).bind(4, row.actor_role);
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
        while (q.step() && verifier.feed(audit::read_row(q))) {
        }
    }
    return verifier.finish(audit::read_head(db));
}

// Rows matching the query, newest first, with the reference of the concern
// each one names (when that concern still exists).
template <class Db>
std::vector<AuditItem> list_audit_rows(Db& db, const AuditQuery& filter) {
    // SQLite reads a negative LIMIT as "no limit": never let that through.
    if (filter.limit <= 0) return {};
    // A LEFT JOIN on the concerns' primary key: the reference costs one
    // index look-up per row, and a purged concern simply yields NULL.
    auto q = db.query(
        "SELECT a.id, a.at, a.actor_id, a.actor_role, a.action, a.concern_id, a.outcome, c.ref, "
        "a.integration, a.request_id, a.count "
        "FROM audit a LEFT JOIN concerns c ON c.id = a.concern_id "
        "WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.action = ?2) "
        "AND (?3 IS NULL OR a.outcome = ?3) ORDER BY a.id DESC LIMIT ?4");
    q.bind(1, filter.before).bind(2, filter.action).bind(3, filter.outcome);
    q.bind(4, std::int64_t{filter.limit});
    std::vector<AuditItem> items;
    while (q.step()) {
        const auto role = role_from_name(q.text(3));
        if (!role) throw store_failure("a stored audit actor role is corrupt");
        const Actor actor{q.text(2), *role, q.optional_text(8), q.optional_text(9)};
        AuditRecord record{q.int64(1),          actor,     q.text(4),
                           q.optional_int64(5), q.text(6), q.optional_int64(10)};
        items.push_back(AuditItem{q.int64(0), std::move(record), q.optional_text(7)});
    }
    return items;
}

// Rows still under another key than the active one.
template <class Db>
std::int64_t audit_rows_to_relink(Db& db, const Crypto& crypto) {
    auto q = db.query(std::string("SELECT count(*) FROM audit WHERE ") + kUnderOldKey);
    q.bind(1, crypto.active_key_id());
    return q.step() ? q.int64(0) : 0;
}

// Re-MACs up to `batch` rows (per old key, oldest first) that are not under
// the active key, and the head; each old link is checked first, so a
// rotation never launders a tampered row. Returns how many rows it re-MACed.
template <class Db>
std::int64_t relink_audit(Db& db, const Crypto& crypto, std::int64_t batch) {
    std::vector<audit::Row> rows;
    {
        auto q = db.query(std::string(audit::kRowColumns) + "WHERE " + kUnderOldKey + " LIMIT ?2");
        q.bind(1, crypto.active_key_id()).bind(2, batch);
        while (q.step()) rows.push_back(audit::read_row(q));
    }
    for (const audit::Row& row : rows) {
        const std::string previous = audit::previous_canonical(db, row.id);
        if (!audit_chain::link_ok(crypto, row, row.id, previous)) throw audit::audit_broken(row.id);
        audit::set_link(db, crypto, row, previous);
    }
    const auto head = audit::read_head(db);
    if (head && head->key_id != crypto.active_key_id()) {
        const auto last = audit::row_by_id(db, head->last_id);
        if (!last || audit_chain::head_mac(crypto, head->key_id, head->last_id,
                                           audit_chain::canonical(*last, last->id)) != head->mac) {
            throw audit::audit_broken(head->last_id);
        }
        audit::write_head(db, crypto, head->last_id, audit_chain::canonical(*last, last->id));
    }
    return static_cast<std::int64_t>(rows.size());
}

// Links the rows of a store written before the chain existed (no key id)
// and writes the head. Only for the first open with keys.
template <class Db>
void link_unchained_audit(Db& db, const Crypto& crypto) {
    std::vector<audit::Row> rows;
    {
        auto q = db.query(std::string(audit::kRowColumns) + "ORDER BY id");
        while (q.step()) rows.push_back(audit::read_row(q));
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
