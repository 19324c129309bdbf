// Management figures over a generated store of 10,000 concerns opened over
// two years: the service's figures (store, whole years, suppression) are
// exact against a count made here, no hidden count can be solved from the
// answer, and a purge of every closed concern leaves the figures as they
// were. The concerns and their contributions are written through the store
// port in a few transactions (how the service keeps a contribution up to
// date as a concern moves on is tested through the ABI, tests/abi/figures_test.cpp).
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <random>

#include "core/errors.h"
#include "core/figures.h"
#include "crypto/sodium_crypto.h"
#include "figures_attack.h"
#include "resources.h"
#include "service/calendars.h"
#include "service/clocks.h"
#include "service/meldcode_service.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace meldcode::test {
namespace {

using nlohmann::json;

constexpr int kConcerns = 10000;

json resource(const char* name) {
    const auto text = resources::get(name);
    return json::parse(text.begin(), text.end());
}

std::shared_ptr<const Crypto> crypto() {
    static const std::shared_ptr<const Crypto> c =
        make_sodium_crypto({"k1", {{"k1", std::string(32, '\x21')}}});
    return c;
}

std::unique_ptr<MeldcodeService> service(const std::string& path, const char* now) {
    return std::make_unique<MeldcodeService>(
        ServiceSettings{}, Catalog::from_definition(resource("catalog.json")),
        Workflow::from_definition(resource("workflow.json")), open_sqlite_store(path, crypto()),
        crypto(), std::make_unique<FixedClock>(*parse_timestamp(now)),
        std::make_unique<ZoneCalendar>());
}

// What the generator decided for one concern: the truth the figures must match.
struct Truth {
    Quarter opened;
    FigureContribution contribution;
};

// 10,000 concerns opened from 2025-01-01 to 2026-12-31 (Amsterdam), most
// closed, with rare categories and routes that make small cells.
std::vector<Truth> generate(const std::string& path, const ZoneCalendar& calendar) {
    std::mt19937 rng(2026);
    const auto pick = [&](int below) {
        return static_cast<int>(rng() % static_cast<unsigned>(below));
    };
    const Timestamp start = *parse_timestamp("2025-01-01T06:00:00Z");
    const std::vector<std::string> categories{"mc.home",    "mc.children", "mc.adults",
                                              "mc.elderly", "mc.neglect",  "mc.living"};
    const std::vector<Outcome> endings{Outcome::reported, Outcome::help_arranged, Outcome::referred,
                                       Outcome::closed_without_action};
    std::vector<Truth> truths;
    auto store = open_sqlite_store(path, crypto());
    for (int batch = 0; batch < kConcerns / 1000; ++batch) {
        store->transaction([&](StoreTransaction& tx) {
            for (int i = 0; i < 1000; ++i) {
                ConcernRecord r;
                r.ref = "c_gen" + std::to_string(batch * 1000 + i);
                r.unit_id = "VHE-" + std::to_string(pick(3000));
                r.created_at = start + static_cast<Timestamp>(rng() % (729u * 86400u));
                r.updated_at = r.state_since = r.created_at;
                ConcernStatus& s = r.status;
                s.priority = pick(10) == 0  ? Priority::acute
                             : pick(3) == 0 ? Priority::urgent
                                            : Priority::normal;
                const bool closed = pick(10) != 0;
                const Outcome ending = endings[static_cast<std::size_t>(pick(4))];
                s.reported = ending == Outcome::reported;
                s.help_arranged = ending == Outcome::help_arranged;
                if (ending == Outcome::referred || pick(40) == 0)
                    s.referrals.push_back(pick(60) == 0 ? "comensha" : "ggd");
                if (s.reported && pick(3) == 0) s.veilig_thuis_feedback_due = "2027-01-05";
                s.state = closed ? "closed" : "consulted";
                if (closed) r.closed_at = r.created_at + 20 * 86400;
                r.id = tx.insert_concern(r);
                tx.update_concern(r);  // a new concern is stored open; this closes it

                FigureContribution c;
                count_categories(c, {categories[static_cast<std::size_t>(pick(6))]});
                if (pick(120) == 0) count_categories(c, {"mc.honour"});
                const Day opened = calendar.local_day(r.created_at);
                count_milestone(c, "step_1", opened, opened + pick(5));
                if (closed) count_milestone(c, "closed", opened, opened + 20);
                if (pick(5) != 0) count_feedback(c, opened, opened + pick(9));
                count_status(c, s, closed);
                tx.save_figure_contribution(r.id, quarter_of(opened), c);
                truths.push_back({quarter_of(opened), c});
            }
        });
    }
    return truths;
}

// table/row@quarter -> count, from the generator's truths.
std::map<std::string, long long> count_truths(const std::vector<Truth>& truths) {
    std::map<std::string, long long> n;
    for (const auto& t : truths) {
        const std::string q = "@" + format_quarter(t.opened);
        const auto& c = t.contribution;
        ++n["opened/concerns" + q];
        ++n["priority/" + c.priority + q];
        ++n["outcome/" + c.outcome + q];
        ++n["melding/" + c.melding + q];
        ++n["reporter_feedback/" +
            std::string(!c.reporter              ? "no_reporter"
                        : !c.feedback_after      ? "owed"
                        : *c.feedback_after <= 5 ? "in_time"
                                                 : "late") +
            q];
        for (const auto& category : c.categories) ++n["signal_category/" + category + q];
        for (const auto& route : c.routes) ++n["route/" + route + q];
    }
    return n;
}

}  // namespace

