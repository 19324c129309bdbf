// What meldcoded keeps of host orders (OrderStore), in a real SQLite file:
// removed a set time after an order's last update, a file from before that
// rule keeps its orders, counted from the upgrade, and an order is its
// integration's own.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "order_store.h"
#include "temp_dir.h"

using meldcode::test::TempDir;
using meldcoded::OrderKey;
using meldcoded::OrderStore;
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

}  // namespace

TEST_CASE("a kept order is removed a set time after its last update") {
    TempDir dir("meldcoded-orders");
    constexpr std::int64_t kKeep = 100;
    OrderStore store(dir.file("host_orders.db"), kKeep);
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

TEST_CASE("a host order file from before retention keeps its orders, counted from now") {
    TempDir dir("meldcoded-orders");
    exec(dir.file("host_orders.db"),
         "CREATE TABLE host_orders (mapping TEXT NOT NULL, order_id TEXT NOT NULL, "
         "retained TEXT NOT NULL, PRIMARY KEY (mapping, order_id));"
         "INSERT INTO host_orders VALUES ('vera4', 'OHO-OLD', '{\"status\":{\"code\":\"UIT\"}}');");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    OrderStore store(dir.file("host_orders.db"), 100);
    store.put(order("OHO-NEW"), kKept, now);  // sweeps: the old order's time starts now
    CHECK(store.find(order("OHO-OLD")) == kKept);
    CHECK(store.find(order("OHO-NEW")) == kKept);
}

TEST_CASE("an order is the posting integration's own, even under the same id") {
    TempDir dir("meldcoded-orders");
    OrderStore store(dir.file("host_orders.db"), 100);
    store.put(order("OHO-1", "erp"), kKept, 0);
    CHECK_FALSE(store.find(order("OHO-1", "planner")));
    const json theirs = {{"status", {{"code", "TEC"}}}};
    store.put(order("OHO-1", "planner"), theirs, 1);
    CHECK(store.find(order("OHO-1", "erp")) == kKept);
    CHECK(store.find(order("OHO-1", "planner")) == theirs);
}

TEST_CASE("an order kept before orders had owners is claimed by the first update") {
    TempDir dir("meldcoded-orders");
    exec(
        dir.file("host_orders.db"),
        "CREATE TABLE host_orders (mapping TEXT NOT NULL, order_id TEXT NOT NULL, "
        "retained TEXT NOT NULL, updated_at INTEGER NOT NULL DEFAULT 0, "
        "PRIMARY KEY (mapping, order_id));"
        "INSERT INTO host_orders VALUES ('vera4', 'OHO-OLD', '{\"status\":{\"code\":\"UIT\"}}', 5);"
        "PRAGMA user_version = 1;");
    OrderStore store(dir.file("host_orders.db"), 100);
    // Unowned, it is found by any integration, as before the upgrade ...
    CHECK(store.find(order("OHO-OLD", "erp")) == kKept);
    CHECK(store.find(order("OHO-OLD", "planner")) == kKept);
    // ... until one updates it: then it is that one's alone.
    const json closed = {{"status", {{"code", "TEC"}}}};
    store.put(order("OHO-OLD", "erp"), closed, 6);
    CHECK(store.find(order("OHO-OLD", "erp")) == closed);
    CHECK_FALSE(store.find(order("OHO-OLD", "planner")));
}
