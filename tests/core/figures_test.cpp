// Management figures in the core (core/figures.h): quarters, contributions,
// the counts against an independent count, and k-anonymity against an
// attacker who solves every sum an answer publishes (figures_attack.h).
#include <algorithm>
#include <map>
#include <random>

#include "core/figures.h"
#include "core_test_support.h"
#include "figures_attack.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

Day day(const char* date) {
    return *parse_date(date);
}

// A population of concerns with the shapes figures meet: common and rare
// categories and routes (a rare one has cells of 1 to 4), every priority,
// outcome, melding state and feedback timing, durations to each step.
std::vector<QuarterContribution> population(int n, Quarter first, Quarter last, unsigned seed) {
    std::mt19937 rng(seed);
    const auto pick = [&](int below) {
        return static_cast<int>(rng() % static_cast<unsigned>(below));
    };
    const std::vector<std::string> priorities{"acute", "urgent", "normal", "normal", "normal"};
    const std::vector<std::string> outcomes{"reported", "help_arranged", "referred",
                                            "closed_without_action", "open"};
    const std::vector<std::string> meldings{"feedback_received", "feedback_awaited", "none",
                                            "none"};
    const std::vector<std::string> categories{"mc.home", "mc.children", "mc.adults", "mc.neglect"};
    std::vector<QuarterContribution> all;
    for (int i = 0; i < n; ++i) {
        FigureContribution c;
        c.priority = priorities[pick(5)];
        c.outcome = outcomes[pick(5)];
        c.melding = meldings[pick(4)];
        c.reporter = pick(10) != 0;
        if (c.reporter) {
            c.categories.insert(categories[pick(4)]);
            if (pick(3) == 0) c.categories.insert(categories[pick(4)]);
            if (pick(150) == 0) c.categories.insert("mc.honour");  // rare: cells of 1..4
            if (pick(4) != 0) c.feedback_after = pick(12);
        }
        if (pick(8) == 0) c.routes.insert(pick(2) == 0 ? "ggd" : "wijkteam");
        if (pick(200) == 0) c.routes.insert("comensha");  // rare
        int at = 0;
        for (const char* step : {"step_1", "step_2", "step_3", "step_4", "step_5", "closed"}) {
            if (pick(5) == 0) break;
            at += pick(15);
            c.days[step] = at;
        }
        all.push_back(
            {Quarter::from_index(first.index() + pick(last.index() - first.index() + 1)), c});
    }
    // A quarter with very few concerns, all of them in small cells.
    for (int i = 0; i < 3; ++i) all.push_back({last, FigureContribution{}});
    return all;
}

// table/row -> quarter index -> count, counted here without the core's tables.
std::map<std::string, std::map<int, long long>> independent_count(
    const std::vector<QuarterContribution>& all, int in_time) {
    std::map<std::string, std::map<int, long long>> n;
    for (const auto& [quarter, c] : all) {
        const int q = quarter.index();
        ++n["opened/concerns"][q];
        ++n["priority/" + c.priority][q];
        ++n["outcome/" + c.outcome][q];
        ++n["melding/" + c.melding][q];
        const std::string feedback = !c.reporter                    ? "no_reporter"
                                     : !c.feedback_after            ? "owed"
                                     : *c.feedback_after <= in_time ? "in_time"
                                                                    : "late";
        ++n["reporter_feedback/" + feedback][q];
        for (const auto& category : c.categories) ++n["signal_category/" + category][q];
        for (const auto& route : c.routes) ++n["route/" + route][q];
    }
    return n;
}

long long count_of(const std::map<std::string, std::map<int, long long>>& n, const std::string& key,
                   int q) {
    const auto row = n.find(key);
    if (row == n.end()) return 0;
    const auto it = row->second.find(q);
    return it == row->second.end() ? 0 : it->second;
}

const json& row_of(const json& figures, const std::string& table, const std::string& row) {
    for (const auto& t : figures.at("tables")) {
        if (t.at("table") != table) continue;
        for (const auto& r : t.at("rows")) {
            if (r.at("row") == row) return r;
        }
    }
    throw std::runtime_error("no row " + table + "/" + row);
}

}  // namespace

