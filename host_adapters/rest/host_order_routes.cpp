// The answer is the prompt (200) when the order closes with this update,
// else 202 with the order's status; ticket-closed runs as the caller (an
// integration acting for a user follows the same rules as on
// /v1/tickets/closed). Nothing from the order reaches an answer or a log.
#include "host_order_routes.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "host_orders.h"
#include "log.h"
#include "problem.h"
#include "route_calls.h"

namespace meldcoded {

namespace {

using meldcode::rest::MappingResult;
using meldcode::rest::TicketMapping;
using nlohmann::json;

const char* status_name(MappingResult::Outcome outcome) {
    switch (outcome) {
        case MappingResult::Outcome::not_applicable:
            return "not_applicable";
        case MappingResult::Outcome::not_closed:
            return "not_closed";
        default:
            return "already_closed";  // closed before this update: no second prompt
    }
}

// Orders are the posting integration's own: another's PATCH of the same id is
// 404, exactly as an unknown order.
OrderKey order_key(const RouteContext& c, const std::string& order_id) {
    return {c.identity.actor.at("id").get<std::string>(), c.params.at("mapping"), order_id};
}

// The host sent an order, not a ticket: a refusal of a ticket field read from
// the order points at the order's own member (after the merge, for a PATCH)
// and names the field; one the mapping supplied itself points nowhere.
meldcode::sdk::Error in_order_terms(const meldcode::sdk::Error& refusal,
                                    const TicketMapping& mapping, const json& order,
                                    const MappingResult& mapped) {
    const std::string& pointer = refusal.pointer();
    const std::string field = pointer.empty() ? "" : pointer.substr(1, pointer.find('/', 1) - 1);
    if (field.empty() || !mapped.ticket.contains(field)) return refusal;
    const auto source = mapping.source_pointer(order, field);
    return {refusal.status(), refusal.code(),
            "ticket mapping '" + mapping.name() + "', ticket field " + field + " (" +
                (source ? "from the order's " + *source : "the mapping's own value") +
                "): " + refusal.what(),
            source.value_or("")};
}

// Maps `after`, asks for the prompt when the order closes now, then keeps
// what the mapping reads. An update answered with an error changes nothing
// kept (an incomplete order, a ticket-closed the plugin refused): the host's
// corrected update is then seen as the transition it is, and what the
// refused one would have replaced (a merge patch replaces arrays whole) is
// still there.
//
// A completion answered ticket_too_old (most often a wrong date) is kept
// with a mark: the order's next update is taken as closing it anew, so that
// a PATCH of the corrected date alone still asks.
Response apply(const RouteContext& c, const TicketMapping& mapping, const std::string& order_id,
               const json& before, json after) {
    static const std::string kTooOld = "meldcoded:ticket_too_old";
    after.erase(kTooOld);
    const auto change =
        mapping.change(before.contains(kTooOld) ? json() : before, after, utc_now_rfc3339());
    if (change.result.outcome == MappingResult::Outcome::incomplete) {
        return problem(422, "order_incomplete", change.result.message);
    }
    Response answer = ok(json{{"status", status_name(change.result.outcome)}}.dump(), 202);
    if (change.closes_now) {
        try {
            answer = ok(call(c, api(c).ticket_closed, change.result.ticket.dump()));
        } catch (const meldcode::sdk::Error& refusal) {
            throw in_order_terms(refusal, mapping, after, change.result);
        }
    }
    json retained = change.retained;
    if (change.closes_now && json::parse(answer.body).value("reason", "") == "ticket_too_old") {
        retained[kTooOld] = true;
    }
    c.host_orders.store().put(order_key(c, order_id), retained,
                              std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    return answer;
}

// The body as a JSON object, or the problem to answer. A PATCH's merge_patch
// recurses once per level: the depth is limited before anything reads it.
std::optional<Response> parse_object(const std::string& body, json& out) {
    if (!valid_utf8(body)) return problem(400, "invalid_utf8", "the body is not valid UTF-8");
    if (auto refused = parse_within_depth(body, out)) return refused;
    if (out.is_discarded()) return problem(400, "invalid_json", "the body is not JSON");
    if (!out.is_object()) return problem(422, "not_an_object", "the body must be a JSON object");
    return std::nullopt;
}

// The mapping the URL names, or the problem to answer. Only a host system
// (an integration's token, acting for a user or not) posts orders: what is
// kept of an order decides when ticket-closed is called, and a person's
// token must not be able to mark a host's order as closed before the host does.
std::optional<Response> find_mapping(const RouteContext& c, const TicketMapping*& mapping) {
    if (c.identity.actor.value("role", "") != "integration") {
        return problem(403, "forbidden", "host orders are accepted from integration tokens only");
    }
    mapping = c.host_orders.mapping(c.params.at("mapping"));
    if (mapping != nullptr) return std::nullopt;
    return problem(404, "unknown_mapping", "no ticket mapping of this name is configured");
}

// The pointer into `order` of its id, as the mapping reads it ("" if none).
std::string id_pointer(const TicketMapping& mapping, const json& order) {
    return mapping.source_pointer(order, "host_ticket_id").value_or("");
}

// An order's id is its path for every later PATCH and the ticket's id: one
// that no path can name (a '/', a control character, too long) was stored
// and then could never be updated or closed.
std::optional<Response> refuse_order_id(const TicketMapping& mapping, const json& order,
                                        const std::string& id) {
    const bool usable =
        id.size() <= 200 && valid_utf8(id) && std::none_of(id.begin(), id.end(), [](char ch) {
            const auto byte = static_cast<unsigned char>(ch);
            return byte < 0x20 || byte == 0x7f || ch == '/';
        });
    if (usable) return std::nullopt;
    return problem(422, "invalid_order_id",
                   "an order's id is up to 200 characters without '/' or control characters: it "
                   "names the order in the path of every later PATCH",
                   id_pointer(mapping, order));
}

}  // namespace

Response host_order_post(const RouteContext& c) {
    const TicketMapping* mapping = nullptr;
    if (auto error = find_mapping(c, mapping)) return *error;
    json order;
    if (auto error = parse_object(c.request.body, order)) return *error;
    const std::string order_id = mapping->order_id(order);
    if (order_id.empty()) {
        return problem(422, "order_incomplete",
                       "ticket mapping '" + mapping->name() + "': the order has no id");
    }
    if (auto error = refuse_order_id(*mapping, order, order_id)) return *error;
    const OrderHold hold = c.host_orders.store().hold(order_key(c, order_id));
    const auto before = c.host_orders.store().find(order_key(c, order_id));
    return apply(c, *mapping, order_id, before.value_or(json()), order);
}

Response host_order_patch(const RouteContext& c) {
    const TicketMapping* mapping = nullptr;
    if (auto error = find_mapping(c, mapping)) return *error;
    json patch;
    if (auto error = parse_object(c.request.body, patch)) return *error;
    const std::string& order_id = c.params.at("order_id");
    if (!valid_utf8(order_id)) return problem(400, "invalid_utf8", "the path is not valid UTF-8");
    const OrderHold hold = c.host_orders.store().hold(order_key(c, order_id));
    const auto before = c.host_orders.store().find(order_key(c, order_id));
    if (!before) {
        return problem(404, "unknown_order", "no such order: POST the whole order first");
    }
    json after = *before;
    after.merge_patch(patch);
    // Kept under the path's id, an order whose own id changed would close a
    // ticket of another id (and leave that one "already prompted").
    if (mapping->order_id(after) != order_id) {
        return problem(422, "order_id_mismatch",
                       "a PATCH may not change or remove the order's id: it is the path's",
                       id_pointer(*mapping, *before));
    }
    return apply(c, *mapping, order_id, *before, after);
}

}  // namespace meldcoded
