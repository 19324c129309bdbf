/* A test extension built for an extension ABI major version the plugin does
 * not implement: it must be rejected with extension_abi_mismatch. */
#include "meldcode/meldcode_extension.h"

static const char* pack_json(void) {
    return "{\"id\": \"future.pack\", \"version\": \"2.0\","
           " \"title\": {\"nl\": \"Toekomst\", \"en\": \"Future\"},"
           " \"categories\": [{\"id\": \"future.c\", \"label\": {\"nl\": \"C\", \"en\": \"C\"},"
           " \"signals\": [{\"id\": \"future.c.s\", \"label\": {\"nl\": \"S\", \"en\": \"S\"}}]}]}";
}

static const mc_extension_v1 kExtension = {sizeof(mc_extension_v1),
                                           (uint32_t)((MC_EXTENSION_ABI_VERSION_MAJOR + 1) << 16),
                                           "wrong_abi", pack_json, NULL};

MC_EXTENSION_EXPORT int mc_extension_entry(uint32_t host_abi_version,
                                           const mc_extension_v1** extension) {
    (void)host_abi_version;
    *extension = &kExtension;
    return MC_EXTENSION_OK;
}
