// What the host sees reveals nothing: prompt tokens and references are
// random, not derived from ids or time, and carry no ticket data.
#include <catch2/catch.hpp>
#include <set>

#include "plugin_fixture.h"

using namespace meldcode::test;

namespace {

std::string hex(const std::string& text) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : text) {
        out += kDigits[c >> 4];
        out += kDigits[c & 0x0f];
    }
    return out;
}

}  // namespace

TEST_CASE("prompt tokens are random and carry no readable ticket data") {
    StoreFixture store;  // a fixed clock: time cannot make tokens differ
    std::set<std::string> tokens;
    const std::string unit = "VHE-UNIQUE-UNIT-42";
    for (int i = 0; i < 50; ++i) {
        const std::string ticket_id = "WO-PRIVATE-" + std::to_string(i);
        const std::string token = store.prompt_for(ticket_id, unit, "tech-1").at("prompt_token");
        tokens.insert(token);
        for (const std::string& secret : {ticket_id, unit, std::string("tech-1")}) {
            CHECK(token.find(secret) == std::string::npos);
            CHECK(token.find(hex(secret)) == std::string::npos);
        }
    }
    CHECK(tokens.size() == 50);
}

TEST_CASE("references are 128-bit random values, unique, unrelated to the ticket") {
    StoreFixture store;
    std::set<std::string> refs;
    const std::string unit = "VHE-UNIQUE-UNIT-42";
    for (int i = 0; i < 50; ++i) {
        // The same unit and observer every time: only randomness can tell them apart.
        // The ids are long: a random 22-character reference may well contain a short
        // fragment such as "VHE" by chance (about one run in 250), never a whole id.
        const std::string ticket_id = "WO-PRIVATE-" + std::to_string(i);
        const std::string ref = store.submit(ticket_id, unit, "tech-1", "tekst");
        REQUIRE(ref.size() == 2 + 22);  // "s_" + 16 bytes in base64url
        for (const std::string& secret : {ticket_id, unit}) {
            CHECK(ref.find(secret) == std::string::npos);
        }
        refs.insert(ref);
    }
    refs.insert(store.only_concern_ref(unit));
    CHECK(refs.size() == 51);
}
