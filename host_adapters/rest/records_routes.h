// records_routes.h — records management and security operations (ABI 1.1):
// legal hold, export, purge, key rotation, audit verification and the audit
// trail. Who may call each is the plugin's access policy, as for every route.
#pragma once

#include "router.h"

namespace meldcoded {

Response legal_hold(const RouteContext& c);           // POST /v1/concerns/{ref}/legal-hold
Response export_request(const RouteContext& c);       // POST /v1/concerns/{ref}/export-requests
Response export_request_view(const RouteContext& c);  // GET /v1/export-requests/{export_ref}
Response export_approval(const RouteContext& c);  // POST /v1/export-requests/{export_ref}/approval
Response export_decline(const RouteContext& c);   // POST /v1/export-requests/{export_ref}/decline
Response purge(const RouteContext& c);            // POST /v1/purge
Response keys_rotate(const RouteContext& c);      // POST /v1/keys/rotate
Response audit_verification(const RouteContext& c);  // GET  /v1/audit/verification
Response audit_list(const RouteContext& c);          // GET  /v1/audit

}  // namespace meldcoded
