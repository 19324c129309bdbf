// Reminders beyond reviews (issue 16, point 5): what slips between the
// steps. Pure: the service asks the store for candidates and this decides
// when each came due, in Dutch working days.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "calendar.h"

namespace meldcode {

// Why a step is listed as due (schemas/due_steps.schema.json).
enum class Reminder {
    review,                      // a review date has come (question 5)
    unassigned,                  // nobody took the concern on
    stalled,                     // the concern stayed in one state too long
    feedback_owed,               // an observer waits to hear that it was handled
    veilig_thuis_feedback_late,  // Veilig Thuis has not reported back after a melding
    export_awaiting_approval,    // a dossier's export waits for a second officer
};
std::string_view reminder_name(Reminder reminder);

struct ReminderSettings {
    // Working days, counted from the day the concern came in, entered its
    // state, or an observer last heard anything (submission, interim message).
    int unassigned_after = 1;
    int feedback_owed_after = 5;
    std::map<std::string, int> stalled_after;  // state -> working days; absent: never

    // From the "reminders" member of the configuration (already schema-valid).
    static ReminderSettings from_config(const nlohmann::json& reminders);
    // The built-in workflow's states with a sensible time each.
    static ReminderSettings defaults();
};

// When something that started on `since` and may take `working_days`
// working days comes due: on the last of them (add_working_days).
// The last day something may have started on to be due by `today`: every
// start on or before it comes due on or before today.
Day latest_start_due(Day today, int working_days);

}  // namespace meldcode
