// The signal catalog: the embedded one, its localized views, and rejection of
// catalogs with duplicate or badly namespaced signal ids.
#include <algorithm>
#include <set>

#include "abi/schema_validator.h"
#include "core/catalog.h"
#include "core_test_support.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

const Catalog& builtin() {
    static const Catalog catalog = Catalog::from_definition(embedded_json("catalog.json"));
    return catalog;
}

// The ids of a view, categories and signals in order.
std::vector<std::string> ids_of(const json& view) {
    std::vector<std::string> ids;
    for (const auto& c : view.at("categories")) {
        ids.push_back(c.at("id"));
        for (const auto& s : c.at("signals")) ids.push_back(s.at("id"));
    }
    return ids;
}

std::vector<std::string> labels_of(const json& view) {
    std::vector<std::string> labels;
    for (const auto& c : view.at("categories")) {
        labels.push_back(c.at("label"));
        for (const auto& s : c.at("signals")) labels.push_back(s.at("label"));
    }
    return labels;
}

json signal(const std::string& id) {
    return {{"id", id}, {"label", {{"nl", "Signaal"}, {"en", "Signal"}}}};
}

json category(const std::string& id, const std::vector<std::string>& signal_ids) {
    json signals = json::array();
    for (const auto& s : signal_ids) signals.push_back(signal(s));
    return {{"id", id}, {"label", {{"nl", "Categorie"}, {"en", "Category"}}}, {"signals", signals}};
}

}  // namespace

TEST_CASE("the built-in catalog knows its signals and nothing else", "[catalog]") {
    const Catalog& catalog = builtin();
    CHECK(catalog.version() == "2026.2");
    const json definition = embedded_json("catalog.json");
    for (const auto& c : definition.at("categories")) {
        CHECK_FALSE(catalog.knows(c.at("id")));  // a category is not a signal
        for (const auto& s : c.at("signals")) {
            CHECK(catalog.knows(s.at("id")));
            CHECK(catalog.offers(s.at("id")));
        }
    }
    CHECK(catalog.knows("mc.home.holes_in_walls_or_doors"));
    CHECK_FALSE(catalog.knows("mc.home.unicorns"));
    CHECK_FALSE(catalog.offers("mc.home.unicorns"));
    CHECK_FALSE(catalog.knows("mc.home.holes_in_walls_or_doors.extra"));
    CHECK_FALSE(catalog.knows("MC.HOME.HOLES_IN_WALLS_OR_DOORS"));
    CHECK_FALSE(catalog.knows(""));
}

TEST_CASE("the built-in catalog has 8 categories of 4-12 unique signals", "[catalog]") {
    const json& view = builtin().view("en");
    std::set<std::string> seen;
    std::vector<std::string> categories;
    for (const auto& c : view.at("categories")) {
        INFO("category " << c.at("id"));
        categories.push_back(c.at("id"));
        CHECK(c.at("signals").size() >= 4);
        CHECK(c.at("signals").size() <= 12);
        for (const auto& s : c.at("signals")) CHECK(seen.insert(s.at("id")).second);
    }
    CHECK(categories == std::vector<std::string>{"mc.home", "mc.adults", "mc.children",
                                                 "mc.elderly", "mc.honour", "mc.neglect",
                                                 "mc.living", "mc.exploitation"});
}

