// Events kept until acknowledged (plugin_api/ABI.md, "Events"): a
// notification is stored in the transaction of its change, so a host killed
// between the change and storing the event gets it again, under the same id,
// from mc_events_replay; what the host acknowledged is not replayed; a change
// that is refused or rolled back keeps nothing.
#include <algorithm>
#include <mutex>
#include <regex>

#include <catch2/catch.hpp>

#include "abi/schema_validator.h"
#include "plugin_fixture.h"

using namespace meldcode::test;
using meldcode::matches_schema;

namespace {

// Every notification as notified, and whether to acknowledge each at once.
struct Listener {
    std::mutex mutex;
    std::vector<json> notifications;
    bool acknowledge = false;

    void attach(const meldcode::sdk::Instance& mc) {
        mc.on_notification([this, &mc](const json& n) {
            bool ack = false;
            {
                std::lock_guard<std::mutex> lock(mutex);
                notifications.push_back(n);
                ack = acknowledge;
            }
            if (ack) mc.acknowledge_event(n.at("event_id"));
        });
    }
    std::vector<json> taken() {
        std::lock_guard<std::mutex> lock(mutex);
        return std::exchange(notifications, {});
    }
};

std::int64_t replay(const StoreFixture& store, std::chrono::seconds older_than = {}) {
    return store.mc().replay_events(older_than, 100);
}

}  // namespace

TEST_CASE(
    "a notification is kept with its change and replayed under the same id until acknowledged") {
    StoreFixture store;
    Listener listener;
    listener.attach(store.mc());
    store.submit("WO-1", "VHE-1", "tech-1", "bewaard tot bevestigd");
    const std::vector<json> first = listener.taken();
    REQUIRE(first.size() == 1);
    CHECK(matches_schema("notification", first[0]));
    const std::string id = first[0].at("event_id");
    CHECK(std::regex_match(id, std::regex("evt_[0-9a-f]{32}")));
    CHECK(first[0].at("concern_ref") == store.only_concern_ref("VHE-1"));
    CHECK(store.rows("events") == 1);
    // Ids only in the store, as notified: never the observation.
    CHECK(store.sql("SELECT notification FROM events").find("bevestigd") == std::string::npos);

    // The host died after the change and before it stored the event: the
    // instance closes without an acknowledgement, as a killed process would.
    store.reopen();
    listener.attach(store.mc());
    CHECK(replay(store) == 1);
    CHECK(listener.taken() == first);  // the same notification, the same id
    // Not acknowledged yet: still there, again.
    CHECK(replay(store) == 1);
    CHECK(listener.taken() == first);

    store.mc().acknowledge_event(id);
    CHECK(replay(store) == 0);  // a replay writes what was acknowledged first
    CHECK(store.rows("events") == 0);
    store.reopen();
    listener.attach(store.mc());
    CHECK(replay(store) == 0);
    CHECK(listener.taken().empty());
}

TEST_CASE("acknowledged events are not replayed, also after a restart, and the others are") {
    StoreFixture store;
    Listener listener;
    listener.acknowledge = true;
    listener.attach(store.mc());
    store.submit("WO-1", "VHE-1", "tech-1", "eerste");
    listener.acknowledge = false;
    store.submit("WO-2", "VHE-2", "tech-1", "tweede");
    const std::vector<json> notified = listener.taken();
    REQUIRE(notified.size() == 2);
    CHECK(notified[0].at("event_id") != notified[1].at("event_id"));

    store.reopen();  // closing writes the acknowledgement held in memory
    listener.attach(store.mc());
    CHECK(replay(store) == 1);
    CHECK(listener.taken() == std::vector<json>{notified[1]});
}

TEST_CASE("a replay takes only events older than asked") {
    StoreFixture store;
    Listener listener;
    listener.attach(store.mc());
    store.submit("WO-1", "VHE-1", "tech-1", "een");
    store.submit("WO-2", "VHE-2", "tech-1", "twee");
    const std::vector<json> notified = listener.taken();
    REQUIRE(notified.size() == 2);
    // Kept just now (the clock is fixed): too young for a replay of a minute.
    CHECK(replay(store, std::chrono::seconds(60)) == 0);
    store.reopen_at("2026-11-25T10:02:00Z");
    listener.attach(store.mc());
    CHECK(replay(store, std::chrono::seconds(60)) == 2);
    // Oldest first by the second they were kept in: here the same second.
    const auto by_id = [](std::vector<json> events) {
        std::sort(events.begin(), events.end(),
                  [](const json& a, const json& b) { return a.at("event_id") < b.at("event_id"); });
        return events;
    };
    CHECK(by_id(listener.taken()) == by_id(notified));
    CHECK(store.mc().replay_events(std::chrono::seconds(60), 1) == 1);
}

