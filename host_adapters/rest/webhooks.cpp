#include "webhooks.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace meldcoded {

namespace {

std::string secret_of(const WebhookEndpointConfig& endpoint, const Getenv& getenv,
                      std::size_t index) {
    const std::string where = "webhooks.endpoints[" + std::to_string(index) + "]";
    std::string secret;
    if (!endpoint.secret_env.empty()) {
        const char* value = getenv(endpoint.secret_env.c_str());
        if (value != nullptr) secret = value;
    } else {
        // Whoever reads the secret can forge events: the owner only, as the key ring.
        struct stat info {};
        if (::stat(endpoint.secret_file.c_str(), &info) != 0) {
            throw std::runtime_error(where + ": cannot read secret_file");
        }
        if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            throw std::runtime_error(
                where + ": secret_file is accessible to group or others; chmod 600 it");
        }
        std::ifstream in(endpoint.secret_file);
        if (!in) throw std::runtime_error(where + ": cannot read secret_file");
        std::stringstream text;
        text << in.rdbuf();
        secret = text.str();
        if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    }
    if (secret.empty()) throw std::runtime_error(where + ": the secret is empty or unset");
    return secret;
}

}  // namespace

meldcode::rest::WebhookOutboxOptions outbox_options(const Config& config, const Getenv& getenv,
                                                    Logger& log) {
    meldcode::rest::WebhookOutboxOptions options;
    options.postgresql = shared_store_conninfo(config);
    if (options.postgresql.empty()) {
        options.store_path = config.webhooks.store_path.empty()
                                 ? sidecar_file(config, "webhooks.db")
                                 : config.webhooks.store_path;
    }
    for (std::size_t i = 0; i < config.webhooks.endpoints.size(); ++i) {
        const WebhookEndpointConfig& endpoint = config.webhooks.endpoints[i];
        options.endpoints.push_back({endpoint.url, secret_of(endpoint, getenv, i)});
    }
    options.max_attempts = config.webhooks.max_attempts;
    options.base_delay = std::chrono::milliseconds(config.webhooks.base_delay_ms);
    options.max_delay = std::chrono::milliseconds(config.webhooks.max_delay_ms);
    // The outbox's records carry ids and endpoint origins only.
    options.log = [&log](const nlohmann::json& record) {
        nlohmann::json fields = record;
        fields.erase("level");
        fields.erase("msg");
        log.log(parse_level(record.value("level", "info")), record.value("msg", "webhook"), fields);
    };
    return options;
}

std::string webhook_gauges(const meldcode::rest::WebhookOutboxStats& stats) {
    std::ostringstream out;
    out << "# HELP meldcoded_webhook_deliveries Webhook deliveries in the outbox, by state.\n"
           "# TYPE meldcoded_webhook_deliveries gauge\n"
        << "meldcoded_webhook_deliveries{state=\"pending\"} " << stats.pending << '\n'
        << "meldcoded_webhook_deliveries{state=\"delivered\"} " << stats.delivered << '\n'
        << "meldcoded_webhook_deliveries{state=\"dead\"} " << stats.dead << '\n'
        << "# HELP meldcoded_webhook_events_held_in_memory Webhook events the outbox file "
           "refused, held in memory until it takes them (the plugin keeps them too: a next start "
           "delivers them).\n"
           "# TYPE meldcoded_webhook_events_held_in_memory gauge\n"
        << "meldcoded_webhook_events_held_in_memory " << stats.held << '\n';
    return out.str();
}

bool OutboxSink::notify(const nlohmann::json& notification) {
    try {
        bool stored = false;
        outbox_.enqueue(notification, &stored);
        return stored;
    } catch (const std::exception& e) {
        // Ids only: the event's name, never its refs.
        log_.log(Level::error, "webhook_enqueue_failed",
                 {{"event", notification.value("event", "")}, {"error", e.what()}});
        return false;
    }
}

}  // namespace meldcoded
