// The audit chain in SQLite: append, verify and re-MAC rows of the `audit`
// table and its anchor `audit_head` (see audit_chain.h). Every function runs
// inside the caller's open transaction.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <vector>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode::sqlite {

void append_audit_row(sqlite3* db, const Crypto& crypto, const AuditRecord& record);
AuditVerification verify_audit_chain(sqlite3* db, const Crypto& crypto);
// Rows matching the query, newest first, with the reference of the concern
// each one names (when that concern still exists).
std::vector<AuditItem> list_audit_rows(sqlite3* db, const AuditQuery& query);
// Re-MACs up to `batch` rows (per old key, oldest first) that are not under the active
// key, and the head; each old link is checked first, so a rotation never
// launders a tampered row. Returns how many rows it re-MACed.
std::int64_t relink_audit(sqlite3* db, const Crypto& crypto, std::int64_t batch);
// Rows still under another key than the active one.
std::int64_t audit_rows_to_relink(sqlite3* db, const Crypto& crypto);
// Links the rows of a store written before the chain existed (no key id)
// and writes the head. Only for the first open with keys.
void link_unchained_audit(sqlite3* db, const Crypto& crypto);

}  // namespace meldcode::sqlite
