// The technician's form as the prompt describes it (issue 17): its screens
// walked tap by tap from the prompt's own data, its texts in both languages,
// and the corporation's own words over it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "abi/schema_validator.h"
#include "concern_walk.h"
#include "core/time.h"
#include "markdown_blocks.h"
#include "plugin_fixture.h"

using meldcode::matches_schema;
using namespace meldcode::test;

namespace {

const json kOfficer = actor("af-1", "officer");

// Where a walk through the form ends: an action that leaves it, with the
// fields set on the way.
struct Ending {
    std::string action;  // "send", "later" or "finish"
    int taps = 0;
    json fields;
    std::vector<std::string> path;  // the controls tapped, "<screen>/<control>"
};

struct Step {
    std::string screen;
    std::string category;  // the category chosen last, if any
    json fields;
    int taps = 0;
    std::vector<std::string> path;
};

const json& screen_of(const json& form, const std::string& id) {
    for (const auto& s : form.at("screens")) {
        if (s.at("id") == id) return s;
    }
    FAIL("no screen " << id);
    throw std::logic_error("unreachable");
}

const json& category_of(const json& form, const std::string& id) {
    for (const auto& c : form.at("categories")) {
        if (c.at("id") == id) return c;
    }
    FAIL("no category " << id);
    throw std::logic_error("unreachable");
}

bool filled(const json& value) {
    return value.is_string() ? !value.get<std::string>().empty() : !value.empty();
}

// Adds `value` to the array when absent, removes it when present.
json toggled(json array, const json& value) {
    const auto it = std::find(array.begin(), array.end(), value);
    if (it == array.end()) {
        array.push_back(value);
    } else {
        array.erase(it);
    }
    return array;
}

// Every step one tap on `control` of the step's screen can lead to; an
// action that leaves the form is an ending instead.
void tap(const json& form, const Step& from, const json& control, std::deque<Step>& next,
         std::vector<Ending>& endings) {
    const std::string type = control.at("type");
    Step to = from;
    to.taps += 1;
    to.path.push_back(from.screen + "/" + control.at("id").get<std::string>());
    const auto go = [&](Step step) {
        if (control.contains("to")) step.screen = control.at("to");
        next.push_back(std::move(step));
    };
    if (type == "button") {
        const std::string action = control.at("action");
        if (action == "go") return go(to);
        if (action == "send") {
            const auto& needs = control.at("requires_one_of");
            const bool ready = std::any_of(needs.begin(), needs.end(), [&](const json& field) {
                return filled(to.fields.at(field.get<std::string>()));
            });
            if (!ready) return;
        }
        endings.push_back({action, to.taps, to.fields, to.path});
    } else if (type == "category_list") {
        for (const auto& c : form.at("categories")) {
            Step chosen = to;
            chosen.category = c.at("id");
            go(chosen);
        }
    } else if (type == "signal_list" && !from.category.empty()) {
        const std::string field = control.at("field");
        for (const auto& s : category_of(form, from.category).at("signals")) {
            Step ticked = to;
            ticked.fields[field] = toggled(ticked.fields[field], s.at("id"));
            next.push_back(std::move(ticked));
        }
    } else if (type == "toggle") {
        to.fields[control.at("field").get<std::string>()] =
            !to.fields[control.at("field").get<std::string>()].get<bool>();
        next.push_back(std::move(to));
    } else if (type == "choice" || type == "multi_choice") {
        const std::string field = control.at("field");
        for (const auto& o : control.at("options")) {
            Step set = to;
            set.fields[field] =
                type == "choice" ? o.at("value") : toggled(set.fields[field], o.at("value"));
            next.push_back(std::move(set));
        }
    }
    // text (typing is not a tap) and notice: nothing to tap.
}

// Breadth first from the start screen: every ending reachable within
// `max_taps`, fewest taps first.
std::vector<Ending> walk(const json& form, int max_taps) {
    std::vector<Ending> endings;
    std::deque<Step> queue{{form.at("start"), "", form.at("defaults"), 0, {}}};
    while (!queue.empty()) {
        const Step step = queue.front();
        queue.pop_front();
        if (step.taps >= max_taps) continue;
        for (const auto& control : screen_of(form, step.screen).at("controls")) {
            tap(form, step, control, queue, endings);
        }
    }
    return endings;
}

std::optional<Ending> fewest(const std::vector<Ending>& endings, const std::string& action) {
    for (const auto& e : endings) {
        if (e.action == action) return e;
    }
    return std::nullopt;
}

// Every label, title and text of the form, with where it is.
void texts_of(const json& value, const std::string& at,
              std::vector<std::pair<std::string, std::string>>& out) {
    if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
            if ((key == "label" || key == "title" || key == "text" || key == "question") &&
                member.is_string()) {
                out.emplace_back(at + "/" + key, member.get<std::string>());
            } else {
                texts_of(member, at + "/" + key, out);
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            texts_of(value[i], at + "/" + std::to_string(i), out);
        }
    }
}

