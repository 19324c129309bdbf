// Dutch working days (core/calendar.h): the public holidays of the
// Algemene termijnenwet, weekends, and counting across them.
#include <catch2/catch.hpp>

#include "core/calendar.h"

namespace meldcode::test {
namespace {

Day day(const char* text) {
    return *parse_date(text);
}

}  // namespace

TEST_CASE("the Dutch public holidays are not working days", "[calendar]") {
    const auto holiday = GENERATE(as<std::string>{},
                                  "2026-01-01",  // New Year's Day
                                  "2026-04-06",  // Easter Monday (Easter 5 April)
                                  "2026-04-27",  // King's Day, a Monday
                                  "2026-05-05",  // Liberation Day, a Tuesday
                                  "2026-05-14",  // Ascension Day
                                  "2026-05-25",  // Whit Monday
                                  "2026-12-25", "2026-12-26",
                                  "2027-03-29",   // Easter Monday (Easter 28 March)
                                  "2027-05-06",   // Ascension Day
                                  "2025-04-26");  // King's Day on the 26th: the 27th is a Sunday
    INFO(holiday);
    CHECK(is_public_holiday(day(holiday.c_str())));
    CHECK_FALSE(is_working_day(day(holiday.c_str())));
}

TEST_CASE("ordinary days, Good Friday included, are working days on weekdays", "[calendar]") {
    CHECK(is_working_day(day("2026-04-03")));  // Good Friday: not in the Algemene termijnenwet
    CHECK(is_working_day(day("2025-04-28")));  // the Monday after King's Day 2025
    CHECK(is_working_day(day("2026-12-24")));
    CHECK_FALSE(is_public_holiday(day("2025-04-27")));  // a Sunday, not celebrated then
    CHECK_FALSE(is_working_day(day("2026-03-07")));     // Saturday
    CHECK_FALSE(is_working_day(day("2026-03-08")));     // Sunday
}

TEST_CASE("working days are counted after the day, over weekends and holidays", "[calendar]") {
    CHECK(format_date(add_working_days(day("2026-03-02"), 5)) == "2026-03-09");  // Mon -> Mon
    CHECK(format_date(add_working_days(day("2026-03-06"), 1)) == "2026-03-09");  // Fri -> Mon
    CHECK(format_date(add_working_days(day("2026-03-07"), 1)) == "2026-03-09");  // Sat -> Mon
    // Friday before Easter Monday 2027.
    CHECK(format_date(add_working_days(day("2027-03-26"), 5)) == "2027-04-05");
    // Ascension Thursday and the weekend.
    CHECK(format_date(add_working_days(day("2026-05-13"), 2)) == "2026-05-18");
    CHECK(format_date(add_working_days(day("2026-12-24"), 5)) == "2027-01-04");
}

}  // namespace meldcode::test
