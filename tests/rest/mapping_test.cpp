// Host ticket mappings (host_adapters/rest/mapping): the shipped mappings on
// VERA 4 orders built from the real field names, the PATCH flow, what is
// never kept, and clear errors for broken mappings. Outputs are checked
// against schemas/ticket.schema.json with the plugin's own validator.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "abi/schema_validator.h"
#include "core/errors.h"
#include "markdown_blocks.h"
#include "meldcode/rest/ticket_mapping.h"

namespace fs = std::filesystem;
using meldcode::rest::MappingError;
using meldcode::rest::MappingResult;
using meldcode::rest::TicketMapping;
using meldcode::test::fence_attribute;
using meldcode::test::fenced_blocks;
using nlohmann::json;
using Outcome = MappingResult::Outcome;

namespace {

const fs::path kSource = MELDCODE_SOURCE_DIR;
const fs::path kMappingDir = kSource / "host_adapters/rest/mapping";
const std::string kNow = "2026-11-25T12:00:00Z";

json read_json(const fs::path& file) {
    std::ifstream in(file);
    REQUIRE(in.good());
    return json::parse(in);
}

TicketMapping shipped(const std::string& name) {
    return TicketMapping::load(read_json(kMappingDir / "mappings" / (name + ".json")));
}

json vera_example(const std::string& name) {
    return read_json(kMappingDir / "examples" / (name + ".json"));
}

// Every string in the document, members' names included.
void collect_text(const json& value, std::string& out) {
    if (value.is_string()) out += value.get<std::string>() + "\n";
    if (value.is_object()) {
        for (const auto& [name, member] : value.items()) {
            out += name + "\n";
            collect_text(member, out);
        }
    } else if (value.is_array()) {
        for (const auto& element : value) collect_text(element, out);
    }
}

// The tenant's (and the technician's) name, address and phone numbers in
// examples/vera4_order_*.json.
const std::vector<std::string> kPersonalData = {
    "Johanna", "Vermeulen", "06-12345678", "12345678", "Lindenlaan", "3512 AB",
    "Utrecht", "2-hoog",    "Pieter",      "Bakker",   "voornaam",   "contactgegevens"};

void require_closed_ticket(const MappingResult& result, const json& expected) {
    INFO(result.message);
    REQUIRE(result.outcome == Outcome::closed);
    CHECK(result.ticket == expected);
    CHECK(meldcode::matches_schema("ticket", result.ticket));
}

const json kVeraTicket = {{"host_ticket_id", "OHO-2026-004711"},
                          {"unit_id", "VHE-000123"},
                          {"work_type", "timmerwerk"},
                          {"entered_dwelling", true},
                          {"technician_id", "MDW-0042"},
                          {"closed_at", "2026-11-25T09:30:00Z"},
                          {"locale", "nl"}};

// A definition with a constant of the right type for every ticket field
// named in `properties` (members of ticket.schema.json).
json constant_mapping(const json& properties) {
    json fields = json::object();
    for (const auto& [name, property] : properties.items()) {
        const bool boolean = property.value("type", "") == "boolean";
        fields[name] = {{"value", boolean ? json(true) : json("x")}};
    }
    return {{"name", "constants"},
            {"closed_when", {{"path", "/s"}, {"in", {"c"}}}},
            {"fields", fields}};
}

}  // namespace

TEST_CASE("VERA 4: a repair order that is technically done (TEC) becomes a closed ticket") {
    require_closed_ticket(shipped("vera4").map(vera_example("vera4_order_done"), kNow),
                          kVeraTicket);
}

