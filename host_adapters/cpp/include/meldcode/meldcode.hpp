// meldcode.hpp — a header-only C++ host SDK over the C ABI.
//
// Loads libmeldcode at run time with Boost.DLL, exactly as an ERP would,
// checks the ABI version, and wraps handles and strings in RAII types.
// Failures become meldcode::sdk::Error carrying status, code, message and
// the JSON pointer of the offending field.
//
// Finding the plugin: Plugin(path) takes an explicit path; Plugin() looks at
// the environment variable MELDCODE_PLUGIN, then at MELDCODE_DEFAULT_PLUGIN
// (a path compiled in: find_package(meldcode) defines it as the installed
// plugin), then lets the system's loader search for libmeldcode.so.1.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "meldcode/meldcode.h"

namespace meldcode::sdk {

class Error : public std::runtime_error {
public:
    Error(mc_status status, std::string code, const std::string& message, std::string pointer)
        : std::runtime_error(message),
          status_(status),
          code_(std::move(code)),
          pointer_(std::move(pointer)) {}
    mc_status status() const { return status_; }
    const std::string& code() const { return code_; }
    std::string message() const { return what(); }
    const std::string& pointer() const { return pointer_; }

private:
    mc_status status_;
    std::string code_;
    std::string pointer_;
};

// The plugin's entry points, resolved by name from the loaded library.
struct Api {
    decltype(&mc_abi_version) abi_version;
    decltype(&mc_abi_check) abi_check;
    decltype(&mc_info) info;
    decltype(&mc_last_error) last_error;
    decltype(&mc_free) free;
    decltype(&mc_open) open;
    decltype(&mc_close) close;
    decltype(&mc_ticket_closed) ticket_closed;
    decltype(&mc_signals_submit) signals_submit;
    decltype(&mc_submission_status) submission_status;
    decltype(&mc_host_event_report) host_event_report;
    decltype(&mc_concerns_list) concerns_list;
    decltype(&mc_concern_get) concern_get;
    decltype(&mc_concern_act) concern_act;
    decltype(&mc_steps_due) steps_due;
    decltype(&mc_legal_hold_set) legal_hold_set;
    decltype(&mc_purge) purge;
    decltype(&mc_concern_export) concern_export;
    decltype(&mc_keys_rotate) keys_rotate;
    decltype(&mc_audit_verify) audit_verify;
    decltype(&mc_audit_list) audit_list;
    decltype(&mc_audit_record) audit_record;
    decltype(&mc_catalog_get) catalog_get;
    decltype(&mc_notifications_set) notifications_set;
    decltype(&mc_extensions_get) extensions_get;
    decltype(&mc_workflow_get) workflow_get;
    decltype(&mc_prompt_open) prompt_open;
    decltype(&mc_store_stats) store_stats;
    decltype(&mc_figures_get) figures_get;  // 1.3
    // ABI 1.3: the melding draft for Veilig Thuis (issue 19).
    decltype(&mc_concern_melding_draft) concern_melding_draft;
    // ABI 1.4: events kept until acknowledged (ABI.md, "Events").
    decltype(&mc_events_ack) events_ack;
    decltype(&mc_events_replay) events_replay;
    decltype(&mc_store_probe) store_probe;
};

// One loaded copy of libmeldcode. Keep it alive as long as any Instance.
//
// Loading fails with an Error of status MC_E_VERSION whose code says what is
// wrong: "plugin_not_found" (no such file), "plugin_not_loadable" (not a
// shared library for this machine), "missing_symbol" (not a meldcode plugin,
// or one older than this header) or "abi_mismatch" (another major version,
// or an older minor one).
class Plugin {
public:
    // Searches as the header comment says.
    Plugin() : Plugin(default_path()) {}

    explicit Plugin(const boost::dll::fs::path& path) {
        load(path);
        // Versions first: a plugin of another major version may well lack
        // functions, and the version is then the more useful thing to say.
        bind(api_.abi_version, "mc_abi_version");
        bind(api_.abi_check, "mc_abi_check");
        negotiate(path);
        resolve();
    }