TEST_CASE("quarters are read, written and found in the calendar", "[figures]") {
    CHECK(parse_quarter("2026-Q1")->index() == Quarter{2026, 1}.index());
    CHECK(format_quarter(*parse_quarter("2025-Q4")) == "2025-Q4");
    for (const char* bad : {"2026-Q5", "2026-Q0", "2026Q1", "26-Q1", "2026-q1", "", "2026-Q12"}) {
        INFO(bad);
        CHECK_FALSE(parse_quarter(bad).has_value());
    }
    CHECK(format_quarter(quarter_of(day("2026-03-31"))) == "2026-Q1");
    CHECK(format_quarter(quarter_of(day("2026-04-01"))) == "2026-Q2");
    CHECK(format_quarter(quarter_of(day("2025-12-31"))) == "2025-Q4");
    CHECK(format_quarter(quarter_of(day("2024-02-29"))) == "2024-Q1");
    CHECK(format_quarter(quarter_of(day("2024-10-01"))) == "2024-Q4");
    CHECK(format_quarter(Quarter::from_index(Quarter{2025, 4}.index() + 1)) == "2026-Q1");
}

TEST_CASE("feedback is counted in Dutch working days", "[figures]") {
    CHECK(working_days_between(day("2026-12-04"), day("2026-12-07")) == 1);  // Friday to Monday
    // 24 December (Thursday) to 28 December: both Christmas days and the weekend are no work.
    CHECK(working_days_between(day("2026-12-24"), day("2026-12-28")) == 1);
    CHECK(working_days_between(day("2026-12-07"), day("2026-12-07")) == 0);
    FigureContribution c;
    count_feedback(c, day("2026-12-04"), day("2026-12-11"));
    count_feedback(c, day("2026-12-04"), day("2026-12-30"));  // only the first counts
    CHECK(c.feedback_after == 5);
}

TEST_CASE("a contribution holds words and day counts, and round-trips", "[figures]") {
    FigureContribution c;
    count_categories(c, {"mc.children", "mc.home", "mc.children"});
    ConcernStatus status;
    status.priority = Priority::acute;
    status.reported = true;
    status.veilig_thuis_feedback_due = "2026-12-10";
    status.referrals = {"ggd"};
    count_status(c, status, false);
    count_milestone(c, "step_1", day("2026-12-01"), day("2026-12-03"));
    count_milestone(c, "step_1", day("2026-12-01"), day("2026-12-09"));  // the first time counts
    CHECK(c.outcome == "open");
    CHECK(c.melding == "feedback_awaited");
    status.veilig_thuis_feedback_due.reset();
    count_status(c, status, true);
    CHECK(c.outcome == "reported");
    CHECK(c.melding == "feedback_received");
    const json stored = c.to_json();
    CHECK(stored == json{{"priority", "acute"},
                         {"categories", {"mc.children", "mc.home"}},
                         {"routes", {"ggd"}},
                         {"outcome", "reported"},
                         {"melding", "feedback_received"},
                         {"reporter", true},
                         {"days", {{"step_1", 2}}}});
    CHECK(FigureContribution::from_json(stored).to_json() == stored);
}

TEST_CASE("a small cell in a table with totals is hidden with its complements", "[figures]") {
    // 3 x 3 counts with row, column and grand totals.
    const std::vector<std::vector<std::int64_t>> t{{20, 2, 30}, {15, 12, 40}, {9, 25, 11}};
    CellSet cells;
    std::vector<std::vector<int>> id(4, std::vector<int>(4));
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) id[r][c] = cells.add(t[r][c]);
    }
    for (int r = 0; r < 3; ++r) id[r][3] = cells.add(t[r][0] + t[r][1] + t[r][2]);
    for (int c = 0; c < 4; ++c)
        id[3][c] =
            cells.add(cells.counts[id[0][c]] + cells.counts[id[1][c]] + cells.counts[id[2][c]]);
    for (int r = 0; r < 4; ++r) cells.sums.push_back({{id[r][0], id[r][1], id[r][2]}, id[r][3]});
    for (int c = 0; c < 4; ++c) cells.sums.push_back({{id[0][c], id[1][c], id[2][c]}, id[3][c]});
    suppress(cells, 5);
    CHECK(cells.hidden[id[0][1]]);
    CHECK(determined_cells(cells).empty());
    // A hidden cell needs another in its row and in its column: four at least.
    CHECK(std::count(cells.hidden.begin(), cells.hidden.end(), true) >= 4);
    // Nothing of 5 or more is hidden that need not be: the totals stay.
    CHECK_FALSE(cells.hidden[id[3][3]]);
}

