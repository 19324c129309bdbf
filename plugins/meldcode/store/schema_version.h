// What both store adapters do with a store's schema version: a store written
// by a newer meldcode is never touched.
#pragma once

#include <string>

#include "core/errors.h"

namespace meldcode {

// Throws Error(MC_E_VERSION, "store_too_new") when `version` is newer than
// `latest`, the newest schema version this library knows for the adapter.
inline void refuse_newer_schema(int version, int latest) {
    if (version > latest) {
        throw Error(MC_E_VERSION, "store_too_new",
                    "the store was written by a newer meldcode (schema " + std::to_string(version) +
                        "; this library knows up to " + std::to_string(latest) + ")");
    }
}

}  // namespace meldcode
