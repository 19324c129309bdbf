#include "host_orders.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "builtin_mappings.h"  // generated: kGenericMapping, kVera4Mapping

namespace meldcoded {

namespace {

using meldcode::rest::TicketMapping;
using nlohmann::json;

json definition(const std::string& source) {
    if (source == "builtin:generic") return json::parse(kGenericMapping);
    if (source == "builtin:vera4") return json::parse(kVera4Mapping);
    if (source.rfind("builtin:", 0) == 0) throw std::runtime_error("no such built-in mapping");
    std::ifstream in(source);
    if (!in) throw std::runtime_error("cannot read " + source);
    std::stringstream text;
    text << in.rdbuf();
    return read_json(text.str(), source);
}

// Beside a PostgreSQL store, in its database for every meldcoded on it.
std::unique_ptr<OrderStore> open_order_store(const Config& config) {
    const std::int64_t keep_seconds = std::int64_t{config.host_order_keep_days} * 24 * 3600;
    const std::string shared = shared_store_conninfo(config);
    if (!shared.empty()) return open_postgres_order_store(shared, keep_seconds);
    return std::make_unique<SqliteOrderStore>(sidecar_file(config, "host_orders.db"), keep_seconds);
}

}  // namespace

HostOrders::HostOrders(const Config& config) : store_(open_order_store(config)) {
    for (const auto& [name, source] : config.ticket_mappings) {
        try {
            mappings_.emplace(name, TicketMapping::load(definition(source)));
        } catch (const std::exception& e) {
            throw std::runtime_error("configuration invalid at /ticket_mappings/" + name + ": " +
                                     e.what());
        }
    }
}

const TicketMapping* HostOrders::mapping(const std::string& name) const {
    const auto it = mappings_.find(name);
    return it == mappings_.end() ? nullptr : &it->second;
}

}  // namespace meldcoded
