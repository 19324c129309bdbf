/* A library that looks like a meldcode plugin but implements ABI 2.0: the
 * loaders of the C++ SDK, the Python and the Java binding must refuse it with
 * "abi_mismatch". It exports only what negotiation needs. */
#include "meldcode/meldcode.h"

#define FAKE_ABI_VERSION ((uint32_t)(2u << 16))

static const mc_error mismatch = {MC_E_VERSION, "abi_mismatch",
                                  "this fake library implements ABI 2.0", ""};
static const mc_error* last = NULL;

MC_API uint32_t mc_abi_version(void) {
    return FAKE_ABI_VERSION;
}

MC_API mc_status mc_abi_check(uint32_t host_abi_version) {
    last = (host_abi_version >> 16) == 2u ? NULL : &mismatch;
    return last == NULL ? MC_OK : MC_E_VERSION;
}

MC_API const mc_error* mc_last_error(void) {
    return last;
}

MC_API void mc_free(void* ptr) {
    (void)ptr;
}

MC_API mc_status mc_open(const char* config_json, mc_instance** instance) {
    (void)config_json;
    (void)instance;
    return MC_E_VERSION;
}

MC_API mc_status mc_close(mc_instance* instance) {
    (void)instance;
    return MC_OK;
}
