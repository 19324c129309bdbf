#include "host_path.h"

#include <algorithm>
#include <stdexcept>

#include "strict_json.h"

namespace meldcode::rest {

using nlohmann::json;

struct HostPath::Condition {
    std::vector<Step> path;
    std::vector<std::string> values;
};

namespace {

using Steps = std::vector<HostPath::Step>;

[[noreturn]] void bad(const std::string& reason) {
    throw std::invalid_argument(reason);
}

// Splits at `sep` where no bracket is open, so conditions keep their slashes.
std::vector<std::string> split_outside_brackets(const std::string& text, char sep) {
    std::vector<std::string> parts(1);
    int depth = 0;
    for (const char c : text) {
        if (c == '[') ++depth;
        if (c == ']' && --depth < 0) bad("a ']' without its '['");
        if (c == sep && depth == 0) {
            parts.emplace_back();
        } else {
            parts.back() += c;
        }
    }
    if (depth != 0) bad("a '[' without its ']'");
    return parts;
}

// A JSON pointer reference token: ~1 is '/', ~0 is '~'.
std::string member_name(const std::string& token) {
    if (token.empty()) bad("an empty member name");
    if (token.find_first_of("[]=|") != std::string::npos) {
        bad("a member name with '[', ']', '=' or '|'");
    }
    std::string name;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] != '~') {
            name += token[i];
        } else if (i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            name += token[++i] == '0' ? '~' : '/';
        } else {
            bad("a '~' not followed by 0 or 1");
        }
    }
    return name;
}

Steps parse_steps(const std::string& text);

std::shared_ptr<const HostPath::Condition> parse_condition(const std::string& text) {
    const auto sides = split_outside_brackets(text, '=');
    if (sides.size() != 2 || sides[1].empty()) bad("a condition that is not 'path=value'");
    auto condition = std::make_shared<HostPath::Condition>();
    condition->path = parse_steps(sides[0]);
    condition->values = split_outside_brackets(sides[1], '|');
    if (std::any_of(condition->values.begin(), condition->values.end(),
                    [](const std::string& v) { return v.empty(); })) {
        bad("an empty value in a condition");
    }
    return condition;
}

HostPath::Step parse_step(const std::string& token) {
    const auto open = token.find('[');
    if (open == std::string::npos) return {member_name(token), false, nullptr};
    if (token.back() != ']') bad("text after ']'");
    HostPath::Step step{member_name(token.substr(0, open)), true, nullptr};
    const std::string inside = token.substr(open + 1, token.size() - open - 2);
    if (!inside.empty()) step.condition = parse_condition(inside);
    return step;
}

// "a/b[]/c" (relative: no leading '/').
Steps parse_steps(const std::string& text) {
    Steps steps;
    for (const auto& token : split_outside_brackets(text, '/')) steps.push_back(parse_step(token));
    return steps;
}

bool usable(const json& value) {
    return value.is_primitive() && !value.is_null();
}

void collect(const json& node, const Steps& steps, std::size_t i, std::vector<const json*>& out);

bool holds(const HostPath::Condition* condition, const json& element) {
    if (condition == nullptr) return true;
    std::vector<const json*> found;
    collect(element, condition->path, 0, found);
    return std::any_of(found.begin(), found.end(), [condition](const json* value) {
        const auto text = comparable_text(*value);
        const auto& wanted = condition->values;
        return text && std::find(wanted.begin(), wanted.end(), *text) != wanted.end();
    });
}

void collect(const json& node, const Steps& steps, std::size_t i, std::vector<const json*>& out) {
    if (i == steps.size()) {
        if (usable(node)) out.push_back(&node);
        return;
    }
    const auto& step = steps[i];
    if (!node.is_object()) return;
    const auto member = node.find(step.name);
    if (member == node.end()) return;
    if (!step.array) return collect(*member, steps, i + 1, out);
    if (!member->is_array()) return;
    for (const auto& element : *member) {
        if (holds(step.condition.get(), element)) collect(element, steps, i + 1, out);
    }
}

std::optional<json> project(const json& node, const Steps& steps, std::size_t i,
                            const HostPath::Leaf& leaf);

// One array element: what the rest of the path reads, plus what the
// condition compared (so the element still matches when read back).
std::optional<json> project_element(const json& element, const HostPath::Step& step,
                                    const Steps& steps, std::size_t i, const HostPath::Leaf& leaf) {
    if (!holds(step.condition.get(), element)) return std::nullopt;
    auto part = project(element, steps, i + 1, leaf);
    if (part && step.condition) {
        if (auto compared = project(element, step.condition->path, 0, nullptr)) {
            merge_projection(*part, *compared);
        }
    }
    return part;
}

std::optional<json> project(const json& node, const Steps& steps, std::size_t i,
                            const HostPath::Leaf& leaf) {
    if (i == steps.size()) {
        if (!usable(node)) return std::nullopt;
        return leaf ? leaf(node) : node;
    }
    const auto& step = steps[i];
    if (!node.is_object()) return std::nullopt;
    const auto member = node.find(step.name);
    if (member == node.end()) return std::nullopt;
    std::optional<json> inner;
    if (!step.array) {
        inner = project(*member, steps, i + 1, leaf);
    } else if (member->is_array()) {
        json elements = json::array();
        bool reached = false;
        for (const auto& element : *member) {
            auto part = project_element(element, step, steps, i, leaf);
            reached = reached || part.has_value();
            elements.push_back(part ? std::move(*part) : json::object());
        }
        if (reached) inner = std::move(elements);
    }
    if (!inner) return std::nullopt;
    json out = json::object();
    out[step.name] = std::move(*inner);
    return out;
}

}  // namespace

HostPath HostPath::parse(const std::string& text) {
    if (text.empty() || text.front() != '/') bad("a path must start with '/'");
    HostPath path;
    path.steps_ = parse_steps(text.substr(1));
    return path;
}

std::vector<const json*> HostPath::values(const json& doc) const {
    std::vector<const json*> found;
    collect(doc, steps_, 0, found);
    return found;
}

std::optional<json> HostPath::project(const json& doc, const Leaf& leaf) const {
    return rest::project(doc, steps_, 0, leaf);
}

void merge_projection(json& into, const json& part) {
    if (into.is_object() && part.is_object()) {
        for (const auto& [name, value] : part.items()) {
            if (into.contains(name)) {
                merge_projection(into[name], value);
            } else {
                into[name] = value;
            }
        }
    } else if (into.is_array() && part.is_array() && into.size() == part.size()) {
        for (std::size_t i = 0; i < part.size(); ++i) merge_projection(into[i], part[i]);
    } else if (part != kUnlisted || !usable(into)) {
        into = part;
    }
}

std::optional<std::string> pointer_to(const json& doc, const json* target) {
    if (&doc == target) return std::string();
    if (doc.is_object()) {
        for (const auto& [name, value] : doc.items()) {
            if (auto rest = pointer_to(value, target))
                return "/" + strict_json::pointer_token(name) + *rest;
        }
    } else if (doc.is_array()) {
        for (std::size_t i = 0; i < doc.size(); ++i) {
            if (auto rest = pointer_to(doc[i], target)) return "/" + std::to_string(i) + *rest;
        }
    }
    return std::nullopt;
}

std::optional<std::string> comparable_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (usable(value)) return value.dump();
    return std::nullopt;
}

}  // namespace meldcode::rest
