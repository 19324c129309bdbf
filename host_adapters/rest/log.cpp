#include "log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace meldcoded {

Level parse_level(const std::string& name) {
    if (name == "debug") return Level::debug;
    if (name == "warn" || name == "warning") return Level::warn;
    if (name == "error") return Level::error;
    return Level::info;
}

namespace {

const char* level_name(Level level) {
    static const char* names[] = {"debug", "info", "warn", "error"};
    return names[static_cast<int>(level)];
}

}  // namespace

std::string utc_now_rfc3339() {
    return rfc3339(std::chrono::system_clock::now());
}

std::string rfc3339(std::chrono::system_clock::time_point now) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
    return buf;
}

Logger::Logger(const std::string& level) : threshold_(parse_level(level)) {}

void Logger::log(Level level, const std::string& message, nlohmann::json fields) {
    if (!enabled(level)) return;
    nlohmann::json line{
        {"time", utc_now_rfc3339()}, {"level", level_name(level)}, {"msg", message}};
    if (fields.is_object()) line.update(fields);
    const std::string text = line.dump() + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace meldcoded
