#include "catalog.h"

#include <algorithm>

#include "errors.h"

namespace meldcode {
namespace {

using nlohmann::json;

Error bad_catalog(const std::string& why) {
    return Error(MC_E_PAYLOAD, "invalid_catalog", "invalid signal catalog: " + why);
}

bool namespaced_under(const std::string& id, const std::string& parent) {
    return id.size() > parent.size() + 1 && id.compare(0, parent.size(), parent) == 0 &&
           id[parent.size()] == '.';
}

json localized_view(const json& def, const std::string& locale) {
    json categories = json::array();
    for (const auto& c : def.at("categories")) {
        json signals = json::array();
        for (const auto& s : c.at("signals")) {
            signals.push_back({{"id", s.at("id")}, {"label", s.at("label").at(locale)}});
        }
        categories.push_back({{"id", c.at("id")},
                              {"label", c.at("label").at(locale)},
                              {"signals", std::move(signals)}});
    }
    const json& prompt = def.at("prompt");
    return {{"catalog_version", def.at("version")},
            {"locale", locale},
            {"question", prompt.at("question").at(locale)},
            {"observations_hint", prompt.at("observations_hint").at(locale)},
            {"acute_advice", prompt.at("acute_advice").at(locale)},
            {"categories", std::move(categories)}};
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

Catalog Catalog::from_definition(const json& def) {
    Catalog catalog;
    catalog.version_ = def.at("version").get<std::string>();
    for (const auto& c : def.at("categories")) {
        const auto category = c.at("id").get<std::string>();
        for (const auto& s : c.at("signals")) {
            const auto id = s.at("id").get<std::string>();
            if (!namespaced_under(id, category)) {
                throw bad_catalog("signal " + id + " is not namespaced under its category");
            }
            if (!catalog.signal_category_.emplace(id, category).second) {
                throw bad_catalog("duplicate signal id " + id);
            }
        }
    }
    for (const auto& locale : locales()) {
        catalog.views_[locale] = localized_view(def, locale);
        catalog.view_texts_[locale] = catalog.views_[locale].dump();
    }
    return catalog;
}

bool Catalog::knows(const std::string& signal_id) const {
    return signal_category_.count(signal_id) != 0;
}

const json& Catalog::view(const std::string& locale) const {
    return views_.at(locale);
}

const std::string& Catalog::view_text(const std::string& locale) const {
    return view_texts_.at(locale);
}

}  // namespace meldcode
