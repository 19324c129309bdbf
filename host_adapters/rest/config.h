// config.h — meldcoded's configuration: a JSON file
// (schemas/sidecar/meldcoded_config.schema.json), then environment overrides,
// then command-line options. docs/http-sidecar.md lists every key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcoded {

// Which end-user actors an integration may act for, in one role.
struct Scope {
    std::string role;
    std::vector<std::string> actors;  // "*" allows any actor id
};

// Who a bearer token stands for: a person (actor + role) or an integration.
struct Identity {
    nlohmann::json actor;         // {"id", "role"}; role "integration" for integrations
    std::vector<Scope> acts_for;  // empty for persons
};

struct TokenEntry {
    std::string sha256_hex;  // the token itself is never configured, only its hash
    Identity identity;
};

// What one client may ask of the listener (docs/http-sidecar.md, "Limits").
struct Limits {
    std::size_t max_body_bytes = std::size_t{1024} * 1024;
    std::size_t max_header_bytes = std::size_t{16} * 1024;  // request line and fields: else 431
    int head_timeout_seconds = 10;    // from a request's first byte to the end of its head
    int body_timeout_seconds = 30;    // for the whole body, once its head is in (slow senders)
    int idle_timeout_seconds = 60;    // a keep-alive connection without a request is closed
    int send_timeout_seconds = 30;    // for writing one answer (clients that do not read)
    int max_connections = 1024;       // more wait, unaccepted, until one closes
    int denied_calls = 50;            // 403s per caller per auth window before 429
    int auth_failures = 10;           // failed attempts per address per window ...
    int auth_window_seconds = 60;     // ... before 429
    int shutdown_grace_seconds = 30;  // how long SIGTERM waits for in-flight requests
};

// Where notifications go as signed webhooks (docs/webhooks.md). Secrets are
// named here (an environment variable or a file), never held in the file.
struct WebhookEndpointConfig {
    std::string url;
    std::string secret_env;  // one of these two is set
    std::string secret_file;
};

struct WebhooksConfig {
    std::string store_path;                        // empty: webhooks.db next to the plugin's store
    std::vector<WebhookEndpointConfig> endpoints;  // empty: webhooks are off
    int max_attempts = 12;
    std::int64_t base_delay_ms = 1000;      // the schema's maxima: an hour ...
    std::int64_t max_delay_ms = 600000;     // ... and a day
    int steps_due_interval_seconds = 3600;  // how often the sidecar looks for due steps
};

// Signing in with the corporation's identity provider (docs/web-ui.md,
// "OpenID Connect"); off while `issuer` is empty.
struct OidcConfig {
    std::string issuer;  // https (http only on loopback, for tests)
    std::string client_id;
    std::string client_secret_env;  // one of these two is set
    std::string client_secret_file;
    std::vector<std::string> scopes{"openid"};
    std::string actor_claim = "sub";          // the claim that is the actor id
    std::string role_claim;                   // a string or an array of strings ...
    std::vector<std::string> officer_values;  // ... holding one of these: officer
    std::vector<std::string> mfa_amr{"mfa"};  // MFA: amr holds one of these ...
    std::vector<std::string> mfa_acr;         // ... or acr is one of these
    int timeout_seconds = 10;                 // for each request to the provider

    bool enabled() const { return !issuer.empty(); }
};

// The web UI that meldcoded serves under /ui/ and its sign-in (docs/web-ui.md).
struct UiConfig {
    std::string dir;         // empty: the built or installed host_adapters/web/dist
    std::string public_url;  // empty: the listener's own URL
    std::vector<std::string> capture_frame_ancestors;  // origins; empty: 'none'
    std::vector<std::string> capture_element_origins;  // may call the capture routes
    int idle_timeout_seconds = 900;
    int absolute_timeout_seconds = 8 * 3600;
    int reauthenticate_after_seconds = 300;  // an export needs a sign-in this recent
    bool password = true;                    // built-in accounts (password and TOTP)
    std::string accounts_store_path;         // empty: accounts.db next to the plugin's store
    nlohmann::json accounts_keys;            // null: the plugin's own "keys"
    int enrolment_valid_hours = 72;
    OidcConfig oidc;
};

struct Config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    int threads = 4;  // DESIGN.md §8: a few threads on a small machine
    // Threads that run requests, apart from the HTTP threads that read and
    // write them: a request waits there for the store, and the requests
    // waiting at once share its commits (group commit).
    int handler_threads = 64;
    // Plain http on a non-loopback address only with this said explicitly:
    // a TLS-terminating proxy in front of the sidecar.
    bool behind_tls_proxy = false;
    // Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks).
    std::vector<std::string> trusted_proxies;
    std::string tls_certificate_file;  // both set: serve https
    std::string tls_private_key_file;
    std::string plugin_path;
    nlohmann::json plugin = nlohmann::json::object();  // passed verbatim to mc_open
    std::vector<TokenEntry> tokens;
    Limits limits;
    WebhooksConfig webhooks;
    // URL name -> "builtin:generic", "builtin:vera4" or a mapping file.
    std::map<std::string, std::string> ticket_mappings = {{"generic", "builtin:generic"},
                                                          {"vera4", "builtin:vera4"}};
    // How long what is kept of a host order outlives its last update.
    int host_order_keep_days = 365;
    // The folder of the sidecar's own files; empty: the plugin store's folder.
    std::string state_dir;
    std::string log_level = "info";
    UiConfig ui;

    bool tls() const { return !tls_certificate_file.empty(); }
};

// Reads and validates the file; throws std::runtime_error naming the JSON
// pointer of a bad key.
Config load_config(const std::string& path);

// `file_name` in state_dir, or else in the folder of the plugin's SQLite
// store: where the sidecar's own files (webhook outbox, host orders,
// accounts) go unless configured otherwise. A PostgreSQL store has no folder:
// then state_dir must be set (std::runtime_error naming it).
std::string sidecar_file(const Config& config, const std::string& file_name);

// The plugin's PostgreSQL conninfo (plugin.store.postgresql) when its store
// is one several meldcoded may share: then the webhook outbox and host
// orders live beside it in that database, and the look for due steps takes
// turns. Empty for a SQLite store.
std::string shared_store_conninfo(const Config& config);

// "http://127.0.0.1:8080": the scheme, address and port the listener serves.
std::string listener_url(const Config& config);

// The base URL people reach the sidecar at: ui.public_url, or the listener's.
std::string public_url(const Config& config);

// True for 127.0.0.0/8, ::1 and the name localhost.
bool loopback(const std::string& address);

// The built-in accounts' file: ui.accounts.store_path, or accounts.db beside
// the plugin's store.
std::string accounts_store_path(const Config& config);

// Throws std::runtime_error when the sidecar would serve plain http beyond
// loopback without `listen.behind_tls_proxy: true` saying that is meant.
void check_listen_policy(const Config& config);

// Throws std::runtime_error for what the command line or environment set
// that the file's schema would have refused: port 0, an unknown log level.
void check_overrides(const Config& config);

// Applies MELDCODED_* variables; `getenv` is injectable for tests.
using Getenv = std::function<const char*(const char*)>;
void apply_environment(Config& config, const Getenv& getenv);

// A file's JSON (`what` names it in errors), parsed as the plugin parses
// payloads: a member twice in one object is refused, with its pointer.
// Throws std::runtime_error.
nlohmann::json read_json(const std::string& text, const std::string& what);

}  // namespace meldcoded
