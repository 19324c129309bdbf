// The throwaway PostgreSQL cluster of tests/support/postgres_cluster.py, as
// the tests that run against the PostgreSQL store adapter use it: each test
// gets a schema of its own (one schema per store, as a deployment would have
// one per corporation, docs/multi-corporation.md), dropped afterwards, so
// tests running in parallel share the cluster and nothing else.
//
// CTest's fixture "postgres" starts the cluster and names its folder in the
// file MELDCODE_TEST_POSTGRES points to.
#pragma once

#include <libpq-fe.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace meldcode::test {

// The conninfo of the cluster's database, as the superuser "postgres".
inline std::string cluster_conninfo() {
    const char* state = std::getenv("MELDCODE_TEST_POSTGRES");
    if (state == nullptr) throw std::runtime_error("MELDCODE_TEST_POSTGRES is not set");
    std::ifstream file(state);
    std::string folder;
    if (!std::getline(file, folder)) {
        throw std::runtime_error("no PostgreSQL cluster is running (see postgres_cluster.py)");
    }
    return "host=" + folder + " user=postgres dbname=postgres";
}

// Runs SQL on a connection of its own (as another program would) and returns
// the first column of the first row ("" when none); nullopt when it failed.
inline std::optional<std::string> postgres_sql(const std::string& conninfo,
                                               const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(conninfo.c_str()),
                                                            &PQfinish);
    if (PQstatus(connection.get()) != CONNECTION_OK) return std::nullopt;
    PQsetNoticeProcessor(
        connection.get(), [](void*, const char*) {}, nullptr);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                         &PQclear);
    const auto status = PQresultStatus(result.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return std::nullopt;
    if (PQntuples(result.get()) == 0 || PQnfields(result.get()) == 0) return std::string();
    return std::string(PQgetvalue(result.get(), 0, 0));
}

// Every row of `sql`, each column as text ("NULL" for NULL); throws when the
// query fails, naming the server's message (test data only).
inline std::vector<std::vector<std::string>> postgres_table(const std::string& conninfo,
                                                            const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(conninfo.c_str()),
                                                            &PQfinish);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql.c_str()),
                                                         &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        throw std::runtime_error("query " + sql + " failed: " + PQerrorMessage(connection.get()));
    }
    std::vector<std::vector<std::string>> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
        auto& columns = rows.emplace_back();
        for (int col = 0; col < PQnfields(result.get()); ++col) {
            columns.emplace_back(
                PQgetisnull(result.get(), row, col) ? "NULL" : PQgetvalue(result.get(), row, col));
        }
    }
    return rows;
}

// A schema of its own in the cluster, and the conninfo of a store in it.
class PostgresSchema {
public:
    PostgresSchema() : name_("t_" + random_suffix()) {
        if (!postgres_sql(cluster_conninfo(), "CREATE SCHEMA " + name_)) {
            throw std::runtime_error("cannot create a test schema");
        }
    }
    ~PostgresSchema() { postgres_sql(cluster_conninfo(), "DROP SCHEMA " + name_ + " CASCADE"); }
    PostgresSchema(const PostgresSchema&) = delete;
    PostgresSchema& operator=(const PostgresSchema&) = delete;

    const std::string& name() const { return name_; }
    std::string conninfo() const {
        return cluster_conninfo() + " options='-c search_path=" + name_ + "'";
    }
    // What `pg_dump --schema` writes of the schema (definitions and data,
    // plain text), as an operator's backup would hold it.
    std::string dump() const {
        const std::string command = "/usr/lib/postgresql/15/bin/pg_dump --no-password --dbname='" +
                                    cluster_conninfo() + "' --schema=" + name_;
        std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
        if (!pipe) throw std::runtime_error("cannot run pg_dump");
        std::string out;
        char buffer[65536];
        std::size_t read = 0;
        while ((read = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0)
            out.append(buffer, read);
        if (pclose(pipe.release()) != 0) throw std::runtime_error("pg_dump failed");
        return without_restrict_keys(out);
    }
    // SQL in the schema, on a connection of its own.
    std::optional<std::string> sql(const std::string& statement) const {
        return postgres_sql(conninfo(), statement);
    }

private:
    // pg_dump (15.14 on) guards its script with "\restrict <key>" and
    // "\unrestrict <key>" lines, the key random per run: without them two
    // dumps of an unchanged store are equal.
    static std::string without_restrict_keys(const std::string& dump) {
        std::string kept;
        std::size_t start = 0;
        while (start < dump.size()) {
            std::size_t end = dump.find('\n', start);
            end = end == std::string::npos ? dump.size() : end + 1;
            const std::string line = dump.substr(start, end - start);
            if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) {
                kept += line;
            }
            start = end;
        }
        return kept;
    }

    static std::string random_suffix() {
        std::random_device random;
        std::uniform_int_distribution<unsigned long long> pick;
        return std::to_string(pick(random));
    }

    std::string name_;
};

}  // namespace meldcode::test
