#include "workflow_fields.h"

#include "errors.h"
#include "text.h"
#include "time.h"

namespace meldcode::fields {
namespace {

bool blank(const std::string& s) {
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

void check_text(const std::string& ptr, const nlohmann::json& value) {
    if (!value.is_string()) throw invalid_field(ptr, "must be a string");
    const auto& s = value.get_ref<const std::string&>();
    if (blank(s)) throw invalid_field(ptr, "must not be empty");
    if (utf8_length(s) > kMaxTextChars) throw invalid_field(ptr, "text is too long");
}

void check_boolean(const std::string& ptr, const nlohmann::json& value) {
    if (!value.is_boolean()) throw invalid_field(ptr, "must be true or false");
}

// "answer" = {"answer": bool, "explanation": text}; "decision" = {"decision": bool, "rationale":
// text}
void check_pair(const std::string& name, const nlohmann::json& value, const char* flag,
                const char* text) {
    if (!value.is_object()) throw invalid_field(pointer(name), "must be an object");
    for (const auto& [key, member] : value.items()) {
        if (key != flag && key != text) throw invalid_field(pointer(name), "unknown member");
        (void)member;
    }
    if (!value.contains(flag)) throw missing_field(pointer(name, flag));
    if (!value.contains(text)) throw missing_field(pointer(name, text));
    check_boolean(pointer(name, flag), value.at(flag));
    check_text(pointer(name, text), value.at(text));
}

}  // namespace

std::string pointer(const std::string& name) {
    return "/fields/" + name;
}

std::string pointer(const std::string& name, const std::string& member) {
    return pointer(name) + "/" + member;
}

void check_type(const std::string& name, const std::string& type, const nlohmann::json& value) {
    const std::string ptr = pointer(name);
    if (type == "text") {
        check_text(ptr, value);
    } else if (type == "boolean") {
        check_boolean(ptr, value);
    } else if (type == "date") {
        if (!value.is_string() || !parse_date(value.get<std::string>())) {
            throw invalid_field(ptr, "must be a date YYYY-MM-DD");
        }
    } else if (type == "date_time") {
        if (!value.is_string() || !parse_timestamp(value.get<std::string>())) {
            throw invalid_field(ptr, "must be an RFC 3339 date-time");
        }
    } else if (type == "answer") {
        check_pair(name, value, "answer", "explanation");
    } else if (type == "decision") {
        check_pair(name, value, "decision", "rationale");
    } else {
        throw Error(MC_E_INTERNAL, "internal", "unknown field type in workflow definition");
    }
}

void check_not_after(const std::string& name, const nlohmann::json& value, Timestamp latest) {
    if (*parse_timestamp(value.get<std::string>()) > latest) throw in_the_future(pointer(name));
}

bool has(const nlohmann::json& fields, const std::string& name) {
    return fields.contains(name);
}

bool yes(const nlohmann::json& fields, const std::string& name) {
    const auto& value = fields.at(name);
    return value.contains("answer") ? value.at("answer").get<bool>()
                                    : value.at("decision").get<bool>();
}

void require(const nlohmann::json& fields, const std::string& name) {
    if (!has(fields, name)) throw missing_field(pointer(name));
}

void forbid(const nlohmann::json& fields, const std::string& name, const std::string& why) {
    if (has(fields, name)) throw invalid_field(pointer(name), why);
}

}  // namespace meldcode::fields
