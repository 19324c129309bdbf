// A thin RAII layer over the SQLite C API, shared by the store and its
// migrations. Values only ever reach SQL through bound parameters.
//
// Error messages use sqlite3_errstr(rc), SQLite's fixed text for a result
// code, and never sqlite3_errmsg(): the latter may quote parts of a statement
// and must not carry anything near concern content into logs.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "core/errors.h"

namespace meldcode::sqlite {

inline constexpr const char* kStoreFailure = "store failure: ";
inline constexpr const char* kCannotOpen = "cannot open store: ";

inline Error storage_error(int rc, const char* context = kStoreFailure) {
    return Error(MC_E_STORAGE, "storage", std::string(context) + sqlite3_errstr(rc));
}

// For states SQLite cannot report through a result code (a corrupt row, a
// pragma that was silently refused).
inline Error storage_failure(const char* context, const std::string& what) {
    return Error(MC_E_STORAGE, "storage", std::string(context) + what);
}

// For a system call on one of the store's files that failed with `error`
// (an errno value).
inline Error system_failure(const char* context, const std::string& what, int error) {
    return storage_failure(context, what + ": " + std::strerror(error));
}

inline void check(int rc, const char* context = kStoreFailure) {
    if (rc != SQLITE_OK) throw storage_error(rc, context);
}

// Runs parameterless SQL: schema scripts, BEGIN / COMMIT, pragmas that set.
inline void exec(sqlite3* db, const char* sql, const char* context = kStoreFailure) {
    check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), context);
}

// Owns one prepared statement.
class Statement {
public:
    Statement(sqlite3* db, const std::string& sql, unsigned flags = 0,
              const char* context = kStoreFailure) {
        check(sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size() + 1), flags, &stmt_,
                                 nullptr),
              context);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
    Statement& operator=(Statement&&) = delete;

    sqlite3_stmt* get() const { return stmt_; }

private:
    sqlite3_stmt* stmt_ = nullptr;
};

// One use of a prepared statement: bind, step, read columns. Resets the
// statement and clears its bindings when it goes out of scope, so that a
// cached statement is ready for the next use and holds no read lock or
// copy of a bound value in between.
class Query {
public:
    explicit Query(sqlite3_stmt* stmt, const char* context = kStoreFailure)
        : stmt_(stmt), context_(context) {}
    ~Query() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    // Parameters are 1-based, as in SQL's ?NNN. Text is copied (TRANSIENT):
    // callers may pass temporaries such as a JSON dump.
    Query& bind(int index, std::int64_t value) {
        return checked(sqlite3_bind_int64(stmt_, index, value));
    }
    Query& bind(int index, const std::string& value) {
        return checked(sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                                           SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    Query& bind(int index, const char* value) { return bind(index, std::string(value)); }
    Query& bind(int index, const std::optional<std::string>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    Query& bind(int index, const std::optional<std::int64_t>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    Query& bind_null(int index) { return checked(sqlite3_bind_null(stmt_, index)); }
    Query& bind_blob(int index, const std::string& bytes) {
        return checked(
            sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
    }

    // True when a row is ready, false when the statement is done.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw storage_error(rc, context_);
    }
    // Runs a statement that returns no rows.
    void run() {
        while (step()) {
        }
    }
    // Runs it and returns how many rows it inserted, updated or deleted
    // (instead of run(): running twice would execute the statement twice).
    std::int64_t changes() {
        run();
        return sqlite3_changes64(sqlite3_db_handle(stmt_));
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    bool boolean(int col) const { return int64(col) != 0; }
    std::string text(int col) const {
        // column_text before column_bytes: the order SQLite documents as safe.
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
        return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                    : std::string();
    }
    std::optional<std::string> optional_text(int col) const {
        if (is_null(col)) return std::nullopt;
        return text(col);
    }
    std::optional<std::int64_t> optional_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }
    std::string blob(int col) const {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
        return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
                    : std::string();
    }

private:
    Query& checked(int rc) {
        check(rc, context_);
        return *this;
    }

    sqlite3_stmt* stmt_;
    const char* context_;
};

// Reads a pragma (or any single-value query) that answers one row.
inline std::string query_text(sqlite3* db, const std::string& sql,
                              const char* context = kStoreFailure) {
    Statement statement(db, sql, 0, context);
    Query query(statement.get(), context);
    return query.step() ? query.text(0) : std::string();
}

inline std::int64_t query_int(sqlite3* db, const std::string& sql,
                              const char* context = kStoreFailure) {
    Statement statement(db, sql, 0, context);
    Query query(statement.get(), context);
    return query.step() ? query.int64(0) : 0;
}

}  // namespace meldcode::sqlite
