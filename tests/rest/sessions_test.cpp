// The web UI's sessions and TOTP codes (host_adapters/rest/sessions.h,
// accounts/totp.h): idle and absolute ends, sign-out, the limit per person,
// and RFC 6238's own test vectors. Times are relative to now, never a date.
#include <chrono>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "meldcode/rest/totp.h"
#include "sessions.h"

using meldcoded::SessionStore;
using meldcoded::SessionTimes;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
namespace totp = meldcode::rest::totp;

namespace {

const nlohmann::json kOfficer{{"id", "af-1"}, {"role", "officer"}};

}  // namespace

TEST_CASE("a session ends after 15 idle minutes, and stays ended", "[sessions]") {
    SessionStore store{SessionTimes{}};
    const auto start = SessionStore::Clock::now();
    const auto created = store.create(kOfficer, start);
    REQUIRE(store.use(created.id, start + minutes(14)));
    REQUIRE(store.use(created.id, start + minutes(28)));  // 14 minutes after the last use
    CHECK_FALSE(store.use(created.id, start + minutes(43)));
    CHECK_FALSE(store.use(created.id, start + minutes(29)));  // removed, not merely late
}

TEST_CASE("a session ends 8 hours after sign-in, however active", "[sessions]") {
    SessionStore store{SessionTimes{}};
    const auto start = SessionStore::Clock::now();
    const auto created = store.create(kOfficer, start);
    CHECK(created.session.expires_at == start + hours(8));
    for (auto t = start; t < start + hours(8); t += minutes(10)) {
        const auto session = store.use(created.id, t);
        REQUIRE(session);
        CHECK(session->idle_expires_at(store.times()) <= start + hours(8));
    }
    CHECK_FALSE(store.use(created.id, start + hours(8)));
}

TEST_CASE("a session ended by sign-out is refused, and ids and CSRF tokens are new each time",
          "[sessions]") {
    SessionStore store{SessionTimes{}};
    const auto now = SessionStore::Clock::now();
    std::set<std::string> seen;
    for (int i = 0; i < 5; ++i) {
        const auto created = store.create(kOfficer, now);
        CHECK(created.id.size() == 43);  // 256 bits, base64url
        CHECK(seen.insert(created.id).second);
        CHECK(seen.insert(created.session.csrf_token).second);
    }
    const auto created = store.create(kOfficer, now);
    CHECK(store.end(created.id));
    CHECK_FALSE(store.use(created.id, now));
    CHECK_FALSE(store.end(created.id));
    CHECK_FALSE(store.use("an-id-nobody-was-given", now));
}

TEST_CASE("a person's sign-in beyond the limit ends their least recently used session",
          "[sessions]") {
    SessionStore store{SessionTimes{}, 2};
    const auto now = SessionStore::Clock::now();
    const auto first = store.create(kOfficer, now);
    const auto second = store.create(kOfficer, now + seconds(1));
    REQUIRE(store.use(first.id, now + seconds(2)));  // the second is now the least recent
    const auto observer = store.create({{"id", "af-1"}, {"role", "observer"}}, now + seconds(3));
    const auto third = store.create(kOfficer, now + seconds(4));
    CHECK(store.use(first.id, now + seconds(5)));
    CHECK_FALSE(store.use(second.id, now + seconds(5)));
    CHECK(store.use(third.id, now + seconds(5)));
    CHECK(store.use(observer.id, now + seconds(5)));  // another role: not the officer's
}

TEST_CASE("TOTP codes are RFC 6238's test vectors (SHA-1, the last 6 digits)", "[totp]") {
    const std::string seed = "12345678901234567890";
    CHECK(totp::code(seed, totp::step_of(59)) == "287082");
    CHECK(totp::code(seed, totp::step_of(1111111109)) == "081804");
    CHECK(totp::code(seed, totp::step_of(1111111111)) == "050471");
    CHECK(totp::code(seed, totp::step_of(1234567890)) == "005924");
    CHECK(totp::code(seed, totp::step_of(2000000000)) == "279037");
    CHECK(totp::code(seed, totp::step_of(20000000000)) == "353130");
    CHECK(totp::base32(seed) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST_CASE("a TOTP code is accepted one step either side of now and no further", "[totp]") {
    const std::string seed = "12345678901234567890";
    const std::int64_t now = 1111111111;
    const std::int64_t step = totp::step_of(now);
    for (std::int64_t s = step - 1; s <= step + 1; ++s) {
        CHECK(totp::matching_step(seed, totp::code(seed, s), now) == s);
    }
    CHECK_FALSE(totp::matching_step(seed, totp::code(seed, step - 2), now));
    CHECK_FALSE(totp::matching_step(seed, totp::code(seed, step + 2), now));
    CHECK_FALSE(totp::matching_step(seed, "12345", now));
    CHECK_FALSE(totp::matching_step(seed, "", now));
}
