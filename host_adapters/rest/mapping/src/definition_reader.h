// Reading a mapping definition with errors that name the mapping and the
// JSON pointer of the offending place in it.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "host_path.h"
#include "meldcode/rest/ticket_mapping.h"

namespace meldcode::rest {

class DefinitionReader {
public:
    explicit DefinitionReader(std::string mapping_name) : name_(std::move(mapping_name)) {}

    [[noreturn]] void fail(const std::string& pointer, const std::string& reason) const {
        throw MappingError(
            "ticket mapping '" + name_ + "': " + (pointer.empty() ? "/" : pointer) + ": " + reason,
            pointer);
    }

    // Only the listed members may appear in `object` (an object at `pointer`).
    void only_members(const nlohmann::json& object, const std::string& pointer,
                      std::initializer_list<const char*> allowed) const;

    // Fails when `object` has members besides `member` (and "$comment").
    void alone(const nlohmann::json& object, const std::string& pointer, const char* member) const;

    HostPath path(const nlohmann::json& text, const std::string& pointer) const;

    // A string or an array of them.
    std::vector<std::pair<std::string, HostPath>> paths(const nlohmann::json& value,
                                                        const std::string& pointer) const;

private:
    std::string name_;
};

// "/fields" + "unit_id" -> "/fields/unit_id" (escaping ~ and /).
std::string child_pointer(const std::string& pointer, const std::string& token);

}  // namespace meldcode::rest
