// meldcode-admin: operations for administrators and auditors, through the C
// ABI like any host (the plugin is loaded with Boost.DLL via the C++ SDK).
//
//   meldcode-admin audit-verify --config FILE   exit 0 chain holds, 1 broken, 2 error
//   meldcode-admin keys-rotate  --config FILE [--batch N]   exit 0 done, 2 stopped or error
//   meldcode-admin audit-list   --config FILE [--limit N]   newest N rows, one JSON per line
//   meldcode-admin purge        --config FILE [--dry-run] [--batch N]
//   meldcode-admin enrol        --config MELDCODED_FILE --actor ID --role ROLE [--valid-hours N]
//
// enrol prints a one-time link (<ui.public_url>/ui/enrol.html#<token>) with
// which the person sets a password and a TOTP authenticator for the web UI;
// its --config is meldcoded's configuration, and the plugin's store is not
// opened (it may be meldcoded's, in use).
//
// FILE is the instance configuration (schemas/config.schema.json) the host
// opens the store with, including its "keys", or meldcoded's configuration
// (its "plugin" member). A SQLite store serves one process at a time: beside
// a running meldcoded, use its HTTP routes instead (kStoreInUse below), or
// --wait until the store is free; `backup DESTINATION` alone runs beside it
// (backup.h).
#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "backup.h"
#include "config.h"
#include "meldcode/meldcode.hpp"
#include "meldcode/rest/account_store.h"
#include "problem.h"
#include "strict_json.h"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

constexpr int kOk = 0;
constexpr int kBroken = 1;
constexpr int kError = 2;

constexpr const char* kStoreInUse =
    "The store serves one process at a time. Beside a running meldcoded, use its HTTP routes\n"
    "(GET /v1/audit/verification, GET /v1/audit, POST /v1/keys/rotate, POST /v1/purge) or stop\n"
    "it first; --wait N waits up to N seconds for the store to be free.\n"
    "meldcode-admin backup DESTINATION --config FILE copies the store and its key ring into\n"
    "the new folder DESTINATION while meldcoded runs (docs/backup-and-restore.md).\n";

// The plugin installed with this program (bin/../lib/), else the one of the
// build tree it was built in: both relative to the program, so that an
// installed meldcode-admin names no build path.
std::string default_plugin() {
    const boost::dll::fs::path here = boost::dll::program_location().parent_path();
    const boost::dll::fs::path installed = here / MELDCODE_INSTALLED_PLUGIN;
    return (exists(installed) ? installed : here / MELDCODE_BUILT_PLUGIN)
        .lexically_normal()
        .string();
}

// Parsed as the plugin parses payloads: a member twice is refused, so what
// this tool reads is what the plugin would have read.
json read_config(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot read the config file " + path);
    std::stringstream text;
    text << file.rdbuf();
    try {
        return meldcode::strict_json::parse(text.str(), 64);
    } catch (const meldcode::strict_json::DuplicateMember& e) {
        throw std::runtime_error("the config file " + path + " has a member twice at " + e.pointer);
    } catch (const std::exception&) {
        throw std::runtime_error("the config file " + path + " is not JSON");
    }
}

bool is_sidecar_config(const json& config) {
    return config.contains("plugin") && config.contains("plugin_path");
}

// The instance configuration in FILE: the file itself, or the "plugin"
// member of meldcoded's configuration (/etc/meldcode/meldcoded.json).
json instance_config(const std::string& path) {
    json config = read_config(path);
    return is_sidecar_config(config) ? config.at("plugin") : config;
}

// The plugin to load: --plugin when given, else MELDCODE_PLUGIN, else the
// plugin_path of meldcoded's configuration, else the one beside this tool.
std::string plugin_path(const po::variables_map& vm) {
    if (!vm["plugin"].defaulted()) return vm["plugin"].as<std::string>();
    if (const char* env = std::getenv("MELDCODE_PLUGIN"); env != nullptr && *env != '\0') {
        return env;
    }
    const json config = read_config(vm["config"].as<std::string>());
    if (is_sidecar_config(config) && config.at("plugin_path").is_string()) {
        return config.at("plugin_path").get<std::string>();
    }
    return vm["plugin"].as<std::string>();
}

