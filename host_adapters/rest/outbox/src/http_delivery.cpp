#include "http_delivery.h"

#include <cpprest/http_client.h>

namespace meldcode::rest {

PostOutcome post_json(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, std::chrono::milliseconds timeout) {
    using namespace web::http;
    try {
        client::http_client_config config;
        config.set_timeout(timeout);
        client::http_client client(utility::conversions::to_string_t(url), config);
        http_request request(methods::POST);
        for (const auto& [name, value] : headers) request.headers().add(name, value);
        request.set_body(body, "application/json");
        const http_response response = client.request(request).get();
        const auto status = response.status_code();
        if (status >= 200 && status < 300) return {true, ""};
        return {false, "http " + std::to_string(status)};
    } catch (const std::exception& e) {
        // cpprestsdk's messages name the failure (refused, timed out), not the body.
        return {false, std::string("no answer: ") + e.what()};
    }
}

std::string url_origin(const std::string& url) {
    try {
        const web::uri uri(utility::conversions::to_string_t(url));
        if ((uri.scheme() != "http" && uri.scheme() != "https") || uri.host().empty()) return "";
        std::string origin = uri.scheme() + "://" + uri.host();
        if (uri.port() > 0) origin += ":" + std::to_string(uri.port());
        return origin;
    } catch (const std::exception&) {
        return "";
    }
}

}  // namespace meldcode::rest
