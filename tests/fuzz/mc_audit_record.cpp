// mc_audit_record: a host's own security event, as an integration, on the
// fixture's store. The call answers nothing but a status.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    const std::string input = payload(data, size);
    const mc_status status = mc_audit_record(f.instance(), kIntegration, input.c_str());
    check_result("mc_audit_record", status, false, nullptr);
    // Every success is one more audit row: start over now and then, so that
    // the trail does not grow for as long as the fuzzer runs.
    if (status == MC_OK) f.changed(2000);
    return 0;
}
