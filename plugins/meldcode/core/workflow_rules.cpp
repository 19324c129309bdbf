#include "workflow_rules.h"

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
                                                std::int64_t) {
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

void check_help_details(const json& f, std::int64_t today) {
    using namespace fields;
    if (yes(f, "help")) {
        require(f, "monitoring_agreements");
        require(f, "review_date");
        if (*parse_date(f.at("review_date").get<std::string>()) < today) {
            throw invalid_field(pointer("review_date"), "the review date must not be in the past");
        }
    } else {
        forbid(f, "monitoring_agreements", "only recorded when help is arranged");
        forbid(f, "review_date", "only recorded when help is arranged");
    }
}

// Step 5: the two decisions must follow from the answers of step 4.
std::optional<std::string> decision(ConcernStatus& concern, const json& f, std::int64_t today) {
    using namespace fields;
    const json& a = concern.assessment;
    if (a.is_null()) throw conflict("assessment_missing", "step 4 has not been recorded");
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
    check_help_details(f, today);
    concern.reported = concern.reported || report;
    concern.help_arranged = help;
    concern.review_date =
        help ? std::optional<std::string>(f.at("review_date").get<std::string>()) : std::nullopt;
    return help ? std::optional<std::string>("help_arranged") : std::nullopt;
}

// Question 5, answered at the review date: help that does not bring safety means a report.
std::optional<std::string> review(ConcernStatus& concern, const json& f, std::int64_t) {
    using namespace fields;
    if (!yes(f, "help_effective")) {
        require(f, "report");
        if (!yes(f, "report")) {
            throw Error(MC_E_PAYLOAD, "report_required",
                        "help did not bring the needed safety: report to Veilig Thuis",
                        pointer("report", "decision"));
        }
    }
    if (has(f, "report") && yes(f, "report")) concern.reported = true;
    concern.review_date.reset();
    return std::nullopt;
}

std::optional<std::string> acute(ConcernStatus& concern, const json& f, std::int64_t) {
    if (!f.at("called_112").get<bool>() && !f.at("called_veilig_thuis").get<bool>()) {
        throw invalid_field(fields::pointer("called_112"),
                            "the acute path records a call to 112 or Veilig Thuis");
    }
    concern.acute = true;
    if (f.at("called_veilig_thuis").get<bool>()) concern.reported = true;
    return std::nullopt;
}

// Interim messages keep the feedback pending; a final one gives it.
std::optional<std::string> feedback(ConcernStatus& concern, const json& f, std::int64_t) {
    const FeedbackMessage& message = feedback_message(f);
    if (concern.pending_feedback == 0) {
        throw conflict("no_feedback_pending", "every observer of this concern has had feedback");
    }
    if (message.final) concern.pending_feedback = 0;
    return std::nullopt;
}

// The assignee is an officer's actor id, not free text: held to an actor
// id's length, else the concern, once stored, could not be shown again.
std::optional<std::string> assign(ConcernStatus& concern, const json& f, std::int64_t) {
    const auto& assignee = f.at("assignee").get_ref<const std::string&>();
    if (utf8_length(assignee) > kMaxActorIdChars) {
        throw invalid_field(
            fields::pointer("assignee"),
            "an actor id is at most " + std::to_string(kMaxActorIdChars) + " characters");
    }
    concern.assignee = assignee;
    return std::nullopt;
}

std::optional<std::string> close(ConcernStatus& concern, const json&, std::int64_t) {
    if (concern.pending_feedback > 0) {
        throw conflict("feedback_required", "give feedback to the observer before closing");
    }
    return std::nullopt;
}

using Rule = std::optional<std::string> (*)(ConcernStatus&, const json&, std::int64_t);

struct Entry {
    std::string name;
    Rule fn;
    RuleNeeds needs;
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
          {"help_arranged"}}},
        {"review",
         review,
         {{{"help_effective", "answer", true}, {"report", "decision", false}}, {}}},
        {"acute",
         acute,
         {{{"called_112", "boolean", true}, {"called_veilig_thuis", "boolean", true}}, {}}},
        {"feedback",
         feedback,
         {{{"message", "text", false}, {"aftercare_offered", "boolean", false}}, {}}},
        {"close", close, {}},
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

std::optional<std::string> apply(const std::string& rule, ConcernStatus& concern,
                                 const json& fields, std::int64_t today) {
    if (rule.empty()) return std::nullopt;
    for (const auto& entry : table()) {
        if (entry.name == rule) return entry.fn(concern, fields, today);
    }
    throw Error(MC_E_INTERNAL, "internal", "unknown rule in workflow definition");
}

const RuleNeeds* needs(const std::string& rule) {
    for (const auto& entry : table()) {
        if (entry.name == rule) return &entry.needs;
    }
    return nullptr;
}

}  // namespace meldcode::rules
