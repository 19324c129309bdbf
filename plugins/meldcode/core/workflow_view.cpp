// The workflow definition as a user interface reads it (mc_workflow_get):
// one locale, the actions each state allows, and every label and help text,
// so that no form of the officer's is written twice.
#include <algorithm>

#include "errors.h"
#include "workflow.h"

namespace meldcode {
namespace {

using nlohmann::json;

const std::vector<std::string> kLocales{"nl", "en"};

// A definition may leave out a label (a sector variant): the id stands in.
json text_in(const json& item, const char* key, const std::string& locale,
             const std::string& fallback) {
    const auto texts = item.find(key);
    return texts == item.end() ? json(fallback) : texts->at(locale);
}

// Copies `key` resolved to `locale` when the item has it.
void put_text(json& out, const json& item, const char* key, const std::string& locale) {
    if (item.contains(key)) out[key] = item.at(key).at(locale);
}

json options_view(const json& field, const std::string& locale) {
    json options = json::array();
    for (const auto& o : field.at("options")) {
        options.push_back({{"id", o.at("id")}, {"label", o.at("label").at(locale)}});
    }
    return options;
}

json field_view(const json& f, const std::string& locale) {
    const std::string name = f.at("name");
    json out{{"name", name},
             {"type", f.at("type")},
             {"required", f.at("required")},
             {"label", text_in(f, "label", locale, name)}};
    put_text(out, f, "help", locale);
    if (f.contains("nature")) out["nature"] = f.at("nature");
    if (f.contains("options")) out["options"] = options_view(f, locale);
    return out;
}

json action_view(const json& a, const std::string& locale) {
    const std::string id = a.at("id");
    json out{{"id", id}, {"label", text_in(a, "label", locale, id)}};
    put_text(out, a, "help", locale);
    for (const char* key : {"step", "from", "again_from", "to", "outcomes", "draft_section"}) {
        if (a.contains(key)) out[key] = a.at(key);
    }
    json warnings = json::array();
    for (const auto& w : a.value("warnings", json::array())) {
        warnings.push_back({{"when", w.at("when")}, {"text", w.at("text").at(locale)}});
    }
    out["warnings"] = std::move(warnings);
    json fields = json::array();
    for (const auto& f : a.at("fields")) fields.push_back(field_view(f, locale));
    out["fields"] = std::move(fields);
    return out;
}

json framework_view(const json& def, const std::string& locale) {
    json questions = json::array();
    json definitions = json::array();
    if (def.contains("framework")) {
        for (const auto& q : def.at("framework").at("questions")) {
            questions.push_back({{"field", q.at("field")}, {"text", q.at("text").at(locale)}});
        }
        for (const auto& d : def.at("framework").at("definitions")) {
            definitions.push_back({{"id", d.at("id")},
                                   {"term", d.at("term").at(locale)},
                                   {"text", d.at("text").at(locale)}});
        }
    }
    return {{"questions", std::move(questions)}, {"definitions", std::move(definitions)}};
}

}  // namespace

void Workflow::build_views(const json& def) {
    for (const auto& locale : kLocales) {
        json states = json::array();
        for (const auto& s : def.at("states")) {
            const std::string state = s.at("id").get<std::string>();
            states.push_back({{"id", state},
                              {"label", s.at("label").at(locale)},
                              {"final", is_final(state)},
                              {"allowed_actions", actions_from(state)}});
        }
        json actions = json::array();
        for (const auto& a : def.at("actions")) actions.push_back(action_view(a, locale));
        json view{{"workflow_id", id_},
                  {"version", version_},
                  {"locale", locale},
                  {"initial_state", initial_state_},
                  {"states", std::move(states)},
                  {"actions", std::move(actions)},
                  {"framework", framework_view(def, locale)}};
        view_texts_[locale] = view.dump();
        views_[locale] = std::move(view);
    }
}

const json& Workflow::view(const std::string& locale) const {
    const auto it = views_.find(locale);
    if (it == views_.end()) {
        throw Error(MC_E_ARGUMENT, "unsupported_locale", "supported locales are nl and en");
    }
    return it->second;
}

const std::string& Workflow::view_text(const std::string& locale) const {
    view(locale);  // refuses an unknown locale
    return view_texts_.at(locale);
}

}  // namespace meldcode
