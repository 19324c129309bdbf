// Encryption at rest through the C ABI: the store (on SQLite the file and its
// write-ahead log; on PostgreSQL every value of every table) holds no concern content; a wrong key
// ring is refused and changes nothing; key rotation re-encrypts everything and can be resumed.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "admin_cli.h"
#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

const json kOfficer = actor("af-1", "officer");
const json kAdmin = actor("beheer-1", "admin");
const json kAuditor = actor("audit-1", "auditor");

// Distinctive content of each kind the store keeps.
const std::string kObservation = "Observatie-slot-op-kinderkamer-K4RT";
const std::string kStepNote = "Stapnotitie-gesprek-bewoner-P9QX";
const std::string kExplanation = "Afweging-vermoeden-onderbouwd-W2MZ";
// A signal id the submission in plugin_fixture.cpp ticks.
const std::string kSignal = "mc.children.lock_on_outside_of_room";

void act(const StoreFixture& store, const std::string& ref, const std::string& action,
         const json& fields) {
    store.mc().act(kOfficer, {{"concern_ref", ref}, {"action", action}, {"fields", fields}});
}

// A concern with an observation, a step record and an assessment.
std::string write_content(const StoreFixture& store, const std::string& unit) {
    store.submit("WO-" + unit, unit, "tech-1", kObservation);
    std::string ref = store.only_concern_ref(unit);
    act(store, ref, "map_signals",
        {{"observations", kStepNote},
         {"supporting_signals", kStepNote},
         {"undermining_signals", "geen"},
         {"children_involved", "yes"}});
    act(store, ref, "consult",
        {{"consulted_with", "Veilig Thuis"},
         {"consulted_at", "2026-11-25T09:00:00Z"},
         {"question", "vraag"},
         {"advice", "advies"}});
    act(store, ref, "skip_conversation", {{"skip_reason", "gevaar"}});
    act(store, ref, "weigh",
        {{"suspicion", {{"answer", true}, {"explanation", kExplanation}}},
         {"unsafety", {{"answer", true}, {"explanation", kExplanation}}}});
    return ref;
}

void check_content(const StoreFixture& store, const std::string& ref) {
    const json concern = store.mc().get_concern(kOfficer, {{"concern_ref", ref}});
    const std::string text = concern.dump();
    CHECK(text.find(kObservation) != std::string::npos);
    CHECK(text.find(kStepNote) != std::string::npos);
    CHECK(text.find(kExplanation) != std::string::npos);
}

// `bytes`: the store as someone without the key ring could read it (raw_bytes()).
void check_no_plaintext(const std::string& bytes) {
    INFO("the store's " << bytes.size() << " bytes");
    for (const std::string& secret : {kObservation, kStepNote, kExplanation, kSignal}) {
        CHECK(bytes.find(secret) == std::string::npos);
    }
}

const std::string kOtherKey(64, 'b');

mc_status try_open(const StoreFixture& store, const json& keys, std::string& code) {
    json config = store.config();
    config["keys"] = keys;
    const auto& api = plugin()->api();
    mc_instance* instance = nullptr;
    const mc_status status = api.open(config.dump().c_str(), &instance);
    if (status != MC_OK) {
        code = api.last_error()->code;
        CHECK(std::string(api.last_error()->message).find(kOtherKey) == std::string::npos);
    }
    api.close(instance);
    return status;
}

}  // namespace

TEST_CASE("the store holds no observation, signal or step text, also in its WAL") {
    StoreFixture store;
    const std::string ref = write_content(store, "VHE-1");
    check_content(store, ref);
    // On SQLite the newest pages are in the WAL only while the instance is open.
    if (!on_postgres()) REQUIRE(std::filesystem::file_size(store.store_path() + "-wal") > 0);
    // What is kept in clear is found: the search reads the whole store.
    CHECK(store.raw_bytes().find(ref) != std::string::npos);
    check_no_plaintext(store.raw_bytes());
    store.close();  // on SQLite: checkpoints the WAL into the file
    check_no_plaintext(store.raw_bytes());
    store.reopen();
    check_content(store, ref);
}

TEST_CASE("a wrong key ring is refused clearly at open and changes nothing") {
    StoreFixture store;
    write_content(store, "VHE-1");
    store.close();
    const std::string before = store.data_fingerprint();
    const std::string bytes_before = store.raw_bytes();
    const std::string active = fixture_ring(store).at("active");

    std::string code;
    const json unknown =
        key_ring_file(store, "other.keys", {{"active", "k9"}, {"keys", {{"k9", kOtherKey}}}});
    CHECK(try_open(store, unknown, code) == MC_E_KEY);
    CHECK(code == "key_unknown");
    const json mismatch =
        key_ring_file(store, "same-id.keys", {{"active", active}, {"keys", {{active, kOtherKey}}}});
    CHECK(try_open(store, mismatch, code) == MC_E_KEY);
    CHECK(code == "key_mismatch");

    CHECK(store.data_fingerprint() == before);
    CHECK(store.raw_bytes() == bytes_before);
    store.reopen();
    check_content(store, store.only_concern_ref("VHE-1"));
}

