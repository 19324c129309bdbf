#include "workflow_rules.h"

#include <algorithm>

#include "actor.h"
#include "errors.h"
#include "feedback.h"
#include "text.h"
#include "time.h"
#include "workflow_fields.h"

namespace meldcode::rules {
namespace {

using nlohmann::json;

Error conflict(const std::string& code, const std::string& message, const std::string& ptr = "") {
    return Error(MC_E_CONFLICT, code, message, ptr);
}

// Question 1 → 2 → 3 → 4, each asked only when the previous answer leads there.
std::optional<std::string> assessment_framework(ConcernStatus& concern, const json& f,
                                                const ActionContext&) {
    using namespace fields;
    const char* const only_after_suspicion = "question 2 is asked only when question 1 is yes";
    if (!yes(f, "suspicion")) {
        forbid(f, "unsafety", only_after_suspicion);
        forbid(f, "help_possible", "question 3 is asked only when question 2 is no");
        forbid(f, "help_accepted", "question 4 is asked only when question 3 is yes");
    } else {
        require(f, "unsafety");
        if (yes(f, "unsafety")) {
            forbid(f, "help_possible",
                   "acute or structural unsafety: report, question 3 does not apply");
            forbid(f, "help_accepted",
                   "acute or structural unsafety: report, question 4 does not apply");
        } else {
            require(f, "help_possible");
            if (yes(f, "help_possible")) {
                require(f, "help_accepted");
            } else {
                forbid(f, "help_accepted", "question 4 is asked only when question 3 is yes");
            }
        }
    }
    concern.assessment = f;
    return std::nullopt;
}

bool answered_no(const json& assessment, const std::string& question) {
    return assessment.contains(question) && !assessment.at(question).at("answer").get<bool>();
}

bool answered_yes(const json& assessment, const std::string& question) {
    return assessment.contains(question) && assessment.at(question).at("answer").get<bool>();
}

// A review date is a civil date: today counts from local midnight.
void require_not_past(const json& f, const std::string& name, Day today) {
    if (*parse_date(f.at(name).get<std::string>()) < today) {
        throw invalid_field(fields::pointer(name), "the review date must not be in the past");
    }
}

void check_help_details(const json& f, Day today) {
    using namespace fields;
    if (yes(f, "help")) {
        require(f, "monitoring_agreements");
        require(f, "review_date");
        require_not_past(f, "review_date", today);
    } else {
        forbid(f, "monitoring_agreements", "only recorded when help is arranged");
        forbid(f, "review_date", "only recorded when help is arranged");
    }
}

// Step 5: the two decisions must follow from the answers of step 4.
std::optional<std::string> decision(ConcernStatus& concern, const json& f,
                                    const ActionContext& context) {
    using namespace fields;
    const json& a = concern.assessment;
    const bool report = yes(f, "report");
    const bool help = yes(f, "help");
    if (!answered_yes(a, "suspicion")) {
        if (report || help) {
            throw invalid_field(pointer(report ? "report" : "help", "decision"),
                                "question 1 was no: close without report or help");
        }
    } else {
        const bool report_required = answered_yes(a, "unsafety") ||
                                     answered_no(a, "help_possible") ||
                                     answered_no(a, "help_accepted");
        if (report_required && !report) {
            throw Error(MC_E_PAYLOAD, "report_required",
                        "the assessment framework requires a report to Veilig Thuis",
                        pointer("report", "decision"));
        }
        if (help && (answered_no(a, "help_possible") || answered_no(a, "help_accepted"))) {
            throw invalid_field(pointer("help", "decision"),
                                "help was found not possible or not accepted in step 4");
        }
        if (!report && !help) {
            throw Error(MC_E_PAYLOAD, "action_required",
                        "with a suspicion, report to Veilig Thuis or arrange help",
                        pointer("help", "decision"));
        }
    }
    check_help_details(f, context.today());
    // Deciding to report is not reporting: the melding is its own action.
    concern.report_decided = concern.report_decided || report;
    // Help arranged once stays in the dossier, as a decision to report does:
    // a concern reopened and decided again without help is still one where
    // help was arranged, and kept as long (retention's help_arranged).
    concern.help_arranged = concern.help_arranged || help;
    concern.review_date =
        help ? std::optional<std::string>(f.at("review_date").get<std::string>()) : std::nullopt;
    return help ? std::optional<std::string>("help_arranged") : std::nullopt;
}

// Question 5, answered at each review: help that does not bring safety means
// a report; help that goes on gets a new review date, where question 5 is
// asked again.
std::optional<std::string> review(ConcernStatus& concern, const json& f,
                                  const ActionContext& context) {
    using namespace fields;
    if (!yes(f, "help_effective")) {
        require(f, "report");
        if (!yes(f, "report")) {
            throw Error(MC_E_PAYLOAD, "report_required",
                        "help did not bring the needed safety: report to Veilig Thuis",
                        pointer("report", "decision"));
        }
    }
    if (has(f, "report") && yes(f, "report")) concern.report_decided = true;
    const bool continues = has(f, "help_continues") && f.at("help_continues").get<bool>();
    if (!continues) {
        forbid(f, "next_review_date", "only set when the help goes on");
        forbid(f, "monitoring_agreements", "only revised when the help goes on");
        concern.review_date.reset();
        return std::nullopt;
    }
    require(f, "next_review_date");
    require_not_past(f, "next_review_date", context.today());
    concern.review_date = f.at("next_review_date").get<std::string>();
    return std::string("help_continues");
}

// The feedback of Veilig Thuis is due five working days after the civil date
// of the melding where the corporation is. The wait follows the newest
// melding: one recorded afterwards with an earlier date (a mistyped year,
// a call written down later) neither moves it back nor ends the wait for
// the feedback on the newer one.
void start_melding(ConcernStatus& concern, Timestamp at, const ActionContext& context) {
    concern.reported = true;
    if (concern.reported_at && at < *concern.reported_at) return;
    concern.reported_at = at;
    concern.veilig_thuis_feedback_due = format_date(
        add_working_days(context.calendar.local_day(at), kVeiligThuisFeedbackWorkingDays));
}

// The melding itself: "open melden, tenzij" needs the client's reaction, or
// why they were not told.
std::optional<std::string> melding(ConcernStatus& concern, const json& f,
                                   const ActionContext& context) {
    using namespace fields;
    if (f.at("client_informed").get<bool>()) {
        require(f, "client_reaction");
        forbid(f, "not_informed_reason", "the client was told beforehand");
    } else {
        require(f, "not_informed_reason");
        forbid(f, "client_reaction", "the client was not told beforehand");
    }
    start_melding(concern, *parse_timestamp(f.at("reported_at").get<std::string>()), context);
    return std::nullopt;
}

std::optional<std::string> veilig_thuis_feedback(ConcernStatus& concern, const json& f,
                                                 const ActionContext&) {
    // Feedback answers a melding: dated before it, one of the two dates is
    // wrong, and the chronology would tell a story that cannot have happened.
    const auto received = parse_timestamp(f.at("received_at").get<std::string>());
    if (concern.reported_at && received && *received < *concern.reported_at) {
        throw invalid_field(
            fields::pointer("received_at"),
            "lies before the melding it answers (" + format_timestamp(*concern.reported_at) + ")");
    }
    concern.veilig_thuis_feedback_due.reset();
    return std::nullopt;
}

std::optional<std::string> referral(ConcernStatus& concern, const json& f, const ActionContext&) {
    const std::string& route = fields::choice(f, "route");
    auto& routes = concern.referrals;
    if (std::find(routes.begin(), routes.end(), route) == routes.end()) routes.push_back(route);
    return std::nullopt;
}

std::optional<std::string> map_signals(ConcernStatus& concern, const json& f,
                                       const ActionContext&) {
    concern.children_involved = fields::choice(f, "children_involved");
    return std::nullopt;
}

// The people as roles; a child among them means children are involved (the
// child check of the meldcode).
std::optional<std::string> people(ConcernStatus& concern, const json& f, const ActionContext&) {
    const json& all = f.at("people");
    bool children = false;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const bool child = all[i].at("person").get<std::string>().rfind("child", 0) == 0;
        if (all[i].at("relation") == "child_witness" && !child) {
            throw invalid_field(fields::pointer("people", std::to_string(i) + "/relation"),
                                "only a child can be a child witness");
        }
        children = children || child;
    }
    concern.people = all;
    if (children) concern.children_involved = "yes";
    return std::nullopt;
}

std::optional<std::string> consultation(ConcernStatus& concern, const json& f,
                                        const ActionContext&) {
    const bool veilig_thuis =
        fields::has(f, "veilig_thuis_consulted") && f.at("veilig_thuis_consulted").get<bool>();
    if (fields::has(f, "specialist") || veilig_thuis) concern.specialist_consulted = true;
    return std::nullopt;
}

// A call to Veilig Thuis is either advice or a melding; only a melding
// counts as reported.
std::optional<std::string> acute(ConcernStatus& concern, const json& f,
                                 const ActionContext& context) {
    using namespace fields;
    const bool veilig_thuis = f.at("called_veilig_thuis").get<bool>();
    if (!f.at("called_112").get<bool>() && !veilig_thuis) {
        throw invalid_field(pointer("called_112"),
                            "the acute path records a call to 112 or Veilig Thuis");
    }
    if (!veilig_thuis) {
        forbid(f, "veilig_thuis_call", "only recorded when Veilig Thuis was called");
    } else {
        require(f, "veilig_thuis_call");
    }
    concern.acute = true;
    if (veilig_thuis && choice(f, "veilig_thuis_call") == "report") {
        start_melding(concern, *parse_timestamp(f.at("called_at").get<std::string>()), context);
    }
    return std::nullopt;
}

// Interim messages keep the feedback pending; a final one gives it.
std::optional<std::string> feedback(ConcernStatus& concern, const json& f, const ActionContext&) {
    const FeedbackMessage& message = feedback_message(f);
    if (message.final) concern.pending_feedback = 0;
    return std::nullopt;
}

// The assignee is an officer's actor id, not free text: held to an actor
// id's length, else the concern, once stored, could not be shown again.
std::optional<std::string> assign(ConcernStatus& concern, const json& f, const ActionContext&) {
    const auto& assignee = f.at("assignee").get_ref<const std::string&>();
    if (utf8_length(assignee) > kMaxActorIdChars) {
        throw invalid_field(
            fields::pointer("assignee"),
            "an actor id is at most " + std::to_string(kMaxActorIdChars) + " characters");
    }
    concern.assignee = assignee;
    return std::nullopt;
}

// The conditions on the concern itself (unmet()), by rule.
std::optional<Error> decision_unmet(const ConcernStatus& concern) {
    if (!concern.assessment.is_null()) return std::nullopt;
    return conflict("assessment_missing", "step 4 has not been recorded");
}

std::optional<Error> veilig_thuis_feedback_unmet(const ConcernStatus& concern) {
    if (concern.reported) return std::nullopt;
    return conflict("not_reported", "no melding to Veilig Thuis has been recorded");
}

// Honour-related violence: a specialist first (Veilig Thuis or the regional
// expertise point), then step 3.
std::optional<Error> conversation_unmet(const ConcernStatus& concern) {
    if (!concern.honour_related || concern.specialist_consulted) return std::nullopt;
    return conflict("specialist_consultation_required",
                    "signals of honour-related violence: consult Veilig Thuis or the regional "
                    "expertise point (consult with a specialist) before step 3");
}

std::optional<Error> feedback_unmet(const ConcernStatus& concern) {
    if (concern.pending_feedback > 0) return std::nullopt;
    return conflict("no_feedback_pending", "every observer of this concern has had feedback");
}

std::optional<Error> close_unmet(const ConcernStatus& concern) {
    if (concern.pending_feedback > 0) {
        return conflict("feedback_required",
                        "give the observer final feedback before closing (an interim message "
                        "does not end the wait)");
    }
    if (concern.report_decided && !concern.reported) {
        return conflict("melding_required",
                        "a report to Veilig Thuis was decided: record the melding before closing");
    }
    return std::nullopt;
}

using Rule = std::optional<std::string> (*)(ConcernStatus&, const json&, const ActionContext&);
using Unmet = std::optional<Error> (*)(const ConcernStatus&);

struct Entry {
    std::string name;
    Rule fn;  // none: the rule only asks something of the concern (unmet)
    RuleNeeds needs;
    Unmet unmet = nullptr;  // none: the rule asks nothing of the concern itself
};

const std::vector<Entry>& table() {
    static const std::vector<Entry> rules{
        {"assign", assign, {{{"assignee", "text", true}}, {}}},
        {"assessment_framework",
         assessment_framework,
         {{{"suspicion", "answer", true},
           {"unsafety", "answer", false},
           {"help_possible", "answer", false},
           {"help_accepted", "answer", false}},
          {}}},
        {"decision",
         decision,
         {{{"report", "decision", true},
           {"help", "decision", true},
           {"monitoring_agreements", "text", false},
           {"review_date", "date", false}},
          {"help_arranged"}},
         decision_unmet},
        {"review",
         review,
         {{{"help_effective", "answer", true},
           {"report", "decision", false},
           {"help_continues", "boolean", false},
           {"next_review_date", "date", false},
           {"monitoring_agreements", "text", false}},
          {"help_continues"}}},
        {"acute",
         acute,
         {{{"called_112", "boolean", true},
           {"called_veilig_thuis", "boolean", true},
           {"veilig_thuis_call", "choice", false},
           {"called_at", "date_time", true}},
          {}}},
        {"melding",
         melding,
         {{{"reported_at", "date_time", true},
           {"client_informed", "boolean", true},
           {"client_reaction", "text", false},
           {"not_informed_reason", "text", false}},
          {}}},
        {"veilig_thuis_feedback", veilig_thuis_feedback, {}, veilig_thuis_feedback_unmet},
        {"referral", referral, {{{"route", "choice", true}}, {}}},
        {"map_signals", map_signals, {{{"children_involved", "choice", true}}, {}}},
        {"people", people, {{{"people", "people", true}}, {}}},
        {"consultation",
         consultation,
         {{{"specialist", "choice", false}, {"veilig_thuis_consulted", "boolean", false}}, {}}},
        {"conversation", nullptr, {}, conversation_unmet},
        {"feedback",
         feedback,
         {{{"message", "text", false}, {"aftercare_offered", "boolean", false}}, {}},
         feedback_unmet},
        {"close", nullptr, {}, close_unmet},
    };
    return rules;
}

}  // namespace

