// mc_ticket_closed: the ticket payload, as the host's integration account. Every
// prompted ticket stays in the prompt log, which is small: no restarts.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_ticket_closed", mc_ticket_closed, kIntegration, data, size, 0);
}
