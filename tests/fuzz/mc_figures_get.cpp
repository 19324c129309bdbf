// mc_figures_get: the figures request, as an officer, on the fixture's store
// (a concern in every workflow state: every contribution shape it counts).
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_figures_get", mc_figures_get, kOfficer, data, size, 0);
}
