// mc_concern_melding_draft: the request payload, as an officer. Reads only
// (and audits).
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_concern_melding_draft", mc_concern_melding_draft, kOfficer, data, size,
                        0);
}
