#include "figures.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <tuple>

#include "errors.h"
#include "retention.h"

namespace meldcode {
namespace {

using nlohmann::json;

// The tables published, in their order. A table with `total_of` splits the
// concerns of that row's cells (each concern in exactly one of its rows), so
// its column sums are published as that row; the other tables count a
// concern in as many rows as apply (several categories, several routes).
struct TableSpec {
    std::string id;
    std::optional<std::pair<std::string, std::string>> total_of;
    std::vector<std::string> rows;
    bool open = false;  // rows the data names are added (a retired category)
    std::function<std::vector<std::string>(const FigureContribution&)> rows_of;
};

std::string feedback_row(const FigureContribution& c, int in_time) {
    if (!c.reporter) return "no_reporter";
    if (!c.feedback_after) return "owed";
    return *c.feedback_after <= in_time ? "in_time" : "late";
}

std::vector<TableSpec> table_specs(const FiguresSettings& settings) {
    const std::pair<std::string, std::string> all{"opened", "concerns"};
    const int in_time = settings.feedback_working_days;
    return {
        {"opened",
         std::nullopt,
         {"concerns"},
         false,
         [](const auto&) -> std::vector<std::string> { return {"concerns"}; }},
        {"priority",
         all,
         {"acute", "urgent", "normal"},
         false,
         [](const auto& c) -> std::vector<std::string> { return {c.priority}; }},
        {"outcome",
         all,
         {"reported", "help_arranged", "referred", "closed_without_action", "open"},
         false,
         [](const auto& c) -> std::vector<std::string> { return {c.outcome}; }},
        {"melding",
         all,
         {"feedback_received", "feedback_awaited", "none"},
         false,
         [](const auto& c) -> std::vector<std::string> { return {c.melding}; }},
        {"reporter_feedback",
         all,
         {"in_time", "late", "owed", "no_reporter"},
         false,
         [in_time](const auto& c) -> std::vector<std::string> {
             return {feedback_row(c, in_time)};
         }},
        {"signal_category", std::nullopt, settings.categories, true,
         [](const auto& c) {
             return std::vector<std::string>(c.categories.begin(), c.categories.end());
         }},
        {"route", std::nullopt, settings.routes, true,
         [](const auto& c) { return std::vector<std::string>(c.routes.begin(), c.routes.end()); }},
    };
}

constexpr const char* kMilestones[] = {"step_1", "step_2", "step_3", "step_4", "step_5", "closed"};

// One year's cells: per table row, one per quarter of the year up to now and
// the year's total last.
struct Block {
    int first = 0;     // the year's first quarter (index)
    int quarters = 0;  // up to the current one
    CellSet cells;
    std::map<std::pair<std::string, std::string>, std::vector<int>> ids;
};

void add_sums(Block& block, const std::vector<TableSpec>& specs) {
    for (const auto& [key, cells] : block.ids) {
        block.cells.sums.push_back({{cells.begin(), cells.end() - 1}, cells.back()});
    }
    for (const auto& spec : specs) {
        if (!spec.total_of) continue;
        const auto& parent = block.ids.at(*spec.total_of);
        for (std::size_t j = 0; j < parent.size(); ++j) {
            CellSum sum{{}, parent[j]};
            for (const auto& [key, cells] : block.ids) {
                if (key.first == spec.id) sum.parts.push_back(cells[j]);
            }
            block.cells.sums.push_back(std::move(sum));
        }
    }
}

Block count_block(int year, Quarter current, const std::vector<QuarterContribution>& all,
                  const std::vector<TableSpec>& specs,
                  const std::map<std::string, std::vector<std::string>>& rows) {
    Block block;
    block.first = Quarter{year, 1}.index();
    block.quarters = std::min(4, current.index() - block.first + 1);
    for (const auto& spec : specs) {
        for (const auto& row : rows.at(spec.id)) {
            auto& ids = block.ids[{spec.id, row}];
            for (int j = 0; j <= block.quarters; ++j) ids.push_back(block.cells.add(0));
        }
    }
    for (const auto& [opened, c] : all) {
        const int j = opened.index() - block.first;
        if (j < 0 || j >= block.quarters) continue;
        for (const auto& spec : specs) {
            for (const auto& row : spec.rows_of(c)) {
                const auto& ids = block.ids.at({spec.id, row});
                ++block.cells.counts[ids[j]];
                ++block.cells.counts[ids.back()];
            }
        }
    }
    add_sums(block, specs);
    return block;
}

json cell(const CellSet& cells, int id) {
    return cells.hidden[id] ? json() : json(cells.counts[id]);
}

bool involves(const CellSum& sum, int id) {
    return sum.total == id || std::find(sum.parts.begin(), sum.parts.end(), id) != sum.parts.end();
}

// Smaller is a better complement: a count above zero (hiding a zero protects
// little), not a total (totals are what readers need most), the smallest.
using Rank = std::tuple<bool, bool, std::int64_t, int>;

// Published cells that could protect the solvable ones, each with its rank:
// from the sums that hold a solvable cell, else from any sum that holds a
// hidden cell.
std::map<int, Rank> candidates(const CellSet& cells, const std::vector<int>& solvable) {
    std::map<int, Rank> found;
    for (const bool own : {true, false}) {
        for (const auto& sum : cells.sums) {
            std::vector<int> members = sum.parts;
            members.push_back(sum.total);
            const bool relevant = own ? std::any_of(solvable.begin(), solvable.end(),
                                                    [&](int id) { return involves(sum, id); })
                                      : std::any_of(members.begin(), members.end(),
                                                    [&](int m) { return cells.hidden[m]; });
            if (!relevant) continue;
            for (const int m : members) {
                if (cells.hidden[m]) continue;
                const Rank rank{cells.counts[m] == 0, m == sum.total, cells.counts[m], m};
                const auto it = found.find(m);
                if (it == found.end() || rank > it->second) found[m] = rank;
            }
        }
        if (!found.empty()) return found;
    }
    throw Error(MC_E_INTERNAL, "internal", "figures: no cell left to protect a hidden one");
}

// The cell to hide next: the one after which fewest hidden cells can still
// be solved (looking one step ahead keeps a lone quarter from pulling its
// whole table after it), then the best ranked.
int complement(const CellSet& cells, const std::vector<int>& solvable) {
    std::optional<std::pair<std::size_t, Rank>> best;
    int choice = -1;
    CellSet trial = cells;
    for (const auto& [m, rank] : candidates(cells, solvable)) {
        trial.hidden[m] = true;
        const std::pair<std::size_t, Rank> score{determined_cells(trial).size(), rank};
        trial.hidden[m] = false;
        if (!best || score < *best) {
            best = score;
            choice = m;
        }
    }
    return choice;
}

// The rows of each table: its own, and for an open one those the contributions
// name besides (after them, sorted).
std::map<std::string, std::vector<std::string>> table_rows(
    const std::vector<TableSpec>& specs, const std::vector<QuarterContribution>& contributions) {
    std::map<std::string, std::vector<std::string>> rows;
    for (const auto& spec : specs) {
        auto& all = rows[spec.id] = spec.rows;
        if (!spec.open) continue;
        std::set<std::string> more;
        for (const auto& qc : contributions) {
            for (auto& row : spec.rows_of(qc.contribution)) {
                if (std::find(all.begin(), all.end(), row) == all.end()) more.insert(row);
            }
        }
        all.insert(all.end(), more.begin(), more.end());
    }
    return rows;
}

// A quarter asked: its year's block and its column there.
struct Column {
    const Block* block;
    int index;
};

json table_json(const TableSpec& spec, const std::vector<std::string>& rows,
                const std::vector<Column>& columns, const std::vector<Block>& blocks) {
    json table{{"table", spec.id}, {"total_of", nullptr}, {"rows", json::array()}};
    if (spec.total_of) {
        table["total_of"] = {{"table", spec.total_of->first}, {"row", spec.total_of->second}};
    }
    for (const auto& row : rows) {
        json counts = json::array();
        json totals = json::array();
        for (const auto& c : columns) {
            counts.push_back(cell(c.block->cells, c.block->ids.at({spec.id, row})[c.index]));
        }
        for (const auto& b : blocks)
            totals.push_back(cell(b.cells, b.ids.at({spec.id, row}).back()));
        table["rows"].push_back({{"row", row}, {"counts", counts}, {"year_totals", totals}});
    }
    return table;
}

json acute_share(const std::vector<Column>& columns) {
    json shares = json::array();
    for (const auto& c : columns) {
        const auto& cells = c.block->cells;
        const int acute = c.block->ids.at({"priority", "acute"})[c.index];
        const int all = c.block->ids.at({"opened", "concerns"})[c.index];
        const bool shown = !cells.hidden[acute] && !cells.hidden[all] && cells.counts[all] > 0;
        shares.push_back(shown ? json(std::round(1000.0 * static_cast<double>(cells.counts[acute]) /
                                                 static_cast<double>(cells.counts[all])) /
                                      1000.0)
                               : json());
    }
    return shares;
}

double median(std::vector<int> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// Medians are not counts: no sum relates them, so only their own number of
// concerns must reach k.
json median_days(const std::vector<QuarterContribution>& contributions, Quarter from, Quarter to,
                 int min_cell) {
    json medians = json::array();
    for (const char* milestone : kMilestones) {
        std::map<int, std::vector<int>> by_quarter;
        for (const auto& [opened, c] : contributions) {
            const auto it = c.days.find(milestone);
            if (it != c.days.end()) by_quarter[opened.index()].push_back(it->second);
        }
        json days = json::array();
        for (int q = from.index(); q <= to.index(); ++q) {
            const auto& values = by_quarter[q];
            days.push_back(static_cast<int>(values.size()) < min_cell ? json()
                                                                      : json(median(values)));
        }
        medians.push_back({{"milestone", milestone}, {"days", days}});
    }
    return medians;
}

}  // namespace

std::optional<Quarter> parse_quarter(const std::string& text) {
    if (text.size() != 7 || text[4] != '-' || text[5] != 'Q' || text[6] < '1' || text[6] > '4' ||
        !std::all_of(text.begin(), text.begin() + 4,
                     [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return std::nullopt;
    }
    return Quarter{std::stoi(text.substr(0, 4)), text[6] - '0'};
}

std::string format_quarter(Quarter quarter) {
    return std::to_string(quarter.year) + "-Q" + std::to_string(quarter.number);
}

// Counted in every change of every concern: no formatting and parsing back.
Quarter quarter_of(Day day) {
    const YearMonth ym = year_month_of(day);
    return {ym.year, (ym.month - 1) / 3 + 1};
}

json FigureContribution::to_json() const {
    json out{{"priority", priority}, {"categories", categories}, {"routes", routes},
             {"outcome", outcome},   {"melding", melding},       {"reporter", reporter},
             {"days", days}};
    if (feedback_after) out["feedback_after"] = *feedback_after;
    return out;
}

FigureContribution FigureContribution::from_json(const json& in) {
    FigureContribution c;
    c.priority = in.at("priority").get<std::string>();
    c.categories = in.at("categories").get<std::set<std::string>>();
    c.routes = in.at("routes").get<std::set<std::string>>();
    c.outcome = in.at("outcome").get<std::string>();
    c.melding = in.at("melding").get<std::string>();
    c.reporter = in.at("reporter").get<bool>();
    c.days = in.at("days").get<std::map<std::string, int>>();
    if (in.contains("feedback_after")) c.feedback_after = in.at("feedback_after").get<int>();
    return c;
}

void count_categories(FigureContribution& c, const std::vector<std::string>& categories) {
    c.reporter = true;
    c.categories.insert(categories.begin(), categories.end());
}

void count_status(FigureContribution& c, const ConcernStatus& status, bool closed) {
    c.priority = std::string(priority_name(status.priority));
    c.routes.insert(status.referrals.begin(), status.referrals.end());
    c.outcome = closed ? std::string(outcome_name(outcome_of(status))) : "open";
    if (status.reported) {
        c.melding = status.veilig_thuis_feedback_due ? "feedback_awaited" : "feedback_received";
    }
}

void count_milestone(FigureContribution& c, const std::string& milestone, Day opened, Day today) {
    c.days.emplace(milestone, static_cast<int>(std::max<Day>(0, today - opened)));
}

int working_days_between(Day from, Day to) {
    int n = 0;
    for (Day d = from + 1; d <= to; ++d) n += is_working_day(d) ? 1 : 0;
    return n;
}

void count_feedback(FigureContribution& c, Day opened, Day today) {
    if (!c.feedback_after) c.feedback_after = working_days_between(opened, today);
}

int CellSet::add(std::int64_t count) {
    counts.push_back(count);
    hidden.push_back(false);
    return static_cast<int>(counts.size() - 1);
}

// A hidden cell is determined when its unit vector lies in the row space of
// the sums restricted to hidden cells: in the reduced row echelon form, a row
// with its pivot on that cell and nothing else. Counts are small and the
// coefficients 0 and ±1, so doubles with a tolerance are exact enough.
std::vector<int> determined_cells(const CellSet& cells) {
    constexpr double kEps = 1e-9;
    std::vector<int> column(cells.counts.size(), -1);
    std::vector<int> unknowns;
    for (std::size_t i = 0; i < cells.counts.size(); ++i) {
        if (cells.hidden[i]) {
            column[i] = static_cast<int>(unknowns.size());
            unknowns.push_back(static_cast<int>(i));
        }
    }
    const std::size_t n = unknowns.size();
    std::vector<std::vector<double>> m;
    for (const auto& sum : cells.sums) {
        std::vector<double> row(n, 0.0);
        for (const int p : sum.parts) {
            if (column[p] >= 0) row[column[p]] += 1.0;
        }
        if (column[sum.total] >= 0) row[column[sum.total]] -= 1.0;
        if (std::any_of(row.begin(), row.end(), [](double x) { return std::fabs(x) > kEps; })) {
            m.push_back(std::move(row));
        }
    }
    std::vector<std::size_t> pivots;
    std::size_t r = 0;
    for (std::size_t col = 0; col < n && r < m.size(); ++col) {
        std::size_t best = r;
        for (std::size_t i = r + 1; i < m.size(); ++i) {
            if (std::fabs(m[i][col]) > std::fabs(m[best][col])) best = i;
        }
        if (std::fabs(m[best][col]) <= kEps) continue;
        std::swap(m[r], m[best]);
        const double pivot = m[r][col];
        for (double& x : m[r]) x /= pivot;
        for (std::size_t i = 0; i < m.size(); ++i) {
            if (i == r || std::fabs(m[i][col]) <= kEps) continue;
            const double f = m[i][col];
            for (std::size_t k = col; k < n; ++k) m[i][k] -= f * m[r][k];
        }
        pivots.push_back(col);
        ++r;
    }
    std::vector<int> determined;
    for (std::size_t i = 0; i < pivots.size(); ++i) {
        const auto nonzero =
            std::count_if(m[i].begin(), m[i].end(), [](double x) { return std::fabs(x) > kEps; });
        if (nonzero == 1) determined.push_back(unknowns[pivots[i]]);
    }
    return determined;
}

void suppress(CellSet& cells, int min_cell) {
    for (std::size_t i = 0; i < cells.counts.size(); ++i) {
        if (cells.counts[i] > 0 && cells.counts[i] < min_cell) cells.hidden[i] = true;
    }
    for (auto determined = determined_cells(cells); !determined.empty();
         determined = determined_cells(cells)) {
        cells.hidden[complement(cells, determined)] = true;
    }
}

json figures(const std::vector<QuarterContribution>& contributions, Quarter from, Quarter to,
             Quarter current, const FiguresSettings& settings) {
    const auto specs = table_specs(settings);
    const auto rows = table_rows(specs, contributions);
    std::vector<Block> blocks;
    json years = json::array();
    for (int year = from.year; year <= to.year; ++year) {
        blocks.push_back(count_block(year, current, contributions, specs, rows));
        suppress(blocks.back().cells, settings.min_cell);
        years.push_back(year);
    }
    json quarters = json::array();
    std::vector<Column> columns;
    for (int q = from.index(); q <= to.index(); ++q) {
        const Block& block = blocks[static_cast<std::size_t>(q / 4 - from.year)];
        columns.push_back({&block, q - block.first});
        quarters.push_back({{"quarter", format_quarter(Quarter::from_index(q))},
                            {"complete", q < current.index()}});
    }
    json tables = json::array();
    for (const auto& spec : specs)
        tables.push_back(table_json(spec, rows.at(spec.id), columns, blocks));
    return {{"from", format_quarter(from)},
            {"to", format_quarter(to)},
            {"min_cell", settings.min_cell},
            {"feedback_working_days", settings.feedback_working_days},
            {"quarters", quarters},
            {"years", years},
            {"tables", tables},
            {"acute_share", acute_share(columns)},
            {"median_days", median_days(contributions, from, to, settings.min_cell)}};
}

}  // namespace meldcode
