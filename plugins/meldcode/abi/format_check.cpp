#include "abi/format_check.h"

#include "abi/json_input.h"
#include "core/errors.h"
#include "core/time.h"

namespace meldcode {
namespace {

using nlohmann::json;

// Refs in our schemas never recurse; the bound only guards a future mistake.
constexpr int kMaxRefDepth = 16;

struct Walker {
    const SchemaLoader& load;
    std::vector<FormatSite> sites;

    void walk(const json& node, const json& root, std::vector<std::string>& path, int depth) {
        if (!node.is_object() || depth > kMaxRefDepth) return;
        if (node.contains("$ref")) follow(node.at("$ref").get<std::string>(), root, path, depth);
        if (node.contains("format") && node.at("format").is_string()) {
            sites.push_back({path, node.at("format").get<std::string>()});
        }
        if (node.contains("properties")) {
            for (const auto& [name, sub] : node.at("properties").items()) {
                path.push_back(name);
                walk(sub, root, path, depth);
                path.pop_back();
            }
        }
        if (node.contains("items")) {
            path.emplace_back("*");
            walk(node.at("items"), root, path, depth);
            path.pop_back();
        }
        for (const char* combinator : {"anyOf", "oneOf", "allOf"}) {
            if (!node.contains(combinator)) continue;
            for (const auto& branch : node.at(combinator)) walk(branch, root, path, depth);
        }
        for (const char* branch : {"then", "else"}) {
            if (node.contains(branch)) walk(node.at(branch), root, path, depth);
        }
    }

    void follow(const std::string& ref, const json& root, std::vector<std::string>& path,
                int depth) {
        const auto hash = ref.find('#');
        const std::string file = ref.substr(0, hash);
        const std::string fragment = hash == std::string::npos ? "" : ref.substr(hash + 1);
        const json other = file.empty() ? json() : load(file);
        const json& target_root = file.empty() ? root : other;
        walk(target_root.at(json::json_pointer(fragment)), target_root, path, depth + 1);
    }
};

bool valid(const std::string& format, const std::string& value) {
    if (format == "date-time") return parse_timestamp(value).has_value();
    if (format == "date") return parse_date(value).has_value();
    return true;  // formats we do not declare are not checked, as JSON Schema allows
}

void check(const FormatSite& site, std::size_t depth, const json& value,
           const std::string& pointer) {
    if (depth == site.path.size()) {
        if (value.is_string() && !valid(site.format, value.get_ref<const std::string&>())) {
            throw Error(MC_E_PAYLOAD, "invalid_field",
                        "invalid field " + pointer + ": not a real " + site.format, pointer);
        }
        return;
    }
    const std::string& step = site.path[depth];
    if (step == "*" && value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            check(site, depth + 1, value[i], pointer + "/" + std::to_string(i));
        }
    } else if (value.is_object() && value.contains(step)) {
        check(site, depth + 1, value.at(step), pointer + "/" + pointer_token(step));
    }
}

}  // namespace

std::vector<FormatSite> format_sites(const json& schema, const SchemaLoader& load) {
    Walker walker{load, {}};
    std::vector<std::string> path;
    walker.walk(schema, schema, path, 0);
    return walker.sites;
}

void check_formats(const std::vector<FormatSite>& sites, const json& doc) {
    for (const auto& site : sites) check(site, 0, doc, "");
}

}  // namespace meldcode
