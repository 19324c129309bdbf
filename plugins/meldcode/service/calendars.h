// Adapter of the calendar port: the civil date in a time zone, from the
// system's time zone database (Howard Hinnant's date/tz over tzdata).
#pragma once

#include <string>

#include "core/calendar.h"

namespace date {
class time_zone;
}

namespace meldcode {

// Where the meldcode's days are counted: Dutch working days, Dutch dates.
constexpr const char* kCorporationTimeZone = "Europe/Amsterdam";

class ZoneCalendar final : public Calendar {
public:
    // Throws Error(MC_E_INTERNAL) when the time zone database lacks the zone.
    explicit ZoneCalendar(const std::string& zone = kCorporationTimeZone);
    Day local_day(Timestamp t) const override;
    Timestamp start_of(Day day) const override;
    Timestamp local_time(Timestamp t) const override;

private:
    const date::time_zone* zone_;
};

}  // namespace meldcode
