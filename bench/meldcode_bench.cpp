// meldcode_bench: the store's figures, each as a ratio to a
// floor measured in the same run on the same machine (DESIGN.md §7):
//
//  1. ticket-closed hook latency (median, p99) vs. nlohmann parse + dump of
//     the same ticket JSON. Target: median <= 3x the floor. With
//     --postgresql, again on a PostgreSQL store, where every new ticket is
//     claimed in the store (a round trip to the server) so that several
//     processes on it ask once: what a claim costs.
//  2. durable submissions per second from 1, 8 and 64 threads at once (their
//     calls share commits) vs. a raw SQLite insert of the same bytes in its
//     own transaction with the same pragmas (WAL, synchronous=FULL), from
//     one thread. Target: >= 0.5x the floor. With --postgresql, the same on
//     a PostgreSQL store vs. one INSERT per transaction with
//     synchronous_commit = on (on a cluster that syncs: not the tests'
//     fsync=off one).
//     From one thread, also a raw transaction that writes as many pages to
//     SQLite's log as a submission did (mc_store_stats' pages_written), vs.
//     the same floor: the most a submission of that many pages could reach.
//  3. key rotation: the median time of a batch in the last tenth of a
//     rotation vs. in its first tenth (the same run's floor). A batch must
//     cost the same however far the rotation has got. Target: <= 1.5x.
//     Also the rotation's final batch, which reads every kind whole before
//     the old key is forgotten, vs. the same floor: no target, a price paid
//     once per rotation that grows with the store while other writes wait.
//
// The plugin is loaded with Boost.DLL through the C ABI, as a host would.
// Rounds alternate subject and floor (3: both lie in every rotation) so
// that a noisy neighbour on the shared VM hits both; the reported ratio is
// the median over rounds.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include "meldcode/meldcode.hpp"
#include "scale_bench.h"

namespace po = boost::program_options;
using meldcode::bench::Clock;
using meldcode::bench::median;
using meldcode::bench::stats;
using meldcode::bench::Stats;
using meldcode::bench::submission_body;
using meldcode::bench::time_each;
using nlohmann::json;

namespace {

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
            {"closed_at", meldcode::bench::a_minute_ago()},
            {"locale", "nl"}};
}

// One durable transaction per call with the store's pragmas (WAL,
// synchronous=FULL): the body inserted into one table and, with `tables`
// above 1, a short row into each of the others. Each table is a b-tree of its
// own, so a transaction writes about `tables` pages to the log: what a call
// writing that many pages could reach at most with no work of its own.
class RawSqlite {
public:
    RawSqlite(const std::string& path, int tables = 1) {
        sqlite3_open(path.c_str(), &db_);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");
        for (int t = 0; t < tables; ++t) {
            const std::string name = "t" + std::to_string(t);
            exec(("CREATE TABLE IF NOT EXISTS " + name +
                  " (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
                     .c_str());
            sqlite3_stmt* insert = nullptr;
            sqlite3_prepare_v2(db_, ("INSERT INTO " + name + " (body) VALUES (?)").c_str(), -1,
                               &insert, nullptr);
            inserts_.push_back(insert);
        }
    }
    ~RawSqlite() {
        for (sqlite3_stmt* insert : inserts_) sqlite3_finalize(insert);
        sqlite3_close(db_);
    }
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void insert(const std::string& body) {
        exec("BEGIN IMMEDIATE");
        for (sqlite3_stmt* insert : inserts_) {
            const std::string_view text = insert == inserts_.front() ? body : "x";
            sqlite3_bind_text(insert, 1, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
            sqlite3_step(insert);
            sqlite3_reset(insert);
        }
        exec("COMMIT");
        ++commits_;
    }

    // Pages written to the log per commit since the last call.
    double pages_per_commit() {
        int written = 0;
        int unused = 0;
        sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_WRITE, &written, &unused, /*resetFlg=*/1);
        return written / static_cast<double>(std::max(std::exchange(commits_, 0), 1));
    }

private:
    void exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
    sqlite3* db_ = nullptr;
    std::vector<sqlite3_stmt*> inserts_;
    int commits_ = 0;
};

struct Options {
    std::string plugin;
    std::filesystem::path dir;
    int rounds = 5;
    int hook_calls = 20000;
    int submissions = 200;
    int rotation_rows = 10000;
    std::string postgresql;  // a conninfo: the hook figure on that store too
};

void hook_benchmark(const meldcode::sdk::Instance& mc, const Options& o, const char* store) {
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
        "| ticket-closed hook latency (%s) | median %.1f us, p99 %.1f us | parse+dump: median "
        "%.1f us, p99 %.1f us | %.2fx (median of %d rounds; target <= 3x) |\n",
        store, h.median_us, h.p99_us, f.median_us, f.p99_us, median(ratios), o.rounds);
}

