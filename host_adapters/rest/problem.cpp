#include "problem.h"

#include <nlohmann/json.hpp>

namespace meldcoded {

namespace {

const char* title(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 503:
            return "Service Unavailable";
        default:
            return "Internal Server Error";
    }
}

}  // namespace

bool valid_utf8(const std::string& text) {
    try {
        (void)nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

Response problem(int status, const std::string& code, const std::string& detail,
                 const std::string& pointer) {
    const nlohmann::json body{{"type", "urn:meldcode:problem:" + code},
                              {"title", title(status)},
                              {"status", status},
                              {"detail", detail},
                              {"code", code},
                              {"pointer", pointer}};
    return {status, "application/problem+json", body.dump(), {}};
}

int http_status(mc_status status) {
    switch (status) {
        case MC_E_JSON:
            return 400;  // not JSON at all: the request is malformed
        case MC_E_PAYLOAD:
            return 422;  // JSON, but it breaks the schema or a rule
        case MC_E_TOO_LARGE:
            return 413;
        case MC_E_NOT_FOUND:
            return 404;
        case MC_E_FORBIDDEN:
            return 403;
        case MC_E_CONFLICT:
            return 409;
        // The store failed (transient, nothing changed), or the store, plugin
        // or key ring does not fit this build: an operator's to fix.
        case MC_E_STORAGE:
        case MC_E_VERSION:
        case MC_E_KEY:
            return 503;
        default:
            return 500;  // MC_E_ARGUMENT, MC_E_INTERNAL: a bug
    }
}

}  // namespace meldcoded
