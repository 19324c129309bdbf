// Turning untrusted bytes from a host into a JSON document, with limits that
// hold before any other code looks at the payload.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "json/strict_json.h"

namespace meldcode {

constexpr std::size_t kMaxPayloadBytes = std::size_t{1024} * 1024;
constexpr std::size_t kMaxDepth = 64;
// No single string may be longer than the longest free-text field (in
// characters); this also bounds the work std::regex (used by the schema
// validator) can be made to do.
constexpr std::size_t kMaxStringChars = 20000;

// Throws Error: MC_E_ARGUMENT for NULL, MC_E_TOO_LARGE over the limits,
// MC_E_JSON for malformed JSON, invalid UTF-8, nesting deeper than kMaxDepth or
// a member that occurs twice in one object ("duplicate_member", with its pointer).
// Messages name a byte offset, never the payload's text.
//
// Two rules hold for every string of every payload, so the schemas need not
// repeat them field by field (a per-field pattern costs a std::regex run on
// the host's request path): no control characters but tab, line feed and
// carriage return (MC_E_PAYLOAD "control_character"; U+0000 would also make
// valijson measure lengths wrongly), and at most kMaxStringChars characters.
// Numbers with a zero fraction (3.0) become integers, as JSON Schema counts
// them, so hosts that only write doubles are not refused.
nlohmann::json parse_payload(const char* text);

using strict_json::pointer_token;

}  // namespace meldcode
