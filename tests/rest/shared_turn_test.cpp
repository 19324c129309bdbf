// The look for due steps on a shared PostgreSQL store (SharedTurn): one
// meldcoded at a time, and a turn held by a process that died is free again.
// meldcoded_store_tests_postgres, with the CTest fixture's cluster.
#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "postgres_schema.h"
#include "shared_turn.h"

using meldcode::test::PostgresSchema;
using meldcoded::SharedTurn;

TEST_CASE("two processes on one store take turns at the look for due steps", "[postgres]") {
    PostgresSchema schema;
    SharedTurn first(schema.conninfo(), "steps_due");
    SharedTurn second(schema.conninfo(), "steps_due");
    SharedTurn other_work(schema.conninfo(), "something_else");
    int looked = 0;
    bool second_meanwhile = true;
    bool other_work_meanwhile = false;
    const bool first_ran = first.run_if_free([&] {
        ++looked;
        second_meanwhile = second.run_if_free([&] { ++looked; });
        other_work_meanwhile = other_work.run_if_free([] {});
    });
    CHECK(first_ran);
    CHECK_FALSE(second_meanwhile);  // not while the first one looks
    CHECK(other_work_meanwhile);    // other work is not held up
    CHECK(looked == 1);
    CHECK(second.run_if_free([&] { ++looked; }));  // the first one is done
    CHECK(looked == 2);
}

TEST_CASE("a turn held by a process that died is free again", "[postgres]") {
    PostgresSchema schema;
    SharedTurn turn(schema.conninfo(), "steps_due");
    // Another meldcoded's session holding the turn, as SharedTurn takes it.
    std::unique_ptr<PGconn, decltype(&PQfinish)> other(PQconnectdb(schema.conninfo().c_str()),
                                                       &PQfinish);
    REQUIRE(PQstatus(other.get()) == CONNECTION_OK);
    PQclear(
        PQexec(other.get(),
               "SELECT pg_advisory_lock(hashtext('meldcoded:steps_due:' || current_schema()))"));
    bool ran = false;
    CHECK_FALSE(turn.run_if_free([&] { ran = true; }));
    other.reset();  // its process ended: the server ends the session and its locks
    // The server lets go once it has seen the session end: a bounded wait.
    for (int i = 0; i < 3000 && !ran; ++i) {
        if (!turn.run_if_free([&] { ran = true; })) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    CHECK(ran);
}
