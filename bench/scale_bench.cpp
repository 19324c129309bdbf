// The scale benchmark. One store grows through the sizes asked; at each size
// four figures are timed through the C ABI, as a host (or the sidecar) calls
// them, each alternating with its floor so that a noisy neighbour hits both:
//
//  - the officer's first page of the list, as the web UI asks it (GET
//    /v1/concerns?sort=priority&limit=100). Floor: 100 rows of the same
//    concerns table in primary-key order (the cheapest indexed read of a page
//    there is) plus one raw durable insert, since the list is audited in its
//    own durable transaction.
//  - the first chronology page (200 entries) of a concern with 10,000
//    entries. Floor: the first 200 rows of its entries by (concern_id, at)
//    plus one raw durable insert (the read is audited too).
//  - one durable submission for a new unit. Floor: one raw durable insert of
//    the same bytes (SQLite: its own transaction in WAL, synchronous=FULL;
//    PostgreSQL: one autocommit INSERT, synchronous_commit on).
//  - one ticket close that prompts. Floor: parsing and dumping the ticket's
//    JSON (it writes nothing durable on SQLite); on PostgreSQL, where the
//    ticket is claimed in the store, plus one raw INSERT with the claim's
//    durability (synchronous_commit off).
//
// The store grows through the service itself (MeldcodeService over the real
// adapter): every row is what a submission, an assignment or a first step
// writes (sealed content, blind indexes, chained audit rows, figures), only
// a thousand calls share one commit, so that 1M concerns take minutes.
#include "scale_bench.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "bench_stats.h"
#include "crypto/key_ring.h"
#include "crypto/sodium_crypto.h"
#include "resources.h"
#include "service/calendars.h"
#include "service/clocks.h"
#include "service/meldcode_service.h"
#include "store/postgres_db.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace meldcode::bench {
namespace {

using nlohmann::json;

constexpr int kBatch = 1000;          // service calls per commit while growing
constexpr int kListPage = 100;        // what the web UI asks
constexpr int kChronologyPage = 200;  // the default first page of a concern

// Lets many service calls share one transaction of the store: inside
// batch(), every transaction the service opens is that one.
class BatchingStore final : public Store {
public:
    explicit BatchingStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

    // A transaction of its own: a thousand calls' writes in one savepoint
    // would cost SQLite more per statement as they go (ports/store.h).
    void batch(const std::function<void()>& calls) {
        inner_->transaction_of_its_own([&](StoreTransaction& tx) {
            open_ = &tx;
            try {
                calls();
            } catch (...) {
                open_ = nullptr;
                throw;
            }
            open_ = nullptr;
        });
    }

    void transaction(const std::function<void(StoreTransaction&)>& fn) override {
        if (open_ != nullptr) return fn(*open_);
        inner_->transaction(fn);
    }
    void transaction_of_its_own(const std::function<void(StoreTransaction&)>& fn) override {
        if (open_ != nullptr) return fn(*open_);
        inner_->transaction_of_its_own(fn);
    }
    std::vector<PromptRecord> prompts_since(Timestamp since) override {
        return inner_->prompts_since(since);
    }
    void save_prompts(const std::vector<PromptRecord>& prompts) override {
        inner_->save_prompts(prompts);
    }
    PromptClaims* shared_prompt_claims() override { return inner_->shared_prompt_claims(); }
    bool checkpoint() override { return inner_->checkpoint(); }
    StoreStats stats() const override { return inner_->stats(); }
    std::optional<std::uint64_t> free_bytes() const override { return inner_->free_bytes(); }

private:
    std::unique_ptr<Store> inner_;
    StoreTransaction* open_ = nullptr;
};

json resource(const char* name) {
    const auto text = resources::get(name);
    return json::parse(text.begin(), text.end());
}

std::string sqlite_path(const ScaleOptions& o) {
    return (o.dir / "scale.db").string();
}

std::string key_file(const ScaleOptions& o) {
    return o.keys.empty() ? (o.dir / "scale.keys").string() : o.keys;
}

const Actor kOfficer{"officer-0", Role::officer};
const std::string kObservations(600, 'o');  // a realistic paragraph

// Grows the store through the service, kBatch calls per commit.
class Grower {
public:
    explicit Grower(const ScaleOptions& o) {
        std::shared_ptr<const Crypto> crypto =
            make_sodium_crypto(key_ring_from_json(json::parse(std::ifstream(key_file(o)))));
        auto inner = o.postgresql.empty() ? open_sqlite_store(sqlite_path(o), crypto)
                                          : open_postgres_store(o.postgresql, crypto);
        auto store = std::make_unique<BatchingStore>(std::move(inner));
        store_ = store.get();
        service_ = std::make_unique<MeldcodeService>(
            ServiceSettings{}, Catalog::from_definition(resource("catalog.json")),
            Workflow::from_definition(resource("workflow.json")), std::move(store),
            std::move(crypto), std::make_unique<SystemClock>(), std::make_unique<ZoneCalendar>());
    }

