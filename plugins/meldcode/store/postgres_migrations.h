// Versioned schema migrations of the PostgreSQL store.
//
// The table schema_version (one row) holds the version; a missing table is
// an empty store. Version N is reached by running every migration up to N in
// order, each in its own transaction (PostgreSQL's DDL is transactional, so a
// failed migration leaves nothing behind). The versions are this adapter's
// own: its schema 1 is the SQLite store's schema 11, translated. A released
// migration is never edited: change the schema by appending one.
#pragma once

#include <vector>

#include "store/postgres_db.h"

namespace meldcode::postgres {

struct Migration {
    int version;      // the schema version this migration produces
    const char* sql;  // one or more statements, run as a script
};

// Every migration, oldest first, versions strictly increasing.
const std::vector<Migration>& migrations();

// The newest schema version this library knows.
int latest_schema_version();

// The schema version of the store in the connection's current schema (0:
// none yet).
int schema_version(const Connection& connection);

// Brings the schema to latest_schema_version(), or throws Error(MC_E_VERSION,
// "store_too_new") before writing anything when a newer meldcode wrote it.
// Safe against another process migrating the same store at the same time
// (both take the store's advisory lock, see store_lock_sql()).
void migrate(const Connection& connection);

// The statement that takes the store's transaction-level advisory lock: one
// writer at a time per store (per schema), like SQLite's BEGIN IMMEDIATE.
const char* store_lock_sql();

}  // namespace meldcode::postgres
