// Signal-category extensions (docs/extensions.md) through the C ABI: catalog
// packs from directories and compiled extensions from libraries, what is
// rejected and why, the prompt rule, and stored signals whose pack is gone.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"
#include "plugin_fixture.h"

namespace meldcode::test {
namespace {

namespace fs = std::filesystem;

// A directory of pack files, removed with the object.
class PackDir {
public:
    PackDir() : dir_(fresh_dir()) {}
    ~PackDir() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    PackDir(const PackDir&) = delete;
    PackDir& operator=(const PackDir&) = delete;

    std::string path() const { return dir_.string(); }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir_ / name, std::ios::binary) << text;
    }
    void write(const std::string& name, const json& pack) const { write(name, pack.dump(2)); }

private:
    fs::path dir_;
};

json texts(const std::string& nl, const std::string& en) {
    return {{"nl", nl}, {"en", en}};
}

// A pack with one category of signals, all under `category`.
json pack(const std::string& id, const std::string& category,
          const std::vector<std::string>& signal_ids) {
    json signals = json::array();
    for (const auto& s : signal_ids) {
        signals.push_back({{"id", s}, {"label", texts("Signaal " + s, "Signal " + s)}});
    }
    return {{"id", id},
            {"version", "1.0"},
            {"title", texts("Pakket", "Pack")},
            {"categories",
             {{{"id", category},
               {"label", texts("Trappenhuis en berging", "Stairwell and storage")},
               {"signals", signals}}}}};
}

const json kStairwell =
    pack("rivierland.portiek", "rivierland.portiek", {"rivierland.portiek.sleeps_in_storage"});

json with_packs(const std::string& dir) {
    return {{"extensions", {{"pack_dirs", {dir}}}}};
}

json with_libraries(const std::vector<std::string>& paths, const json& prompt_rules = nullptr) {
    json extra{{"extensions", {{"libraries", paths}}}};
    if (!prompt_rules.is_null()) extra["prompt_rules"] = prompt_rules;
    return extra;
}

// The category of a catalog view or prompt form; null when it is not there.
json category_in(const json& view, const std::string& id) {
    for (const auto& c : view.at("categories")) {
        if (c.at("id") == id) return c;
    }
    return nullptr;
}

// The code each rejected source was refused with.
std::map<std::string, std::string> rejections(const json& report) {
    std::map<std::string, std::string> codes;
    for (const auto& r : report.at("rejected")) {
        CHECK_FALSE(r.at("reason").get<std::string>().empty());
        codes[r.at("source")] = r.at("code");
    }
    return codes;
}

std::vector<std::string> loaded_ids(const json& report) {
    std::vector<std::string> ids;
    for (const auto& l : report.at("loaded")) ids.push_back(l.at("id"));
    return ids;
}

// Submits `signals` for a fresh ticket; the receipt's submission_ref.
std::string submit_signals(const StoreFixture& store, const std::string& ticket_id,
                           const std::vector<std::string>& signals) {
    const json prompt = store.prompt_for(ticket_id, "VHE-7", "t-1");
    json s = submission(prompt.at("prompt_token"), "key-" + ticket_id, "Feiten.");
    s["signals"] = signals;
    return store.mc().submit_signals(actor("t-1", "observer"), s).at("submission_ref");
}

json submitted_entry(const StoreFixture& store, const std::string& submission_ref) {
    const json concern =
        store.mc().get_concern(actor("af-1", "officer"), {{"submission_ref", submission_ref}});
    for (const auto& e : concern.at("chronology")) {
        if (e.at("kind") == "signals_submitted") return e.at("data");
    }
    FAIL("no signals_submitted entry");
    return nullptr;
}

// A submission of `signal` is refused with `code`, naming it, and stores nothing.
void check_refused_signal_changes_nothing(const StoreFixture& store, const std::string& signal,
                                          const std::string& code = "unknown_signal") {
    const std::string before = store.data_fingerprint();
    const json prompt = store.prompt_for("WO-unknown-" + signal, "VHE-7", "t-1");
    json s = submission(prompt.at("prompt_token"), "key-unknown-" + signal, "Feiten.");
    s["signals"] = {signal};
    try {
        store.mc().submit_signals(actor("t-1", "observer"), s);
        FAIL("a signal of a rejected or removed pack was accepted");
    } catch (const sdk::Error& e) {
        CHECK(e.code() == code);
        CHECK(e.pointer() == "/signals/0");
    }
    CHECK(store.data_fingerprint() == before);
}

}  // namespace

