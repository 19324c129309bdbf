// Each handler translates HTTP to one C ABI call and back. Bodies go to the
// plugin as they came, so it validates them with the same schemas as any
// host; the plugin's answer is passed on as its text.
#include "v1_routes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "auth.h"
#include "figures_routes.h"
#include "host_order_routes.h"
#include "problem.h"
#include "records_routes.h"
#include "route_calls.h"

namespace meldcoded {

namespace {

using nlohmann::json;

Response ticket_closed(const RouteContext& c) {
    return ok(call(c, api(c).ticket_closed, c.request.body));
}

// If-Match: "<version>" becomes the action's expected_version; `*` (or no
// header) takes the concern as it is.
std::optional<Response> merge_if_match(const RouteContext& c, std::string& body) {
    const std::string* tag = c.request.header("if-match");
    if (tag == nullptr || *tag == "*") return std::nullopt;
    const std::string digits = tag->size() >= 3 && tag->front() == '"' && tag->back() == '"'
                                   ? tag->substr(1, tag->size() - 2)
                                   : std::string();
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return problem(400, "invalid_if_match",
                       "If-Match takes one ETag of the concern, as GET answered it, or *");
    }
    return merge(body, "expected_version", std::stoll(digits), "If-Match header");
}

// A concern's version is its entity tag.
Response with_etag(Response r) {
    if (r.status == 200) {
        const auto version = json::parse(r.body).at("version").get<std::int64_t>();
        r.headers.emplace_back("ETag", "\"" + std::to_string(version) + "\"");
    }
    return r;
}

// The technician's capture page sends its prompt token as the credential;
// the submission is about that token's ticket.
Response submit(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    if (const auto token = prompt_token(c.request)) {
        if (auto error = merge(body, "prompt_token", *token, "Authorization header")) {
            return *error;
        }
    }
    Response r = ok(call(c, api(c).signals_submit, body), 201);
    const std::string ref = json::parse(r.body).at("submission_ref");
    r.headers.emplace_back("Location", "/v1/submissions/" + ref);
    return r;
}

// The prompt, the catalog and the workflow take ?locale= and nothing else.
std::optional<Response> locale_only(const Request& request) {
    return refuse_other_parameters(request, {"locale"}, "the only query parameter here is locale");
}

// The form of the capture page's prompt token, in the prompt's locale or
// ?locale=; without the actor the plugin names (the page needs no id).
Response prompt_form(const RouteContext& c) {
    if (auto refused = locale_only(c.request)) return *refused;
    const auto token = prompt_token(c.request);
    if (!token) {
        return problem(400, "prompt_token_required", "send Authorization: Prompt <prompt token>");
    }
    json request{{"prompt_token", *token}};
    if (const auto it = c.request.query.find("locale"); it != c.request.query.end()) {
        if (it->second != "nl" && it->second != "en") {
            return problem(400, "unsupported_locale", "supported locales are nl and en", "/locale");
        }
        request["locale"] = it->second;
    }
    json opened = c.mc.open_prompt(request);
    opened.erase("actor");
    return ok(opened.dump());
}

Response submission_status(const RouteContext& c) {
    const json request{{"submission_ref", c.params.at("ref")}};
    return ok(call(c, api(c).submission_status, request.dump()));
}

// A concern by `key` (concern_ref or submission_ref) from the path; the
// query may ask for a later page of its chronology.
Response concern_by(const RouteContext& c, const char* key) {
    json request;
    if (auto error =
            query_from_url(c.request, {"chronology_limit", "chronology_cursor"},
                           "a concern takes chronology_limit and chronology_cursor", request)) {
        return *error;
    }
    request[key] = c.params.at("ref");
    return with_etag(answer_query(c, api(c).concern_get, request));
}

Response submission_concern(const RouteContext& c) {
    return concern_by(c, "submission_ref");
}

Response host_event(const RouteContext& c) {
    return ok(call(c, api(c).host_event_report, c.request.body), 202);
}

// GET /v1/concerns takes only filters that are not personal data (state,
// priority, sort, limit, cursor); filters by unit or assignee go in a POST
// body (search) so they never sit in a URL or an access log.
Response concerns_list(const RouteContext& c) {
    json query;
    if (auto error = query_from_url(c.request, {"state", "priority", "sort", "limit", "cursor"},
                                    "GET /v1/concerns takes state, priority, sort, limit and "
                                    "cursor; use POST /v1/concerns/search for other filters",
                                    query)) {
        return *error;
    }
    return answer_query(c, api(c).concerns_list, query);
}

Response concerns_search(const RouteContext& c) {
    return ok(call(c, api(c).concerns_list, c.request.body));
}

Response concern_get(const RouteContext& c) {
    return concern_by(c, "concern_ref");
}

Response concern_act(const RouteContext& c) {
    std::string body = c.request.body;
    if (auto error = merge(body, "concern_ref", c.params.at("ref"), "path")) return *error;
    if (auto error = merge_idempotency_key(c.request, body)) return *error;
    if (auto error = merge_if_match(c, body)) return *error;
    try {
        return with_etag(ok(call(c, api(c).concern_act, body)));
    } catch (const meldcode::sdk::Error& e) {
        if (e.code() != "concern_changed") throw;
        return problem(412, e.code(), e.what(), e.pointer());
    }
}

// The draft of a melding to Veilig Thuis (ABI 1.3); ?include_observer=true
// names the observer. Anything but true or false goes on as text, for the
// plugin to refuse naming /include_observer.
Response melding_draft(const RouteContext& c) {
    json request;
    if (auto error = query_from_url(c.request, {"include_observer"},
                                    "a melding draft takes include_observer", request)) {
        return *error;
    }
    if (const auto it = request.find("include_observer");
        it != request.end() && (*it == "true" || *it == "false")) {
        *it = *it == "true";
    }
    request["concern_ref"] = c.params.at("ref");
    return answer_query(c, api(c).concern_melding_draft, request);
}

Response steps_due(const RouteContext& c) {
    return ok(call_actor_only(c, api(c).steps_due, "mc_steps_due failed"));
}

// One Accept-Language item ("en-GB;q=0.8"): its primary language in lower
// case and its weight (1 without q; 0 for a q that cannot be read).
std::pair<std::string, double> language_range(std::string item) {
    double weight = 1;
    if (const std::size_t semicolon = item.find(';'); semicolon != std::string::npos) {
        const std::string parameter = item.substr(semicolon + 1);
        const std::size_t q = parameter.find("q=");
        weight = q == std::string::npos ? 1 : std::strtod(parameter.c_str() + q + 2, nullptr);
        item.erase(semicolon);
    }
    std::string tag = item.substr(0, item.find('-'));
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    for (char& ch : tag) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return {tag, weight};
}

// ?locale= wins over Accept-Language (the supported language it weighs most,
// the first of equals); with neither, the plugin's default.
std::string requested_locale(const Request& request) {
    if (const auto it = request.query.find("locale"); it != request.query.end()) return it->second;
    const std::string* accept = request.header("accept-language");
    if (accept == nullptr) return "";
    std::string chosen;
    double best = 0;
    std::size_t start = 0;
    while (start < accept->size()) {
        const std::size_t end = std::min(accept->find(',', start), accept->size());
        const auto [tag, weight] = language_range(accept->substr(start, end - start));
        if ((tag == "nl" || tag == "en") && weight > best) {
            chosen = tag;
            best = weight;
        }
        start = end + 1;
    }
    return chosen;
}

// The calls that answer a document in the requested locale (catalog, workflow).
Response localized(const RouteContext& c, mc_status (*fn)(mc_instance*, const char*, char**),
                   const char* failure) {
    if (auto refused = locale_only(c.request)) return *refused;
    const std::string locale = requested_locale(c.request);
    if (!locale.empty() && locale != "nl" && locale != "en") {
        return problem(400, "unsupported_locale", "supported locales are nl and en", "/locale");
    }
    char* out = nullptr;
    if (fn(c.mc.handle(), locale.empty() ? nullptr : locale.c_str(), &out) != MC_OK) {
        c.mc.plugin().last_error(failure);
    }
    Response r = ok(c.mc.plugin().take(out));
    r.headers.emplace_back("Vary", "Accept-Language");
    return r;
}

Response catalog(const RouteContext& c) {
    return localized(c, api(c).catalog_get, "mc_catalog_get failed");
}

Response workflow(const RouteContext& c) {
    return localized(c, api(c).workflow_get, "mc_workflow_get failed");
}

Response info(const RouteContext& c) {
    return ok(c.mc.plugin().info().dump());
}

Response extensions(const RouteContext& c) {
    return ok(c.mc.extensions().dump());
}

}  // namespace