TEST_CASE("the 2026.2 revision: observable wording, poverty apart, no housing fraud", "[catalog]") {
    const Catalog& catalog = builtin();
    const auto nl = [&](const char* id) { return catalog.labels(id).at("nl").get<std::string>(); };
    // What was seen, not what it is taken to mean.
    CHECK(nl("mc.home.holes_in_walls_or_doors").find("geslagen") == std::string::npos);
    CHECK(nl("mc.home.holes_in_walls_or_doors").find("schop") != std::string::npos);
    CHECK(nl("mc.children.lock_on_outside_of_room") ==
          "Slot of grendel aan de buitenkant van een kinderkamer");
    CHECK(nl("mc.children.unwashed_or_unsuitable_clothing").find("onverzorgd") !=
          std::string::npos);
    for (const auto& locale : Catalog::locales()) {
        const std::string text = builtin().view_text(locale);
        for (const char* word : {"prostitut", "opgesloten", " vies ", "vermoedelijk", "probably"}) {
            INFO(locale << ": " << word);
            CHECK(text.find(word) == std::string::npos);
        }
    }
    // Poverty is not a signal of violence by itself: its own category, not Veilig Thuis.
    for (const char* id : {"mc.living.no_heating_water_or_electricity",
                           "mc.living.unopened_post_piling_up", "mc.living.vermin"}) {
        INFO(id);
        CHECK(catalog.offers(id));
        CHECK(catalog.route_of(id) == "wijkteam");
    }
    CHECK(nl("mc.living.no_heating_water_or_electricity") ==
          nl("mc.neglect.no_heating_water_or_electricity"));
    CHECK(catalog.labels("mc.exploitation.many_visitors_rooms_with_only_bed")
              .dump()
              .find("prostitu") == std::string::npos);
    // The new signals, and the disclosures marked as such.
    for (const char* id :
         {"mc.home.urgent_lock_change", "mc.home.weapon_seen",
          "mc.adults.stalked_or_ex_partner_at_door", "mc.children.home_in_school_hours_or_caring",
          "mc.elderly.overburdened_carer", "mc.elderly.confused_and_alone",
          "mc.exploitation.minor_picked_up_by_older_strangers", "mc.adults.asks_not_to_tell"}) {
        INFO(id);
        CHECK(catalog.offers(id));
    }
    for (const char* id :
         {"mc.adults.asks_for_help", "mc.children.tells_about_violence",
          "mc.honour.mentions_forced_marriage", "mc.honour.mentions_being_sent_abroad"}) {
        INFO(id);
        CHECK(catalog.is_disclosure(id));
    }
    CHECK_FALSE(catalog.is_disclosure("mc.adults.asks_not_to_tell"));
}

TEST_CASE("retired signals stay known, but are neither shown nor offered", "[catalog]") {
    const Catalog& catalog = builtin();
    const std::vector<std::string> retired{
        "mc.children.locked_in_room", "mc.neglect.no_heating_water_or_electricity",
        "mc.neglect.unopened_post_piling_up", "mc.neglect.vermin",
        "mc.exploitation.occupants_keep_changing"};
    for (const auto& id : retired) {
        INFO(id);
        CHECK(catalog.knows(id));
        CHECK_FALSE(catalog.offers(id));
        CHECK_FALSE(catalog.labels(id).at("nl").get<std::string>().empty());
        CHECK(catalog.category_of(id) == id.substr(0, id.rfind('.')));
        for (const auto& locale : Catalog::locales()) {
            CHECK(catalog.view_text(locale).find('"' + id + '"') == std::string::npos);
        }
    }
    // Housing fraud is gone from the form in every language.
    CHECK(builtin().view_text("nl").find("niet de huurder") == std::string::npos);
}

TEST_CASE("the views in nl and en hold the same signals in other words", "[catalog]") {
    const json& nl = builtin().view("nl");
    const json& en = builtin().view("en");
    CHECK(nl.at("locale") == "nl");
    CHECK(en.at("locale") == "en");
    CHECK(nl.at("catalog_version") == "2026.2");
    CHECK(ids_of(nl) == ids_of(en));
    const auto nl_labels = labels_of(nl);
    const auto en_labels = labels_of(en);
    REQUIRE(nl_labels.size() == en_labels.size());
    for (std::size_t i = 0; i < nl_labels.size(); ++i) {
        INFO(ids_of(nl)[i]);
        CHECK_FALSE(nl_labels[i].empty());
        CHECK(nl_labels[i] != en_labels[i]);
    }
    for (const char* text : {"question", "observations_hint", "acute_advice"}) {
        CHECK(nl.at(text) != en.at(text));
    }
    CHECK(nl.at("acute_advice").get<std::string>().find("112") != std::string::npos);
    CHECK(en.at("acute_advice").get<std::string>().find("0800-2000") != std::string::npos);
}

TEST_CASE("a view matches its schema and carries one language only", "[catalog]") {
    const auto locale = GENERATE(from_range(Catalog::locales()));
    const std::string other = locale == "nl" ? "en" : "nl";
    const json& view = builtin().view(locale);
    CHECK_NOTHROW(validate_payload("catalog_view", view));
    CHECK(json::parse(builtin().view_text(locale)) == view);
    const std::string& text = builtin().view_text(locale);
    for (const auto& label : labels_of(builtin().view(other))) {
        CHECK(text.find(json(label).dump()) == std::string::npos);
    }
    CHECK(text.find("\"direct\"") == std::string::npos);
}

