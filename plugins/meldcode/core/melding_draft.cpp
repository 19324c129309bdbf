// The melding draft's sections, built from the concern as recorded. Labels of
// recorded fields come from the workflow definition (its Dutch view), so a
// sector variant's own words appear; the definition also says which section
// shows an action ("draft_section") and which fields are facts and which
// interpretations ("nature").
#include "melding_draft.h"

#include <algorithm>
#include <optional>

#include "redaction.h"

namespace meldcode {
namespace {

using nlohmann::json;

json item(const std::string& label, const std::string& text, const char* kind = "recorded") {
    return {{"label", label}, {"text", text}, {"kind", kind}};
}

json blank(const std::string& label, const std::string& what) {
    return item(label, fill_in(what), "fill_in");
}

json part(const std::string& title, json items) {
    return {{"title", title}, {"items", std::move(items)}};
}

std::string two_digits(std::int64_t n) {
    return (n < 10 ? "0" : "") + std::to_string(n);
}

// "25-11-2026", as Dutch documents write a date.
std::string dutch_date(Day day) {
    const std::string iso = format_date(day);  // YYYY-MM-DD
    return iso.substr(8, 2) + "-" + iso.substr(5, 2) + "-" + iso.substr(0, 4);
}

// "25-11-2026 10:30", the wall clock in the corporation's time zone.
std::string dutch_time(const Calendar& calendar, Timestamp t) {
    const Timestamp local = calendar.local_time(t);
    const Day day = day_of(local);
    const Timestamp seconds = local - day * 86400;
    return dutch_date(day) + " " + two_digits(seconds / 3600) + ":" +
           two_digits(seconds % 3600 / 60);
}

std::string yes_no(bool yes) {
    return yes ? "ja" : "nee";
}

std::string children_text(const std::string& involved) {
    return involved == "yes" ? "ja" : involved == "no" ? "nee" : "onbekend";
}

const json* find_by(const json& list, const char* key, const std::string& value) {
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const json& x) { return x.value(key, "") == value; });
    return it == list.end() ? nullptr : &*it;
}

std::string option_label(const json& field, const std::string& id) {
    const json* option = find_by(field.at("options"), "id", id);
    return option ? option->at("label").get<std::string>() : id;
}

// A field's recorded value as a person reads it.
std::string value_text(const json& field, const json& value, const Calendar& calendar) {
    const std::string type = field.at("type");
    if (type == "boolean") return yes_no(value.get<bool>());
    if (type == "answer" || type == "decision") {
        const bool yes = value.at(type).get<bool>();
        const char* why = type == "answer" ? "explanation" : "rationale";
        return std::string(yes ? "Ja" : "Nee") + ". " + value.at(why).get<std::string>();
    }
    if (type == "choice") return option_label(field, value.get<std::string>());
    const std::string text = value.get<std::string>();
    if (type == "date") {
        const auto day = parse_date(text);
        return day ? dutch_date(*day) : text;
    }
    if (type == "date_time") {
        const auto at = parse_timestamp(text);
        return at ? dutch_time(calendar, *at) : text;
    }
    return text;
}

// The afwegingskader's questions are asked in their official wording.
std::string field_label(const json& workflow, const json& field) {
    const std::string name = field.at("name");
    const json* question = find_by(workflow.at("framework").at("questions"), "field", name);
    return question ? question->at("text").get<std::string>()
                    : field.at("label").get<std::string>();
}

const char* field_kind(const json& field) {
    const std::string nature = field.value("nature", "");
    return nature == "fact" ? "fact" : nature == "interpretation" ? "interpretation" : "recorded";
}

const json* action_view(const json& workflow, const std::string& id) {
    return find_by(workflow.at("actions"), "id", id);
}

// The action an entry recorded, if the draft shows it in `section`.
const json* shown_in(const DraftSource& s, const DraftEntry& e, const std::string& section) {
    if (e.kind != "action") return nullptr;
    const json* action = action_view(s.workflow, e.data.at("action").get<std::string>());
    return action && action->value("draft_section", "") == section ? action : nullptr;
}

// What one recorded action said, field by field in the definition's order.
json action_part(const DraftSource& s, const json& action, const DraftEntry& e) {
    // The step's number, unless the definition's label says it already.
    std::string title = action.at("label");
    const std::string step = action.contains("step") ? "Stap " + action.at("step").dump() : "";
    if (!step.empty() && title.rfind(step, 0) != 0) title = step + ": " + title;
    const json& recorded = e.data.at("fields");
    json items = json::array();
    for (const json& field : action.at("fields")) {
        const std::string name = field.at("name");
        if (field.at("type") == "people" || !recorded.contains(name)) continue;
        items.push_back(item(field_label(s.workflow, field),
                             value_text(field, recorded.at(name), s.calendar), field_kind(field)));
    }
    return part(title + " (" + dutch_time(s.calendar, e.at) + ")", std::move(items));
}

