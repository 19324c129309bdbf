// mc_signals_submit: the submission payload, as the technician the fixture's
// prompt token was issued to. Submissions join the fixture's concerns: the
// store starts over after 2000 of them.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_signals_submit", mc_signals_submit, kObserver, data, size, 2000);
}
