// v1_routes.h — the /v1/ REST operations, one per C ABI operation.
#pragma once

#include <vector>

#include "router.h"

namespace meldcoded {

const std::vector<Route>& v1_routes();

}  // namespace meldcoded
