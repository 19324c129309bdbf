// Keys and the store: the check values that refuse a wrong key ring at
// open, sealing what an older store kept in clear, and key rotation.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode::sqlite {

// Rows under another key than the active one (?1). Written as three ranges
// rather than `key_id IS NOT ?1`, which no index can serve: SQLite then
// answers from the key_id indexes (a MULTI-INDEX OR) and visits only the rows
// still to rotate, so each batch costs the same however far rotation has got
// (with IS NOT and ORDER BY id, every batch rescanned the rows done before it,
// and a whole rotation grew with the square of the store).
constexpr const char* kUnderOldKey = "(key_id IS NULL OR key_id < ?1 OR key_id > ?1)";

// What a sealed column's ciphertext is bound to (with the key id): its row.
std::string entry_context(std::int64_t entry_id);
std::string assessment_context(const std::string& concern_ref);
std::string case_context(const std::string& concern_ref);
std::string export_context(const std::string& export_ref);

// At open, in its own transaction: throws Error(MC_E_KEY) "key_unknown" when
// the store used a key the ring lacks and "key_mismatch" when a key id's
// bytes differ from the ones the store was written with — before anything
// is written. Then records the active key's check value, and on the first
// open with keys seals the content and links the audit rows of an older store.
void prepare_keys(sqlite3* db, const Crypto& crypto);

// One batch of rotation inside the caller's transaction: re-encrypts
// chronology entries and assessments, re-MACs audit rows, oldest first.
// When nothing remains under an old key, its check value is dropped: a ring
// without that key opens the store from then on.
RotationProgress rotate_records(sqlite3* db, const Crypto& crypto, std::int64_t batch);

}  // namespace meldcode::sqlite
