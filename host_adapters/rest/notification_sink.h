// notification_sink.h — where the plugin's notifications (mc_notifications_set)
// go. Today a sink logs the event; the webhook outbox is another sink added
// to the same list.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "log.h"
#include "meldcode/meldcode.hpp"

namespace meldcoded {

class NotificationSink {
public:
    virtual ~NotificationSink() = default;
    // Runs on the thread that made the change, after it is durable (ABI.md).
    virtual void notify(const nlohmann::json& notification) = 0;
};

// Logs the event name only: refs stay out of logs.
class LoggingSink : public NotificationSink {
public:
    explicit LoggingSink(Logger& log) : log_(log) {}
    void notify(const nlohmann::json& notification) override {
        log_.log(Level::info, "notification", {{"event", notification.value("event", "")}});
    }

private:
    Logger& log_;
};

// Every sink in the list gets every notification, in order.
class SinkList : public NotificationSink {
public:
    void add(NotificationSink& sink) { sinks_.push_back(&sink); }
    void notify(const nlohmann::json& notification) override {
        for (NotificationSink* sink : sinks_) sink->notify(notification);
    }
    // Registers this list with the plugin; it must outlive the instance's use.
    void attach(const meldcode::sdk::Instance& mc) {
        const auto trampoline = [](void* self, const char* text) {
            const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
            if (!parsed.is_discarded()) static_cast<SinkList*>(self)->notify(parsed);
        };
        if (mc.plugin().api().notifications_set(mc.handle(), trampoline, this) != MC_OK) {
            mc.plugin().last_error("mc_notifications_set failed");
        }
    }

private:
    std::vector<NotificationSink*> sinks_;
};

}  // namespace meldcoded
