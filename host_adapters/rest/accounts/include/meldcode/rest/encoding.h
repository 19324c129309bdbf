// encoding.h — the few text encodings the sidecar's sign-in needs in more
// than one place: tokens stored as hashes, values put into URIs and forms.
#pragma once

#include <string>

namespace meldcode::rest {

// SHA-256 of `text`, lower-case hex.
std::string sha256_hex(const std::string& text);

// RFC 3986 unreserved characters stay; every other byte becomes %XX.
std::string percent_encode(const std::string& text);

}  // namespace meldcode::rest
