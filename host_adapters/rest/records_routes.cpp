#include "records_routes.h"

#include <algorithm>

#include "problem.h"
#include "route_calls.h"

namespace meldcoded {

using nlohmann::json;

Response legal_hold(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "concern_ref", c.params.at("ref"), "path")) return *error;
    return ok(call(c, api(c).legal_hold_set, body));
}

// A read, so a GET: ?redact= lists extra redactions, comma-separated
// (export_request's `redact`: kinds of data, never data, so fit for a URL).
Response concern_export(const RouteContext& c) {
    json request{{"concern_ref", c.params.at("ref")}};
    for (const auto& [name, value] : c.request.query) {
        if (name != "redact") {
            return problem(400, "unknown_query_parameter",
                           "GET /v1/concerns/{ref}/export takes only redact", "/" + name);
        }
        json kinds = json::array();
        for (std::size_t start = 0; start <= value.size();) {
            const std::size_t end = std::min(value.find(',', start), value.size());
            kinds.push_back(value.substr(start, end - start));
            start = end + 1;
        }
        request["redact"] = kinds;  // the plugin checks each against the schema
    }
    return answer_query(c, api(c).concern_export, request);
}

Response purge(const RouteContext& c) {
    return ok(call(c, api(c).purge, c.request.body));
}

Response keys_rotate(const RouteContext& c) {
    return ok(call(c, api(c).keys_rotate, c.request.body));
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