TEST_CASE("a catalog pack adds its categories in nl and en, to the prompt too") {
    const PackDir packs;
    packs.write("stairwell.json", kStairwell);
    const StoreFixture store(with_packs(packs.path()));

    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    CHECK(report.at("rejected").empty());
    REQUIRE(report.at("loaded").size() == 1);
    const json& loaded = report.at("loaded").at(0);
    CHECK(loaded.at("kind") == "pack");
    CHECK(loaded.at("source") == packs.file("stairwell.json"));
    CHECK(loaded.at("id") == "rivierland.portiek");
    CHECK(loaded.at("signals") == 1);
    CHECK(loaded.at("prompt_rule") == false);

    const json nl = category_in(store.mc().catalog("nl"), "rivierland.portiek");
    const json en = category_in(store.mc().catalog("en"), "rivierland.portiek");
    REQUIRE(nl != nullptr);
    REQUIRE(en != nullptr);
    CHECK(nl.at("label") == "Trappenhuis en berging");
    CHECK(en.at("label") == "Stairwell and storage");
    CHECK(en.at("signals").at(0).at("label") == "Signal rivierland.portiek.sleeps_in_storage");
    // The built-in categories come first and are all still there.
    CHECK(store.mc().catalog("en").at("categories").at(0).at("id") == "mc.home");
    CHECK(category_in(store.mc().catalog("nl"), "mc.exploitation") != nullptr);

    const json prompt = store.prompt_for("WO-P1", "VHE-7", "t-1");
    CHECK(category_in(prompt.at("form"), "rivierland.portiek") != nullptr);
}

TEST_CASE("bad packs are rejected with a reason and the rest still works") {
    const PackDir packs;
    packs.write("a_stairwell.json", kStairwell);
    packs.write("b_not_json.json", std::string("{\"id\": \"broken.pack\", "));
    json no_title = pack("notitle.pack", "notitle.c", {"notitle.c.s"});
    no_title.erase("title");
    packs.write("c_no_title.json", no_title);
    // A category overriding a built-in one: the namespace mc is the built-in's.
    packs.write("d_overrides_builtin.json",
                pack("mc.extra", "mc.home", {"mc.home.holes_in_walls_or_doors"}));
    packs.write("e_same_namespace.json",
                pack("rivierland.other", "rivierland.other", {"rivierland.other.s"}));
    packs.write("f_duplicate_signal.json",
                pack("dup.pack", "dup.c", {"dup.c.same", "dup.c.other", "dup.c.same"}));
    packs.write("g_outside_namespace.json", pack("own.pack", "elsewhere.c", {"elsewhere.c.s"}));
    json with_prompt = kStairwell;
    with_prompt["id"] = "prompted.pack";
    with_prompt["prompt"] = {{"question", texts("Vraag?", "Question?")},
                             {"observations_hint", texts("Feiten.", "Facts.")},
                             {"acute_advice", texts("Bel 112.", "Call 112.")}};
    with_prompt.erase("title");
    packs.write("h_carries_prompt.json", with_prompt);
    // A valid pack but for its id, given twice: which pack would it be?
    std::string twice = pack("twice.pack", "twice.c", {"twice.c.s"}).dump();
    twice.insert(1, R"("id": "twice.other", )");
    packs.write("i_member_twice.json", twice);
    packs.write("ignored.txt", std::string("not a pack: only *.json files are read"));
    json extra = with_packs(packs.path());
    extra["extensions"]["pack_dirs"].push_back(packs.file("no-such-dir"));
    StoreFixture store(extra);  // mc_open succeeds: bad packs are skipped

    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    CHECK(loaded_ids(report) == std::vector<std::string>{"rivierland.portiek"});
    const auto codes = rejections(report);
    CHECK(codes == std::map<std::string, std::string>{
                       {packs.file("b_not_json.json"), "invalid_pack"},
                       {packs.file("c_no_title.json"), "invalid_pack"},
                       {packs.file("d_overrides_builtin.json"), "reserved_namespace"},
                       {packs.file("e_same_namespace.json"), "namespace_taken"},
                       {packs.file("f_duplicate_signal.json"), "duplicate_id"},
                       {packs.file("g_outside_namespace.json"), "outside_namespace"},
                       {packs.file("h_carries_prompt.json"), "invalid_pack"},
                       {packs.file("i_member_twice.json"), "invalid_pack"},
                       {packs.file("no-such-dir"), "unreadable"}});
    // The reason names the pack (the source names the file).
    for (const auto& r : report.at("rejected")) {
        if (r.at("code") == "duplicate_id") {
            CHECK(r.at("reason") == "pack dup.pack: signal id dup.c.same appears twice");
        }
    }

    // The built-in catalog is untouched (mc.home not replaced), the valid pack is there.
    const json en = store.mc().catalog("en");
    CHECK(category_in(en, "mc.home").at("label") == "Damage and condition of the home");
    CHECK(category_in(en, "rivierland.portiek") != nullptr);
    CHECK(category_in(en, "dup.c") == nullptr);
    CHECK(category_in(en, "notitle.c") == nullptr);
    // The core works, with the valid pack's signals and without the rejected ones.
    CHECK_NOTHROW(submit_signals(
        store, "WO-OK",
        {"rivierland.portiek.sleeps_in_storage", "mc.home.holes_in_walls_or_doors"}));
    check_refused_signal_changes_nothing(store, "dup.c.other");
    check_refused_signal_changes_nothing(store, "rivierland.other.s");
}