// Who submitted, by their id in the host: a person, or the host's system
// (an integration) submitting for a technician it did not name.
std::string observer_text(const DraftEntry& e) {
    if (e.actor.role == Role::integration) {
        return "gemeld via het systeem van de woningcorporatie (koppeling " + e.actor.id +
               "); de medewerker staat daar bij de werkbon";
    }
    std::string text = "medewerker " + e.actor.id;
    if (e.data.contains("organisation")) {
        text += " (" + e.data.at("organisation").get<std::string>() + ")";
    }
    return text;
}

json signals_part(const DraftSource& s, const DraftEntry& e, bool include_observer) {
    const json& d = e.data;
    std::string signals;
    for (const auto& id : d.at("signals")) {
        const json& labels = d.at("signal_labels").at(id.get<std::string>());
        signals += (signals.empty() ? "" : "; ") + labels.value("nl", id.get<std::string>());
    }
    json items = json::array({item("Signalen", signals)});
    const std::string observations = d.at("observations");
    if (!observations.empty()) {
        items.push_back(item("Waarneming van de medewerker", observations, "fact"));
    }
    items.push_back(item("Kinderen betrokken", children_text(d.at("children_involved"))));
    if (d.at("acute").get<bool>()) items.push_back(item("Acuut volgens de medewerker", "ja"));
    std::string called;
    for (const auto& number : d.at("already_called")) {
        called +=
            (called.empty() ? "" : " en ") + std::string(number == "112" ? "112" : "Veilig Thuis");
    }
    if (!called.empty()) items.push_back(item("Al gebeld door de medewerker", called));
    items.push_back(item("Gezien door",
                         include_observer ? observer_text(e)
                                          : "een medewerker die de woning bezocht (niet genoemd)"));
    return part("Signalen van een medewerker (" + dutch_time(s.calendar, e.at) + ")",
                std::move(items));
}

std::optional<std::string> host_event_title(const std::string& kind) {
    if (kind == "nuisance_complaint") return "Overlastmelding over de woning";
    if (kind == "rent_arrears") return "Huurachterstand boven de drempel";
    if (kind == "repeated_repair") return "Herhaalde reparatie";
    if (kind == "access_refused") return "Toegang voor reparaties opnieuw geweigerd";
    if (kind == "safety_move_request")
        return "Verzoek om verhuizing of urgentie om veiligheidsredenen";
    return std::nullopt;  // a change of tenant is no signal
}

std::string element_text(const std::string& element) {
    if (element == "door") return "deur";
    if (element == "lock") return "slot";
    if (element == "wall") return "muur";
    if (element == "window") return "raam";
    return "anders";
}

std::optional<json> host_event_part(const DraftSource& s, const DraftEntry& e) {
    const json& d = e.data;
    const auto title = host_event_title(d.at("kind"));
    if (!title) return std::nullopt;
    json items = json::array({item("Bron", "het systeem van de woningcorporatie")});
    if (d.contains("count")) items.push_back(item("Aantal", d.at("count").dump()));
    if (d.contains("element")) items.push_back(item("Onderdeel", element_text(d.at("element"))));
    if (d.contains("description"))
        items.push_back(item("Omschrijving", d.at("description"), "fact"));
    return part(*title + " (" + dutch_time(s.calendar, e.at) + ")", std::move(items));
}

json section(const char* id, const char* title, json parts) {
    return {{"id", id}, {"title", title}, {"parts", std::move(parts)}};
}

json melder(const DraftSource& s, bool include_observer) {
    json parts = json::array(
        {part("Organisatie",
              json::array({blank("Woningcorporatie",
                                 "naam, adres en telefoonnummer van de woningcorporatie")})),
         part("Aandachtsfunctionaris",
              json::array(
                  {item("Functie",
                        "aandachtsfunctionaris huiselijk geweld en kindermishandeling van de "
                        "woningcorporatie"),
                   blank("Naam en bereikbaarheid", "naam, telefoonnummer en e-mailadres")}))});
    json seen = json::array();
    std::vector<std::string> named;
    for (const DraftEntry& e : s.chronology) {
        if (!include_observer || e.kind != "signals_submitted") continue;
        if (std::find(named.begin(), named.end(), e.actor.id) != named.end()) continue;
        named.push_back(e.actor.id);
        seen.push_back(item("Medewerker", observer_text(e)));
        seen.push_back(
            blank("Naam en bereikbaarheid", "naam en telefoonnummer van deze medewerker"));
    }
    if (!include_observer) {
        seen.push_back(item("Medewerker",
                            "wordt in deze melding niet genoemd; Veilig Thuis neemt contact op "
                            "via de aandachtsfunctionaris"));
    } else if (seen.empty()) {
        seen.push_back(item("Medewerker", "er zijn geen signalen van medewerkers vastgelegd"));
    }
    parts.push_back(part("Medewerker die de signalen zag", std::move(seen)));
    return section("melder", "Melder", std::move(parts));
}

// "adult A" -> "Volwassene A", "child 1" -> "Kind 1".
std::string person_title(const std::string& role) {
    const auto space = role.find(' ');
    const std::string which = role.substr(space + 1);
    return (role.rfind("child", 0) == 0 ? "Kind " : "Volwassene ") + which;
}

