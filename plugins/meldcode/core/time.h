// Time as the core sees it: whole seconds since the Unix epoch, UTC, written
// as RFC 3339 ("2026-11-25T09:30:00Z"). Dates are "YYYY-MM-DD".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace meldcode {

using Timestamp = std::int64_t;  // seconds since the epoch, UTC

std::string format_timestamp(Timestamp t);
// Accepts RFC 3339 date-time with "Z" or a numeric offset; nullopt otherwise
// (also for dates that do not exist, such as February 30).
std::optional<Timestamp> parse_timestamp(const std::string& text);
// Days since the epoch for "YYYY-MM-DD"; nullopt when not a real date.
std::optional<std::int64_t> parse_date(const std::string& text);
std::int64_t day_of(Timestamp t);

}  // namespace meldcode
