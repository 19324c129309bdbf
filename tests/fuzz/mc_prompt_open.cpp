// mc_prompt_open: the request a technician's capture page sends, the prompt
// token its only credential (there is no actor). The seeds' token is the
// fixture's own, so they reach the form behind it.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Fixture& f = fixture();
    const std::string request = f.substitute(payload(data, size));
    checked_call("mc_prompt_open",
                 [&](char** out) { return mc_prompt_open(f.instance(), request.c_str(), out); });
    return 0;
}
