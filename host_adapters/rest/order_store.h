// order_store.h — what meldcoded keeps per host order between a POST and the
// PATCHes that follow: TicketMapping::retained(), the values the mapping
// reads and nothing else (never the tenant's name, address or phone
// numbers), keyed by mapping and order id, in its own small SQLite file.
// Kept for a set time after an order's last update, then removed: the ids
// of technicians and units must not pile up for ever.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace meldcoded {

class OrderStore {
public:
    // Opens (creating, mode 0600) the file; orders not updated for
    // `keep_seconds` are removed. Throws std::runtime_error.
    OrderStore(const std::string& path, std::int64_t keep_seconds);
    ~OrderStore();
    OrderStore(const OrderStore&) = delete;
    OrderStore& operator=(const OrderStore&) = delete;

    std::optional<nlohmann::json> find(const std::string& mapping,
                                       const std::string& order_id) const;
    // Keeps `retained` as updated at `now` (seconds since the epoch); at most
    // once an hour, first removes the orders whose time is up.
    void put(const std::string& mapping, const std::string& order_id,
             const nlohmann::json& retained, std::int64_t now);

private:
    void remove_expired(std::int64_t now);

    sqlite3* db_ = nullptr;
    std::int64_t keep_seconds_;
    std::int64_t next_sweep_ = 0;  // guarded by the caller's lock, as every call
};

}  // namespace meldcoded