// One insert of `body` per transaction, committed durably: SQLite with the
// store's pragmas, or PostgreSQL with synchronous_commit = on (a table of its
// own in the conninfo's first schema).
class RawPostgres {
public:
    explicit RawPostgres(const std::string& conninfo) : db_(PQconnectdb(conninfo.c_str())) {
        if (PQstatus(db_) != CONNECTION_OK) throw std::runtime_error("cannot reach PostgreSQL");
        exec("SET synchronous_commit = on");
        exec("SET client_min_messages = warning");
        exec(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, body text NOT "
            "NULL)");
    }
    ~RawPostgres() { PQfinish(db_); }
    RawPostgres(const RawPostgres&) = delete;
    RawPostgres& operator=(const RawPostgres&) = delete;

    void insert(const std::string& body) {
        const char* values[] = {body.c_str()};
        PGresult* r = PQexecParams(db_, "INSERT INTO bench_floor (body) VALUES ($1)", 1, nullptr,
                                   values, nullptr, nullptr, 0);
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) throw std::runtime_error("the floor's insert failed");
    }

private:
    void exec(const char* sql) {
        PGresult* r = PQexec(db_, sql);
        PQclear(r);
    }
    PGconn* db_;
};

struct Rate {
    double per_second = 0;
    Stats latency;
};

// Submits every body once, from `threads` threads at once taking the next
// one in turn: the rate, and each call's latency.
Rate submit_all(const meldcode::sdk::Instance& mc, const std::vector<std::string>& bodies,
                int threads) {
    const std::string actor = json{{"id", "tech-1042"}, {"role", "observer"}}.dump();
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i; (i = next++) < bodies.size();) {
                const auto begun = Clock::now();
                char* out = nullptr;
                if (mc.plugin().api().signals_submit(mc.handle(), actor.c_str(), bodies[i].c_str(),
                                                     &out) != MC_OK) {
                    failed = true;
                }
                mc.plugin().api().free(out);
                latencies[static_cast<std::size_t>(t)].push_back(
                    std::chrono::duration<double, std::micro>(Clock::now() - begun).count());
            }
        });
    }
    for (auto& thread : pool) thread.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) throw std::runtime_error("a submission failed");
    std::vector<double> all;
    for (const auto& each : latencies) all.insert(all.end(), each.begin(), each.end());
    return {static_cast<double>(bodies.size()) / seconds, stats(all)};
}

constexpr int kThreadCounts[] = {1, 8, 64};

// The store's count of a figure (stats member `name`) across fn, per call;
// -1 when the store does not count it.
template <typename Fn>
double per_call(const meldcode::sdk::Instance& mc, const char* name, std::size_t calls, Fn&& fn) {
    const auto count = [&] { return mc.store_stats().value(name, json(-1)).get<double>(); };
    const double before = count();
    fn();
    return before < 0 ? -1 : (count() - before) / static_cast<double>(calls);
}

// Durable submissions from 1, 8 and 64 threads vs. one durable insert per
// transaction from one thread (`floor`), in alternating rounds. Returns the
// pages one submission from one thread wrote to the log (-1 if the store
// does not count pages).
template <typename Floor>
double submission_benchmark(const meldcode::sdk::Instance& mc, const Options& o, const char* store,
                            Floor&& floor) {
    const std::string observations(600, 'o');  // a realistic paragraph of text
    std::map<int, std::vector<double>> ratios;
    std::map<int, Rate> last;
    std::map<int, double> commits_per_submission;
    std::map<int, double> pages_per_submission;
    double floor_rate = 0;
    int made = 0;
    const auto bodies = [&](int count) {
        std::vector<std::string> made_now;
        for (int i = 0; i < count; ++i) {
            made_now.push_back(
                submission_body(std::string(store) + "-" + std::to_string(made++), observations));
        }
        return made_now;
    };
    for (int round = 0; round < o.rounds; ++round) {
        const auto floor_bodies = bodies(o.submissions);
        floor_rate = per_second(o.submissions,
                                [&](int i) { floor(floor_bodies[static_cast<std::size_t>(i)]); });
        for (const int threads : kThreadCounts) {
            // Enough for every thread to submit a dozen times.
            const auto round_bodies = bodies(std::max(o.submissions, 12 * threads));
            const auto calls = round_bodies.size();
            pages_per_submission[threads] = per_call(mc, "pages_written", calls, [&] {
                commits_per_submission[threads] = per_call(mc, "commits", calls, [&] {
                    last[threads] = submit_all(mc, round_bodies, threads);
                });
            });
            ratios[threads].push_back(last[threads].per_second / floor_rate);
        }
    }
    for (const int threads : kThreadCounts) {
        std::printf(
            "| durable submissions, %d thread%s (%s) | %.0f /s, p99 %.1f ms, %.2f commits per "
            "submission%s (last round) | one insert per durable transaction: %.0f /s (last round) "
            "| %.2fx (median of %d rounds; target >= 0.5x) |\n",
            threads, threads == 1 ? "" : "s", store, last[threads].per_second,
            last[threads].latency.p99_us / 1000, commits_per_submission[threads],
            pages_per_submission[threads] < 0
                ? ""
                : (", " + std::to_string(std::lround(pages_per_submission[threads])) +
                   " pages written per submission")
                      .c_str(),
            floor_rate, median(ratios[threads]), o.rounds);
    }
    return pages_per_submission[1];
}

