// meldcode_bench: the two figures of the foundation, each as a ratio to a
// floor measured in the same run on the same machine (DESIGN.md §7):
//
//  1. ticket-closed hook latency (median, p99) vs. nlohmann parse + dump of
//     the same ticket JSON. Target: median <= 3x the floor.
//  2. durable submissions per second vs. a raw SQLite insert of the same
//     bytes in its own transaction with the same pragmas (WAL,
//     synchronous=FULL). Target: >= 0.5x the floor, single-threaded.
//
// The plugin is loaded with Boost.DLL through the C ABI, as a host would.
// Rounds alternate subject and floor so that a noisy neighbour on the shared
// VM hits both; the reported ratio is the median over rounds.
#include <sqlite3.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#include "meldcode/meldcode.hpp"

namespace po = boost::program_options;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
    double median_us = 0;
    double p99_us = 0;
};

Stats stats(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

template <typename Fn>
std::vector<double> time_each(int count, Fn&& fn) {
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto start = Clock::now();
        fn(i);
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return samples;
}

template <typename Fn>
double per_second(int count, Fn&& fn) {
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) fn(i);
    return count / std::chrono::duration<double>(Clock::now() - start).count();
}

json ticket(const std::string& id) {
    return {{"host_ticket_id", id},
            {"unit_id", "VHE-000123"},
            {"household_ref", "HH-77"},
            {"work_type", "REP"},
            {"entered_dwelling", true},
            {"technician_id", "tech-1042"},
            {"closed_at", "2026-11-25T09:45:00Z"},
            {"locale", "nl"}};
}

class RawSqlite {
public:
    explicit RawSqlite(const std::string& path) {
        sqlite3_open(path.c_str(), &db_);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");
        exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
        sqlite3_prepare_v2(db_, "INSERT INTO t (body) VALUES (?)", -1, &insert_, nullptr);
    }
    ~RawSqlite() {
        sqlite3_finalize(insert_);
        sqlite3_close(db_);
    }
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void insert(const std::string& body) {
        exec("BEGIN IMMEDIATE");
        sqlite3_bind_text(insert_, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
        sqlite3_step(insert_);
        sqlite3_reset(insert_);
        exec("COMMIT");
    }

private:
    void exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};

struct Options {
    std::string plugin;
    std::filesystem::path dir;
    int rounds = 5;
    int hook_calls = 20000;
    int submissions = 200;
};

void hook_benchmark(const meldcode::sdk::Instance& mc, const Options& o) {
    const std::string actor = json{{"id", "erp"}, {"role", "integration"}}.dump();
    const std::string floor_text = ticket("WO-floor").dump();
    std::vector<double> ratios;
    std::vector<double> hook_all;
    std::vector<double> floor_all;
    for (int round = 0; round < o.rounds; ++round) {
        std::vector<std::string> tickets;
        tickets.reserve(static_cast<std::size_t>(o.hook_calls));
        for (int i = 0; i < o.hook_calls; ++i) {
            tickets.push_back(
                ticket("WO-" + std::to_string(round) + "-" + std::to_string(i)).dump());
        }
        std::size_t sink = 0;
        const auto floor =
            time_each(o.hook_calls, [&](int) { sink += json::parse(floor_text).dump().size(); });
        const auto hook = time_each(o.hook_calls, [&](int i) {
            char* out = nullptr;
            if (mc.plugin().api().ticket_closed(mc.handle(), actor.c_str(),
                                                tickets[static_cast<std::size_t>(i)].c_str(),
                                                &out) != MC_OK) {
                throw std::runtime_error("ticket_closed failed");
            }
            sink += std::strlen(out);
            mc.plugin().api().free(out);
        });
        if (sink == 0) std::cout << "";
        ratios.push_back(stats(hook).median_us / stats(floor).median_us);
        hook_all.insert(hook_all.end(), hook.begin(), hook.end());
        floor_all.insert(floor_all.end(), floor.begin(), floor.end());
    }
    const Stats h = stats(hook_all);
    const Stats f = stats(floor_all);
    std::printf(
        "| ticket-closed hook latency | median %.1f us, p99 %.1f us | parse+dump: median %.1f us, "
        "p99 %.1f us | %.2fx (median of %d rounds; target <= 3x) |\n",
        h.median_us, h.p99_us, f.median_us, f.p99_us, median(ratios), o.rounds);
}

void submission_benchmark(const meldcode::sdk::Instance& mc, const Options& o) {
    const auto& api = mc.plugin().api();
    const std::string actor = json{{"id", "tech-1042"}, {"role", "observer"}}.dump();
    const std::string observations(600, 'o');  // a realistic paragraph of text
    RawSqlite raw((o.dir / "floor.db").string());
    std::vector<double> ratios;
    double subject_rate = 0;
    double floor_rate = 0;
    for (int round = 0; round < o.rounds; ++round) {
        std::vector<std::string> bodies;
        bodies.reserve(static_cast<std::size_t>(o.submissions));
        for (int i = 0; i < o.submissions; ++i) {
            const std::string id = std::to_string(round) + "-" + std::to_string(i);
            bodies.push_back(json{
                {"ticket", {{"host_ticket_id", "WO-s-" + id}, {"unit_id", "VHE-" + id}}},
                {"idempotency_key", "bench-key-" + id},
                {"signals", {"mc.home.holes_in_walls_or_doors"}},
                {"observations", observations},
                {"children_involved", "unknown"},
                {"acute", false}}.dump());
        }
        floor_rate = per_second(o.submissions,
                                [&](int i) { raw.insert(bodies[static_cast<std::size_t>(i)]); });
        subject_rate = per_second(o.submissions, [&](int i) {
            char* out = nullptr;
            if (api.signals_submit(mc.handle(), actor.c_str(),
                                   bodies[static_cast<std::size_t>(i)].c_str(), &out) != MC_OK) {
                throw std::runtime_error("submission failed");
            }
            api.free(out);
        });
        ratios.push_back(subject_rate / floor_rate);
    }
    std::printf(
        "| durable submissions, 1 thread | %.0f /s (last round) | raw SQLite insert: %.0f /s "
        "(last round) | %.2fx (median of %d rounds; target >= 0.5x) |\n",
        subject_rate, floor_rate, median(ratios), o.rounds);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    po::options_description options("meldcode_bench: the foundation's figures vs. their floors");
    options.add_options()("help", "show this help")(
        "plugin", po::value(&o.plugin)->default_value(MELDCODE_PLUGIN_PATH), "libmeldcode.so")(
        "dir", po::value<std::string>()->default_value("bench-data"),
        "scratch directory (emptied)")("rounds", po::value(&o.rounds)->default_value(5),
                                       "rounds per figure")(
        "hook-calls", po::value(&o.hook_calls)->default_value(20000), "hook calls per round")(
        "submissions", po::value(&o.submissions)->default_value(200), "submissions per round");
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help") != 0) {
        std::cout << options << '\n';
        return 0;
    }
    po::notify(vm);
    o.dir = vm["dir"].as<std::string>();
    std::filesystem::remove_all(o.dir);
    std::filesystem::create_directories(o.dir);

    const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(o.plugin);
    const std::string keys = (o.dir / "meldcode.keys").string();
    meldcode::sdk::create_key_file(keys);
    const meldcode::sdk::Instance mc(
        plugin, {{"store_path", (o.dir / "meldcode.db").string()}, {"keys", {{"file", keys}}}});
    std::printf("| figure | meldcode | floor (same run) | ratio |\n|---|---|---|---|\n");
    hook_benchmark(mc, o);
    submission_benchmark(mc, o);
    return 0;
}
