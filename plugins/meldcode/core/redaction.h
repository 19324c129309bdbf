// Redaction of third parties in an exported dossier. Pure. An identity is
// replaced wherever it occurs in any string of the document, not only in
// the members meant to hold it: an officer may have written an observer's
// id into a step's free text, and a data subject must not learn it there.
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

std::string_view redaction_name(Redaction redaction);
std::optional<Redaction> redaction_from_name(std::string_view name);

// Identities to replace, each by a stable pseudonym ("[observer 1]"), so the
// reader still sees that two submissions came from the same person.
class Pseudonyms {
public:
    // The first kind an identity is added under names it; later adds are ignored.
    void add(const std::string& identity, std::string_view kind);
    // Replaces every occurrence in every string value (not in member names).
    void apply(nlohmann::json& document) const;

private:
    std::vector<std::pair<std::string, std::string>> replacements_;
    std::vector<std::pair<std::string, int>> counters_;
};

}  // namespace meldcode