    // Where Plugin() looks: MELDCODE_PLUGIN, else the compiled-in default.
    static boost::dll::fs::path default_path() {
        if (const char* env = std::getenv("MELDCODE_PLUGIN"); env != nullptr && *env != '\0') {
            return env;
        }
#ifdef MELDCODE_DEFAULT_PLUGIN
        return MELDCODE_DEFAULT_PLUGIN;
#else
        return "libmeldcode.so.1";
#endif
    }

    const Api& api() const {
        return api_;
    }

    // Any entry point by name, also one newer than this header: a function
    // of the plugin's common shape (instance, actor, request, &out) is then
    // one line in Instance (see Instance::call).
    template <typename Fn>
    Fn* function(const char* name) const {
        if (!library_.has(name)) {
            throw Error(MC_E_VERSION, "missing_symbol",
                        "the meldcode plugin " + library_.location().string() +
                            " does not export " + name +
                            ": not a meldcode plugin, or older than this host",
                        "");
        }
        return &library_.get<Fn>(name);
    }

    // Throws the error the plugin recorded for its last failed call on this thread.
    [[noreturn]] Error last_error(const char* fallback) const {
        const mc_error* e = api_.last_error();
        if (e == nullptr) throw Error(MC_E_INTERNAL, "internal", fallback, "");
        throw Error(e->status, e->code, e->message, e->pointer);
    }

    // Takes ownership of a string the plugin returned.
    std::string take(char* text) const {
        std::unique_ptr<char, decltype(api_.free)> owned(text, api_.free);
        return owned ? std::string(owned.get()) : std::string();
    }

    nlohmann::json info() const {
        char* out = nullptr;
        if (api_.info(&out) != MC_OK) last_error("mc_info failed");
        return nlohmann::json::parse(take(out));
    }

private:
    template <typename Fn>
    void bind(Fn& slot, const char* name) {
        slot = function<std::remove_pointer_t<Fn>>(name);
    }

    void load(const boost::dll::fs::path& path) {
        // A bare file name is left to the system's search (ld.so.cache, LD_LIBRARY_PATH).
        const bool searched = !path.has_parent_path();
        if (!searched && !boost::dll::fs::exists(path)) {
            throw Error(MC_E_VERSION, "plugin_not_found",
                        "no meldcode plugin at " + path.string() +
                            " (set MELDCODE_PLUGIN or pass the path of libmeldcode.so)",
                        "");
        }
        try {
            library_.load(path, boost::dll::load_mode::rtld_now |
                                    boost::dll::load_mode::rtld_local |
                                    (searched ? boost::dll::load_mode::search_system_folders
                                              : boost::dll::load_mode::default_mode));
        } catch (const std::exception& e) {
            throw Error(
                MC_E_VERSION, searched ? "plugin_not_found" : "plugin_not_loadable",
                "cannot load meldcode plugin " + path.string() + ": " + e.what() +
                    (searched ? " (set MELDCODE_PLUGIN or pass the path of libmeldcode.so)" : ""),
                "");
        }
    }

    // The plugin decides whether it serves a host built for our header.
    void negotiate(const boost::dll::fs::path& path) const {
        if (api_.abi_check(MC_ABI_VERSION) == MC_OK) return;
        const uint32_t theirs = api_.abi_version();
        throw Error(MC_E_VERSION, "abi_mismatch",
                    "the meldcode plugin " + path.string() + " implements ABI " +
                        std::to_string(theirs >> 16) + "." + std::to_string(theirs & 0xffffu) +
                        "; this host was built for ABI " + std::to_string(MC_ABI_VERSION_MAJOR) +
                        "." + std::to_string(MC_ABI_VERSION_MINOR) +
                        " (the same major version and at least this minor one are needed)",
                    "");
    }

