// libsodium adapter of the crypto port: XChaCha20-Poly1305 for records and
// prompt tokens, BLAKE2b (crypto_generichash) for keyed digests, audit MACs
// and blind indexes, every key derived from a configured key with crypto_kdf.
#pragma once

#include <memory>
#include <string>

#include "crypto/key_ring.h"
#include "ports/crypto.h"

namespace meldcode {

std::unique_ptr<Crypto> make_sodium_crypto(const KeyRing& ring);
// A fresh random 32-byte key.
std::string new_sodium_key();

}  // namespace meldcode
