// The C ABI's error channel: a thread-local mc_error for the last failed
// call, and the guard that turns every C++ exception into a status code.
#pragma once

#include <exception>
#include <new>

#include "core/errors.h"
#include "meldcode/meldcode.h"

namespace meldcode::abi {

void clear_error();
mc_status set_error(const Error& error);

// Runs body(); returns MC_OK, or the status of the exception it threw after
// recording it for mc_last_error(). No exception crosses the C boundary.
template <typename Body>
mc_status guard(Body&& body) noexcept {
    try {
        clear_error();
        body();
        return MC_OK;
    } catch (const Error& e) {
        return set_error(e);
    } catch (const std::bad_alloc&) {
        return set_error(Error(MC_E_INTERNAL, "out_of_memory", "out of memory"));
    } catch (...) {
        // Library exception texts may quote input: never pass them on.
        return set_error(Error(MC_E_INTERNAL, "internal", "internal error"));
    }
}

}  // namespace meldcode::abi
