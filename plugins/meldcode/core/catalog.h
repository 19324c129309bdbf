// The signal catalog: categories of signals with stable, namespaced ids and
// texts per locale, and the texts of the prompt. Loaded from data that has
// already passed schemas/catalog.schema.json.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode {

class Catalog {
public:
    static Catalog from_definition(const nlohmann::json& definition);

    static const std::vector<std::string>& locales();
    static bool supports(const std::string& locale);

    const std::string& version() const { return version_; }
    bool knows(const std::string& signal_id) const;
    // The catalog as shown to a person: one locale, no other languages.
    const nlohmann::json& view(const std::string& locale) const;
    // The same, serialised once: the ticket-closed hook sends it on the host's request path.
    const std::string& view_text(const std::string& locale) const;

private:
    std::string version_;
    std::map<std::string, std::string> signal_category_;
    std::map<std::string, nlohmann::json> views_;  // locale -> view
    std::map<std::string, std::string> view_texts_;
};

}  // namespace meldcode
