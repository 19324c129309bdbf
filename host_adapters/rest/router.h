// router.h — a table of routes: method, path template, handler.
//
// Adding an operation is one row in a table (see v1_routes.cpp). Templates
// name path parameters as {name}; a parameter matches one segment of safe
// characters ([A-Za-z0-9_-], as opaque refs are), anything else is no match,
// except {order_id}: a host's order id, any segment, percent-decoded.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "http_types.h"
#include "meldcode/meldcode.hpp"

namespace meldcoded {

class HostOrders;

struct RouteContext {
    const Request& request;
    const Identity& identity;     // whom the token stands for
    const nlohmann::json& actor;  // who the call runs as (after acting headers)
    const std::map<std::string, std::string>& params;
    const meldcode::sdk::Instance& mc;
    HostOrders& host_orders;  // host ticket mappings and what is kept per order
};

using Handler = Response (*)(const RouteContext&);

struct Route {
    const char* method;
    const char* path_template;
    bool takes_body;  // POST or PATCH with a JSON body, size-limited
    Handler handler;
    // Whether its handler reads query parameters (and refuses names it does
    // not take, query_from_url): any parameter to a route without is refused.
    bool takes_query = false;
};

struct Match {
    const Route* route = nullptr;         // null: no route for this method and path
    bool path_known = false;              // some route has this path (then 405, not 404)
    const char* path_template = nullptr;  // when path_known: the path's template, for metrics
    std::map<std::string, std::string> params;
};

Match match(const std::vector<Route>& routes, const std::string& method, const std::string& path);

// "GET, HEAD, OPTIONS" or "POST, OPTIONS": the Allow header for a path some
// route has (HEAD wherever GET is); "" for a path no route has.
std::string allowed_methods(const std::vector<Route>& routes, const std::string& path);

// %XX decoded; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view in);

}  // namespace meldcoded
