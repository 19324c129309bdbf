#include "ui_files.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <utility>

#include "problem.h"
#include "router.h"

namespace meldcoded {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{16} * 1024 * 1024;

// What the UI is made of, by extension; anything else is not served.
const char* content_type(const std::string& name) {
    static const std::array<std::pair<const char*, const char*>, 14> kTypes{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
    }};
    const std::size_t dot = name.rfind('.');
    if (dot == std::string::npos) return nullptr;
    const std::string extension = name.substr(dot);
    for (const auto& [known, type] : kTypes) {
        if (extension == known) return type;
    }
    return nullptr;
}

// A path below the directory that may be served: segments of printable
// characters, none empty, none starting with a dot ("..", ".env"), no
// backslash. Decoded first, so %2e%2e is seen as "..".
bool servable(const std::string& relative) {
    if (relative.empty()) return false;
    std::size_t start = 0;
    while (start <= relative.size()) {
        const std::size_t end = std::min(relative.find('/', start), relative.size());
        const std::string segment = relative.substr(start, end - start);
        if (segment.empty() || segment.front() == '.') return false;
        start = end + 1;
    }
    return std::none_of(relative.begin(), relative.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f;
    });
}

// esbuild's [name]-[hash] (eight capitals and digits) marks a file that
// never changes under its name: it may be cached for a year.
bool content_hashed(const std::string& name) {
    static const std::regex hashed(R"(.*-[A-Z0-9]{8}\.[a-z0-9]+$)");
    return std::regex_match(name, hashed);
}

std::string cache_control(const std::string& name) {
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".html") == 0) return "no-store";
    return content_hashed(name) ? "public, max-age=31536000, immutable" : "no-cache";
}

std::string frame_ancestors(const UiConfig& ui, bool capture_page) {
    if (!capture_page || ui.capture_frame_ancestors.empty()) return "'none'";
    std::string list;
    for (const std::string& origin : ui.capture_frame_ancestors)
        list += (list.empty() ? "" : " ") + origin;
    return list;
}

// The file `name` below `dir` once every symbolic link is resolved: a link
// that leads out of the directory is not followed.
std::optional<std::string> read_inside(const std::string& dir, const std::string& name) {
    std::error_code ec;
    const fs::path root = fs::canonical(dir, ec);
    if (ec) return std::nullopt;
    const fs::path file = fs::weakly_canonical(root / name, ec);
    const auto mismatch = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    const bool inside = !ec && mismatch.first == root.end() && mismatch.second != file.end();
    if (!inside || !fs::is_regular_file(file, ec) || fs::file_size(file, ec) > kMaxFileBytes) {
        return std::nullopt;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The pages a host may frame: the capture page, and the neutral page its
// quick hide replaces it with inside the host's frame (it holds nothing).
bool capture_page(const std::string& name) {
    return name == "capture.html" || name == "neutral.html";
}

Response not_found() {
    return problem(404, "no_such_file", "there is no such file");
}

}  // namespace

std::string ui_directory(const Config& config) {
    if (!config.ui.dir.empty()) return config.ui.dir;
    std::error_code ec;
    const fs::path program_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    const fs::path installed = program_dir.parent_path() / "share" / "meldcode" / "ui";
    if (!ec && fs::is_directory(installed, ec)) return installed.string();
    return (program_dir / MELDCODED_UI_BUILT_DIR).lexically_normal().string();
}

void add_ui_headers(Response& response, const UiConfig& ui, bool capture_page) {
    response.headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors " +
            frame_ancestors(ui, capture_page));
    if (!capture_page) response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

UiFiles::UiFiles(const Config& config) : ui_(config.ui), dir_(ui_directory(config)) {}

Response UiFiles::serve(const Request& request) const {
    const std::string relative =
        request.path == "/ui" ? "" : percent_decode(std::string_view(request.path).substr(4));
    const std::string name = relative.empty() ? "index.html" : relative;
    Response r = not_found();
    if (request.path == "/ui") {
        r = {308, "", "", {{"Location", "/ui/"}}};
    } else if (request.method != "GET" && request.method != "HEAD") {
        r = problem(405, "method_not_allowed", "the UI's files are only read");
        r.headers.emplace_back("Allow", "GET, HEAD");
    } else if (const char* type = servable(name) ? content_type(name) : nullptr) {
        if (auto body = read_inside(dir_, name)) {
            r = {200, type, std::move(*body), {{"Cache-Control", cache_control(name)}}};
        }
    }
    add_ui_headers(r, ui_, capture_page(name));
    return r;
}

}  // namespace meldcoded
