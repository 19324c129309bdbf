// Validation of payloads against the JSON Schemas in schemas/ (draft-07,
// compiled into the plugin), with valijson.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace meldcode {

// Throws Error(MC_E_PAYLOAD, "schema_violation") naming the JSON pointer of
// the offending field when `doc` does not match `schema` (e.g. "ticket" for
// schemas/ticket.schema.json). Thread-safe.
void validate_payload(const std::string& schema, const nlohmann::json& doc);

// True when `doc` matches; for tests and output checks.
bool matches_schema(const std::string& schema, const nlohmann::json& doc);

}  // namespace meldcode
