#include "retention.h"

#include <algorithm>

namespace meldcode {
namespace {

constexpr Timestamp kSecondsPerDay = Timestamp{24} * 3600;

void read(const nlohmann::json& config, const char* key, std::int64_t& out) {
    if (config.contains(key)) out = config.at(key).get<std::int64_t>();
}

}  // namespace

Outcome outcome_of(const ConcernStatus& status) {
    if (status.reported) return Outcome::reported;
    if (status.help_arranged) return Outcome::help_arranged;
    if (!status.referrals.empty()) return Outcome::referred;
    return Outcome::closed_without_action;
}

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::closed_without_action:
            return "closed_without_action";
        case Outcome::referred:
            return "referred";
        case Outcome::help_arranged:
            return "help_arranged";
        case Outcome::reported:
            return "reported";
    }
    return "unknown";
}

RetentionPolicy RetentionPolicy::from_config(const nlohmann::json& retention) {
    RetentionPolicy policy;
    read(retention, "closed_without_action_days", policy.closed_without_action_days);
    read(retention, "help_arranged_days", policy.help_arranged_days);
    read(retention, "referred_days", policy.referred_days);
    read(retention, "reported_days", policy.reported_days);
    read(retention, "host_event_days", policy.host_event_days);
    return policy;
}

std::int64_t RetentionPolicy::days_for(Outcome outcome) const {
    switch (outcome) {
        case Outcome::closed_without_action:
            return closed_without_action_days;
        case Outcome::referred:
            return referred_days;
        case Outcome::help_arranged:
            return help_arranged_days;
        case Outcome::reported:
            return reported_days;
    }
    return reported_days;
}

Timestamp RetentionPolicy::purge_due_at(Outcome outcome, Timestamp closed_at) const {
    return closed_at + days_for(outcome) * kSecondsPerDay;
}

Timestamp RetentionPolicy::host_events_due_before(Timestamp now) const {
    return now - host_event_days * kSecondsPerDay;
}

Timestamp RetentionPolicy::latest_closing_due(Timestamp now) const {
    const std::int64_t shortest =
        std::min({closed_without_action_days, referred_days, help_arranged_days, reported_days});
    return now - shortest * kSecondsPerDay;
}

}  // namespace meldcode
