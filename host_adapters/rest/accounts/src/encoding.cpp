#include "meldcode/rest/encoding.h"

#include <sodium.h>

#include <cctype>

namespace meldcode::rest {

// libsodium, not OpenSSL: the plugin and the rest of the sidecar hash with
// it already, and OpenSSL's per-thread state (its error queue) stays out of
// the request threads.
std::string sha256_hex(const std::string& text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    char hex[sizeof digest * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string percent_encode(const std::string& text) {
    static const char* const hex = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            ((out += '%') += hex[c >> 4]) += hex[c & 15];
        }
    }
    return out;
}

}  // namespace meldcode::rest
