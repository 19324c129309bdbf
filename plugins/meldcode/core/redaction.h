// Redaction of third parties in an exported dossier. Pure. An identity is
// replaced in the members that hold one, and also wherever it stands as a
// word of its own in free text: an officer may have written an observer's id
// into a step's record, and a data subject must not learn it there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode {

enum class Redaction {
    observer_identity,  // who submitted the signals
    actor_ids,          // every person or system that acted: officers, integrations, observers
    host_ticket_ids,    // the host's work orders, which name the technician in the host system
};

// A melding's field for what Veilig Thuis must not discuss with the family
// (where a signal came from, what a child told): a dossier goes to someone
// of that family, so it never holds this field's text.
constexpr const char* kNotToShareWithFamily = "not_to_share_with_family";
constexpr const char* kNotSharedWithFamily = "[withheld: not to be shared with the family]";

std::string_view redaction_name(Redaction redaction);
std::optional<Redaction> redaction_from_name(std::string_view name);

// Identities to replace, each by a stable pseudonym ("[observer 1]"), so the
// reader still sees that two submissions came from the same person.
class Pseudonyms {
public:
    // The first kind an identity is added under names it; later adds are ignored.
    void add(const std::string& identity, std::string_view kind);
    // For a member that holds an identity: its pseudonym, or `value` itself.
    std::string of(const std::string& value) const;
    // For free text: replaces each identity that stands as a word of its own
    // (not inside a longer word: "tech-1" stays in "tech-10", "10" in
    // "VHE10") in every string value at any depth, in one pass, so that a
    // pseudonym is never rewritten by a later identity. A value that is a
    // date or a date-time is left whole: "10" must not cut "09:10" apart.
    void apply_to_text(nlohmann::json& document) const;

private:
    std::string replace_words(const std::string& text) const;

    std::vector<std::pair<std::string, std::string>> replacements_;
    std::vector<std::pair<std::string, int>> counters_;
};

}  // namespace meldcode
