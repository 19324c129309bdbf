// http_types.h — the sidecar's own view of an HTTP exchange.
//
// The pipeline, the router and the routes work on these plain types so that
// only http_server.cpp includes cpprestsdk's slow headers (DESIGN.md §8).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace meldcoded {

struct Request {
    std::string method;
    std::string path;                            // without the query, still percent-encoded
    std::map<std::string, std::string> query;    // decoded
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    bool body_too_large = false;  // the server refused to read a body over the limit
    std::string client_address;

    const std::string* header(const std::string& lower_name) const {
        const auto it = headers.find(lower_name);
        return it == headers.end() ? nullptr : &it->second;
    }
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace meldcoded
