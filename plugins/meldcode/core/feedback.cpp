#include "feedback.h"

#include <algorithm>

#include "errors.h"
#include "workflow_fields.h"

namespace meldcode {

const std::vector<FeedbackMessage>& feedback_messages() {
    static const std::vector<FeedbackMessage> all{{"in_progress", false},
                                                  {"officer_will_call", false},
                                                  {"report_again", true},
                                                  {"completed", true}};
    return all;
}

const FeedbackMessage& feedback_message(const nlohmann::json& fields) {
    const auto it = fields.find("message");
    const std::string id = it == fields.end() ? "completed" : it->get<std::string>();
    const auto& all = feedback_messages();
    const auto found =
        std::find_if(all.begin(), all.end(), [&id](const auto& m) { return m.id == id; });
    if (found == all.end()) {
        throw invalid_field(fields::pointer("message"),
                            "not a feedback message: in_progress, officer_will_call, "
                            "report_again or completed");
    }
    return *found;
}

}  // namespace meldcode
