// Versioned schema migrations of the SQLite store.
//
// `PRAGMA user_version` holds the schema version: 0 is an empty file and
// version N is reached by running every migration up to N in order, each in
// its own transaction (numbers need not be contiguous). A released migration is never edited:
// change the schema by appending one.
#pragma once

#include <sqlite3.h>

#include <vector>

namespace meldcode::sqlite {

struct Migration {
    int version;      // the schema version this migration produces
    const char* sql;  // one or more statements, run as a script
};

// Every migration, oldest first, versions strictly increasing.
const std::vector<Migration>& migrations();

// The newest schema version this library knows.
int latest_schema_version();

// The schema version stored in the file (its user_version).
int schema_version(sqlite3* db, const char* context);

// Throws Error(MC_E_VERSION, "store_too_new") when `version` is newer than
// this library knows: such a store must not be touched.
void check_schema_version(int version);

// Brings the schema to latest_schema_version(). Call with foreign keys off
// (SQLite's procedure for table rebuilds needs that, and the pragma cannot
// change inside a transaction); each migration checks the foreign keys
// itself before it commits. Safe against another process migrating the same
// file at the same time.
void migrate(sqlite3* db);

}  // namespace meldcode::sqlite