// What one thread's submissions could reach at most given the pages each
// writes: a raw transaction writing as many pages (RawSqlite over that many
// tables) vs. the one-insert floor, in alternating rounds. Not a target: it
// separates the cost of the pages a submission writes from that of its work.
void page_bound_benchmark(const Options& o, double pages) {
    const int tables = std::max(1, static_cast<int>(std::lround(pages)));
    RawSqlite floor((o.dir / "floor-pages-1.db").string());
    RawSqlite as_many((o.dir / "floor-pages-n.db").string(), tables);
    const std::string body = submission_body("pages", std::string(600, 'o'));
    std::vector<double> ratios;
    double floor_rate = 0;
    double rate = 0;
    for (int round = 0; round < o.rounds; ++round) {
        floor_rate = per_second(o.submissions, [&](int) { floor.insert(body); });
        rate = per_second(o.submissions, [&](int) { as_many.insert(body); });
        ratios.push_back(rate / floor_rate);
    }
    std::printf(
        "| a raw durable transaction writing as many pages as a submission from 1 thread "
        "(SQLite) | %.0f /s, %.1f pages written per commit (last round) | one insert per durable "
        "transaction: %.0f /s, %.1f pages (last round) | %.2fx (median of %d rounds; the most a "
        "submission writing this many pages could reach) |\n",
        rate, as_many.pages_per_commit(), floor_rate, floor.pages_per_commit(), median(ratios),
        o.rounds);
}

// A key ring file with both keys, `active` the one to rotate to: written
// owner-only before it holds a key, as mc_open requires.
std::string key_ring(const std::filesystem::path& dir, const json& keys,
                     const std::string& active) {
    const auto path = dir / ("ring-" + active + ".keys");
    std::ofstream(path).close();
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::ofstream(path) << json{{"active", active}, {"keys", keys}}.dump();
    return path.string();
}

json read_keys(const std::string& path) {
    return json::parse(std::ifstream(path)).at("keys");
}

// Median times of a batch in the first and in the last tenth of a rotation.
struct RotationTimes {
    double first_tenth_us = 0;
    double last_tenth_us = 0;
    double final_us = 0;  // the batch that reads every kind whole
};

// Rotates the whole store in batches of 100, timing each batch.
RotationTimes rotate_all(const std::shared_ptr<const meldcode::sdk::Plugin>& plugin,
                         const json& config) {
    const meldcode::sdk::Instance mc(plugin, config);
    const json admin = {{"id", "beheer-1"}, {"role", "admin"}};
    std::vector<double> batch_us;
    for (long long remaining = 1; remaining > 0;) {
        const auto start = Clock::now();
        remaining = mc.rotate_keys(admin, {{"batch", 100}}).at("remaining").get<long long>();
        batch_us.push_back(meldcode::bench::since_us(start));
    }
    // The last batch is a partial one, which also reads every kind whole
    // before the old key is forgotten (sql_rotation.h).
    const double final_us = batch_us.back();
    batch_us.pop_back();
    const auto tenth = static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, batch_us.size() / 10));
    return {median(std::vector<double>(batch_us.begin(), batch_us.begin() + tenth)),
            median(std::vector<double>(batch_us.end() - tenth, batch_us.end())), final_us};
}

