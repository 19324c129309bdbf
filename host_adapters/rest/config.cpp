#include "config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "client_address.h"
#include "meldcoded_config_schema.h"  // generated: kConfigSchema, kPluginConfigSchema
#include "strict_json.h"

namespace meldcoded {

namespace {

using nlohmann::json;

// `document` against `schema_text`; a failure names its place under `prefix`.
void validate(const char* schema_text, const json& document, const std::string& prefix) {
    const json schema_json = json::parse(schema_text);
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(document);
    if (validator.validate(schema, target, &results)) return;
    // The deepest error names the offending key best; valijson writes its
    // context as "<root>", "[tokens]", "[0]", ... which becomes a JSON pointer.
    valijson::ValidationResults::Error error, deepest;
    while (results.popError(error)) {
        if (error.context.size() >= deepest.context.size()) deepest = error;
    }
    std::string where;
    for (const std::string& part : deepest.context) {
        if (part.size() > 2 && part.front() == '[' && part.back() == ']') {
            where += "/" + part.substr(1, part.size() - 2);
        }
    }
    where = prefix + where;
    throw std::runtime_error("configuration invalid at " + (where.empty() ? "/" : where) + ": " +
                             deepest.description);
}

// The sidecar's own members, and the plugin's configuration as mc_open will
// read it: an instance config without keys or store fails here, at
// --check-config, naming /plugin/..., not only when the sidecar starts.
void validate(const json& document) {
    validate(kConfigSchema, document, "");
    validate(kPluginConfigSchema, document.at("plugin"), "/plugin");
}

Identity identity(const json& entry) {
    if (entry.contains("actor")) return {entry.at("actor"), {}};
    const json& integration = entry.at("integration");
    Identity id{{{"id", integration.at("id")}, {"role", "integration"}}, {}};
    for (const json& scope : integration.value("acts_for", json::array())) {
        id.acts_for.push_back(
            {scope.at("role"), scope.at("actors").get<std::vector<std::string>>()});
    }
    return id;
}

WebhooksConfig webhooks(const json& doc) {
    WebhooksConfig w;
    if (!doc.contains("webhooks")) return w;
    const json& section = doc.at("webhooks");
    w.store_path = section.value("store_path", "");
    for (const json& endpoint : section.at("endpoints")) {
        w.endpoints.push_back({endpoint.at("url"), endpoint.value("secret_env", ""),
                               endpoint.value("secret_file", "")});
    }
    w.max_attempts = section.value("max_attempts", w.max_attempts);
    w.base_delay_ms = section.value("base_delay_ms", w.base_delay_ms);
    w.max_delay_ms = section.value("max_delay_ms", w.max_delay_ms);
    w.steps_due_interval_seconds =
        section.value("steps_due_interval_seconds", w.steps_due_interval_seconds);
    return w;
}

OidcConfig oidc(const json& section) {
    OidcConfig o;
    o.issuer = section.at("issuer");
    o.client_id = section.at("client_id");
    o.client_secret_env = section.value("client_secret_env", "");
    o.client_secret_file = section.value("client_secret_file", "");
    o.scopes = section.value("scopes", o.scopes);
    o.actor_claim = section.value("actor_claim", o.actor_claim);
    o.role_claim = section.at("role_claim");
    o.officer_values = section.at("officer_values").get<std::vector<std::string>>();
    o.mfa_amr = section.value("mfa_amr", o.mfa_amr);
    o.mfa_acr = section.value("mfa_acr", o.mfa_acr);
    o.timeout_seconds = section.value("timeout_seconds", o.timeout_seconds);
    return o;
}

UiConfig ui(const json& doc) {
    UiConfig u;
    const json section = doc.value("ui", json::object());
    u.dir = section.value("dir", "");
    u.public_url = section.value("public_url", "");
    u.capture_frame_ancestors = section.value("capture_frame_ancestors", u.capture_frame_ancestors);
    u.capture_element_origins = section.value("capture_element_origins", u.capture_element_origins);
    const json session = section.value("session", json::object());
    u.idle_timeout_seconds = session.value("idle_timeout_seconds", u.idle_timeout_seconds);
    u.absolute_timeout_seconds =
        session.value("absolute_timeout_seconds", u.absolute_timeout_seconds);
    u.reauthenticate_after_seconds =
        session.value("reauthenticate_after_seconds", u.reauthenticate_after_seconds);
    const json accounts = section.value("accounts", json::object());
    u.password = accounts.value("enabled", u.password);
    u.accounts_store_path = accounts.value("store_path", "");
    u.accounts_keys = accounts.value("keys", json());
    u.enrolment_valid_hours = accounts.value("enrolment_valid_hours", u.enrolment_valid_hours);
    if (section.contains("oidc")) u.oidc = oidc(section.at("oidc"));
    return u;
}

}  // namespace

json read_json(const std::string& text, const std::string& what) {
    constexpr std::size_t kMaxDepth = 64;
    try {
        return meldcode::strict_json::parse(text, kMaxDepth);
    } catch (const meldcode::strict_json::DuplicateMember& e) {
        throw std::runtime_error(what + " is ambiguous: a member occurs twice at " + e.pointer);
    } catch (const meldcode::strict_json::TooDeep&) {
        throw std::runtime_error(what + " is nested deeper than 64 levels");
    } catch (const json::exception&) {
        throw std::runtime_error(what + " is not JSON");
    }
}

// A PostgreSQL store has no folder to keep the sidecar's own files beside.
void require_state_dir(const Config& config) {
    if (config.state_dir.empty() && config.plugin.contains("store") &&
        !config.plugin.contains("store_path")) {
        throw std::runtime_error(
            "configuration invalid at /state_dir: the plugin's store is PostgreSQL, so name the "
            "folder for the sidecar's own files (webhook outbox, host orders, accounts)");
    }
}

Config load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read configuration file " + path);
    std::stringstream text;
    text << in.rdbuf();
    const json doc = read_json(text.str(), "configuration file " + path);
    validate(doc);

