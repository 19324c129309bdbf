// mc_concern_act: the action payload, as an officer, on the fixture's concern
// in every workflow state. Each action moves a concern on and lengthens its
// chronology (which every answer carries): after 100 recorded actions the
// store starts over, so the placeholders name concerns in their states again.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_concern_act", mc_concern_act, kOfficer, data, size, 100);
}