    // Concerns `from`..`to` - 1, each on a unit and household of its own: a
    // mix of priorities (2% acute, 25% urgent), observers (500), and of
    // officers' work (a quarter assigned to one of 12 officers, an eighth
    // past step 1).
    void grow(long long from, long long to) {
        for (long long start = from; start < to; start += kBatch) {
            store_->batch([&] {
                for (long long n = start; n < std::min(to, start + kBatch); ++n) {
                    const std::string receipt = submit("g" + std::to_string(n), n);
                    if (n % 4 == 1) work_on(receipt, n);
                }
            });
        }
    }

    // One concern with `entries` submissions (each one chronology entry),
    // all on one unit and household, so that they join it: its ref.
    std::string concern_with_entries(int entries) {
        std::string receipt;
        for (int start = 0; start < entries; start += kBatch) {
            store_->batch([&] {
                for (int n = start; n < std::min(entries, start + kBatch); ++n) {
                    receipt = submit("chronology", n);
                }
            });
        }
        return concern_of(receipt).ref;
    }

private:
    std::string submit(const std::string& unit, long long n) {
        Submission s;
        s.ticket = TicketRef{"WO-" + unit + "-" + std::to_string(n), "VHE-" + unit, "HH-" + unit};
        s.idempotency_key = "grow-" + unit + "-" + std::to_string(n);
        s.signals = {"mc.home.holes_in_walls_or_doors"};
        s.observations = kObservations;
        s.children_involved = n % 4 == 0 ? "yes" : "unknown";
        s.acute = n % 50 == 0;
        s.canonical = {{"idempotency_key", s.idempotency_key}, {"unit_id", unit}};
        return service_->submit_signals({"tech-" + std::to_string(n % 500), Role::observer}, s);
    }

    ConcernRecord concern_of(const std::string& receipt) {
        return service_->get_concern(kOfficer, {std::nullopt, receipt}, {1, std::nullopt}).concern;
    }

    void work_on(const std::string& receipt, long long n) {
        const std::string ref = concern_of(receipt).ref;
        service_->act(kOfficer, {ref,
                                 "assign",
                                 {{"assignee", "officer-" + std::to_string(n / 4 % 12)}},
                                 std::nullopt,
                                 {}});
        if (n % 8 != 1) return;
        service_->act(kOfficer, {ref,
                                 "map_signals",
                                 {{"observations", kObservations},
                                  {"supporting_signals", "holes in the doors"},
                                  {"undermining_signals", "none seen"},
                                  {"children_involved", "unknown"}},
                                 std::nullopt,
                                 {}});
    }

