// What both SQL adapters of the store (SQLite, PostgreSQL) share below the
// transaction: the failure they report, the condition that finds rows under
// an old key, and what each sealed column's ciphertext is bound to.
#pragma once

#include <cstdint>
#include <string>

#include "core/errors.h"

namespace meldcode::sql {

// A store failure in the adapters' shared wording ("store failure: ...").
inline Error store_failure(const std::string& what) {
    return Error(MC_E_STORAGE, "storage", "store failure: " + what);
}

// Rows under another key than the active one (?1). Written as three ranges
// rather than `key_id IS NOT ?1`, which no index can serve: SQLite then
// answers from the key_id indexes (a MULTI-INDEX OR) and visits only the rows
// still to rotate, so each batch costs the same however far rotation has got
// (with IS NOT and ORDER BY id, every batch rescanned the rows done before it,
// and a whole rotation grew with the square of the store).
constexpr const char* kUnderOldKey = "(key_id IS NULL OR key_id < ?1 OR key_id > ?1)";

// What a sealed column's ciphertext is bound to (with the key id): its row.
inline std::string entry_context(std::int64_t entry_id) {
    return "entries.data/" + std::to_string(entry_id);
}
inline std::string assessment_context(const std::string& concern_ref) {
    return "concerns.assessment/" + concern_ref;
}
inline std::string case_context(const std::string& concern_ref) {
    return "concerns.case_data/" + concern_ref;
}
inline std::string export_context(const std::string& export_ref) {
    return "export_requests.request/" + export_ref;
}

}  // namespace meldcode::sql
