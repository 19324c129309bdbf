// The signal catalog: categories of signals with stable, namespaced ids and
// texts per locale, and the texts of the prompt's form (core/prompt_form.h).
// Built from the built-in definition, then extended by packs
// (docs/extensions.md), which may also carry the corporation's own words and
// switch built-in signals off. A signal no longer offered (retired by its
// catalog, or switched off) is never removed: concerns that hold its id
// still read it. Loaded from data that has already passed
// schemas/catalog.schema.json.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prompt_form.h"

namespace meldcode {

class Catalog {
public:
    static Catalog from_definition(const nlohmann::json& definition);

    static const std::vector<std::string>& locales();
    static bool supports(const std::string& locale);

    // The namespace of a catalog or pack id: its first segment ("mc" of "mc.builtin").
    static std::string namespace_of(const std::string& id);

    // Where a category's concerns are usually taken (the officer decides):
    // the ids of schemas/catalog.schema.json#/definitions/route.
    static const std::vector<std::string>& routes();
    // A category without a route goes to Veilig Thuis.
    static const std::string& default_route();

    // Adds a pack: its categories after the ones already there, its texts
    // (the corporation's words) and the built-in signals it switches off. A
    // pack must have a namespace of its own (not the built-in catalog's, not
    // an earlier pack's), every id in it must carry that namespace, it may not
    // carry prompt texts, only one pack may carry texts, and it may switch off
    // only built-in signals that are offered. Throws Error (MC_E_PAYLOAD, code
    // reserved_namespace, namespace_taken, outside_namespace, duplicate_id,
    // invalid_pack, texts_taken or unknown_signal) and leaves the catalog
    // unchanged when it breaks a rule.
    void add_pack(const nlohmann::json& pack);

    // Why a known signal is offered or not.
    enum class Use { offered, retired, switched_off };

    const std::string& version() const { return version_; }
    // Whether the id is a signal of the catalog, offered or not.
    bool knows(const std::string& signal_id) const;
    // Whether the signal may be ticked now: known, not retired, not switched off.
    bool offers(const std::string& signal_id) const;
    // Whether the signal is offered, retired or switched off; it must be known.
    Use use(const std::string& signal_id) const;
    // The signal's label in every locale ({"nl": ..., "en": ...}); it must be known.
    const nlohmann::json& labels(const std::string& signal_id) const;
    // Whether the signal is a resident or a child telling about violence; it must be known.
    bool is_disclosure(const std::string& signal_id) const;
    // Whether the signal is about a child in the home (its category's
    // about_children): children are involved; it must be known.
    bool is_about_children(const std::string& signal_id) const;
    // Whether the signal is direct (seen, not inferred): the officer calls the
    // observer back to hear it first-hand; it must be known.
    bool is_direct(const std::string& signal_id) const;
    // The category the signal belongs to; it must be known.
    const std::string& category_of(const std::string& signal_id) const;
    // The route of a category (one of routes()); it must be known.
    const std::string& route(const std::string& category_id) const;
    // The route of the signal's category; the signal must be known.
    const std::string& route_of(const std::string& signal_id) const;
    // The catalog as shown to a person: one locale, no other languages.
    const nlohmann::json& view(const std::string& locale) const;
    // The same, serialised once: the ticket-closed hook sends it on the host's request path.
    const std::string& view_text(const std::string& locale) const;

private:
    struct Signal {
        nlohmann::json labels;  // in every locale ({"nl": ..., "en": ...})
        std::string category;
        bool disclosure = false;
        Use use = Use::offered;
        bool direct = false;
        bool about_children = false;
    };

    void index_signals(const nlohmann::json& categories);
    // The pack's texts and switched-off signals, checked before anything changes.
    void check_words(const nlohmann::json& pack) const;
    void build_views();

    std::string version_;
    nlohmann::json definition_;                      // the built-in definition plus every pack
    std::set<std::string> namespaces_;               // the built-in's and every pack's
    std::map<std::string, Signal> signals_;          // signal id -> what is known of it
    std::map<std::string, std::string> routes_;      // category id -> route
    std::optional<FormWords> words_;                 // from the one pack that carried texts
    std::map<std::string, nlohmann::json> views_;    // locale -> view
    std::map<std::string, std::string> view_texts_;  // locale -> view, serialised
};

}  // namespace meldcode
