// order_store.h — what meldcoded keeps per host order between a POST and the
// PATCHes that follow: TicketMapping::retained(), the values the mapping
// reads and nothing else (never the tenant's name, address or phone
// numbers), keyed by mapping and order id, in its own small SQLite file.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace meldcoded {

class OrderStore {
public:
    // Opens (creating, mode 0600) the file. Throws std::runtime_error.
    explicit OrderStore(const std::string& path);
    ~OrderStore();
    OrderStore(const OrderStore&) = delete;
    OrderStore& operator=(const OrderStore&) = delete;

    std::optional<nlohmann::json> find(const std::string& mapping,
                                       const std::string& order_id) const;
    void put(const std::string& mapping, const std::string& order_id,
             const nlohmann::json& retained);

private:
    sqlite3* db_ = nullptr;
};

}  // namespace meldcoded
