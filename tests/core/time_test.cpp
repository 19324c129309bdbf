// RFC 3339 timestamps and dates as the core reads and writes them.
#include "core/time.h"
#include "core_test_support.h"

namespace meldcode::test {
namespace {

using Text = std::string;

}  // namespace

TEST_CASE("known timestamps format and parse both ways", "[time]") {
    const auto [t, text] = GENERATE(values<std::pair<Timestamp, Text>>({
        {0, "1970-01-01T00:00:00Z"},
        {1, "1970-01-01T00:00:01Z"},
        {86399, "1970-01-01T23:59:59Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {1772359200, "2026-03-01T10:00:00Z"},
        {1798761599, "2026-12-31T23:59:59Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {-86400, "1969-12-31T00:00:00Z"},
        {-86401, "1969-12-30T23:59:59Z"},
        {-2208988800, "1900-01-01T00:00:00Z"},
        {253402300799, "9999-12-31T23:59:59Z"},
    }));
    INFO(text);
    CHECK(format_timestamp(t) == text);
    CHECK(parse_timestamp(text) == t);
}

TEST_CASE("format and parse round-trip over a wide range", "[time]") {
    // A prime step so every second of the day and day of the cycle turns up.
    for (Timestamp t = -2208988800; t < 4102444800; t += 7919 * 3607) {
        INFO(t);
        const auto parsed = parse_timestamp(format_timestamp(t));
        REQUIRE(parsed == t);
    }
}

TEST_CASE("offsets and fractions are understood", "[time]") {
    const Timestamp utc = *parse_timestamp("2026-03-01T10:00:00Z");
    const auto [text, expected] = GENERATE_COPY(values<std::pair<Text, Timestamp>>({
        {"2026-03-01T11:00:00+01:00", utc},
        {"2026-03-01T09:00:00-01:00", utc},
        {"2026-03-01T15:30:00+05:30", utc},
        {"2026-03-01T10:00:00+00:00", utc},
        {"2026-03-01T10:00:00-00:00", utc},
        {"2026-03-01T10:00:00+01:00", utc - 3600},
        {"2026-03-01t10:00:00z", utc},
        {"2026-03-01 10:00:00Z", utc},  // RFC 3339 5.6 allows a space for the T
        {"2026-03-01T10:00:00.5Z", utc},
        {"2026-03-01T10:00:00.999999999Z", utc},
        {"2026-03-01T11:00:00.123+01:00", utc},
        {"2026-03-01T00:30:00+01:00", utc - 10 * 3600 - 1800},
        {"2026-03-01T10:00:60Z", utc + 59},  // a leap second counts as :59
    }));
    INFO(text);
    CHECK(parse_timestamp(text) == expected);
}

TEST_CASE("invalid timestamps are rejected", "[time]") {
    const auto text =
        GENERATE(as<Text>{}, "", "garbage", "2026-03-01", "2026-03-01T10:00:00",
                 "2026-03-01T10:00Z", "2026-03-01T10:00:00 Z", "2026-03-01T10:00:00ZZ",
                 "2026-13-01T10:00:00Z", "2026-00-10T10:00:00Z", "2025-02-29T10:00:00Z",
                 "2026-04-31T10:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T10:60:00Z",
                 "2026-03-01T10:00:61Z", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00,5Z",
                 "2026-03-01T10:00:00+0100", "2026-03-01T10:00:00+01", "2026-03-01T10:00:00+24:00",
                 "2026-03-01T10:00:00+01:60", "2026-03-01T10:00:00CET", "1899-12-31T23:59:59Z",
                 "10000-01-01T00:00:00Z", "2026-3-01T10:00:00Z");
    INFO("'" << text << "'");
    CHECK(parse_timestamp(text) == std::nullopt);
}

TEST_CASE("signs or spaces inside a number are rejected", "[time]") {
    // sscanf's %d and %u read "-1", "+1" and " 1" as numbers: RFC 3339 wants digits.
    SECTION("in a timestamp") {
        const auto text = GENERATE(
            as<Text>{}, "2026-03-01T-1:00:00Z", "2026-03-01T+1:00:00Z", "2026-03-01T 1:00:00Z",
            "2026-03-01T10:-1:00Z", "2026-03-01T10:00:-1Z", "2026-03-01T10:00:00+-1:00",
            "2026-03-01T10:00:00+ 1:00", "2026-03-01T10:00:00+01:-1", "2026-+3-01T10:00:00Z");
        INFO("'" << text << "'");
        CHECK(parse_timestamp(text) == std::nullopt);
    }
    SECTION("in a date") {
        const auto text = GENERATE(as<Text>{}, "2026-+3-01", "2026- 3-01", "2026-03-+1",
                                   "2026-03- 1", "2026-03--1");
        INFO("'" << text << "'");
        CHECK(parse_date(text) == std::nullopt);
    }
}

TEST_CASE("dates are days since the epoch, real dates only", "[time]") {
    CHECK(parse_date("1970-01-01") == 0);
    CHECK(parse_date("1970-01-02") == 1);
    CHECK(parse_date("1969-12-31") == -1);
    CHECK(parse_date("2000-02-29") == 11016);
    CHECK(parse_date("2026-03-01") == 20513);
    CHECK(parse_date("1900-01-01") == -25567);
    CHECK(parse_date("2024-02-29") == *parse_date("2024-02-28") + 1);
    CHECK(parse_date("2024-03-01") == *parse_date("2024-02-29") + 1);
    CHECK(parse_date("2026-03-01") == *parse_date("2026-02-28") + 1);

    const auto bad =
        GENERATE(as<Text>{}, "", "2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01",
                 "2026-00-01", "2026-01-00", "2026-01-32", "2026-04-31", "2026-3-1", "26-03-01",
                 "2026/03/01", "2026-03-01T00:00:00Z", "2026-03-01 ", " 2026-03-01", "1899-12-31",
                 "yyyy-mm-dd", "+026-03-01");
    INFO("'" << bad << "'");
    CHECK(parse_date(bad) == std::nullopt);
}

TEST_CASE("leap years follow the Gregorian rules", "[time]") {
    CHECK(parse_date("2000-02-29"));
    CHECK(parse_date("2024-02-29"));
    CHECK(parse_date("2400-02-29"));
    CHECK_FALSE(parse_date("1900-02-29"));
    CHECK_FALSE(parse_date("2100-02-29"));
    CHECK_FALSE(parse_date("2026-02-29"));
}

TEST_CASE("day_of rounds towards the past, also before 1970", "[time]") {
    const auto [t, day] = GENERATE(values<std::pair<Timestamp, std::int64_t>>({
        {0, 0},
        {86399, 0},
        {86400, 1},
        {-1, -1},
        {-86399, -1},
        {-86400, -1},
        {-86401, -2},
        {-2208988800, -25567},
    }));
    INFO(t);
    CHECK(day_of(t) == day);
    CHECK(day_of(*parse_timestamp(format_timestamp(t))) == day);
}

TEST_CASE("day_of of a parsed timestamp is its date", "[time]") {
    CHECK(day_of(*parse_timestamp("2026-03-01T23:59:59Z")) == *parse_date("2026-03-01"));
    CHECK(day_of(*parse_timestamp("2026-03-01T00:30:00+01:00")) == *parse_date("2026-02-28"));
    CHECK(day_of(*parse_timestamp("1969-12-31T12:00:00Z")) == *parse_date("1969-12-31"));
}

}  // namespace meldcode::test