TEST_CASE("VERA 4: a task reported done (GER) closes the repair order") {
    const auto mapping = shipped("vera4");
    json order = vera_example("vera4_order_open");
    order["onderhoudstaken"][0]["status"] = {{"code", "GER"}, {"naam", "Gereed"}};
    // A second task, not done, by another employee and another trade: the
    // finished task's technician and trade are the ones that count.
    order["onderhoudstaken"].insert(order["onderhoudstaken"].begin(), json::parse(R"({
        "id": "TAAK-0", "status": {"code": "GEP"}, "specialisme": {"code": "LOO"},
        "relaties": [{"id": "MDW-0099", "rollen": [{"soort": {"code": "MDW"}}]}]})"));
    json expected = kVeraTicket;
    expected["closed_at"] = kNow;  // the task carries no end time: the caller's now
    require_closed_ticket(mapping.map(order, kNow), expected);

    order["onderhoudstaken"][1]["onderhoudsbestedingen"] = {
        {{"soort", {{"code", "WER"}}}, {"uitvoerEindtijd", "2026-11-25T09:25:00Z"}}};
    expected["closed_at"] = "2026-11-25T09:25:00Z";
    require_closed_ticket(mapping.map(order, kNow), expected);
}

TEST_CASE("VERA 4: a done order's technician is the one of the finished task, by any key") {
    const auto mapping = shipped("vera4");
    json order = vera_example("vera4_order_done");
    // An interrupted task (OND) by another employee and trade comes first;
    // the finished task was closed administratively since (GES).
    order["onderhoudstaken"][0]["status"] = {{"code", "GES"}, {"naam", "Gesloten"}};
    order["onderhoudstaken"].insert(order["onderhoudstaken"].begin(), json::parse(R"({
        "id": "TAAK-0", "status": {"code": "OND"}, "specialisme": {"code": "ELE"},
        "relaties": [{"id": "MDW-0099", "rollen": [{"soort": {"code": "MDW"}}]}]})"));
    require_closed_ticket(mapping.map(order, kNow), kVeraTicket);

    // On a POST a relation may carry only its idExtern or code (Relatie-basis).
    auto& relation = order["onderhoudstaken"][1]["relaties"][0];
    relation.erase("id");
    relation["idExtern"] = "MDW-0042";
    require_closed_ticket(mapping.map(order, kNow), kVeraTicket);
    relation.erase("idExtern");
    relation["code"] = "MDW-0042";
    require_closed_ticket(mapping.map(order, kNow), kVeraTicket);
}

TEST_CASE("mappings: an order's id is read whether or not the order is closed") {
    CHECK(shipped("vera4").order_id(vera_example("vera4_order_open")) == "OHO-2026-004711");
    json without_ids = vera_example("vera4_order_open");
    without_ids.erase("id");
    without_ids.erase("code");
    CHECK(shipped("vera4").order_id(without_ids).empty());
    CHECK(shipped("vera4").order_id(json::array()).empty());
}

TEST_CASE("VERA 4: orders that are not repairs are ignored") {
    const auto mapping = shipped("vera4");
    json order = vera_example("vera4_order_done");
    order["onderhoudSoort"] = {{"code", "PLN"}, {"naam", "Planmatig"}};
    CHECK(mapping.map(order, kNow).outcome == Outcome::not_applicable);
    order.erase("onderhoudSoort");
    CHECK(mapping.map(order, kNow).outcome == Outcome::not_applicable);
    CHECK(mapping.map(json::array(), kNow).outcome == Outcome::not_applicable);
}

TEST_CASE("VERA 4: a repair order that is not done yet is not closed") {
    const auto result = shipped("vera4").map(vera_example("vera4_order_open"), kNow);
    CHECK(result.outcome == Outcome::not_closed);
    CHECK(result.ticket.is_null());
}

TEST_CASE("VERA 4: the tenant's name, address and phone numbers are neither mapped nor retained") {
    const auto mapping = shipped("vera4");
    for (const auto* name : {"vera4_order_done", "vera4_order_open"}) {
        INFO(name);
        const json order = vera_example(name);
        std::string input;
        collect_text(order, input);
        std::string output;
        collect_text(mapping.map(order, kNow).ticket, output);
        collect_text(mapping.retained(order), output);
        for (const auto& personal : kPersonalData) {
            INFO(personal);
            REQUIRE(input.find(personal) != std::string::npos);  // the example has it
            CHECK(output.find(personal) == std::string::npos);
        }
    }
}