    void resolve() {
        bind(api_.info, "mc_info");
        bind(api_.last_error, "mc_last_error");
        bind(api_.free, "mc_free");
        bind(api_.open, "mc_open");
        bind(api_.close, "mc_close");
        bind(api_.ticket_closed, "mc_ticket_closed");
        bind(api_.signals_submit, "mc_signals_submit");
        bind(api_.submission_status, "mc_submission_status");
        bind(api_.host_event_report, "mc_host_event_report");
        bind(api_.concerns_list, "mc_concerns_list");
        bind(api_.concern_get, "mc_concern_get");
        bind(api_.concern_act, "mc_concern_act");
        bind(api_.steps_due, "mc_steps_due");
        bind(api_.legal_hold_set, "mc_legal_hold_set");
        bind(api_.purge, "mc_purge");
        bind(api_.concern_export, "mc_concern_export");
        bind(api_.keys_rotate, "mc_keys_rotate");
        bind(api_.audit_verify, "mc_audit_verify");
        bind(api_.audit_list, "mc_audit_list");
        bind(api_.audit_record, "mc_audit_record");
        bind(api_.catalog_get, "mc_catalog_get");
        bind(api_.notifications_set, "mc_notifications_set");
        bind(api_.extensions_get, "mc_extensions_get");
        bind(api_.workflow_get, "mc_workflow_get");
        bind(api_.prompt_open, "mc_prompt_open");
        bind(api_.store_stats, "mc_store_stats");
        bind(api_.figures_get, "mc_figures_get");
        bind(api_.concern_melding_draft, "mc_concern_melding_draft");  // ABI 1.3
        bind(api_.events_ack, "mc_events_ack");                        // ABI 1.4
        bind(api_.events_replay, "mc_events_replay");
        bind(api_.store_probe, "mc_store_probe");
    }

    boost::dll::shared_library library_;
    Api api_{};
};

// An open store. Not copyable; closes on destruction.
class Instance {
public:
    using json = nlohmann::json;
    using Call = mc_status (*)(mc_instance*, const char*, const char*, char**);

    Instance(std::shared_ptr<const Plugin> plugin, const json& config)
        : plugin_(std::move(plugin)) {
        if (plugin_->api().open(config.dump().c_str(), &handle_) != MC_OK) {
            plugin_->last_error("mc_open failed");
        }
    }
    ~Instance() {
        if (handle_ != nullptr) plugin_->api().close(handle_);
    }
    // A function of the C ABI's common shape, by name: one line per new
    // operation, e.g. json purge(const json& a, const json& r) const { return
    // call("mc_purge", a, r); }. Throws missing_symbol on an older plugin, and
    // not_an_actor_request_function for a function of another shape (it would
    // write its answer where the request is; each has its own method).
    json call(const char* function, const json& actor, const json& request) const {
        if (!takes_actor_and_request(function)) {
            throw Error(
                MC_E_ARGUMENT, "not_an_actor_request_function",
                std::string(function) + " does not take (actor, request): use its own method", "");
        }
        return call(plugin_->function<std::remove_pointer_t<Call>>(function), actor, request);
    }
    static bool takes_actor_and_request(const std::string& function) {
        static const std::set<std::string> other_shapes{
            "mc_abi_version",  "mc_abi_check",   "mc_info",
            "mc_last_error",   "mc_free",        "mc_open",
            "mc_close",        "mc_steps_due",   "mc_audit_verify",
            "mc_audit_record", "mc_catalog_get", "mc_extensions_get",
            "mc_workflow_get", "mc_prompt_open", "mc_notifications_set",
            "mc_store_stats",  "mc_events_ack",  "mc_events_replay",
            "mc_store_probe"};
        return other_shapes.count(function) == 0;
    }

    // Calls `fn` with each notification (ids only) after a durable change, on
    // the thread that made it; it must not call into this instance, except
    // acknowledge_event. An empty
    // function removes it. The Instance owns the callback.
    using Listener = std::function<void(const json& notification)>;
    void on_notification(Listener fn) const {
        auto owned = fn ? std::make_unique<Listener>(std::move(fn)) : nullptr;
        const mc_status status = plugin_->api().notifications_set(
            handle_, owned ? &Instance::notify : nullptr, owned.get());
        if (status != MC_OK) plugin_->last_error("mc_notifications_set failed");
        listener_ = std::move(owned);
    }

    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    mc_instance* handle() const { return handle_; }
    const Plugin& plugin() const { return *plugin_; }

