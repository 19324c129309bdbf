#include "prompt_form.h"

#include "feedback.h"

namespace meldcode {
namespace {

using nlohmann::json;

// One text of the prompt: the locale's, in the form of address the
// corporation chose when the text has one per form ({"je": .., "u": ..}).
class Words {
public:
    Words(const json& prompt, const std::string& locale, const FormWords& words)
        : prompt_(prompt), locale_(locale), words_(words) {}

    std::string operator()(const char* name) const {
        const json& text = prompt_.at(name).at(locale_);
        return text.is_object() ? text.at(words_.address).get<std::string>()
                                : text.get<std::string>();
    }

    std::string question() const {
        return words_.question ? words_.question->at(locale_).get<std::string>()
                               : (*this)("question");
    }

    // Who handles it now: the configured officer by name and number, or a
    // trained colleague.
    std::string handled_by() const {
        if (!words_.officer) return (*this)("handled_by");
        std::string text = (*this)("handled_by_officer");
        replace(text, "{officer_name}", words_.officer->name);
        replace(text, "{officer_phone}", words_.officer->phone);
        return text;
    }

private:
    static void replace(std::string& text, const std::string& from, const std::string& to) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
            text.replace(at, from.size(), to);
            at += to.size();
        }
    }

    const json& prompt_;
    const std::string& locale_;
    const FormWords& words_;
};

json button(const char* id, const std::string& label, const char* action) {
    return {{"id", id}, {"type", "button"}, {"label", label}, {"action", action}};
}

json go(const char* id, const std::string& label, const char* to) {
    json b = button(id, label, "go");
    b["to"] = to;
    return b;
}

json notice(const char* id, const std::string& text) {
    return {{"id", id}, {"type", "notice"}, {"text", text}};
}

json option(const char* value, const std::string& label) {
    return {{"value", value}, {"label", label}};
}

json field(const char* id, const char* type, const std::string& label) {
    return {{"id", id}, {"type", type}, {"field", id}, {"label", label}};
}

// The first screen: readable over a shoulder, no signal in sight.
json question_screen(const Words& w) {
    return {{"id", "question"},
            {"text", w.question()},
            {"controls",
             {button("no", w("answer_no"), "finish"), go("yes", w("answer_yes"), "category")}}};
}

json category_screen(const Words& w) {
    return {{"id", "category"},
            {"title", w("category_title")},
            {"controls",
             {{{"id", "category"}, {"type", "category_list"}, {"action", "go"}, {"to", "signals"}},
              button("fill_in_later", w("fill_in_later"), "later")}}};
}

json signals_screen(const Words& w) {
    json observations = field("observations", "text", w("observations_hint"));
    json children = field("children_involved", "choice", w("children_involved"));
    children["options"] = {option("yes", w("children_yes")), option("no", w("children_no")),
                           option("unknown", w("children_unknown"))};
    json called = field("already_called", "multi_choice", w("already_called"));
    called["options"] = {option("112", w("called_112")),
                         option("veilig_thuis", w("called_veilig_thuis"))};
    json send = button("send", w("send"), "send");
    send["requires_one_of"] = {"signals", "observations"};
    send["to"] = "sent";
    return {{"id", "signals"},
            {"title", w("signals_title")},
            {"controls",
             {{{"id", "signals"}, {"type", "signal_list"}, {"field", "signals"}},
              std::move(observations),
              std::move(children),
              field("acute", "toggle", w("acute")),
              notice("emergency", w("acute_advice")),
              std::move(called),
              field("callback_requested", "toggle", w("callback_requested")),
              go("other_category", w("other_category"), "category"),
              button("fill_in_later", w("fill_in_later"), "later"),
              std::move(send)}}};
}

// What happens now: who handles it, that nothing more is expected, and how
// to behave; the emergency numbers stay.
json sent_screen(const Words& w) {
    return {{"id", "sent"},
            {"title", w("sent_title")},
            {"text", w.handled_by()},
            {"controls",
             {notice("discretion", w("discretion")), notice("emergency", w("acute_advice")),
              button("close", w("close"), "finish")}}};
}

// The texts of the officer's feedback, for hosts that show it to the observer.
json feedback(const Words& w) {
    json messages = json::array();
    for (const auto& m : feedback_messages()) {
        messages.push_back(
            {{"id", m.id}, {"final", m.final}, {"text", w(("feedback_" + m.id).c_str())}});
    }
    return {{"messages", std::move(messages)}, {"aftercare_offer", w("aftercare_offer")}};
}

json categories(const json& definition, const std::string& locale,
                const std::function<bool(const std::string&)>& offered) {
    json all = json::array();
    for (const auto& c : definition.at("categories")) {
        json signals = json::array();
        for (const auto& s : c.at("signals")) {
            if (offered(s.at("id"))) {
                signals.push_back({{"id", s.at("id")}, {"label", s.at("label").at(locale)}});
            }
        }
        if (signals.empty()) continue;
        all.push_back({{"id", c.at("id")},
                       {"label", c.at("label").at(locale)},
                       {"signals", std::move(signals)}});
    }
    return all;
}

}  // namespace

json prompt_form(const json& definition, const std::string& locale, const FormWords& words,
                 const std::function<bool(const std::string&)>& offered) {
    const Words w(definition.at("prompt"), locale, words);
    json form{
        {"catalog_version", definition.at("version")},
        {"locale", locale},
        {"question", w.question()},
        {"observations_hint", w("observations_hint")},
        {"acute_advice", w("acute_advice")},
        {"start", "question"},
        {"screens", {question_screen(w), category_screen(w), signals_screen(w), sent_screen(w)}},
        {"defaults",
         {{"signals", json::array()},
          {"observations", ""},
          {"children_involved", "unknown"},
          {"acute", false},
          {"already_called", json::array()},
          {"callback_requested", false}}},
        {"feedback", feedback(w)},
        {"categories", categories(definition, locale, offered)}};
    if (words.officer) {
        form["officer"] = {{"name", words.officer->name}, {"phone", words.officer->phone}};
    }
    return form;
}

}  // namespace meldcode
