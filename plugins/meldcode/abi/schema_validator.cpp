#include "abi/schema_validator.h"

#include <algorithm>
#include <locale>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "abi/format_check.h"
#include "abi/json_input.h"
#include "core/errors.h"
#include "resources.h"

namespace meldcode {
namespace {

using valijson::adapters::NlohmannJsonAdapter;

// Longest string the detail pass hands to std::regex: above every maxLength
// that sits next to a pattern in schemas/ (std::regex recurses per character).
constexpr std::size_t kRegexSafeBytes = 2048;

std::string file_name(const std::string& uri) {
    const auto slash = uri.find_last_of('/');
    const auto name = slash == std::string::npos ? uri : uri.substr(slash + 1);
    return name.substr(0, name.find('#'));
}

nlohmann::json load_schema(const std::string& file) {
    const auto text = resources::get(file);
    return nlohmann::json::parse(text.begin(), text.end());
}

// valijson checks "format" by compiling a std::regex on every call; the
// plugin checks formats itself (format_check below), faster and stricter
// (real calendar dates), so valijson gets the schemas without them. Only a
// string-valued "format" is a keyword: an object under that name would be a
// property's schema.
nlohmann::json without_formats(nlohmann::json schema) {
    if (schema.is_object()) {
        if (schema.contains("format") && schema.at("format").is_string()) schema.erase("format");
        for (auto& member : schema) member = without_formats(std::move(member));
    } else if (schema.is_array()) {
        for (auto& item : schema) item = without_formats(std::move(item));
    }
    return schema;
}

const nlohmann::json* fetch_schema(const std::string& uri) {
    return new nlohmann::json(without_formats(load_schema(file_name(uri))));
}

void free_schema(const nlohmann::json* doc) {
    delete doc;
}

struct Compiled {
    valijson::Schema schema;
    std::vector<FormatSite> formats;
    nlohmann::json source;  // the schema as written, for the members an object takes
};

class SchemaSet {
public:
    const Compiled& get(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& slot = schemas_[name];
        if (!slot) slot = compile(name);
        return *slot;
    }

private:
    static std::unique_ptr<Compiled> compile(const std::string& name) {
        const auto doc = load_schema(name + ".schema.json");
        auto compiled = std::make_unique<Compiled>();
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        parser.populateSchema(NlohmannJsonAdapter(without_formats(doc)), compiled->schema,
                              fetch_schema, free_schema);
        compiled->formats = format_sites(doc, load_schema);
        compiled->source = doc;
        return compiled;
    }

    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Compiled>> schemas_;
};

// std::regex compiles patterns through std::ctype<char>::narrow, whose cache
// libstdc++ fills lazily and without synchronisation (GCC bug 77704): two
// threads compiling their first regexes at once race on it (ThreadSanitizer
// reports it). Filling the whole cache once, before any validation, removes
// the race.
void fill_narrow_cache() {
    const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
    for (int c = 0; c < 256; ++c) ctype.narrow(static_cast<char>(c), '\0');
}

SchemaSet& schemas() {
    static SchemaSet set = [] {
        fill_narrow_cache();
        return SchemaSet();
    }();
    return set;
}

// The validator caches compiled regexes and is not thread-safe: one per thread.
valijson::Validator& validator() {
    thread_local valijson::Validator v;
    return v;
}

// valijson's context ["<root>", "[signals]", "[0]"] as the pointer "/signals/0".
std::string to_pointer(const std::vector<std::string>& context) {
    std::string pointer;
    for (std::size_t i = 1; i < context.size(); ++i) {
        const auto& part = context[i];
        const bool bracketed = part.size() >= 2 && part.front() == '[' && part.back() == ']';
        pointer += "/" + pointer_token(bracketed ? part.substr(1, part.size() - 2) : part);
    }
    return pointer;
}

// The detail pass reports every failure, patterns included; long strings
// become same-length strings that fail any pattern at the first character.
nlohmann::json regex_safe_copy(const nlohmann::json& value) {
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        return s.size() > kRegexSafeBytes ? nlohmann::json(std::string(s.size(), '\x01')) : value;
    }
    if (value.is_structured()) {
        nlohmann::json copy = value;
        for (auto& member : copy) member = regex_safe_copy(member);
        return copy;
    }
    return value;
}

// valijson prints a schema's limits with std::to_string ("1.000000", six
// decimals): the zeros that end such a fraction, and then a bare point, are
// dropped ("1", "2.5").
std::string plain_numbers(const std::string& text) {
    static const std::regex kSixDecimals(R"((\d)\.(\d{6})\b)");
    std::string out;
    auto rest = text.cbegin();
    for (std::sregex_iterator it(text.begin(), text.end(), kSixDecimals), end; it != end; ++it) {
        const std::smatch& m = *it;
        std::string fraction = m[2].str();
        fraction.erase(fraction.find_last_not_of('0') + 1);  // npos + 1 == 0: all zeros
        out.append(rest, m[0].first).append(m[1].str());
        if (!fraction.empty()) out.append(".").append(fraction);
        rest = m[0].second;
    }
    return out.append(rest, text.cend());
}

constexpr const char* kUnknownMember = "unknown property";

// valijson's texts quote offending property names for unknown properties; a
// name sent by a host is payload, so those texts are replaced.
std::string safe_description(const std::string& description) {
    if (description.find("could not be validated using 'properties'") != std::string::npos) {
        return kUnknownMember;
    }
    return plain_numbers(description);
}

// Where a schema node's "$ref" leads, in its own file (`root`) or another
// of schemas/ (then kept in `other`, and `root` moves there); the node
// itself when it has none, null when the reference leads nowhere.
const nlohmann::json* resolved(const nlohmann::json* node, const nlohmann::json*& root,
                               nlohmann::json& other) {
    for (int hops = 0; node != nullptr && node->is_object() && node->contains("$ref"); ++hops) {
        const std::string ref = node->at("$ref").get<std::string>();
        const auto hash = ref.find('#');
        if (hops == 8 || hash == std::string::npos) return nullptr;
        if (hash != 0) {
            other = load_schema(file_name(ref.substr(0, hash)));
            root = &other;
        }
        const nlohmann::json::json_pointer at(ref.substr(hash + 1));
        node = root->contains(at) ? &root->at(at) : nullptr;
    }
    return node;
}

// The members the schema names for the object at `pointer` of a payload (its
// "properties", through "items" and references), so that the refusal of an
// unknown member can say what is taken there without echoing the member's
// name, which is the payload's. Empty when it cannot tell.
std::vector<std::string> members_taken(const nlohmann::json& schema, const std::string& pointer) {
    std::vector<std::string> tokens;
    for (auto p = nlohmann::json::json_pointer(pointer); !p.empty(); p.pop_back()) {
        tokens.insert(tokens.begin(), p.back());
    }
    nlohmann::json other;
    const nlohmann::json* root = &schema;
    const nlohmann::json* node = &schema;
    for (const auto& token : tokens) {
        node = resolved(node, root, other);
        if (node == nullptr || !node->is_object()) return {};
        if (node->contains("properties") && node->at("properties").contains(token)) {
            node = &node->at("properties").at(token);
        } else if (node->contains("items")) {
            node = &node->at("items");
        } else {
            return {};
        }
    }
    node = resolved(node, root, other);
    std::vector<std::string> names;
    if (node == nullptr || !node->is_object() || !node->contains("properties")) return names;
    for (const auto& [name, member] : node->at("properties").items()) names.push_back(name);
    return names;
}

// "/<name>" when `text` is `prefix` followed by a member's name and "'.",
// as valijson words a failure about one member of an object.
std::optional<std::string> quoted_member(const std::string& text, const std::string& prefix) {
    if (text.rfind(prefix, 0) != 0) return std::nullopt;
    return "/" + pointer_token(text.substr(prefix.size(), text.size() - prefix.size() - 2));
}

using Failure = valijson::ValidationResults::Error;

// A pointer as a refusal's text names it: the whole payload is "/".
std::string shown(const std::string& pointer) {
    return pointer.empty() ? "/" : pointer;
}

bool is_prefix(const std::vector<std::string>& prefix, const std::vector<std::string>& of) {
    return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

std::string without_period(std::string text) {
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
}

// When `best` failed inside an "anyOf" or "oneOf" none of whose alternatives
// held, what the other alternatives asked, as "; or else /observations: ...":
// the deepest failure names one alternative only, and a host fixing that one
// would not learn that another would do. valijson lists a combinator's
// failures right before its own, with contexts under its context.
std::string other_alternatives(const std::vector<Failure>& failures, std::size_t best) {
    for (std::size_t c = best + 1; c < failures.size(); ++c) {
        const Failure& combinator = failures[c];
        if (combinator.description.rfind("Failed to validate against any", 0) != 0) continue;
        if (!is_prefix(combinator.context, failures[best].context)) continue;
        std::size_t first = c;
        while (first > 0 && is_prefix(combinator.context, failures[first - 1].context)) --first;
        std::string others;
        for (std::size_t i = first; i < c; ++i) {
            if (i == best || failures[i].context == combinator.context) continue;
            others.append("; or else ")
                .append(shown(to_pointer(failures[i].context)))
                .append(": ")
                .append(without_period(safe_description(failures[i].description)));
        }
        return others;
    }
    return "";
}

Error describe_failure(const Compiled& compiled, const nlohmann::json& doc) {
    const valijson::Schema& schema = compiled.schema;
    const auto copy = regex_safe_copy(doc);
    valijson::ValidationResults results;
    validator().validate(schema, NlohmannJsonAdapter(copy), &results);
    const std::vector<Failure> failures(results.begin(), results.end());
    // The deepest failure is the most specific one.
    const Failure* best = nullptr;
    for (const auto& e : failures) {
        if (best == nullptr || e.context.size() > best->context.size()) best = &e;
    }
    if (best == nullptr) {
        check_formats(compiled.formats, doc);  // throws when a format is what failed
        return Error(MC_E_PAYLOAD, "schema_violation", "payload does not match its schema");
    }
    std::string pointer = to_pointer(best->context);
    const std::string& text = best->description;
    if (const auto missing = quoted_member(text, "Missing required property '")) {
        pointer += *missing;
        return Error(MC_E_PAYLOAD, "missing_field", "required field is missing: " + pointer,
                     pointer);
    }
    // A member a condition forbids ("reason": false in an "else"): valijson
    // names the member (one of the schema's own) at its parent. The schema's
    // description says when it is taken.
    if (const auto forbidden = quoted_member(
            text, "Failed to validate against schema associated with property name '")) {
        pointer += *forbidden;
        return Error(MC_E_PAYLOAD, "schema_violation",
                     "invalid field " + pointer + ": not taken in this request (see its schema)",
                     pointer);
    }
    std::string description = safe_description(text);
    if (description == kUnknownMember) {
        std::string taken;
        for (const auto& name : members_taken(compiled.source, pointer)) {
            taken += (taken.empty() ? "" : ", ") + name;
        }
        if (!taken.empty()) description += " (this object takes " + taken + ")";
    }
    if (const auto others =
            other_alternatives(failures, static_cast<std::size_t>(best - failures.data()));
        !others.empty()) {
        description = without_period(description) + others;
    }
    return Error(MC_E_PAYLOAD, "schema_violation",
                 "invalid field " + shown(pointer) + ": " + description, pointer);
}

}  // namespace

bool matches_schema(const std::string& schema, const nlohmann::json& doc) {
    try {
        validate_payload(schema, doc);
        return true;
    } catch (const Error&) {
        return false;
    }
}

void validate_payload(const std::string& schema_name, const nlohmann::json& doc) {
    const auto& compiled = schemas().get(schema_name);
    // Fast pass: stops at the first failure, and checks maxLength before pattern.
    if (!validator().validate(compiled.schema, NlohmannJsonAdapter(doc), nullptr)) {
        throw describe_failure(compiled, doc);
    }
    check_formats(compiled.formats, doc);
}

}  // namespace meldcode
