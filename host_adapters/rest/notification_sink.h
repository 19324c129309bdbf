// notification_sink.h — where the plugin's notifications (mc_notifications_set)
// go. Today a sink logs the event; the webhook outbox is another sink added
// to the same list. Once every sink has a notification durably, the list
// acknowledges its event_id to the plugin (mc_events_ack), which stops
// keeping it (event_replay.h).
#pragma once

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "log.h"
#include "meldcode/meldcode.hpp"

namespace meldcoded {

class NotificationSink {
public:
    virtual ~NotificationSink() = default;
    // Runs on the thread that made the change, after it is durable (ABI.md).
    // True once the sink has it durably: false leaves the event with the
    // plugin, to be replayed.
    virtual bool notify(const nlohmann::json& notification) = 0;
    // Whether the sink passes events on to someone (the webhook outbox): an
    // event is acknowledged only once such a sink has it.
    virtual bool delivers() const { return true; }
};

// Logs the event name only: refs stay out of logs. It delivers nothing, so
// with no other sink an event stays with the plugin: webhooks configured
// later still get it (until the plugin prunes it, docs/webhooks.md).
class LoggingSink : public NotificationSink {
public:
    explicit LoggingSink(Logger& log) : log_(log) {}
    bool notify(const nlohmann::json& notification) override {
        log_.log(Level::info, "notification", {{"event", notification.value("event", "")}});
        return true;
    }
    bool delivers() const override { return false; }

private:
    Logger& log_;
};

// Every sink in the list gets every notification, in order; it is kept once
// every sink that delivers has it, and there is at least one.
class SinkList : public NotificationSink {
public:
    void add(NotificationSink& sink) { sinks_.push_back(&sink); }
    bool notify(const nlohmann::json& notification) override {
        bool kept = delivers();
        for (NotificationSink* sink : sinks_) {
            kept = (sink->notify(notification) || !sink->delivers()) && kept;
        }
        return kept;
    }
    bool delivers() const override {
        return std::any_of(sinks_.begin(), sinks_.end(),
                           [](const NotificationSink* sink) { return sink->delivers(); });
    }
    // Registers this list with the plugin; it must outlive the instance's use.
    void attach(const meldcode::sdk::Instance& mc) {
        mc_ = &mc;
        const auto trampoline = [](void* self, const char* text) {
            const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
            if (!parsed.is_discarded()) static_cast<SinkList*>(self)->take(parsed);
        };
        if (mc.plugin().api().notifications_set(mc.handle(), trampoline, this) != MC_OK) {
            mc.plugin().last_error("mc_notifications_set failed");
        }
    }

private:
    // Every sink's, then acknowledged when all have it. A failed
    // acknowledgement only means the event is replayed, and stored once.
    void take(const nlohmann::json& notification) {
        const auto id = notification.find("event_id");
        if (notify(notification) && id != notification.end() && id->is_string()) {
            mc_->plugin().api().events_ack(mc_->handle(),
                                           id->get_ref<const std::string&>().c_str());
        }
    }

    std::vector<NotificationSink*> sinks_;
    const meldcode::sdk::Instance* mc_ = nullptr;
};

}  // namespace meldcoded
