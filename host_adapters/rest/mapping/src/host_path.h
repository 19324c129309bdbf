// Paths into a host's order: JSON pointers with array steps.
//
//   /status/code                          a member, as in a JSON pointer (~0 ~1 escapes)
//   /defecten[]/eenheid/id                every element of the array `defecten`
//   /onderhoudstaken[status/code=GER]/id  the elements whose `status/code` is "GER"
//   /relaties[rollen[]/soort/code=MDW|OPZ]/id   conditions nest; `|` separates values
//
// A path yields every value it reaches, in document order; a field takes the
// first. A condition holds when any value at its relative path equals one of
// the listed values (strings as they are; numbers and booleans as their JSON
// text). Member names may not contain '[', ']', '=' or '|'.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode::rest {

class HostPath {
public:
    // Throws std::invalid_argument naming what is wrong with `text`.
    static HostPath parse(const std::string& text);

    std::vector<const nlohmann::json*> values(const nlohmann::json& doc) const;

    // What stands in a projection for a value the path reaches.
    using Leaf = std::function<nlohmann::json(const nlohmann::json&)>;

    // The part of `doc` this path reads (values and what its conditions
    // compare), arrays kept at full length with {} for elements it skips;
    // nullopt when it reaches nothing. With `leaf`, each value reached is
    // `leaf(value)`; what conditions compare is kept as it is.
    std::optional<nlohmann::json> project(const nlohmann::json& doc,
                                          const Leaf& leaf = nullptr) const;

    struct Condition;
    struct Step {
        std::string name;                            // the member
        bool array = false;                          // name[] or name[condition]
        std::shared_ptr<const Condition> condition;  // name[condition] only
    };

private:
    std::vector<Step> steps_;
};

// Kept in place of a value that a field's map does not list, when that is
// all the mapping needs to know of it (free text such as an address): it
// maps as any unlisted value does, "*" being the map's own key for them.
inline const char* const kUnlisted = "*";

// Deep-merges a projection into `into`: objects member-wise, arrays
// element-wise (projections of one document have equal array lengths).
// kUnlisted never replaces another value: that is the value itself, which
// some other part of the mapping reads as it is.
void merge_projection(nlohmann::json& into, const nlohmann::json& part);

// The JSON pointer (RFC 6901) of `target` inside `doc`, where values() found
// it; nullopt when it is not there. Walks the document: for an answer that
// must say where in the order a refused value came from, not for every call.
std::optional<std::string> pointer_to(const nlohmann::json& doc, const nlohmann::json* target);

// The text a condition or a value map compares: strings as they are, numbers
// and booleans as JSON; nullopt for null, objects and arrays.
std::optional<std::string> comparable_text(const nlohmann::json& value);

}  // namespace meldcode::rest
