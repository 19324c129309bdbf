// Feedback to the observer: a few fixed, content-free messages the officer
// chooses (give_feedback's "message"). Interim ones tell the observer that
// their signal is being dealt with; final ones that it was handled, and only
// those count as the feedback a concern needs before it is closed.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode {

struct FeedbackMessage {
    std::string id;
    bool final = false;
};

// in_progress, officer_will_call (interim); report_again, completed (final).
const std::vector<FeedbackMessage>& feedback_messages();

// The message give_feedback's fields choose; "completed" when they name
// none. Throws Error (invalid_field, /fields/message) for an unknown id.
const FeedbackMessage& feedback_message(const nlohmann::json& fields);

}  // namespace meldcode
