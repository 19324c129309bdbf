// strict_json.h — JSON text to a document, refusing what two readers could
// read differently.
//
// RFC 8259 leaves an object with the same member twice to the reader: one
// takes the first value, another the last. A host, a proxy or a log that
// reads {"acute": false, ..., "acute": true} would then see something else
// than the store. Every payload the plugin takes, and every body the sidecar
// reads itself, is parsed here, so a duplicate member is refused, with the
// JSON pointer of its second occurrence.
//
// Header-only, so that the sidecar parses exactly as the plugin does without
// linking the plugin's internals.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

namespace meldcode::strict_json {

// Thrown for a member that occurs twice in one object; `pointer` names it.
class DuplicateMember : public std::runtime_error {
public:
    explicit DuplicateMember(std::string at)
        : std::runtime_error("a member occurs twice in one object"), pointer(std::move(at)) {}
    std::string pointer;
};

// Thrown when the document opens more than `max_depth` arrays and objects
// inside one another; nothing deeper is built.
class TooDeep : public std::runtime_error {
public:
    TooDeep() : std::runtime_error("JSON is nested too deep") {}
};

// RFC 6901 escaping of one reference token.
inline std::string pointer_token(const std::string& key) {
    std::string out;
    for (const char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

namespace detail {

// nlohmann's own DOM builder, watched: it keeps the path to the value being
// read (for the pointer) and the member names of each open object.
class Builder {
public:
    using json = nlohmann::json;
    Builder(json& root, std::size_t max_depth) : dom_(root), max_depth_(max_depth) {}

    bool null() {
        value();
        return dom_.null();
    }
    bool boolean(bool v) {
        value();
        return dom_.boolean(v);
    }
    bool number_integer(json::number_integer_t v) {
        value();
        return dom_.number_integer(v);
    }
    bool number_unsigned(json::number_unsigned_t v) {
        value();
        return dom_.number_unsigned(v);
    }
    bool number_float(json::number_float_t v, const json::string_t& s) {
        value();
        return dom_.number_float(v, s);
    }
    bool string(json::string_t& v) {
        value();
        return dom_.string(v);
    }
    bool binary(json::binary_t& v) {
        value();
        return dom_.binary(v);
    }

    bool start_object(std::size_t n) {
        open(true);
        return dom_.start_object(n);
    }
    bool end_object() {
        frames_.pop_back();
        return dom_.end_object();
    }
    bool start_array(std::size_t n) {
        open(false);
        return dom_.start_array(n);
    }
    bool end_array() {
        frames_.pop_back();
        return dom_.end_array();
    }

    bool key(json::string_t& name) {
        Frame& top = frames_.back();
        if (!top.keys.insert(name).second)
            throw DuplicateMember(pointer() + "/" + pointer_token(name));
        top.token = pointer_token(name);
        return dom_.key(name);
    }

    template <class Exception>
    bool parse_error(std::size_t position, const std::string& token, const Exception& e) {
        return dom_.parse_error(position, token, e);
    }

private:
    struct Frame {
        bool object = false;
        std::size_t next_index = 0;  // arrays: the index of the next element
        std::string token;           // the current member's or element's token
        std::unordered_set<std::string> keys;
    };

    // A value begins: in an array it is the next element.
    void value() {
        if (frames_.empty() || frames_.back().object) return;
        Frame& top = frames_.back();
        top.token = std::to_string(top.next_index++);
    }

    void open(bool object) {
        value();
        if (frames_.size() >= max_depth_) throw TooDeep();
        frames_.push_back({object, 0, {}, {}});
    }

    std::string pointer() const {
        std::string out;
        for (const Frame& f : frames_) {
            if (&f == &frames_.back()) break;
            out += "/" + f.token;
        }
        return out;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    std::size_t max_depth_;
    std::vector<Frame> frames_;
};

}  // namespace detail

// Parses [first, last) as nlohmann::json::parse does (throwing its
// parse_error and out_of_range), and also throws DuplicateMember and TooDeep.
inline nlohmann::json parse(const char* first, const char* last, std::size_t max_depth) {
    nlohmann::json doc;
    detail::Builder builder(doc, max_depth);
    nlohmann::json::sax_parse(first, last, &builder);
    return doc;
}

inline nlohmann::json parse(const std::string& text, std::size_t max_depth) {
    return parse(text.data(), text.data() + text.size(), max_depth);
}

}  // namespace meldcode::strict_json
