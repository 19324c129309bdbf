// request_id.h — the X-Request-Id of an answer whose request named none
// that can be used: the sidecar's pipeline gives one to every answer, and the
// listener to those it gives itself (a malformed request, shutting down).
#pragma once

#include <string>

namespace meldcoded {

// Unique within the process and across its restarts; not secret.
std::string new_request_id();

}  // namespace meldcoded
