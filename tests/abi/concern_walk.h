// Walking a concern through the meldcode steps as the officer "af-1", for
// tests that need a concern in a given state or with a given outcome.
#pragma once

#include <string>

#include "plugin_fixture.h"

namespace meldcode::test {

// The officer every walk acts as.
json officer();

// One action; the answer is checked against the concern schema.
json act(const sdk::Instance& mc, const std::string& ref, const std::string& action,
         const json& fields);
json answer(bool yes);
json decision(bool yes);

// The fields of a melding to Veilig Thuis made at `reported_at`, and recording it.
json melding(const std::string& reported_at);
json report_to_veilig_thuis(const sdk::Instance& mc, const std::string& ref,
                            const std::string& reported_at);

// Assign, steps 1-3: the concern ends in conversation_done.
void walk_to_decision(const sdk::Instance& mc, const std::string& ref);

// Steps 1-5 with help arranged: the concern ends in monitoring.
void walk_to_monitoring(const sdk::Instance& mc, const std::string& ref,
                        const std::string& review_date);

// A data-subject export as two officers make it: af-1 requests it with
// `request` (concern_ref, requester_relation, ... as given), af-2 approves;
// the answer is the released dossier.
json released_export(const sdk::Instance& mc, const json& request);

// How a walk ends the concern (the outcomes retention is configured by).
enum class Ending { without_action, help_arranged, reported };

// Walks an open concern to closed with that outcome, feedback given.
void close_with(const sdk::Instance& mc, const std::string& ref, Ending ending);

}  // namespace meldcode::test
