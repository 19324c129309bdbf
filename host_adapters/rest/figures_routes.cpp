#include "figures_routes.h"

#include "problem.h"
#include "route_calls.h"

namespace meldcoded {

using nlohmann::json;

namespace {

std::string value_text(const json& value) {
    if (value.is_null()) return "";
    if (value.is_number_integer()) return std::to_string(value.get<long long>());
    return value.dump();  // a share or a median: JSON's shortest exact form
}

// Every field is a word, a quarter or a number from the plugin's own lists:
// nothing needs quoting.
void line(std::string& out, const std::string& table, const std::string& row,
          const std::string& period, const json& value) {
    out += table + ',' + row + ',' + period + ',' + value_text(value) + "\r\n";
}

bool wants_csv(const Request& request, const json& query) {
    if (query.contains("format")) return query.at("format") == "csv";
    const std::string* accept = request.header("accept");
    return accept != nullptr && accept->find("text/csv") != std::string::npos;
}

}  // namespace

std::string figures_csv(const json& f) {
    std::string out = "table,row,period,value\r\n";
    const auto& quarters = f.at("quarters");
    for (const auto& table : f.at("tables")) {
        for (const auto& row : table.at("rows")) {
            for (std::size_t q = 0; q < quarters.size(); ++q) {
                line(out, table.at("table"), row.at("row"), quarters[q].at("quarter"),
                     row.at("counts").at(q));
            }
            for (std::size_t y = 0; y < f.at("years").size(); ++y) {
                line(out, table.at("table"), row.at("row"),
                     std::to_string(f.at("years")[y].get<int>()), row.at("year_totals").at(y));
            }
        }
    }
    for (std::size_t q = 0; q < quarters.size(); ++q) {
        line(out, "acute_share", "acute", quarters[q].at("quarter"), f.at("acute_share").at(q));
    }
    for (const auto& m : f.at("median_days")) {
        for (std::size_t q = 0; q < quarters.size(); ++q) {
            line(out, "median_days", m.at("milestone"), quarters[q].at("quarter"),
                 m.at("days").at(q));
        }
    }
    return out;
}

// A quarter that is not one (2026-Q5) or missing is a malformed URL (400); a
// quarter that has not begun or a range backwards is well formed but cannot
// be answered (422), as the plugin says, with the parameter's pointer.
Response figures(const RouteContext& c) {
    json query;
    if (auto error = query_from_url(c.request, {"from", "to", "format"},
                                    "GET /v1/figures takes from, to and format", query)) {
        return *error;
    }
    const bool csv = wants_csv(c.request, query);
    if (query.contains("format") && query.at("format") != "csv" && query.at("format") != "json") {
        return problem(400, "invalid_format", "format is json or csv", "/format");
    }
    query.erase("format");
    std::string answer;
    try {
        answer = call(c, api(c).figures_get, query.dump());
    } catch (const meldcode::sdk::Error& e) {
        if (e.code() == "schema_violation" || e.code() == "missing_field") {
            return problem(400, e.code(), e.what(), e.pointer());
        }
        throw;
    }
    if (!csv) return ok(std::move(answer));
    const json f = json::parse(answer);
    const std::string name =
        "figures-" + f.at("from").get<std::string>() + "-" + f.at("to").get<std::string>() + ".csv";
    return {200,
            "text/csv; charset=utf-8",
            figures_csv(f),
            {{"Content-Disposition", "attachment; filename=\"" + name + "\""}}};
}

}  // namespace meldcoded
