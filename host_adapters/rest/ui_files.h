// ui_files.h — the web UI's files under /ui/ (docs/web-ui.md): GET and HEAD
// only, from one directory, never outside it (no "..", no hidden files, no
// symbolic link out of it), no directory listings, only file types it
// knows; every answer with the UI's security headers.
#pragma once

#include <string>

#include "config.h"
#include "http_types.h"

namespace meldcoded {

// The directory served: ui.dir, else share/meldcode/ui beside an installed
// meldcoded, else the build tree's host_adapters/web/dist.
std::string ui_directory(const Config& config);

// The headers of every /ui answer: a strict Content-Security-Policy (no
// inline script, no eval, nothing from elsewhere; frame-ancestors 'none'
// except for the capture page and the neutral page of its quick hide, which
// `ui.capture_frame_ancestors` may let hosts embed), nosniff and no referrer.
void add_ui_headers(Response& response, const UiConfig& ui, bool capture_page);

class UiFiles {
public:
    explicit UiFiles(const Config& config);
    // `request.path` is /ui or under /ui/ (not /ui/auth/).
    Response serve(const Request& request) const;
    const std::string& directory() const { return dir_; }

private:
    const UiConfig& ui_;
    std::string dir_;
};

}  // namespace meldcoded