    json ticket_closed(const json& actor, const json& ticket) const {
        return call(plugin_->api().ticket_closed, actor, ticket);
    }
    json submit_signals(const json& actor, const json& submission) const {
        return call(plugin_->api().signals_submit, actor, submission);
    }
    json submission_status(const json& actor, const json& request) const {
        return call(plugin_->api().submission_status, actor, request);
    }
    json report_host_event(const json& actor, const json& event) const {
        return call(plugin_->api().host_event_report, actor, event);
    }
    json list_concerns(const json& actor, const json& query) const {
        return call(plugin_->api().concerns_list, actor, query);
    }
    json get_concern(const json& actor, const json& request) const {
        return call(plugin_->api().concern_get, actor, request);
    }
    json act(const json& actor, const json& action) const {
        return call(plugin_->api().concern_act, actor, action);
    }
    json set_legal_hold(const json& actor, const json& request) const {
        return call(plugin_->api().legal_hold_set, actor, request);
    }
    json purge(const json& actor, const json& request) const {
        return call(plugin_->api().purge, actor, request);
    }
    json export_concern(const json& actor, const json& request) const {
        return call(plugin_->api().concern_export, actor, request);
    }
    // ABI 1.3: the draft of a melding to Veilig Thuis
    // (schemas/melding_draft_request -> melding_draft).
    json melding_draft(const json& actor, const json& request) const {
        return call(plugin_->api().concern_melding_draft, actor, request);
    }
    json steps_due(const json& actor) const {
        return call_actor_only(plugin_->api().steps_due, actor, "mc_steps_due failed");
    }
    json rotate_keys(const json& actor, const json& request) const {
        return call(plugin_->api().keys_rotate, actor, request);
    }
    json verify_audit(const json& actor) const {
        return call_actor_only(plugin_->api().audit_verify, actor, "mc_audit_verify failed");
    }
    // Management figures of a range of quarters (schemas/figures_request -> figures).
    json figures(const json& actor, const json& request) const {
        return call(plugin_->api().figures_get, actor, request);
    }
    // One page of the audit trail (schemas/audit_query -> audit_page).
    json list_audit(const json& actor, const json& query) const {
        return call(plugin_->api().audit_list, actor, query);
    }
    // A security event this host handled itself (schemas/audit_event).
    void record_audit(const json& actor, const json& event) const {
        if (plugin_->api().audit_record(handle_, actor.dump().c_str(), event.dump().c_str()) !=
            MC_OK) {
            plugin_->last_error("mc_audit_record failed");
        }
    }
    // A prompt token opened for a page that holds only the token
    // (schemas/prompt_open_request.schema.json -> opened_prompt).
    json open_prompt(const json& request) const {
        char* out = nullptr;
        if (plugin_->api().prompt_open(handle_, request.dump().c_str(), &out) != MC_OK) {
            plugin_->last_error("mc_prompt_open failed");
        }
        return json::parse(plugin_->take(out));
    }
    json catalog(const std::string& locale) const {
        char* out = nullptr;
        if (plugin_->api().catalog_get(handle_, locale.c_str(), &out) != MC_OK) {
            plugin_->last_error("mc_catalog_get failed");
        }
        return json::parse(plugin_->take(out));
    }

    // The workflow definition in a locale (schemas/workflow_view.schema.json).
    json workflow(const std::string& locale) const {
        char* out = nullptr;
        if (plugin_->api().workflow_get(handle_, locale.c_str(), &out) != MC_OK) {
            plugin_->last_error("mc_workflow_get failed");
        }
        return json::parse(plugin_->take(out));
    }

    // Loaded and rejected extensions (schemas/extensions.schema.json).
    json extensions() const {
        return instance_answer(plugin_->api().extensions_get, "mc_extensions_get failed");
    }

