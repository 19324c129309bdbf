#include "store/sqlite_keys.h"

#include <optional>
#include <vector>

#include "store/sqlite_audit.h"
#include "store/sqlite_db.h"

namespace meldcode::sqlite {
namespace {

constexpr const char* kCheckText = "meldcode key check";
constexpr const char* kCheckContext = "key_checks";

// One sealed column of one table, and how to reach and bind its rows.
struct SealedColumn {
    const char* select;  // id, key (text), sealed value, key_id; ends in WHERE … AND
    const char* update;  // ?1 id, ?2 sealed, ?3 key_id
    std::string (*context)(const Query& row);
    const char* under_old_key = kUnderOldKey;  // the condition on its key id column
};

std::string entry_row_context(const Query& row) {
    return entry_context(row.int64(0));
}
std::string assessment_row_context(const Query& row) {
    return assessment_context(row.text(1));
}
std::string case_row_context(const Query& row) {
    return case_context(row.text(1));
}
std::string export_row_context(const Query& row) {
    return export_context(row.text(1));
}

const SealedColumn kEntries{"SELECT id, '', data, key_id FROM entries WHERE ",
                            "UPDATE entries SET data = ?2, key_id = ?3 WHERE id = ?1",
                            entry_row_context};
const SealedColumn kAssessments{
    "SELECT id, ref, assessment, key_id FROM concerns WHERE assessment IS NOT NULL AND ",
    "UPDATE concerns SET assessment = ?2, key_id = ?3 WHERE id = ?1", assessment_row_context};
// The concern's sealed case details (schema 7) have a key id column of their own.
const SealedColumn kCases{
    "SELECT id, ref, case_data, case_key_id FROM concerns WHERE case_data IS NOT NULL AND ",
    "UPDATE concerns SET case_data = ?2, case_key_id = ?3 WHERE id = ?1", case_row_context,
    "(case_key_id IS NULL OR case_key_id < ?1 OR case_key_id > ?1)"};
const SealedColumn kExports{"SELECT id, ref, request, key_id FROM export_requests WHERE ",
                            "UPDATE export_requests SET request = ?2, key_id = ?3 WHERE id = ?1",
                            export_row_context};

struct Pending {
    std::int64_t id;
    std::string context;
    std::string plaintext;
};

// Reseals up to `limit` rows of one column under the active key. A row
// without key id is clear text from before encryption (`legacy` only).
std::int64_t reseal(sqlite3* db, const Crypto& crypto, const SealedColumn& column,
                    std::int64_t limit, bool legacy) {
    std::vector<Pending> rows;
    {
        Statement statement(db, std::string(column.select) + column.under_old_key + " LIMIT ?2");
        Query q(statement.get());
        q.bind(1, crypto.active_key_id()).bind(2, limit);
        while (q.step()) {
            const auto key = q.optional_text(3);
            if (!key && !legacy)
                throw Error(MC_E_STORAGE, "record_corrupt", "a stored record has no key id");
            std::string context = column.context(q);
            std::string plain = key ? crypto.open_record(*key, q.blob(2), context) : q.text(2);
            rows.push_back({q.int64(0), std::move(context), std::move(plain)});
        }
    }
    Statement statement(db, column.update);
    for (const Pending& row : rows) {
        Query q(statement.get());
        q.bind(1, row.id).bind_blob(2, crypto.seal_record(row.plaintext, row.context));
        q.bind(3, crypto.active_key_id());
        q.run();
    }
    return static_cast<std::int64_t>(rows.size());
}

std::int64_t count(sqlite3* db, const Crypto& crypto, const std::string& sql) {
    Statement statement(db, sql);
    Query q(statement.get());
    q.bind(1, crypto.active_key_id());
    return q.step() ? q.int64(0) : 0;
}

std::int64_t remaining(sqlite3* db, const Crypto& crypto) {
    return count(db, crypto, std::string("SELECT count(*) FROM entries WHERE ") + kUnderOldKey) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM concerns WHERE assessment IS NOT NULL AND ") +
                     kUnderOldKey) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM concerns WHERE case_data IS NOT NULL AND ") +
                     kCases.under_old_key) +
           count(db, crypto,
                 std::string("SELECT count(*) FROM export_requests WHERE ") + kUnderOldKey) +
           audit_rows_to_relink(db, crypto);
}

// Throws unless every key the store has used is in the ring with the same bytes.
// Returns whether the store has ever been opened with keys.
bool check_known_keys(sqlite3* db, const Crypto& crypto) {
    Statement statement(db, "SELECT key_id, sealed FROM key_checks ORDER BY key_id");
    Query q(statement.get());
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

void add_check(sqlite3* db, const Crypto& crypto) {
    Statement statement(db, "INSERT OR IGNORE INTO key_checks (key_id, sealed) VALUES (?1, ?2)");
    Query q(statement.get());
    q.bind(1, crypto.active_key_id()).bind_blob(2, crypto.seal_record(kCheckText, kCheckContext));
    q.run();
}

}  // namespace

std::string entry_context(std::int64_t entry_id) {
    return "entries.data/" + std::to_string(entry_id);
}

std::string assessment_context(const std::string& concern_ref) {
    return "concerns.assessment/" + concern_ref;
}

std::string case_context(const std::string& concern_ref) {
    return "concerns.case_data/" + concern_ref;
}

std::string export_context(const std::string& export_ref) {
    return "export_requests.request/" + export_ref;
}

void prepare_keys(sqlite3* db, const Crypto& crypto) {
    exec(db, "BEGIN IMMEDIATE");
    try {
        if (!check_known_keys(db, crypto)) {
            // A store from before encryption: seal and link everything once.
            constexpr std::int64_t kAll = -1;  // LIMIT -1: no limit
            reseal(db, crypto, kEntries, kAll, true);
            reseal(db, crypto, kAssessments, kAll, true);
            link_unchained_audit(db, crypto);
        }
        add_check(db, crypto);
        exec(db, "COMMIT");
    } catch (...) {
        if (sqlite3_get_autocommit(db) == 0)
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

RotationProgress rotate_records(sqlite3* db, const Crypto& crypto, std::int64_t batch) {
    RotationProgress progress;
    progress.rotated = reseal(db, crypto, kEntries, batch, false);
    if (progress.rotated < batch) {
        progress.rotated += reseal(db, crypto, kAssessments, batch - progress.rotated, false);
    }
    if (progress.rotated < batch) {
        progress.rotated += reseal(db, crypto, kCases, batch - progress.rotated, false);
    }
    if (progress.rotated < batch) {
        progress.rotated += reseal(db, crypto, kExports, batch - progress.rotated, false);
    }
    if (progress.rotated < batch) {
        progress.rotated += relink_audit(db, crypto, batch - progress.rotated);
    }
    progress.remaining = remaining(db, crypto);
    if (progress.remaining == 0) {
        Statement statement(db, "DELETE FROM key_checks WHERE key_id <> ?1");
        Query q(statement.get());
        q.bind(1, crypto.active_key_id());
        q.run();
    }
    return progress;
}

}  // namespace meldcode::sqlite
