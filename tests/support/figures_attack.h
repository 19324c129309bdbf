// An attacker on published management figures (schemas/figures.schema.json),
// written apart from the plugin's suppression: from an answer alone, every
// sum it states becomes a linear equation (each row's quarters add up to its
// year total; a table with total_of adds up, per quarter and per year, to
// that row), and the hidden counts are solved for with exact fractions. A
// hidden count is revealed when the equations fix it to one value.
//
// The answer must cover whole years up to its last quarter (from = Q1),
// otherwise a year total also holds quarters the answer does not show.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>
#include <nlohmann/json.hpp>

namespace meldcode::test {

class FiguresAttack {
public:
    using Fraction = boost::multiprecision::cpp_rational;

    explicit FiguresAttack(const nlohmann::json& figures) {
        const auto& quarters = figures.at("quarters");
        const auto& years = figures.at("years");
        for (const auto& table : figures.at("tables")) {
            for (const auto& row : table.at("rows")) {
                const std::string name =
                    table.at("table").get<std::string>() + "/" + row.at("row").get<std::string>();
                for (std::size_t q = 0; q < quarters.size(); ++q) {
                    variable(name, "q" + std::to_string(q), row.at("counts").at(q));
                }
                for (std::size_t y = 0; y < years.size(); ++y) {
                    variable(name, "y" + std::to_string(y), row.at("year_totals").at(y));
                }
                rows_of_[table.at("table").get<std::string>()].push_back(name);
                for (std::size_t y = 0; y < years.size(); ++y) {
                    std::vector<std::string> parts;
                    for (std::size_t q = 0; q < quarters.size(); ++q) {
                        const auto label = quarters[q].at("quarter").get<std::string>();
                        if (label.substr(0, 4) == std::to_string(years[y].get<int>())) {
                            parts.push_back(name + "@q" + std::to_string(q));
                        }
                    }
                    equation(parts, name + "@y" + std::to_string(y));
                }
            }
        }
        for (const auto& table : figures.at("tables")) {
            if (table.at("total_of").is_null()) continue;
            const std::string parent = table.at("total_of").at("table").get<std::string>() + "/" +
                                       table.at("total_of").at("row").get<std::string>();
            std::vector<std::string> columns;
            for (std::size_t q = 0; q < quarters.size(); ++q)
                columns.push_back("q" + std::to_string(q));
            for (std::size_t y = 0; y < years.size(); ++y)
                columns.push_back("y" + std::to_string(y));
            for (const auto& column : columns) {
                std::vector<std::string> parts;
                for (const auto& row : rows_of_.at(table.at("table").get<std::string>())) {
                    parts.push_back(row + "@" + column);
                }
                equation(parts, parent + "@" + column);
            }
        }
    }

    std::size_t hidden() const { return unknowns_.size(); }
    std::size_t equations() const { return sums_.size(); }

    // The hidden counts the equations fix, as "table/row@column" = value.
    std::map<std::string, Fraction> revealed() const {
        std::vector<std::vector<Fraction>> m = matrix();
        const std::size_t n = unknowns_.size();
        std::vector<std::size_t> pivots;
        std::size_t r = 0;
        for (std::size_t col = 0; col < n && r < m.size(); ++col) {
            std::size_t p = r;
            while (p < m.size() && m[p][col] == 0) ++p;
            if (p == m.size()) continue;
            std::swap(m[p], m[r]);
            const Fraction pivot = m[r][col];
            for (auto& x : m[r]) x /= pivot;
            for (std::size_t i = 0; i < m.size(); ++i) {
                if (i == r || m[i][col] == 0) continue;
                const Fraction f = m[i][col];
                for (std::size_t k = 0; k <= n; ++k) m[i][k] -= f * m[r][k];
            }
            pivots.push_back(col);
            ++r;
        }
        std::map<std::string, Fraction> found;
        for (std::size_t i = 0; i < pivots.size(); ++i) {
            std::size_t nonzero = 0;
            for (std::size_t k = 0; k < n; ++k) nonzero += m[i][k] != 0 ? 1 : 0;
            if (nonzero == 1) found[unknowns_[pivots[i]]] = m[i][n];
        }
        return found;
    }

private:
    void variable(const std::string& row, const std::string& column, const nlohmann::json& count) {
        const std::string name = row + "@" + column;
        if (count.is_null()) {
            index_[name] = unknowns_.size();
            unknowns_.push_back(name);
        } else {
            known_[name] = count.get<long long>();
        }
    }

    void equation(const std::vector<std::string>& parts, const std::string& total) {
        sums_.push_back({parts, total});
    }

    // sum(parts) - total = 0, over the unknowns; the known move to the right.
    std::vector<std::vector<Fraction>> matrix() const {
        std::vector<std::vector<Fraction>> m;
        for (const auto& [parts, total] : sums_) {
            std::vector<Fraction> e(unknowns_.size() + 1, 0);
            const auto add = [&](const std::string& name, int sign) {
                const auto it = index_.find(name);
                if (it != index_.end()) {
                    e[it->second] += sign;
                } else {
                    e.back() -= sign * known_.at(name);
                }
            };
            for (const auto& p : parts) add(p, 1);
            add(total, -1);
            m.push_back(std::move(e));
        }
        return m;
    }

    std::map<std::string, std::size_t> index_;
    std::vector<std::string> unknowns_;
    std::map<std::string, long long> known_;
    std::map<std::string, std::vector<std::string>> rows_of_;
    std::vector<std::pair<std::vector<std::string>, std::string>> sums_;
};

}  // namespace meldcode::test
