// The technician's form: the screens of the prompt, as data, so that every
// host renders the same flow (schemas/catalog_view.schema.json). A neutral
// first screen ("nee" in one tap), then a category, then its signals, then
// what happens now; defaults fill every other member of the submission, so
// that a concern is sent in three taps after "ja".
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcode {

// The officer the technician may call, in the corporation's configuration.
struct Officer {
    std::string name;
    std::string phone;
};

// The corporation's own words (a pack's "texts"), over the built-in ones.
struct FormWords {
    std::string address = "je";              // how the form addresses the technician: "je" or "u"
    std::optional<Officer> officer;          // named in what happens after sending
    std::optional<nlohmann::json> question;  // the first screen's question, {"nl": .., "en": ..}
};

// The form in one locale from a catalog definition (its prompt texts and
// categories): only the signals `offered` says yes to, and no category left
// without one.
nlohmann::json prompt_form(const nlohmann::json& definition, const std::string& locale,
                           const FormWords& words,
                           const std::function<bool(const std::string&)>& offered);

}  // namespace meldcode
