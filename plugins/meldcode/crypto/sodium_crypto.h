// libsodium adapter of the crypto port.
#pragma once

#include <memory>
#include <string>

#include "ports/crypto.h"

namespace meldcode {

// `key` is 32 raw bytes (crypto_aead_xchacha20poly1305_ietf_KEYBYTES).
std::unique_ptr<Crypto> make_sodium_crypto(const std::string& key);
// A fresh random key of the right size.
std::string new_sodium_key();

}  // namespace meldcode
