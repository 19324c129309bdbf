#include "abi/abi_errors.h"

#include <string>

namespace meldcode::abi {
namespace {

struct LastError {
    bool set = false;
    std::string code;
    std::string message;
    std::string pointer;
    mc_error view{};
};

thread_local LastError last;

}  // namespace

void clear_error() {
    last.set = false;
}

mc_status set_error(const Error& error) {
    last.set = true;
    last.code = error.code();
    last.message = error.what();
    last.pointer = error.pointer();
    last.view = {error.status(), last.code.c_str(), last.message.c_str(), last.pointer.c_str()};
    return error.status();
}

}  // namespace meldcode::abi

extern "C" MC_API const mc_error* mc_last_error(void) {
    return meldcode::abi::last.set ? &meldcode::abi::last.view : nullptr;
}