const std::vector<std::string>& names() {
    static const std::vector<std::string> result = [] {
        std::vector<std::string> n;
        for (const auto& entry : table()) n.push_back(entry.name);
        return n;
    }();
    return result;
}

namespace {

const Entry& entry_of(const std::string& rule) {
    for (const auto& entry : table()) {
        if (entry.name == rule) return entry;
    }
    throw Error(MC_E_INTERNAL, "internal", "unknown rule in workflow definition");
}

}  // namespace

std::optional<Error> unmet(const std::string& rule, const ConcernStatus& concern) {
    if (rule.empty()) return std::nullopt;
    const Entry& entry = entry_of(rule);
    return entry.unmet ? entry.unmet(concern) : std::nullopt;
}

std::optional<std::string> apply(const std::string& rule, ConcernStatus& concern,
                                 const json& fields, const ActionContext& context) {
    if (rule.empty()) return std::nullopt;
    const Entry& entry = entry_of(rule);
    if (entry.unmet) {
        if (auto refusal = entry.unmet(concern)) throw *refusal;
    }
    return entry.fn ? entry.fn(concern, fields, context) : std::nullopt;
}

const RuleNeeds* needs(const std::string& rule) {
    for (const auto& entry : table()) {
        if (entry.name == rule) return &entry.needs;
    }
    return nullptr;
}

}  // namespace meldcode::rules
