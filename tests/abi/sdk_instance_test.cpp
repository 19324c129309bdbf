// The C++ SDK's Instance beyond the typed operations: a function called by
// its C name (how a new operation becomes one line) and the notification
// listener it owns.
#include <catch2/catch.hpp>
#include <mutex>
#include <vector>

#include "plugin_fixture.h"

using namespace meldcode::test;

TEST_CASE("the SDK calls an operation by its C name and owns the notification listener") {
    StoreFixture store;
    const auto& mc = store.mc();
    std::mutex mutex;
    std::vector<json> received;
    mc.on_notification([&](const json& n) {
        std::lock_guard<std::mutex> lock(mutex);
        received.push_back(n);
    });
    store.submit("WO-1", "VHE-1", "tech-1", "tekst");
    const json page = mc.call("mc_concerns_list", actor("af-1", "officer"), json::object());
    REQUIRE(page.at("items").size() == 1);
    {
        std::lock_guard<std::mutex> lock(mutex);
        REQUIRE(received.size() == 1);
        CHECK(received.at(0).at("event") == "concern_created");
        CHECK(received.at(0).at("concern_ref") == page.at("items").at(0).at("concern_ref"));
    }

    mc.on_notification(nullptr);
    store.submit("WO-2", "VHE-2", "tech-1", "tekst");
    CHECK(received.size() == 1);

    try {
        mc.call("mc_no_such_function", actor("af-1", "officer"), json::object());
        FAIL("a missing function was called");
    } catch (const meldcode::sdk::Error& e) {
        CHECK(e.code() == "missing_symbol");
    }
}

TEST_CASE("the SDK refuses to call a function of another shape by its C name") {
    // Given (actor, request), mc_audit_verify would write its answer where
    // the request is: each such function has its own method instead.
    StoreFixture store;
    const json auditor = actor("audit-1", "auditor");
    for (const char* function : {"mc_audit_verify", "mc_audit_record", "mc_extensions_get",
                                 "mc_steps_due", "mc_catalog_get"}) {
        INFO(function);
        try {
            store.mc().call(function, auditor, json::object());
            FAIL("called with the wrong shape");
        } catch (const meldcode::sdk::Error& e) {
            CHECK(e.status() == MC_E_ARGUMENT);
            CHECK(e.code() == "not_an_actor_request_function");
        }
    }
    CHECK(store.mc().verify_audit(auditor).at("ok") == true);
}
