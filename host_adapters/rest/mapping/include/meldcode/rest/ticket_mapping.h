// Host ticket mappings: turn a host's own order/ticket JSON (a VERA 4
// Onderhoudsorder, or any other shape) into the plugin's ticket payload
// (schemas/ticket.schema.json) for mc_ticket_closed, and say when the order
// counts as closed. A mapping is data (schemas/ticket_mapping.schema.json,
// docs/host-ticket-mapping.md): a new field name needs no code change.
//
//   auto mapping = TicketMapping::load(json::parse(file));  // throws MappingError
//   MappingResult r = mapping.map(order, "2026-11-25T10:00:00Z");
//   if (r.outcome == MappingResult::Outcome::closed) mc_ticket_closed(..., r.ticket.dump(), ...);
//
// PATCH (a work-order system sends only what changed): keep `retained(order)`
// per order id — the values the mapping reads and nothing else, so never the
// tenant's name, address or phone numbers — and on a PATCH merge the body
// onto it (RFC 7386, nlohmann's json::merge_patch), then call change():
//
//   json after = stored.value_or(json::object());   // what retained() gave last time
//   after.merge_patch(patch_body);                   // a POST/PUT: after = body
//   OrderChange c = mapping.change(stored_or_null, after, now);
//   if (c.result.outcome == MappingResult::Outcome::incomplete) refuse;  // nothing kept
//   if (c.closes_now) mc_ticket_closed(..., c.result.ticket.dump(), ...);  // refused: nothing kept
//   store(order_id, c.retained);
//
// Arrays are replaced whole by a merge patch, so a PATCH that touches an array
// (e.g. `onderhoudstaken`) must send its elements complete.
//
// Pure: no I/O, no clock (the caller passes `now`), no logging; the mapper
// outputs only mapped fields. Thread-safe for concurrent const calls.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcode::rest {

// A mapping definition that cannot be used. what() names the mapping and the
// place in the definition; pointer() is the JSON pointer into the definition
// (e.g. "/fields/unit_id/from/0").
class MappingError : public std::runtime_error {
public:
    MappingError(const std::string& message, std::string pointer)
        : std::runtime_error(message), pointer_(std::move(pointer)) {}
    const std::string& pointer() const { return pointer_; }

private:
    std::string pointer_;
};

struct MappingResult {
    enum class Outcome {
        not_applicable,  // not an order this mapping handles (e.g. not a repair order)
        not_closed,      // handled, but not (yet) closed
        closed,          // closed: `ticket` is the payload for mc_ticket_closed
        incomplete,      // closed, but a ticket field has no usable value: see `field`
    };
    Outcome outcome = Outcome::not_applicable;
    // closed only: the ticket payload. Its members have the right JSON types;
    // formats and lengths are checked by the plugin at its boundary.
    nlohmann::json ticket;
    // incomplete only: the ticket field (e.g. "unit_id") and a message naming
    // it and the host paths tried — never a value from the order.
    std::string field;
    std::string message;
};

// The result of an order update (POST, PUT or a merged PATCH).
struct OrderChange {
    MappingResult result;     // of the order after the change
    bool closes_now = false;  // closed now and not before: call mc_ticket_closed once
    nlohmann::json retained;  // what to keep for the next PATCH (see above)
};

class TicketMapping {
public:
    // Parses and checks a definition (schemas/ticket_mapping.schema.json):
    // paths, conditions, that every required ticket field is mapped and that
    // constants have the ticket field's type. Throws MappingError.
    static TicketMapping load(const nlohmann::json& definition);

    const std::string& name() const;

    // `now` (RFC 3339) is used only by fields with "default_to_now".
    MappingResult map(const nlohmann::json& host_order, const std::string& now) const;

    // The order's id as the mapping reads host_ticket_id, whether or not the
    // order is closed: the key under which a host adapter keeps retained()
    // for later PATCHes. Empty when the order has none.
    std::string order_id(const nlohmann::json& host_order) const;

    // The JSON pointer into `host_order` of the value the ticket field `field`
    // takes from it (before any map), so that a refusal of the ticket can
    // point into the order the host sent; nullopt when the field is not
    // mapped or its value is the mapping's own (a constant, a default, now).
    // Walks the order: for a refusal, not for every map().
    std::optional<std::string> source_pointer(const nlohmann::json& host_order,
                                              const std::string& field) const;

    // The part of `host_order` the mapping reads: map(retained(o)) == map(o).
    // A value that a field only maps and that its map does not list (free
    // text) is kept as "*", which maps the same.
    nlohmann::json retained(const nlohmann::json& host_order) const;

    // `before` is null when the order was not seen before.
    OrderChange change(const nlohmann::json& before, const nlohmann::json& after,
                       const std::string& now) const;

    ~TicketMapping();
    TicketMapping(TicketMapping&&) noexcept;
    TicketMapping& operator=(TicketMapping&&) noexcept;

private:
    struct Impl;
    explicit TicketMapping(std::unique_ptr<const Impl> impl);
    std::unique_ptr<const Impl> impl_;
};

}  // namespace meldcode::rest
