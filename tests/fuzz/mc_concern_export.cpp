// mc_concern_export: the request payload, as an officer. Reads only.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_concern_export", mc_concern_export, kOfficer, data, size, 0);
}
