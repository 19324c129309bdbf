// The C ABI. It only translates: C strings -> validated JSON -> domain
// types, calls the service, and domain results -> JSON -> C strings, with
// every exception turned into an mc_status (abi_errors.h).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include "abi/abi_errors.h"
#include "abi/codec.h"
#include "abi/json_input.h"
#include "abi/key_source.h"
#include "abi/schema_validator.h"
#include "crypto/sodium_crypto.h"
#include "extensions/extensions_loader.h"
#include "meldcode/meldcode.h"
#include "resources.h"
#include "service/calendars.h"
#include "service/clocks.h"
#include "service/meldcode_service.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

using meldcode::Error;
using nlohmann::json;

struct mc_instance {
    static constexpr std::uint32_t kMagic = 0x6d656c64;  // "meld"
    std::uint32_t magic = kMagic;
    std::unique_ptr<meldcode::MeldcodeService> service;
    bool check_outputs = false;  // config "check_outputs": tests validate every answer
    std::string extensions;      // what mc_extensions_get answers, fixed at open
};

namespace {

meldcode::MeldcodeService& service_of(mc_instance* instance) {
    if (instance == nullptr || instance->magic != mc_instance::kMagic) {
        throw Error(MC_E_ARGUMENT, "invalid_instance", "instance is NULL or not open");
    }
    return *instance->service;
}

void require_out(const void* out) {
    if (out == nullptr) throw Error(MC_E_ARGUMENT, "null_argument", "output pointer is NULL");
}

// Hands text to the caller, who frees it with mc_free(): the pieces are
// written once, into the buffer the caller receives.
void give(char** out, std::initializer_list<std::string_view> pieces) {
    std::size_t size = 1;
    for (const auto piece : pieces) size += piece.size();
    char* text = static_cast<char*>(std::malloc(size));
    if (text == nullptr) throw std::bad_alloc();
    char* end = text;
    for (const auto piece : pieces) end = std::copy(piece.begin(), piece.end(), end);
    *end = '\0';
    *out = text;
}

// (The explicit string_view matters: clang binds {text} to this very overload.)
void give(char** out, const std::string& text) {
    give(out, {std::string_view(text)});
}

void give(char** out, const meldcode::codec::PromptText& prompt) {
    give(out, {prompt.head, prompt.form, prompt.tail});
}

json embedded(const char* name, const char* schema) {
    const auto text = meldcode::resources::get(name);
    json doc = json::parse(text.begin(), text.end());
    meldcode::validate_payload(schema, doc);
    return doc;
}

json workflow_definition(const json& config) {
    if (!config.contains("workflow_file")) return embedded("workflow.json", "workflow");
    const auto path = config.at("workflow_file").get<std::string>();
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file) {
        throw Error(MC_E_PAYLOAD, "unreadable_workflow_file", "cannot read the workflow file",
                    "/workflow_file");
    }
    try {
        return meldcode::codec::read(text.str().c_str(), "workflow");
    } catch (const Error& e) {
        throw Error(e.status(), "invalid_workflow",
                    std::string("workflow file: ") + e.what() + " (at " + e.pointer() + ")",
                    "/workflow_file");
    }
}

meldcode::ServiceSettings settings(const json& config,
                                   std::vector<std::shared_ptr<const meldcode::PromptRule>> rules) {
    meldcode::ServiceSettings s;
    s.extension_rules = std::move(rules);
    s.default_locale = config.value("default_locale", "nl");
    s.clock_skew_seconds = config.value("clock_skew_seconds", s.clock_skew_seconds);
    if (config.contains("prompt_rules")) {
        s.prompt_rules = meldcode::PromptRules::from_config(config.at("prompt_rules"));
    }
    if (config.contains("host_events")) {
        s.concern_event_kinds = config.at("host_events")
                                    .value("create_concern_for", json::array())
                                    .get<std::vector<std::string>>();
    }
    if (config.contains("retention")) {
        s.retention = meldcode::RetentionPolicy::from_config(config.at("retention"));
    }
    if (config.contains("reminders")) {
        s.reminders = meldcode::ReminderSettings::from_config(config.at("reminders"));
        s.reminders_configured = true;
    }
    if (config.contains("export")) {
        s.export_redactions = meldcode::codec::redactions(config.at("export"));
    }
    if (config.contains("figures")) {
        s.figures_min_cell = config.at("figures").value("min_cell", s.figures_min_cell);
    }
    return s;
}

