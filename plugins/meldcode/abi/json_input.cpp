#include "abi/json_input.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/errors.h"
#include "core/text.h"
#include "json/strict_json.h"

namespace meldcode {
namespace {

// C0 but tab and line breaks, DEL, and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F):
// never text a person wrote, and some terminals and viewers act on them.
bool has_control_character(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return true;
        if (c == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) return true;
        }
    }
    return false;
}

// Thrown up the recursion; each level prepends its key, so that no pointer
// string is built unless something is wrong.
struct Rejected {
    Error error;
};

void check_string(const std::string& text) {
    if (has_control_character(text)) {
        throw Rejected{Error(MC_E_PAYLOAD, "control_character",
                             "control characters other than tab and line breaks are not allowed")};
    }
    if (text.size() > kMaxStringChars && utf8_length(text) > kMaxStringChars) {
        throw Rejected{
            Error(MC_E_TOO_LARGE, "string_too_long",
                  "a string is longer than " + std::to_string(kMaxStringChars) + " characters")};
    }
}

Error at(const Error& e, const std::string& token) {
    return Error(e.status(), e.code(), e.what(), "/" + token + e.pointer());
}

// Walks the document once: string rules, and 3.0 -> 3.
void normalise(nlohmann::json& value) {
    if (value.is_string()) {
        check_string(value.get_ref<const std::string&>());
    } else if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::trunc(d) == d && std::fabs(d) < 9.0e15) value = static_cast<std::int64_t>(d);
    } else if (value.is_object()) {
        for (auto& [key, member] : value.items()) {
            try {
                normalise(member);
            } catch (const Rejected& r) {
                throw Rejected{at(r.error, pointer_token(key))};
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            try {
                normalise(value[i]);
            } catch (const Rejected& r) {
                throw Rejected{at(r.error, std::to_string(i))};
            }
        }
    }
}

}  // namespace

nlohmann::json parse_payload(const char* text) {
    if (text == nullptr) throw Error(MC_E_ARGUMENT, "null_argument", "payload is NULL");
    const std::size_t size = std::strlen(text);
    if (size > kMaxPayloadBytes) {
        throw Error(MC_E_TOO_LARGE, "payload_too_large",
                    "payload is larger than " + std::to_string(kMaxPayloadBytes) + " bytes");
    }
    nlohmann::json doc;
    try {
        doc = strict_json::parse(text, text + size, kMaxDepth);
    } catch (const strict_json::TooDeep&) {
        // Nothing deeper was built, so no recursive code (validation,
        // destruction) ever sees deep input.
        throw Error(MC_E_JSON, "too_deep",
                    "JSON is nested deeper than " + std::to_string(kMaxDepth) + " levels");
    } catch (const strict_json::DuplicateMember& e) {
        throw Error(MC_E_JSON, "duplicate_member", "a member occurs twice in one object",
                    e.pointer);
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() quotes the offending input: only the offset leaves here.
        const bool utf8 = std::strstr(e.what(), "UTF-8") != nullptr;
        throw Error(MC_E_JSON, utf8 ? "invalid_utf8" : "invalid_json",
                    std::string(utf8 ? "invalid UTF-8" : "invalid JSON") + " near byte " +
                        std::to_string(e.byte));
    } catch (const nlohmann::json::out_of_range&) {
        // A number no double can hold (1e400); e.what() would quote it.
        throw Error(MC_E_JSON, "invalid_json", "invalid JSON: a number is out of range");
    }
    try {
        normalise(doc);
    } catch (const Rejected& r) {
        throw r.error;
    }
    return doc;
}

}  // namespace meldcode
