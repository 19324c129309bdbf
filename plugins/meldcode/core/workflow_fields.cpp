#include "workflow_fields.h"

#include <algorithm>

#include "errors.h"
#include "text.h"
#include "time.h"

namespace meldcode::fields {
namespace {

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

bool listed(const std::vector<std::string>& options, const std::string& value) {
    return std::find(options.begin(), options.end(), value) != options.end();
}

void check_choice(const std::string& ptr, const std::vector<std::string>& options,
                  const nlohmann::json& value) {
    if (!value.is_string() || !listed(options, value.get<std::string>())) {
        std::string all;
        for (const auto& o : options) all += (all.empty() ? "" : ", ") + o;
        throw invalid_field(ptr, "must be one of " + all);
    }
}

// A person as a role and nothing that names them: "adult A".."adult Z" or
// "child 1".."child 99", the relation to the concern, and an age in years
// (a child's is required, under 18).
bool person_label(const std::string& s) {
    const auto letter = [](char c) { return c >= 'A' && c <= 'Z'; };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.size() == 7 && s.compare(0, 6, "adult ") == 0) return letter(s[6]);
    if (s.size() < 7 || s.size() > 8 || s.compare(0, 6, "child ") != 0) return false;
    return s[6] != '0' && digit(s[6]) && (s.size() == 7 || digit(s[7]));
}

void check_person(const std::string& ptr, const std::vector<std::string>& relations,
                  const nlohmann::json& p) {
    if (!p.is_object()) throw invalid_field(ptr, "must be an object");
    for (const auto& item : p.items()) {
        if (item.key() != "person" && item.key() != "relation" && item.key() != "age") {
            throw invalid_field(ptr + "/" + item.key(),
                                "unknown member: a person has only person (a role: adult A, "
                                "child 1, ...), relation and age; no names, addresses or birth "
                                "dates");
        }
    }
    if (!p.contains("person")) throw missing_field(ptr + "/person");
    if (!p.contains("relation")) throw missing_field(ptr + "/relation");
    const auto& person = p.at("person");
    if (!person.is_string() || !person_label(person.get<std::string>())) {
        throw invalid_field(ptr + "/person",
                            "must be a role: adult A to adult Z, child 1 to child 99");
    }
    check_choice(ptr + "/relation", relations, p.at("relation"));
    const bool child = person.get<std::string>().compare(0, 5, "child") == 0;
    if (!p.contains("age")) {
        if (child) throw missing_field(ptr + "/age");
        return;
    }
    const auto& age = p.at("age");
    const int lowest = child ? 0 : 18;
    const int highest = child ? 17 : 120;
    if (!age.is_number_integer() || age.get<std::int64_t>() < lowest ||
        age.get<std::int64_t>() > highest) {
        throw invalid_field(ptr + "/age", std::string("must be a whole number of years, ") +
                                              std::to_string(lowest) + " to " +
                                              std::to_string(highest) +
                                              (child ? " for a child" : " for an adult"));
    }
}

void check_people(const std::string& ptr, const std::vector<std::string>& relations,
                  const nlohmann::json& value) {
    if (!value.is_array() || value.empty()) throw invalid_field(ptr, "must be a non-empty array");
    if (value.size() > kMaxPeople) {
        throw invalid_field(ptr, "at most " + std::to_string(kMaxPeople) + " people");
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string item = ptr + "/" + std::to_string(i);
        check_person(item, relations, value[i]);
        for (std::size_t j = 0; j < i; ++j) {
            if (value[j].at("person") == value[i].at("person")) {
                throw invalid_field(item + "/person", "this role is named twice");
            }
        }
    }
}

}  // namespace

std::string pointer(const std::string& name) {
    return "/fields/" + name;
}

std::string pointer(const std::string& name, const std::string& member) {
    return pointer(name) + "/" + member;
}

void check_type(const std::string& name, const std::string& type,
                const std::vector<std::string>& options, const nlohmann::json& value) {
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
    } else if (type == "choice") {
        check_choice(ptr, options, value);
    } else if (type == "people") {
        check_people(ptr, options, value);
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

const std::string& choice(const nlohmann::json& fields, const std::string& name) {
    return fields.at(name).get_ref<const std::string&>();
}

void require(const nlohmann::json& fields, const std::string& name) {
    if (!has(fields, name)) throw missing_field(pointer(name));
}

void forbid(const nlohmann::json& fields, const std::string& name, const std::string& why) {
    if (has(fields, name)) throw invalid_field(pointer(name), why);
}

}  // namespace meldcode::fields
