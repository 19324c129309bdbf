// mc_submission_status: the request payload, as the observer who made the
// fixture's own submission (the other one must be answered as not found).
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_submission_status", mc_submission_status, kObserver, data, size, 0);
}
