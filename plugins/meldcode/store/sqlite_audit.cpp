#include "store/sqlite_audit.h"

#include <optional>
#include <string>
#include <utility>

#include "store/audit_chain.h"
#include "store/sqlite_db.h"
#include "store/sqlite_keys.h"

namespace meldcode::sqlite {
namespace {

using audit_chain::Head;
using audit_chain::Row;

constexpr const char* kRowColumns =
    "SELECT id, at, actor_id, actor_role, action, concern_id, outcome, key_id, link, "
    "integration, request_id, count FROM audit ";

Row read_row(const Query& q) {
    return Row{q.int64(0),         q.int64(1),          q.text(2),           q.text(3),
               q.text(4),          q.optional_int64(5), q.text(6),           q.optional_text(7),
               q.optional_text(8), q.optional_text(9),  q.optional_text(10), q.optional_int64(11)};
}

std::optional<Row> row_by_id(sqlite3* db, std::int64_t id) {
    Statement statement(db, std::string(kRowColumns) + "WHERE id = ?1");
    Query q(statement.get());
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return read_row(q);
}

std::optional<Head> read_head(sqlite3* db) {
    Statement statement(db, "SELECT last_id, key_id, mac FROM audit_head WHERE one = 1");
    Query q(statement.get());
    if (!q.step()) return std::nullopt;
    return Head{q.int64(0), q.text(1), q.text(2)};
}

void write_head(sqlite3* db, const Crypto& crypto, std::int64_t last_id,
                const std::string& last_canonical) {
    const std::string& key = crypto.active_key_id();
    Statement statement(db,
                        "INSERT OR REPLACE INTO audit_head (one, last_id, key_id, mac) "
                        "VALUES (1, ?1, ?2, ?3)");
    Query q(statement.get());
    q.bind(1, last_id).bind(2, key);
    q.bind(3, audit_chain::head_mac(crypto, key, last_id, last_canonical));
    q.run();
}

// The canonical content of the row before `id` ("" before the first).
std::string previous_canonical(sqlite3* db, std::int64_t id) {
    if (id <= 1) return {};
    const auto previous = row_by_id(db, id - 1);
    if (!previous) throw storage_failure(kStoreFailure, "the audit trail has a gap");
    return audit_chain::canonical(*previous, previous->id);
}

void set_link(sqlite3* db, const Crypto& crypto, const Row& row, const std::string& previous) {
    const std::string& key = crypto.active_key_id();
    Statement statement(db, "UPDATE audit SET key_id = ?2, link = ?3 WHERE id = ?1");
    Query q(statement.get());
    q.bind(1, row.id).bind(2, key);
    q.bind(3, audit_chain::link(crypto, key, audit_chain::canonical(row, row.id), previous));
    q.run();
}

Error audit_broken(std::int64_t id) {
    return Error(MC_E_CONFLICT, "audit_broken",
                 "the audit trail fails verification at row " + std::to_string(id) +
                     "; run the audit verification before rotating keys");
}

}  // namespace

void append_audit_row(sqlite3* db, const Crypto& crypto, const AuditRecord& record) {
    const auto head = read_head(db);
    if (!head && query_int(db, "SELECT count(*) FROM audit") > 0) {
        // Re-creating a lost anchor would hide a cut-off tail: fail closed.
        throw storage_failure(kStoreFailure, "the audit trail lost its head (tampered store)");
    }
    Row row{head ? head->last_id + 1 : 1,
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
    row.link = audit_chain::link(crypto, *row.key_id, canonical, previous_canonical(db, row.id));
    Statement statement(db,
                        "INSERT INTO audit (id, at, actor_id, actor_role, action, concern_id, "
                        "outcome, key_id, link, integration, request_id, count) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    Query q(statement.get());
    q.bind(1, row.id).bind(2, row.at).bind(3, row.actor_id).bind(4, row.actor_role);
    q.bind(5, row.action).bind(6, row.concern_id).bind(7, row.outcome).bind(8, row.key_id);
    q.bind(9, row.link).bind(10, row.integration).bind(11, row.request_id).bind(12, row.count);
    q.run();
    write_head(db, crypto, row.id, canonical);
}

AuditVerification verify_audit_chain(sqlite3* db, const Crypto& crypto) {
    audit_chain::Verifier verifier(crypto);
    {
        Statement statement(db, std::string(kRowColumns) + "ORDER BY id");
        Query q(statement.get());
        while (q.step() && verifier.feed(read_row(q))) {
        }
    }
    return verifier.finish(read_head(db));
}

std::vector<AuditItem> list_audit_rows(sqlite3* db, const AuditQuery& filter) {
    // SQLite reads a negative LIMIT as "no limit": never let that through.
    if (filter.limit <= 0) return {};
    // A LEFT JOIN on the concerns' primary key: the reference costs one
    // index look-up per row, and a purged concern simply yields NULL.
    Statement statement(db,
                        "SELECT a.id, a.at, a.actor_id, a.actor_role, a.action, a.concern_id, "
                        "a.outcome, c.ref, a.integration, a.request_id, a.count "
                        "FROM audit a LEFT JOIN concerns c ON c.id = a.concern_id "
                        "WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.action = ?2) "
                        "AND (?3 IS NULL OR a.outcome = ?3) ORDER BY a.id DESC LIMIT ?4");
    Query q(statement.get());
    q.bind(1, filter.before).bind(2, filter.action).bind(3, filter.outcome);
    q.bind(4, std::int64_t{filter.limit});
    std::vector<AuditItem> items;
    while (q.step()) {
        const auto role = role_from_name(q.text(3));
        if (!role) throw storage_failure(kStoreFailure, "a stored audit actor role is corrupt");
        const Actor actor{q.text(2), *role, q.optional_text(8), q.optional_text(9)};
        AuditRecord record{q.int64(1),          actor,     q.text(4),
                           q.optional_int64(5), q.text(6), q.optional_int64(10)};
        items.push_back(AuditItem{q.int64(0), std::move(record), q.optional_text(7)});
    }
    return items;
}

std::int64_t audit_rows_to_relink(sqlite3* db, const Crypto& crypto) {
    Statement statement(db, std::string("SELECT count(*) FROM audit WHERE ") + kUnderOldKey);
    Query q(statement.get());
    q.bind(1, crypto.active_key_id());
    return q.step() ? q.int64(0) : 0;
}

std::int64_t relink_audit(sqlite3* db, const Crypto& crypto, std::int64_t batch) {
    std::vector<Row> rows;
    {
        Statement statement(db, std::string(kRowColumns) + "WHERE " + kUnderOldKey + " LIMIT ?2");
        Query q(statement.get());
        q.bind(1, crypto.active_key_id()).bind(2, batch);
        while (q.step()) rows.push_back(read_row(q));
    }
    for (const Row& row : rows) {
        const std::string previous = previous_canonical(db, row.id);
        if (!audit_chain::link_ok(crypto, row, row.id, previous)) throw audit_broken(row.id);
        set_link(db, crypto, row, previous);
    }
    const auto head = read_head(db);
    if (head && head->key_id != crypto.active_key_id()) {
        const auto last = row_by_id(db, head->last_id);
        if (!last || audit_chain::head_mac(crypto, head->key_id, head->last_id,
                                           audit_chain::canonical(*last, last->id)) != head->mac) {
            throw audit_broken(head->last_id);
        }
        write_head(db, crypto, head->last_id, audit_chain::canonical(*last, last->id));
    }
    return static_cast<std::int64_t>(rows.size());
}

void link_unchained_audit(sqlite3* db, const Crypto& crypto) {
    std::vector<Row> rows;
    {
        Statement statement(db, std::string(kRowColumns) + "ORDER BY id");
        Query q(statement.get());
        while (q.step()) rows.push_back(read_row(q));
    }
    std::string previous;
    std::int64_t expected = 1;
    for (const Row& row : rows) {
        // Chain positions are ids 1, 2, 3...; an old store always has them.
        if (row.id != expected++) throw storage_failure(kStoreFailure, "the audit trail has a gap");
        set_link(db, crypto, row, previous);
        previous = audit_chain::canonical(row, row.id);
    }
    if (!rows.empty()) write_head(db, crypto, rows.back().id, previous);
}

}  // namespace meldcode::sqlite