TEST_CASE("the supported locales are nl and en", "[catalog]") {
    CHECK(Catalog::locales() == std::vector<std::string>{"nl", "en"});
    CHECK(Catalog::supports("nl"));
    CHECK(Catalog::supports("en"));
    CHECK_FALSE(Catalog::supports("de"));
    CHECK_FALSE(Catalog::supports("NL"));
    CHECK_FALSE(Catalog::supports(""));
}

TEST_CASE("a catalog with bad signal ids is rejected", "[catalog]") {
    const auto [what, categories] = GENERATE(
        std::make_pair("a duplicate id in one category",
                       json{category("mc.home", {"mc.home.hole", "mc.home.hole"})}),
        std::make_pair(
            "a duplicate id over two categories with the same id",
            json{category("mc.home", {"mc.home.hole"}), category("mc.home", {"mc.home.hole"})}),
        std::make_pair("an id under another category",
                       json{category("mc.home", {"mc.children.hole"})}),
        std::make_pair("an id that only starts like its category",
                       json{category("mc.home", {"mc.homes.hole"})}),
        std::make_pair("the category's own id", json{category("mc.home", {"mc.home"})}),
        std::make_pair("an id of the category's parent", json{category("mc.home", {"mc.hole"})}));
    INFO(what);
    json definition = embedded_json("catalog.json");
    definition["categories"] = categories;
    REQUIRE(matches_schema("catalog", definition));  // only the core sees the problem
    CHECK_THROWS_MATCHES(Catalog::from_definition(definition), Error,
                         ErrorIs(MC_E_PAYLOAD, "invalid_catalog"));
}

TEST_CASE("a small valid catalog loads", "[catalog]") {
    json definition = embedded_json("catalog.json");
    definition["version"] = "test.1";
    definition["categories"] = {category("ext.elder", {"ext.elder.money_taken", "ext.elder.a.b"})};
    const Catalog catalog = Catalog::from_definition(definition);
    CHECK(catalog.version() == "test.1");
    CHECK(catalog.knows("ext.elder.money_taken"));
    CHECK(catalog.knows("ext.elder.a.b"));
    CHECK_FALSE(catalog.knows("mc.home.holes_in_walls_or_doors"));
    CHECK(ids_of(catalog.view("nl")) ==
          std::vector<std::string>{"ext.elder", "ext.elder.money_taken", "ext.elder.a.b"});
}

json pack(const std::string& id, const std::vector<json>& categories) {
    return {{"id", id},
            {"version", "1.0"},
            {"title", {{"nl", "Pakket"}, {"en", "Pack"}}},
            {"categories", categories}};
}

TEST_CASE("a pack adds its categories after the built-in ones, in both locales", "[catalog]") {
    Catalog catalog = builtin();
    const json extra = pack("rl.pack", {category("rl.stair", {"rl.stair.sleeps_in_storage"})});
    REQUIRE(matches_schema("catalog", extra));
    catalog.add_pack(extra);
    CHECK(catalog.knows("rl.stair.sleeps_in_storage"));
    CHECK(catalog.labels("rl.stair.sleeps_in_storage") ==
          json{{"nl", "Signaal"}, {"en", "Signal"}});
    for (const auto& locale : Catalog::locales()) {
        const auto ids = ids_of(catalog.view(locale));
        CHECK(ids.front() == "mc.home");
        CHECK(ids.back() == "rl.stair.sleeps_in_storage");
        CHECK(json::parse(catalog.view_text(locale)) == catalog.view(locale));
        CHECK_NOTHROW(validate_payload("catalog_view", catalog.view(locale)));
    }
    CHECK(catalog.view("nl").at("categories").back().at("label") == "Categorie");
    CHECK(catalog.version() == builtin().version());
}

