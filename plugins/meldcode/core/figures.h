// Management figures (issue 19, point 2): how the meldcode works, per
// quarter, for the officer's policy task, the board and the regulator.
// Pure: the service keeps one contribution per concern in the store and
// hands them here; this counts them and suppresses every cell that could
// single out a household (k-anonymity with complementary suppression).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar.h"
#include "workflow.h"

namespace meldcode {

// A calendar quarter, "2026-Q1", of the civil date where the corporation is.
struct Quarter {
    int year = 0;
    int number = 1;  // 1..4
    int index() const { return year * 4 + number - 1; }
    static Quarter from_index(int index) { return {index / 4, index % 4 + 1}; }
};
std::optional<Quarter> parse_quarter(const std::string& text);
std::string format_quarter(Quarter quarter);
Quarter quarter_of(Day day);

// One concern's part in the figures, kept from its opening and updated as it
// moves on, so that a purge of the concern leaves it. It holds no content and
// nothing that names the concern, its unit, household or people: words from
// fixed lists and whole numbers of days. Durations are kept per concern, not
// as counters, because a median cannot be taken of counters; a duration
// alone, without a date or an id, singles out nobody.
struct FigureContribution {
    std::string priority = "normal";
    std::set<std::string> categories;   // signal categories submitted
    std::set<std::string> routes;       // referral routes
    std::string outcome = "open";       // retention's outcome once closed
    std::string melding = "none";       // none, feedback_awaited, feedback_received
    bool reporter = false;              // an observer submitted (not only host events)
    std::optional<int> feedback_after;  // working days to the reporter's first final feedback
    std::map<std::string, int> days;    // "step_1".."step_5", "closed": days after opening

    nlohmann::json to_json() const;
    static FigureContribution from_json(const nlohmann::json& json);
};

// What a change of the concern adds to its contribution.
void count_categories(FigureContribution& c, const std::vector<std::string>& categories);
void count_status(FigureContribution& c, const ConcernStatus& status, bool closed);
// The first time a concern reaches `milestone` ("step_N" or "closed").
void count_milestone(FigureContribution& c, const std::string& milestone, Day opened, Day today);
// The first final feedback to the reporters, counted in working days.
void count_feedback(FigureContribution& c, Day opened, Day today);
// Working days after `from` up to and including `to` (0 when to <= from).
int working_days_between(Day from, Day to);

// The smallest k the configuration may set. With k = 2 a reporter who knows
// their own concern is in a cell of two learns of the other household; 3 is
// also the lowest threshold Statistics Netherlands applies to frequency
// tables. Special-category data deserves the default of 5.
constexpr int kMinCellFloor = 3;
constexpr int kDefaultMinCell = 5;

struct FiguresSettings {
    int min_cell = kDefaultMinCell;  // k
    int feedback_working_days = 5;   // N: feedback to reporters counts as in time within it
    // Rows listed even when nothing counts in them, so that a row's presence
    // says nothing: the catalog's categories, the referral routes.
    std::vector<std::string> categories;
    std::vector<std::string> routes;
};

struct QuarterContribution {
    Quarter opened;
    FigureContribution contribution;
};

// Cells that sum to a published total, as a reader can add them up.
struct CellSum {
    std::vector<int> parts;
    int total = 0;
};

// A set of counts with the sums published between them. suppress() hides
// every count from 1 to k - 1, then more counts until no hidden count can be
// solved from the published ones and the sums (linear equations).
struct CellSet {
    std::vector<std::int64_t> counts;
    std::vector<bool> hidden;
    std::vector<CellSum> sums;
    int add(std::int64_t count);
};
void suppress(CellSet& cells, int min_cell);
// The hidden cells that the published cells and the sums determine.
std::vector<int> determined_cells(const CellSet& cells);

// The figures of quarters `from`..`to` (schemas/figures.schema.json).
// `contributions` are those of every concern opened in the years these
// quarters fall in, up to `current`: each year is suppressed as one block,
// with its year totals, so every range asked answers the same cells and no
// two answers differ by a hidden one. `to` must not lie after `current`.
nlohmann::json figures(const std::vector<QuarterContribution>& contributions, Quarter from,
                       Quarter to, Quarter current, const FiguresSettings& settings);

}  // namespace meldcode
