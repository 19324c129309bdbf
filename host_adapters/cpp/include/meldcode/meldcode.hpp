// meldcode.hpp — a header-only C++ host SDK over the C ABI.
//
// Loads libmeldcode at run time with Boost.DLL, exactly as an ERP would,
// checks the ABI version, and wraps handles and strings in RAII types.
// Failures become meldcode::sdk::Error carrying status, code, message and
// the JSON pointer of the offending field.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
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
    decltype(&mc_keys_rotate) keys_rotate;
    decltype(&mc_audit_verify) audit_verify;
    decltype(&mc_catalog_get) catalog_get;
    decltype(&mc_notifications_set) notifications_set;
};

// One loaded copy of libmeldcode. Keep it alive as long as any Instance.
class Plugin {
public:
    explicit Plugin(const boost::dll::fs::path& path) {
        try {
            library_.load(path,
                          boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
        } catch (const std::exception& e) {
            throw Error(MC_E_VERSION, "plugin_not_loadable",
                        "cannot load meldcode plugin " + path.string() + ": " + e.what(), "");
        }
        resolve();
        if (api_.abi_check(MC_ABI_VERSION) != MC_OK) throw last_error("ABI negotiation failed");
    }

    const Api& api() const { return api_; }

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
        if (!library_.has(name)) {
            throw Error(MC_E_VERSION, "missing_symbol",
                        std::string("the plugin does not export ") + name, "");
        }
        slot = &library_.get<std::remove_pointer_t<Fn>>(name);
    }

    void resolve() {
        bind(api_.abi_version, "mc_abi_version");
        bind(api_.abi_check, "mc_abi_check");
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
        bind(api_.keys_rotate, "mc_keys_rotate");
        bind(api_.audit_verify, "mc_audit_verify");
        bind(api_.catalog_get, "mc_catalog_get");
        bind(api_.notifications_set, "mc_notifications_set");
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
    json steps_due(const json& actor) const {
        return call_actor_only(plugin_->api().steps_due, actor, "mc_steps_due failed");
    }
    json rotate_keys(const json& actor, const json& request) const {
        return call(plugin_->api().keys_rotate, actor, request);
    }
    json verify_audit(const json& actor) const {
        return call_actor_only(plugin_->api().audit_verify, actor, "mc_audit_verify failed");
    }
    json catalog(const std::string& locale) const {
        char* out = nullptr;
        if (plugin_->api().catalog_get(handle_, locale.c_str(), &out) != MC_OK) {
            plugin_->last_error("mc_catalog_get failed");
        }
        return json::parse(plugin_->take(out));
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
