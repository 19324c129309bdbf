// capture_cors.h — cross-origin calls of the <meldcode-capture> element
// inside a host's own web app on another origin (docs/embedding.md,
// `api-base`): only the two routes a prompt token opens, only from the
// origins in ui.capture_element_origins, and never with cookies (the token is
// the credential, in the Authorization header). Every other route answers no
// other origin, so a browser never lets a foreign page read it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http_types.h"

namespace meldcoded {

// The method of the route at `path` that takes a prompt token as its
// credential (GET /v1/prompt, POST /v1/submissions), or nullptr: the two
// routes the technician's capture page and element call.
const char* prompt_token_method(const std::string& path);

class CaptureCors {
public:
    explicit CaptureCors(std::vector<std::string> origins) : origins_(std::move(origins)) {}

    // A browser's preflight (OPTIONS with Origin and Access-Control-Request-
    // Method) is answered before authentication, which it never carries: 204
    // with what the capture route allows to an allowed origin, else 403
    // without any, which the browser takes as a refusal. Nothing for any
    // other request.
    std::optional<Response> preflight(const Request& request) const;

    // Lets an allowed origin read the answer (errors too: the element shows
    // them) of a capture route.
    void allow(const Request& request, Response& response) const;

private:
    // The request's Origin when it is allowed for this path, else nullptr.
    const std::string* allowed_origin(const Request& request) const;

    std::vector<std::string> origins_;
};

}  // namespace meldcoded
