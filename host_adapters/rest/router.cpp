#include "router.h"

#include <algorithm>

namespace meldcoded {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;  // paths start with '/'
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool safe_segment(const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

// A host order's id is the host's own: any text, percent-decoded, that its
// handler checks (no '/', no control character, valid UTF-8). Every other
// parameter is an opaque ref or a name of ours.
bool takes_any_text(const std::string& name) {
    return name == "order_id";
}

bool match_path(const std::string& path_template, const std::vector<std::string>& parts,
                std::map<std::string, std::string>& params) {
    const std::vector<std::string> pattern = segments(path_template);
    if (pattern.size() != parts.size()) return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& p = pattern[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            const std::string name = p.substr(1, p.size() - 2);
            if (takes_any_text(name)) {
                if (parts[i].empty()) return false;
                found[name] = percent_decode(parts[i]);
                continue;
            }
            if (!safe_segment(parts[i])) return false;
            found[name] = parts[i];
        } else if (p != parts[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

}  // namespace

Match match(const std::vector<Route>& routes, const std::string& method, const std::string& path) {
    Match m;
    if (path.empty() || path.front() != '/') return m;
    const std::vector<std::string> parts = segments(path);
    for (const Route& route : routes) {
        std::map<std::string, std::string> params;
        if (!match_path(route.path_template, parts, params)) continue;
        m.path_known = true;
        if (m.path_template == nullptr) m.path_template = route.path_template;
        if (method == route.method) {
            m.route = &route;
            m.params = std::move(params);
            return m;
        }
    }
    return m;
}

std::string allowed_methods(const std::vector<Route>& routes, const std::string& path) {
    if (path.empty() || path.front() != '/') return "";
    const std::vector<std::string> parts = segments(path);
    std::string allow;
    for (const Route& route : routes) {
        std::map<std::string, std::string> params;
        if (!match_path(route.path_template, parts, params)) continue;
        allow +=
            std::string(route.method) + (std::string(route.method) == "GET" ? ", HEAD" : "") + ", ";
    }
    return allow.empty() ? "" : allow + "OPTIONS";
}

std::string percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const int high = in[i] == '%' && i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
        const int low = high >= 0 ? hex_value(in[i + 2]) : -1;
        if (low >= 0) {
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

}  // namespace meldcoded
