#include "store/postgres_db.h"

#include <cctype>
#include <cstdlib>
#include <utility>

namespace meldcode::postgres {
namespace {

// The type OIDs of pg_type (catalog/pg_type_d.h is a server header).
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;

Error sql_error(const PGresult* result, const char* context) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    return storage_failure(
        context, state ? std::string("PostgreSQL error ") + state : std::string("no result"));
}

// A conninfo libpq cannot parse is refused without libpq's message, which
// quotes the part it choked on (perhaps a password).
void require_parsable(const std::string& conninfo) {
    char* message = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
    PQfreemem(message);
    if (options == nullptr) {
        throw storage_failure(kCannotOpen, "the PostgreSQL conninfo cannot be parsed");
    }
    PQconninfoFree(options);
}

}  // namespace

Connection::Connection(const std::string& conninfo) {
    require_parsable(conninfo);
    connection_.reset(PQconnectdb(conninfo.c_str()));
    if (!connection_ || PQstatus(get()) != CONNECTION_OK) {
        throw storage_failure(kCannotOpen,
                              "cannot connect to PostgreSQL (check the conninfo, that the server "
                              "runs, and the server's log)");
    }
    // Notices go nowhere: libpq would print them on the host's stderr.
    PQsetNoticeProcessor(
        get(), [](void*, const char*) {}, nullptr);
    if (PQsetClientEncoding(get(), "UTF8") != 0) {
        throw storage_failure(kCannotOpen, "PostgreSQL refused the UTF8 client encoding");
    }
}

void Connection::exec(const std::string& sql, const char* context) const {
    ResultHandle result(PQexec(get(), sql.c_str()));
    check(result.get(), context);
}

void check(const PGresult* result, const char* context) {
    const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw sql_error(result, context);
    }
}

void create_tables(const Connection& connection, const std::string& lock_name,
                   const std::string& sql, const char* context) {
    connection.exec("SET synchronous_commit = on", context);
    connection.exec("SET client_min_messages = warning", context);
    connection.exec("BEGIN", context);
    try {
        Query(connection, "SELECT pg_advisory_xact_lock(hashtext(?1 || current_schema()))", context)
            .bind(1, lock_name)
            .run();
        connection.exec(sql, context);
        connection.exec("COMMIT", context);
    } catch (...) {
        ResultHandle ignored(PQexec(connection.get(), "ROLLBACK"));
        throw;
    }
}

std::string numbered_parameters(const std::string& sql) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() &&
                   std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

Query::Query(const Connection& connection, std::string sql, const char* context)
    : connection_(connection), sql_(numbered_parameters(sql)), context_(context) {}

Query& Query::set(int index, Parameter parameter) {
    if (index < 1 || result_) throw storage_failure(context_, "a parameter was bound wrongly");
    // A parameter left out below the highest bound one is one the SQL does
    // not use (SQLite allows that); the server still wants a type for it.
    if (parameters_.size() < static_cast<std::size_t>(index)) {
        parameters_.resize(static_cast<std::size_t>(index), Parameter{std::nullopt, kText, false});
    }
    parameters_[index - 1] = std::move(parameter);
    return *this;
}

Query& Query::bind(int index, std::int64_t value) {
    return set(index, {std::to_string(value), kInt8, false});
}

Query& Query::bind(int index, const std::string& value) {
    return set(index, {value, kText, false});
}

Query& Query::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, *value) : set(index, {std::nullopt, kText, false});
}

Query& Query::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : set(index, {std::nullopt, kInt8, false});
}

Query& Query::bind_null(int index) {
    return set(index, {std::nullopt, 0, false});
}

Query& Query::bind_blob(int index, const std::string& bytes) {
    return set(index, {bytes, kBytea, true});
}

void Query::execute() {
    const auto count = parameters_.size();
    std::vector<Oid> types(count);
    std::vector<const char*> values(count);
    std::vector<int> lengths(count);
    std::vector<int> formats(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Parameter& p = parameters_[i];
        types[i] = p.type;
        values[i] = p.value ? p.value->data() : nullptr;
        lengths[i] = p.value ? static_cast<int>(p.value->size()) : 0;
        formats[i] = p.binary ? 1 : 0;
    }
    result_.reset(PQexecParams(connection_.get(), sql_.c_str(), static_cast<int>(count),
                               types.data(), values.data(), lengths.data(), formats.data(), 0));
    check(result_.get(), context_);
}

bool Query::step() {
    if (!result_) execute();
    return ++row_ < PQntuples(result_.get());
}

void Query::run() {
    if (!result_) execute();
}

std::int64_t Query::changes() {
    run();
    return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

bool Query::is_null(int col) const {
    return PQgetisnull(result_.get(), row_, col) == 1;
}

std::int64_t Query::int64(int col) const {
    const char* value = PQgetvalue(result_.get(), row_, col);
    if (value[0] == 't') return 1;  // a boolean expression (EXISTS, IS NOT NULL)
    if (value[0] == 'f') return 0;
    return std::strtoll(value, nullptr, 10);
}

bool Query::boolean(int col) const {
    return int64(col) != 0;
}

std::string Query::text(int col) const {
    return std::string(PQgetvalue(result_.get(), row_, col),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, col)));
}

std::optional<std::string> Query::optional_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return text(col);
}

std::optional<std::int64_t> Query::optional_int64(int col) const {
    if (is_null(col)) return std::nullopt;
    return int64(col);
}

std::string Query::blob(int col) const {
    if (is_null(col)) return {};
    std::size_t length = 0;
    unsigned char* bytes = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, col)), &length);
    if (bytes == nullptr) throw storage_failure(context_, "out of memory reading a value");
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
}

}  // namespace meldcode::postgres