std::unique_ptr<meldcode::Clock> clock(const json& config) {
    if (!config.contains("clock")) return std::make_unique<meldcode::SystemClock>();
    const auto fixed = meldcode::parse_timestamp(config.at("clock").at("fixed").get<std::string>());
    if (!fixed) throw meldcode::invalid_field("/clock/fixed", "not a real date and time");
    return std::make_unique<meldcode::FixedClock>(*fixed);
}

class CallbackNotifier final : public meldcode::Notifier {
public:
    CallbackNotifier(mc_notify_fn fn, void* user_data) : fn_(fn), user_data_(user_data) {}
    void notify(const json& notification) override { fn_(user_data_, notification.dump().c_str()); }

private:
    mc_notify_fn fn_;
    void* user_data_;
};

// The schemas of a call's payload (nullptr: none) and of its answer.
// What a call reads and answers, and the operation it performs (its role
// is checked before the payload is read).
struct Schemas {
    const char* in;
    const char* out;
    meldcode::Operation operation;
};

std::string text_of(const std::string& reply) {
    return reply;
}
std::string text_of(const meldcode::codec::PromptText& reply) {
    return reply.head + std::string(reply.form) + std::string(reply.tail);
}

// With "check_outputs" on (the test suites), every answer must match its
// schema: a mismatch is our bug, reported as MC_E_INTERNAL.
template <typename Reply>
void check_output(const mc_instance* instance, const char* schema, const Reply& reply) {
    if (!instance->check_outputs) return;
    try {
        meldcode::validate_payload(schema, json::parse(text_of(reply)));
    } catch (const Error& e) {
        throw Error(
            MC_E_INTERNAL, "invalid_output",
            std::string("answer does not match schemas/") + schema + ".schema.json: " + e.what());
    }
}

using Op = meldcode::Operation;

// The common shape of the calls that take an actor and a payload and answer JSON.
template <typename Fn>
mc_status call(mc_instance* instance, const char* actor_json, const char* payload, Schemas schemas,
               char** out, Fn&& fn) {
    return meldcode::abi::guard([&] {
        require_out(out);
        *out = nullptr;
        auto& service = service_of(instance);
        const meldcode::Actor actor = meldcode::codec::actor(actor_json);
        service.authorize(actor, schemas.operation);
        json doc = schemas.in == nullptr ? json() : meldcode::codec::read(payload, schemas.in);
        const auto reply = fn(service, actor, std::move(doc));
        check_output(instance, schemas.out, reply);
        give(out, reply);
    });
}