TEST_CASE("a compiled extension adds its categories and its prompt rule") {
    const json rules{{"work_types", {"REP"}}};
    const StoreFixture store(with_libraries({MELDCODE_ANIMAL_WELFARE_PATH}, rules));
    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    CHECK(report.at("rejected").empty());
    REQUIRE(report.at("loaded").size() == 1);
    CHECK(report.at("loaded").at(0).at("kind") == "library");
    CHECK(report.at("loaded").at(0).at("id") == "animals.link");
    CHECK(report.at("loaded").at(0).at("prompt_rule") == true);
    CHECK(category_in(store.mc().catalog("nl"), "animals.harm").at("label") ==
          "Mishandeling van dieren");
    CHECK(category_in(store.mc().catalog("en"), "animals.care").at("label") ==
          "Neglect and confinement of animals");

    const auto reason = [&](const std::string& ticket_id, const std::string& work_type) {
        json t = ticket(ticket_id, "VHE-9", "t-2");
        t["work_type"] = work_type;
        return store.mc().ticket_closed(actor("t-2", "observer"), t).at("reason");
    };
    SECTION("the rule asks after a pest-control visit the configuration does not list") {
        CHECK(reason("WO-A1", "ongediertebestrijding") == "ask");
        CHECK(reason("WO-A2", "pest_control") == "ask");
        CHECK(reason("WO-A3", "REP") == "ask");
        CHECK(reason("WO-A4", "schilderwerk") == "work_type_not_included");
        CHECK(reason("WO-A1", "ongediertebestrijding") == "already_prompted");
    }
    SECTION("a signal of the extension is accepted") {
        const std::string ref =
            submit_signals(store, "reparatie-1", {"animals.harm.threats_to_pet"});
        CHECK(submitted_entry(store, ref).at("signals") == json{"animals.harm.threats_to_pet"});
    }
}

TEST_CASE("an extension's prompt rule never overrides an exclusion or an opt-out") {
    const json rules{{"work_types", {"reparatie"}},
                     {"excluded_work_types", {"pest_control"}},
                     {"opted_out_technicians", {"t-out"}}};
    const StoreFixture store(with_libraries({MELDCODE_ANIMAL_WELFARE_PATH}, rules));
    json t = ticket("WO-X1", "VHE-9", "t-2");
    t["work_type"] = "pest_control";
    CHECK(store.mc().ticket_closed(actor("t-2", "observer"), t).at("reason") ==
          "work_type_excluded");
    t = ticket("WO-X2", "VHE-9", "t-out");
    t["work_type"] = "ongediertebestrijding";
    CHECK(store.mc().ticket_closed(actor("t-out", "observer"), t).at("reason") ==
          "technician_opted_out");
    t = ticket("WO-X3", "VHE-9", "t-2");
    t["work_type"] = "ongediertebestrijding";
    t["entered_dwelling"] = false;
    CHECK(store.mc().ticket_closed(actor("t-2", "observer"), t).at("reason") ==
          "not_entered_dwelling");
}

TEST_CASE("without the extension its work type is not asked about") {
    const StoreFixture store(json{{"prompt_rules", {{"work_types", {"REP"}}}}});
    json t = ticket("WO-N1", "VHE-9", "t-2");
    t["work_type"] = "ongediertebestrijding";
    CHECK(store.mc().ticket_closed(actor("t-2", "observer"), t).at("reason") ==
          "work_type_not_included");
}

