#include "redaction.h"

#include <algorithm>
#include <array>

namespace meldcode {
namespace {

constexpr std::array<std::pair<Redaction, std::string_view>, 3> kRedactions{{
    {Redaction::observer_identity, "observer_identity"},
    {Redaction::actor_ids, "actor_ids"},
    {Redaction::host_ticket_ids, "host_ticket_ids"},
}};

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

std::string_view redaction_name(Redaction redaction) {
    for (const auto& [r, name] : kRedactions) {
        if (r == redaction) return name;
    }
    return "unknown";
}

std::optional<Redaction> redaction_from_name(std::string_view name) {
    for (const auto& [r, n] : kRedactions) {
        if (n == name) return r;
    }
    return std::nullopt;
}

void Pseudonyms::add(const std::string& identity, std::string_view kind) {
    const auto known = [&identity](const auto& r) { return r.first == identity; };
    if (identity.empty() || std::any_of(replacements_.begin(), replacements_.end(), known)) return;
    auto counter = std::find_if(counters_.begin(), counters_.end(),
                                [kind](const auto& c) { return c.first == kind; });
    if (counter == counters_.end())
        counter = counters_.insert(counters_.end(), {std::string(kind), 0});
    const std::string label =
        "[" + std::string(kind) + " " + std::to_string(++counter->second) + "]";
    replacements_.emplace_back(identity, label);
    // Longest first: "tech-10" must be replaced before "tech-1" can cut it up.
    std::stable_sort(replacements_.begin(), replacements_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void Pseudonyms::apply(nlohmann::json& document) const {
    if (document.is_string()) {
        auto& text = document.get_ref<std::string&>();
        for (const auto& [identity, label] : replacements_) replace_all(text, identity, label);
    } else if (document.is_structured()) {
        for (auto& child : document) apply(child);
    }
}

}  // namespace meldcode
