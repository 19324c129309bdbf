#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>
#include <nlohmann/json.hpp>

namespace meldcode::fuzz {

using nlohmann::json;

const char* const kOfficer = R"({"id": "af-1", "role": "officer"})";
const char* const kIntegration = R"({"id": "erp", "role": "integration"})";
const char* const kObserver = R"({"id": "tech-0042", "role": "observer"})";
const char* const kAdmin = R"({"id": "records-1", "role": "admin"})";
const char* const kAuditor = R"({"id": "audit-1", "role": "auditor"})";

namespace {

// The fixture's clock stands still, so that seed dates stay inside the
// prompt rules' window and prompt tokens never expire.
constexpr const char* kNow = "2026-11-25T10:00:00Z";
constexpr const char* kOtherObserver = R"({"id": "tech-0007", "role": "observer"})";

// References in schemas/examples/ that the copied seeds use.
constexpr const char* kExampleOpenConcern = "c_Q2v8XwzM1pL0aB7sT4nRkA";
constexpr const char* kExampleWeighedConcern = "c_7fGh2JkLmN0pQrStUvWx_-";
constexpr const char* kExampleOwnSubmission = "s_Xk3dP9qLw2ZtB8vN5mRy0A";
constexpr const char* kExampleOtherSubmission = "s_b4Tn-Ue7Wq1_Hs6Jd0Fg2K";
constexpr const char* kExamplePromptToken =
    "p_CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW-yBFao-02f4jSG2St9wBJkt"
    "wlbrfBClOc5i94gcsUXabwOUKL1R5nsPoDTJXfKHG";

// Stable codes are snake_case identifiers.
bool valid_code(const char* code) {
    if (code == nullptr || *code == '\0') return false;
    for (const char* c = code; *c != '\0'; ++c) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
    }
    return true;
}

// Setup calls must succeed: a failure here is a broken fixture, not a finding.
json must(const char* call, mc_status status, char* out) {
    if (status != MC_OK) {
        const mc_error* e = mc_last_error();
        std::fprintf(stderr, "meldcode fuzz: fixture setup failed: %s: %s (%s)\n", call,
                     e ? e->code : "?", e ? e->message : "?");
        std::abort();
    }
    json answer = json::parse(out);
    mc_free(out);
    return answer;
}

json submit(mc_instance* mc, const char* actor, const json& submission) {
    char* out = nullptr;
    return must("mc_signals_submit", mc_signals_submit(mc, actor, submission.dump().c_str(), &out),
                out);
}

json act(mc_instance* mc, const std::string& ref, const char* action, const json& fields) {
    const json doc{{"concern_ref", ref}, {"action", action}, {"fields", fields}};
    char* out = nullptr;
    return must(action, mc_concern_act(mc, kOfficer, doc.dump().c_str(), &out), out);
}

json answer(bool yes) {
    return {{"answer", yes}, {"explanation", "toelichting"}};
}

json decision(bool yes) {
    return {{"decision", yes}, {"rationale", "onderbouwing"}};
}

// "c_<state>" padded to the 22 characters of a random reference.
std::string placeholder(const std::string& state) {
    return "c_" + state + std::string(22 - state.size(), '0');
}

// The workflow actions that take a new concern to each state.
std::vector<std::pair<std::string, std::vector<std::pair<const char*, json>>>> walks() {
    const std::pair<const char*, json> map{"map_signals",
                                           {{"observations", "feiten"},
                                            {"supporting_signals", "gat in deur"},
                                            {"undermining_signals", "geen"},
                                            {"children_involved", "yes"}}};
    const std::pair<const char*, json> consult{"consult",
                                               {{"consulted_with", "Veilig Thuis"},
                                                {"consulted_at", "2026-11-25T09:00:00+01:00"},
                                                {"question", "vraag"},
                                                {"advice", "advies"}}};
    const std::pair<const char*, json> talk{"hold_conversation",
                                            {{"held_with", "bewoner"},
                                             {"held_at", "2026-11-25T09:30:00Z"},
                                             {"facts_presented", "feiten"},
                                             {"reaction", "reactie"},
                                             {"officer_reading", "duiding"}}};
    const std::pair<const char*, json> weigh{"weigh",
                                             {{"suspicion", answer(true)},
                                              {"unsafety", answer(false)},
                                              {"help_possible", answer(true)},
                                              {"help_accepted", answer(true)}}};
    const std::pair<const char*, json> help{"decide",
                                            {{"report", decision(false)},
                                             {"help", decision(true)},
                                             {"monitoring_agreements", "wijkteam belt wekelijks"},
                                             {"review_date", "2026-12-01"}}};
    const std::pair<const char*, json> report{
        "decide", {{"report", decision(true)}, {"help", decision(false)}}};
    const std::pair<const char*, json> melding{"report_to_veilig_thuis",
                                               {{"reported_at", "2026-11-25T09:40:00Z"},
                                                {"channel", "phone"},
                                                {"region", "Utrecht"},
                                                {"client_informed", false},
                                                {"not_informed_reason", "gevaar"},
                                                {"reporter_unnamed_to_family", true},
                                                {"corporation_role", "meldt nieuwe signalen"}}};
    const std::pair<const char*, json> feedback{"give_feedback", json::object()};
    const std::pair<const char*, json> close{"close", {{"reason", "gemeld bij Veilig Thuis"}}};
    return {{"open", {}},
            {"signals_mapped", {map}},
            {"consulted", {map, consult}},
            {"conversation_done", {map, consult, talk}},
            {"weighed", {map, consult, talk, weigh}},
            {"monitoring", {map, consult, talk, weigh, help}},
            {"decided", {map, consult, talk, weigh, report}},
            {"closed", {map, consult, talk, weigh, report, melding, feedback, close}}};
}

}  // namespace

