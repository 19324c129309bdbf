// Errors the core raises. Each carries the C ABI status it maps to, a stable
// code, an English message and the JSON pointer of the offending field.
// Messages are written by us from fixed text: never from concern content.
#pragma once

#include <stdexcept>
#include <string>

#include "meldcode/meldcode.h"

namespace meldcode {

class Error : public std::runtime_error {
public:
    Error(mc_status status, std::string code, const std::string& message, std::string pointer = "")
        : std::runtime_error(message),
          status_(status),
          code_(std::move(code)),
          pointer_(std::move(pointer)) {}

    mc_status status() const { return status_; }
    const std::string& code() const { return code_; }
    const std::string& pointer() const { return pointer_; }

private:
    mc_status status_;
    std::string code_;
    std::string pointer_;
};

inline Error missing_field(const std::string& pointer) {
    return Error(MC_E_PAYLOAD, "missing_field", "required field is missing: " + pointer, pointer);
}

inline Error invalid_field(const std::string& pointer, const std::string& why) {
    return Error(MC_E_PAYLOAD, "invalid_field", "invalid field " + pointer + ": " + why, pointer);
}

// A "when it happened" value later than now (plus the allowed clock skew).
inline Error in_the_future(const std::string& pointer) {
    return Error(MC_E_PAYLOAD, "in_the_future",
                 "field " + pointer + " lies in the future; say when it happened", pointer);
}

inline Error forbidden(const std::string& operation) {
    return Error(MC_E_FORBIDDEN, "forbidden", "this role may not " + operation);
}

inline Error not_found(const std::string& what, const std::string& pointer) {
    return Error(MC_E_NOT_FOUND, "not_found", "unknown " + what, pointer);
}

}  // namespace meldcode
