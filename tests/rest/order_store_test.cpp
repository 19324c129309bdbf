// What meldcoded keeps of host orders (OrderStore), in a real SQLite file:
// removed a set time after an order's last update, and a file from before
// that rule keeps its orders, counted from the upgrade.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "order_store.h"
#include "temp_dir.h"

using meldcode::test::TempDir;
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

}  // namespace

TEST_CASE("a kept order is removed a set time after its last update") {
    TempDir dir("meldcoded-orders");
    constexpr std::int64_t kKeep = 100;
    OrderStore store(dir.file("host_orders.db"), kKeep);
    store.put("vera4", "OHO-A", kKept, 0);
    store.put("vera4", "OHO-B", kKept, 3550);
    // The next sweep is an hour after the first: A's time is up, B's is not.
    store.put("vera4", "OHO-C", kKept, 3650);
    CHECK_FALSE(store.find("vera4", "OHO-A"));
    CHECK(store.find("vera4", "OHO-B") == kKept);
    CHECK(store.find("vera4", "OHO-C") == kKept);
    // An update starts an order's time again.
    store.put("vera4", "OHO-B", kKept, 7250);
    store.put("vera4", "OHO-D", kKept, 7300);
    CHECK(store.find("vera4", "OHO-B") == kKept);
    CHECK_FALSE(store.find("vera4", "OHO-C"));
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
    store.put("vera4", "OHO-NEW", kKept, now);  // sweeps: the old order's time starts now
    CHECK(store.find("vera4", "OHO-OLD") == kKept);
    CHECK(store.find("vera4", "OHO-NEW") == kKept);
}
