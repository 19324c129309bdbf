// seed_sealer.h — seals the secrets of built-in accounts (TOTP seeds) at
// rest with XChaCha20-Poly1305 under a key ring of the plugin's format
// (schemas/key_ring.schema.json), usually the plugin's own ring. Each key is
// first derived for this one purpose (libsodium's crypto_kdf, context
// "mcacctui"), so no key seals two kinds of data.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcode::rest {

struct Sealed {
    std::string key_id;
    std::string box;  // nonce, then ciphertext and tag
};

class SeedSealer {
public:
    // `keys`: {"file": path} (readable by its owner only) or {"env": name},
    // as the plugin's config names its key ring. Throws std::runtime_error
    // naming what is wrong, never a key.
    explicit SeedSealer(const nlohmann::json& keys);

    // `bound_to` (the account's id) is authenticated with the box: a seed
    // copied to another account's row does not open.
    Sealed seal(const std::string& secret, const std::string& bound_to) const;
    std::optional<std::string> open(const Sealed& sealed, const std::string& bound_to) const;
    const std::string& active_key_id() const { return active_; }

private:
    std::string active_;
    std::map<std::string, std::array<unsigned char, 32>> keys_;
};

}  // namespace meldcode::rest
