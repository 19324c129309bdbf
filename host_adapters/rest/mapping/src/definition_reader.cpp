#include "definition_reader.h"

#include <algorithm>

#include "strict_json.h"

namespace meldcode::rest {

using nlohmann::json;

std::string child_pointer(const std::string& pointer, const std::string& token) {
    return pointer + "/" + strict_json::pointer_token(token);
}

void DefinitionReader::only_members(const json& object, const std::string& pointer,
                                    std::initializer_list<const char*> allowed) const {
    if (!object.is_object()) fail(pointer, "must be an object");
    for (const auto& member : object.items()) {
        const std::string& name =
            member.key();  // (a structured binding cannot be captured in C++17)
        const bool known = std::any_of(allowed.begin(), allowed.end(),
                                       [&name](const char* a) { return name == a; });
        if (!known) fail(child_pointer(pointer, name), "unknown member '" + name + "'");
    }
}

void DefinitionReader::alone(const json& object, const std::string& pointer,
                             const char* member) const {
    for (const auto& [name, value] : object.items()) {
        if (name != member && name != "$comment") {
            fail(pointer, std::string("'") + member + "' stands alone");
        }
    }
}

HostPath DefinitionReader::path(const json& text, const std::string& pointer) const {
    if (!text.is_string()) fail(pointer, "a path must be a string");
    try {
        return HostPath::parse(text.get<std::string>());
    } catch (const std::invalid_argument& e) {
        fail(pointer, "path '" + text.get<std::string>() + "': " + e.what());
    }
}

std::vector<std::pair<std::string, HostPath>> DefinitionReader::paths(
    const json& value, const std::string& pointer) const {
    std::vector<std::pair<std::string, HostPath>> out;
    if (value.is_string()) {
        out.emplace_back(value.get<std::string>(), path(value, pointer));
        return out;
    }
    if (!value.is_array() || value.empty()) {
        fail(pointer, "must be a path or a non-empty array of paths");
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        out.emplace_back(value[i].is_string() ? value[i].get<std::string>() : "",
                         path(value[i], child_pointer(pointer, std::to_string(i))));
    }
    return out;
}

}  // namespace meldcode::rest
