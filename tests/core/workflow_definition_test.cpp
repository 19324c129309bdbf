// Loading workflow definitions: the schema (abi/schema_validator.h) checks the
// shape, Workflow::from_definition the consistency.
#include <filesystem>
#include <fstream>

#include "abi/schema_validator.h"
#include "core/catalog.h"
#include "core_test_support.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

// A change to a definition, with what it should break.
struct Mutation {
    const char* what;
    void (*apply)(json&);
};

json& action(json& definition, const std::string& id) {
    for (auto& a : definition.at("actions")) {
        if (a.at("id") == id) return a;
    }
    throw std::out_of_range("no action " + id);
}

}  // namespace

TEST_CASE("the embedded definitions match their schemas", "[workflow][catalog][schema]") {
    const auto [schema, file] = GENERATE(std::make_pair("workflow", "workflow.json"),
                                         std::make_pair("catalog", "catalog.json"));
    const json definition = embedded_json(file);
    CHECK(matches_schema(schema, definition));
    CHECK_NOTHROW(validate_payload(schema, definition));
}

TEST_CASE("every valid workflow example is a workflow the plugin loads", "[workflow][schema]") {
    // The examples are what a sector copies; one that only passes the schema
    // would be refused at mc_open with invalid_workflow.
    int loaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(MELDCODE_WORKFLOW_EXAMPLES)) {
        INFO(entry.path().filename().string());
        const json definition = json::parse(std::ifstream(entry.path()));
        REQUIRE(matches_schema("workflow", definition));
        CHECK_NOTHROW(Workflow::from_definition(definition));
        ++loaded;
    }
    CHECK(loaded >= 3);
}

TEST_CASE("a broken workflow definition fails its schema", "[workflow][schema]") {
    const auto mutation = GENERATE(values<Mutation>({
        {"no initial state", [](json& d) { d.erase("initial_state"); }},
        {"no actions", [](json& d) { d["actions"] = json::array(); }},
        {"a single state", [](json& d) { d["states"] = json::array({d["states"][0]}); }},
        {"an unknown top-level member", [](json& d) { d["extra"] = true; }},
        {"a state label without English", [](json& d) { d["states"][0]["label"].erase("en"); }},
        {"an action id with capitals", [](json& d) { action(d, "assign")["id"] = "Assign"; }},
        {"an empty from list", [](json& d) { action(d, "close")["from"] = json::array(); }},
        {"an unknown rule", [](json& d) { action(d, "close")["rule"] = "magic"; }},
        {"step 6", [](json& d) { action(d, "decide")["step"] = 6; }},
        {"a field type the core lacks",
         [](json& d) { action(d, "close")["fields"][0]["type"] = "number"; }},
        {"a field without required",
         [](json& d) { action(d, "close")["fields"][0].erase("required"); }},
        {"a version that is a number", [](json& d) { d["version"] = 2026; }},
    }));
    INFO(mutation.what);
    json definition = default_workflow_definition();
    mutation.apply(definition);
    CHECK_FALSE(matches_schema("workflow", definition));
    CHECK_THROWS_MATCHES(
        validate_payload("workflow", definition), Error,
        Catch::Predicate<Error>(
            [](const Error& e) {
                return e.status() == MC_E_PAYLOAD &&
                       (e.code() == "schema_violation" || e.code() == "missing_field");
            },
            "is a schema violation"));
}

TEST_CASE("a broken catalog fails its schema", "[catalog][schema]") {
    const auto mutation = GENERATE(values<Mutation>({
        {"no prompt", [](json& d) { d.erase("prompt"); }},
        {"no categories", [](json& d) { d["categories"] = json::array(); }},
        {"a category without signals",
         [](json& d) { d["categories"][0]["signals"] = json::array(); }},
        {"a signal id with capitals",
         [](json& d) { d["categories"][0]["signals"][0]["id"] = "mc.home.Holes"; }},
        {"a signal id without namespace",
         [](json& d) { d["categories"][0]["signals"][0]["id"] = "holes"; }},
        {"a label without Dutch",
         [](json& d) { d["categories"][0]["signals"][0]["label"].erase("nl"); }},
        {"a label in German", [](json& d) { d["categories"][0]["label"]["de"] = "Schaden"; }},
        {"direct as text", [](json& d) { d["categories"][0]["signals"][0]["direct"] = "yes"; }},
        {"an empty question", [](json& d) { d["prompt"]["question"]["en"] = ""; }},
    }));
    INFO(mutation.what);
    json definition = embedded_json("catalog.json");
    mutation.apply(definition);
    CHECK_FALSE(matches_schema("catalog", definition));
    CHECK_THROWS_AS(validate_payload("catalog", definition), Error);
}

TEST_CASE("schema violations name the offending member", "[workflow][schema]") {
    json definition = default_workflow_definition();
    SECTION("missing") {
        definition.erase("initial_state");
        CHECK_THROWS_MATCHES(validate_payload("workflow", definition), Error,
                             missing("/initial_state"));
    }
    SECTION("invalid") {
        definition["actions"][0]["rule"] = "magic";
        CHECK_THROWS_MATCHES(validate_payload("workflow", definition), Error,
                             payload_error("schema_violation", "/actions/0/rule"));
    }
}