// The form of the event ids the plugin gives out (event_log.h).
bool is_event_id(std::string_view id) {
    constexpr std::string_view prefix = "evt_";
    return id.size() == prefix.size() + 32 && id.substr(0, prefix.size()) == prefix &&
           std::all_of(id.begin() + prefix.size(), id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

constexpr int64_t kMaxReplay = 10'000;

}  // namespace

extern "C" {

MC_API uint32_t mc_abi_version(void) {
    return MC_ABI_VERSION;
}

MC_API mc_status mc_abi_check(uint32_t host_abi_version) {
    return meldcode::abi::guard([&] {
        const bool same_major = (host_abi_version >> 16) == MC_ABI_VERSION_MAJOR;
        if (!same_major || (host_abi_version & 0xffffu) > MC_ABI_VERSION_MINOR) {
            throw Error(MC_E_VERSION, "abi_mismatch",
                        "host built for ABI " + std::to_string(host_abi_version >> 16) + "." +
                            std::to_string(host_abi_version & 0xffffu) + "; library implements " +
                            std::to_string(MC_ABI_VERSION_MAJOR) + "." +
                            std::to_string(MC_ABI_VERSION_MINOR));
        }
    });
}

MC_API mc_status mc_info(char** info_json) {
    return meldcode::abi::guard([&] {
        require_out(info_json);
        *info_json = nullptr;
        const json info{{"version", MELDCODE_VERSION},
                        {"abi_version", std::to_string(MC_ABI_VERSION_MAJOR) + "." +
                                            std::to_string(MC_ABI_VERSION_MINOR)},
                        {"catalog_version", embedded("catalog.json", "catalog").at("version")},
                        {"workflow_version", embedded("workflow.json", "workflow").at("version")}};
        give(info_json, info.dump());
    });
}

MC_API void mc_free(void* ptr) {
    std::free(ptr);
}

namespace {

// The store the configuration names (the schema allows exactly one): the
// SQLite file of store_path, the embedded default, or a PostgreSQL database.
std::unique_ptr<meldcode::Store> open_store(const json& config,
                                            std::shared_ptr<const meldcode::Crypto> crypto) {
    if (const auto store = config.find("store"); store != config.end()) {
        return meldcode::open_postgres_store(store->at("postgresql").get<std::string>(),
                                             std::move(crypto));
    }
    return meldcode::open_sqlite_store(config.at("store_path").get<std::string>(),
                                       std::move(crypto));
}

}  // namespace

MC_API mc_status mc_open(const char* config_json, mc_instance** instance) {
    return meldcode::abi::guard([&] {
        require_out(instance);
        *instance = nullptr;
        const json config = meldcode::codec::read(config_json, "config");
        auto catalog = meldcode::Catalog::from_definition(embedded("catalog.json", "catalog"));
        // A bad pack or extension is reported, not fatal: the rest works.
        auto extensions = meldcode::load_extensions(config.value("extensions", json()), catalog);
        auto workflow = meldcode::Workflow::from_definition(workflow_definition(config));
        std::shared_ptr<const meldcode::Crypto> crypto =
            meldcode::make_sodium_crypto(meldcode::abi::load_key_ring(config.at("keys")));
        auto store = open_store(config, crypto);
        auto opened = std::make_unique<mc_instance>();
        opened->check_outputs = config.value("check_outputs", false);
        opened->extensions = extensions.report.dump();
        opened->service = std::make_unique<meldcode::MeldcodeService>(
            settings(config, std::move(extensions.prompt_rules)), std::move(catalog),
            std::move(workflow), std::move(store), std::move(crypto), clock(config),
            std::make_unique<meldcode::ZoneCalendar>());
        *instance = opened.release();
    });
}

MC_API mc_status mc_close(mc_instance* instance) {
    return meldcode::abi::guard([&] {
        if (instance == nullptr) return;
        service_of(instance).flush();
        instance->magic = 0;
        delete instance;
    });
}

MC_API mc_status mc_ticket_closed(mc_instance* instance, const char* actor_json,
                                  const char* ticket_json, char** prompt_json) {
    return call(instance, actor_json, ticket_json, {"ticket", "prompt", Op::ticket_closed},
                prompt_json, [](auto& service, const auto& actor, json&& doc) {
                    const auto result =
                        service.ticket_closed(actor, meldcode::codec::ticket(std::move(doc)));
                    return meldcode::codec::prompt(result, service.catalog());
                });
}

MC_API mc_status mc_signals_submit(mc_instance* instance, const char* actor_json,
                                   const char* submission_json, char** receipt_json) {
    return call(
        instance, actor_json, submission_json, {"submission", "receipt", Op::submit_signals},
        receipt_json, [](auto& service, const auto& actor, const json& doc) {
            const auto ref = service.submit_signals(actor, meldcode::codec::submission(doc));
            return json{{"submission_ref", ref}}.dump();
        });
}

MC_API mc_status mc_submission_status(mc_instance* instance, const char* actor_json,
                                      const char* request_json, char** status_json) {
    return call(instance, actor_json, request_json,
                {"submission_status_request", "submission_status", Op::submission_status},
                status_json, [](auto& service, const auto& actor, const json& doc) {
                    const auto ref = doc.at("submission_ref").template get<std::string>();
                    return meldcode::codec::submission_status(ref,
                                                              service.submission_status(actor, ref))
                        .dump();
                });
}

MC_API mc_status mc_prompt_open(mc_instance* instance, const char* request_json,
                                char** prompt_json) {
    return meldcode::abi::guard([&] {
        require_out(prompt_json);
        *prompt_json = nullptr;
        auto& service = service_of(instance);
        const json request = meldcode::codec::read(request_json, "prompt_open_request");
        const auto opened = service.open_prompt(request.at("prompt_token").get<std::string>());
        const auto reply = meldcode::codec::opened_prompt(
            opened, request.value("locale", opened.locale), service.catalog());
        check_output(instance, "opened_prompt", reply);
        give(prompt_json, reply);
    });
}

MC_API mc_status mc_host_event_report(mc_instance* instance, const char* actor_json,
                                      const char* event_json, char** accepted_json) {
    return call(instance, actor_json, event_json, {"host_event", "accepted", Op::report_host_event},
                accepted_json, [](auto& service, const auto& actor, const json& doc) {
                    service.report_host_event(actor, meldcode::codec::host_event(doc));
                    return json{{"status", "accepted"}}.dump();
                });
}

MC_API mc_status mc_concerns_list(mc_instance* instance, const char* actor_json,
                                  const char* query_json, char** page_json) {
    return call(
        instance, actor_json, query_json, {"concern_query", "concern_page", Op::list_concerns},
        page_json, [](auto& service, const auto& actor, const json& doc) {
            const auto page = service.list_concerns(actor, meldcode::codec::concern_query(doc));
            return meldcode::codec::concern_page(page).dump();
        });
}

MC_API mc_status mc_concern_get(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** concern_json) {
    return call(instance, actor_json, request_json, {"concern_get", "concern", Op::read_concern},
                concern_json, [](auto& service, const auto& actor, const json& doc) {
                    const auto view =
                        service.get_concern(actor, meldcode::codec::concern_selector(doc),
                                            meldcode::codec::chronology_query(doc));
                    return meldcode::codec::concern(view).dump();
                });
}

MC_API mc_status mc_concern_act(mc_instance* instance, const char* actor_json,
                                const char* action_json, char** concern_json) {
    return call(instance, actor_json, action_json,
                {"concern_action", "concern", Op::act_on_concern}, concern_json,
                [](auto& service, const auto& actor, const json& doc) {
                    const auto view = service.act(actor, meldcode::codec::action_request(doc));
                    return meldcode::codec::concern(view).dump();
                });
}

MC_API mc_status mc_steps_due(mc_instance* instance, const char* actor_json, char** due_json) {
    return call(instance, actor_json, nullptr, {nullptr, "due_steps", Op::steps_due}, due_json,
                [](auto& service, const auto& actor, const json&) {
                    return meldcode::codec::due_steps(service.steps_due(actor)).dump();
                });
}

MC_API mc_status mc_legal_hold_set(mc_instance* instance, const char* actor_json,
                                   const char* request_json, char** hold_json) {
    return call(instance, actor_json, request_json,
                {"legal_hold_request", "legal_hold", Op::set_legal_hold}, hold_json,
                [](auto& service, const auto& actor, const json& doc) {
                    const auto concern =
                        service.set_legal_hold(actor, meldcode::codec::legal_hold_request(doc));
                    return meldcode::codec::legal_hold(concern).dump();
                });
}

MC_API mc_status mc_purge(mc_instance* instance, const char* actor_json, const char* request_json,
                          char** report_json) {
    return call(instance, actor_json, request_json,
                {"purge_request", "purge_report", Op::purge_concerns}, report_json,
                [](auto& service, const auto& actor, const json& doc) {
                    const auto report = service.purge(actor, meldcode::codec::purge_request(doc));
                    return meldcode::codec::purge_report(report).dump();
                });
}

MC_API mc_status mc_concern_export(mc_instance* instance, const char* actor_json,
                                   const char* request_json, char** dossier_json) {
    return call(
        instance, actor_json, request_json, {"export_request", "export_answer", Op::export_concern},
        dossier_json, [](auto& service, const auto& actor, const json& doc) {
            if (const auto asked = meldcode::codec::export_approval(doc)) {
                if (asked->approve) {
                    return meldcode::codec::dossier(
                               service.approve_export(actor, asked->export_ref))
                        .dump();
                }
                return meldcode::codec::export_pending(
                           asked->decline_reason ? service.decline_export(actor, asked->export_ref,
                                                                          *asked->decline_reason)
                                                 : service.view_export(actor, asked->export_ref))
                    .dump();
            }
            const auto record = service.request_export(actor, meldcode::codec::export_request(doc));
            return meldcode::codec::export_pending(record).dump();
        });
}

// ---- ABI 1.3: the melding draft for Veilig Thuis (issue 19) ----------------

// Not through call(): a request that breaks its schema is audited too.
MC_API mc_status mc_concern_melding_draft(mc_instance* instance, const char* actor_json,
                                          const char* request_json, char** draft_json) {
    return meldcode::abi::guard([&] {
        require_out(draft_json);
        *draft_json = nullptr;
        auto& service = service_of(instance);
        const meldcode::Actor actor = meldcode::codec::actor(actor_json);
        service.authorize(actor, Op::draft_melding);
        json request;
        try {
            request = meldcode::codec::read(request_json, "melding_draft_request");
        } catch (const Error&) {
            service.melding_draft_refused(actor);
            throw;
        }
        const std::string reply =
            service.melding_draft(actor, meldcode::codec::melding_draft_request(request)).dump();
        check_output(instance, "melding_draft", reply);
        give(draft_json, reply);
    });
}

// ---- end of ABI 1.3's melding draft ------------------------------------------

MC_API mc_status mc_keys_rotate(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** progress_json) {
    return call(instance, actor_json, request_json,
                {"key_rotation_request", "key_rotation", Op::rotate_keys}, progress_json,
                [](auto& service, const auto& actor, const json& doc) {
                    const auto progress =
                        service.rotate_keys(actor, meldcode::codec::key_rotation_request(doc));
                    return json{{"rotated", progress.rotated},
                                {"remaining", progress.remaining},
                                {"active_key", service.active_key_id()}}
                        .dump();
                });
}

MC_API mc_status mc_audit_verify(mc_instance* instance, const char* actor_json,
                                 char** report_json) {
    return call(instance, actor_json, nullptr, {nullptr, "audit_verification", Op::verify_audit},
                report_json, [](auto& service, const auto& actor, const json&) {
                    const auto report = service.verify_audit(actor);
                    json out{{"ok", !report.first_broken}, {"rows", report.rows}};
                    if (report.first_broken) {
                        out["first_broken"] = {{"id", report.first_broken->id},
                                               {"problem", report.first_broken->problem}};
                    }
                    return out.dump();
                });
}

MC_API mc_status mc_audit_list(mc_instance* instance, const char* actor_json,
                               const char* query_json, char** page_json) {
    return call(instance, actor_json, query_json, {"audit_query", "audit_page", Op::read_audit},
                page_json, [](auto& service, const auto& actor, const json& doc) {
                    const auto page = service.list_audit(actor, meldcode::codec::audit_query(doc));
                    return meldcode::codec::audit_page(page).dump();
                });
}

// Answers nothing but a status, so not through call().
MC_API mc_status mc_audit_record(mc_instance* instance, const char* actor_json,
                                 const char* event_json) {
    return meldcode::abi::guard([&] {
        auto& service = service_of(instance);
        const meldcode::Actor actor = meldcode::codec::actor(actor_json);
        service.authorize(actor, Op::record_audit);
        const json event = meldcode::codec::read(event_json, "audit_event");
        std::optional<meldcode::Actor> acting_as;
        if (event.contains("acting_as")) {
            const json& as = event.at("acting_as");
            acting_as =
                meldcode::Actor{as.at("id").get<std::string>(),
                                *meldcode::role_from_name(as.at("role").get<std::string>())};
        }
        const auto count = event.contains("count")
                               ? std::optional<std::int64_t>(event.at("count").get<std::int64_t>())
                               : std::nullopt;
        service.record_audit(actor, event.at("action").get<std::string>(), acting_as, count);
    });
}

MC_API mc_status mc_catalog_get(mc_instance* instance, const char* locale, char** catalog_json) {
    return meldcode::abi::guard([&] {
        require_out(catalog_json);
        *catalog_json = nullptr;
        auto& service = service_of(instance);
        const std::string chosen = locale == nullptr ? service.default_locale() : locale;
        if (!meldcode::Catalog::supports(chosen)) {
            // A value the caller chose, not a NULL or a bad handle: the payload's fault.
            throw Error(MC_E_PAYLOAD, "unsupported_locale", "supported locales are nl and en");
        }
        const std::string& view = service.catalog().view_text(chosen);
        check_output(instance, "catalog_view", view);
        give(catalog_json, view);
    });
}

MC_API mc_status mc_workflow_get(mc_instance* instance, const char* locale, char** workflow_json) {
    return meldcode::abi::guard([&] {
        require_out(workflow_json);
        *workflow_json = nullptr;
        auto& service = service_of(instance);
        const std::string chosen = locale == nullptr ? service.default_locale() : locale;
        const std::string& view = service.workflow().view_text(chosen);
        check_output(instance, "workflow_view", view);
        give(workflow_json, view);
    });
}

// ---- 1.3: management figures ----------------------------------------------
// Not through call(): a request that does not parse is audited too.
MC_API mc_status mc_figures_get(mc_instance* instance, const char* actor_json,
                                const char* request_json, char** figures_json) {
    return meldcode::abi::guard([&] {
        require_out(figures_json);
        *figures_json = nullptr;
        auto& service = service_of(instance);
        const meldcode::Actor actor = meldcode::codec::actor(actor_json);
        service.authorize(actor, Op::read_figures);
        json request;
        try {
            request = meldcode::codec::read(request_json, "figures_request");
        } catch (const Error&) {
            service.refuse_figures(actor);
            throw;
        }
        const std::string reply = service
                                      .figures(actor, request.at("from").get<std::string>(),
                                               request.at("to").get<std::string>())
                                      .dump();
        check_output(instance, "figures", reply);
        give(figures_json, reply);
    });
}
// ---- end of 1.3: management figures ---------------------------------------

MC_API mc_status mc_extensions_get(mc_instance* instance, char** extensions_json) {
    return meldcode::abi::guard([&] {
        require_out(extensions_json);
        *extensions_json = nullptr;
        service_of(instance);  // checks the handle
        check_output(instance, "extensions", instance->extensions);
        give(extensions_json, instance->extensions);
    });
}

MC_API mc_status mc_store_stats(mc_instance* instance, char** stats_json) {
    return meldcode::abi::guard([&] {
        require_out(stats_json);
        *stats_json = nullptr;
        const std::string stats =
            meldcode::codec::store_stats(service_of(instance).store_stats()).dump();
        check_output(instance, "store_stats", stats);
        give(stats_json, stats);
    });
}

MC_API mc_status mc_store_probe(mc_instance* instance) {
    return meldcode::abi::guard([&] { service_of(instance).probe_store(); });
}

MC_API mc_status mc_notifications_set(mc_instance* instance, mc_notify_fn fn, void* user_data) {
    return meldcode::abi::guard([&] {
        auto& service = service_of(instance);
        service.set_notifier(fn == nullptr ? nullptr
                                           : std::make_shared<CallbackNotifier>(fn, user_data));
    });
}

MC_API mc_status mc_events_ack(mc_instance* instance, const char* event_id) {
    return meldcode::abi::guard([&] {
        auto& service = service_of(instance);
        if (event_id == nullptr || !is_event_id(event_id)) {
            throw Error(MC_E_ARGUMENT, "invalid_event_id",
                        "event_id is not an event id (evt_ and 32 lowercase hex digits)");
        }
        service.acknowledge_event(event_id);
    });
}

MC_API mc_status mc_events_replay(mc_instance* instance, int64_t older_than_seconds, int64_t limit,
                                  int64_t* replayed) {
    return meldcode::abi::guard([&] {
        require_out(replayed);
        *replayed = 0;
        auto& service = service_of(instance);
        if (older_than_seconds < 0) {
            throw Error(MC_E_ARGUMENT, "invalid_argument", "older_than_seconds is negative");
        }
        if (limit < 1 || limit > kMaxReplay) {
            throw Error(MC_E_ARGUMENT, "invalid_argument", "limit is not within 1..10000");
        }
        *replayed = service.replay_events(older_than_seconds, static_cast<int>(limit));
    });
}

}  // extern "C"