TEST_CASE("figures are exact, k-anonymous and the same whichever range is asked", "[figures]") {
    const Quarter first{2025, 1};
    const Quarter current{2026, 3};
    const auto all = population(4000, first, current, 19);
    // The rows every answer lists: mc.elderly never counts, comensha is not
    // listed but counts (a retired route): after them.
    const FiguresSettings settings{
        5,
        5,
        {"mc.home", "mc.children", "mc.adults", "mc.neglect", "mc.elderly"},
        {"wijkteam", "ggd"}};
    const json answer = figures(all, first, current, current, settings);
    const auto expected = independent_count(all, settings.feedback_working_days);

    SECTION("every count shown is the independent count; every small one is hidden") {
        int hidden = 0;
        for (const auto& table : answer.at("tables")) {
            for (const auto& row : table.at("rows")) {
                const std::string key =
                    table.at("table").get<std::string>() + "/" + row.at("row").get<std::string>();
                for (int q = first.index(); q <= current.index(); ++q) {
                    const json& shown =
                        row.at("counts").at(static_cast<std::size_t>(q - first.index()));
                    const long long n = count_of(expected, key, q);
                    INFO(key << " " << format_quarter(Quarter::from_index(q)) << " " << n);
                    if (shown.is_null()) {
                        ++hidden;
                    } else {
                        CHECK(shown.get<long long>() == n);
                    }
                    if (n > 0 && n < settings.min_cell) CHECK(shown.is_null());
                }
            }
        }
        CHECK(hidden > 0);
        CHECK(row_of(answer, "signal_category", "mc.honour").at("counts").size() == 7);
        CHECK(row_of(answer, "signal_category", "mc.elderly").at("counts") ==
              json::array({0, 0, 0, 0, 0, 0, 0}));
        std::vector<std::string> routes;
        for (const auto& table : answer.at("tables")) {
            if (table.at("table") != "route") continue;
            for (const auto& row : table.at("rows")) routes.push_back(row.at("row"));
        }
        CHECK(routes == std::vector<std::string>{"wijkteam", "ggd", "comensha"});
    }
    SECTION("no hidden count can be solved from everything the answer publishes") {
        const FiguresAttack attack(answer);
        CHECK(attack.hidden() > 0);
        CHECK(attack.equations() > 0);
        const auto revealed = attack.revealed();
        for (const auto& [cell, value] : revealed) FAIL_CHECK(cell << " = " << value);
    }
    SECTION("the attacker does find what the sums give away without suppression") {
        // Show every hidden count of a row's year but one: the year total
        // then gives the last away, and the attacker must say so.
        json leaky = answer;
        for (auto& table : leaky.at("tables")) {
            for (auto& row : table.at("rows")) {
                auto& counts = row.at("counts");
                const auto hidden_2026 = std::count(counts.begin() + 4, counts.end(), json());
                if (hidden_2026 == 0 || row.at("year_totals").at(1).is_null()) continue;
                const std::string key =
                    table.at("table").get<std::string>() + "/" + row.at("row").get<std::string>();
                auto it = std::find(counts.begin() + 4, counts.end(), json());
                const auto last = it - counts.begin();
                for (++it; it != counts.end(); ++it) {
                    if (it->is_null())
                        *it = count_of(expected, key,
                                       first.index() + static_cast<int>(it - counts.begin()));
                }
                const auto revealed = FiguresAttack(leaky).revealed();
                const std::string cell = key + "@q" + std::to_string(last);
                REQUIRE(revealed.count(cell) == 1);
                CHECK(revealed.at(cell) ==
                      count_of(expected, key, first.index() + static_cast<int>(last)));
                return;
            }
        }
        FAIL("no row to try the attacker on");
    }
    SECTION("a shorter range shows the same counts and year totals") {
        const Quarter from{2026, 2};
        const json part = figures(all, from, current, current, settings);
        for (const auto& table : part.at("tables")) {
            for (const auto& row : table.at("rows")) {
                const json& whole = row_of(answer, table.at("table"), row.at("row"));
                INFO(table.at("table") << "/" << row.at("row"));
                CHECK(row.at("counts").at(0) == whole.at("counts").at(5));
                CHECK(row.at("counts").at(1) == whole.at("counts").at(6));
                CHECK(row.at("year_totals").at(0) == whole.at("year_totals").at(1));
            }
        }
        CHECK(part.at("quarters") == json::array({{{"quarter", "2026-Q2"}, {"complete", true}},
                                                  {{"quarter", "2026-Q3"}, {"complete", false}}}));
    }
    SECTION("medians of the concerns that reached each step, from k of them on") {
        for (const auto& m : answer.at("median_days")) {
            const std::string milestone = m.at("milestone");
            for (int q = first.index(); q <= current.index(); ++q) {
                std::vector<int> days;
                for (const auto& [quarter, c] : all) {
                    if (quarter.index() == q && c.days.count(milestone))
                        days.push_back(c.days.at(milestone));
                }
                std::sort(days.begin(), days.end());
                const json& shown = m.at("days").at(static_cast<std::size_t>(q - first.index()));
                INFO(milestone << " " << q << " n=" << days.size());
                if (days.size() < 5) {
                    CHECK(shown.is_null());
                } else {
                    const std::size_t n = days.size();
                    const double median =
                        n % 2 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2.0;
                    CHECK(shown.get<double>() == Approx(median));
                }
            }
        }
    }
    SECTION("the acute share where both counts are shown") {
        const auto& acute = row_of(answer, "priority", "acute").at("counts");
        const auto& opened = row_of(answer, "opened", "concerns").at("counts");
        for (std::size_t q = 0; q < acute.size(); ++q) {
            const json& share = answer.at("acute_share").at(q);
            if (acute[q].is_null() || opened[q].is_null()) {
                CHECK(share.is_null());
            } else {
                CHECK(share.get<double>() ==
                      Approx(acute[q].get<double>() / opened[q].get<double>()).margin(0.0005));
            }
        }
    }
}

