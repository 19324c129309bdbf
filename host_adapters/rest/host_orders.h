// host_orders.h — host ticket mappings in meldcoded (docs/host-ticket-mapping.md):
// the configured mappings by the name the URL uses, and what is kept per
// order for the PATCHes that follow (host_orders.db in state_dir, or beside
// a PostgreSQL store in its database, shared by every meldcoded on it). The routes are in
// host_order_routes.cpp.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config.h"
#include "meldcode/rest/ticket_mapping.h"
#include "order_store.h"

namespace meldcoded {

class HostOrders {
public:
    // Loads each configured mapping ("builtin:generic", "builtin:vera4" or a
    // file). Throws std::runtime_error naming the mapping and the place.
    explicit HostOrders(const Config& config);

    const meldcode::rest::TicketMapping* mapping(const std::string& name) const;
    OrderStore& store() { return *store_; }

private:
    std::map<std::string, meldcode::rest::TicketMapping> mappings_;
    std::unique_ptr<OrderStore> store_;
};

}  // namespace meldcoded
