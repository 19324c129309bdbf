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
    CHECK(catalog.version() == "2026.1");
    const json definition = embedded_json("catalog.json");
    for (const auto& c : definition.at("categories")) {
        CHECK_FALSE(catalog.knows(c.at("id")));  // a category is not a signal
        for (const auto& s : c.at("signals")) CHECK(catalog.knows(s.at("id")));
    }
    CHECK(catalog.knows("mc.home.holes_in_walls_or_doors"));
    CHECK_FALSE(catalog.knows("mc.home.unicorns"));
    CHECK_FALSE(catalog.knows("mc.home.holes_in_walls_or_doors.extra"));
    CHECK_FALSE(catalog.knows("MC.HOME.HOLES_IN_WALLS_OR_DOORS"));
    CHECK_FALSE(catalog.knows(""));
}

TEST_CASE("the built-in catalog has 7+ categories of 5-10 unique signals", "[catalog]") {
    const json& view = builtin().view("en");
    CHECK(view.at("categories").size() >= 7);
    std::set<std::string> seen;
    for (const auto& c : view.at("categories")) {
        INFO("category " << c.at("id"));
        CHECK(c.at("signals").size() >= 5);
        CHECK(c.at("signals").size() <= 10);
        for (const auto& s : c.at("signals")) CHECK(seen.insert(s.at("id")).second);
    }
    const std::vector<std::string> expected_categories{"mc.home",        "mc.adults", "mc.children",
                                                       "mc.elderly",     "mc.honour", "mc.neglect",
                                                       "mc.exploitation"};
    for (const auto& id : expected_categories) {
        const auto& cs = view.at("categories");
        CHECK(std::any_of(cs.begin(), cs.end(), [&id](const json& c) { return c.at("id") == id; }));
    }
}

TEST_CASE("the views in nl and en hold the same signals in other words", "[catalog]") {
    const json& nl = builtin().view("nl");
    const json& en = builtin().view("en");
    CHECK(nl.at("locale") == "nl");
    CHECK(en.at("locale") == "en");
    CHECK(nl.at("catalog_version") == "2026.1");
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

}  // namespace meldcode::test
