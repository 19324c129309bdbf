#include "crypto/key_ring.h"

#include <sodium.h>

#include "core/errors.h"

namespace meldcode {
namespace {

Error invalid_ring(const std::string& why) {
    return Error(MC_E_PAYLOAD, "invalid_key_ring", "key ring: " + why, "/keys");
}

}  // namespace

KeyRing key_ring_from_json(const nlohmann::json& doc) {
    KeyRing ring;
    ring.active = doc.at("active").get<std::string>();
    for (const auto& [id, hex] : doc.at("keys").items()) {
        const auto& text = hex.get_ref<const std::string&>();
        std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
        std::size_t size = 0;
        const char* end = nullptr;
        if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), text.data(),
                           text.size(), nullptr, &size, &end) != 0 ||
            size != key.size() || end != text.data() + text.size()) {
            throw invalid_ring("key '" + id + "' is not 64 hexadecimal characters");
        }
        ring.keys.emplace(id, std::move(key));
    }
    if (ring.keys.count(ring.active) == 0) {
        throw invalid_ring("the active key '" + ring.active + "' is not in the ring");
    }
    return ring;
}

nlohmann::json key_ring_to_json(const KeyRing& ring) {
    nlohmann::json keys = nlohmann::json::object();
    for (const auto& [id, key] : ring.keys) {
        std::string hex(key.size() * 2 + 1, '\0');
        sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(key.data()),
                       key.size());
        hex.pop_back();
        keys[id] = hex;
    }
    return {{"active", ring.active}, {"keys", keys}};
}

}  // namespace meldcode
