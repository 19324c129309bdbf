#include "workflow_fixtures.h"

#include <algorithm>
#include <stdexcept>

#include "core_test_support.h"

namespace meldcode::test {

using nlohmann::json;

const std::vector<std::string>& default_states() {
    static const std::vector<std::string> states{
        "open",    "signals_mapped", "consulted", "conversation_done",
        "weighed", "monitoring",     "decided",   "closed"};
    return states;
}

const std::vector<ActionSpec>& default_actions() {
    static const std::vector<ActionSpec> actions{
        {"assign", std::nullopt, {{"assignee", "text", true}}},
        {"record_people", std::nullopt, {{"people", "people", true}}},
        {"map_signals",
         1,
         {{"observations", "text", true},
          {"supporting_signals", "text", true},
          {"undermining_signals", "text", true},
          {"children_involved", "choice", true},
          {"sources", "text", false},
          {"interpretations", "text", false}}},
        {"consult",
         2,
         {{"consulted_with", "text", true},
          {"consulted_at", "date_time", true},
          {"question", "text", true},
          {"advice", "text", true},
          {"veilig_thuis_consulted", "boolean", false},
          {"specialist", "choice", false}}},
        {"hold_conversation",
         3,
         {{"held_with", "text", true},
          {"held_at", "date_time", true},
          {"facts_presented", "text", true},
          {"reaction", "text", true},
          {"officer_reading", "text", true}}},
        {"skip_conversation", 3, {{"skip_reason", "text", true}}},
        {"weigh",
         4,
         {{"suspicion", "answer", true},
          {"unsafety", "answer", false},
          {"help_possible", "answer", false},
          {"help_accepted", "answer", false}}},
        {"decide",
         5,
         {{"report", "decision", true},
          {"help", "decision", true},
          {"monitoring_agreements", "text", false},
          {"review_date", "date", false}}},
        {"review",
         5,
         {{"help_effective", "answer", true},
          {"report", "decision", false},
          {"help_continues", "boolean", false},
          {"next_review_date", "date", false},
          {"monitoring_agreements", "text", false}}},
        {"report_to_veilig_thuis",
         std::nullopt,
         {{"reported_at", "date_time", true},
          {"channel", "choice", true},
          {"region", "text", true},
          {"reference", "text", false},
          {"client_informed", "boolean", true},
          {"client_reaction", "text", false},
          {"not_informed_reason", "text", false},
          {"reporter_unnamed_to_family", "boolean", true},
          {"not_to_share_with_family", "text", false},
          {"corporation_role", "text", true}}},
        {"record_veilig_thuis_feedback",
         std::nullopt,
         {{"received_at", "date_time", true},
          {"outcome", "choice", true},
          {"summary", "text", true},
          {"corporation_role", "text", false}}},
        {"refer",
         std::nullopt,
         {{"route", "choice", true},
          {"receiving_party", "text", true},
          {"referred_at", "date_time", true},
          {"sharing_basis", "choice", true},
          {"sharing_justification", "text", true}}},
        {"add_note",
         std::nullopt,
         {{"occurred_at", "date_time", true},
          {"contact_with", "text", false},
          {"facts", "text", true},
          {"interpretation", "text", false},
          {"interpretation_of", "text", false}}},
        {"record_acute",
         std::nullopt,
         {{"called_112", "boolean", true},
          {"called_veilig_thuis", "boolean", true},
          {"veilig_thuis_call", "choice", false},
          {"called_at", "date_time", true},
          {"summary", "text", true}}},
        {"give_feedback",
         std::nullopt,
         {{"message", "text", false}, {"aftercare_offered", "boolean", false}}},
        {"record_debrief",
         std::nullopt,
         {{"held_with", "text", true}, {"held_at", "date_time", true}, {"notes", "text", false}}},
        {"close", std::nullopt, {{"reason", "text", true}}},
        {"reopen", std::nullopt, {{"reason", "text", true}}},
    };
    return actions;
}

const ActionSpec& action_spec(const std::string& id) {
    const auto& actions = default_actions();
    const auto it = std::find_if(actions.begin(), actions.end(),
                                 [&id](const ActionSpec& a) { return a.id == id; });
    if (it == actions.end()) throw std::out_of_range("no action spec " + id);
    return *it;
}

const std::vector<TransitionRow>& transition_table() {
    // clang-format off
    //  open              signals_mapped  consulted            conversation_done
    //  weighed           monitoring      decided              closed
    static const std::vector<TransitionRow> table{
        {"assign",            {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"record_people",     {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"map_signals",       {"signals_mapped", "",          "",                  "",
                               "",               "",          "",                  ""}},
        {"consult",           {"",               "consulted", "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"hold_conversation", {"",               "",          "conversation_done", "",
                               "",               "",          "",                  ""}},
        {"skip_conversation", {"",               "",          "conversation_done", "",
                               "",               "",          "",                  ""}},
        {"weigh",             {"",               "",          "",                  "weighed",
                               "",               "",          "",                  ""}},
        {"decide",            {"",               "",          "",                  "",
                               "decided",        "",          "",                  ""}},
        {"review",            {"",               "",          "",                  "",
                               "",               "decided",   "",                  ""}},
        {"report_to_veilig_thuis",
                              {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"record_veilig_thuis_feedback",
                              {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 "="}},
        {"refer",             {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"add_note",          {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"record_acute",      {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 "="}},
        {"give_feedback",     {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 ""}},
        {"record_debrief",    {"=",              "=",         "=",                 "=",
                               "=",              "=",         "=",                 "="}},
        {"close",             {"",               "",          "",                  "",
                               "",               "",          "closed",            ""}},
        {"reopen",            {"",               "",          "",                  "",
                               "",               "",          "",                  "open"}},
    };
    // clang-format on
    return table;
}

std::string start_state(const std::string& action) {
    const auto& table = transition_table();
    const auto row = std::find_if(table.begin(), table.end(),
                                  [&action](const TransitionRow& r) { return r.action == action; });
    if (row == table.end()) throw std::out_of_range("no transition row " + action);
    for (std::size_t i = 0; i < row->result.size(); ++i) {
        if (!row->result[i].empty()) return default_states().at(i);
    }
    throw std::out_of_range("action allowed nowhere: " + action);
}

json answer(bool yes) {
    return {{"answer", yes},
            {"explanation", yes ? "Yes, because of the facts of steps 1-3."
                                : "No, the facts of steps 1-3 do not show it."}};
}

json decision(bool yes) {
    return {{"decision", yes},
            {"rationale",
             yes ? "Required by the assessment framework." : "Not needed given the assessment."}};
}

json assessment(const std::string& answers) {
    static const char* const questions[] = {"suspicion", "unsafety", "help_possible",
                                            "help_accepted"};
    if (answers.size() != 4) throw std::invalid_argument("four answers: " + answers);
    json fields = json::object();
    for (std::size_t i = 0; i < 4; ++i) {
        if (answers[i] != '-') fields[questions[i]] = answer(answers[i] == 'y');
    }
    return fields;
}

json valid_fields(const std::string& action) {
    static const json fixtures{
        {"assign", {{"assignee", "officer-7"}}},
        {"record_people",
         {{"people",
           {{{"person", "adult A"}, {"relation", "possible_victim"}},
            {{"person", "adult B"}, {"relation", "suspected_perpetrator"}, {"age", 41}},
            {{"person", "child 1"}, {"relation", "child_witness"}, {"age", 7}}}}}},
        {"map_signals",
         {{"observations", "Hole at child height in the bedroom door, seen 20 Feb at 10:00."},
          {"supporting_signals", "The bedroom door has a bolt on the outside."},
          {"undermining_signals", "The tenant reported a burglary last month."},
          {"children_involved", "yes"}}},
        {"consult",
         {{"consulted_with", "Aandachtsfunctionaris of the other region"},
          {"consulted_at", "2026-02-21T10:00:00+01:00"},
          {"question", "Is this enough for a conversation?"},
          {"advice", "Hold a conversation with the tenant."}}},
        {"hold_conversation",
         {{"held_with", "Main tenant"},
          {"held_at", "2026-02-23T14:30:00Z"},
          {"facts_presented", "The hole and the bolt."},
          {"reaction", "Said the child locks itself in."},
          {"officer_reading", "The explanation does not fit the bolt's side."}}},
        {"skip_conversation", {{"skip_reason", "A conversation would put the child at risk."}}},
        {"weigh", assessment("ynyy")},
        {"decide", {{"report", decision(true)}, {"help", decision(false)}}},
        {"review", {{"help_effective", answer(true)}}},
        {"report_to_veilig_thuis",
         {{"reported_at", "2026-02-27T15:00:00+01:00"},
          {"channel", "phone"},
          {"region", "Utrecht"},
          {"reference", "VT-2026-0042"},
          {"client_informed", true},
          {"client_reaction", "Angry, but understood why."},
          {"reporter_unnamed_to_family", true},
          {"not_to_share_with_family", "That the child told about the lock."},
          {"corporation_role", "Keeps visiting for repairs; tells Veilig Thuis of new signals."}}},
        {"record_veilig_thuis_feedback",
         {{"received_at", "2026-03-01T09:00:00+01:00"},
          {"outcome", "handed_to_local_help"},
          {"summary", "Safety assessment done; the wijkteam takes it on."}}},
        {"refer",
         {{"route", "ggd"},
          {"receiving_party", "GGD meldpunt zorg en overlast"},
          {"referred_at", "2026-02-28T10:00:00+01:00"},
          {"sharing_basis", "consent"},
          {"sharing_justification", "The tenant agreed on the phone on 27 February."}}},
        {"add_note",
         {{"occurred_at", "2026-02-26T11:00:00+01:00"},
          {"contact_with", "Caretaker of the block"},
          {"facts", "The caretaker heard shouting on 25 February in the evening."},
          {"interpretation", "Fits the earlier signals."},
          {"interpretation_of", "the officer"}}},
        {"record_acute",
         {{"called_112", true},
          {"called_veilig_thuis", false},
          {"called_at", "2026-02-20T22:15:00Z"},
          {"summary", "Screaming heard during the visit; police called."}}},
        {"give_feedback", {{"message", "completed"}, {"aftercare_offered", true}}},
        {"record_debrief",
         {{"held_with", "t-1042"},
          {"held_at", "2026-02-21T08:30:00+01:00"},
          {"notes", "Talked the visit over; aftercare offered."}}},
        {"close", {{"reason", "Reported to Veilig Thuis; nothing left for us to do."}}},
        {"reopen", {{"reason", "New signals for the same household."}}},
    };
    return fixtures.at(action);
}

ConcernStatus concern_for(const std::string& action, const std::string& state) {
    ConcernStatus concern;
    concern.state = state;
    concern.assessment = assessment("ynyy");
    concern.pending_feedback = action == "give_feedback" ? 2 : 0;
    concern.reported = action == "record_veilig_thuis_feedback";
    if (state == "monitoring") {
        concern.help_arranged = true;
        concern.review_date = "2026-06-01";
    }
    return concern;
}

}  // namespace meldcode::test
