// The fields of every action: required, typed, no unknown ones. Every
// rejection leaves the concern as it was.
#include "core/workflow_fields.h"
#include "core_test_support.h"
#include "workflow_fixtures.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

// A value a field of some type must reject, and what the error says:
// `suffix` is appended to the field's pointer "/fields/<name>".
struct BadValue {
    json value;
    std::string code;
    std::string suffix;
};

json person(const std::string& who, const std::string& relation) {
    return {{"person", who}, {"relation", relation}};
}

json with(json p, const std::string& key, const json& value) {
    p[key] = value;
    return p;
}

// People as roles and nothing that could name them.
std::vector<BadValue> bad_people() {
    const json adult = person("adult A", "possible_victim");
    const json child = with(person("child 1", "child_witness"), "age", 7);
    const json too_many = [] {
        json all = json::array();
        for (int i = 1; i <= 31; ++i) {
            all.push_back(with(person("child " + std::to_string(i), "other"), "age", 5));
        }
        return all;
    }();
    return {
        {"adult A", "invalid_field", ""},
        {json::array(), "invalid_field", ""},
        {too_many, "invalid_field", ""},
        {json::array({42}), "invalid_field", "/0"},
        {json::array({{{"person", "adult A"}}}), "missing_field", "/0/relation"},
        {json::array({{{"relation", "other"}}}), "missing_field", "/0/person"},
        {json::array({person("Johanna", "other")}), "invalid_field", "/0/person"},
        {json::array({person("adult a", "other")}), "invalid_field", "/0/person"},
        {json::array({person("child 0", "other")}), "invalid_field", "/0/person"},
        {json::array({adult, with(adult, "relation", "other")}), "invalid_field", "/1/person"},
        {json::array({person("adult A", "victim")}), "invalid_field", "/0/relation"},
        {json::array({person("child 1", "other")}), "missing_field", "/0/age"},
        {json::array({with(child, "age", 18)}), "invalid_field", "/0/age"},
        {json::array({with(child, "age", 6.5)}), "invalid_field", "/0/age"},
        {json::array({with(child, "age", "7")}), "invalid_field", "/0/age"},
        {json::array({with(adult, "age", 17)}), "invalid_field", "/0/age"},
        {json::array({with(adult, "name", "Johanna")}), "invalid_field", "/0/name"},
        {json::array({with(adult, "birth_date", "1980-01-01")}), "invalid_field", "/0/birth_date"},
        {json::array({with(adult, "address", "Lindenlaan 1")}), "invalid_field", "/0/address"},
        {json::array({person("adult B", "child_witness")}), "invalid_field", "/0/relation"}};
}

std::vector<BadValue> bad_values(const std::string& type) {
    const std::string long_text(fields::kMaxTextChars, 'x');
    if (type == "text") {
        return {{42, "invalid_field", ""},
                {true, "invalid_field", ""},
                {nullptr, "invalid_field", ""},
                {json::array({"a"}), "invalid_field", ""},
                {"", "invalid_field", ""},
                {" \t\r\n ", "invalid_field", ""},
                {long_text + "y", "invalid_field", ""}};
    }
    if (type == "boolean") {
        return {{"true", "invalid_field", ""},
                {1, "invalid_field", ""},
                {0, "invalid_field", ""},
                {nullptr, "invalid_field", ""}};
    }
    if (type == "date") {
        return {{"2026-02-30", "invalid_field", ""}, {"2026-13-01", "invalid_field", ""},
                {"2025-02-29", "invalid_field", ""}, {"2026-3-1", "invalid_field", ""},
                {"01-03-2026", "invalid_field", ""}, {"2026-03-01T00:00:00Z", "invalid_field", ""},
                {"", "invalid_field", ""},           {20260301, "invalid_field", ""},
                {nullptr, "invalid_field", ""}};
    }
    if (type == "date_time") {
        return {{"2026-03-01", "invalid_field", ""},
                {"2026-02-30T10:00:00Z", "invalid_field", ""},
                {"2026-03-01T24:00:00Z", "invalid_field", ""},
                {"2026-03-01T10:60:00Z", "invalid_field", ""},
                {"2026-03-01T10:00:00", "invalid_field", ""},
                {"2026-03-01T10:00:00+25:00", "invalid_field", ""},
                {"tomorrow at ten o'clock", "invalid_field", ""},
                {1772359200, "invalid_field", ""},
                {nullptr, "invalid_field", ""}};
    }
    if (type == "choice") {
        return {{"maybe", "invalid_field", ""},
                {"YES", "invalid_field", ""},
                {true, "invalid_field", ""},
                {json::array({"yes"}), "invalid_field", ""},
                {nullptr, "invalid_field", ""}};
    }
    if (type == "people") return bad_people();
    // answer and decision: an object of a yes/no member and a text member.
    const std::string flag = type == "answer" ? "answer" : "decision";
    const std::string text = type == "answer" ? "explanation" : "rationale";
    return {{true, "invalid_field", ""},
            {"yes", "invalid_field", ""},
            {json::array({true, "because"}), "invalid_field", ""},
            {{{flag, true}}, "missing_field", "/" + text},
            {{{text, "Because."}}, "missing_field", "/" + flag},
            {json::object(), "missing_field", "/" + flag},
            {{{flag, "yes"}, {text, "Because."}}, "invalid_field", "/" + flag},
            {{{flag, 1}, {text, "Because."}}, "invalid_field", "/" + flag},
            {{{flag, true}, {text, ""}}, "invalid_field", "/" + text},
            {{{flag, true}, {text, "  "}}, "invalid_field", "/" + text},
            {{{flag, true}, {text, 7}}, "invalid_field", "/" + text},
            {{{flag, true}, {text, "Because."}, {"note", "x"}}, "invalid_field", ""}};
}

