#include "service/calendars.h"

#include <date/tz.h>

#include "core/errors.h"

namespace meldcode {

ZoneCalendar::ZoneCalendar(const std::string& zone) {
    try {
        zone_ = date::locate_zone(zone);
    } catch (const std::exception&) {
        throw Error(MC_E_INTERNAL, "time_zone_missing",
                    "the time zone database has no " + zone + " (install tzdata)");
    }
}

Day ZoneCalendar::local_day(Timestamp t) const {
    const date::sys_seconds at{std::chrono::seconds{t}};
    const auto local = zone_->to_local(at);
    return date::floor<date::days>(local).time_since_epoch().count();
}

Timestamp ZoneCalendar::local_time(Timestamp t) const {
    const date::sys_seconds at{std::chrono::seconds{t}};
    return zone_->to_local(at).time_since_epoch().count();
}

Timestamp ZoneCalendar::start_of(Day day) const {
    const date::local_days midnight{date::days{day}};
    return zone_->to_sys(midnight, date::choose::earliest).time_since_epoch().count();
}

}  // namespace meldcode
