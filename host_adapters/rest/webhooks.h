// webhooks.h — the webhook outbox as one more notification sink
// (docs/webhooks.md): the configuration becomes outbox options, and every
// plugin notification (ids only) is enqueued durably before the plugin's
// call returns to the HTTP handler.
#pragma once

#include <string>

#include "config.h"
#include "log.h"
#include "meldcode/rest/webhook_outbox.h"
#include "notification_sink.h"

namespace meldcoded {

// Resolves each endpoint's secret from its environment variable or file and
// the store path (default: webhooks.db next to the plugin's store). Throws
// std::runtime_error naming the endpoint by index, never the secret.
meldcode::rest::WebhookOutboxOptions outbox_options(const Config& config, const Getenv& getenv,
                                                    Logger& log);

// The outbox's counts in Prometheus text format, for /metrics: dead letters
// are what an operator must see.
std::string webhook_gauges(const meldcode::rest::WebhookOutboxStats& stats);

class OutboxSink : public NotificationSink {
public:
    explicit OutboxSink(meldcode::rest::WebhookOutbox& outbox, Logger& log)
        : outbox_(outbox), log_(log) {}
    // A store failure is the outbox's to handle (it holds the event in
    // memory and stores it later); what it still throws (an event it refuses,
    // or too many held) is logged with the event's name, not thrown: the
    // plugin's change is already durable and no exception may cross its C
    // frames. True once the outbox stored it (held in memory is not yet:
    // the plugin keeps the event and it is replayed).
    bool notify(const nlohmann::json& notification) override;

private:
    meldcode::rest::WebhookOutbox& outbox_;
    Logger& log_;
};

}  // namespace meldcoded
