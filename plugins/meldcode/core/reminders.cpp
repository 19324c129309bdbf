#include "reminders.h"

namespace meldcode {

std::string_view reminder_name(Reminder reminder) {
    switch (reminder) {
        case Reminder::review:
            return "review";
        case Reminder::unassigned:
            return "unassigned";
        case Reminder::stalled:
            return "stalled";
        case Reminder::feedback_owed:
            return "feedback_owed";
        case Reminder::veilig_thuis_feedback_late:
            return "veilig_thuis_feedback_late";
        case Reminder::export_awaiting_approval:
            return "export_awaiting_approval";
    }
    return "review";
}

ReminderSettings ReminderSettings::defaults() {
    ReminderSettings s;
    s.stalled_after = {{"open", 3},       {"signals_mapped", 5},
                       {"consulted", 10}, {"conversation_done", 5},
                       {"weighed", 5},    {"decided", 10}};
    return s;
}

ReminderSettings ReminderSettings::from_config(const nlohmann::json& reminders) {
    ReminderSettings s = defaults();
    s.unassigned_after = reminders.value("unassigned_after_working_days", s.unassigned_after);
    s.feedback_owed_after =
        reminders.value("feedback_owed_after_working_days", s.feedback_owed_after);
    if (reminders.contains("stalled_after_working_days")) {
        s.stalled_after =
            reminders.at("stalled_after_working_days").get<std::map<std::string, int>>();
    }
    return s;
}

Day latest_start_due(Day today, int working_days) {
    Day start = today - working_days;
    while (add_working_days(start, working_days) > today) --start;
    return start;
}

}  // namespace meldcode
