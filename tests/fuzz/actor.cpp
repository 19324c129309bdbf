// The actor argument: every call parses it the same way (codec::actor) before
// it authorises. Fuzzed here as the actor of mc_submission_status on the
// fixture's own submission, which is answered to exactly one actor (the
// observer who made it) and refused or "not found" for every other one.
#include <string>

#include "fuzz_support.h"

using namespace meldcode::fuzz;

namespace {

const std::string& request() {
    static const std::string text =
        fixture().substitute(R"({"submission_ref": "s_Xk3dP9qLw2ZtB8vN5mRy0A"})");
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    request();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string actor = payload(data, size);
    checked_call("mc_submission_status (actor)", [&](char** out) {
        return mc_submission_status(fixture().instance(), actor.c_str(), request().c_str(), out);
    });
    return 0;
}
