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

// Whether the text holds a bidirectional embedding, override or isolate
// (U+202A..U+202E, U+2066..U+2069): in an id they make it display as another
// ("af-1" followed by an override reads as someone else in a list or trail).
inline bool has_bidi_control(const std::string& text) {
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
        if (static_cast<unsigned char>(text[i]) != 0xe2) continue;
        const auto b1 = static_cast<unsigned char>(text[i + 1]);
        const auto b2 = static_cast<unsigned char>(text[i + 2]);
        if ((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) || (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
            return true;
        }
    }
    return false;
}

// Nothing but spaces, tabs and line ends: as empty to a reader.
inline bool blank(const std::string& text) {
    return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace meldcode