TEST_CASE("VERA 4: the retained part of an order maps exactly as the whole order") {
    const auto mapping = shipped("vera4");
    for (const auto* name : {"vera4_order_done", "vera4_order_open"}) {
        const json order = vera_example(name);
        const auto whole = mapping.map(order, kNow);
        const auto kept = mapping.map(mapping.retained(order), kNow);
        CHECK(kept.outcome == whole.outcome);
        CHECK(kept.ticket == whole.ticket);
    }
}

TEST_CASE("VERA 4: a PATCH to technisch gereed on a known order closes it exactly once") {
    const auto mapping = shipped("vera4");
    const auto posted = mapping.change(nullptr, vera_example("vera4_order_open"), kNow);
    CHECK(posted.result.outcome == Outcome::not_closed);
    CHECK_FALSE(posted.closes_now);

    const json patch = vera_example("vera4_patch_technisch_gereed");
    json after = posted.retained;
    after.merge_patch(patch);
    const auto patched = mapping.change(posted.retained, after, kNow);
    CHECK(patched.closes_now);
    require_closed_ticket(patched.result, kVeraTicket);

    json again = patched.retained;  // the same PATCH delivered twice
    again.merge_patch(patch);
    const auto repeated = mapping.change(patched.retained, again, kNow);
    CHECK(repeated.result.outcome == Outcome::closed);
    CHECK_FALSE(repeated.closes_now);
}

TEST_CASE("VERA 4: a done order without a unit is incomplete, naming the field and not the order") {
    const auto mapping = shipped("vera4");
    json order = vera_example("vera4_order_done");
    order["defecten"][0].erase("eenheid");
    const auto result = mapping.map(order, kNow);
    CHECK(result.outcome == Outcome::incomplete);
    CHECK(result.field == "unit_id");
    CHECK(result.message.find("unit_id") != std::string::npos);
    CHECK(result.message.find("/defecten[]/eenheid/id") != std::string::npos);
    CHECK(result.message.find("OHO-2026-004711") == std::string::npos);
    CHECK(result.ticket.is_null());

    // Once a later PATCH brings the unit, the order closes then.
    json after = mapping.retained(order);
    after.merge_patch(json::parse(R"({"defecten": [{"eenheid": {"id": "VHE-000123"}}]})"));
    const auto change = mapping.change(mapping.retained(order), after, kNow);
    CHECK(change.closes_now);
    CHECK(change.result.ticket.at("unit_id") == "VHE-000123");
}

TEST_CASE("generic: a host ticket under its own names becomes a closed ticket") {
    const auto mapping = shipped("generic");
    json host = {{"id", "T-77"},
                 {"unit", {{"id", "U-9"}}},
                 {"category", "cv"},
                 {"location", "outside"},
                 {"assignee", {{"id", "emp-5"}, {"name", "Anna de Vries"}}},
                 {"status", "open"},
                 {"tenant", {{"name", "Kees Jansen"}, {"phone", "0612"}}}};
    CHECK(mapping.map(host, kNow).outcome == Outcome::not_closed);
    host["status"] = "done";
    require_closed_ticket(mapping.map(host, kNow), {{"host_ticket_id", "T-77"},
                                                    {"unit_id", "U-9"},
                                                    {"work_type", "cv"},
                                                    {"entered_dwelling", false},
                                                    {"technician_id", "emp-5"},
                                                    {"closed_at", kNow}});
    // Our own ticket shape passes through as it is.
    const json own = read_json(kSource / "schemas/examples/ticket/valid/repair_full.json");
    require_closed_ticket(mapping.map(own, kNow), own);
}

