// The key ring: which keys may open stored records and which one seals new
// ones. Read from configuration (a file or an environment variable holding
// schemas/key_ring.schema.json); never written to the store.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcode {

struct KeyRing {
    std::string active;                       // the key id that seals new records
    std::map<std::string, std::string> keys;  // key id -> 32 raw key bytes
};

// From a document already valid against the key_ring schema. Throws Error
// (MC_E_PAYLOAD, invalid_key_ring) when the active key is not in the ring.
// Never quotes key material in a message.
KeyRing key_ring_from_json(const nlohmann::json& doc);

// Serialises a ring (for tools and tests that write key files).
nlohmann::json key_ring_to_json(const KeyRing& ring);

}  // namespace meldcode