TEST_CASE("figures of 10,000 concerns over two years: exact, k-anonymous, kept past a purge",
          "[figures]") {
    const TempDir dir;
    const std::string path = dir.file("meldcode.db");
    const ZoneCalendar calendar;
    const auto truths = generate(path, calendar);
    const auto expected = count_truths(truths);
    const Actor manager{"board-1", Role::manager};
    const json answer =
        service(path, "2027-01-10T09:00:00Z")->figures(manager, "2025-Q1", "2026-Q4");

    long long shown = 0;
    long long hidden = 0;
    for (const auto& table : answer.at("tables")) {
        for (const auto& row : table.at("rows")) {
            const std::string key =
                table.at("table").get<std::string>() + "/" + row.at("row").get<std::string>();
            for (std::size_t q = 0; q < 8; ++q) {
                const std::string quarter = answer.at("quarters").at(q).at("quarter");
                const auto it = expected.find(key + "@" + quarter);
                const long long n = it == expected.end() ? 0 : it->second;
                const json& count = row.at("counts").at(q);
                INFO(key << "@" << quarter << " = " << n);
                if (count.is_null()) {
                    ++hidden;
                } else {
                    ++shown;
                    CHECK(count.get<long long>() == n);
                }
                if (n > 0 && n < 5) CHECK(count.is_null());
            }
        }
    }
    CHECK(shown > 100);
    CHECK(hidden > 0);  // the rare categories and routes
    long long opened = 0;
    for (const auto& n : answer.at("tables").at(0).at("rows").at(0).at("year_totals"))
        opened += n.get<long long>();
    CHECK(opened == kConcerns);

    const FiguresAttack attack(answer);
    CHECK(attack.hidden() >= static_cast<std::size_t>(hidden));  // and hidden year totals
    for (const auto& [cell, value] : attack.revealed()) FAIL_CHECK(cell << " = " << value);

    // Five years and more on, the admin purges every closed concern.
    auto later = service(path, "2032-06-01T09:00:00Z");
    std::int64_t purged = 0;
    for (bool more = true; more;) {
        const auto report = later->purge({"admin-1", Role::admin}, {false, 1000, {}});
        purged += report.concerns;
        more = report.more;
    }
    const auto closed = std::count_if(truths.begin(), truths.end(), [](const Truth& t) {
        return t.contribution.outcome != "open";
    });
    CHECK(purged == closed);
    const json after = later->figures(manager, "2025-Q1", "2026-Q4");
    CHECK(after.at("tables") == answer.at("tables"));
    CHECK(after.at("median_days") == answer.at("median_days"));
    CHECK(after.at("acute_share") == answer.at("acute_share"));
}

TEST_CASE("figures refuse a quarter that has not begun, whatever year it is", "[figures]") {
    const TempDir dir;
    const std::string path = dir.file("meldcode.db");
    auto mc = service(path, "2026-12-31T22:59:59Z");  // 23:59:59 in Amsterdam: still Q4
    const Actor manager{"board-1", Role::manager};
    CHECK_NOTHROW(mc->figures(manager, "2026-Q4", "2026-Q4"));
    mc.reset();
    mc = service(path, "2026-12-31T23:00:00Z");  // midnight in Amsterdam: 2027-Q1 has begun
    CHECK(mc->figures(manager, "2027-Q1", "2027-Q1").at("quarters").at(0).at("complete") == false);
    try {
        mc->figures(manager, "2027-Q1", "2027-Q2");
        FAIL("2027-Q2 has not begun");
    } catch (const Error& e) {
        CHECK(e.code() == "quarter_in_the_future");
        CHECK(e.pointer() == "/to");
    }
}

}  // namespace meldcode::test