TEST_CASE("mappings: free text that a field only maps is not retained, and the rest maps alike") {
    const std::string address = "Kerkstraat 12, 3512 AB Utrecht";
    const auto generic = shipped("generic");
    // "location" is free text here, not "inside"/"outside": it is neither a
    // value the map lists nor a boolean, so all that counts is that.
    json order = {{"id", "G-1"},
                  {"unit", {{"id", "U-9"}}},
                  {"location", address},
                  {"status", "done"},
                  {"assignee", {{"id", "emp-5"}}}};
    const auto check = [&](const TicketMapping& mapping, const json& host_order) {
        json retained = mapping.retained(host_order);
        INFO(retained.dump());
        CHECK(retained.dump().find(address) == std::string::npos);
        const auto whole = mapping.map(host_order, kNow);
        const auto kept = mapping.map(retained, kNow);
        CHECK(kept.outcome == whole.outcome);
        CHECK(kept.message == whole.message);
        CHECK(kept.ticket == whole.ticket);
        return retained;
    };
    CHECK(generic.map(order, kNow).field == "entered_dwelling");  // incomplete, kept or not
    check(generic, order);
    order["entered_dwelling"] = true;  // the first path wins; /location is still read
    json patched = check(generic, order);
    // A PATCH onto what was kept maps as onto the whole order.
    const json patch = {{"location", "outside"}, {"entered_dwelling", nullptr}};
    patched.merge_patch(patch);
    order.merge_patch(patch);
    CHECK(generic.map(patched, kNow).ticket == generic.map(order, kNow).ticket);
    CHECK(generic.map(patched, kNow).ticket.at("entered_dwelling") == false);

    // Unlisted under a map's "*": kept as unlisted, and a listed code as it is.
    const auto vera = shipped("vera4");
    json vera_order = vera_example("vera4_order_done");
    vera_order["defecten"][0]["locatie"]["code"] = address;
    vera_order["onderhoudstaken"][0]["specialisme"]["code"] = address;
    const json kept_vera = check(vera, vera_order);
    CHECK(vera.map(kept_vera, kNow).ticket.at("work_type") == "reparatie");
    vera_order["defecten"][0]["locatie"]["code"] = "TUI";
    CHECK(check(vera, vera_order).at("defecten")[0].at("locatie").at("code") == "TUI");

    // A value a condition compares is kept as it is, though a field maps it
    // as unlisted: the condition reads it.
    auto definition =
        read_json(kSource / "schemas/examples/ticket_mapping/valid/flat_work_order.json");
    definition["fields"]["work_type"]["from"] = "/state";
    const auto same_path = TicketMapping::load(definition);
    const json flat = {{"state", "DONE"},
                       {"workOrderNo", "W-1"},
                       {"objectCode", "O-1"},
                       {"engineer", {{"employeeId", "e-1"}}}};
    CHECK(check(same_path, flat).at("state") == "DONE");
    CHECK(same_path.map(flat, kNow).ticket.at("work_type") == "reparatie");
}

namespace {

// For each ticket field, where in `order` its value comes from (source_pointer).
std::map<std::string, std::string> sources_of(const TicketMapping& mapping, const json& order) {
    std::map<std::string, std::string> sources;
    static const json ticket = read_json(kSource / "schemas/ticket.schema.json");
    for (const auto& [field, schema] : ticket.at("properties").items()) {
        if (const auto pointer = mapping.source_pointer(order, field)) sources[field] = *pointer;
    }
    return sources;
}

}  // namespace

TEST_CASE("mappings: conditions nest, compare numbers and booleans, take the first match") {
    const auto mapping = TicketMapping::load(
        read_json(kSource / "schemas/examples/ticket_mapping/valid/tasks_with_conditions.json"));
    json order = json::parse(R"({
        "kind": 3, "cancelled": false, "number": "N-1", "address": {"unitRef": "U-1"},
        "visits": [
          {"result": "aborted", "indoors": false, "people": [{"id": "p-0", "roles": ["engineer"]}]},
          {"result": "finished", "indoors": true,
           "people": [{"id": "p-1", "roles": ["planner"]}, {"id": "p-2", "roles": ["x", "contractor"]}],
           "end": "2026-11-24T16:00:00Z"}]})");
    const auto result = mapping.map(order, kNow);
    require_closed_ticket(result, {{"host_ticket_id", "N-1"},
                                   {"unit_id", "U-1"},
                                   {"work_type", "reparatie"},
                                   {"entered_dwelling", true},
                                   {"technician_id", "p-2"},
                                   {"closed_at", "2026-11-24T16:00:00Z"},
                                   {"locale", "en"}});
    // Where each value came from, for a refusal to point into the order;
    // constants (work_type, locale) came from the mapping itself.
    CHECK(sources_of(mapping, order) ==
          std::map<std::string, std::string>{{"host_ticket_id", "/number"},
                                             {"unit_id", "/address/unitRef"},
                                             {"entered_dwelling", "/visits/1/indoors"},
                                             {"technician_id", "/visits/1/people/1/id"},
                                             {"closed_at", "/visits/1/end"}});
    order["cancelled"] = true;
    CHECK(mapping.map(order, kNow).outcome == Outcome::not_applicable);
}

