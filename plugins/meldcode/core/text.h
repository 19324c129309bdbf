// Text as people write it: lengths are counted in characters, not bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

namespace meldcode {

// Unicode code points in a valid UTF-8 string (every byte that does not
// continue a multi-byte sequence starts a character).
inline std::size_t utf8_length(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// Nothing but spaces, tabs and line ends: as empty to a reader.
inline bool blank(const std::string& text) {
    return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace meldcode
