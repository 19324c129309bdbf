// log.h — structured logs: one JSON object per line on stderr.
//
// Callers pass only operational fields (request id, route template, status,
// duration, reasons). Bodies, tokens, actor ids, unit ids and concern refs
// never go here.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace meldcoded {

enum class Level { debug, info, warn, error };

Level parse_level(const std::string& name);  // "warning" too; unknown names are info

class Logger {
public:
    explicit Logger(const std::string& level);
    void log(Level level, const std::string& message, nlohmann::json fields = {});
    bool enabled(Level level) const { return level >= threshold_; }

private:
    Level threshold_;
    std::mutex mutex_;
};

std::string utc_now_rfc3339();
// "2026-12-05T10:00:00.000Z"
std::string rfc3339(std::chrono::system_clock::time_point time);

}  // namespace meldcoded
