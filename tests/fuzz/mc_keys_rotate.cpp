// mc_keys_rotate: the rotation request, as an admin, on the fixture's store.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_keys_rotate", mc_keys_rotate, kAdmin, data, size, 0);
}
