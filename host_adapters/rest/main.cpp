// meldcoded: the HTTP sidecar. A host like any other: it loads libmeldcode
// with Boost.DLL through the public C ABI only and offers every operation
// as REST under /v1/ (docs/http-sidecar.md, schemas/openapi.yaml).
#include <pthread.h>
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "config.h"
#include "event_replay.h"
#include "host_orders.h"
#include "http_server.h"
#include "log.h"
#include "meldcode/meldcode.hpp"
#include "notification_sink.h"
#include "sidecar.h"
#include "steps_due_schedule.h"
#include "webhooks.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCannotListen = 3;

// Where environment overrides and webhook secrets are read from.
const char* process_environment(const char* name) {
    return std::getenv(name);
}

// Reads the configuration: the file, then MELDCODED_* variables, then options.
meldcoded::Config configure(const po::variables_map& options) {
    std::string path = options.count("config") ? options["config"].as<std::string>() : "";
    const char* from_environment = process_environment("MELDCODED_CONFIG");
    if (path.empty() && from_environment != nullptr) path = from_environment;
    if (path.empty())
        throw std::runtime_error("no configuration: pass --config or MELDCODED_CONFIG");
    meldcoded::Config config = meldcoded::load_config(path);
    meldcoded::apply_environment(config, process_environment);
    if (options.count("address")) config.address = options["address"].as<std::string>();
    if (options.count("port")) config.port = options["port"].as<std::uint16_t>();
    if (options.count("plugin")) config.plugin_path = options["plugin"].as<std::string>();
    if (options.count("log-level")) config.log_level = options["log-level"].as<std::string>();
    meldcoded::check_overrides(config);
    meldcoded::check_listen_policy(config);
    return config;
}

// `meldcoded_build_info` for /metrics: what runs, without any datum.
std::string build_info(const meldcode::sdk::Plugin& plugin) {
    const nlohmann::json info = plugin.info();
    return "# HELP meldcoded_build_info The sidecar's version and the plugin's ABI.\n"
           "# TYPE meldcoded_build_info gauge\n"
           "meldcoded_build_info{version=\"" MELDCODED_VERSION "\",plugin_abi=\"" +
           info.value("abi_version", std::string("unknown")) + "\"} 1\n";
}

// SIGTERM and SIGINT are blocked in every thread (the HTTP threads inherit the
// mask) and taken synchronously by the main thread in wait_for_stop().
sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

// The plugin meldcoded is configured with. The SDK's hint names the SDK's
// variable (MELDCODE_PLUGIN), which meldcoded does not read: its own are
// plugin_path and MELDCODED_PLUGIN.
std::shared_ptr<const meldcode::sdk::Plugin> load_plugin(const meldcoded::Config& config) {
    try {
        return std::make_shared<const meldcode::sdk::Plugin>(config.plugin_path);
    } catch (const meldcode::sdk::Error& e) {
        if (e.code().rfind("plugin_not_", 0) != 0) throw;
        std::string message = e.message();
        const std::string sdk_hint = " (set MELDCODE_PLUGIN or pass the path of libmeldcode.so)";
        if (const auto at = message.find(sdk_hint); at != std::string::npos) {
            message.erase(at, sdk_hint.size());
        }
        throw meldcode::sdk::Error(
            e.status(), e.code(),
            message + " (set plugin_path in the configuration, or MELDCODED_PLUGIN)", e.pointer());
    }
}

int serve(const meldcoded::Config& config) {
    meldcoded::Logger log(config.log_level);
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const auto plugin = load_plugin(config);
    meldcode::sdk::Instance mc(plugin, config.plugin);
    meldcoded::LoggingSink logging_sink(log);
    meldcoded::SinkList sinks;
    sinks.add(logging_sink);
    std::unique_ptr<meldcode::rest::WebhookOutbox> outbox;
    std::unique_ptr<meldcoded::OutboxSink> outbox_sink;
    if (!config.webhooks.endpoints.empty()) {
        outbox = std::make_unique<meldcode::rest::WebhookOutbox>(
            meldcoded::outbox_options(config, process_environment, log));
        outbox_sink = std::make_unique<meldcoded::OutboxSink>(*outbox, log);
        sinks.add(*outbox_sink);
        outbox->start();  // pending deliveries from an earlier run go out too
    }
    sinks.attach(mc);
    // Events a killed meldcoded left unacknowledged go out now (same ids),
    // and those of any instance on the store that died after a minute.
    meldcoded::EventReplay event_replay(mc, log);
    if (sinks.delivers()) event_replay.start();  // else kept for a run with webhooks
    // With webhooks, due steps are looked for here: the host need not poll.
    // Several meldcoded on one shared store take turns.
    std::unique_ptr<meldcoded::SharedTurn> steps_due_turn;
    std::unique_ptr<meldcoded::StepsDueSchedule> steps_due;
    if (outbox) {
        const std::string shared = meldcoded::shared_store_conninfo(config);
        if (!shared.empty()) {
            steps_due_turn = std::make_unique<meldcoded::SharedTurn>(shared, "steps_due");
        }
        steps_due = std::make_unique<meldcoded::StepsDueSchedule>(
            mc, log, std::chrono::seconds(config.webhooks.steps_due_interval_seconds),
            steps_due_turn.get());
        steps_due->start();
    }

    meldcoded::HostOrders host_orders(config);
    meldcoded::Sidecar sidecar(config, mc, log, host_orders);
    if (outbox) {
        sidecar.metrics().add_gauges(
            [&outbox] { return meldcoded::webhook_gauges(outbox->stats()); });
    }
    meldcoded::HttpServer server(config,
                                 [&](const meldcoded::Request& r) { return sidecar.handle(r); });
    sidecar.metrics().add_gauges([&server] {
        return meldcoded::transport_gauges(server.counters(), server.connection_cap());
    });
    sidecar.metrics().add_gauges([info = build_info(*plugin)] { return info; });
    sidecar.metrics().add_gauges([&mc] { return meldcoded::store_gauges(mc.store_stats()); });
    try {
        server.start();
    } catch (const std::exception& e) {
        log.log(meldcoded::Level::error, "cannot_listen",
                {{"url", server.url()}, {"error", e.what()}});
        return kExitCannotListen;
    }
    log.log(meldcoded::Level::info, "listening", {{"url", server.url()}});
    std::cout << "meldcoded listening on " << server.url() << std::endl;

    int signal = 0;
    sigwait(&signals, &signal);
    log.log(meldcoded::Level::info, "stopping", {{"signal", signal}});
    server.drain(std::chrono::seconds(config.limits.shutdown_grace_seconds));
    // Before the plugin closes: the last check's notifications reach the
    // outbox, which finishes the delivery in flight; the rest stays pending
    // in its file for the next start.
    if (steps_due) steps_due->stop();
    event_replay.stop();
    if (outbox) outbox->stop();
    log.log(meldcoded::Level::info, "stopped");
    return 0;  // mc closes the store as it goes out of scope, after the listener
}

