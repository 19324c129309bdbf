// What meldcoded keeps of host orders (OrderStore), in a real SQLite file or,
// in meldcoded_store_tests_postgres, beside a PostgreSQL store (the CTest
// fixture's cluster, a schema per test): removed a set time after an order's
// last update, and an order is its integration's own. A SQLite file from
// before those rules keeps its orders ([sqlite]); on a shared store, two
// processes' updates of one order take turns ([postgres]).
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "order_store.h"
#include "postgres_schema.h"
#include "temp_dir.h"

using meldcode::test::PostgresSchema;
using meldcode::test::TempDir;
using meldcoded::OrderHold;
using meldcoded::OrderKey;
using meldcoded::OrderStore;
using meldcoded::SqliteOrderStore;
using nlohmann::json;

namespace {

void exec(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

const json kKept = {{"status", {{"code", "UIT"}}}};

OrderKey order(const std::string& id, const std::string& integration = "erp") {
    return {integration, "vera4", id};
}

// A test's order store: SQLite in a directory of its own, or PostgreSQL in a
// schema of its own when MELDCODE_TEST_POSTGRES names the fixture's cluster.
class Orders {
public:
    explicit Orders(std::int64_t keep_seconds) {
        if (std::getenv("MELDCODE_TEST_POSTGRES") != nullptr) {
            schema_.emplace();
            store_ = meldcoded::open_postgres_order_store(schema_->conninfo(), keep_seconds);
        } else {
            store_ = std::make_unique<SqliteOrderStore>(dir_.file("host_orders.db"), keep_seconds);
        }
    }
    // find() and put() under the order's hold, as the routes call them.
    std::optional<json> find(const OrderKey& key) {
        const OrderHold hold = store_->hold(key);
        return store_->find(key);
    }
    void put(const OrderKey& key, const json& retained, std::int64_t now) {
        const OrderHold hold = store_->hold(key);
        store_->put(key, retained, now);
    }

private:
    TempDir dir_{"meldcoded-orders"};
    std::optional<PostgresSchema> schema_;
    std::unique_ptr<OrderStore> store_;
};

}  // namespace

TEST_CASE("a kept order is removed a set time after its last update") {
    constexpr std::int64_t kKeep = 100;
    Orders store(kKeep);
    store.put(order("OHO-A"), kKept, 0);
    store.put(order("OHO-B"), kKept, 3550);
    // The next sweep is an hour after the first: A's time is up, B's is not.
    store.put(order("OHO-C"), kKept, 3650);
    CHECK_FALSE(store.find(order("OHO-A")));
    CHECK(store.find(order("OHO-B")) == kKept);
    CHECK(store.find(order("OHO-C")) == kKept);
    // An update starts an order's time again.
    store.put(order("OHO-B"), kKept, 7250);
    store.put(order("OHO-D"), kKept, 7300);
    CHECK(store.find(order("OHO-B")) == kKept);
    CHECK_FALSE(store.find(order("OHO-C")));
}

TEST_CASE("a host order file from before retention keeps its orders, counted from now",
          "[sqlite]") {
    TempDir dir("meldcoded-orders");
    exec(dir.file("host_orders.db"),
         "CREATE TABLE host_orders (mapping TEXT NOT NULL, order_id TEXT NOT NULL, "
         "retained TEXT NOT NULL, PRIMARY KEY (mapping, order_id));"
         "INSERT INTO host_orders VALUES ('vera4', 'OHO-OLD', '{\"status\":{\"code\":\"UIT\"}}');");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    SqliteOrderStore store(dir.file("host_orders.db"), 100);
    store.put(order("OHO-NEW"), kKept, now);  // sweeps: the old order's time starts now
    CHECK(store.find(order("OHO-OLD")) == kKept);
    CHECK(store.find(order("OHO-NEW")) == kKept);
}

TEST_CASE("an order is the posting integration's own, even under the same id") {
    Orders store(100);
    store.put(order("OHO-1", "erp"), kKept, 0);
    CHECK_FALSE(store.find(order("OHO-1", "planner")));
    const json theirs = {{"status", {{"code", "TEC"}}}};
    store.put(order("OHO-1", "planner"), theirs, 1);
    CHECK(store.find(order("OHO-1", "erp")) == kKept);
    CHECK(store.find(order("OHO-1", "planner")) == theirs);
}

TEST_CASE("an order kept before orders had owners is claimed by the first update", "[sqlite]") {
    TempDir dir("meldcoded-orders");
    exec(
        dir.file("host_orders.db"),
        "CREATE TABLE host_orders (mapping TEXT NOT NULL, order_id TEXT NOT NULL, "
        "retained TEXT NOT NULL, updated_at INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (mapping, order_id));"
        "INSERT INTO host_orders VALUES ('vera4', 'OHO-OLD', '{\"status\":{\"code\":\"UIT\"}}', 5);"
        "PRAGMA user_version = 1;");
    SqliteOrderStore store(dir.file("host_orders.db"), 100);
    // Unowned, it is found by any integration, as before the upgrade ...
    CHECK(store.find(order("OHO-OLD", "erp")) == kKept);
    CHECK(store.find(order("OHO-OLD", "planner")) == kKept);
    // ... until one updates it: then it is that one's alone.
    const json closed = {{"status", {{"code", "TEC"}}}};
    store.put(order("OHO-OLD", "erp"), closed, 6);
    CHECK(store.find(order("OHO-OLD", "erp")) == closed);
    CHECK_FALSE(store.find(order("OHO-OLD", "planner")));
}

namespace {

// How many sessions wait for the lock of erp's order OHO-1 (order_store_postgres.cpp): an
// advisory lock on a bigint shows its low half as objid.
std::string waiting_for_oho_1(const PostgresSchema& schema) {
    return schema
        .sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
            "objid = (hashtext('meldcoded:host_order:erp' || chr(31) || 'vera4' || chr(31) || "
            "'OHO-1' || chr(31) || current_schema())::bigint & 4294967295)::oid")
        .value_or("failed");
}

}  // namespace

TEST_CASE("two processes' updates of one order on a shared store take turns", "[postgres]") {
    PostgresSchema schema;
    const auto first = meldcoded::open_postgres_order_store(schema.conninfo(), 100);
    const auto second = meldcoded::open_postgres_order_store(schema.conninfo(), 100);
    std::atomic<bool> second_holds{false};
    std::optional<json> second_found;
    std::thread other;
    {
        const OrderHold held = first->hold(order("OHO-1"));
        first->put(order("OHO-1"), kKept, 1);
        {
            const OrderHold another = second->hold(order("OHO-2"));  // not held up
        }
        other = std::thread([&] {
            const OrderHold hold = second->hold(order("OHO-1"));
            second_holds = true;
            second_found = second->find(order("OHO-1"));
        });
        // The second one waits on the server for the order's lock.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
        while (waiting_for_oho_1(schema) != "1" && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CHECK(waiting_for_oho_1(schema) == "1");
        CHECK_FALSE(second_holds);
    }
    other.join();
    CHECK(second_holds);
    CHECK(second_found == kKept);  // what the first one wrote
}