TEST_CASE("bad libraries are rejected with a reason and the rest still works") {
    const PackDir dir;
    dir.write("not_a_library.so", std::string("this is text, not ELF"));
    const std::vector<std::string> libraries{
        MELDCODE_NO_ENTRY_EXTENSION_PATH, MELDCODE_WRONG_ABI_EXTENSION_PATH,
        dir.file("missing.so"),           dir.file("not_a_library.so"),
        MELDCODE_ANIMAL_WELFARE_PATH,     MELDCODE_ANIMAL_WELFARE_PATH};
    const StoreFixture store(with_libraries(libraries));  // mc_open succeeds

    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    CHECK(loaded_ids(report) == std::vector<std::string>{"animals.link"});
    const auto& rejected = report.at("rejected");
    REQUIRE(rejected.size() == 5);
    const std::vector<std::pair<std::string, std::string>> expected{
        {MELDCODE_NO_ENTRY_EXTENSION_PATH, "missing_entry_point"},
        {MELDCODE_WRONG_ABI_EXTENSION_PATH, "extension_abi_mismatch"},
        {dir.file("missing.so"), "not_loadable"},
        {dir.file("not_a_library.so"), "not_loadable"},
        {MELDCODE_ANIMAL_WELFARE_PATH, "namespace_taken"}};  // the same extension twice
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO(rejected.at(i).dump());
        CHECK(rejected.at(i).at("kind") == "library");
        CHECK(rejected.at(i).at("source") == expected[i].first);
        CHECK(rejected.at(i).at("code") == expected[i].second);
    }
    CHECK(rejected.at(1).at("reason") ==
          "extension built for extension ABI 2.0; this plugin implements 1.0");
    CHECK(category_in(store.mc().catalog("en"), "future.c") == nullptr);
    CHECK_NOTHROW(submit_signals(store, "WO-L1", {"animals.care.locked_up"}));
    check_refused_signal_changes_nothing(store, "future.c.s");
}

TEST_CASE("a stored signal still displays after its pack is removed") {
    const PackDir packs;
    packs.write("stairwell.json", kStairwell);
    StoreFixture store(with_packs(packs.path()));
    const std::string signal = "rivierland.portiek.sleeps_in_storage";
    const std::string ref = submit_signals(store, "WO-R1", {signal, "mc.adults.fearful_or_tense"});
    const json labels = submitted_entry(store, ref).at("signal_labels");
    CHECK(labels.at(signal) == texts("Signaal " + signal, "Signal " + signal));
    CHECK(labels.at("mc.adults.fearful_or_tense").at("en") ==
          "Resident is fearful or tense, or startles easily");

    store.reopen(json::object());  // the pack is gone
    CHECK(category_in(store.mc().catalog("nl"), "rivierland.portiek") == nullptr);
    const json entry = submitted_entry(store, ref);
    CHECK(entry.at("signals") == json{signal, "mc.adults.fearful_or_tense"});
    CHECK(entry.at("signal_labels") == labels);  // what the observer ticked, in their words
    check_refused_signal_changes_nothing(store, signal);
}

TEST_CASE("a retired signal still reads in old concerns and is refused on submission") {
    const PackDir packs;
    const std::string old_id = "rivierland.portiek.sleeps_in_storage";
    packs.write("stairwell.json", kStairwell);
    StoreFixture store(with_packs(packs.path()));
    const std::string ref = submit_signals(store, "WO-R1", {old_id});
    const json labels = submitted_entry(store, ref).at("signal_labels");

    // The next version retires the signal and offers a reworded one.
    json revised = pack("rivierland.portiek", "rivierland.portiek",
                        {"rivierland.portiek.sleeping_place_in_storage"});
    revised["version"] = "2.0";
    revised["categories"][0]["retired"] = kStairwell.at("categories").at(0).at("signals");
    packs.write("stairwell.json", revised);
    store.reopen(with_packs(packs.path()));
    REQUIRE(store.mc().extensions().at("rejected").empty());
    const json form = category_in(store.mc().catalog("nl"), "rivierland.portiek");
    REQUIRE(form.at("signals").size() == 1);
    CHECK(form.at("signals").at(0).at("id") == "rivierland.portiek.sleeping_place_in_storage");
    CHECK(submitted_entry(store, ref).at("signal_labels") == labels);
    check_refused_signal_changes_nothing(store, old_id, "signal_not_offered");
    // The built-in catalog's own retired signals are refused the same way.
    check_refused_signal_changes_nothing(store, "mc.exploitation.occupants_keep_changing",
                                         "signal_not_offered");
    check_refused_signal_changes_nothing(store, "mc.children.locked_in_room", "signal_not_offered");
}

}  // namespace meldcode::test