// --check-config: everything a start reads before it opens the store, and
// nothing written: the file against its schema, the listen policy, the TLS
// files and the webhook secrets (their files' modes too).
int check_config(const meldcoded::Config& config) {
    for (const std::string& file : {config.tls_certificate_file, config.tls_private_key_file}) {
        if (!file.empty() && !std::ifstream(file)) {
            std::cerr << "meldcoded: cannot read " << file << '\n';
            return 1;
        }
    }
    if (!config.webhooks.endpoints.empty()) {
        meldcoded::Logger log(config.log_level);
        meldcoded::outbox_options(config, process_environment, log);
    }
    // The store's folder: the store is made there at the first start.
    const std::filesystem::path store = config.plugin.value("store_path", "");
    if (!store.empty() &&
        !std::filesystem::is_directory(store.parent_path().empty() ? std::filesystem::path(".")
                                                                   : store.parent_path())) {
        std::cerr << "meldcoded: the store's folder " << store.parent_path().string()
                  << " does not exist (plugin.store_path)\n";
        return 1;
    }
    // Loads the plugin as serve() would (a missing file or a library that is
    // no meldcode plugin throws); opens no store and reads no key ring.
    load_plugin(config);
    std::cout << "meldcoded: the configuration is valid" << std::endl;
    return 0;
}

// --requeue-dead-letters: an operator's run beside (or instead of) the
// sidecar, once a receiver is fixed; the running sidecar picks them up.
int requeue_dead_letters(const meldcoded::Config& config) {
    if (config.webhooks.endpoints.empty()) {
        std::cerr << "meldcoded: the configuration has no webhook endpoints\n";
        return kExitUsage;
    }
    meldcoded::Logger log(config.log_level);
    meldcode::rest::WebhookOutbox outbox(
        meldcoded::outbox_options(config, process_environment, log));
    std::cout << "requeued " << outbox.requeue_dead() << " dead webhook deliveries" << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description described(
        "meldcoded — the meldcode HTTP sidecar\n\n"
        "Environment: MELDCODED_CONFIG, MELDCODED_ADDRESS, MELDCODED_PORT, MELDCODED_PLUGIN,\n"
        "MELDCODED_STORE, MELDCODED_LOG_LEVEL, MELDCODED_TLS_CERTIFICATE, "
        "MELDCODED_TLS_PRIVATE_KEY\n"
        "(options beat environment, environment beats the file). See docs/http-sidecar.md.\n\n"
        "Options");
    described.add_options()("help,h", "show this help")("config,c", po::value<std::string>(),
                                                        "configuration file (JSON)")(
        "address", po::value<std::string>(), "listen address (default 127.0.0.1)")(
        "port,p", po::value<std::uint16_t>(), "listen port")("plugin", po::value<std::string>(),
                                                             "path of libmeldcode.so")(
        "log-level", po::value<std::string>(), "debug, info, warn or error")(
        "requeue-dead-letters",
        "give the outbox's dead webhook deliveries another round of attempts, then exit")(
        "check-config", "check the configuration (and the files it names), then exit")(
        "version", "print the version, then exit");
    po::variables_map options;
    try {
        po::store(po::parse_command_line(argc, argv, described), options);
        po::notify(options);
    } catch (const std::exception& e) {
        std::cerr << "meldcoded: " << e.what() << "\n" << described << '\n';
        return kExitUsage;
    }
    if (options.count("help")) {
        std::cout << described << '\n';
        return 0;
    }
    if (options.count("version")) {
        std::cout << "meldcoded " MELDCODED_VERSION " (C ABI " << MC_ABI_VERSION_MAJOR << '.'
                  << MC_ABI_VERSION_MINOR << ")" << std::endl;
        return 0;
    }
    try {
        const meldcoded::Config config = configure(options);
        if (options.count("check-config")) return check_config(config);
        return options.count("requeue-dead-letters") ? requeue_dead_letters(config) : serve(config);
    } catch (const meldcode::sdk::Error& e) {
        // The plugin's messages never hold concern content: they say what to fix.
        std::cerr << nlohmann::json{{"time", meldcoded::utc_now_rfc3339()},
                                    {"level", "error"},
                                    {"msg", "cannot_start"},
                                    {"code", e.code()},
                                    {"detail", e.what()},
                                    {"pointer", e.pointer()}}
                         .dump()
                  << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "meldcoded: " << e.what() << '\n';
        return 1;
    }
}