// Applies `fields` for `action` from its start state, expects `matcher`, and
// checks that the concern did not change.
void require_rejected(const std::string& action, const json& fields, const ErrorIs& matcher) {
    ConcernStatus concern = concern_for(action, start_state(action));
    const json before = snapshot(concern);
    CHECK_THROWS_MATCHES(default_workflow().apply(concern, action, fields, today()), Error,
                         matcher);
    CHECK(snapshot(concern) == before);
}

}  // namespace

TEST_CASE("the valid fixture of every action is accepted", "[workflow][fields]") {
    const auto& spec = GENERATE(from_range(default_actions()));
    INFO("action " << spec.id);
    ConcernStatus concern = concern_for(spec.id, start_state(spec.id));
    CHECK_NOTHROW(default_workflow().apply(concern, spec.id, valid_fields(spec.id), today()));
}

TEST_CASE("optional fields are accepted and recorded", "[workflow][fields]") {
    const auto [action, extras] = GENERATE(
        std::make_pair(std::string("map_signals"),
                       json{{"sources", "The neighbour told the caretaker."},
                            {"interpretations", "Caretaker's impression: the child is afraid."}}),
        std::make_pair(std::string("consult"), json{{"veilig_thuis_consulted", false}}));
    json fields = valid_fields(action);
    fields.update(extras);
    ConcernStatus concern = concern_for(action, start_state(action));
    CHECK(default_workflow().apply(concern, action, fields, today()).fields == fields);
}

namespace {

// `count` copies of `character` (one code point, possibly several bytes).
std::string repeated(const std::string& character, std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += character;
    return text;
}

}  // namespace

TEST_CASE("text may be as long as the limit in characters, not longer", "[workflow][fields]") {
    // "é" is two bytes and "€" three in UTF-8: the limit counts characters.
    const auto character = GENERATE(as<std::string>{}, "x", "\xC3\xA9", "\xE2\x82\xAC");
    INFO(character.size() << "-byte character");
    json fields = valid_fields("close");
    fields["reason"] = repeated(character, fields::kMaxTextChars);
    ConcernStatus concern = concern_for("close", "decided");
    CHECK_NOTHROW(default_workflow().apply(concern, "close", fields, today()));
    fields["reason"] = repeated(character, fields::kMaxTextChars + 1);
    require_rejected("close", fields, invalid("/fields/reason"));
}

TEST_CASE("every required field is required", "[workflow][fields]") {
    const auto& spec = GENERATE(from_range(default_actions()));
    for (const auto& field : spec.fields) {
        if (!field.required) continue;
        INFO("action " << spec.id << " without " << field.name);
        json fields = valid_fields(spec.id);
        REQUIRE(fields.erase(field.name) == 1);
        require_rejected(spec.id, fields, missing("/fields/" + field.name));
    }
}

