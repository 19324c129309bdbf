// docs/extensions.md, followed step by step: every code block marked
// `tutorial=<file>` is written to an empty directory, the `tutorial=build`
// block is run there with sh, and the plugin is opened with the
// `tutorial=config` block. What the tutorial promises must then hold.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"
#include "markdown_blocks.h"
#include "plugin_fixture.h"

namespace meldcode::test {
namespace {

namespace fs = std::filesystem;

// The blocks marked `tutorial=<tag>`: tag -> text.
std::map<std::string, std::string> tutorial_blocks(const fs::path& markdown) {
    std::map<std::string, std::string> blocks;
    for (const auto& block : fenced_blocks(markdown)) {
        const std::string tag = fence_attribute(block.info, "tutorial");
        if (!tag.empty()) blocks[tag] = block.text;
    }
    return blocks;
}

void write_file(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

// The tutorial's paths are relative to the host's working directory: here, `dir`.
void resolve_paths(json& list, const fs::path& dir) {
    for (auto& path : list) path = (dir / path.get<std::string>()).lexically_normal().string();
}

}  // namespace

TEST_CASE("the extensions tutorial works step by step") {
    auto blocks = tutorial_blocks(fs::path(MELDCODE_SOURCE_DIR) / "docs" / "extensions.md");
    for (const char* tag : {"build", "config", "ticket.json", "submission.json"}) {
        INFO("docs/extensions.md has no block tutorial=" << tag);
        REQUIRE(blocks.count(tag) == 1);
    }
    const fs::path dir = fresh_dir();
    for (const auto& [tag, text] : blocks) write_file(dir / tag, text);

    // Build as the tutorial says, with nothing but the header from the source tree.
    const std::string build =
        "cd '" + dir.string() + "' && MELDCODE_SRC='" MELDCODE_SOURCE_DIR "' sh -e build";
    REQUIRE(std::system(build.c_str()) == 0);

    json extra = json::parse(blocks.at("config"));
    resolve_paths(extra["extensions"]["pack_dirs"], dir);
    resolve_paths(extra["extensions"]["libraries"], dir);
    const StoreFixture store(extra);

    // Everything the tutorial wrote was loaded: each pack file and each library.
    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    INFO(report.dump(2));
    CHECK(report.at("rejected").empty());
    CHECK(report.at("loaded").size() ==
          extra["extensions"]["pack_dirs"].size() + extra["extensions"]["libraries"].size());

    // The ticket is asked about (the configuration alone would not), with the new categories.
    const json ticket = json::parse(blocks.at("ticket.json"));
    const json observer = actor(ticket.at("technician_id"), "observer");
    const json prompt = store.mc().ticket_closed(observer, ticket);
    REQUIRE(prompt.at("ask") == true);
    for (const auto& loaded : report.at("loaded")) {
        const std::string ns = loaded.at("id").get<std::string>();
        const std::string prefix = ns.substr(0, ns.find('.') + 1);
        const auto& categories = prompt.at("form").at("categories");
        CHECK(std::any_of(categories.begin(), categories.end(), [&](const json& c) {
            return c.at("id").get<std::string>().rfind(prefix, 0) == 0;
        }));
    }

    // The submission with the new signals is accepted and reaches the officer.
    json submission = json::parse(blocks.at("submission.json"));
    submission["prompt_token"] = prompt.at("prompt_token");
    const json receipt = store.mc().submit_signals(observer, submission);
    const json concern = store.mc().get_concern(actor("af-1", "officer"), receipt);
    CHECK(concern.at("chronology").at(0).at("data").at("signals") == submission.at("signals"));

    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

}  // namespace meldcode::test
