// mc_host_event_report: the host event payload, as the integration account. Events
// join the fixture's concerns or open new ones: the store starts over after
// 2000 of them.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_host_event_report", mc_host_event_report, kIntegration, data, size,
                        2000);
}
