#include "redaction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "time.h"

namespace meldcode {
namespace {

constexpr std::array<std::pair<Redaction, std::string_view>, 3> kRedactions{{
    {Redaction::observer_identity, "observer_identity"},
    {Redaction::actor_ids, "actor_ids"},
    {Redaction::host_ticket_ids, "host_ticket_ids"},
}};

// Letters, digits and '_' continue a word; so does any byte of a multi-byte
// UTF-8 character, and a separator inside a number ("10:00", "1.5",
// "10/11"). Everything else ('-', space, a full stop ending a sentence, ...)
// ends one, which errs towards redacting: "tech-1-rapport" loses "tech-1".
bool continues_word(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) != 0 || c == '_' || byte >= 0x80;
}

// Whether text[next], just before (step -1) or after (step 1) a match, keeps
// the match from being a word of its own.
bool joins(const std::string& text, std::size_t next, int step) {
    if (next >= text.size()) return false;  // past either end (0 - 1 wraps)
    if (continues_word(text[next])) return true;
    const std::size_t beyond = next + static_cast<std::size_t>(step);
    const bool in_number = std::string_view(":.,/").find(text[next]) != std::string_view::npos;
    return in_number && beyond < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[beyond])) != 0;
}

bool is_date_or_time(const std::string& text) {
    return parse_date(text).has_value() || parse_timestamp(text).has_value();
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

std::string Pseudonyms::of(const std::string& value) const {
    for (const auto& [identity, label] : replacements_) {
        if (identity == value) return label;
    }
    return value;
}

std::string Pseudonyms::replace_words(const std::string& text) const {
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const bool word_starts = !joins(text, at - 1, -1);
        const auto found =
            std::find_if(replacements_.begin(), replacements_.end(), [&](const auto& r) {
                return word_starts && text.compare(at, r.first.size(), r.first) == 0 &&
                       !joins(text, at + r.first.size(), 1);
            });
        if (found == replacements_.end()) {
            out += text[at++];
        } else {
            out += found->second;
            at += found->first.size();
        }
    }
    return out;
}

void Pseudonyms::apply_to_text(nlohmann::json& document) const {
    if (document.is_string()) {
        auto& text = document.get_ref<std::string&>();
        if (!is_date_or_time(text)) text = replace_words(text);
    } else if (document.is_structured()) {
        for (auto& child : document) apply_to_text(child);
    }
}

}  // namespace meldcode
