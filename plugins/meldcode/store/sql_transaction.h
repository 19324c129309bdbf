// The store port's transaction in SQL, shared by the SQLite and PostgreSQL
// adapters (DESIGN.md §5): one implementation of every query and of the
// sealing of concern content through the crypto port, over an adapter's
// connection type. The SQL is written to mean the same in both databases
// (numbered ?N parameters, which the PostgreSQL layer rewrites to $N; ON
// CONFLICT instead of INSERT OR IGNORE; RETURNING instead of last_insert_rowid;
// flags as 0/1 integers), so a query is changed once for both.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ports/crypto.h"
#include "ports/store.h"
#include "store/sql_audit.h"
#include "store/sql_blind.h"
#include "store/sql_common.h"
#include "store/sql_keys.h"

namespace meldcode::sql {

// Rows <-> records.

inline Error corrupt(const std::string& what) {
    return store_failure("a stored " + what + " is corrupt");
}

inline nlohmann::json parse_json(const std::string& text) {
    auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) throw corrupt("JSON document");
    return value;
}

inline std::optional<std::string> json_or_null(const nlohmann::json& value) {
    if (value.is_null()) return std::nullopt;
    return value.dump();
}

inline std::string role_text(const Actor& actor) {
    return std::string(role_name(actor.role));
}

// An actor from its id and the text of its role.
inline Actor make_actor(std::string id, const std::string& role_text) {
    const auto role = role_from_name(role_text);
    if (!role) throw corrupt("actor role");
    return Actor{std::move(id), *role};
}

// The columns read_concern() expects, in its order, then `extra` columns
// from index kConcernColumns on. pending_feedback is kept by the only two
// writes that change whether a submission waits: insert_submission and a
// final give_feedback.
inline constexpr int kConcernColumns = 27;
inline std::string concern_sql(const char* rest, const char* extra = "") {
    return std::string(
               "SELECT c.id, c.ref, c.ids, c.ids_key_id, c.state, c.assignee, "
               "c.assessment, c.reported, c.help_arranged, c.acute, c.review_date, "
               "c.related_ref, c.created_at, c.updated_at, "
               "c.pending_feedback, "
               "c.closed_at, c.legal_hold_reason, c.legal_hold_since, c.key_id, "
               "c.priority, c.report_decided, c.state_since, c.veilig_thuis_feedback_due, "
               "c.case_data, c.case_key_id, c.legal_hold_lift_by, c.legal_hold_lift_at") +
           extra + " FROM concerns c " + rest;
}

// Opens a sealed column: a row without key id was never sealed by us.
template <class Query>
std::string open_sealed(const Crypto& crypto, const Query& row, int sealed_col, int key_col,
                        const std::string& context) {
    const auto key_id = row.optional_text(key_col);
    if (!key_id) throw Error(MC_E_STORAGE, "record_corrupt", "a stored record has no key id");
    return crypto.open_record(*key_id, row.blob(sealed_col), context);
}

// The columns of an export request, as read_export reads them from `first` on.
inline constexpr const char* kExportColumns =
    "x.id, x.ref, x.concern_id, x.requested_by, x.requested_at, x.request, x.key_id, "
    "x.released_by, x.released_at";

template <class Query>
ExportRecord read_export(const Crypto& crypto, const Query& q, int first) {
    const std::string ref = q.text(first + 1);
    return ExportRecord{
        q.int64(first),
        ref,
        q.int64(first + 2),
        q.text(first + 3),
        q.int64(first + 4),
        parse_json(open_sealed(crypto, q, first + 5, first + 6, export_context(ref))),
        q.optional_text(first + 7),
        q.optional_int64(first + 8)};
}

// The case details sealed in concerns.case_data: what the officer recorded
// around the steps that is content (who the people are, where it was
// referred, that it is honour-related), not what the store queries.
inline nlohmann::json case_data(const ConcernStatus& s) {
    nlohmann::json data{{"people", s.people},
                        {"referrals", s.referrals},
                        {"children_involved", s.children_involved},
                        {"honour_related", s.honour_related},
                        {"specialist_consulted", s.specialist_consulted}};
    if (s.reported_at) data["reported_at"] = *s.reported_at;
    return data;
}

inline void read_case_data(const nlohmann::json& data, ConcernStatus& s) {
    s.people = data.at("people");
    s.referrals = data.at("referrals").get<std::vector<std::string>>();
    s.children_involved = data.at("children_involved").get<std::string>();
    s.honour_related = data.at("honour_related").get<bool>();
    s.specialist_consulted = data.at("specialist_consulted").get<bool>();
    if (data.contains("reported_at")) s.reported_at = data.at("reported_at").get<Timestamp>();
}

inline Priority priority_of(std::int64_t rank) {
    if (rank < 0 || rank > 2) throw corrupt("priority");
    return static_cast<Priority>(rank);
}

template <class Query>
ConcernRecord read_concern(const Crypto& crypto, const Query& row) {
    ConcernRecord c;
    c.id = row.int64(0);
    c.ref = row.text(1);
    const auto ids = open_ids(crypto, row, 2, ids_context("concerns", c.ref));
    c.unit_id = id_text(ids, "unit_id");
    c.household_ref = optional_id(ids, "household_ref");
    c.status.state = row.text(4);
    c.status.assignee = row.optional_text(5);
    c.status.assessment =
        row.is_null(6) ? nlohmann::json()
                       : parse_json(open_sealed(crypto, row, 6, 18, assessment_context(c.ref)));
    c.status.reported = row.boolean(7);
    c.status.help_arranged = row.boolean(8);
    c.status.acute = row.boolean(9);
    c.status.review_date = row.optional_text(10);
    c.related_ref = row.optional_text(11);
    c.created_at = row.int64(12);
    c.updated_at = row.int64(13);
    c.status.pending_feedback = static_cast<int>(row.int64(14));
    c.closed_at = row.optional_int64(15);
    if (!row.is_null(16)) {
        c.legal_hold =
            LegalHold{row.text(16), row.int64(17), row.optional_text(25), row.optional_int64(26)};
    }
    c.status.priority = priority_of(row.int64(19));
    c.status.report_decided = row.boolean(20);
    c.state_since = row.int64(21);
    c.status.veilig_thuis_feedback_due = row.optional_text(22);
    if (!row.is_null(23)) {
        try {
            read_case_data(parse_json(open_sealed(crypto, row, 23, 24, case_context(c.ref))),
                           c.status);
        } catch (const nlohmann::json::exception&) {
            throw corrupt("concern's case data");
        }
    }
    return c;
}