const json* people_field(const json& workflow) {
    for (const json& action : workflow.at("actions")) {
        if (const json* f = find_by(action.at("fields"), "type", "people")) return f;
    }
    return nullptr;
}

json betrokkenen(const DraftSource& s) {
    json parts = json::array({part(
        "Huishouden",
        json::array({blank("Adres", "adres van het huishouden uit het eigen systeem"),
                     item("Kinderen betrokken", children_text(s.status.children_involved))}))});
    const json* field = people_field(s.workflow);
    for (const json& p : s.status.people) {
        const std::string relation = p.at("relation");
        json items =
            json::array({item("Betrokkenheid", field ? option_label(*field, relation) : relation)});
        if (p.contains("age")) items.push_back(item("Leeftijd", p.at("age").dump() + " jaar"));
        items.push_back(
            blank("Naam en geboortedatum", "naam en geboortedatum uit het eigen systeem"));
        parts.push_back(part(person_title(p.at("person")), std::move(items)));
    }
    if (s.status.people.empty()) {
        parts.push_back(part(
            "Personen", json::array({blank("Leden van het huishouden",
                                           "de leden van het huishouden uit het eigen "
                                           "systeem (er zijn nog geen betrokkenen vastgelegd)")})));
    }
    return section("betrokkenen", "Betrokkenen", std::move(parts));
}

json melding(const DraftSource& s, bool include_observer) {
    json parts = json::array();
    for (const DraftEntry& e : s.chronology) {
        if (e.kind == "signals_submitted") parts.push_back(signals_part(s, e, include_observer));
        if (e.kind == "host_event") {
            if (auto p = host_event_part(s, e)) parts.push_back(std::move(*p));
        }
        if (const json* action = shown_in(s, e, "melding")) {
            parts.push_back(action_part(s, *action, e));
        }
    }
    return section("melding", "Melding", std::move(parts));
}

json network(const DraftSource& s) {
    json parts = json::array();
    for (const DraftEntry& e : s.chronology) {
        if (const json* action = shown_in(s, e, "network")) {
            parts.push_back(action_part(s, *action, e));
        }
    }
    parts.push_back(part(
        "Andere betrokken professionals",
        json::array({blank("Hulpverleners",
                           "andere professionals die bij het huishouden betrokken zijn "
                           "(huisarts, school, wijkteam, zorgaanbieder), voor zover bekend")})));
    return section("ondersteunend_netwerk", "Ondersteunend netwerk", std::move(parts));
}

// The melding as recorded (the latest, if it was made more than once); before
// it is, the places the officer decides on when reporting.
json other(const DraftSource& s) {
    const DraftEntry* latest = nullptr;
    const json* action = nullptr;
    for (const DraftEntry& e : s.chronology) {
        if (const json* a = shown_in(s, e, "other")) {
            latest = &e;
            action = a;
        }
    }
    if (latest != nullptr) {
        json recorded = action_part(s, *action, *latest);
        const json* field = find_by(action->at("fields"), "name", kNotToShareWithFamily);
        if (field && !latest->data.at("fields").contains(kNotToShareWithFamily)) {
            const std::string label = field->at("label");
            recorded["items"].push_back(blank(label, label));
        }
        return section("overige_informatie", "Overige informatie",
                       json::array({std::move(recorded)}));
    }
    json items = json::array();
    for (const json& a : s.workflow.at("actions")) {
        if (a.value("draft_section", "") != "other") continue;
        for (const json& field : a.at("fields")) {
            const std::string type = field.at("type");
            if (type != "boolean" && type != "text") continue;
            const std::string label = field.at("label");
            items.push_back(blank(label, label));
        }
    }
    return section("overige_informatie", "Overige informatie",
                   json::array({part("Nog te bepalen bij het melden", std::move(items))}));
}

}  // namespace

std::string fill_in(const std::string& what) {
    return "«in te vullen: " + what + "»";
}

json melding_draft(const DraftSource& source, const DraftRequest& request) {
    json draft{
        {"concern_ref", request.concern_ref},
        {"made_at", format_timestamp(source.now)},
        {"dated", dutch_time(source.calendar, source.now)},
        {"include_observer", request.include_observer},
        {"title", "Concept-melding aan Veilig Thuis"},
        {"notice",
         "Dit is een concept. De meldcode-module bewaart geen namen, adressen of geboortedata: "
         "vul elke plaats gemarkeerd met «in te vullen: …» aan uit het eigen systeem van de "
         "corporatie en lees het geheel na voordat u meldt (Veilig Thuis 0800-2000 of het online "
         "meldformulier). Feiten en interpretaties zijn als zodanig aangeduid."},
        {"sections",
         json::array({melder(source, request.include_observer), betrokkenen(source),
                      melding(source, request.include_observer), network(source), other(source)})}};
    draft["text"] = melding_draft_text(draft);
    draft["html"] = melding_draft_html(draft);
    return draft;
}

}  // namespace meldcode
