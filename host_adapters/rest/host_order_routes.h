// host_order_routes.h — hosts post their own orders (a VERA 4 Onderhoudsorder,
// or any shape a configured mapping reads); the order's transition to done is
// "ticket closed" (docs/host-ticket-mapping.md, docs/http-sidecar.md).
#pragma once

#include "router.h"

namespace meldcoded {

// POST /v1/host-orders/{mapping}: the whole order.
Response host_order_post(const RouteContext& c);
// PATCH /v1/host-orders/{mapping}/{order_id}: an RFC 7386 merge patch onto
// what was kept of the order.
Response host_order_patch(const RouteContext& c);

}  // namespace meldcoded
