// figures_routes.h — management figures (ABI 1.3, mc_figures_get) as JSON or
// CSV. Who may read them (managers, officers) is the plugin's access policy.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "router.h"

namespace meldcoded {

Response figures(const RouteContext& c);  // GET /v1/figures?from=&to=[&format=csv]

// The figures as CSV, one line per count: table,row,period,value (period a
// quarter such as 2026-Q1 or a year such as 2026; value empty when hidden).
std::string figures_csv(const nlohmann::json& figures);

}  // namespace meldcoded
