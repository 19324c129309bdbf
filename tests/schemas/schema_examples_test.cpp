// Every example in schemas/examples/<name>/{valid,invalid}/ checked with the
// plugin's own validator (valijson). tests/schemas/check_examples.mjs checks
// the same files with ajv, so the two validators cannot drift apart unnoticed.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "abi/json_input.h"
#include "abi/schema_validator.h"
#include "core/errors.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMinValid = 2;
constexpr std::size_t kMinInvalid = 3;
const std::string kSchemaSuffix = ".schema.json";

fs::path schema_dir() {
    return fs::path(MELDCODE_SCHEMA_DIR);
}
fs::path example_dir() {
    return schema_dir() / "examples";
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "ticket" for schemas/ticket.schema.json, sorted.
std::vector<std::string> schema_names() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(schema_dir())) {
        const auto file = entry.path().filename().string();
        if (entry.is_regular_file() && ends_with(file, kSchemaSuffix)) {
            names.push_back(file.substr(0, file.size() - kSchemaSuffix.size()));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<fs::path> json_files(const fs::path& dir) {
    std::vector<fs::path> files;
    if (!fs::is_directory(dir)) return files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct Example {
    std::string schema;
    fs::path file;
};

std::vector<Example> examples(const std::string& kind) {
    std::vector<Example> all;
    for (const auto& name : schema_names()) {
        for (const auto& file : json_files(example_dir() / name / kind))
            all.push_back({name, file});
    }
    return all;
}

// Read as a host's payload is read: through the plugin's own parser, which
// also turns 3.0 into 3 as JSON Schema counts it.
json read_json(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return meldcode::parse_payload(text.c_str());
}

// Every string in the document (members' values and array elements).
void collect_strings(const json& value, std::vector<std::string>& out) {
    if (value.is_string()) {
        out.push_back(value.get<std::string>());
    } else if (value.is_structured()) {
        for (const auto& member : value) collect_strings(member, out);
    }
}

// Member names of the document: a pointer may name them even where a value
// says the same (the form names the submission's fields it sets).
void collect_keys(const json& value, std::set<std::string>& out) {
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            out.insert(key);
            collect_keys(member, out);
        }
    } else if (value.is_array()) {
        for (const auto& member : value) collect_keys(member, out);
    }
}

}  // namespace

TEST_CASE("every schema has enough examples, every example a schema") {
    const auto names = schema_names();
    REQUIRE_FALSE(names.empty());
    for (const auto& name : names) {
        INFO("schema " << name << ".schema.json, examples in " << (example_dir() / name));
        CHECK(json_files(example_dir() / name / "valid").size() >= kMinValid);
        CHECK(json_files(example_dir() / name / "invalid").size() >= kMinInvalid);
    }
    for (const auto& entry : fs::directory_iterator(example_dir())) {
        if (!entry.is_directory()) continue;  // README.md
        INFO("examples folder " << entry.path());
        CHECK(std::find(names.begin(), names.end(), entry.path().filename().string()) !=
              names.end());
    }
}

TEST_CASE("the plugin's validator accepts every valid example") {
    const auto all = examples("valid");
    REQUIRE_FALSE(all.empty());
    for (const auto& example : all) {
        INFO(example.file.string());
        json doc;
        REQUIRE_NOTHROW(doc = read_json(example.file));
        CHECK(meldcode::matches_schema(example.schema, doc));
        try {
            meldcode::validate_payload(example.schema, doc);
        } catch (const meldcode::Error& e) {
            FAIL_CHECK("rejected: " << e.code() << " at '" << e.pointer() << "': " << e.what());
        } catch (const std::exception& e) {
            FAIL_CHECK("validator failed: " << e.what());
        }
    }
}

TEST_CASE("the plugin's validator rejects every invalid example with a clear error") {
    const auto all = examples("invalid");
    REQUIRE_FALSE(all.empty());
    for (const auto& example : all) {
        INFO(example.file.string());
        json doc;
        try {
            doc = read_json(example.file);
        } catch (const meldcode::Error& e) {
            // Refused by the parser's rules for every string (e.g. a string
            // over the length limit), before the schema is looked at.
            CHECK((e.status() == MC_E_PAYLOAD || e.status() == MC_E_TOO_LARGE));
            continue;
        }
        CHECK_FALSE(meldcode::matches_schema(example.schema, doc));
        try {
            meldcode::validate_payload(example.schema, doc);
            FAIL_CHECK("accepted");
        } catch (const meldcode::Error& e) {
            const std::string message = e.what();
            INFO(e.code() << " at '" << e.pointer() << "': " << message);
            CHECK(e.status() == MC_E_PAYLOAD);
            CHECK_FALSE(e.code().empty());
            CHECK_FALSE(message.empty());
            // A JSON pointer (RFC 6901) to the offending place: the document
            // itself, a member or element, or a required member that is missing.
            CHECK((e.pointer().empty() || e.pointer().front() == '/'));
            if (!e.pointer().empty()) {
                const json::json_pointer pointer(e.pointer());
                CHECK(doc.contains(pointer.parent_pointer()));
            }
            // missing_<member>.json leaves out a required top-level member
            // (schemas/examples/README.md): the error must name it.
            const std::string stem = example.file.stem().string();
            const std::string missing = "missing_";
            if (stem.rfind(missing, 0) == 0) {
                CHECK(e.code() == "missing_field");
                CHECK(e.pointer() == "/" + stem.substr(missing.size()));
            }
            // Messages are fixed text: they never echo what the payload says.
            std::vector<std::string> strings;
            collect_strings(doc, strings);
            std::set<std::string> keys;
            collect_keys(doc, keys);
            for (const auto& s : strings) {
                if (s.size() >= 8 && keys.count(s) == 0) {
                    CHECK(message.find(s) == std::string::npos);
                }
            }
        } catch (const std::exception& e) {
            FAIL_CHECK("validator failed: " << e.what());
        }
    }
}