TEST_CASE("mappings: a source's pointer escapes '/' and '~' in member names") {
    const auto mapping = TicketMapping::load(json::parse(R"({
        "name": "escapes", "closed_when": {"path": "/done", "in": [true]},
        "fields": {"host_ticket_id": {"from": "/a~1b"}, "unit_id": {"from": "/c~0d[]/id"},
                   "work_type": {"value": "reparatie"}, "entered_dwelling": {"value": true},
                   "technician_id": {"value": "t-1"}, "closed_at": {"default_to_now": true, "from": "/end"}}})"));
    const json order =
        json::parse(R"({"done": true, "a/b": "T-1", "c~d": [{"x": 1}, {"id": "U-1"}]})");
    REQUIRE(mapping.map(order, kNow).outcome == Outcome::closed);
    CHECK(
        sources_of(mapping, order) ==
        std::map<std::string, std::string>{{"host_ticket_id", "/a~1b"}, {"unit_id", "/c~0d/1/id"}});
}

TEST_CASE("mappings: every shipped mapping matches the mapping schema and loads") {
    for (const auto& entry : fs::directory_iterator(kMappingDir / "mappings")) {
        INFO(entry.path());
        const json definition = read_json(entry.path());
        CHECK(meldcode::matches_schema("ticket_mapping", definition));
        CHECK(TicketMapping::load(definition).name() == entry.path().stem().string());
    }
}

TEST_CASE("mappings: every invalid schema example is refused with a clear error") {
    // The example file -> the JSON pointer the error must name.
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"boolean_field_map_to_string", "/fields/entered_dwelling/map/inside"},
        {"condition_any_empty", "/closed_when/any"},
        {"condition_with_in_and_present", "/closed_when"},
        {"default_to_now_on_unit_id", "/fields/unit_id/default_to_now"},
        {"field_with_from_and_value", "/fields/work_type"},
        {"fields_additional_property_tenant_name", "/fields/tenant_name"},
        {"fields_missing_unit_id", "/fields"},
        {"missing_closed_when", ""},
        {"path_unclosed_bracket", "/fields/technician_id/from"},
        {"path_without_leading_slash", "/fields/host_ticket_id/from"},
    };
    const auto dir = kSource / "schemas/examples/ticket_mapping/invalid";
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) ==
          static_cast<long>(cases.size()));
    for (const auto& [file, pointer] : cases) {
        INFO(file);
        try {
            TicketMapping::load(read_json(dir / (file + ".json")));
            FAIL_CHECK("loaded");
        } catch (const MappingError& e) {
            const std::string message = e.what();
            INFO(message);
            CHECK(e.pointer() == pointer);
            CHECK(message.rfind(
                      "ticket mapping 'acme-workorders': " + (pointer.empty() ? "/" : pointer),
                      0) == 0);
        }
    }
}

TEST_CASE("mappings: the ticket fields are those of ticket.schema.json") {
    const json schema = read_json(kSource / "schemas/ticket.schema.json");
    REQUIRE_NOTHROW(TicketMapping::load(constant_mapping(schema.at("properties"))));
    for (const auto& required : schema.at("required")) {
        INFO(required);
        json properties = schema.at("properties");
        properties.erase(required.get<std::string>());
        CHECK_THROWS_WITH(TicketMapping::load(constant_mapping(properties)),
                          Catch::Contains("'" + required.get<std::string>() + "' is not mapped"));
    }
    json properties = schema.at("properties");
    properties["tenant_phone"] = {{"type", "string"}};
    CHECK_THROWS_WITH(TicketMapping::load(constant_mapping(properties)),
                      Catch::Contains("'tenant_phone' is not a ticket field"));
}

