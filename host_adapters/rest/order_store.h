// order_store.h — what meldcoded keeps per host order between a POST and the
// PATCHes that follow: TicketMapping::retained(), the values the mapping
// reads and nothing else (never the tenant's name, address or phone
// numbers), keyed by the integration that posted it, the mapping and the
// order id, in its own small SQLite file: one host cannot read or update
// another's order, even under the same id.
// Kept for a set time after an order's last update, then removed: the ids
// of technicians and units must not pile up for ever.
#pragma once

#include <cstdint>
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

class OrderStore {
public:
    // Opens (creating, mode 0600) the file; orders not updated for
    // `keep_seconds` are removed. Throws std::runtime_error.
    OrderStore(const std::string& path, std::int64_t keep_seconds);
    ~OrderStore();
    OrderStore(const OrderStore&) = delete;
    OrderStore& operator=(const OrderStore&) = delete;

    // The integration's own order; else one kept before orders had an owner
    // (a file from before that rule), which the first update then claims.
    std::optional<nlohmann::json> find(const OrderKey& key) const;
    // Keeps `retained` as updated at `now` (seconds since the epoch); at most
    // once an hour, first removes the orders whose time is up.
    void put(const OrderKey& key, const nlohmann::json& retained, std::int64_t now);

private:
    void migrate(int version, const char* sql);
    void remove_expired(std::int64_t now);

    sqlite3* db_ = nullptr;
    std::int64_t keep_seconds_;
    std::int64_t next_sweep_ = 0;  // guarded by the caller's lock, as every call
};

}  // namespace meldcoded