const std::vector<Route>& v1_routes() {
    static const std::vector<Route> routes{
        {"POST", "/v1/tickets/closed", true, ticket_closed},
        {"POST", "/v1/submissions", true, submit},
        {"GET", "/v1/prompt", false, prompt_form, true},
        {"GET", "/v1/submissions/{ref}", false, submission_status},
        {"GET", "/v1/submissions/{ref}/concern", false, submission_concern, true},
        {"POST", "/v1/host-events", true, host_event},
        {"GET", "/v1/concerns", false, concerns_list, true},
        {"POST", "/v1/concerns/search", true, concerns_search},
        {"GET", "/v1/concerns/{ref}", false, concern_get, true},
        {"POST", "/v1/concerns/{ref}/actions", true, concern_act},
        {"GET", "/v1/concerns/{ref}/melding-draft", false, melding_draft, true},
        {"GET", "/v1/steps/due", false, steps_due},
        {"GET", "/v1/catalog", false, catalog, true},
        {"GET", "/v1/workflow", false, workflow, true},
        {"GET", "/v1/info", false, info},
        {"GET", "/v1/extensions", false, extensions},
        {"POST", "/v1/host-orders/{mapping}", true, host_order_post},
        {"PATCH", "/v1/host-orders/{mapping}/{order_id}", true, host_order_patch},
        {"POST", "/v1/concerns/{ref}/legal-hold", true, legal_hold},
        {"POST", "/v1/concerns/{ref}/export-requests", true, export_request},
        {"GET", "/v1/export-requests/{export_ref}", false, export_request_view},
        {"POST", "/v1/export-requests/{export_ref}/approval", true, export_approval},
        {"POST", "/v1/export-requests/{export_ref}/decline", true, export_decline},
        {"POST", "/v1/purge", true, purge},
        {"POST", "/v1/keys/rotate", true, keys_rotate},
        {"GET", "/v1/audit/verification", false, audit_verification},
        {"GET", "/v1/audit", false, audit_list, true},
        {"GET", "/v1/figures", false, figures, true},
    };
    return routes;
}

}  // namespace meldcoded
