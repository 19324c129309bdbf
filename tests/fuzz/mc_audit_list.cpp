// mc_audit_list: the audit query, as an auditor, on the fixture's store.
#include "fuzz_support.h"

using namespace meldcode::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz_payload("mc_audit_list", mc_audit_list, kAuditor, data, size, 0);
}