std::string screen_text(const json& form, const std::string& id) {
    std::vector<std::pair<std::string, std::string>> texts;
    texts_of(screen_of(form, id), "", texts);
    std::string all;
    for (const auto& [where, text] : texts) all += text + "\n";
    return all;
}

json form_of(const StoreFixture& store, const std::string& locale) {
    static int tickets = 0;  // a ticket is prompted once: a new one each time
    json t = ticket("WO-F-" + std::to_string(++tickets), "VHE-F", "tech-1");
    t["locale"] = locale;
    const json prompt = store.mc().ticket_closed(actor("erp", "integration"), t);
    REQUIRE(matches_schema("prompt", prompt));
    return prompt.at("form");
}

// A directory holding one pack file, removed with the object.
class OverlayDir {
public:
    OverlayDir() : dir_(fresh_dir()) {}
    ~OverlayDir() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    OverlayDir(const OverlayDir&) = delete;
    OverlayDir& operator=(const OverlayDir&) = delete;
    void write(const std::string& name, const json& pack) const {
        std::ofstream(dir_ / name, std::ios::binary) << pack.dump(2);
    }
    json config() const { return {{"extensions", {{"pack_dirs", {dir_.string()}}}}}; }
    std::string file(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

const json kWords{
    {"id", "woonstad.eigen_woorden"},
    {"version", "2026.2"},
    {"title", {{"nl", "Woonstad: eigen woorden"}, {"en", "Woonstad: own words"}}},
    {"texts",
     {{"address", "u"},
      {"officer", {{"name", "Fatima el Amrani"}, {"phone", "010 - 123 45 67"}}},
      {"question",
       {{"nl", "Maakt u zich zorgen over hoe het met de bewoners of de kinderen gaat?"},
        {"en", "Are you worried about how the residents or the children are doing?"}}}}},
    {"switched_off", {"mc.exploitation.cannabis_cultivation", "mc.honour.family_stays_close"}}};

}  // namespace

TEST_CASE("the prompt's own description: 'nee' in one tap, a concern in three after 'ja'") {
    StoreFixture store;
    for (const auto& locale : {"nl", "en"}) {
        INFO("locale " << locale);
        const json form = form_of(store, locale);
        const auto endings = walk(form, 5);

        const auto no = fewest(endings, "finish");
        REQUIRE(no);
        CHECK(no->taps == 1);
        CHECK(no->path == std::vector<std::string>{"question/no"});
        CHECK(no->fields == form.at("defaults"));  // nothing set, nothing sent

        const auto sent = fewest(endings, "send");
        REQUIRE(sent);
        CHECK(sent->path.front() == "question/yes");
        CHECK(sent->taps - 1 <= 3);  // after "ja": a category, a signal, send
        CHECK(sent->path == std::vector<std::string>{"question/yes", "category/category",
                                                     "signals/signals", "signals/send"});
        // The defaults fill the rest: children involved unknown, not acute.
        CHECK(sent->fields.at("children_involved") == "unknown");
        CHECK(sent->fields.at("acute") == false);
        CHECK(sent->fields.at("signals").size() == 1);

        // Filling in later is one tap from each screen after "ja".
        const auto later = fewest(endings, "later");
        REQUIRE(later);
        CHECK(later->taps == 2);
    }
}

TEST_CASE("what the walk through the form sends is a submission the plugin accepts") {
    StoreFixture store;
    const json prompt = store.prompt_for("WO-W1", "VHE-W", "tech-1");
    const json& form = prompt.at("form");
    const auto sent = fewest(walk(form, 4), "send");
    REQUIRE(sent);
    json body = sent->fields;
    body["prompt_token"] = prompt.at("prompt_token");
    body["idempotency_key"] = "tech-1:WO-W1:1";
    REQUIRE(matches_schema("submission", body));
    const json receipt = store.mc().submit_signals(actor("tech-1", "observer"), body);
    const json concern =
        store.mc().get_concern(kOfficer, {{"submission_ref", receipt.at("submission_ref")}});
    const json& data = concern.at("chronology").at(0).at("data");
    CHECK(data.at("signals") == sent->fields.at("signals"));
    CHECK(data.at("children_involved") == "unknown");
    CHECK(data.at("acute") == false);
    CHECK(data.at("observations") == "");
    // The token lives two weeks: long enough to fill the form in later.
    const auto issued = *meldcode::parse_timestamp(kNow);
    CHECK(*meldcode::parse_timestamp(prompt.at("expires_at").get<std::string>()) - issued ==
          14 * 24 * 3600);
}

TEST_CASE("the first screen asks about the people, neutrally, without a signal in sight") {
    StoreFixture store;
    for (const auto& locale : {"nl", "en"}) {
        INFO("locale " << locale);
        const json form = form_of(store, locale);
        const json& first = screen_of(form, form.at("start"));
        CHECK(first.at("id") == "question");
        const std::string text = screen_text(form, "question");
        for (const auto& c : form.at("categories")) {
            CHECK(text.find(c.at("label").get<std::string>()) == std::string::npos);
            for (const auto& s : c.at("signals")) {
                CHECK(text.find(s.at("label").get<std::string>()) == std::string::npos);
            }
        }
        for (const char* alarming : {"112", "Veilig Thuis", "geweld", "violence", "mishandeling"}) {
            CHECK(text.find(alarming) == std::string::npos);
        }
        std::vector<std::string> types;
        for (const auto& c : first.at("controls")) types.push_back(c.at("type"));
        CHECK(types == std::vector<std::string>{"button", "button"});
    }
    const std::string nl = form_of(store, "nl").at("question");
    CHECK(nl.find("bewoners of kinderen") != std::string::npos);
    CHECK(nl.find("niet om de woning") != std::string::npos);
    CHECK(screen_of(form_of(store, "nl"), "question").at("controls").at(0).at("label") == "Nee");
}

TEST_CASE("every text of the form is there in nl and in en, on the same screens") {
    StoreFixture store;
    const json nl = form_of(store, "nl");
    const json en = form_of(store, "en");
    std::vector<std::pair<std::string, std::string>> nl_texts;
    std::vector<std::pair<std::string, std::string>> en_texts;
    texts_of(nl, "", nl_texts);
    texts_of(en, "", en_texts);
    REQUIRE(nl_texts.size() == en_texts.size());
    int differ = 0;
    for (std::size_t i = 0; i < nl_texts.size(); ++i) {
        INFO(nl_texts[i].first);
        CHECK(nl_texts[i].first == en_texts[i].first);
        CHECK_FALSE(nl_texts[i].second.empty());
        CHECK_FALSE(en_texts[i].second.empty());
        differ += nl_texts[i].second != en_texts[i].second;
    }
    // Only names and numbers read the same in both ("112", "Veilig Thuis").
    CHECK(differ >= static_cast<int>(nl_texts.size()) - 4);
    json nl_shape = nl;
    json en_shape = en;
    for (json* shape : {&nl_shape, &en_shape}) {
        for (const char* member : {"locale", "question", "observations_hint", "acute_advice"}) {
            shape->erase(member);
        }
    }
    CHECK(nl_shape.at("screens").size() == en_shape.at("screens").size());
    for (std::size_t i = 0; i < nl_shape.at("screens").size(); ++i) {
        const auto& a = nl_shape.at("screens").at(i).at("controls");
        const auto& b = en_shape.at("screens").at(i).at("controls");
        REQUIRE(a.size() == b.size());
        for (std::size_t j = 0; j < a.size(); ++j) CHECK(a[j].at("id") == b[j].at("id"));
    }
}

TEST_CASE(
    "after sending: a trained colleague handles it, nothing more, no confronting, no secrecy") {
    StoreFixture store;
    const std::string nl = screen_text(form_of(store, "nl"), "sent");
    for (const char* says :
         {"getrainde collega", "vertrouwelijk", "niets meer van je verwacht", "Spreek niemand aan",
          "niet met de bewoner of met collega's", "beloof dan nooit", "112", "0800-2000"}) {
        INFO(says);
        CHECK(nl.find(says) != std::string::npos);
    }
    const std::string en = screen_text(form_of(store, "en"), "sent");
    for (const char* says :
         {"trained colleague", "confidentially", "Nothing more is expected",
          "Do not confront anyone", "never promise to keep it secret", "112", "0800-2000"}) {
        INFO(says);
        CHECK(en.find(says) != std::string::npos);
    }
    // The emergency numbers stay; reporting is the officer's, not the technician's.
    for (const auto& locale : {"nl", "en"}) {
        const std::string advice = form_of(store, locale).at("acute_advice");
        CHECK(advice.find("112") != std::string::npos);
        CHECK(advice.find("0800-2000") != std::string::npos);
        for (const char* invitation : {"melding", "melden", "report"}) {
            CHECK(advice.find(invitation) == std::string::npos);
        }
    }
}

TEST_CASE("the corporation's own words: officer, 'u', its question, signals switched off") {
    const OverlayDir dir;
    dir.write("woorden.json", kWords);
    REQUIRE(matches_schema("catalog", kWords));
    StoreFixture store(dir.config());

    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    CHECK(report.at("rejected").empty());
    REQUIRE(report.at("loaded").size() == 1);
    CHECK(report.at("loaded").at(0).at("id") == "woonstad.eigen_woorden");
    CHECK(report.at("loaded").at(0).at("texts") == true);
    CHECK(report.at("loaded").at(0).at("switched_off") == 2);
    CHECK(report.at("loaded").at(0).at("signals") == 0);

    const json nl = form_of(store, "nl");
    CHECK(nl.at("question") == kWords.at("texts").at("question").at("nl"));
    CHECK(screen_of(nl, "question").at("text") == nl.at("question"));
    CHECK(nl.at("officer") == kWords.at("texts").at("officer"));
    const std::string sent = screen_text(nl, "sent");
    CHECK(sent.find("Fatima el Amrani") != std::string::npos);
    CHECK(sent.find("010 - 123 45 67") != std::string::npos);
    CHECK(sent.find("niets meer van u verwacht") != std::string::npos);  // "u", as asked
    CHECK(screen_text(nl, "category").find("Waar maakt u zich zorgen over?") != std::string::npos);
    CHECK(form_of(store, "en").at("question") == kWords.at("texts").at("question").at("en"));

    // Switched off: gone from the form in both languages and refused on submit.
    for (const auto& locale : {"nl", "en"}) {
        const std::string form = form_of(store, locale).dump();
        for (const auto& id : kWords.at("switched_off")) {
            CHECK(form.find(id.get<std::string>()) == std::string::npos);
        }
    }
    const auto before = store.data_fingerprint();
    const json prompt = store.prompt_for("WO-OFF", "VHE-O", "tech-1");
    json body = submission(prompt.at("prompt_token"), "key-off-1", "feiten");
    body["signals"] = {"mc.home.door_kicked_in", "mc.honour.family_stays_close"};
    try {
        store.mc().submit_signals(actor("tech-1", "observer"), body);
        FAIL("a switched-off signal was accepted");
    } catch (const meldcode::sdk::Error& e) {
        CHECK(e.code() == "signal_not_offered");
        CHECK(e.pointer() == "/signals/1");
        CHECK(std::string(e.what()).find("switched off") != std::string::npos);
    }
    CHECK(store.data_fingerprint() == before);
}

TEST_CASE("a bad overlay is rejected with a clear reason and the built-in words stay") {
    const OverlayDir dir;
    json bad_phone = kWords;
    bad_phone["texts"]["officer"]["phone"] = "bel Fatima";
    dir.write("a_bad_phone.json", bad_phone);
    json unknown = kWords;
    unknown["id"] = "other.woorden";
    unknown.erase("texts");
    unknown["switched_off"] = {"mc.home.no_such_signal"};
    dir.write("b_unknown_signal.json", unknown);
    json good = kWords;
    good["id"] = "third.woorden";
    good.erase("switched_off");
    dir.write("c_good.json", good);
    json second = kWords;
    second["id"] = "fourth.woorden";
    second.erase("switched_off");
    dir.write("d_second_texts.json", second);
    StoreFixture store(dir.config());

    const json report = store.mc().extensions();
    REQUIRE(matches_schema("extensions", report));
    std::map<std::string, std::pair<std::string, std::string>> rejected;
    for (const auto& r : report.at("rejected")) {
        rejected[r.at("source")] = {r.at("code"), r.at("reason")};
    }
    REQUIRE(rejected.size() == 3);
    CHECK(rejected.at(dir.file("a_bad_phone.json")).first == "invalid_pack");
    CHECK(rejected.at(dir.file("a_bad_phone.json")).second.find("/texts/officer/phone") !=
          std::string::npos);
    CHECK(rejected.at(dir.file("b_unknown_signal.json")).first == "unknown_signal");
    CHECK(rejected.at(dir.file("b_unknown_signal.json")).second.find("mc.home.no_such_signal") !=
          std::string::npos);
    CHECK(rejected.at(dir.file("d_second_texts.json")).first == "texts_taken");
    // The one good overlay holds; what the rejected ones said does not.
    const json nl = form_of(store, "nl");
    CHECK(nl.at("officer").at("phone") == "010 - 123 45 67");
    CHECK(nl.dump().find("mc.honour.family_stays_close") != std::string::npos);
}

TEST_CASE("without an overlay the form names no officer and addresses the technician as 'je'") {
    StoreFixture store;
    const json nl = form_of(store, "nl");
    CHECK_FALSE(nl.contains("officer"));
    CHECK(nl.at("question").get<std::string>().rfind("Maak je je", 0) == 0);
    CHECK(screen_text(nl, "sent").find("{officer") == std::string::npos);
}

TEST_CASE("the overlay example of docs/extensions.md loads and says what it promises") {
    const auto blocks =
        fenced_blocks(std::filesystem::path(MELDCODE_SOURCE_DIR) / "docs" / "extensions.md");
    const auto overlay = std::find_if(blocks.begin(), blocks.end(), [](const FencedBlock& b) {
        return fence_attribute(b.info, "schema") == "catalog";
    });
    REQUIRE(overlay != blocks.end());
    const json example = json::parse(overlay->text);
    REQUIRE(matches_schema("catalog", example));

    const OverlayDir dir;
    dir.write("woorden.json", example);
    StoreFixture store(dir.config());
    const json report = store.mc().extensions();
    CHECK(report.at("rejected").empty());
    REQUIRE(report.at("loaded").size() == 1);
    CHECK(report.at("loaded").at(0).at("texts") == true);
    CHECK(report.at("loaded").at(0).at("switched_off") == example.at("switched_off").size());
    const json nl = form_of(store, "nl");
    CHECK(nl.at("officer") == example.at("texts").at("officer"));
    CHECK(nl.at("question") == example.at("texts").at("question").at("nl"));
}

TEST_CASE("on a screen the tenant may see, the form is not handed out, the token is") {
    StoreFixture store;
    json shared = ticket("WO-S1", "VHE-S", "tech-1");
    shared["shared_screen"] = true;
    const json answer = store.mc().ticket_closed(actor("erp", "integration"), shared);
    REQUIRE(matches_schema("prompt", answer));
    CHECK(answer.at("ask") == true);
    CHECK(answer.at("reason") == "ask_later");
    CHECK_FALSE(answer.contains("form"));
    // Later, on the technician's own device: the same form, and the token works.
    const json form = store.mc().catalog("nl");
    const auto sent = fewest(walk(form, 4), "send");
    REQUIRE(sent);
    json body = sent->fields;
    body["prompt_token"] = answer.at("prompt_token");
    body["idempotency_key"] = "tech-1:WO-S1:1";
    CHECK(store.mc().submit_signals(actor("tech-1", "observer"), body).contains("submission_ref"));
    // Asked is asked: the same ticket is not prompted again.
    CHECK(store.mc().ticket_closed(actor("erp", "integration"), shared).at("reason") ==
          "already_prompted");
}

TEST_CASE("a contractor's technician is an observer with an organisation") {
    StoreFixture store;
    const json contractor{
        {"id", "ext-77"}, {"role", "observer"}, {"organisation", "Installatiebedrijf Vermeer"}};
    const json prompt =
        store.mc().ticket_closed(actor("erp", "integration"), ticket("WO-C1", "VHE-C", "ext-77"));
    const json receipt = store.mc().submit_signals(
        contractor, submission(prompt.at("prompt_token"), "key-contractor-1", "feiten"));
    CHECK(store.mc()
              .submission_status(contractor, {{"submission_ref", receipt.at("submission_ref")}})
              .at("status") == "received");
    const json concern =
        store.mc().get_concern(kOfficer, {{"submission_ref", receipt.at("submission_ref")}});
    CHECK(concern.at("chronology").at(0).at("data").at("organisation") ==
          "Installatiebedrijf Vermeer");
    // A data-subject export names the contractor no more than the technician.
    const json dossier = released_export(store.mc(), {{"concern_ref", concern.at("concern_ref")}});
    CHECK(dossier.dump().find("Vermeer") == std::string::npos);
    CHECK(dossier.at("chronology").at(0).at("data").at("organisation") == "[organisation 1]");
    // An organisation is held to the actor schema like an id.
    json unnamed = contractor;
    unnamed["organisation"] = "";
    CHECK_THROWS_AS(
        store.mc().submission_status(unnamed, {{"submission_ref", receipt.at("submission_ref")}}),
        meldcode::sdk::Error);
}

TEST_CASE("a page that holds only the prompt token opens it: the form, its locale, its observer") {
    StoreFixture store;
    json shared = ticket("WO-O1", "VHE-O", "tech-9");
    shared["shared_screen"] = true;
    shared["locale"] = "en";
    const json prompt = store.mc().ticket_closed(actor("erp", "integration"), shared);
    REQUIRE(prompt.at("reason") == "ask_later");
    const std::string fingerprint = store.data_fingerprint();

    const json opened = store.mc().open_prompt({{"prompt_token", prompt.at("prompt_token")}});
    REQUIRE(matches_schema("opened_prompt", opened));
    CHECK(opened.at("actor") == actor("tech-9", "observer"));
    CHECK(opened.at("locale") == "en");  // the ticket's locale travels in the token
    CHECK(opened.at("expires_at") == prompt.at("expires_at"));
    CHECK(opened.at("form") == store.mc().catalog("en"));
    // The request may ask for the other language; nothing of the ticket shows.
    const json dutch =
        store.mc().open_prompt({{"prompt_token", prompt.at("prompt_token")}, {"locale", "nl"}});
    CHECK(dutch.at("form") == store.mc().catalog("nl"));
    for (const char* secret : {"WO-O1", "VHE-O"})
        CHECK(dutch.dump().find(secret) == std::string::npos);
    CHECK(store.data_fingerprint() == fingerprint);  // opening stores nothing

    // As whom the page submits: the actor the token names, and no one else.
    const auto sent = fewest(walk(opened.at("form"), 4), "send");
    REQUIRE(sent);
    json body = sent->fields;
    body["prompt_token"] = prompt.at("prompt_token");
    body["idempotency_key"] = "tech-9:WO-O1:1";
    CHECK_THROWS_AS(store.mc().submit_signals(actor("tech-8", "observer"), body),
                    meldcode::sdk::Error);
    CHECK(store.mc().submit_signals(opened.at("actor"), body).contains("submission_ref"));
}

TEST_CASE("a prompt token that was tampered with, made up or malformed does not open") {
    StoreFixture store;
    const json prompt =
        store.mc().ticket_closed(actor("erp", "integration"), ticket("WO-O2", "VHE-O", "tech-9"));
    std::string token = prompt.at("prompt_token");
    // The token is hex: flip one digit to another value ('A' for an 'a' would
    // be the same value, if the hex reader takes either case).
    token[token.size() / 2] = token[token.size() / 2] == '0' ? '1' : '0';
    const auto refused = [&](const json& request) {
        try {
            store.mc().open_prompt(request);
        } catch (const meldcode::sdk::Error& e) {
            return std::make_pair(e.status(), std::string(e.code()));
        }
        return std::make_pair(MC_OK, std::string());
    };
    CHECK(refused({{"prompt_token", token}}) ==
          std::make_pair(MC_E_NOT_FOUND, std::string("unknown_prompt_token")));
    CHECK(refused({{"prompt_token", "p_" + std::string(60, 'x')}}) ==
          std::make_pair(MC_E_NOT_FOUND, std::string("unknown_prompt_token")));
    CHECK(refused({{"prompt_token", "mct_" + std::string(60, 'x')}}).first == MC_E_PAYLOAD);
    CHECK(refused({{"prompt_token", prompt.at("prompt_token")}, {"locale", "de"}}).first ==
          MC_E_PAYLOAD);
    CHECK(refused({{"prompt_token", prompt.at("prompt_token")}, {"unit_id", "VHE-O"}}).first ==
          MC_E_PAYLOAD);
}

TEST_CASE("a prompt token opens for fourteen days and not a second longer") {
    StoreFixture store;
    const json prompt =
        store.mc().ticket_closed(actor("erp", "integration"), ticket("WO-O3", "VHE-O", "tech-9"));
    const auto issued = *meldcode::parse_timestamp(kNow);
    store.reopen_at(meldcode::format_timestamp(issued + 14 * 24 * 3600));
    CHECK(store.mc()
              .open_prompt({{"prompt_token", prompt.at("prompt_token")}})
              .at("actor")
              .at("id") == "tech-9");
    store.reopen_at(meldcode::format_timestamp(issued + 14 * 24 * 3600 + 1));
    try {
        store.mc().open_prompt({{"prompt_token", prompt.at("prompt_token")}});
        FAIL("an expired token opened");
    } catch (const meldcode::sdk::Error& e) {
        CHECK(e.status() == MC_E_NOT_FOUND);
        CHECK(std::string(e.code()) == "prompt_token_expired");
    }
}