TEST_CASE("a pack that breaks a rule is refused and changes nothing", "[catalog]") {
    Catalog catalog = builtin();
    catalog.add_pack(pack("rl.pack", {category("rl.stair", {"rl.stair.a"})}));
    const std::string before = catalog.view_text("en");
    const auto [code, bad] = GENERATE(
        std::make_pair("reserved_namespace",
                       pack("mc.extra", {category("mc.home", {"mc.home.new_signal"})})),
        std::make_pair("namespace_taken", pack("rl.other", {category("rl.other", {"rl.other.b"})})),
        std::make_pair("outside_namespace", pack("x.pack", {category("y.cat", {"y.cat.a"})})),
        std::make_pair("outside_namespace", pack("x.pack", {category("x.cat", {"x.other.a"})})),
        std::make_pair("duplicate_id", pack("x.pack", {category("x.cat", {"x.cat.a", "x.cat.a"})})),
        std::make_pair("duplicate_id", pack("x.pack", {category("x.cat", {"x.cat.a"}),
                                                       category("x.cat", {"x.cat.b"})})),
        std::make_pair("duplicate_id",
                       [] {
                           json c = category("x.cat", {"x.cat.a"});
                           c["retired"] = category("x.cat", {"x.cat.a"}).at("signals");
                           return pack("x.pack", {c});
                       }()),
        std::make_pair("invalid_pack", [] {
            json p = embedded_json("catalog.json");
            p["id"] = "x.pack";
            p["categories"] = {category("x.cat", {"x.cat.a"})};
            return p;  // a whole catalog, prompt texts and all
        }()));
    INFO(code << ": " << bad.dump());
    CHECK_THROWS_MATCHES(catalog.add_pack(bad), Error, ErrorIs(MC_E_PAYLOAD, code));
    CHECK(catalog.view_text("en") == before);
    CHECK_FALSE(catalog.knows("x.cat.a"));
    CHECK_FALSE(catalog.knows("x.cat.b"));
    // The refused pack's namespace stays free.
    CHECK_NOTHROW(catalog.add_pack(pack("x.pack", {category("x.cat", {"x.cat.a"})})));
}

TEST_CASE("each category has a route, and disclosures are marked", "[catalog]") {
    const Catalog& catalog = builtin();
    const json definition = embedded_json("catalog.json");
    for (const auto& c : definition.at("categories")) {
        const std::string& route = catalog.route(c.at("id"));
        INFO("category " << c.at("id"));
        CHECK(std::count(Catalog::routes().begin(), Catalog::routes().end(), route) == 1);
        CHECK(route == c.value("route", std::string("veilig_thuis")));
        for (const auto& s : c.at("signals")) {
            CHECK(catalog.category_of(s.at("id")) == c.at("id"));
            CHECK(catalog.route_of(s.at("id")) == route);
            CHECK(catalog.is_disclosure(s.at("id")) == s.value("disclosure", false));
        }
    }
    CHECK(catalog.is_disclosure("mc.children.tells_about_violence"));
    CHECK_FALSE(catalog.is_disclosure("mc.home.holes_in_walls_or_doors"));
    CHECK(Catalog::routes() ==
          std::vector<std::string>{"veilig_thuis", "ggd", "police", "arbeidsinspectie", "comensha",
                                   "meld_misdaad_anoniem", "wijkteam", "care_provider"});
    // The schema lists the same routes as the core.
    const json schema = embedded_json("catalog.schema.json");
    CHECK(schema.at("definitions").at("route").at("enum") == json(Catalog::routes()));
}

TEST_CASE("a pack's category without a route goes to Veilig Thuis, with one to its own",
          "[catalog]") {
    Catalog catalog = builtin();
    json routed = category("zorg.thuis", {"zorg.thuis.a"});
    routed["route"] = "care_provider";
    routed["signals"][0]["disclosure"] = true;
    const json extra = pack("zorg.pack", {category("zorg.overig", {"zorg.overig.b"}), routed});
    REQUIRE(matches_schema("catalog", extra));
    catalog.add_pack(extra);
    CHECK(catalog.route("zorg.overig") == "veilig_thuis");
    CHECK(catalog.route_of("zorg.thuis.a") == "care_provider");
    CHECK(catalog.is_disclosure("zorg.thuis.a"));
    CHECK_FALSE(catalog.is_disclosure("zorg.overig.b"));
    // Neither is shown to the technician.
    CHECK(catalog.view_text("nl").find("care_provider") == std::string::npos);
    CHECK(catalog.view_text("nl").find("disclosure") == std::string::npos);
}

}  // namespace meldcode::test
