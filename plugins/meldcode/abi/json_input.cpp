#include "abi/json_input.h"

#include <cstring>

#include "core/errors.h"

namespace meldcode {
namespace {

void check_strings(const nlohmann::json& value, const std::string& pointer) {
    if (value.is_string()) {
        if (value.get_ref<const std::string&>().size() > kMaxStringBytes) {
            throw Error(MC_E_TOO_LARGE, "string_too_long", "a string is longer than the limit",
                        pointer);
        }
    } else if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            check_strings(member, pointer + "/" + pointer_token(key));
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            check_strings(value[i], pointer + "/" + std::to_string(i));
        }
    }
}

}  // namespace

std::string pointer_token(const std::string& key) {
    std::string out;
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

nlohmann::json parse_payload(const char* text) {
    if (text == nullptr) throw Error(MC_E_ARGUMENT, "null_argument", "payload is NULL");
    const std::size_t size = std::strlen(text);
    if (size > kMaxPayloadBytes) {
        throw Error(MC_E_TOO_LARGE, "payload_too_large",
                    "payload is larger than " + std::to_string(kMaxPayloadBytes) + " bytes");
    }
    // The callback sees every value with its depth: refusing deep documents
    // here keeps recursive code (validation, destruction) off deep input.
    const nlohmann::json::parser_callback_t limit_depth =
        [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (static_cast<std::size_t>(depth) > kMaxDepth) {
                throw Error(MC_E_JSON, "too_deep",
                            "JSON is nested deeper than " + std::to_string(kMaxDepth) + " levels");
            }
            return true;
        };
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text, text + size, limit_depth);
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() quotes the offending input: only the offset leaves here.
        const bool utf8 = std::strstr(e.what(), "UTF-8") != nullptr;
        throw Error(MC_E_JSON, utf8 ? "invalid_utf8" : "invalid_json",
                    std::string(utf8 ? "invalid UTF-8" : "invalid JSON") + " near byte " +
                        std::to_string(e.byte));
    }
    check_strings(doc, "");
    return doc;
}

}  // namespace meldcode
