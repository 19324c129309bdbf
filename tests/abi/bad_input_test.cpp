// Bad input of every kind gets a clear status, code and pointer, never
// echoes the payload, and changes nothing stored.
#include <catch2/catch.hpp>

#include "plugin_fixture.h"

using namespace meldcode::test;
using Call = meldcode::sdk::Instance::Call;

namespace {

const std::string kSecret = "GEHEIM-9f3a-observatie";

void expect_rejected(const StoreFixture& store, Call fn, const char* actor_text,
                     const char* payload, const Expect& expected) {
    meldcode::test::expect_rejected(store, fn, actor_text, payload, expected, kSecret);
}

std::string deep_nesting(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("malformed payloads are refused before anything is looked at") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string officer_text = actor("af-1", "officer").dump();
    const std::string huge =
        "{\"observations\":\"" + std::string(std::size_t{10} * 1024 * 1024, 'x') + "\"}";
    const std::string long_string = "{\"unit_id\":\"" + std::string(30000, 'x') + "\"}";
    const std::string invalid_utf8 = "{\"observations\":\"" + kSecret + "\xff\xfe\"}";
    const std::string truncated = "{\"observations\":\"" + kSecret;
    const std::string deep = deep_nesting(10000);
    const std::string nul = "{\"observations\":\"" + kSecret + "\\u0000\"}";
    const std::string out_of_range = "{\"limit\": 1e400}";
    const std::string control = "{\"unit_id\":\"VHE\\u001b[2J\"}";
    // DEL and C1 (here NEL, U+0085) are controls too, never text a person wrote.
    const std::string del = "{\"unit_id\":\"VHE\\u007f\"}";
    const std::string c1 = "{\"observations\":\"" + kSecret + "\\u0085\"}";
    // An id with a bidirectional override displays as another in a trail.
    const std::string overridden = R"({"id":"af-1\u202e2-fa","role":"officer"})";

    // The host's events come from an integration; an officer is refused
    // before the payload is read (below).
    const std::string integration = actor("erp", "integration").dump();
    for (const Call fn :
         {api.ticket_closed, api.signals_submit, api.submission_status, api.host_event_report,
          api.concerns_list, api.concern_get, api.concern_act}) {
        const std::string& officer = fn == api.host_event_report ? integration : officer_text;
        expect_rejected(store, fn, officer.c_str(), truncated.c_str(),
                        {MC_E_JSON, "invalid_json", ""});
        expect_rejected(store, fn, officer.c_str(), invalid_utf8.c_str(),
                        {MC_E_JSON, "invalid_utf8", ""});
        expect_rejected(store, fn, officer.c_str(), huge.c_str(),
                        {MC_E_TOO_LARGE, "payload_too_large", ""});
        expect_rejected(store, fn, officer.c_str(), long_string.c_str(),
                        {MC_E_TOO_LARGE, "string_too_long", "/unit_id"});
        expect_rejected(store, fn, officer.c_str(), deep.c_str(), {MC_E_JSON, "too_deep", ""});
        expect_rejected(store, fn, officer.c_str(), nul.c_str(),
                        {MC_E_PAYLOAD, "control_character", "/observations"});
        expect_rejected(store, fn, officer.c_str(), out_of_range.c_str(),
                        {MC_E_JSON, "invalid_json", ""});
        expect_rejected(store, fn, officer.c_str(), control.c_str(),
                        {MC_E_PAYLOAD, "control_character", "/unit_id"});
        expect_rejected(store, fn, officer.c_str(), del.c_str(),
                        {MC_E_PAYLOAD, "control_character", "/unit_id"});
        expect_rejected(store, fn, officer.c_str(), c1.c_str(),
                        {MC_E_PAYLOAD, "control_character", "/observations"});
        expect_rejected(store, fn, overridden.c_str(), "{}",
                        {MC_E_PAYLOAD, "invalid_actor", "/id"});
        expect_rejected(store, fn, officer.c_str(), nullptr, {MC_E_ARGUMENT, "null_argument", ""});
        expect_rejected(store, fn, nullptr, "{}", {MC_E_ARGUMENT, "invalid_actor", ""});
        expect_rejected(store, fn, "{\"id\":\"x\",\"role\":\"boss\"}", "{}",
                        {MC_E_PAYLOAD, "invalid_actor", "/role"});
    }
}

TEST_CASE("a member twice in one object is refused with its pointer, in every payload") {
    // A reader that takes the first value would see something else than the
    // store, which would take the last: neither is taken.
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string admin = actor("ad-1", "admin").dump();
    const std::string officer = actor("af-1", "officer").dump();
    const std::string submission =
        R"({"acute": false, "idempotency_key": "k-dup-1", "acute": true})";
    const std::string nested = R"({"ticket": {"unit_id": "VHE-1", "unit_id": "VHE-2"}})";
    const std::string in_array = R"({"signals": [{"id": 1}, {"id": 2, "id": 3}]})";
    for (const Call fn :
         {api.ticket_closed, api.signals_submit, api.submission_status, api.host_event_report,
          api.concerns_list, api.concern_get, api.concern_act, api.legal_hold_set, api.purge,
          api.concern_export, api.keys_rotate, api.audit_list}) {
        const char* who = fn == api.purge || fn == api.keys_rotate || fn == api.audit_list ||
                                  fn == api.host_event_report
                              ? admin.c_str()
                              : officer.c_str();
        expect_rejected(store, fn, who, submission.c_str(),
                        {MC_E_JSON, "duplicate_member", "/acute"});
        expect_rejected(store, fn, who, nested.c_str(),
                        {MC_E_JSON, "duplicate_member", "/ticket/unit_id"});
        expect_rejected(store, fn, who, in_array.c_str(),
                        {MC_E_JSON, "duplicate_member", "/signals/1/id"});
    }
    const auto rows = store.rows("audit");
    CHECK(api.audit_record(store.mc().handle(), R"({"id": "erp", "role": "integration"})",
                           R"({"action": "authentication.missing_token", "action": "x"})") ==
          MC_E_JSON);
    CHECK(std::string(api.last_error()->pointer) == "/action");
    CHECK(store.rows("audit") == rows);
    // The actor is a payload too: {"role": "observer", ..., "role": "admin"}.
    expect_rejected(store, api.concerns_list,
                    R"({"id": "af-1", "role": "observer", "role": "officer"})", "{}",
                    {MC_E_JSON, "invalid_actor", "/role"});
}

TEST_CASE("a role that may not call at all is refused before its payload is read") {
    // What is wrong with the payload is no answer to someone who may not ask:
    // 403, audited as a denial and counted as one by the sidecar.
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const json empty = json::object();
    store.check_refused(api.purge, empty, {"officer", "observer", "auditor"}, "purge_concerns");
    store.check_refused(api.concern_act, {{"action", "assign"}}, {"observer", "manager"},
                        "act_on_concern");
    store.check_refused(api.concern_export, empty, {"observer", "admin"}, "export_concern");
    store.check_refused(api.legal_hold_set, {{"hold", true}}, {"observer", "integration"},
                        "set_legal_hold");
    store.check_refused(api.concerns_list, {{"limit", 0}}, {"observer", "admin"}, "list_concerns");
    store.check_refused(api.host_event_report, empty, {"observer", "officer"}, "report_host_event");
    store.check_refused(api.audit_list, {{"limit", 0}}, {"manager", "officer"}, "read_audit");
    store.check_refused(api.keys_rotate, {{"batch", -1}}, {"officer"}, "rotate_keys");
    store.check_refused(api.figures_get, empty, {"observer", "admin"}, "read_figures");
    store.check_refused(api.concern_melding_draft, empty, {"observer", "admin"}, "draft_melding");
    // mc_audit_record answers no document: its refusal is its status.
    const auto rows = store.rows("audit");
    CHECK(api.audit_record(store.mc().handle(), actor("af-1", "officer").dump().c_str(), "{}") ==
          MC_E_FORBIDDEN);
    CHECK(store.rows("audit") == rows + 1);
}

TEST_CASE("a configuration with a member twice is refused at open, naming it") {
    const auto dir = fresh_dir();
    const json config = test_config(dir);
    std::string text = config.dump();
    // {"check_outputs": true, ..., "check_outputs": false}
    text.insert(1, R"("store_path": "elsewhere.db", )");
    mc_instance* mc = nullptr;
    const auto& api = plugin()->api();
    const mc_status status = api.open(text.c_str(), &mc);
    if (mc != nullptr) api.close(mc);
    REQUIRE(status == MC_E_JSON);
    CHECK(std::string(api.last_error()->code) == "duplicate_member");
    CHECK(std::string(api.last_error()->pointer) == "/store_path");
    CHECK_FALSE(std::filesystem::exists(dir / "elsewhere.db"));
    CHECK_FALSE(std::filesystem::exists(config.at("store_path").get<std::string>()));
}

TEST_CASE("NULL handles and output pointers are refused") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string officer = actor("af-1", "officer").dump();
    char* out = nullptr;
    CHECK(api.concerns_list(nullptr, officer.c_str(), "{}", &out) == MC_E_ARGUMENT);
    CHECK(std::string(api.last_error()->code) == "invalid_instance");
    CHECK(api.concerns_list(store.mc().handle(), officer.c_str(), "{}", nullptr) == MC_E_ARGUMENT);
    CHECK(api.open(nullptr, nullptr) == MC_E_ARGUMENT);
    CHECK(api.info(nullptr) == MC_E_ARGUMENT);
    CHECK(api.steps_due(store.mc().handle(), officer.c_str(), nullptr) == MC_E_ARGUMENT);
    CHECK(api.catalog_get(store.mc().handle(), "fr", &out) == MC_E_PAYLOAD);
    CHECK(std::string(api.last_error()->code) == "unsupported_locale");
    CHECK(out == nullptr);
    CHECK(api.extensions_get(nullptr, &out) == MC_E_ARGUMENT);
    CHECK(std::string(api.last_error()->code) == "invalid_instance");
    CHECK(out == nullptr);
    CHECK(api.extensions_get(store.mc().handle(), nullptr) == MC_E_ARGUMENT);
    CHECK(api.close(nullptr) == MC_OK);
    api.free(nullptr);
    // A good call clears the error of the bad one before it.
    REQUIRE(api.concerns_list(store.mc().handle(), officer.c_str(), "{}", &out) == MC_OK);
    CHECK(api.last_error() == nullptr);
    api.free(out);
}

