// host_orders.h — host ticket mappings in meldcoded (docs/host-ticket-mapping.md):
// the configured mappings by the name the URL uses, and what is kept per
// order for the PATCHes that follow. The routes are in host_order_routes.cpp.
#pragma once

#include <map>
#include <mutex>
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
    OrderStore& store() { return store_; }
    // Held across read, ticket-closed call and write of one order, so that
    // two updates of an order cannot both close it.
    std::mutex& lock() { return lock_; }

private:
    std::map<std::string, meldcode::rest::TicketMapping> mappings_;
    OrderStore store_;
    std::mutex lock_;
};

}  // namespace meldcoded
