// The "format" keyword of our schemas ("date-time", "date"), checked natively:
// the places a schema declares a format are found once when it is loaded,
// and each payload's values there are parsed with the core's own time
// functions, which also refuse dates that do not exist.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode {

struct FormatSite {
    std::vector<std::string> path;  // member names; "*" for every item of an array
    std::string format;
};

using SchemaLoader = std::function<nlohmann::json(const std::string& file)>;

// Walks properties, items, combinators and $refs (local and to other files).
std::vector<FormatSite> format_sites(const nlohmann::json& schema, const SchemaLoader& load);

// Throws Error(MC_E_PAYLOAD, "invalid_field") naming the first value that
// is a string but not of its declared format.
void check_formats(const std::vector<FormatSite>& sites, const nlohmann::json& doc);

}  // namespace meldcode
