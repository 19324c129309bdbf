// A thin RAII layer over libpq for the PostgreSQL store and its migrations,
// in the shape of sqlite_db.h's Query so that SQL and row reading look alike
// in both adapters. Values only ever reach SQL through bound parameters.
//
// Privacy: PostgreSQL's error messages may quote the values of a row (a
// unique key's DETAIL, "invalid input syntax for type bigint: ...") and
// libpq's connection errors may quote the conninfo, which can carry a
// password. Errors therefore name only the SQLSTATE code, never a message.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.h"

namespace meldcode::postgres {

inline constexpr const char* kStoreFailure = "store failure: ";
inline constexpr const char* kCannotOpen = "cannot open store: ";

inline Error storage_failure(const char* context, const std::string& what) {
    return Error(MC_E_STORAGE, "storage", std::string(context) + what);
}

struct ConnectionCloser {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

// One connection to the server. The conninfo is used to connect and then
// forgotten: it may hold a password.
class Connection {
public:
    // Throws Error(MC_E_STORAGE, "cannot open store: ...") naming neither the
    // conninfo nor the server's words.
    explicit Connection(const std::string& conninfo);

    PGconn* get() const { return connection_.get(); }
    // Runs parameterless SQL: schema scripts, BEGIN / COMMIT, SET.
    void exec(const std::string& sql, const char* context = kStoreFailure) const;
    // False once the connection is gone (the server ended or restarted).
    bool ok() const { return PQstatus(get()) == CONNECTION_OK; }
    // After the server restarted (or a network cut), one new attempt.
    void reconnect_if_lost() const {
        if (!ok()) PQreset(get());
    }

private:
    std::unique_ptr<PGconn, ConnectionCloser> connection_;
};

// Throws when `result` is not a success, naming its SQLSTATE only.
void check(const PGresult* result, const char* context);

// One statement with its parameters, run on the first step() or run().
// SQL uses SQLite's numbered parameters (?1, ?2, ...), rewritten to $1, $2:
// the same SQL text reads alike in both adapters. Columns are read in
// libpq's text format (bytea as hex, booleans as t/f).
class Query {
public:
    Query(const Connection& connection, std::string sql, const char* context = kStoreFailure);

    Query& bind(int index, std::int64_t value);
    Query& bind(int index, const std::string& value);
    Query& bind(int index, const char* value) { return bind(index, std::string(value)); }
    // A NULL of a known type: the server cannot infer one from "?1 IS NULL".
    Query& bind(int index, const std::optional<std::string>& value);
    Query& bind(int index, const std::optional<std::int64_t>& value);
    // A NULL whose type the server infers from where it is used.
    Query& bind_null(int index);
    Query& bind_blob(int index, const std::string& bytes);

    // True when a row is ready, false when the statement is done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Rows the statement inserted, updated or deleted.
    std::int64_t changes();

    bool is_null(int col) const;
    std::int64_t int64(int col) const;
    bool boolean(int col) const;
    std::string text(int col) const;
    std::optional<std::string> optional_text(int col) const;
    std::optional<std::int64_t> optional_int64(int col) const;
    std::string blob(int col) const;

private:
    struct Parameter {
        std::optional<std::string> value;  // nullopt: NULL
        Oid type = 0;                      // 0: let the server infer it
        bool binary = false;
    };
    Query& set(int index, Parameter parameter);
    void execute();

    const Connection& connection_;
    std::string sql_;
    const char* context_;
    std::vector<Parameter> parameters_;
    ResultHandle result_;
    int row_ = -1;
};

// Readies a connection for tables kept beside the store (meldcoded's): its
// commits durable when they return, no notices, and the schema script `sql`
// (CREATE ... IF NOT EXISTS) run in one transaction that first takes the
// advisory lock named `lock_name` in the connection's schema, so processes
// starting at once do not race to create the same tables.
void create_tables(const Connection& connection, const std::string& lock_name,
                   const std::string& sql, const char* context);

// Rewrites ?N parameters to $N outside quoted strings and identifiers.
std::string numbered_parameters(const std::string& sql);

}  // namespace meldcode::postgres
