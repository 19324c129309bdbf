#include "catalog.h"

#include <algorithm>

#include "errors.h"

namespace meldcode {
namespace {

using nlohmann::json;

Error bad_catalog(const std::string& why) {
    return Error(MC_E_PAYLOAD, "invalid_catalog", "invalid signal catalog: " + why);
}

Error bad_pack(const std::string& code, const std::string& pack_id, const std::string& why) {
    return Error(MC_E_PAYLOAD, code, "pack " + pack_id + ": " + why);
}

bool namespaced_under(const std::string& id, const std::string& parent) {
    return id.size() > parent.size() + 1 && id.compare(0, parent.size(), parent) == 0 &&
           id[parent.size()] == '.';
}

// Calls fn(signal, offered) for a category's signals, then its retired ones.
template <typename Fn>
void for_each_signal(const json& category, const Fn& fn) {
    for (const auto& s : category.at("signals")) fn(s, true);
    for (const auto& s : category.value("retired", json::array())) fn(s, false);
}

FormWords form_words(const json& texts) {
    FormWords words;
    words.address = texts.value("address", words.address);
    if (texts.contains("officer")) {
        const json& o = texts.at("officer");
        words.officer = Officer{o.at("name"), o.at("phone")};
    }
    if (texts.contains("question")) words.question = texts.at("question");
    return words;
}

// The pack's own rules: one namespace for every id in it, no id twice.
void check_pack_ids(const json& pack, const std::string& ns) {
    const std::string pack_id = pack.at("id");
    std::set<std::string> seen;
    for (const auto& c : pack.value("categories", json::array())) {
        const std::string category = c.at("id");
        if (!namespaced_under(category, ns)) {
            std::string why = "category " + category;
            throw bad_pack("outside_namespace", pack_id,
                           why.append(" is not in the pack's namespace ").append(ns));
        }
        if (!seen.insert(category).second) {
            throw bad_pack("duplicate_id", pack_id, "category id " + category + " appears twice");
        }
        for_each_signal(c, [&](const json& s, bool) {
            const std::string id = s.at("id");
            if (!namespaced_under(id, category)) {
                throw bad_pack("outside_namespace", pack_id,
                               "signal " + id + " is not namespaced under its category");
            }
            if (!seen.insert(id).second) {
                throw bad_pack("duplicate_id", pack_id, "signal id " + id + " appears twice");
            }
        });
    }
}

}  // namespace

const std::vector<std::string>& Catalog::locales() {
    static const std::vector<std::string> supported{"nl", "en"};
    return supported;
}

bool Catalog::supports(const std::string& locale) {
    const auto& l = locales();
    return std::find(l.begin(), l.end(), locale) != l.end();
}

std::string Catalog::namespace_of(const std::string& id) {
    return id.substr(0, id.find('.'));
}

const std::vector<std::string>& Catalog::routes() {
    static const std::vector<std::string> all{
        "veilig_thuis",         "ggd",      "police",       "arbeidsinspectie", "comensha",
        "meld_misdaad_anoniem", "wijkteam", "care_provider"};
    return all;
}

const std::string& Catalog::default_route() {
    return routes().front();
}

Catalog Catalog::from_definition(const json& def) {
    Catalog catalog;
    catalog.version_ = def.at("version").get<std::string>();
    catalog.definition_ = def;
    catalog.index_signals(def.at("categories"));
    // Packs may not use the built-in catalog's namespace, nor one its categories use.
    catalog.namespaces_.insert(namespace_of(def.at("id")));
    for (const auto& c : def.at("categories")) catalog.namespaces_.insert(namespace_of(c.at("id")));
    catalog.build_views();
    return catalog;
}

void Catalog::index_signals(const json& categories) {
    for (const auto& c : categories) {
        const auto category = c.at("id").get<std::string>();
        routes_[category] = c.value("route", default_route());
        for_each_signal(c, [&](const json& s, bool offered) {
            const auto id = s.at("id").get<std::string>();
            if (!namespaced_under(id, category)) {
                throw bad_catalog("signal " + id + " is not namespaced under its category");
            }
            Signal signal{s.at("label"),
                          category,
                          s.value("disclosure", false),
                          offered ? Use::offered : Use::retired,
                          s.value("direct", false),
                          c.value("about_children", false)};
            if (!signals_.emplace(id, std::move(signal)).second) {
                throw bad_catalog("duplicate signal id " + id);
            }
        });
    }
}

void Catalog::add_pack(const json& pack) {
    const std::string pack_id = pack.at("id");
    if (pack.contains("prompt")) {
        throw bad_pack("invalid_pack", pack_id,
                       "a pack may not carry the prompt's texts (the acute-danger advice is the "
                       "plugin's); the corporation's own words go in \"texts\"");
    }
    const std::string ns = namespace_of(pack_id);
    if (namespaces_.count(ns) != 0) {
        const bool builtin = ns == namespace_of(definition_.at("id"));
        throw bad_pack(builtin ? "reserved_namespace" : "namespace_taken", pack_id,
                       "the namespace " + ns +
                           (builtin ? " belongs to the built-in catalog"
                                    : " is already used by an earlier pack or the built-in "
                                      "catalog"));
    }
    // Checked in full before anything changes: a rejected pack adds nothing.
    check_pack_ids(pack, ns);
    check_words(pack);
    namespaces_.insert(ns);
    const json categories = pack.value("categories", json::array());
    index_signals(categories);
    for (const auto& c : categories) definition_["categories"].push_back(c);
    if (pack.contains("texts")) words_ = form_words(pack.at("texts"));
    for (const auto& id : pack.value("switched_off", json::array())) {
        signals_.at(id.get<std::string>()).use = Use::switched_off;
    }
    build_views();
}

void Catalog::check_words(const json& pack) const {
    const std::string pack_id = pack.at("id");
    if (pack.contains("texts") && words_) {
        throw bad_pack("texts_taken", pack_id,
                       "an earlier pack already carries the corporation's texts; only one may");
    }
    const std::string builtin = namespace_of(definition_.at("id"));
    for (const auto& id : pack.value("switched_off", json::array())) {
        if (namespace_of(id) != builtin || !offers(id)) {
            throw bad_pack("unknown_signal", pack_id,
                           "switched_off names " + id.get<std::string>() +
                               ", which is not an offered signal of the built-in catalog");
        }
    }
}

void Catalog::build_views() {
    const auto offered = [this](const std::string& id) { return offers(id); };
    for (const auto& locale : locales()) {
        views_[locale] = prompt_form(definition_, locale, words_.value_or(FormWords{}), offered);
        view_texts_[locale] = views_[locale].dump();
    }
}

bool Catalog::knows(const std::string& signal_id) const {
    return signals_.count(signal_id) != 0;
}

bool Catalog::offers(const std::string& signal_id) const {
    const auto it = signals_.find(signal_id);
    return it != signals_.end() && it->second.use == Use::offered;
}

Catalog::Use Catalog::use(const std::string& signal_id) const {
    return signals_.at(signal_id).use;
}

const json& Catalog::labels(const std::string& signal_id) const {
    return signals_.at(signal_id).labels;
}

bool Catalog::is_disclosure(const std::string& signal_id) const {
    return signals_.at(signal_id).disclosure;
}

bool Catalog::is_about_children(const std::string& signal_id) const {
    return signals_.at(signal_id).about_children;
}

bool Catalog::is_direct(const std::string& signal_id) const {
    return signals_.at(signal_id).direct;
}

const std::string& Catalog::category_of(const std::string& signal_id) const {
    return signals_.at(signal_id).category;
}

const std::string& Catalog::route(const std::string& category_id) const {
    return routes_.at(category_id);
}

const std::string& Catalog::route_of(const std::string& signal_id) const {
    return route(category_of(signal_id));
}

const json& Catalog::view(const std::string& locale) const {
    return views_.at(locale);
}

const std::string& Catalog::view_text(const std::string& locale) const {
    return view_texts_.at(locale);
}

}  // namespace meldcode
