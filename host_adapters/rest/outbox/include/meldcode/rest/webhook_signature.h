// The signature on every webhook (docs/webhooks.md), in the style of the
// common payment and code-hosting platforms:
//
//   Meldcode-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   Meldcode-Event-Id: evt_...        (the body's "id", for logs; not signed: receivers
//                                      dedupe on the signed body's "id" instead)
//
// The timestamp is signed with the body, so a receiver that rejects old
// timestamps (docs/webhooks.md: 5 minutes) also rejects replays.
#pragma once

#include <cstdint>
#include <string>

namespace meldcode::rest {

inline constexpr const char* kSignatureHeader = "Meldcode-Signature";
inline constexpr const char* kEventIdHeader = "Meldcode-Event-Id";

// The value of the Meldcode-Signature header.
std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body);

}  // namespace meldcode::rest