TEST_CASE("the fixtures name every field of the definition with its type", "[workflow][fields]") {
    // Guards the tables below: a field added to workflow.json must appear here.
    const json& definition = default_workflow_definition();
    for (const auto& action : definition.at("actions")) {
        const ActionSpec& spec = action_spec(action.at("id").get<std::string>());
        INFO("action " << spec.id);
        REQUIRE(action.at("fields").size() == spec.fields.size());
        for (std::size_t i = 0; i < spec.fields.size(); ++i) {
            CHECK(action.at("fields")[i].at("name") == spec.fields[i].name);
            CHECK(action.at("fields")[i].at("type") == spec.fields[i].type);
            CHECK(action.at("fields")[i].at("required") == spec.fields[i].required);
        }
    }
}

TEST_CASE("a field of the wrong type is invalid, named by its pointer", "[workflow][fields]") {
    const auto& spec = GENERATE(from_range(default_actions()));
    for (const auto& field : spec.fields) {
        for (const auto& bad : bad_values(field.type)) {
            INFO("action " << spec.id << ", " << field.type << " field " << field.name << " = "
                           << bad.value.dump().substr(0, 60));
            json fields = valid_fields(spec.id);
            fields[field.name] = bad.value;
            require_rejected(spec.id, fields,
                             payload_error(bad.code, "/fields/" + field.name + bad.suffix));
        }
    }
}

TEST_CASE("an unknown field is rejected", "[workflow][fields]") {
    const auto& spec = GENERATE(from_range(default_actions()));
    INFO("action " << spec.id);
    json fields = valid_fields(spec.id);
    SECTION("a name no action has") {
        fields["remarks"] = "x";
        require_rejected(spec.id, fields, payload_error("unknown_field", "/fields"));
    }
    SECTION("a field of another action") {
        const std::string other = spec.id == "assign" ? "close" : "assign";
        const json borrowed = valid_fields(other);
        fields.update(borrowed);
        require_rejected(spec.id, fields, payload_error("unknown_field", "/fields"));
    }
}

TEST_CASE("a person sent with a role member is refused, naming the member it is called",
          "[workflow][fields]") {
    // The natural guess, as the help text speaks of "a role".
    const json fields{
        {"people", {{{"role", "child 1"}, {"relation", "child_witness"}, {"age", 7}}}}};
    require_rejected("record_people", fields, invalid("/fields/people/0/role"));
    ConcernStatus concern = concern_for("record_people", "open");
    try {
        default_workflow().apply(concern, "record_people", fields, today());
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("only person (a role: adult A, child 1, ...)") !=
              std::string::npos);
    }
}

TEST_CASE("fields must be a JSON object", "[workflow][fields]") {
    const auto fields = GENERATE(json(nullptr), json::array(), json("reason"), json(3));
    require_rejected("close", fields, invalid("/fields"));
}

TEST_CASE("a date-time of something that happened may not lie past now and the skew",
          "[workflow][fields]") {
    // today(): 2026-03-01 12:00 UTC with 300 s of skew allowed.
    for (const char* action : {"consult", "hold_conversation", "record_acute"}) {
        const auto spec = std::find_if(default_actions().begin(), default_actions().end(),
                                       [&](const auto& a) { return a.id == action; });
        REQUIRE(spec != default_actions().end());
        const auto field = std::find_if(spec->fields.begin(), spec->fields.end(),
                                        [](const auto& f) { return f.type == "date_time"; });
        REQUIRE(field != spec->fields.end());
        INFO("action " << action << ", field " << field->name);
        json fields = valid_fields(action);
        for (const char* within : {"2026-03-01T12:05:00Z", "2026-03-01T13:05:00+01:00"}) {
            fields[field->name] = within;
            ConcernStatus concern = concern_for(action, start_state(action));
            CHECK_NOTHROW(default_workflow().apply(concern, action, fields, today()));
        }
        for (const char* ahead : {"2026-03-01T12:05:01Z", "2031-03-01T10:00:00Z"}) {
            fields[field->name] = ahead;
            require_rejected(action, fields,
                             payload_error("in_the_future", "/fields/" + field->name));
        }
    }
}

}  // namespace meldcode::test