TEST_CASE("one small cell hides no more than it must", "[figures]") {
    // Six concerns in the current quarter, one acute and five urgent: the
    // acute one is hidden, with the urgent ones beside it, and the year totals
    // that would give them away; the six opened stay shown.
    std::vector<QuarterContribution> all;
    for (int i = 0; i < 6; ++i) {
        FigureContribution c;
        count_categories(c, {"mc.home"});
        ConcernStatus status;
        status.priority = i == 5 ? Priority::acute : Priority::urgent;
        count_status(c, status, false);
        all.push_back({{2026, 4}, c});
    }
    const json answer = figures(all, {2026, 1}, {2026, 4}, {2026, 4}, {5, 5, {}, {}});
    INFO(answer.dump());
    CHECK(row_of(answer, "opened", "concerns").at("counts") == json::array({0, 0, 0, 6}));
    CHECK(row_of(answer, "opened", "concerns").at("year_totals") == json::array({6}));
    CHECK(row_of(answer, "priority", "acute").at("counts") == json::array({0, 0, 0, nullptr}));
    CHECK(row_of(answer, "priority", "urgent").at("counts") == json::array({0, 0, 0, nullptr}));
    CHECK(row_of(answer, "outcome", "open").at("counts") == json::array({0, 0, 0, 6}));
    CHECK(FiguresAttack(answer).revealed().empty());
}

TEST_CASE("a larger k hides more, never less", "[figures]") {
    const Quarter first{2025, 1};
    const Quarter current{2025, 4};
    const auto all = population(600, first, current, 7);
    const auto hidden = [&](int k) {
        return FiguresAttack(figures(all, first, current, current, {k, 5, {}, {}})).hidden();
    };
    CHECK(hidden(3) <= hidden(5));
    CHECK(hidden(5) <= hidden(10));
    CHECK(kMinCellFloor == 3);
}

}  // namespace meldcode::test
