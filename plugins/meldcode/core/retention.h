// How long a closed concern is kept, by how it ended. Pure: the service asks
// which concerns are due and the store removes them (docs/retention-and-export.md).
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "time.h"
#include "workflow.h"

namespace meldcode {

// How a concern ended, derived from its status flags: a report to Veilig
// Thuis outweighs help (a report is the decision with the most consequences
// for the household and the one most likely to be questioned later); help
// outweighs a referral to another route, which outweighs nothing.
enum class Outcome { closed_without_action, referred, help_arranged, reported };

Outcome outcome_of(const ConcernStatus& status);
std::string_view outcome_name(Outcome outcome);

struct RetentionPolicy {
    // Defaults (days after closure); the reasons are in docs/retention-and-export.md.
    std::int64_t closed_without_action_days = 730;
    std::int64_t help_arranged_days = 1826;
    std::int64_t referred_days = 1826;
    std::int64_t reported_days = 1826;
    // Host events that never joined a concern, counted from when they occurred.
    std::int64_t host_event_days = 365;

    // From the "retention" member of the configuration (already schema-valid).
    static RetentionPolicy from_config(const nlohmann::json& retention);

    std::int64_t days_for(Outcome outcome) const;
    // The earliest moment a concern closed at `closed_at` may be purged.
    Timestamp purge_due_at(Outcome outcome, Timestamp closed_at) const;
    // Host events without a concern that occurred on or before this are due.
    Timestamp host_events_due_before(Timestamp now) const;
    // Nothing closed after this moment can be due at `now` (a cheap first filter).
    Timestamp latest_closing_due(Timestamp now) const;
};

}  // namespace meldcode
