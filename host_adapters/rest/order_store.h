// order_store.h — what meldcoded keeps per host order between a POST and the
// PATCHes that follow: TicketMapping::retained(), the values the mapping
// reads and nothing else (never the tenant's name, address or phone
// numbers), keyed by the integration that posted it, the mapping and the
// order id, in its own small SQLite file or beside a shared PostgreSQL store:
// one host cannot read or update another's order, even under the same id.
// Kept for a set time after an order's last update, then removed: the ids
// of technicians and units must not pile up for ever.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace meldcoded {

// Which order: the integration (the token's actor id) owns it.
struct OrderKey {
    std::string integration;
    std::string mapping;
    std::string order_id;
};

// While it lives, no other update of the order runs: read, ticket-closed
// call and write of one update are one step, so two updates of an order
// cannot both close it.
class OrderHold {
public:
    explicit OrderHold(std::unique_lock<std::mutex> lock, std::function<void()> release = {})
        : lock_(std::move(lock)), release_(std::move(release)) {}
    ~OrderHold() {
        if (release_) release_();  // before the mutex is unlocked
    }
    OrderHold(const OrderHold&) = delete;
    OrderHold& operator=(const OrderHold&) = delete;

private:
    std::unique_lock<std::mutex> lock_;
    std::function<void()> release_;
};

class OrderStore {
public:
    virtual ~OrderStore() = default;

    // Holds the order (OrderHold); find() and put() are called only while
    // one is held.
    virtual OrderHold hold(const OrderKey& key) = 0;
    // The integration's own order; else one kept before orders had an owner
    // (a file from before that rule), which the first update then claims.
    virtual std::optional<nlohmann::json> find(const OrderKey& key) = 0;
    // Keeps `retained` as updated at `now` (seconds since the epoch); at most
    // once an hour, first removes the orders whose time is up.
    virtual void put(const OrderKey& key, const nlohmann::json& retained, std::int64_t now) = 0;
};

// Its own small SQLite file, for one process.
class SqliteOrderStore final : public OrderStore {
public:
    // Opens (creating, mode 0600) the file; orders not updated for
    // `keep_seconds` are removed. Throws std::runtime_error.
    SqliteOrderStore(const std::string& path, std::int64_t keep_seconds);
    ~SqliteOrderStore() override;
    SqliteOrderStore(const SqliteOrderStore&) = delete;
    SqliteOrderStore& operator=(const SqliteOrderStore&) = delete;

    OrderHold hold(const OrderKey& key) override;
    std::optional<nlohmann::json> find(const OrderKey& key) override;
    void put(const OrderKey& key, const nlohmann::json& retained, std::int64_t now) override;

private:
    void migrate(int version, const char* sql);
    void remove_expired(std::int64_t now);

    std::mutex mutex_;
    sqlite3* db_ = nullptr;
    std::int64_t keep_seconds_;
    std::int64_t next_sweep_ = 0;  // guarded by the hold, as every call
};

// The table meldcoded_host_orders in the PostgreSQL database of a store
// several meldcoded share (its current schema), created when absent. An
// order's hold is also an advisory lock on it, so the processes take turns
// per order. Throws std::runtime_error.
std::unique_ptr<OrderStore> open_postgres_order_store(const std::string& conninfo,
                                                      std::int64_t keep_seconds);

}  // namespace meldcoded
