// mc_purge: the request payload, as the admin. On the fixture's fixed clock no
// concern is due, so the store never needs to start over.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_purge", mc_purge, kAdmin, data, size, 0);
}