TEST_CASE("payloads that break their schema or the domain's rules name the field") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string officer = actor("af-1", "officer").dump();
    const std::string technician = actor("tech-1", "observer").dump();
    store.submit("WO-1", "VHE-1", "tech-1", "eerste");
    const std::string ref = store.only_concern_ref("VHE-1");
    const json prompt = store.prompt_for("WO-2", "VHE-1", "tech-1");

    json wrong_type = ticket("WO-3", "VHE-1", "tech-1");
    wrong_type["entered_dwelling"] = "ja";
    expect_rejected(store, api.ticket_closed, technician.c_str(), wrong_type.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/entered_dwelling"});
    // Limits read as the schema states them, not as valijson prints a double.
    expect_rejected(store, api.concerns_list, officer.c_str(), R"({"limit":0})",
                    {MC_E_PAYLOAD, "schema_violation", "/limit"});
    CHECK(std::string(api.last_error()->message) ==
          "invalid field /limit: Expected number greater than or equal to 1");
    // A state the workflow lacks (here its Dutch name) would list nothing,
    // as if no concern were there: refused, naming the states there are.
    expect_rejected(store, api.concerns_list, officer.c_str(), R"({"state":"wegen"})",
                    {MC_E_PAYLOAD, "unknown_state", "/state"});
    CHECK(std::string(api.last_error()->message).find("open, signals_mapped, consulted") !=
          std::string::npos);
    CHECK(store.mc()
              .list_concerns(actor("af-1", "officer"), {{"state", "open"}})
              .at("items")
              .size() == 1);
    json no_unit = ticket("WO-3", "VHE-1", "tech-1");
    no_unit.erase("unit_id");
    expect_rejected(store, api.ticket_closed, technician.c_str(), no_unit.dump().c_str(),
                    {MC_E_PAYLOAD, "missing_field", "/unit_id"});
    json impossible_date = ticket("WO-3", "VHE-1", "tech-1");
    impossible_date["closed_at"] = "2026-02-30T10:00:00Z";
    expect_rejected(store, api.ticket_closed, technician.c_str(), impossible_date.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/closed_at"});

    // None of the rejected calls counted as a prompt for WO-3.
    CHECK(store.mc()
              .ticket_closed(actor("tech-1", "observer"), ticket("WO-3", "VHE-1", "tech-1"))
              .at("ask") == true);

    json unknown_signal = submission(prompt.at("prompt_token"), "key-unknown", kSecret);
    unknown_signal["signals"] = {"mc.home.holes_in_walls_or_doors", "mc.home.no_such_signal"};
    expect_rejected(store, api.signals_submit, technician.c_str(), unknown_signal.dump().c_str(),
                    {MC_E_PAYLOAD, "unknown_signal", "/signals/1"});
    json extra = submission(prompt.at("prompt_token"), "key-extra", kSecret);
    extra["tenant_name"] = kSecret;
    expect_rejected(store, api.signals_submit, technician.c_str(), extra.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", ""});
    CHECK(std::string(api.last_error()->message).find("this object takes acute, already_called") !=
          std::string::npos);
    CHECK(std::string(api.last_error()->message).find("tenant_name") == std::string::npos);
    json called_twice = submission(prompt.at("prompt_token"), "key-called", kSecret);
    called_twice["already_called"] = {"112", "112"};
    expect_rejected(store, api.signals_submit, technician.c_str(), called_twice.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/already_called"});
    json callback_text = submission(prompt.at("prompt_token"), "key-callback", kSecret);
    callback_text["callback_requested"] = "ja";
    expect_rejected(store, api.signals_submit, technician.c_str(), callback_text.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/callback_requested"});
    const json forged = submission("p_" + std::string(60, 'A'), "key-forged", kSecret);
    expect_rejected(store, api.signals_submit, technician.c_str(), forged.dump().c_str(),
                    {MC_E_NOT_FOUND, "unknown_prompt_token", "/prompt_token"});
    const json someone_elses = submission(prompt.at("prompt_token"), "key-other", kSecret);
    expect_rejected(store, api.signals_submit, actor("tech-2", "observer").dump().c_str(),
                    someone_elses.dump().c_str(), {MC_E_FORBIDDEN, "forbidden", "/prompt_token"});
    const json reused = submission(prompt.at("prompt_token"), "key-WO-1", kSecret);
    expect_rejected(store, api.signals_submit, technician.c_str(), reused.dump().c_str(),
                    {MC_E_CONFLICT, "idempotency_key_reused", "/idempotency_key"});

    // Either-or members are named, not "exactly one child schema".
    const std::string admin = actor("beheer-1", "admin").dump();
    expect_rejected(store, api.legal_hold_set, admin.c_str(),
                    json{{"concern_ref", ref}, {"hold", true}}.dump().c_str(),
                    {MC_E_PAYLOAD, "missing_field", "/reason"});
    expect_rejected(
        store, api.legal_hold_set, admin.c_str(),
        json{{"concern_ref", ref}, {"hold", false}, {"reason", "complaint"}}.dump().c_str(),
        {MC_E_PAYLOAD, "schema_violation", "/reason"});
    json both = submission(prompt.at("prompt_token"), "key-both", kSecret);
    both["ticket"] = {{"host_ticket_id", "WO-9"}, {"unit_id", "VHE-1"}};
    expect_rejected(store, api.signals_submit, technician.c_str(), both.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/ticket"});
    json neither = submission(prompt.at("prompt_token"), "key-neither", kSecret);
    neither.erase("prompt_token");
    expect_rejected(store, api.signals_submit, technician.c_str(), neither.dump().c_str(),
                    {MC_E_PAYLOAD, "missing_field", "/ticket"});
    // Neither signals nor observations: the refusal says that either would do,
    // not only what the signals lack.
    json empty = submission(prompt.at("prompt_token"), "key-empty", kSecret);
    empty["signals"] = json::array();
    empty["observations"] = "";
    expect_rejected(store, api.signals_submit, technician.c_str(), empty.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/signals"});
    CHECK(std::string(api.last_error()->message) ==
          "invalid field /signals: Array should contain no fewer than 1 elements; or else "
          "/observations: String should be no fewer than 1 characters in length");
    empty["observations"] = "    ";  // as empty to a reader
    expect_rejected(store, api.signals_submit, technician.c_str(), empty.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/observations"});
    // An unknown member is not named (its name is the payload's), but what the
    // object takes is: a ticket of /v1/tickets/closed's shape in a submission.
    json closed_shape = submission(prompt.at("prompt_token"), "key-shape", kSecret);
    closed_shape.erase("prompt_token");
    closed_shape["ticket"] = {
        {"host_ticket_id", "WO-9"}, {"unit_id", "VHE-1"}, {"work_type", kSecret}};
    expect_rejected(store, api.signals_submit, technician.c_str(), closed_shape.dump().c_str(),
                    {MC_E_PAYLOAD, "schema_violation", "/ticket"}, kSecret);
    CHECK(std::string(api.last_error()->message) ==
          "invalid field /ticket: unknown property (this object takes host_ticket_id, "
          "household_ref, unit_id)");
    const json unknown_concern{{"concern_ref", "c_AAAAAAAAAAAAAAAAAAAAAA"}};
    expect_rejected(store, api.concern_get, officer.c_str(), unknown_concern.dump().c_str(),
                    {MC_E_NOT_FOUND, "not_found", "/concern_ref"});
    const json missing_field{
        {"concern_ref", ref},
        {"action", "map_signals"},
        {"fields",
         {{"observations", kSecret}, {"supporting_signals", "x"}, {"children_involved", "yes"}}}};
    expect_rejected(store, api.concern_act, officer.c_str(), missing_field.dump().c_str(),
                    {MC_E_PAYLOAD, "missing_field", "/fields/undermining_signals"});
    const json too_early{{"concern_ref", ref}, {"action", "close"}, {"fields", {{"reason", "x"}}}};
    expect_rejected(store, api.concern_act, officer.c_str(), too_early.dump().c_str(),
                    {MC_E_CONFLICT, "transition_not_allowed", "/action"});
    // An assignee is an actor id: longer than one, it was stored and then
    // the concern could not be shown (found by fuzzing mc_concern_act).
    const json long_assignee{{"concern_ref", ref},
                             {"action", "assign"},
                             {"fields", {{"assignee", std::string(201, 'a')}}}};
    expect_rejected(store, api.concern_act, officer.c_str(), long_assignee.dump().c_str(),
                    {MC_E_PAYLOAD, "invalid_field", "/fields/assignee"});
    const json unknown_action{
        {"concern_ref", ref}, {"action", "shred"}, {"fields", json::object()}};
    expect_rejected(store, api.concern_act, officer.c_str(), unknown_action.dump().c_str(),
                    {MC_E_NOT_FOUND, "not_found", "/action"});
}

TEST_CASE("each role is refused what it may not do, and the refusal is audited") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    store.submit("WO-1", "VHE-1", "tech-1", "eerste");
    const std::string ref = store.only_concern_ref("VHE-1");
    const std::string get = json{{"concern_ref", ref}}.dump();
    const std::string event = json{
        {"event_id", "EV-1"},
        {"unit_id", "VHE-1"},
        {"kind", "rent_arrears"},
        {"occurred_at", kNow}}.dump();
    const long long audit_before = store.rows("audit");
    for (const char* role : {"observer", "auditor", "admin", "integration"}) {
        const std::string who = actor("someone", role).dump();
        expect_rejected(store, api.concern_get, who.c_str(), get.c_str(),
                        {MC_E_FORBIDDEN, "forbidden", ""});
        expect_rejected(store, api.concerns_list, who.c_str(), "{}",
                        {MC_E_FORBIDDEN, "forbidden", ""});
    }
    for (const char* role : {"observer", "officer", "auditor"}) {
        expect_rejected(store, api.host_event_report, actor("someone", role).dump().c_str(),
                        event.c_str(), {MC_E_FORBIDDEN, "forbidden", ""});
    }
    CHECK(store.rows("audit") == audit_before + 11);
}

TEST_CASE("an observer reports only their own tickets, and a refused one claims nothing") {
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string theirs = ticket("WO-OTHER", "VHE-1", "tech-2").dump();
    const long long audit_before = store.rows("audit");
    expect_rejected(store, api.ticket_closed, actor("tech-1", "observer").dump().c_str(),
                    theirs.c_str(), {MC_E_FORBIDDEN, "forbidden", "/technician_id"});
    REQUIRE(store.rows("audit") == audit_before + 1);
    const json newest = store.mc().list_audit(actor("au-1", "auditor"), {{"limit", 1}});
    CHECK(newest.at("items").at(0).at("action") == "denied.ticket_closed");
    // The technician who closed it is still asked.
    CHECK(store.mc()
              .ticket_closed(actor("tech-2", "observer"), ticket("WO-OTHER", "VHE-1", "tech-2"))
              .at("ask") == true);
}

TEST_CASE("a time ahead of now beyond the clock skew is refused, naming it, and claims nothing") {
    // The fixture's clock stands at kNow (10:00:00Z); the default skew is 300 s.
    StoreFixture store;
    const auto& api = store.mc().plugin().api();
    const std::string erp = actor("erp", "integration").dump();
    json early = ticket("WO-FUTURE", "VHE-F", "tech-f");
    for (const char* ahead :
         {"2026-11-25T10:05:01Z", "2026-11-28T10:00:00Z", "2031-01-01T00:00:00Z"}) {
        early["closed_at"] = ahead;
        expect_rejected(store, api.ticket_closed, erp.c_str(), early.dump().c_str(),
                        {MC_E_PAYLOAD, "in_the_future", "/closed_at"});
    }
    // Refused, the ticket id was not claimed: the real technician is still asked.
    json real = ticket("WO-FUTURE", "VHE-F", "tech-f");
    real["closed_at"] = "2026-11-25T10:05:00Z";  // within the skew
    CHECK(store.mc().ticket_closed(actor("erp", "integration"), real).at("ask") == true);

    const json event{{"event_id", "EV-FUTURE"},
                     {"unit_id", "VHE-F"},
                     {"kind", "nuisance_complaint"},
                     {"occurred_at", "2026-12-25T10:00:00Z"}};
    expect_rejected(store, api.host_event_report, erp.c_str(), event.dump().c_str(),
                    {MC_E_PAYLOAD, "in_the_future", "/occurred_at"});
    // Refused, the event id was not claimed either.
    json now_event = event;
    now_event["occurred_at"] = kNow;
    CHECK_NOTHROW(store.mc().report_host_event(actor("erp", "integration"), now_event));
    CHECK(store.rows("entries") == 1);
}