void fail(const char* call, const std::string& what) {
    const mc_error* e = mc_last_error();
    std::fprintf(stderr, "meldcode fuzz: %s: %s\n", call, what.c_str());
    if (e != nullptr) {
        std::fprintf(stderr,
                     "  last error: status %d, code \"%s\", message \"%s\", pointer \"%s\"\n",
                     static_cast<int>(e->status), e->code ? e->code : "(null)",
                     e->message ? e->message : "(null)", e->pointer ? e->pointer : "(null)");
    }
    std::fflush(stderr);
    __builtin_trap();
}

std::string payload(const std::uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

const std::string& temp_dir() {
    static const std::string dir = [] {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/meldcode-fuzz-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) {
            std::perror("meldcode fuzz: mkdtemp");
            std::abort();
        }
        return pattern;
    }();
    static const bool cleanup_registered = [] {
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(temp_dir(), ignored);
        });
        return true;
    }();
    (void)cleanup_registered;
    return dir;
}

const json& keys_config() {
    static const json keys = [] {
        // A fixed key: the fuzzer needs a valid ring, not a secret one.
        const std::string path = temp_dir() + "/fuzz.keys";
        const json ring{{"active", "fuzz"}, {"keys", {{"fuzz", std::string(64, 'f')}}}};
        std::ofstream(path) << ring.dump();
        std::filesystem::permissions(
            path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        return json{{"file", path}};
    }();
    return keys;
}

void remove_store(const std::string& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path + suffix, ignored);
    }
}

void check_result(const char* call, mc_status status, bool has_out, const char* out) {
    // MELDCODE_FUZZ_VERBOSE=1 build-fuzz/fuzz_<target> <files>: what each seed gets.
    static const bool verbose = std::getenv("MELDCODE_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
        const mc_error* v = mc_last_error();
        std::fprintf(stderr, "meldcode fuzz: %s -> %d %s %s\n", call, static_cast<int>(status),
                     v ? v->code : "", v ? v->pointer : "");
    }
    if (static_cast<int>(status) < MC_OK || static_cast<int>(status) > MC_E_KEY) {
        fail(call, "unknown status " + std::to_string(static_cast<int>(status)));
    }
    const mc_error* e = mc_last_error();
    if (status == MC_OK) {
        if (e != nullptr) fail(call, "mc_last_error() is not NULL after MC_OK");
        if (has_out && out == nullptr) fail(call, "MC_OK without an answer");
        if (has_out && !json::accept(out)) fail(call, "the answer is not JSON");
        return;
    }
    if (e == nullptr) fail(call, "mc_last_error() is NULL after a failure");
    if (e->status != status) fail(call, "mc_last_error()->status is not the returned status");
    if (!valid_code(e->code)) fail(call, "the error code is empty or not snake_case");
    if (e->message == nullptr || *e->message == '\0') fail(call, "the error message is empty");
    if (e->pointer == nullptr || (*e->pointer != '\0' && *e->pointer != '/')) {
        fail(call, "the error pointer is neither \"\" nor a JSON pointer");
    }
    if (has_out && out != nullptr) fail(call, "an answer was returned with a failure");
    if (status == MC_E_INTERNAL) fail(call, "MC_E_INTERNAL: a bug by the header's definition");
    if (status == MC_E_STORAGE) fail(call, "MC_E_STORAGE on a healthy temporary store");
}

Fixture::Fixture() {
    build();
}

Fixture::~Fixture() {
    teardown();
}