TEST_CASE("from_definition rejects an inconsistent workflow", "[workflow]") {
    const auto mutation = GENERATE(values<Mutation>({
        {"an unknown initial state", [](json& d) { d["initial_state"] = "new"; }},
        {"an unknown final state", [](json& d) { d["final_states"].push_back("archived"); }},
        {"an unknown state in from", [](json& d) { action(d, "consult")["from"] = {"mapped"}; }},
        {"an unknown state next to *",
         [](json& d) {
             action(d, "assign")["from"] = {"*", "archived"};
         }},
        {"an unknown state in to", [](json& d) { action(d, "consult")["to"] = "consulting"; }},
        {"an unknown state in outcomes",
         [](json& d) { action(d, "decide")["outcomes"]["help_arranged"] = "monitored"; }},
        {"an unknown rule", [](json& d) { action(d, "close")["rule"] = "magic"; }},
        {"a duplicate action id", [](json& d) { action(d, "reopen")["id"] = "close"; }},
    }));
    INFO(mutation.what);
    json definition = default_workflow_definition();
    mutation.apply(definition);
    CHECK_THROWS_MATCHES(Workflow::from_definition(definition), Error,
                         ErrorIs(MC_E_PAYLOAD, "invalid_workflow"));
}

TEST_CASE("from_definition's checks do not rely on the schema", "[workflow]") {
    // Each of these passes the schema: only the core sees the inconsistency.
    json definition = default_workflow_definition();
    SECTION("states") {
        definition["initial_state"] = "new";
    }
    SECTION("duplicate action") {
        action(definition, "reopen")["id"] = "close";
    }
    REQUIRE(matches_schema("workflow", definition));
    CHECK_THROWS_MATCHES(Workflow::from_definition(definition), Error,
                         ErrorIs(MC_E_PAYLOAD, "invalid_workflow"));
}

TEST_CASE("a sector variant with its own states and fields works", "[workflow]") {
    const json definition = json::parse(R"({
        "id": "mc.sector_variant", "version": "1",
        "initial_state": "received", "final_states": ["done"],
        "states": [
            {"id": "received", "label": {"nl": "Ontvangen", "en": "Received"}},
            {"id": "done", "label": {"nl": "Klaar", "en": "Done"}}],
        "actions": [
            {"id": "finish", "from": ["received"], "to": "done",
             "fields": [{"name": "note", "type": "text", "required": true}]},
            {"id": "flag", "from": ["*"],
             "fields": [{"name": "urgent", "type": "boolean", "required": false}]}]
    })");
    REQUIRE(matches_schema("workflow", definition));
    const Workflow wf = Workflow::from_definition(definition);
    CHECK(wf.initial_state() == "received");
    CHECK(wf.state_ids() == std::vector<std::string>{"received", "done"});

    ConcernStatus concern;
    concern.state = "received";
    CHECK(wf.actions_now(concern).allowed == std::vector<std::string>{"finish", "flag"});
    wf.apply(concern, "flag", json::object(), today());
    CHECK(concern.state == "received");
    CHECK_THROWS_MATCHES(wf.apply(concern, "finish", json::object(), today()), Error,
                         missing("/fields/note"));
    wf.apply(concern, "finish", {{"note", "Handled."}}, today());
    CHECK(concern.state == "done");
    CHECK(wf.actions_now(concern).allowed.empty());
    CHECK_THROWS_MATCHES(wf.apply(concern, "flag", json::object(), today()), Error,
                         ErrorIs(MC_E_CONFLICT, "transition_not_allowed"));
}

TEST_CASE("from_definition rejects a rule whose fields the action does not declare",
          "[workflow][rules]") {
    // The rules read fixed fields (workflow_rules.cpp). A variant that renames,
    // drops or retypes one passes the schema and from_definition today, and
    // apply() then throws nlohmann::json exceptions instead of a meldcode::Error.
    const auto mutation = GENERATE(values<Mutation>({
        {"acute without called_112", [](json& d) { action(d, "record_acute")["fields"].erase(0); }},
        {"decide with report optional",
         [](json& d) { action(d, "decide")["fields"][0]["required"] = false; }},
        {"weigh with suspicion as text",
         [](json& d) { action(d, "weigh")["fields"][0]["type"] = "text"; }},
        {"assign with the assignee renamed",
         [](json& d) { action(d, "assign")["fields"][0]["name"] = "officer"; }},
    }));
    INFO(mutation.what);
    json definition = default_workflow_definition();
    mutation.apply(definition);
    REQUIRE(matches_schema("workflow", definition));
    CHECK_THROWS_MATCHES(Workflow::from_definition(definition), Error,
                         ErrorIs(MC_E_PAYLOAD, "invalid_workflow"));
}

TEST_CASE("from_definition rejects duplicates and outcomes that no rule produces",
          "[workflow][rules]") {
    // Each passes the schema and from_definition today. A misspelt outcome
    // silently sends "decide with help" to "decided" instead of "monitoring";
    // a duplicate field makes the second declaration dead.
    const auto mutation = GENERATE(values<Mutation>({
        {"a misspelt outcome",
         [](json& d) {
             action(d, "decide")["outcomes"] = {{"help_arangd", "monitoring"}};
         }},
        {"an outcome on a rule without outcomes",
         [](json& d) {
             action(d, "close")["outcomes"] = {{"help_arranged", "open"}};
         }},
        {"a duplicate state", [](json& d) { d["states"].push_back(d["states"][0]); }},
        {"a duplicate field",
         [](json& d) {
             action(d, "close")["fields"].push_back(
                 {{"name", "reason"}, {"type", "boolean"}, {"required", false}});
         }},
    }));
    INFO(mutation.what);
    json definition = default_workflow_definition();
    mutation.apply(definition);
    REQUIRE(matches_schema("workflow", definition));
    CHECK_THROWS_MATCHES(Workflow::from_definition(definition), Error,
                         ErrorIs(MC_E_PAYLOAD, "invalid_workflow"));
}

}  // namespace meldcode::test