void rotation_benchmark(const std::shared_ptr<const meldcode::sdk::Plugin>& plugin,
                        const Options& o) {
    const auto dir = o.dir / "rotation";
    std::filesystem::create_directories(dir);
    const std::string first_ring = (dir / "k1.keys").string();
    const std::string second_ring = (dir / "k2.keys").string();
    meldcode::sdk::create_key_file(first_ring, "k1");
    meldcode::sdk::create_key_file(second_ring, "k2");
    json keys = read_keys(first_ring);
    keys.update(read_keys(second_ring));
    json config = {{"store_path", (dir / "meldcode.db").string()},
                   {"keys", {{"file", first_ring}}}};
    {
        const meldcode::sdk::Instance mc(plugin, config);
        const json observer = {{"id", "tech-1042"}, {"role", "observer"}};
        const std::string observations(600, 'o');
        for (int i = 0; i < o.rotation_rows; ++i) {
            mc.submit_signals(observer,
                              json::parse(submission_body("r-" + std::to_string(i), observations)));
        }
    }
    // Each round rotates everything to the other key and back again.
    std::vector<double> ratios;
    std::vector<double> final_ratios;
    RotationTimes times;
    for (int round = 0; round < o.rounds; ++round) {
        config["keys"] = {{"file", key_ring(dir, keys, round % 2 == 0 ? "k2" : "k1")}};
        times = rotate_all(plugin, config);
        ratios.push_back(times.last_tenth_us / times.first_tenth_us);
        final_ratios.push_back(times.final_us / times.first_tenth_us);
    }
    std::printf(
        "| key rotation, batches of 100, store of %d submissions | a batch in the last tenth: "
        "median %.2f ms (last round) | in the first tenth: median %.2f ms (last round) | %.2fx "
        "(median of %d rounds; target <= 1.5x) |\n",
        o.rotation_rows, times.last_tenth_us / 1000, times.first_tenth_us / 1000, median(ratios),
        o.rounds);
    std::printf(
        "| key rotation's final batch, store of %d submissions | %.2f ms (last round) | a batch "
        "in the first tenth: median %.2f ms (last round) | %.2fx (median of %d rounds) |\n",
        o.rotation_rows, times.final_us / 1000, times.first_tenth_us / 1000, median(final_ratios),
        o.rounds);
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
        "submissions", po::value(&o.submissions)->default_value(200), "submissions per round")(
        "rotation-rows", po::value(&o.rotation_rows)->default_value(10000),
        "submissions in the store the key rotation figure rotates")(
        "postgresql", po::value(&o.postgresql),
        "a libpq conninfo (an empty schema first in its search_path): the hook and submission "
        "figures on a PostgreSQL store too; with --scale, the store that grows")(
        "scale", po::value<std::string>(),
        "sizes, e.g. 1000,10000,100000,1000000: instead of the figures above, grow one store "
        "to each size in turn and time the officer's list, a long chronology, a submission and "
        "a ticket close there (bench/scale_bench.cpp)")(
        "scale-samples", po::value<int>()->default_value(200), "timed calls per figure and size")(
        "chronology-entries", po::value<int>()->default_value(10000),
        "entries of the concern whose chronology --scale reads")(
        "scale-keys", po::value<std::string>()->default_value(""),
        "with --scale: the key ring of a store grown before (in --dir, or the PostgreSQL "
        "schema), which then grows on; --dir is not emptied");
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help") != 0) {
        std::cout << options << '\n';
        return 0;
    }
    po::notify(vm);
    o.dir = vm["dir"].as<std::string>();
    // A store grown before by --scale (its key ring named) lives on in --dir.
    if (vm["scale-keys"].as<std::string>().empty()) std::filesystem::remove_all(o.dir);
    std::filesystem::create_directories(o.dir);

    const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(o.plugin);
    if (vm.count("scale") != 0) {
        meldcode::bench::ScaleOptions scale;
        scale.sizes = meldcode::bench::parse_sizes(vm["scale"].as<std::string>());
        scale.samples = vm["scale-samples"].as<int>();
        scale.chronology_entries = vm["chronology-entries"].as<int>();
        scale.dir = o.dir;
        scale.postgresql = o.postgresql;
        scale.keys = vm["scale-keys"].as<std::string>();
        meldcode::bench::scale_benchmark(plugin, scale);
        return 0;
    }
    const std::string keys = (o.dir / "meldcode.keys").string();
    meldcode::sdk::create_key_file(keys);
    const meldcode::sdk::Instance mc(
        plugin, {{"store_path", (o.dir / "meldcode.db").string()}, {"keys", {{"file", keys}}}});
    std::printf("| figure | meldcode | floor (same run) | ratio |\n|---|---|---|---|\n");
    hook_benchmark(mc, o, "SQLite");
    if (!o.postgresql.empty()) {
        const meldcode::sdk::Instance shared(
            plugin, {{"store", {{"postgresql", o.postgresql}}}, {"keys", {{"file", keys}}}});
        hook_benchmark(shared, o, "PostgreSQL");
    }
    RawSqlite raw_sqlite((o.dir / "floor.db").string());
    const double pages = submission_benchmark(
        mc, o, "SQLite", [&](const std::string& body) { raw_sqlite.insert(body); });
    page_bound_benchmark(o, pages);
    if (!o.postgresql.empty()) {
        const meldcode::sdk::Instance shared(
            plugin, {{"store", {{"postgresql", o.postgresql}}}, {"keys", {{"file", keys}}}});
        RawPostgres raw_postgres(o.postgresql);
        submission_benchmark(shared, o, "PostgreSQL",
                             [&](const std::string& body) { raw_postgres.insert(body); });
    }
    rotation_benchmark(plugin, o);
    return 0;
}