template <class Query>
std::optional<ConcernRecord> first_concern(const Crypto& crypto, Query& query) {
    if (!query.step()) return std::nullopt;
    return read_concern(crypto, query);
}

template <class Query>
std::vector<ConcernRecord> all_concerns(const Crypto& crypto, Query& query) {
    std::vector<ConcernRecord> concerns;
    while (query.step()) concerns.push_back(read_concern(crypto, query));
    return concerns;
}

// Binds the workflow's part of a concern to seven parameters from `first`:
// state, assignee, assessment, reported, help_arranged, acute, review_date;
// and at `key_param` the key id the assessment is sealed under.
template <class Query>
void bind_status(const Crypto& crypto, Query& query, int first, int key_param,
                 const ConcernRecord& concern) {
    const ConcernStatus& status = concern.status;
    const auto assessment = json_or_null(status.assessment);
    if (assessment) {
        query.bind_blob(first + 2,
                        crypto.seal_record(*assessment, assessment_context(concern.ref)));
        query.bind(key_param, crypto.active_key_id());
    } else {
        query.bind_null(first + 2).bind_null(key_param);
    }
    query.bind(first, status.state)
        .bind(first + 1, status.assignee)
        .bind(first + 3, std::int64_t{status.reported})
        .bind(first + 4, std::int64_t{status.help_arranged})
        .bind(first + 5, std::int64_t{status.acute})
        .bind(first + 6, status.review_date);
}

// Binds, from `first`: priority, report_decided, state_since,
// veilig_thuis_feedback_due, case_data (sealed) and its key id.
template <class Query>
void bind_case(const Crypto& crypto, Query& query, int first, const ConcernRecord& concern) {
    const ConcernStatus& status = concern.status;
    query.bind(first, static_cast<std::int64_t>(status.priority))
        .bind(first + 1, std::int64_t{status.report_decided})
        .bind(first + 2, concern.state_since)
        .bind(first + 3, status.veilig_thuis_feedback_due);
    query.bind_blob(first + 4,
                    crypto.seal_record(case_data(status).dump(), case_context(concern.ref)));
    query.bind(first + 5, crypto.active_key_id());
}

// What bind_status, bind_case and bind_ids bind, kept to be bound later: an
// update writes only some of the columns they fill.
class RecordedBinds {
public:
    struct Value {
        enum class Kind { null, integer, text, blob } kind = Kind::null;
        std::int64_t integer = 0;
        std::string bytes;  // text or blob
    };

