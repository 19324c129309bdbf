// Many host threads at once on one instance.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 25;
constexpr auto kSubmissions = static_cast<std::size_t>(kThreads) * kPerThread;

template <typename Fn>
void in_threads(int count, Fn&& fn) {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(count));
    for (int t = 0; t < count; ++t) threads.emplace_back(fn, t);
    for (auto& thread : threads) thread.join();
}

}  // namespace

TEST_CASE("8 threads submitting at once: every submission lands exactly once") {
    StoreFixture store;
    std::mutex mutex;
    std::set<std::string> receipts;
    std::atomic<int> failures{0};
    in_threads(kThreads, [&](int t) {
        for (int i = 0; i < kPerThread; ++i) {
            const std::string id = std::to_string(t) + "-" + std::to_string(i);
            try {
                // Each thread has its own units; retries of the same key race too.
                const std::string ref = store.submit("WO-" + id, "VHE-" + std::to_string(t),
                                                     "tech-" + std::to_string(t), "tekst " + id);
                std::lock_guard<std::mutex> lock(mutex);
                receipts.insert(ref);
            } catch (const std::exception&) {
                ++failures;
            }
        }
    });
    CHECK(failures == 0);
    CHECK(receipts.size() == kSubmissions);
    CHECK(store.rows("submissions") == static_cast<long long>(kSubmissions));
    CHECK(store.rows("concerns") == kThreads);  // one per unit: later ones attached
    // The calls shared commits (group commit): each is in the chain once.
    const json audit = store.mc().verify_audit(actor("audit-1", "auditor"));
    CHECK(audit.at("ok") == true);
    CHECK(audit.at("rows").get<long long>() >= static_cast<long long>(kSubmissions));
}

TEST_CASE("concurrent retries of one submission store it once") {
    StoreFixture store;
    const json prompt = store.prompt_for("WO-1", "VHE-1", "tech-1");
    const json payload = submission(prompt.at("prompt_token"), "key-same", "tekst");
    std::mutex mutex;
    std::set<std::string> receipts;
    in_threads(kThreads, [&](int) {
        const json receipt = store.mc().submit_signals(actor("tech-1", "observer"), payload);
        std::lock_guard<std::mutex> lock(mutex);
        receipts.insert(receipt.at("submission_ref").get<std::string>());
    });
    CHECK(receipts.size() == 1);
    CHECK(store.rows("submissions") == 1);
}

TEST_CASE("concurrent ticket-closed calls for one ticket prompt exactly once") {
    StoreFixture store;
    std::atomic<int> asked{0};
    in_threads(kThreads, [&](int t) {
        const json prompt = store.mc().ticket_closed(
            actor("erp", "integration"), ticket("WO-RACE", "VHE-" + std::to_string(t), "tech-1"));
        if (prompt.at("ask") == true) ++asked;
    });
    CHECK(asked == 1);
}

TEST_CASE("two instances on one PostgreSQL store prompt for each ticket once", "[postgres]") {
    StoreFixture store;
    const meldcode::sdk::Instance other(plugin(), store.config());
    const meldcode::sdk::Instance* instances[] = {&store.mc(), &other};
    constexpr int kTickets = 20;
    std::atomic<int> asked{0};
    // Each thread reports every ticket, half of them on each instance: a
    // ticket is asked about once, whichever instance got there first.
    in_threads(kThreads, [&](int t) {
        for (int i = 0; i < kTickets; ++i) {
            const json prompt = instances[(t + i) % 2]->ticket_closed(
                actor("erp", "integration"), ticket("WO-" + std::to_string(i), "VHE-1", "tech-1"));
            if (prompt.at("ask") == true) ++asked;
        }
    });
    CHECK(asked == kTickets);
    CHECK(store.rows("prompts") == kTickets);
    // An instance started later knows them from the store, also for a
    // ticket it would not ask about now.
    const meldcode::sdk::Instance later(plugin(), store.config());
    json late = ticket("WO-0", "VHE-1", "tech-1");
    CHECK(later.ticket_closed(actor("erp", "integration"), late).at("reason") ==
          "already_prompted");
    late["host_ticket_id"] = "WO-1";
    late["entered_dwelling"] = false;
    CHECK(later.ticket_closed(actor("erp", "integration"), late).at("reason") ==
          "already_prompted");
}