TEST_CASE("a refused or rolled-back change keeps no event") {
    StoreFixture store;
    Listener listener;
    listener.attach(store.mc());
    // Refused: the wrong role.
    CHECK_THROWS(store.mc().submit_signals(
        actor("af-1", "officer"),
        ticket_submission({{"host_ticket_id", "WO-1"}, {"unit_id", "VHE-1"}}, "key-1",
                          "geweigerd")));
    CHECK(store.rows("events") == 0);
    // Rolled back after the event was written: the store fails on the
    // figures, which a submission writes after its concern.
    store.tamper(on_postgres()
                     ? "CREATE FUNCTION refuse_figures() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$BEGIN RAISE EXCEPTION 'disk trouble'; END$$; "
                       "CREATE TRIGGER refuse_figures BEFORE INSERT ON figures "
                       "FOR EACH ROW EXECUTE FUNCTION refuse_figures();"
                     : "CREATE TRIGGER refuse_figures BEFORE INSERT ON figures "
                       "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;");
    CHECK_THROWS(store.submit("WO-2", "VHE-2", "tech-1", "teruggedraaid"));
    CHECK(store.rows("concerns") == 0);
    CHECK(store.rows("events") == 0);
    CHECK(listener.taken().empty());
    CHECK(replay(store) == 0);
}

TEST_CASE("events nobody acknowledges are pruned after a week and counted") {
    StoreFixture store;
    store.submit("WO-1", "VHE-1", "tech-1", "nooit bevestigd");
    store.reopen_at("2026-12-01T10:00:00Z");  // six days on: still kept
    CHECK(store.rows("events") == 1);
    CHECK(store.mc().store_stats().at("events_pruned") == 0);
    store.reopen_at("2026-12-02T10:00:01Z");  // a week and a second: pruned when the store opens
    CHECK(store.rows("events") == 0);
    const json stats = store.mc().store_stats();
    CHECK(matches_schema("store_stats", stats));
    CHECK(stats.at("events_pruned") == 1);
}

TEST_CASE("acknowledging and replaying refuse bad arguments and change nothing") {
    StoreFixture store;
    store.submit("WO-1", "VHE-1", "tech-1", "x");
    const auto& api = store.mc().plugin().api();
    mc_instance* mc = store.mc().handle();
    const std::string before = store.data_fingerprint();
    for (const char* bad :
         {"", "evt_", "evt_0F1E2D3C4B5A69788796A5B4C3D2E1F0", "evt_0f1e2d3c4b5a69788796a5b4c3d2e1f",
          "c_0f1e2d3c4b5a69788796a5b4c3d2e1f0"}) {
        INFO(bad);
        CHECK(api.events_ack(mc, bad) == MC_E_ARGUMENT);
        CHECK(std::string(api.last_error()->code) == "invalid_event_id");
    }
    CHECK(api.events_ack(mc, nullptr) == MC_E_ARGUMENT);
    CHECK(api.events_ack(nullptr, "evt_0f1e2d3c4b5a69788796a5b4c3d2e1f0") == MC_E_ARGUMENT);
    // An id this store does not keep: nothing to do, no error.
    CHECK(api.events_ack(mc, "evt_0f1e2d3c4b5a69788796a5b4c3d2e1f0") == MC_OK);
    std::int64_t replayed = 7;
    CHECK(api.events_replay(mc, -1, 10, &replayed) == MC_E_ARGUMENT);
    CHECK(replayed == 0);
    CHECK(api.events_replay(mc, 0, 0, &replayed) == MC_E_ARGUMENT);
    CHECK(api.events_replay(mc, 0, 10'001, &replayed) == MC_E_ARGUMENT);
    CHECK(api.events_replay(mc, 0, 10, nullptr) == MC_E_ARGUMENT);
    CHECK(api.events_replay(nullptr, 0, 10, &replayed) == MC_E_ARGUMENT);
    store.reopen();
    CHECK(store.data_fingerprint() == before);
    CHECK(store.rows("events") == 1);
}