TEST_CASE("mappings: a value of the wrong type is incomplete, a malformed one fails the schema") {
    auto definition =
        read_json(kSource / "schemas/examples/ticket_mapping/valid/flat_work_order.json");
    definition["fields"]["entered_dwelling"] = {{"from", "/indoors"}};
    const auto mapping = TicketMapping::load(definition);
    json order = {{"state", "DONE"},
                  {"workOrderNo", "W-1"},
                  {"objectCode", "O-1"},
                  {"trade", "PLUMB"},
                  {"engineer", {{"employeeId", "e-1"}}},
                  {"indoors", "ja"},
                  {"finishedAt", "25-11-2026 10:00"}};
    auto result = mapping.map(order, kNow);
    CHECK(result.outcome == Outcome::incomplete);
    CHECK(result.field == "entered_dwelling");
    CHECK(result.message.find("/indoors is not a boolean") != std::string::npos);

    // Right types, wrong format: the ticket schema (which the plugin applies
    // at its boundary) catches it and names the field.
    order["indoors"] = true;
    result = mapping.map(order, kNow);
    REQUIRE(result.outcome == Outcome::closed);
    CHECK_FALSE(meldcode::matches_schema("ticket", result.ticket));
    try {
        meldcode::validate_payload("ticket", result.ticket);
        FAIL_CHECK("accepted");
    } catch (const meldcode::Error& e) {
        CHECK(e.pointer() == "/closed_at");
    }
}

namespace {

// A fence's `members-of=<file>#<pointer>`: the block's members (a trailing
// comma allowed) added to that object of that file.
json with_members(const std::string& target, const std::string& members) {
    const auto hash = target.find('#');
    json document = read_json(kSource / target.substr(0, hash));
    const auto end = members.find_last_not_of(" \n,");
    const json added = json::parse("{" + members.substr(0, end + 1) + "}");
    document[json::json_pointer(hash == std::string::npos ? "" : target.substr(hash + 1))].update(
        added);
    return document;
}

}  // namespace

// docs/host-ticket-mapping.md: a block marked `mapping=<name>` is an order for
// that shipped mapping, and the block marked `mapped=<name>` the ticket it
// becomes; every mapping the page shows (`schema=ticket_mapping`) loads.
TEST_CASE("docs: the mapping page's orders become the tickets shown and its mappings load") {
    std::map<std::string, json> orders;
    std::map<std::string, json> tickets;
    int mappings = 0;
    for (const auto& block : fenced_blocks(kSource / "docs/host-ticket-mapping.md")) {
        INFO("docs/host-ticket-mapping.md:" << block.line);
        const auto order_for = fence_attribute(block.info, "mapping");
        const auto ticket_of = fence_attribute(block.info, "mapped");
        if (!order_for.empty()) {
            orders[order_for] = json::parse(block.text);
        } else if (!ticket_of.empty()) {
            tickets[ticket_of] = json::parse(block.text);
        } else if (fence_attribute(block.info, "schema") == "ticket_mapping") {
            const auto target = fence_attribute(block.info, "members-of");
            CHECK_NOTHROW(TicketMapping::load(target.empty() ? json::parse(block.text)
                                                             : with_members(target, block.text)));
            ++mappings;
        }
    }
    CHECK(mappings >= 1);
    REQUIRE_FALSE(orders.empty());
    for (const auto& [name, order] : orders) {
        INFO("mapping " << name);
        REQUIRE(tickets.count(name) == 1);
        const MappingResult result = shipped(name).map(order, kNow);
        REQUIRE(result.outcome == Outcome::closed);
        CHECK(result.ticket == tickets.at(name));
    }
}