    RecordedBinds& bind(int index, std::int64_t value) {
        return keep(index, {Value::Kind::integer, value, {}});
    }
    RecordedBinds& bind(int index, const std::string& value) {
        return keep(index, {Value::Kind::text, 0, value});
    }
    RecordedBinds& bind(int index, const std::optional<std::string>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    RecordedBinds& bind(int index, const std::optional<std::int64_t>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    RecordedBinds& bind_null(int index) { return keep(index, {}); }
    RecordedBinds& bind_blob(int index, const std::string& bytes) {
        return keep(index, {Value::Kind::blob, 0, bytes});
    }

    const Value& at(int index) const { return values_.at(index); }

    // Binds the value recorded at `index` to `query`'s parameter `to`.
    template <class Query>
    void bind_to(Query& query, int to, int index) const {
        const Value& v = at(index);
        switch (v.kind) {
            case Value::Kind::null:
                query.bind_null(to);
                break;
            case Value::Kind::integer:
                query.bind(to, v.integer);
                break;
            case Value::Kind::text:
                query.bind(to, v.bytes);
                break;
            case Value::Kind::blob:
                query.bind_blob(to, v.bytes);
                break;
        }
    }

    // Whether the value recorded at `index` is what `row` holds in `col`.
    template <class Row>
    bool same_as(int index, const Row& row, int col) const {
        const Value& v = at(index);
        if (row.is_null(col)) return v.kind == Value::Kind::null;
        switch (v.kind) {
            case Value::Kind::null:
                return false;
            case Value::Kind::integer:
                return row.int64(col) == v.integer;
            case Value::Kind::text:
                return row.text(col) == v.bytes;
            case Value::Kind::blob:
                return row.blob(col) == v.bytes;
        }
        return false;
    }

private:
    RecordedBinds& keep(int index, Value value) {
        values_[index] = std::move(value);
        return *this;
    }
    std::map<int, Value> values_;
};

// update_concern's columns, by the parameter bind_status (2..12), bind_case
// (13..18) and bind_ids (19..22) give each. SQLite rewrites every index on
// a column an UPDATE sets, whether or not its value changed; so a column an
// index reads is set only when its value changed, by groups (which bounds
// the number of distinct statements). The others are always set.
struct ConcernColumn {
    const char* name;
    int param;
    int group;  // 0: no index reads it; otherwise, set with its group
};
inline constexpr ConcernColumn kConcernUpdate[] = {
    {"state", 2, 1},           {"assignee", 3, 2},      {"assessment", 4, 0},
    {"reported", 5, 0},        {"help_arranged", 6, 0}, {"acute", 7, 0},
    {"review_date", 8, 0},     {"related_ref", 9, 3},   {"updated_at", 10, 0},
    {"closed_at", 11, 4},      {"key_id", 12, 5},       {"priority", 13, 6},
    {"report_decided", 14, 0}, {"state_since", 15, 1},  {"veilig_thuis_feedback_due", 16, 7},
    {"case_data", 17, 0},      {"case_key_id", 18, 5},  {"unit_hash", 19, 8},
    {"household_hash", 20, 8}, {"ids", 21, 0},          {"ids_key_id", 22, 5},
};
inline constexpr int kConcernUpdateGroups = 9;

// Builds the list query from fixed fragments: one plain condition per filter
// keeps each filter able to use its index (an "?1 IS NULL OR ..." form would
// not). ?5 (the limit) is always present, so binding ?1..?4 is always in
// range; ?6 and ?7 (priority, the cursor's priority) and the unit's hashes
// from ?8 on are bound only when used.
inline std::string list_sql(const Crypto& crypto, const ConcernQuery& filter) {
    std::string where;
    const auto add = [&where](const char* condition) {
        where += where.empty() ? "WHERE " : " AND ";
        where += condition;
    };
    if (filter.state) add("c.state = ?1");
    if (filter.assignee) add("c.assignee = ?2");
    const std::string unit = matches(crypto, "c.unit_hash", 8);
    if (filter.unit_id) add(unit.c_str());
    if (filter.priority) add("c.priority = ?6");
    if (!filter.by_priority) {
        if (filter.before) add("c.id < ?4");
        return concern_sql(where.c_str()) + " ORDER BY c.id DESC LIMIT ?5";
    }
    // Filtered by priority, the cursor compares that priority, not the
    // column: the same rows, but the planner then keeps the equality on the
    // index (a range on c.priority would make it sort the rest).
    if (filter.before) {
        add(filter.priority ? "(?6 > ?7 OR (?6 = ?7 AND c.id < ?4))"
                            : "(c.priority > ?7 OR (c.priority = ?7 AND c.id < ?4))");
    }
    return concern_sql(where.c_str()) + " ORDER BY c.priority, c.id DESC LIMIT ?5";
}

// Columns: kind, at, ids, ids_key_id, actor_role, data, id, key_id.
// Whether a unit-level host event (its household, if the host named one, is
// in its data) belongs with a concern of `household`.
inline bool same_household(const nlohmann::json& data,
                           const std::optional<std::string>& household) {
    const auto named = data.find("household_ref");
    return !household || named == data.end() || *named == *household;
}

template <class Query>
Entry read_entry(const Crypto& crypto, const Query& row) {
    const std::int64_t id = row.int64(6);
    const auto ids = open_ids(crypto, row, 2, ids_context("entries", std::to_string(id)));
    return Entry{row.text(0), row.int64(1), make_actor(id_text(ids, "actor_id"), row.text(4)),
                 parse_json(open_sealed(crypto, row, 5, 7, entry_context(id))), id};
}

// The columns of a submission record, in the order submission_record() reads them.
inline constexpr const char* kSubmissionColumns =
    "ref, ids, ids_key_id, idempotency_key, request_digest, submitted_at, "
    "already_called_112, already_called_veilig_thuis, callback_requested";
inline constexpr int kSubmissionColumnCount = 9;

// Whom the observer already called is kept as one flag per number.
inline bool called(const SubmissionRecord& s, const char* whom) {
    return std::find(s.already_called.begin(), s.already_called.end(), whom) !=
           s.already_called.end();
}

template <class Query>
SubmissionRecord submission_record(const Crypto& crypto, const Query& row) {
    std::vector<std::string> called;
    if (row.boolean(6)) called.emplace_back("112");
    if (row.boolean(7)) called.emplace_back("veilig_thuis");
    const std::string ref = row.text(0);
    const auto ids = open_ids(crypto, row, 1, ids_context("submissions", ref));
    return {ref,
            id_text(ids, "observer_id"),
            row.text(3),
            row.text(4),
            optional_id(ids, "host_ticket_id"),
            row.int64(5),
            std::move(called),
            row.boolean(8)};
}

// ---------------------------------------------------------------------------
// The transaction: every method is one statement. `Db` is an adapter's
// connection: Db::Query query(sql) gives a use of a statement (sqlite_db.h's
// or postgres_db.h's Query), require_open() throws once the adapter's
// transaction was aborted underneath.

template <class Db>
class SqlTransaction final : public StoreTransaction {
public:
    using Query = typename Db::Query;

    SqlTransaction(Db& db, const Crypto& crypto) : db_(db), crypto_(crypto) {}

    std::optional<SubmissionRecord> find_submission_by_key(const std::string& observer_id,
                                                           const std::string& key) override {
        auto q = query(std::string("SELECT ") + kSubmissionColumns +
                       " FROM submissions WHERE idempotency_key = ?1 AND " +
                       matches(crypto_, "observer_hash", 2));
        q.bind(1, key);
        bind_indexes(crypto_, q, 2, BlindKind::actor, observer_id);
        if (!q.step()) return std::nullopt;
        return submission_record(crypto_, q);
    }

    std::optional<SubmissionState> submission_state(const std::string& submission_ref) override {
        // Only steps recorded after the submission's own entry count (ids,
        // not seconds, give the order): signals that join a concern already
        // being worked must not read as in progress at once, which would tell
        // the observer that someone else reported the unit. The observer's
        // own entry is found by the hashes of their id: under a key rotation
        // it may be under another key than the submission.
        std::int64_t concern = 0;
        std::int64_t submitted_at = 0;
        SubmissionState state;
        {
            auto q = query(
                "SELECT s.ids, s.ids_key_id, s.concern_id, s.submitted_at, "
                "s.handled_at IS NOT NULL, s.feedback_message, s.aftercare_offered "
                "FROM submissions s WHERE s.ref = ?1");
            q.bind(1, submission_ref);
            if (!q.step()) return std::nullopt;
            state.observer_id = id_text(
                open_ids(crypto_, q, 0, ids_context("submissions", submission_ref)), "observer_id");
            concern = q.int64(2);
            submitted_at = q.int64(3);
            state.handled = q.boolean(4);
            state.message = q.optional_text(5);
            state.aftercare_offered = q.boolean(6);
        }
        auto q = query(
            "SELECT 1 FROM entries e WHERE e.concern_id = ?1 AND e.kind = 'action' AND e.id > "
            "(SELECT min(own.id) FROM entries own WHERE own.concern_id = ?1 AND own.kind = "
            "'signals_submitted' AND own.at = ?2 AND " +
            matches(crypto_, "own.actor_hash", 3) + ") LIMIT 1");
        q.bind(1, concern).bind(2, submitted_at);
        bind_indexes(crypto_, q, 3, BlindKind::actor, state.observer_id);
        state.worked_on = q.step();
        return state;
    }

    std::optional<RequestKey> find_request_key(const std::string& actor_id,
                                               const std::string& key) override {
        auto q = query(
            "SELECT request_digest, answer FROM request_keys "
            "WHERE actor_id = ?1 AND idempotency_key = ?2");
        q.bind(1, actor_id).bind(2, key);
        if (!q.step()) return std::nullopt;
        RequestKey found{q.text(0), std::nullopt};
        if (const auto answer = q.optional_text(1)) found.answer = nlohmann::json::parse(*answer);
        return found;
    }

    void insert_request_key(const std::string& actor_id, const std::string& key,
                            const RequestKey& request, std::optional<ConcernId> concern) override {
        auto q = query(
            "INSERT INTO request_keys (actor_id, idempotency_key, request_digest, concern_id, "
            "answer) VALUES (?1, ?2, ?3, ?4, ?5)");
        q.bind(1, actor_id).bind(2, key).bind(3, request.request_digest).bind(4, concern);
        q.bind(5,
               request.answer ? std::optional<std::string>(request.answer->dump()) : std::nullopt);
        q.run();
    }

    std::optional<std::string> newest_write_key() override {
        const auto head = audit::read_head(db_);
        if (!head) return std::nullopt;
        return head->key_id;
    }

    std::int64_t concern_version(ConcernId concern) override {
        auto q = query("SELECT coalesce(max(id), 0) FROM entries WHERE concern_id = ?1");
        q.bind(1, concern);
        return q.step() ? q.int64(0) : 0;
    }

    void insert_submission(ConcernId concern, const SubmissionRecord& s) override {
        auto q = query(
            "INSERT INTO submissions (ref, concern_id, idempotency_key, request_digest, "
            "submitted_at, already_called_112, already_called_veilig_thuis, callback_requested, "
            "observer_hash, ids, ids_key_id) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        q.bind(1, s.ref).bind(2, concern).bind(3, s.idempotency_key);
        q.bind(4, s.request_digest).bind(5, s.submitted_at);
        q.bind(6, std::int64_t{called(s, "112")});
        q.bind(7, std::int64_t{called(s, "veilig_thuis")});
        q.bind(8, std::int64_t{s.callback_requested});
        bind_ids(crypto_, q, 9, submission_ids(s.observer_id, s.host_ticket_id),
                 ids_context("submissions", s.ref));
        q.run();
        change_pending_feedback(concern, 1);
    }

    std::vector<std::string> give_feedback(ConcernId concern, const Feedback& f) override {
        auto q = query(
            "UPDATE submissions SET feedback_message = ?2, feedback_at = ?3, aftercare_offered = "
            "?4, handled_at = CASE WHEN ?5 = 1 THEN ?3 END WHERE concern_id = ?1 AND handled_at IS "
            "NULL RETURNING ref");
        q.bind(1, concern).bind(2, f.message).bind(3, f.at);
        q.bind(4, std::int64_t{f.aftercare_offered}).bind(5, std::int64_t{f.final});
        std::vector<std::string> refs;
        while (q.step()) refs.push_back(q.text(0));
        if (f.final) change_pending_feedback(concern, -static_cast<std::int64_t>(refs.size()));
        return refs;
    }

    // An exact household match wins over a concern matched only because one
    // side has no household; among equals, the newest. Open means not in a
    // final state, which the service records as closed_at: a sector workflow
    // may name its final states as it likes (e.g. "transferred").
    std::optional<ConcernRecord> find_open_concern(const std::string& unit_id,
                                                   const std::optional<std::string>& household_ref,
                                                   Timestamp since) override {
        // ?2 says whether a household was named; the household's hashes
        // follow the unit's (one parameter per key of the ring each).
        const int households = 4 + static_cast<int>(crypto_.key_ids().size());
        const std::string household = matches(crypto_, "c.household_hash", households);
        auto q = query(concern_sql(
            ("WHERE " + matches(crypto_, "c.unit_hash", 4) +
             " AND c.closed_at IS NULL AND c.created_at >= ?3 "
             "AND (?2 IS NULL OR c.household_hash IS NULL OR " +
             household + ") ORDER BY CASE WHEN " + household +
             " OR (c.household_hash IS NULL AND ?2 IS NULL) THEN 1 ELSE 0 END DESC, c.id DESC "
             "LIMIT 1")
                .c_str()));
        q.bind(2, household_ref ? std::optional<std::int64_t>(1) : std::nullopt).bind(3, since);
        bind_indexes(crypto_, q, 4, BlindKind::unit, unit_id);
        if (household_ref) {
            bind_indexes(crypto_, q, households, BlindKind::household, *household_ref);
        } else {
            // PostgreSQL needs every parameter the SQL names bound, if to NULL.
            for (std::size_t i = 0; i < crypto_.key_ids().size(); ++i) {
                q.bind_null(households + static_cast<int>(i));
            }
        }
        return first_concern(crypto_, q);
    }

    std::optional<ConcernRecord> household_concern(const std::string& household_ref,
                                                   bool open_only) override {
        auto q = query(concern_sql(("WHERE " + matches(crypto_, "c.household_hash", 3) +
                                    " AND (?2 = 0 OR c.closed_at IS NULL) "
                                    "ORDER BY c.id DESC LIMIT 1")
                                       .c_str()));
        q.bind(2, std::int64_t{open_only});
        bind_indexes(crypto_, q, 3, BlindKind::household, household_ref);
        return first_concern(crypto_, q);
    }

    std::optional<ConcernRecord> latest_concern(const std::string& unit_id,
                                                Timestamp since) override {
        auto q = query(concern_sql(("WHERE " + matches(crypto_, "c.unit_hash", 3) +
                                    " AND c.created_at >= ?2 ORDER BY c.id DESC LIMIT 1")
                                       .c_str()));
        q.bind(2, since);
        bind_indexes(crypto_, q, 3, BlindKind::unit, unit_id);
        return first_concern(crypto_, q);
    }

    Timestamp tenancy_since(const std::string& unit_id) override {
        // Two rows during a key rotation (old key, new key): the later counts.
        auto q =
            query("SELECT max(since) FROM tenancies WHERE " + matches(crypto_, "unit_hash", 1));
        bind_indexes(crypto_, q, 1, BlindKind::unit, unit_id);
        return q.step() ? q.optional_int64(0).value_or(0) : 0;
    }

    void set_tenancy_since(const std::string& unit_id, Timestamp since) override {
        require_open_transaction();
        save_tenancy(db_, crypto_, unit_id, since);
    }

    std::optional<ConcernRecord> find_concern(const std::string& concern_ref) override {
        static const std::string sql = concern_sql("WHERE c.ref = ?1");
        auto q = query(sql);
        q.bind(1, concern_ref);
        return first_concern(crypto_, q);
    }

    std::optional<ConcernRecord> find_concern_by_submission(
        const std::string& submission_ref) override {
        static const std::string sql =
            concern_sql("JOIN submissions sub ON sub.concern_id = c.id WHERE sub.ref = ?1");
        auto q = query(sql);
        q.bind(1, submission_ref);
        return first_concern(crypto_, q);
    }

    ConcernId insert_concern(const ConcernRecord& concern) override {
        auto q = query(
            "INSERT INTO concerns (ref, unit_hash, household_hash, ids, ids_key_id, state, "
            "assignee, assessment, reported, help_arranged, acute, review_date, related_ref, "
            "created_at, updated_at, key_id, priority, report_decided, state_since, "
            "veilig_thuis_feedback_due, case_data, case_key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
            "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) "
            "RETURNING id");
        q.bind(1, concern.ref);
        bind_ids(crypto_, q, 2, concern_ids(concern.unit_id, concern.household_ref),
                 ids_context("concerns", concern.ref));
        bind_status(crypto_, q, 6, 16, concern);
        bind_case(crypto_, q, 17, concern);
        q.bind(13, concern.related_ref).bind(14, concern.created_at).bind(15, concern.updated_at);
        return q.step() ? q.int64(0) : 0;
    }

    // ref and created_at never change once a concern exists (unit_id does
    // when its household moves); the legal hold changes only through
    // set_legal_hold().
    void update_concern(const ConcernRecord& concern) override {
        RecordedBinds values;
        bind_status(crypto_, values, 2, 12, concern);
        bind_case(crypto_, values, 13, concern);
        bind_ids(crypto_, values, 19, concern_ids(concern.unit_id, concern.household_ref),
                 ids_context("concerns", concern.ref));
        values.bind(9, concern.related_ref)
            .bind(10, concern.updated_at)
            .bind(11, concern.closed_at);
        const auto changed = changed_groups(concern.id, values);
        std::string sql = "UPDATE concerns SET ";
        std::vector<int> params;
        for (const ConcernColumn& column : kConcernUpdate) {
            if (column.group != 0 && !changed[column.group]) continue;
            if (!params.empty()) sql += ", ";
            params.push_back(column.param);
            sql += std::string(column.name) + " = ?" + std::to_string(params.size() + 1);
        }
        auto q = query(sql + " WHERE id = ?1");
        q.bind(1, concern.id);
        for (std::size_t i = 0; i < params.size(); ++i) {
            values.bind_to(q, static_cast<int>(i) + 2, params[i]);
        }
        q.run();
    }

    std::vector<ConcernRecord> list_concerns(const ConcernQuery& filter) override {
        // SQLite reads a negative LIMIT as "no limit": never let that through.
        if (filter.limit <= 0) return {};
        auto q = query(list_sql(crypto_, filter));
        q.bind(1, filter.state).bind(2, filter.assignee);
        q.bind(4, filter.before).bind(5, std::int64_t{filter.limit});
        if (filter.unit_id) bind_indexes(crypto_, q, 8, BlindKind::unit, *filter.unit_id);
        if (filter.priority) q.bind(6, static_cast<std::int64_t>(*filter.priority));
        if (filter.by_priority && filter.before) {
            q.bind(7, static_cast<std::int64_t>(filter.before_priority));
        }
        return all_concerns(crypto_, q);
    }

    std::vector<DueReview> due_reviews(const std::string& state, const std::string& date) override {
        static const std::string sql =
            concern_sql("WHERE c.state = ?1 AND c.review_date <= ?2 ORDER BY c.review_date, c.id",
                        ", CASE WHEN c.review_notified_for = c.review_date THEN 1 ELSE 0 END");
        auto q = query(sql);
        q.bind(1, state).bind(2, date);
        std::vector<DueReview> due;
        while (q.step()) due.push_back({read_concern(crypto_, q), q.boolean(kConcernColumns)});
        return due;
    }

    void mark_review_notified(ConcernId concern, const std::string& review_date) override {
        auto q = query("UPDATE concerns SET review_notified_for = ?2 WHERE id = ?1");
        q.bind(1, concern).bind(2, review_date);
        q.run();
    }

    std::vector<ConcernRecord> unassigned_concerns(Timestamp before) override {
        static const std::string sql = concern_sql(
            "WHERE c.assignee IS NULL AND c.closed_at IS NULL AND c.created_at < ?1 "
            "ORDER BY c.created_at, c.id");
        auto q = query(sql);
        q.bind(1, before);
        return all_concerns(crypto_, q);
    }

    std::vector<ConcernRecord> concerns_in_state(const std::string& state,
                                                 Timestamp before) override {
        static const std::string sql =
            concern_sql("WHERE c.state = ?1 AND c.state_since < ?2 ORDER BY c.state_since, c.id");
        auto q = query(sql);
        q.bind(1, state).bind(2, before);
        return all_concerns(crypto_, q);
    }

    std::vector<FeedbackOwed> feedback_owed(const std::string& state, Timestamp before) override {
        static const std::string sql = concern_sql(
            "WHERE c.state = ?1 AND EXISTS (SELECT 1 FROM submissions w WHERE w.concern_id = "
            "c.id AND w.handled_at IS NULL AND coalesce(w.feedback_at, w.submitted_at) < ?2) "
            "ORDER BY c.id",
            ", (SELECT min(coalesce(w.feedback_at, w.submitted_at)) FROM submissions w "
            "WHERE w.concern_id = c.id AND w.handled_at IS NULL)");
        auto q = query(sql);
        q.bind(1, state).bind(2, before);
        std::vector<FeedbackOwed> owed;
        while (q.step()) owed.push_back({read_concern(crypto_, q), q.int64(kConcernColumns)});
        return owed;
    }

    std::vector<ConcernRecord> veilig_thuis_feedback_late(const std::string& date) override {
        static const std::string sql = concern_sql(
            "WHERE c.veilig_thuis_feedback_due < ?1 ORDER BY c.veilig_thuis_feedback_due, c.id");
        auto q = query(sql);
        q.bind(1, date);
        return all_concerns(crypto_, q);
    }

    std::vector<ExportAwaiting> exports_awaiting_approval() override {
        static const std::string sql = concern_sql(
            "JOIN export_requests x ON x.concern_id = c.id WHERE x.released_at IS NULL "
            "ORDER BY x.requested_at, x.id",
            (std::string(", ") + kExportColumns).c_str());
        auto q = query(sql);
        std::vector<ExportAwaiting> awaiting;
        while (q.step()) {
            awaiting.push_back(
                {read_concern(crypto_, q), read_export(crypto_, q, kConcernColumns)});
        }
        return awaiting;
    }

    bool reminder_notified(ConcernId concern, const std::string& reminder,
                           const std::string& due_date) override {
        auto q = query(
            "SELECT 1 FROM reminders_notified WHERE concern_id = ?1 AND reminder = ?2 AND "
            "due_date = ?3");
        q.bind(1, concern).bind(2, reminder).bind(3, due_date);
        return q.step();
    }

    void mark_reminder_notified(ConcernId concern, const std::string& reminder,
                                const std::string& due_date) override {
        auto q = query(
            "INSERT INTO reminders_notified (concern_id, reminder, due_date) "
            "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
        q.bind(1, concern).bind(2, reminder).bind(3, due_date);
        q.run();
    }

    void append_entry(std::optional<ConcernId> concern, const std::string& unit_id,
                      const Entry& entry) override {
        // The id is chosen here (the write lock is held) because the
        // ciphertext is bound to it.
        std::int64_t id = 1;
        {
            auto next = query("SELECT coalesce(max(id), 0) + 1 FROM entries");
            if (next.step()) id = next.int64(0);
        }
        auto q = query(
            "INSERT INTO entries (id, concern_id, kind, at, actor_role, data, key_id, unit_hash, "
            "actor_hash, ids, ids_key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        q.bind(1, id).bind(2, concern).bind(3, entry.kind).bind(4, entry.at);
        q.bind(5, role_text(entry.actor));
        q.bind_blob(6, crypto_.seal_record(entry.data.dump(), entry_context(id)));
        q.bind(7, crypto_.active_key_id());
        bind_ids(crypto_, q, 8, entry_ids(unit_id, entry.actor.id),
                 ids_context("entries", std::to_string(id)));
        q.run();
    }

    bool claim_host_event(const std::string& event_id) override {
        auto q = query("INSERT INTO host_events (event_id) VALUES (?1) ON CONFLICT DO NOTHING");
        q.bind(1, event_id);
        return q.changes() == 1;
    }

    // Two indexed halves (the concern's own entries; the unit's unattached
    // host events) rather than one OR that would scan the table.
    // The concern's own entries, and the unit's host events that arrived
    // while no concern was open: those that occurred before this one closed,
    // and only of its household (the same match as find_open_concern: equal,
    // or one side without one). A closed concern's dossier must not take in
    // what a later tenant's household did.
    // A page is read by stepping until it is full (plus one entry, to know
    // whether there is a next page): the household check happens after
    // decryption, so no SQL LIMIT can count the entries that pass it. The
    // rows are asked for in chunks of a page and one (a LIMIT, each chunk
    // after the last row of the one before), so that a page of a long
    // chronology reads a page, not the whole chronology (PostgreSQL sends
    // every row of a result at once).
    ChronologyPage chronology(const ConcernRecord& concern,
                              const std::optional<EntryPosition>& after,
                              std::optional<int> limit) override {
        static const std::string after_position =
            " AND (?4 IS NULL OR at > ?4 OR (at = ?4 AND id > ?5))";
        static const std::string columns =
            "SELECT kind, at, ids, ids_key_id, actor_role, data, id, key_id, ";
        const std::string sql =
            columns + "0 FROM entries WHERE concern_id = ?1" + after_position + " UNION ALL " +
            columns + "1 FROM entries WHERE concern_id IS NULL AND " +
            matches(crypto_, "unit_hash", 7) +
            " AND kind = 'host_event' AND (?3 IS NULL OR at <= ?3) AND at >= ?6" + after_position +
            " ORDER BY 2, 7" + (limit ? " LIMIT ?2" : "");
        // A concern opened since the unit's last change of tenant does not
        // see the unit-level events of the former tenant's time.
        const Timestamp since = tenancy_since(concern.unit_id);
        ChronologyPage page;
        std::optional<EntryPosition> last;          // the last entry on the page
        std::optional<EntryPosition> read = after;  // the last row read
        for (;;) {
            auto q = query(sql);
            q.bind(1, concern.id).bind(3, concern.closed_at);
            bind_indexes(crypto_, q, 7, BlindKind::unit, concern.unit_id);
            q.bind(6, concern.created_at >= since ? since : Timestamp{0});
            q.bind(4, read ? std::optional<std::int64_t>(read->at) : std::nullopt);
            q.bind(5, read ? std::optional<std::int64_t>(read->id) : std::nullopt);
            if (limit) q.bind(2, std::int64_t{*limit} + 1);
            std::int64_t rows = 0;
            while (q.step()) {
                ++rows;
                read = EntryPosition{q.int64(1), q.int64(6)};
                const bool unit_level = q.boolean(8);
                Entry e = read_entry(crypto_, q);
                if (unit_level && !same_household(e.data, concern.household_ref)) continue;
                if (limit && page.entries.size() == static_cast<std::size_t>(*limit)) {
                    page.next = last;
                    return page;
                }
                page.entries.push_back(std::move(e));
                last = read;
            }
            if (!limit || rows <= *limit) return page;  // the chronology ended
        }
    }

    void set_legal_hold(ConcernId concern, const std::optional<LegalHold>& hold) override {
        auto q = query(
            "UPDATE concerns SET legal_hold_reason = ?2, legal_hold_since = ?3, "
            "legal_hold_lift_by = ?4, legal_hold_lift_at = ?5 WHERE id = ?1");
        q.bind(1, concern);
        if (hold) {
            q.bind(2, hold->reason).bind(3, hold->since).bind(4, hold->lift_requested_by);
            q.bind(5, hold->lift_requested_at);
        } else {
            q.bind_null(2).bind_null(3).bind_null(4).bind_null(5);
        }
        q.run();
    }

    std::int64_t insert_export(const ExportRecord& r) override {
        auto q = query(
            "INSERT INTO export_requests (ref, concern_id, requested_by, requested_at, request, "
            "key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
        q.bind(1, r.ref).bind(2, r.concern).bind(3, r.requested_by).bind(4, r.requested_at);
        q.bind_blob(5, crypto_.seal_record(r.request.dump(), export_context(r.ref)));
        q.bind(6, crypto_.active_key_id());
        return q.step() ? q.int64(0) : 0;
    }

    std::optional<ExportRecord> find_export(const std::string& export_ref) override {
        static const std::string sql =
            std::string("SELECT ") + kExportColumns + " FROM export_requests x WHERE x.ref = ?1";
        auto q = query(sql);
        q.bind(1, export_ref);
        if (!q.step()) return std::nullopt;
        return read_export(crypto_, q, 0);
    }

    void replace_export_request(const ExportRecord& r) override {
        auto q = query("UPDATE export_requests SET request = ?2, key_id = ?3 WHERE id = ?1");
        q.bind(1, r.id);
        q.bind_blob(2, crypto_.seal_record(r.request.dump(), export_context(r.ref)));
        q.bind(3, crypto_.active_key_id());
        q.run();
    }

    void mark_export_released(std::int64_t id, const std::string& by, Timestamp at) override {
        auto q =
            query("UPDATE export_requests SET released_by = ?2, released_at = ?3 WHERE id = ?1");
        q.bind(1, id).bind(2, by).bind(3, at);
        q.run();
    }

    std::vector<ConcernRecord> closed_concerns(Timestamp closed_before) override {
        static const std::string sql = concern_sql(
            "WHERE c.closed_at IS NOT NULL AND c.closed_at <= ?1 ORDER BY c.closed_at, c.id");
        auto q = query(sql);
        q.bind(1, closed_before);
        return all_concerns(crypto_, q);
    }

    // Children first: their foreign keys would refuse the concern's deletion.
    // A later concern's related_ref is set to NULL by its foreign key.
    void insert_event(const StoredEvent& event) override {
        auto q = query(
            "INSERT INTO events (event_id, concern_id, notification, created_at) "
            "VALUES (?1, ?2, ?3, ?4)");
        q.bind(1, event.event_id);
        q.bind(2, event.concern);
        q.bind(3, event.notification);
        q.bind(4, event.created_at);
        q.run();
    }

    void remove_events(const std::vector<std::string>& event_ids) override {
        for (const std::string& id : event_ids) {
            auto q = query("DELETE FROM events WHERE event_id = ?1");
            q.bind(1, id);
            q.run();
        }
    }

    std::vector<StoredEvent> unacknowledged_events(Timestamp created_before, int limit) override {
        auto q = query(
            "SELECT event_id, concern_id, notification, created_at FROM events "
            "WHERE created_at <= ?1 ORDER BY created_at, event_id LIMIT ?2");
        q.bind(1, created_before);
        q.bind(2, std::int64_t{limit});
        std::vector<StoredEvent> events;
        while (q.step()) {
            events.push_back({q.text(0), q.optional_int64(1), q.text(2), q.int64(3)});
        }
        return events;
    }

    std::int64_t prune_events(Timestamp created_before) override {
        auto q = query("DELETE FROM events WHERE created_at < ?1");
        q.bind(1, created_before);
        return q.changes();
    }

    PurgeCounts purge_concern(ConcernId concern, bool dry_run) override {
        PurgeCounts counts;
        counts.entries = remove_or_count("entries", "concern_id = ?1", concern, dry_run);
        counts.submissions = remove_or_count("submissions", "concern_id = ?1", concern, dry_run);
        remove_or_count("reminders_notified", "concern_id = ?1", concern, dry_run);
        remove_or_count("export_requests", "concern_id = ?1", concern, dry_run);
        remove_or_count("request_keys", "concern_id = ?1", concern, dry_run);
        remove_or_count("events", "concern_id = ?1", concern, dry_run);
        if (!dry_run) {
            // The figures stay; only the link to the concern goes.
            auto q = query("UPDATE figures SET concern_id = NULL WHERE concern_id = ?1");
            q.bind(1, concern);
            q.run();
        }
        remove_or_count("concerns", "id = ?1", concern, dry_run);
        return counts;
    }

    std::optional<FigureContribution> figure_contribution(ConcernId concern) override {
        auto q = query("SELECT data FROM figures WHERE concern_id = ?1");
        q.bind(1, concern);
        if (!q.step()) return std::nullopt;
        return FigureContribution::from_json(nlohmann::json::parse(q.text(0)));
    }

    void save_figure_contribution(ConcernId concern, Quarter opened,
                                  const FigureContribution& contribution) override {
        auto q = query(
            "INSERT INTO figures (concern_id, quarter, data) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (concern_id) DO UPDATE SET data = excluded.data");
        q.bind(1, concern).bind(2, format_quarter(opened)).bind(3, contribution.to_json().dump());
        q.run();
    }

    std::vector<QuarterContribution> figure_contributions(Quarter from, Quarter to) override {
        auto q = query("SELECT quarter, data FROM figures WHERE quarter BETWEEN ?1 AND ?2");
        q.bind(1, format_quarter(from)).bind(2, format_quarter(to));
        std::vector<QuarterContribution> all;
        while (q.step()) {
            all.push_back({*parse_quarter(q.text(0)),
                           FigureContribution::from_json(nlohmann::json::parse(q.text(1)))});
        }
        return all;
    }

    // Whether a unit has a concern left is a comparison of hashes, which
    // only holds between rows under one key: until a key rotation is done
    // (the store keeps no other key's check value), nothing is purged (the
    // next purge after the rotation does it).
    std::int64_t purge_unattached_events(Timestamp occurred_before, bool dry_run) override {
        if (keys::old_key_in_use(db_, crypto_)) return 0;
        return remove_or_count("entries",
                               "concern_id IS NULL AND at <= ?1 AND NOT EXISTS "
                               "(SELECT 1 FROM concerns c WHERE c.unit_hash = entries.unit_hash)",
                               occurred_before, dry_run);
    }

    std::vector<StoredSubmission> submissions_of(ConcernId concern) override {
        auto q = query(std::string("SELECT ") + kSubmissionColumns +
                       ", handled_at FROM submissions WHERE concern_id = ?1 ORDER BY id");
        q.bind(1, concern);
        std::vector<StoredSubmission> all;
        while (q.step())
            all.push_back(
                {submission_record(crypto_, q), q.optional_int64(kSubmissionColumnCount)});
        return all;
    }

    void append_audit(const AuditRecord& record) override {
        require_open_transaction();
        append_audit_row(db_, crypto_, record);
    }

    AuditVerification verify_audit() override {
        require_open_transaction();
        return verify_audit_chain(db_, crypto_);
    }

    std::vector<AuditItem> list_audit(const AuditQuery& filter) override {
        require_open_transaction();
        return list_audit_rows(db_, crypto_, filter);
    }

    RotationProgress rotate_keys(std::int64_t batch) override {
        require_open_transaction();
        return rotate_records(db_, crypto_, batch);
    }

private:
    // Which groups of kConcernUpdate's indexed columns `values` changes in
    // the stored concern `id`.
    std::array<bool, kConcernUpdateGroups> changed_groups(ConcernId id,
                                                          const RecordedBinds& values) {
        static const std::string sql = [] {
            std::string columns;
            for (const ConcernColumn& column : kConcernUpdate) {
                if (column.group == 0) continue;
                columns += (columns.empty() ? "" : ", ") + std::string(column.name);
            }
            return "SELECT " + columns + " FROM concerns WHERE id = ?1";
        }();
        auto row = query(sql);
        row.bind(1, id);
        if (!row.step()) {
            throw Error(MC_E_STORAGE, "storage", "store failure: no such concern to update");
        }
        std::array<bool, kConcernUpdateGroups> changed{};
        int col = 0;
        for (const ConcernColumn& column : kConcernUpdate) {
            if (column.group == 0) continue;
            if (!values.same_as(column.param, row, col++)) changed[column.group] = true;
        }
        return changed;
    }

    void change_pending_feedback(ConcernId concern, std::int64_t by) {
        auto q =
            query("UPDATE concerns SET pending_feedback = pending_feedback + ?2 WHERE id = ?1");
        q.bind(1, concern).bind(2, by);
        q.run();
    }

    // DELETE (or, in a dry run, count) the rows of `table` matching `where`,
    // whose only parameter ?1 is `value`. Table and condition are our own
    // constants, never input.
    std::int64_t remove_or_count(const char* table, const char* where, std::int64_t value,
                                 bool dry_run) {
        const std::string sql = std::string(dry_run ? "SELECT count(*) FROM " : "DELETE FROM ") +
                                table + " WHERE " + where;
        auto q = query(sql);
        q.bind(1, value);
        if (dry_run) return q.step() ? q.int64(0) : 0;
        return q.changes();
    }

    // A database may abort a transaction underneath (SQLite on SQLITE_FULL or
    // SQLITE_IOERR, PostgreSQL on any error). Had fn caught such an error and
    // gone on, its next writes would run outside the transaction (SQLite: in
    // autocommit mode, committed one by one): refuse them.
    Query query(const std::string& sql) {
        require_open_transaction();
        return db_.query(sql);
    }

    void require_open_transaction() const { db_.require_open(); }

    Db& db_;
    const Crypto& crypto_;
};

// The prompt log (Store::prompts_since, save_prompts), outside the service's
// transactions: the adapter's store calls these in its own.
template <class Db>
std::vector<PromptRecord> prompts_since(Db& db, const Crypto& crypto, Timestamp since) {
    auto q = db.query(
        "SELECT ids, ids_key_id, ticket_hash, prompted_at FROM prompts WHERE prompted_at >= ?1 "
        "ORDER BY prompted_at, ticket_hash");
    q.bind(1, since);
    std::vector<PromptRecord> prompts;
    while (q.step()) {
        const auto ids = open_ids(crypto, q, 0, ids_context("prompts", q.text(2)));
        prompts.push_back(PromptRecord{id_text(ids, "host_ticket_id"), q.int64(3)});
    }
    return prompts;
}

template <class Db>
void save_prompts(Db& db, const Crypto& crypto, const std::vector<PromptRecord>& prompts) {
    for (const PromptRecord& prompt : prompts) {
        save_prompt(db, crypto, prompt.host_ticket_id, prompt.prompted_at);
    }
}

}  // namespace meldcode::sql
