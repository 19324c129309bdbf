// What is due (mc_steps_due): reviews whose date has come, and the reminders
// for what slips between the steps (README, "Reminders"). Listed to every
// officer for as long as it is due; each notified once. Member functions of
// MeldcodeService.
#include "core/errors.h"
#include "service/meldcode_service.h"

namespace meldcode {

using nlohmann::json;

void MeldcodeService::check_reminder_states() {
    auto& stalled = settings_.reminders.stalled_after;
    for (auto it = stalled.begin(); it != stalled.end();) {
        if (workflow_.has_state(it->first) && !workflow_.is_final(it->first)) {
            ++it;
        } else if (settings_.reminders_configured) {
            throw invalid_field("/reminders/stalled_after_working_days/" + it->first,
                                "not a state of the workflow that a concern can stay in");
        } else {
            it = stalled.erase(it);  // a default for a state this workflow does not have
        }
    }
}

void MeldcodeService::collect_due(StoreTransaction& tx, Day today, Timestamp now,
                                  std::vector<DueStep>& due, std::vector<json>& notifications) {
    // The last due step, notified: kept as an event in `tx`.
    const auto keep_last = [&](ConcernId concern) {
        const DueStep& step = due.back();
        notifications.push_back(events_.keep(tx,
                                             {{"event", "step_due"},
                                              {"concern_ref", step.concern_ref},
                                              {"action", step.action},
                                              {"reminder", reminder_name(step.reminder)}},
                                             concern, now));
    };
    // One due step, notified unless it was before.
    const auto add = [&](const ConcernRecord& c, const std::string& action, Day due_day,
                         Reminder reminder, std::optional<std::string> export_ref = std::nullopt) {
        if (due_day > today) return;
        const std::string date = format_date(due_day);
        const std::string kind(reminder_name(reminder));
        due.push_back({c.ref, action, date, reminder, std::move(export_ref)});
        if (tx.reminder_notified(c.id, kind, date)) return;
        tx.mark_reminder_notified(c.id, kind, date);
        keep_last(c.id);
    };
    const std::string today_text = format_date(today);
    if (const auto review = workflow_.action_with_rule("review")) {
        for (const auto& state : workflow_.states_from(review->second)) {
            for (const auto& [c, notified] : tx.due_reviews(state, today_text)) {
                due.push_back({c.ref, review->first, *c.status.review_date, Reminder::review, {}});
                if (notified) continue;
                tx.mark_review_notified(c.id, *c.status.review_date);
                keep_last(c.id);
            }
        }
    }
    const ReminderSettings& r = settings_.reminders;
    const auto before = [&](int working_days) {
        return calendar_->start_of(latest_start_due(today, working_days) + 1);
    };
    const auto due_on = [&](Timestamp since, int working_days) {
        return add_working_days(calendar_->local_day(since), working_days);
    };
    if (const auto assign = workflow_.action_with_rule("assign")) {
        for (const auto& c : tx.unassigned_concerns(before(r.unassigned_after))) {
            add(c, assign->first, due_on(c.created_at, r.unassigned_after), Reminder::unassigned);
        }
    }
    for (const auto& [state, days] : r.stalled_after) {
        const auto step = workflow_.step_from(state);
        if (!step) continue;
        for (const auto& c : tx.concerns_in_state(state, before(days))) {
            add(c, *step, due_on(c.state_since, days), Reminder::stalled);
        }
    }
    if (const auto feedback = workflow_.action_with_rule("feedback")) {
        for (const auto& state : workflow_.states_from(feedback->second)) {
            for (const auto& [c, since] : tx.feedback_owed(state, before(r.feedback_owed_after))) {
                add(c, feedback->first, due_on(since, r.feedback_owed_after),
                    Reminder::feedback_owed);
            }
        }
    }
    if (const auto vt = workflow_.action_with_rule("veilig_thuis_feedback")) {
        for (const auto& c : tx.veilig_thuis_feedback_late(today_text)) {
            // Late from the working day after the one it was expected on.
            add(c, vt->first, add_working_days(*parse_date(*c.status.veilig_thuis_feedback_due), 1),
                Reminder::veilig_thuis_feedback_late);
        }
    }
    // Due the day it was asked: the second officer has nothing to wait for.
    // A request the concern changed after can no longer be released
    // (approve_export): not listed, the first officer asks again. Nor is
    // one declined or withdrawn (decline_export).
    for (const auto& x : tx.exports_awaiting_approval()) {
        if (x.record.request.contains("declined")) continue;
        if (x.record.request.value("version", json()) != tx.concern_version(x.concern.id)) continue;
        add(x.concern, "approve_export", calendar_->local_day(x.record.requested_at),
            Reminder::export_awaiting_approval, x.record.ref);
    }
}

std::vector<DueStep> MeldcodeService::steps_due(const Actor& actor) {
    authorize(actor, Operation::steps_due);
    const Timestamp now = clock_->now();
    const Day today = calendar_->local_day(now);
    std::vector<DueStep> due;
    std::vector<json> notifications;
    store_->transaction([&](StoreTransaction& tx) {
        due.clear();
        notifications.clear();
        collect_due(tx, today, now, due, notifications);
        audit(tx, actor, "steps.due", std::nullopt);
    });
    announce(notifications, now);
    return due;
}

}  // namespace meldcode