    Config c;
    const json listen = doc.value("listen", json::object());
    c.address = listen.value("address", c.address);
    c.port = listen.value("port", c.port);
    c.threads = listen.value("threads", c.threads);
    c.handler_threads = listen.value("handler_threads", c.handler_threads);
    c.behind_tls_proxy = listen.value("behind_tls_proxy", c.behind_tls_proxy);
    c.trusted_proxies = listen.value("trusted_proxies", c.trusted_proxies);
    try {
        ClientAddress{c.trusted_proxies};
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("configuration invalid: ") + e.what());
    }
    const json tls = doc.value("tls", json::object());
    c.tls_certificate_file = tls.value("certificate_file", "");
    c.tls_private_key_file = tls.value("private_key_file", "");
    c.plugin_path = doc.value("plugin_path", "");
    c.plugin = doc.value("plugin", json::object());
    for (const json& entry : doc.value("tokens", json::array())) {
        c.tokens.push_back({entry.at("sha256"), identity(entry)});
    }
    const json limits = doc.value("limits", json::object());
    c.limits.max_body_bytes = limits.value("max_body_bytes", c.limits.max_body_bytes);
    c.limits.max_header_bytes = limits.value("max_header_bytes", c.limits.max_header_bytes);
    c.limits.head_timeout_seconds =
        limits.value("head_timeout_seconds", c.limits.head_timeout_seconds);
    c.limits.body_timeout_seconds =
        limits.value("body_timeout_seconds", c.limits.body_timeout_seconds);
    c.limits.idle_timeout_seconds =
        limits.value("idle_timeout_seconds", c.limits.idle_timeout_seconds);
    c.limits.send_timeout_seconds =
        limits.value("send_timeout_seconds", c.limits.send_timeout_seconds);
    c.limits.max_connections = limits.value("max_connections", c.limits.max_connections);
    c.limits.denied_calls = limits.value("denied_calls", c.limits.denied_calls);
    c.limits.auth_failures = limits.value("auth_failures", c.limits.auth_failures);
    c.limits.auth_window_seconds =
        limits.value("auth_window_seconds", c.limits.auth_window_seconds);
    c.limits.shutdown_grace_seconds =
        limits.value("shutdown_grace_seconds", c.limits.shutdown_grace_seconds);
    c.webhooks = webhooks(doc);
    if (doc.contains("ticket_mappings")) {
        c.ticket_mappings = doc.at("ticket_mappings").get<std::map<std::string, std::string>>();
    }
    c.host_order_keep_days = doc.value("host_order_keep_days", c.host_order_keep_days);
    c.state_dir = doc.value("state_dir", c.state_dir);
    c.log_level = doc.value("log_level", c.log_level);
    c.ui = ui(doc);
    if (c.ui.accounts_keys.is_null()) c.ui.accounts_keys = c.plugin.value("keys", json());
    require_state_dir(c);
    return c;
}

