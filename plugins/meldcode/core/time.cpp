#include "time.h"

#include <algorithm>
#include <cstdio>

namespace meldcode {
namespace {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

std::optional<std::int64_t> checked_days(int y, unsigned m, unsigned d) {
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return std::nullopt;
    }
    return days_from_civil(y, m, d);
}

}  // namespace

std::int64_t day_of(Timestamp t) { return (t >= 0 ? t : t - 86399) / 86400; }

std::string format_timestamp(Timestamp t) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    const std::int64_t days = day_of(t);
    civil_from_days(days, y, m, d);
    const std::int64_t secs = t - days * 86400;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60));
    return buf;
}

std::optional<std::int64_t> parse_date(const std::string& text) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    int used = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%n", &y, &m, &d, &used) != 3 ||
        used != 10) {
        return std::nullopt;
    }
    return checked_days(y, m, d);
}

std::optional<Timestamp> parse_timestamp(const std::string& text) {
    if (text.size() < 20 || (text[10] != 'T' && text[10] != 't')) return std::nullopt;
    const auto days = parse_date(text.substr(0, 10));
    int hh = 0;
    int mm = 0;
    int ss = 0;
    int used = 0;
    if (!days || std::sscanf(text.c_str() + 11, "%2d:%2d:%2d%n", &hh, &mm, &ss, &used) != 3 ||
        used != 8 || hh > 23 || mm > 59 || ss > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t digits = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == digits) return std::nullopt;
    }
    std::int64_t offset = 0;
    const std::string zone = text.substr(pos);
    if (zone == "Z" || zone == "z") {
        offset = 0;
    } else {
        int oh = 0;
        int om = 0;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
            std::sscanf(zone.c_str() + 1, "%2d:%2d%n", &oh, &om, &used) != 2 || used != 5 ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    }
    return *days * 86400 + hh * 3600 + mm * 60 + std::min(ss, 59) - offset;
}

}  // namespace meldcode
