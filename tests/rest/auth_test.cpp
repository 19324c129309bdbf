// The brake on guessing tokens (FailureLimiter): an address over the limit
// is refused until its window ends, and addresses whose window has passed are
// forgotten, so rotating source addresses cannot grow its memory.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "auth.h"

using meldcoded::FailureLimiter;
using std::chrono::seconds;

TEST_CASE("an address over the failure limit is refused until its window ends") {
    FailureLimiter limiter(3, seconds(60));
    const FailureLimiter::Clock::time_point t0{};
    for (int i = 0; i < 3; ++i) {
        CHECK_FALSE(limiter.blocked("10.0.0.1", t0 + seconds(i)));
        limiter.record_failure("10.0.0.1", t0 + seconds(i));
    }
    const auto refusal = limiter.blocked("10.0.0.1", t0 + seconds(10));
    REQUIRE(refusal);
    CHECK(refusal->retry_after == 51);
    CHECK(refusal->first);
    const auto again = limiter.blocked("10.0.0.1", t0 + seconds(11));
    REQUIRE(again);
    CHECK_FALSE(again->first);  // audited once per window, not per refusal
    CHECK_FALSE(limiter.blocked("10.0.0.2", t0 + seconds(10)));
    CHECK_FALSE(limiter.blocked("10.0.0.1", t0 + seconds(60)));
}

TEST_CASE("addresses whose window has passed are forgotten, however many there were") {
    FailureLimiter limiter(3, seconds(60));
    const FailureLimiter::Clock::time_point t0{};
    // One new address a second for ten windows, none of which comes back.
    for (int i = 0; i < 600; ++i) {
        limiter.record_failure("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                               t0 + seconds(i));
        // At most the addresses of the last two windows are remembered.
        REQUIRE(limiter.size() <= 120);
    }
    // A sweep (at 600 s) keeps an address whose window is still open.
    for (int i = 0; i < 3; ++i) limiter.record_failure("10.9.9.9", t0 + seconds(590));
    limiter.record_failure("10.2.0.1", t0 + seconds(600));
    CHECK(limiter.size() <= 62);
    CHECK(limiter.blocked("10.9.9.9", t0 + seconds(620)));
}

TEST_CASE("each ended window leaves the count of its attempts behind, once") {
    FailureLimiter limiter(3, seconds(60), FailureLimiter::Ended::tally);
    const FailureLimiter::Clock::time_point t0{};
    for (int i = 0; i < 5; ++i) {
        if (!limiter.blocked("10.0.0.1", t0 + seconds(i))) {
            limiter.record_failure("10.0.0.1", t0 + seconds(i));
        }
    }
    limiter.record_failure("10.0.0.2", t0 + seconds(30));
    CHECK(limiter.take_ended(t0 + seconds(59)).empty());  // both windows still open
    // Three failures and two refusals; the other address's window is open.
    CHECK(limiter.take_ended(t0 + seconds(60)) == std::vector<long>{5});
    CHECK(limiter.take_ended(t0 + seconds(61)).empty());
    // A new failure after the window starts a new one; the old one is counted.
    limiter.record_failure("10.0.0.2", t0 + seconds(95));
    limiter.record_failure("10.0.0.2", t0 + seconds(96));
    CHECK(limiter.take_ended(t0 + seconds(97)) == std::vector<long>{1});
    // When the sidecar stops, the open windows count too.
    CHECK(limiter.take_ended(t0 + seconds(98), true) == std::vector<long>{2});
    CHECK(limiter.size() == 0);
}

TEST_CASE("a limiter that forgets its windows keeps no counts") {
    FailureLimiter limiter(3, seconds(60));
    const FailureLimiter::Clock::time_point t0{};
    limiter.record_failure("10.0.0.1", t0);
    CHECK(limiter.take_ended(t0 + seconds(120), true).empty());
    CHECK(limiter.size() == 0);
}
