#include "time.h"

#include <algorithm>

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

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

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

std::int64_t day_of(Timestamp t) {
    return (t >= 0 ? t : t - 86399) / 86400;
}

std::string format_timestamp(Timestamp t) {
    int y = 0;
    unsigned m = 0;
    unsigned d = 0;
    const std::int64_t days = day_of(t);
    civil_from_days(days, y, m, d);
    const auto secs = static_cast<unsigned>(t - days * 86400);
    std::string out = "0000-00-00T00:00:00Z";
    const auto put = [&out](std::size_t pos, unsigned value, std::size_t width) {
        for (std::size_t i = pos + width; i-- > pos; value /= 10)
            out[i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(y), 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, secs / 3600, 2);
    put(14, secs / 60 % 60, 2);
    put(17, secs % 60, 2);
    return out;
}

// Reads `count` decimal digits at text[pos]; -1 unless they are all digits.
int digits(const std::string& text, std::size_t pos, std::size_t count) {
    if (pos + count > text.size()) return -1;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool at(const std::string& text, std::size_t pos, char c) {
    return pos < text.size() && text[pos] == c;
}

std::optional<std::int64_t> parse_date(const std::string& text) {
    if (text.size() != 10) return std::nullopt;
    const int y = digits(text, 0, 4);
    const int m = digits(text, 5, 2);
    const int d = digits(text, 8, 2);
    if (y < 0 || m < 0 || d < 0 || !at(text, 4, '-') || !at(text, 7, '-')) return std::nullopt;
    return checked_days(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<Timestamp> parse_timestamp(const std::string& text) {
    // RFC 3339 allows a space for the 'T' (section 5.6, note); JSON Schema validators do too.
    if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
        return std::nullopt;
    }
    const auto days = parse_date(text.substr(0, 10));
    const int hh = digits(text, 11, 2);
    const int mm = digits(text, 14, 2);
    const int ss = digits(text, 17, 2);
    if (!days || hh < 0 || mm < 0 || ss < 0 || !at(text, 13, ':') || !at(text, 16, ':') ||
        hh > 23 || mm > 59 || ss > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (at(text, pos, '.')) {
        const std::size_t first = ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == first) return std::nullopt;
    }
    std::int64_t offset = 0;
    if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        offset = 0;
    } else {
        const int oh = digits(text, pos + 1, 2);
        const int om = digits(text, pos + 4, 2);
        if (pos + 6 != text.size() || (text[pos] != '+' && text[pos] != '-') || oh < 0 || om < 0 ||
            !at(text, pos + 3, ':') || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (text[pos] == '+' ? 1 : -1) * (std::int64_t{oh} * 3600 + std::int64_t{om} * 60);
    }
    // A leap second (:60) counts as the last second of its minute.
    return *days * 86400 + std::int64_t{hh} * 3600 + std::int64_t{mm} * 60 + std::min(ss, 59) -
           offset;
}

}  // namespace meldcode
