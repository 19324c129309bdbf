#include "records_routes.h"

#include <algorithm>

#include "problem.h"
#include "route_calls.h"

namespace meldcoded {

using nlohmann::json;

Response legal_hold(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "concern_ref", c.params.at("ref"), "path")) return *error;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    return ok(call(c, api(c).legal_hold_set, body));
}

// A data-subject export is two requests by two officers: the request
// (who asks, what is withheld) answers 201 and releases nothing; the
// approval by another officer answers the dossier.
Response export_request(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "concern_ref", c.params.at("ref"), "path")) return *error;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    return ok(call(c, api(c).concern_export, body), 201);
}

// What the second officer checks before approving: the request as recorded.
Response export_request_view(const RouteContext& c) {
    return ok(
        call(c, api(c).concern_export, json{{"export_ref", c.params.at("export_ref")}}.dump()));
}

Response export_approval(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "export_ref", c.params.at("export_ref"), "path")) return *error;
    return ok(call(c, api(c).concern_export, body));
}

// Ends the request unreleased: another officer declines it, or the one
// who asked withdraws it; the body gives the reason.
Response export_decline(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "export_ref", c.params.at("export_ref"), "path")) return *error;
    if (auto error = merge(body, "decline", true, "path")) return *error;
    return ok(call(c, api(c).concern_export, body));
}

Response purge(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    return ok(call(c, api(c).purge, body));
}

Response keys_rotate(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    return ok(call(c, api(c).keys_rotate, body));
}

Response audit_verification(const RouteContext& c) {
    return ok(call_actor_only(c, api(c).audit_verify, "mc_audit_verify failed"));
}

// Every audit_query field is an id, a word or a number, never personal data,
// so all of them fit in a URL.
Response audit_list(const RouteContext& c) {
    json query;
    if (auto error =
            query_from_url(c.request, {"limit", "cursor", "action", "outcome"},
                           "GET /v1/audit takes limit, cursor, action and outcome", query)) {
        return *error;
    }
    return answer_query(c, api(c).audit_list, query);
}

}  // namespace meldcoded
