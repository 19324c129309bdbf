// Host orders beside a PostgreSQL store several meldcoded share: the table
// meldcoded_host_orders in the store's schema (the plugin never reads it).
// An order's hold takes the process's mutex (one connection) and then a
// session-level advisory lock on the order, so that two processes never
// update one order at once; a process that dies lets go with its session.
// As with the plugin's tables, a replaced or removed order's old row version
// stays in the table files until VACUUM (docs/postgresql.md).
//
// Errors name the SQLSTATE only (postgres_db.h): never a value of an order.
#include <memory>

#include "order_store.h"
#include "store/postgres_db.h"

namespace meldcoded {

namespace {

using meldcode::postgres::Connection;
using meldcode::postgres::Query;

constexpr const char* kContext = "host order store: ";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meldcoded_host_orders (
    integration TEXT NOT NULL,
    mapping TEXT NOT NULL,
    order_id TEXT NOT NULL,
    retained TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (integration, mapping, order_id));
CREATE INDEX IF NOT EXISTS meldcoded_host_orders_by_update
    ON meldcoded_host_orders (updated_at);
)sql";

// One lock per order and schema (a collision of the hashes only makes two
// orders take turns).
constexpr const char* kOrderLock =
    "hashtext('meldcoded:host_order:' || ?1 || chr(31) || ?2 || chr(31) || ?3 || chr(31) || "
    "current_schema())";

constexpr std::int64_t kSweepSeconds = 3600;

class PostgresOrderStore final : public OrderStore {
public:
    PostgresOrderStore(const std::string& conninfo, std::int64_t keep_seconds)
        : connection_(conninfo), keep_seconds_(keep_seconds) {
        meldcode::postgres::create_tables(connection_, "meldcoded:host_orders:", kSchema, kContext);
    }

    OrderHold hold(const OrderKey& key) override {
        std::unique_lock<std::mutex> lock(mutex_);
        connection_.reconnect_if_lost();
        lock_query("SELECT pg_advisory_lock(", key).run();
        return OrderHold(std::move(lock), [this, key] { release(key); });
    }

    std::optional<nlohmann::json> find(const OrderKey& key) override {
        Query q(connection_,
                "SELECT retained FROM meldcoded_host_orders "
                "WHERE integration = ?1 AND mapping = ?2 AND order_id = ?3",
                kContext);
        q.bind(1, key.integration).bind(2, key.mapping).bind(3, key.order_id);
        if (!q.step()) return std::nullopt;
        return nlohmann::json::parse(q.text(0));
    }

    void put(const OrderKey& key, const nlohmann::json& retained, std::int64_t now) override {
        if (now >= next_sweep_) {
            Query(connection_, "DELETE FROM meldcoded_host_orders WHERE updated_at < ?1", kContext)
                .bind(1, now - keep_seconds_)
                .run();
            next_sweep_ = now + kSweepSeconds;
        }
        Query(connection_,
              "INSERT INTO meldcoded_host_orders (integration, mapping, order_id, retained, "
              "updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
              "ON CONFLICT (integration, mapping, order_id) "
              "DO UPDATE SET retained = excluded.retained, updated_at = excluded.updated_at",
              kContext)
            .bind(1, key.integration)
            .bind(2, key.mapping)
            .bind(3, key.order_id)
            .bind(4, retained.dump())
            .bind(5, now)
            .run();
    }

private:
    Query lock_query(const char* function, const OrderKey& key) {
        Query q(connection_, std::string(function) + kOrderLock + ")", kContext);
        q.bind(1, key.integration).bind(2, key.mapping).bind(3, key.order_id);
        return q;
    }

    // With the mutex held (by the OrderHold being destroyed).
    void release(const OrderKey& key) noexcept {
        try {
            lock_query("SELECT pg_advisory_unlock(", key).run();
        } catch (...) {  // NOLINT(bugprone-empty-catch): the connection failed, so its
                         // session ended, and the server let go of the lock with it.
        }
    }

    std::mutex mutex_;
    Connection connection_;
    const std::int64_t keep_seconds_;
    std::int64_t next_sweep_ = 0;  // guarded by the hold, as every call
};

}  // namespace

std::unique_ptr<OrderStore> open_postgres_order_store(const std::string& conninfo,
                                                      std::int64_t keep_seconds) {
    return std::make_unique<PostgresOrderStore>(conninfo, keep_seconds);
}

}  // namespace meldcoded
