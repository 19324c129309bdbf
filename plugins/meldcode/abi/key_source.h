// Reads the key ring the config's "keys" names: {"file": path} or
// {"env": variable}. Configuration is the only place keys come from.
#pragma once

#include <nlohmann/json.hpp>

#include "crypto/key_ring.h"

namespace meldcode::abi {

// Throws Error(MC_E_PAYLOAD) with pointer /keys: unreadable_key_file,
// key_file_permissions (group or others may read it), missing_key_env,
// invalid_key_ring. Messages never quote key material.
KeyRing load_key_ring(const nlohmann::json& keys);

}  // namespace meldcode::abi