// meldcoded's own SQLite files that exist (webhook outbox, host orders,
// accounts), when FILE is its configuration: a restore without them loses
// undelivered events, open orders and the UI's accounts.
std::vector<std::string> sidecar_state_files(const std::string& path) {
    if (!is_sidecar_config(read_config(path))) return {};
    const meldcoded::Config config = meldcoded::load_config(path);
    std::vector<std::string> files{meldcoded::accounts_store_path(config)};
    if (meldcoded::shared_store_conninfo(config).empty()) {
        files.push_back(config.webhooks.store_path.empty()
                            ? meldcoded::sidecar_file(config, "webhooks.db")
                            : config.webhooks.store_path);
        files.push_back(meldcoded::sidecar_file(config, "host_orders.db"));
    }
    files.erase(std::remove_if(files.begin(), files.end(),
                               [](const std::string& f) { return !std::ifstream(f).good(); }),
                files.end());
    return files;
}

// Opens the store, waiting up to `wait` for another process to let go of it.
std::unique_ptr<meldcode::sdk::Instance> open_waiting(
    const std::shared_ptr<const meldcode::sdk::Plugin>& plugin, const json& config,
    std::chrono::seconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    for (bool told = false;; told = true) {
        try {
            return std::make_unique<meldcode::sdk::Instance>(plugin, config);
        } catch (const meldcode::sdk::Error& e) {
            if (e.code() != "store_in_use" || std::chrono::steady_clock::now() >= until) throw;
            if (!told) std::cerr << "meldcode-admin: the store is in use; waiting\n";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

// Without opening an instance: the store stays meldcoded's (see backup.h).
int backup(const std::string& config_path, const std::string& destination) {
    const auto report = meldcode::admin::backup(instance_config(config_path), destination,
                                                sidecar_state_files(config_path));
    std::cout << "backup: " << report.store << " (" << report.pages << " pages) and "
              << report.key_ring;
    for (const auto& file : report.sidecar_files) std::cout << ", " << file;
    std::cout << "; keep them together and private\n";
    return kOk;
}

int audit_verify(const meldcode::sdk::Instance& mc, const json& actor) {
    const json report = mc.verify_audit(actor);
    std::cout << report.dump() << '\n';
    return report.at("ok") == true ? kOk : kBroken;
}

// A rotation whose `remaining` rises was sent back to its start by a host on
// the store that still has another key active (docs/encryption-and-audit.md).
// Such a host does so again whenever it writes, until it is restarted with the
// new ring: after this many rises the run stops rather than go round forever.
constexpr int kMaxRestarts = 3;

void say_started_over(long long from, long long to, const std::string& active_key) {
    std::cerr << "keys-rotate: remaining rose from " << from << " to " << to
              << ": a host on this store still writes with another key than \"" << active_key
              << "\" active, and the rotation starts over. Restart every host with the new key"
                 " ring.\n";
}

// One durable transaction per batch: interrupted, it resumes on the next run.
int keys_rotate(const meldcode::sdk::Instance& mc, const json& actor, int batch) {
    long long total = 0;
    long long last_remaining = -1;
    int restarts = 0;
    for (;;) {
        const json progress = mc.rotate_keys(actor, {{"batch", batch}});
        total += progress.at("rotated").get<long long>();
        std::cout << progress.dump() << '\n' << std::flush;
        const long long remaining = progress.at("remaining");
        if (remaining == 0) break;
        if (last_remaining >= 0 && remaining > last_remaining) {
            const std::string active = progress.at("active_key");
            say_started_over(last_remaining, remaining, active);
            if (++restarts == kMaxRestarts) {
                std::cerr << "keys-rotate: stopped after the rotation started over " << kMaxRestarts
                          << " times; " << total
                          << " records re-keyed so far. Run it again once every host has \""
                          << active << "\" active: it resumes.\n";
                return kError;
            }
        }
        last_remaining = remaining;
    }
    std::cout << "done: " << total << " records now under the active key\n";
    return kOk;
}

// A purge removes at most `batch` concerns per durable transaction and runs
// until none are due, one report per batch: interrupted, it resumes on the
// next run. A dry run removes nothing, so it counts once, up to the maximum.
int purge(const meldcode::sdk::Instance& mc, const json& actor, bool dry_run, int batch) {
    constexpr int kMaxBatch = 10000;  // purge_request's limit
    const json request{{"dry_run", dry_run}, {"limit", dry_run ? kMaxBatch : batch}};
    long long concerns = 0;
    json report;
    do {
        report = mc.purge(actor, request);
        concerns += report.at("concerns").get<long long>();
        std::cout << report.dump() << '\n' << std::flush;
    } while (!dry_run && report.at("more") == true);
    const long long held = report.at("held").get<long long>();  // every pass counts them all
    if (dry_run) {
        std::cout << "dry run: " << concerns << (report.at("more") == true ? " or more" : "")
                  << " concerns due, " << held << " held past their retention\n";
    } else {
        std::cout << "done: " << concerns << " concerns purged, " << held
                  << " held past their retention\n";
    }
    if (!dry_run && report.at("log_cleared") == false) {
        std::cerr << "meldcode-admin: the write-ahead log still holds old pages (another process "
                     "is reading); run purge again later to clear it\n";
    }
    return kOk;
}

// Pages of at most 500 rows (the query's maximum) until `limit` were printed.
int audit_list(const meldcode::sdk::Instance& mc, const json& actor, int limit) {
    constexpr int kMaxPage = 500;
    json query = json::object();
    for (int left = limit; left > 0;) {
        query["limit"] = std::min(left, kMaxPage);
        const json page = mc.list_audit(actor, query);
        for (const json& item : page.at("items")) std::cout << item.dump() << '\n';
        left -= static_cast<int>(page.at("items").size());
        if (page.at("next_cursor").is_null()) break;
        query["cursor"] = page.at("next_cursor");
    }
    return kOk;
}

// A one-time enrolment for the web UI's built-in accounts (docs/web-ui.md):
// the link goes to the person by a channel the corporation trusts; the
// token is in the fragment, which no server or proxy log receives.
int enrol(const po::variables_map& vm) {
    const meldcoded::Config config = meldcoded::load_config(vm["config"].as<std::string>());
    if (!config.ui.password) {
        std::cerr << "meldcode-admin: password sign-in is off (ui.accounts.enabled)\n";
        return kError;
    }
    const std::string actor = vm["actor"].as<std::string>();
    const std::string role = vm["role"].as<std::string>();
    const bool person = role == "observer" || role == "officer" || role == "auditor" ||
                        role == "admin" || role == "manager";
    if (vm["actor"].defaulted() || actor.empty() || actor.size() > 200 ||
        !meldcoded::valid_utf8(actor) || std::any_of(actor.begin(), actor.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20;
        })) {
        std::cerr << "meldcode-admin: enrol needs --actor, the person's actor id (1 to 200 "
                     "characters)\n";
        return kError;
    }
    if (!person) {
        std::cerr
            << "meldcode-admin: --role must be observer, officer, auditor, admin or manager\n";
        return kError;
    }
    const int hours = vm["valid-hours"].as<int>();
    if (hours < 1 || hours > 720) {
        std::cerr << "meldcode-admin: --valid-hours must be 1 to 720\n";
        return kError;
    }
    meldcode::rest::AccountStore accounts(meldcoded::accounts_store_path(config), nullptr);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string token =
        accounts.create_enrolment(actor, role, now, std::int64_t{hours} * 3600);
    std::cout << meldcoded::public_url(config) << "/ui/enrol.html#" << token << '\n';
    return kOk;
}

// Each subcommand by name: the one list that both recognises and runs them,
// with the request field each option becomes, so that a refused value is
// reported by the option the operator typed (the plugin names the field).
using Instance = meldcode::sdk::Instance;
struct Command {
    std::function<int(const Instance&, const json& actor, const po::variables_map&)> run;
    std::map<std::string, std::string> option_of_field;  // JSON pointer -> option
};
const std::map<std::string, Command>& commands() {
    static const std::map<std::string, Command> all{
        {"audit-verify",
         {[](const Instance& mc, const json& a, const po::variables_map&) {
              return audit_verify(mc, a);
          },
          {}}},
        {"audit-list",
         {[](const Instance& mc, const json& a, const po::variables_map& vm) {
              return audit_list(mc, a, vm["limit"].as<int>());
          },
          {{"/limit", "--limit"}}}},
        {"keys-rotate",
         {[](const Instance& mc, const json& a, const po::variables_map& vm) {
              return keys_rotate(mc, a, vm["batch"].as<int>());
          },
          {{"/batch", "--batch"}}}},
        {"purge",
         {[](const Instance& mc, const json& a, const po::variables_map& vm) {
              return purge(mc, a, vm["dry-run"].as<bool>(), vm["batch"].as<int>());
          },
          {{"/limit", "--batch"}}}},
    };
    return all;
}

// "code: message", the field the plugin named (unless the message does),
// and the option behind that field, if any.
std::string describe(const meldcode::sdk::Error& e, const Command* command) {
    std::string text = std::string(e.code()) + ": " + e.what();
    if (e.pointer().empty()) return text;
    if (text.find(e.pointer()) == std::string::npos) text += " at " + e.pointer();
    if (command != nullptr) {
        const auto option = command->option_of_field.find(e.pointer());
        if (option != command->option_of_field.end()) text += " (option " + option->second + ")";
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description options(
        "meldcode-admin audit-verify|audit-list|keys-rotate|purge|enrol --config FILE [options]");
    options.add_options()("help", "show this help")(
        "command", po::value<std::string>(),
        "audit-verify, audit-list, keys-rotate, purge, enrol or backup")(
        "config", po::value<std::string>(),
        "instance configuration (JSON); for enrol, meldcoded's configuration")(
        "batch", po::value<int>()->default_value(500),
        "keys-rotate: records, purge: concerns per transaction")(
        "dry-run", po::bool_switch(), "purge: only count what is due, remove nothing")(
        "limit", po::value<int>()->default_value(100), "audit-list: newest rows to print")(
        "actor", po::value<std::string>()->default_value("meldcode-admin"),
        "who runs this, as written to the audit trail; enrol: whom to enrol")(
        "role", po::value<std::string>()->default_value("admin"),
        "admin or auditor; enrol: the person's role (observer, officer, auditor, admin)")(
        "valid-hours", po::value<int>()->default_value(72), "enrol: how long the link works")(
        "plugin", po::value<std::string>()->default_value(default_plugin()),
        "path of libmeldcode.so (else MELDCODE_PLUGIN, else meldcoded's plugin_path)")(
        "wait", po::value<int>()->default_value(0),
        "seconds to wait while another process (meldcoded) has the store open");
    options.add_options()("destination", po::value<std::string>(),
                          "backup: the new folder the store and key ring are copied into");
    po::positional_options_description positional;
    positional.add("command", 1);
    positional.add("destination", 1);
    const Command* command = nullptr;
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
                  vm);
        po::notify(vm);
        const std::string name = vm.count("command") ? vm["command"].as<std::string>() : "";
        if (name == "enrol" && vm.count("config") != 0 && vm.count("help") == 0) return enrol(vm);
        const auto found = commands().find(name);
        if (name == "backup" && vm.count("config") != 0 && vm.count("destination") != 0) {
            return backup(vm["config"].as<std::string>(), vm["destination"].as<std::string>());
        }
        if (vm.count("help") != 0 || vm.count("config") == 0 || found == commands().end()) {
            std::cout << options << '\n' << kStoreInUse;
            return vm.count("help") != 0 ? kOk : kError;
        }
        command = &found->second;
        const auto plugin = std::make_shared<const meldcode::sdk::Plugin>(plugin_path(vm));
        const auto mc = open_waiting(plugin, instance_config(vm["config"].as<std::string>()),
                                     std::chrono::seconds(std::max(0, vm["wait"].as<int>())));
        const json actor{{"id", vm["actor"].as<std::string>()},
                         {"role", vm["role"].as<std::string>()}};
        return command->run(*mc, actor, vm);
    } catch (const meldcode::sdk::Error& e) {
        std::cerr << "meldcode-admin: " << describe(e, command) << '\n';
        if (e.code() == "store_in_use") std::cerr << kStoreInUse;
    } catch (const std::exception& e) {
        std::cerr << "meldcode-admin: " << e.what() << '\n';
    }
    return kError;
}
