// Port: randomness and authenticated encryption.
#pragma once

#include <optional>
#include <string>

namespace meldcode {

class Crypto {
public:
    virtual ~Crypto() = default;
    // `bytes` random bytes from the OS CSPRNG, base64url without padding.
    virtual std::string random_token(std::size_t bytes) const = 0;
    // Authenticated encryption under the instance's token key with a random
    // nonce; lowercase hex. Used for prompt tokens: they reveal nothing and
    // cannot be forged, and need no disk write to be checked later.
    virtual std::string seal(const std::string& plaintext) const = 0;
    // nullopt when the text was not sealed by this key or was altered.
    virtual std::optional<std::string> open(const std::string& sealed) const = 0;
    // A keyed digest (hex) for comparing payloads without storing them twice.
    virtual std::string digest(const std::string& data) const = 0;
};

}  // namespace meldcode