TEST_CASE("key rotation re-encrypts everything in resumable batches") {
    StoreFixture store;
    const std::string ref = write_content(store, "VHE-1");
    write_content(store, "VHE-2");
    // Issued under the old key, answered after the rotation started.
    const json prompt = store.prompt_for("WO-late", "VHE-3", "tech-1");

    json ring = fixture_ring(store);
    ring["keys"]["k-new"] = std::string(64, 'c');
    ring["active"] = "k-new";
    store.reopen_with_keys(key_ring_file(store, "both.keys", ring));

    CHECK_THROWS_AS(store.mc().rotate_keys(kOfficer, {{"batch", 2}}), meldcode::sdk::Error);
    const json first = store.mc().rotate_keys(kAdmin, {{"batch", 2}});
    CHECK(first.at("rotated") == 2);
    CHECK(first.at("active_key") == "k-new");
    const long long remaining = first.at("remaining");
    CHECK(remaining > 2);

    // A prompt token sealed under the old key still opens.
    store.mc().submit_signals(actor("tech-1", "observer"),
                              submission(prompt.at("prompt_token"), "key-late", kObservation));
    // Interrupted: the next instance resumes where the last batch ended,
    // and until then the store still needs the old key.
    store.close();
    const json only_new = {{"active", "k-new"}, {"keys", {{"k-new", std::string(64, 'c')}}}};
    std::string code;
    CHECK(try_open(store, key_ring_file(store, "new.keys", only_new), code) == MC_E_KEY);
    CHECK(code == "key_unknown");
    store.reopen();

    const json batch{{"batch", 2}, {"idempotency_key", "rotate-k-new-0002"}};
    json progress = store.mc().rotate_keys(kAdmin, batch);
    CHECK(progress.at("remaining") < remaining);
    // A retried batch (its answer lost) rotates nothing more and answers as the first time.
    CHECK(store.mc().rotate_keys(kAdmin, batch) == progress);
    while (progress.at("remaining") > 0) progress = store.mc().rotate_keys(kAdmin, {{"batch", 3}});
    CHECK(store.rows("key_checks") == 1);

    store.reopen_with_keys(key_ring_file(store, "new-only.keys", only_new));
    check_content(store, ref);
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
    check_no_plaintext(store.raw_bytes());
}

TEST_CASE("meldcode-admin keys-rotate stops, and says why, while a host writes with the old key",
          "[postgres]") {
    // Two processes on one store: the fixture's instance has the new key in
    // its ring but the old one still active, and each of its writes sends the
    // rotation back to its start (docs/encryption-and-audit.md, step 2).
    StoreFixture store;
    for (const char* unit : {"VHE-1", "VHE-2", "VHE-3"}) write_content(store, unit);
    json ring = fixture_ring(store);
    ring["keys"]["k-new"] = std::string(64, 'c');
    store.reopen_with_keys(key_ring_file(store, "old-active.keys", ring));
    ring["active"] = "k-new";
    const json new_ring = key_ring_file(store, "both.keys", ring);
    json rotating = store.config();
    rotating["keys"] = new_ring;
    const std::string config = (store.dir() / "rotating.json").string();
    std::ofstream(config) << rotating.dump();

    // It stops writing on its own after a while, so that a keys-rotate that
    // never gives up fails this test instead of hanging it.
    std::atomic<bool> stop{false};
    std::thread stale_host([&] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!stop && std::chrono::steady_clock::now() < until) {
            store.mc().record_audit(actor("meldcoded", "integration"),
                                    {{"action", "authentication.failures"}, {"count", 1}});
        }
    });
    const AdminRun stopped = admin("keys-rotate --config " + config + " --batch 1");
    stop = true;
    stale_host.join();
    CHECK(stopped.exit_code == 2);
    CHECK(stopped.output.find("\"active_key\":\"k-new\"") != std::string::npos);
    CHECK(stopped.errors.find("remaining rose from") != std::string::npos);
    CHECK(stopped.errors.find("another key than \"k-new\" active") != std::string::npos);
    CHECK(stopped.errors.find("stopped after the rotation started over 3 times") !=
          std::string::npos);
    CHECK(store.rows("key_checks") == 2);  // the old key is still needed

    // Restarted with the new ring, the host no longer sends it back.
    store.reopen_with_keys(new_ring);
    const AdminRun done = admin("keys-rotate --config " + config + " --batch 50");
    CHECK(done.exit_code == 0);
    CHECK(done.output.find("\"remaining\":0") != std::string::npos);
    CHECK(done.errors.empty());
    CHECK(store.rows("key_checks") == 1);
    store.reopen_with_keys(
        key_ring_file(store, "new-only.keys",
                      {{"active", "k-new"}, {"keys", {{"k-new", std::string(64, 'c')}}}}));
    check_content(store, store.only_concern_ref("VHE-2"));
    CHECK(store.mc().verify_audit(kAuditor).at("ok") == true);
}

TEST_CASE("an instance whose key ring lacks the key another one writes under is not ready",
          "[postgres]") {
    // Two processes on one store; the second was given a new key ring and
    // writes under its new key, the first was not: it cannot read what the
    // second writes, and its readiness probe says so before a call fails.
    StoreFixture store;
    write_content(store, "VHE-1");
    const auto& api = plugin()->api();
    mc_instance* stale = nullptr;
    REQUIRE(api.open(store.config().dump().c_str(), &stale) == MC_OK);
    CHECK(api.store_probe(stale) == MC_OK);

    json ring = fixture_ring(store);
    ring["keys"]["k-new"] = std::string(64, 'c');
    ring["active"] = "k-new";
    store.reopen_with_keys(key_ring_file(store, "both.keys", ring));
    CHECK(api.store_probe(stale) == MC_OK);  // nothing written under k-new yet
    write_content(store, "VHE-2");
    CHECK(api.store_probe(stale) == MC_E_KEY);
    CHECK(std::string(api.last_error()->code) == "key_unknown");
    CHECK(api.store_probe(store.mc().handle()) == MC_OK);
    api.close(stale);
}
