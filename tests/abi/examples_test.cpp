// The request examples of schemas/examples/ are what an integrator pastes
// first (the OpenAPI document shows them). Their schema tests prove only the
// shape: here each valid one also passes the engine, with its signals in the
// catalog and its fields of the kinds the workflow asks for. The examples are
// dated around 2026-11-25 (schemas/examples/README.md); so is the clock here.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "concern_walk.h"
#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const std::filesystem::path kExamples = MELDCODE_EXAMPLES_DIR;
// The examples' own time: after their tickets closed and their debrief was
// held, before their review date. Fixed, so the test never meets today.
constexpr const char* kExamplesNow = "2026-11-26T12:00:00Z";

std::map<std::string, json> valid_examples(const std::string& schema) {
    std::map<std::string, json> examples;
    for (const auto& file : std::filesystem::directory_iterator(kExamples / schema / "valid")) {
        std::ifstream in(file.path());
        examples[file.path().stem().string()] = json::parse(in);
    }
    REQUIRE(examples.size() >= 2);
    return examples;
}

// A concern of its own for each action example, opened by a submission.
std::string fresh_concern(const StoreFixture& store, const std::string& name) {
    store.submit("WO-" + name, "VHE-" + name, "tech-1", "waarneming");
    return store.only_concern_ref("VHE-" + name);
}

void walk_to_weighed_with_help(const StoreFixture& store, const std::string& ref) {
    walk_to_decision(store.mc(), ref);
    act(store.mc(), ref, "weigh",
        {{"suspicion", answer(true)},
         {"unsafety", answer(false)},
         {"help_possible", answer(true)},
         {"help_accepted", answer(true)}});
}

}  // namespace

TEST_CASE("the valid ticket and submission examples pass the engine, not only their schema") {
    StoreFixture store;
    store.reopen_at(kExamplesNow);
    for (const auto& [name, ticket] : valid_examples("ticket")) {
        INFO(name);
        CHECK_NOTHROW(
            store.mc().ticket_closed(actor(ticket.at("technician_id"), "observer"), ticket));
    }
    int n = 0;
    for (auto [name, submission] : valid_examples("submission")) {
        INFO(name);
        const std::string technician = "tech-example-" + std::to_string(++n);
        if (submission.contains("prompt_token")) {
            const json prompt =
                store.prompt_for("WO-example-" + name, "VHE-example-" + name, technician);
            submission["prompt_token"] = prompt.at("prompt_token");
        }
        CHECK_NOTHROW(store.mc().submit_signals(actor(technician, "observer"), submission));
    }
}

TEST_CASE("the valid action examples pass the engine on a concern where they are allowed") {
    StoreFixture store;
    store.reopen_at(kExamplesNow);
    // How far a concern must have come for each example; a new example
    // without an entry here fails, so none goes unchecked.
    const std::map<std::string, std::function<void(const std::string&)>> prepare{
        {"map_signals", [](const std::string&) {}},
        {"give_feedback_no_fields", [](const std::string&) {}},
        {"give_feedback_interim_with_aftercare", [](const std::string&) {}},
        {"record_debrief", [](const std::string&) {}},
        {"decide_with_help",
         [&](const std::string& ref) { walk_to_weighed_with_help(store, ref); }},
    };
    for (auto [name, action] : valid_examples("concern_action")) {
        INFO(name);
        const auto how = prepare.find(name);
        REQUIRE(how != prepare.end());
        const std::string ref = fresh_concern(store, name);
        how->second(ref);
        action["concern_ref"] = ref;
        CHECK_NOTHROW(store.mc().act(officer(), action));
    }
}