    BatchingStore* store_ = nullptr;
    std::unique_ptr<MeldcodeService> service_;
};

// The floors' raw operations on the store's own tables (reads) and on a
// table of their own beside it (writes), without meldcode in between.
class Floor {
public:
    virtual ~Floor() = default;
    // `limit` rows of concerns (id, ids, case_data) in primary-key order.
    void read_concerns(int limit) {
        read("SELECT id, ids, case_data FROM concerns ORDER BY id DESC LIMIT ?2", {}, limit);
    }
    // The first `limit` entries of a concern, in its chronology's order.
    void read_entries(const std::string& concern_ref, int limit) {
        read(
            "SELECT e.id, e.ids, e.data FROM entries e JOIN concerns c ON c.id = e.concern_id "
            "WHERE c.ref = ?1 ORDER BY e.at, e.id LIMIT ?2",
            concern_ref, limit);
    }
    // One row in its own durable transaction.
    virtual void durable_insert(const std::string& body) = 0;
    // What a ticket close must write at least (nothing on SQLite).
    virtual void claim_insert(const std::string& body) = 0;
    // The concerns the store holds, and the first of them: the concern with
    // the long chronology (made first), or "" in an empty store.
    std::pair<long long, std::string> grown() {
        const auto row = first_row(
            "SELECT (SELECT count(*) FROM concerns), "
            "(SELECT coalesce(min(ref), '') FROM concerns WHERE id = (SELECT min(id) FROM "
            "concerns))");
        return {std::stoll(row.at(0)), row.at(1)};
    }

protected:
    // The first row of `sql`, each column as text.
    virtual std::vector<std::string> first_row(const char* sql) = 0;
    // Steps through the rows of `sql` (?1 the ref, ?2 the limit), adding up
    // the bytes of columns 1 and 2; throws on a short page.
    virtual void read(const char* sql, const std::string& ref, int limit) = 0;
    static void check_page(int rows, int limit, std::size_t bytes) {
        if (rows != limit || bytes == 0) throw std::runtime_error("floor: a short page");
    }
};

// Throws when `rc` is not what was expected: a floor that fails measures nothing.
void sqlite_ok(int rc, int expected, sqlite3* db) {
    if (rc != expected) throw std::runtime_error(std::string("floor: ") + sqlite3_errmsg(db));
}

class SqliteFloor final : public Floor {
public:
    explicit SqliteFloor(const ScaleOptions& o) {
        sqlite_ok(sqlite3_open_v2(sqlite_path(o).c_str(), &reader_, SQLITE_OPEN_READONLY, nullptr),
                  SQLITE_OK, reader_);
        sqlite_ok(sqlite3_open((o.dir / "floor.db").string().c_str(), &writer_), SQLITE_OK,
                  writer_);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    }
    ~SqliteFloor() override {
        sqlite3_close(reader_);
        sqlite3_close(writer_);
    }
    SqliteFloor(const SqliteFloor&) = delete;
    SqliteFloor& operator=(const SqliteFloor&) = delete;

