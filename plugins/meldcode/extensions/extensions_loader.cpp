#include "extensions/extensions_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "abi/json_input.h"
#include "abi/schema_validator.h"
#include "core/errors.h"
#include "extensions/extension_library.h"

namespace meldcode {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class Loader {
public:
    explicit Loader(Catalog& catalog) : catalog_(catalog) {}

    void pack_dir(const std::string& dir) {
        std::vector<fs::path> files;
        std::error_code error;
        for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
            if (it->path().extension() == ".json") files.push_back(it->path());
        }
        if (error) {
            reject("pack", dir, "unreadable", "cannot read the pack directory");
            return;
        }
        std::sort(files.begin(), files.end());  // a stable order of categories
        for (const auto& file : files) pack_file(file.string());
    }

    void library(const std::string& path) {
        try {
            const auto extension = ExtensionLibrary::load(path);
            add(extension->pack_text(), "library", path, extension->has_prompt_rule());
            if (extension->has_prompt_rule()) result_.prompt_rules.push_back(extension);
        } catch (const Error& e) {
            reject("library", path, e.code(), e.what());
        }
    }

    LoadedExtensions take() { return std::move(result_); }

private:
    void pack_file(const std::string& path) {
        std::ifstream file(path, std::ios::binary);
        std::ostringstream text;
        text << file.rdbuf();
        if (!file) {
            reject("pack", path, "unreadable", "cannot read the pack file");
            return;
        }
        try {
            add(text.str(), "pack", path, false);
        } catch (const Error& e) {
            reject("pack", path, e.code(), e.what());
        }
    }

    // Checks a pack against its schema and the catalog's rules, then adds it.
    void add(const std::string& text, const char* kind, const std::string& source,
             bool prompt_rule) {
        json pack;
        try {
            pack = parse_payload(text.c_str());
            validate_payload("catalog", pack);
        } catch (const Error& e) {
            const std::string at = e.pointer().empty() ? "" : " (at " + e.pointer() + ")";
            throw Error(MC_E_PAYLOAD, "invalid_pack",
                        std::string("not a valid catalog pack: ") + e.what() + at);
        }
        catalog_.add_pack(pack);
        std::size_t signals = 0;
        for (const auto& c : pack.value("categories", json::array())) {
            signals += c.at("signals").size();
        }
        result_.report["loaded"].push_back(
            {{"kind", kind},
             {"source", source},
             {"id", pack.at("id")},
             {"version", pack.at("version")},
             {"signals", signals},
             {"prompt_rule", prompt_rule},
             {"texts", pack.contains("texts")},
             {"switched_off", pack.value("switched_off", json::array()).size()}});
    }

    void reject(const char* kind, const std::string& source, const std::string& code,
                const std::string& reason) {
        result_.report["rejected"].push_back(
            {{"kind", kind}, {"source", source}, {"code", code}, {"reason", reason}});
    }

    Catalog& catalog_;
    LoadedExtensions result_{{{"loaded", json::array()}, {"rejected", json::array()}}, {}};
};

std::vector<std::string> list(const json& config, const char* key) {
    if (!config.is_object() || !config.contains(key)) return {};
    return config.at(key).get<std::vector<std::string>>();
}

}  // namespace

LoadedExtensions load_extensions(const json& config, Catalog& catalog) {
    Loader loader(catalog);
    for (const auto& dir : list(config, "pack_dirs")) loader.pack_dir(dir);
    for (const auto& path : list(config, "libraries")) loader.library(path);
    return loader.take();
}

}  // namespace meldcode