void Fixture::build() {
    store_path_ = temp_dir() + "/fixture-" + std::to_string(++generation_) + ".db";
    const json config{
        {"store_path", store_path_},
        {"keys", keys_config()},
        {"clock", {{"fixed", kNow}}},
        {"check_outputs", true},
        {"host_events",
         {{"create_concern_for", {"nuisance_complaint", "rent_arrears", "repeated_repair"}}}}};
    if (mc_open(config.dump().c_str(), &instance_) != MC_OK) {
        std::fprintf(stderr, "meldcode fuzz: fixture setup failed: mc_open: %s\n",
                     mc_last_error()->message);
        std::abort();
    }
    refs_.clear();

    // The seeds' prompt token: the technician of the seed tickets, on the
    // seed tickets' unit, for a ticket of its own (so the seed tickets are
    // still asked about).
    const json ticket{{"host_ticket_id", "WO-FUZZ-TOKEN"},  {"unit_id", "VHE-000123"},
                      {"household_ref", "HH-000123-02"},    {"work_type", "reparatie"},
                      {"entered_dwelling", true},           {"technician_id", "tech-0042"},
                      {"closed_at", "2026-11-25T09:30:00Z"}};
    char* out = nullptr;
    const json prompt =
        must("mc_ticket_closed",
             mc_ticket_closed(instance_, kIntegration, ticket.dump().c_str(), &out), out);
    refs_[kExamplePromptToken] = prompt.at("prompt_token").get<std::string>();

    const json signals{"mc.home.holes_in_walls_or_doors", "mc.children.fearful_or_withdrawn"};
    const json own = submit(instance_, kObserver,
                            {{"prompt_token", refs_[kExamplePromptToken]},
                             {"idempotency_key", "fuzz-own"},
                             {"signals", signals},
                             {"observations", "twee gaten in de deur"},
                             {"children_involved", "yes"},
                             {"acute", false}});
    refs_[kExampleOwnSubmission] = own.at("submission_ref").get<std::string>();
    const json other =
        submit(instance_, kOtherObserver,
               {{"ticket", {{"host_ticket_id", "WO-FUZZ-OTHER"}, {"unit_id", "VHE-FUZZ-OTHER"}}},
                {"idempotency_key", "fuzz-other"},
                {"observations", "geschreeuw gehoord"},
                {"signals", signals},
                {"children_involved", "unknown"},
                {"acute", false}});
    refs_[kExampleOtherSubmission] = other.at("submission_ref").get<std::string>();

    // One concern in every state, each on a unit of its own.
    for (const auto& [state, actions] : walks()) {
        const std::string unit = "VHE-FUZZ-" + state;
        submit(instance_, kIntegration,
               {{"ticket", {{"host_ticket_id", "WO-FUZZ-" + state}, {"unit_id", unit}}},
                {"idempotency_key", "fuzz-" + state},
                {"observations", "gat in de deur"},
                {"signals", signals},
                {"children_involved", "yes"},
                {"acute", false}});
        const json query{{"unit_id", unit}};
        const json page =
            must("mc_concerns_list",
                 mc_concerns_list(instance_, kOfficer, query.dump().c_str(), &out), out);
        const std::string ref = page.at("items").at(0).at("concern_ref").get<std::string>();
        for (const auto& [action, fields] : actions) act(instance_, ref, action, fields);
        refs_[placeholder(state)] = ref;
    }
    refs_[kExampleOpenConcern] = refs_[placeholder("open")];
    refs_[kExampleWeighedConcern] = refs_[placeholder("weighed")];
}

void Fixture::teardown() {
    if (instance_ != nullptr && mc_close(instance_) != MC_OK) {
        std::fprintf(stderr, "meldcode fuzz: mc_close failed: %s\n", mc_last_error()->message);
        __builtin_trap();
    }
    instance_ = nullptr;
    remove_store(store_path_);
}

std::string Fixture::substitute(std::string text) const {
    for (const auto& [from, to] : refs_) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
            text.replace(at, from.size(), to);
            at += to.size();
        }
    }
    return text;
}

void Fixture::changed(int limit) {
    if (limit <= 0 || ++changes_ < limit) return;
    changes_ = 0;
    teardown();
    build();
}

int fuzz_payload(const char* call, PayloadCall fn, const char* actor, const std::uint8_t* data,
                 std::size_t size, int change_limit) {
    Fixture& f = fixture();
    const std::string input = f.substitute(payload(data, size));
    const mc_status status =
        checked_call(call, [&](char** out) { return fn(f.instance(), actor, input.c_str(), out); });
    if (status == MC_OK) f.changed(change_limit);
    return 0;
}

Fixture& fixture() {
    static Fixture the_fixture;
    return the_fixture;
}

}  // namespace meldcode::fuzz
