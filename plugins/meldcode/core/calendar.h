// Dates as people in the Netherlands count them: the civil date where the
// corporation is (Europe/Amsterdam), and working days. Pure: the time zone
// database is read by an adapter (service/calendars.h) behind Calendar.
#pragma once

#include <cstdint>
#include <string>

#include "time.h"

namespace meldcode {

// Days since the epoch of a civil date: what core/time.h's parse_date gives.
using Day = std::int64_t;

// Port: the civil date a moment falls on where the corporation is. A review
// date of today must be today from local midnight, not from midnight UTC.
class Calendar {
public:
    virtual ~Calendar() = default;
    virtual Day local_day(Timestamp t) const = 0;
    // The first moment of a civil date (local midnight, or the first moment
    // after it that exists).
    virtual Timestamp start_of(Day day) const = 0;
    // The wall-clock reading there at `t`, as seconds since the epoch of a
    // clock that shows local time (what a document dated for people shows).
    virtual Timestamp local_time(Timestamp t) const = 0;
};

// Dutch general holidays as the Algemene termijnenwet (art. 3) counts them
// for time limits: New Year's Day, Easter Monday, Ascension Day, Whit Monday,
// King's Day (27 April, or the 26th when the 27th is a Sunday), 5 May and
// both Christmas days. Good Friday is not one.
bool is_public_holiday(Day day);
// Not a Saturday, not a Sunday, not a public holiday.
bool is_working_day(Day day);
// The n-th working day after `day` (n >= 1; `day` itself never counts).
Day add_working_days(Day day, int n);
// "YYYY-MM-DD".
std::string format_date(Day day);
// The civil year and month (1-12) of a day, without formatting it.
struct YearMonth {
    int year;
    int month;
};
YearMonth year_month_of(Day day);

}  // namespace meldcode