    // How the store has been committing (schemas/store_stats.schema.json).
    json store_stats() const {
        return instance_answer(plugin_->api().store_stats, "mc_store_stats failed");
    }

    // Throws unless the store can take calls now (mc_store_probe): for a
    // readiness probe.
    void probe_store() const {
        if (plugin_->api().store_probe(handle_) != MC_OK) {
            plugin_->last_error("mc_store_probe failed");
        }
    }

    // The host has the notification with this event_id durably (ABI.md,
    // "Events"); may be called from a listener.
    void acknowledge_event(const std::string& event_id) const {
        if (plugin_->api().events_ack(handle_, event_id.c_str()) != MC_OK) {
            plugin_->last_error("mc_events_ack failed");
        }
    }

    // Notifies again (to the listener, before it returns) at most `limit`
    // events kept at least `older_than` ago and not acknowledged; returns how
    // many.
    std::int64_t replay_events(std::chrono::seconds older_than, std::int64_t limit) const {
        std::int64_t replayed = 0;
        if (plugin_->api().events_replay(handle_, older_than.count(), limit, &replayed) != MC_OK) {
            plugin_->last_error("mc_events_replay failed");
        }
        return replayed;
    }

    // For callers that must pass raw text (e.g. tests of malformed input):
    // returns the status and fills `out` on success.
    mc_status call_raw(Call fn, const char* actor, const char* payload, std::string& out) const {
        char* text = nullptr;
        const mc_status status = fn(handle_, actor, payload, &text);
        out = plugin_->take(text);
        return status;
    }

private:
    static void notify(void* listener, const char* text) noexcept {
        try {
            (*static_cast<Listener*>(listener))(json::parse(text));
        } catch (...) {
            // Nothing may cross back into the plugin; a host that must know
            // about its own listener's failures catches them itself.
        }
    }

    // A function that takes nothing but the instance and answers JSON.
    json instance_answer(mc_status (*fn)(mc_instance*, char**), const char* failure) const {
        char* out = nullptr;
        if (fn(handle_, &out) != MC_OK) plugin_->last_error(failure);
        return json::parse(plugin_->take(out));
    }

    json call_actor_only(mc_status (*fn)(mc_instance*, const char*, char**), const json& actor,
                         const char* failure) const {
        char* out = nullptr;
        if (fn(handle_, actor.dump().c_str(), &out) != MC_OK) plugin_->last_error(failure);
        return json::parse(plugin_->take(out));
    }

    json call(Call fn, const json& actor, const json& payload) const {
        std::string out;
        if (call_raw(fn, actor.dump().c_str(), payload.dump().c_str(), out) != MC_OK) {
            plugin_->last_error("call failed");
        }
        return json::parse(out);
    }

    std::shared_ptr<const Plugin> plugin_;
    mc_instance* handle_ = nullptr;
    // Replaced by on_notification, which like every call is const: the
    // registration lives in the plugin.
    mutable std::unique_ptr<Listener> listener_;
};

// Creates a key ring file (schemas/key_ring.schema.json) holding one fresh
// random key from /dev/urandom under `key_id`, readable by its owner only
// (mc_open refuses anything looser). Never overwrites an existing file.
inline void create_key_file(const std::string& path, const std::string& key_id = "k1") {
    unsigned char key[32];
    std::ifstream random("/dev/urandom", std::ios::binary);
    if (!random.read(reinterpret_cast<char*>(key), sizeof key)) {
        throw std::runtime_error("cannot read /dev/urandom");
    }
    std::string hex;
    for (const unsigned char byte : key) {
        static constexpr char kDigits[] = "0123456789abcdef";
        hex += kDigits[byte >> 4];
        hex += kDigits[byte & 0x0f];
    }
    const std::string text =
        nlohmann::json{{"active", key_id}, {"keys", {{key_id, hex}}}}.dump(2) + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create the key file (does it exist already?)");
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!written) throw std::runtime_error("cannot write the key file");
}

}  // namespace meldcode::sdk
