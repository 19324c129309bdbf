// problem.h — errors as application/problem+json (RFC 9457).
//
// Every error the sidecar answers carries type, title, status, detail and
// meldcode's stable `code` and JSON `pointer`. Details come from the plugin's
// mc_last_error() or the sidecar's own checks; neither ever holds concern
// content.
#pragma once

#include <string>

#include "http_types.h"
#include "meldcode/meldcode.h"

namespace meldcoded {

// True when `text` is valid UTF-8: what a client sends in a header or the
// query may not be, and must be refused (400) before it goes into JSON.
bool valid_utf8(const std::string& text);

Response problem(int status, const std::string& code, const std::string& detail,
                 const std::string& pointer = "");

// The HTTP status for a plugin status (documented in docs/http-sidecar.md).
int http_status(mc_status status);

}  // namespace meldcoded