std::string sidecar_file(const Config& config, const std::string& file_name) {
    require_state_dir(config);
    if (!config.state_dir.empty()) {
        return (std::filesystem::path(config.state_dir) / file_name).string();
    }
    const std::filesystem::path store = config.plugin.value("store_path", "meldcode.db");
    return (store.parent_path() / file_name).string();
}

std::string shared_store_conninfo(const Config& config) {
    const json store = config.plugin.value("store", json::object());
    return store.is_object() ? store.value("postgresql", std::string()) : std::string();
}

// 127.0.0.0/8, ::1 and the name localhost; anything else may be reachable.
bool loopback(const std::string& address) {
    if (address == "localhost") return true;
    unsigned char bytes[16];
    if (inet_pton(AF_INET, address.c_str(), bytes) == 1) return bytes[0] == 127;
    if (inet_pton(AF_INET6, address.c_str(), bytes) != 1) return false;
    static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::equal(bytes, bytes + 16, one) ||
           (std::equal(bytes, bytes + 12, mapped) && bytes[12] == 127);
}

std::string accounts_store_path(const Config& config) {
    return config.ui.accounts_store_path.empty() ? sidecar_file(config, "accounts.db")
                                                 : config.ui.accounts_store_path;
}

std::string listener_url(const Config& config) {
    const bool v6 = config.address.find(':') != std::string::npos;
    return std::string(config.tls() ? "https" : "http") + "://" + (v6 ? "[" : "") + config.address +
           (v6 ? "]" : "") + ":" + std::to_string(config.port);
}

std::string public_url(const Config& config) {
    return config.ui.public_url.empty() ? listener_url(config) : config.ui.public_url;
}

void check_overrides(const Config& config) {
    if (config.port == 0) throw std::runtime_error("the port is 0: give one from 1 to 65535");
    static const char* const kLevels[] = {"debug", "info", "warn", "warning", "error"};
    if (std::find(std::begin(kLevels), std::end(kLevels), config.log_level) == std::end(kLevels)) {
        throw std::runtime_error("the log level is " + config.log_level +
                                 ": debug, info, warn or error");
    }
}

void check_listen_policy(const Config& config) {
    if (config.tls() || config.behind_tls_proxy || loopback(config.address)) return;
    throw std::runtime_error("listen.address " + config.address +
                             " is not loopback and tls is not configured: configure tls, or set "
                             "listen.behind_tls_proxy: true if a TLS proxy is in front");
}

void apply_environment(Config& config, const Getenv& getenv) {
    const auto set = [&](const char* name, std::string& field) {
        if (const char* value = getenv(name); value != nullptr && *value != '\0') field = value;
    };
    set("MELDCODED_ADDRESS", config.address);
    set("MELDCODED_PLUGIN", config.plugin_path);
    set("MELDCODED_LOG_LEVEL", config.log_level);
    set("MELDCODED_TLS_CERTIFICATE", config.tls_certificate_file);
    set("MELDCODED_TLS_PRIVATE_KEY", config.tls_private_key_file);
    std::string port;
    set("MELDCODED_PORT", port);
    if (!port.empty()) {
        const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                                return std::isdigit(static_cast<unsigned char>(c));
                            });
        const unsigned long value = digits ? std::stoul(port) : 0;
        if (value == 0 || value > 65535) {
            throw std::runtime_error("MELDCODED_PORT is not a port: a number from 1 to 65535");
        }
        config.port = static_cast<std::uint16_t>(value);
    }
    std::string store;
    set("MELDCODED_STORE", store);
    if (!store.empty()) config.plugin["store_path"] = store;
}

}  // namespace meldcoded
