// Turning untrusted bytes from a host into a JSON document, with limits that
// hold before any other code looks at the payload.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcode {

constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;
constexpr std::size_t kMaxDepth = 64;
// No single string may be longer than the longest free-text field; this also
// bounds the work std::regex (used by the schema validator) can be made to do.
constexpr std::size_t kMaxStringBytes = 20000;

// Throws Error: MC_E_ARGUMENT for NULL, MC_E_TOO_LARGE over the limits,
// MC_E_JSON for malformed JSON, invalid UTF-8 or nesting deeper than kMaxDepth.
// Messages name a byte offset, never the payload's text.
nlohmann::json parse_payload(const char* text);

// RFC 6901 escaping of one reference token.
std::string pointer_token(const std::string& key);

}  // namespace meldcode
