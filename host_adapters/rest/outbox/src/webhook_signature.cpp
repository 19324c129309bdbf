#include "meldcode/rest/webhook_signature.h"

#include <array>
#include <stdexcept>

#include <sodium.h>

namespace meldcode::rest {

std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
    const std::string t = std::to_string(unix_seconds);
    const std::string signed_text = t + "." + body;
    crypto_auth_hmacsha256_state state;
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                                secret.size());
    crypto_auth_hmacsha256_update(
        &state, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
    crypto_auth_hmacsha256_final(&state, mac.data());
    std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    return "t=" + t + ",v1=" + hex.data();
}

}  // namespace meldcode::rest