    void durable_insert(const std::string& body) override {
        exec("BEGIN IMMEDIATE");
        sqlite3_stmt* insert = nullptr;
        sqlite3_prepare_v2(writer_, "INSERT INTO t (body) VALUES (?)", -1, &insert, nullptr);
        sqlite3_bind_text(insert, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(insert);
        sqlite3_finalize(insert);
        sqlite_ok(rc, SQLITE_DONE, writer_);
        exec("COMMIT");
    }
    void claim_insert(const std::string&) override {}

private:
    std::vector<std::string> first_row(const char* sql) override {
        sqlite3_stmt* q = nullptr;
        sqlite_ok(sqlite3_prepare_v2(reader_, sql, -1, &q, nullptr), SQLITE_OK, reader_);
        std::vector<std::string> row;
        if (sqlite3_step(q) == SQLITE_ROW) {
            for (int col = 0; col < sqlite3_column_count(q); ++col) {
                const auto* text = sqlite3_column_text(q, col);
                row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
            }
        }
        sqlite3_finalize(q);
        return row;
    }
    void exec(const char* sql) {
        sqlite_ok(sqlite3_exec(writer_, sql, nullptr, nullptr, nullptr), SQLITE_OK, writer_);
    }
    void read(const char* sql, const std::string& ref, int limit) override {
        sqlite3_stmt* q = nullptr;
        sqlite_ok(sqlite3_prepare_v2(reader_, sql, -1, &q, nullptr), SQLITE_OK, reader_);
        if (!ref.empty()) sqlite3_bind_text(q, 1, ref.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(q, 2, limit);
        std::size_t bytes = 0;
        int rows = 0;
        for (; sqlite3_step(q) == SQLITE_ROW; ++rows) {
            bytes +=
                static_cast<std::size_t>(sqlite3_column_bytes(q, 1) + sqlite3_column_bytes(q, 2));
        }
        sqlite3_finalize(q);
        check_page(rows, limit, bytes);
    }

    sqlite3* reader_ = nullptr;
    sqlite3* writer_ = nullptr;
};

// On the store's connection parameters: reads its tables; writes a table of
// its own (bench_floor) beside them, which the store never reads.
class PostgresFloor final : public Floor {
public:
    explicit PostgresFloor(const ScaleOptions& o)
        : connection_(o.postgresql), claims_(o.postgresql) {
        connection_.exec(
            "CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT GENERATED ALWAYS AS IDENTITY "
            "PRIMARY KEY, body TEXT NOT NULL)");
        claims_.exec("SET synchronous_commit = off");
    }

    void durable_insert(const std::string& body) override { insert(connection_, body); }
    void claim_insert(const std::string& body) override { insert(claims_, body); }

private:
    std::vector<std::string> first_row(const char* sql) override {
        postgres::Query q(connection_, sql);
        std::vector<std::string> row;
        if (q.step()) row = {std::to_string(q.int64(0)), q.text(1)};
        return row;
    }
    static void insert(const postgres::Connection& connection, const std::string& body) {
        postgres::Query(connection, "INSERT INTO bench_floor (body) VALUES (?1)")
            .bind(1, body)
            .run();
    }
    void read(const char* sql, const std::string& ref, int limit) override {
        postgres::Query q(connection_, sql);
        q.bind(1, ref).bind(2, std::int64_t{limit});
        std::size_t bytes = 0;
        int rows = 0;
        for (; q.step(); ++rows) bytes += q.blob(1).size() + q.blob(2).size();
        check_page(rows, limit, bytes);
    }

    postgres::Connection connection_;
    postgres::Connection claims_;
};

std::unique_ptr<Floor> make_floor(const ScaleOptions& o) {
    if (o.postgresql.empty()) return std::make_unique<SqliteFloor>(o);
    return std::make_unique<PostgresFloor>(o);
}

// A call through the C ABI, as a host makes it; throws when it fails.
using AbiCall = mc_status (*)(mc_instance*, const char*, const char*, char**);

std::string call(const sdk::Instance& mc, AbiCall fn, const std::string& actor,
                 const std::string& request) {
    char* out = nullptr;
    const mc_status status = fn(mc.handle(), actor.c_str(), request.c_str(), &out);
    const std::string answer = out != nullptr ? out : "";
    mc.plugin().api().free(out);
    if (status != MC_OK) throw std::runtime_error("scale: a call failed: " + answer);
    return answer;
}

// Samples of `subject` and `floor`, alternating.
struct Figure {
    std::vector<double> subject;
    std::vector<double> floor;
};

Figure alternate(int samples, const std::function<void(int)>& subject,
                 const std::function<void(int)>& floor) {
    Figure f;
    for (int i = 0; i < samples; ++i) {
        auto start = Clock::now();
        subject(i);
        f.subject.push_back(since_us(start));
        start = Clock::now();
        floor(i);
        f.floor.push_back(since_us(start));
    }
    return f;
}

void print(long long size, const char* store, const char* figure, const Figure& f) {
    const Stats s = stats(f.subject);
    const Stats fl = stats(f.floor);
    std::printf("| %lld | %s | %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2fx | %.2fx |\n",
                size, store, figure, s.median_us / 1000, s.p99_us / 1000, fl.median_us / 1000,
                fl.p99_us / 1000, s.median_us / fl.median_us, s.p99_us / fl.p99_us);
    std::fflush(stdout);
}

// A ticket that prompts.
std::string ticket(const std::string& id) {
    return json{{"host_ticket_id", id},        {"unit_id", "VHE-" + id},
                {"household_ref", "HH-" + id}, {"work_type", "REP"},
                {"entered_dwelling", true},    {"technician_id", "tech-1042"},
                {"closed_at", a_minute_ago()}, {"locale", "nl"}}
        .dump();
}

// The four figures at one size, through the C ABI on the grown store.
void measure(const std::shared_ptr<const sdk::Plugin>& plugin, const ScaleOptions& o,
             long long size, const std::string& chronology_ref) {
    const char* store = o.postgresql.empty() ? "SQLite" : "PostgreSQL";
    json config = {{"keys", {{"file", key_file(o)}}}};
    if (o.postgresql.empty()) {
        config["store_path"] = sqlite_path(o);
    } else {
        config["store"] = {{"postgresql", o.postgresql}};
    }
    const sdk::Instance mc(plugin, config);
    const auto& api = mc.plugin().api();
    const auto floor = make_floor(o);
    const std::string officer = json{{"id", "officer-0"}, {"role", "officer"}}.dump();
    const std::string observer = json{{"id", "tech-1042"}, {"role", "observer"}}.dump();
    const std::string host = json{{"id", "erp"}, {"role", "integration"}}.dump();
    const std::string audit_row(200, 'a');  // about an audit row's bytes
    const std::string at = "s" + std::to_string(size) + "-";

    const std::string list = json{{"sort", "priority"}, {"limit", kListPage}}.dump();
    print(size, store, "officer's list, first page of 100",
          alternate(
              o.samples, [&](int) { call(mc, api.concerns_list, officer, list); },
              [&](int) {
                  floor->read_concerns(kListPage);
                  floor->durable_insert(audit_row);
              }));
    const std::string get = json{{"concern_ref", chronology_ref}}.dump();
    print(size, store, "chronology, first page of a concern with many entries",
          alternate(
              o.samples, [&](int) { call(mc, api.concern_get, officer, get); },
              [&](int) {
                  floor->read_entries(chronology_ref, kChronologyPage);
                  floor->durable_insert(audit_row);
              }));
    print(size, store, "durable submission",
          alternate(
              o.samples,
              [&](int i) {
                  call(mc, api.signals_submit, observer,
                       submission_body(at + std::to_string(i), kObservations));
              },
              [&](int i) {
                  floor->durable_insert(
                      submission_body(at + "floor-" + std::to_string(i), kObservations));
              }));
    if (call(mc, api.ticket_closed, host, ticket("WO-" + at + "check")).find("\"ask\":true") ==
        std::string::npos) {
        throw std::runtime_error("scale: the ticket close does not prompt");
    }
    std::size_t sink = 0;
    print(size, store, "ticket close (prompts)",
          alternate(
              o.samples,
              [&](int i) {
                  call(mc, api.ticket_closed, host, ticket("WO-" + at + std::to_string(i)));
              },
              [&](int i) {
                  const std::string t = ticket("WO-" + at + "floor-" + std::to_string(i));
                  sink += json::parse(t).dump().size();
                  floor->claim_insert(t);
              }));
    if (sink == 0) throw std::runtime_error("floor: nothing parsed");
}

}  // namespace

std::string submission_body(const std::string& id, const std::string& observations) {
    return json{{"ticket", {{"host_ticket_id", "WO-s-" + id}, {"unit_id", "VHE-" + id}}},
                {"idempotency_key", "bench-key-" + id},
                {"signals", {"mc.home.holes_in_walls_or_doors"}},
                {"observations", observations},
                {"children_involved", "unknown"},
                {"acute", false}}
        .dump();
}

std::vector<long long> parse_sizes(const std::string& text) {
    std::vector<long long> sizes;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        const long long size = std::stoll(item);
        if (size <= 0 || (!sizes.empty() && size <= sizes.back())) {
            throw std::invalid_argument("--scale takes ascending positive sizes, e.g. 1000,10000");
        }
        sizes.push_back(size);
    }
    if (sizes.empty()) throw std::invalid_argument("--scale takes at least one size");
    return sizes;
}

void scale_benchmark(const std::shared_ptr<const sdk::Plugin>& plugin, const ScaleOptions& o) {
    if (!std::filesystem::exists(key_file(o))) sdk::create_key_file(key_file(o));
    Grower{o};  // creates the store, or migrates one grown before
    // A store grown before (e.g. copied, scale_to_postgresql.py) grows on.
    auto [have, chronology_ref] = make_floor(o)->grown();
    std::printf(
        "| concerns | store | figure | median | p99 | floor median | floor p99 | ratio "
        "(median) | ratio (p99) |\n|---|---|---|---|---|---|---|---|---|\n");
    for (const long long size : o.sizes) {
        const auto start = Clock::now();
        if (have < size) {
            Grower grower(o);
            if (chronology_ref.empty()) {
                chronology_ref = grower.concern_with_entries(o.chronology_entries);
                ++have;
            }
            grower.grow(have, size);
            have = size;
        }
        std::fprintf(stderr, "scale: grew to %lld concerns in %.0f s\n", have,
                     since_us(start) / 1e6);
        measure(plugin, o, have, chronology_ref);
    }
}

}  // namespace meldcode::bench
