#include "calendar.h"

#include <date/date.h>

namespace meldcode {
namespace {

using date::days;
using date::sys_days;
using date::year_month_day;

sys_days to_sys(Day day) {
    return sys_days{days{day}};
}

Day from_ymd(const year_month_day& ymd) {
    return sys_days{ymd}.time_since_epoch().count();
}

// Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus).
Day easter_sunday(int y) {
    const int a = y % 19;
    const int b = y / 100;
    const int c = y % 100;
    const int d = b / 4;
    const int e = b % 4;
    const int f = (b + 8) / 25;
    const int g = (b - f + 1) / 3;
    const int h = (19 * a + b - d - g + 15) % 30;
    const int i = c / 4;
    const int k = c % 4;
    const int l = (32 + 2 * e + 2 * i - h - k) % 7;
    const int m = (a + 11 * h + 22 * l) / 451;
    const unsigned month = static_cast<unsigned>((h + l - 7 * m + 114) / 31);
    const unsigned day = static_cast<unsigned>((h + l - 7 * m + 114) % 31 + 1);
    return from_ymd(date::year{y} / date::month{month} / date::day{day});
}

Day kings_day(int y) {
    const Day the_27th = from_ymd(date::year{y} / date::April / 27);
    return date::weekday{to_sys(the_27th)} == date::Sunday ? the_27th - 1 : the_27th;
}

}  // namespace

bool is_public_holiday(Day day) {
    const year_month_day ymd{to_sys(day)};
    const unsigned m = static_cast<unsigned>(ymd.month());
    const unsigned d = static_cast<unsigned>(ymd.day());
    if ((m == 1 && d == 1) || (m == 5 && d == 5) || (m == 12 && (d == 25 || d == 26))) return true;
    const int y = static_cast<int>(ymd.year());
    const Day easter = easter_sunday(y);
    return day == easter + 1 || day == easter + 39 || day == easter + 50 || day == kings_day(y);
}

bool is_working_day(Day day) {
    const date::weekday wd{to_sys(day)};
    return wd != date::Saturday && wd != date::Sunday && !is_public_holiday(day);
}

Day add_working_days(Day day, int n) {
    while (n > 0) {
        ++day;
        if (is_working_day(day)) --n;
    }
    return day;
}

std::string format_date(Day day) {
    return date::format("%F", to_sys(day));
}

YearMonth year_month_of(Day day) {
    const year_month_day ymd{to_sys(day)};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

}  // namespace meldcode
