// mc_legal_hold_set: the request payload, as an officer, on the fixture's concerns. A hold changes
// one row and adds no chronology: the store never needs to start over.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_legal_hold_set", mc_legal_hold_set, kOfficer, data, size, 0);
}
