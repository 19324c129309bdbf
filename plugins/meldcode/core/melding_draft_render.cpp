// The melding draft as a document: plain text to read out or paste into
// Veilig Thuis's online form, and an HTML fragment to print. Every recorded
// text is escaped in the HTML; facts and interpretations carry their label.
#include <string>

#include "melding_draft.h"

namespace meldcode {
namespace {

using nlohmann::json;

std::string kind_label(const std::string& kind) {
    if (kind == "fact") return " (feit)";
    if (kind == "interpretation") return " (interpretatie)";
    return "";
}

// Continuation lines of a multi-line text stay under their item.
std::string indented(const std::string& text, const std::string& indent) {
    std::string out;
    for (const char c : text) {
        out += c;
        if (c == '\n') out += indent;
    }
    return out;
}

std::string escaped(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\n':
                out += "<br>";
                break;
            case '\r':
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string text_of(const json& value) {
    return value.get<std::string>();
}

std::string html_item(const json& item) {
    const std::string kind = item.at("kind");
    std::string value = escaped(text_of(item.at("text")));
    if (kind == "fill_in") value = "<mark>" + value + "</mark>";
    const std::string label = kind_label(kind);
    return "<dt>" + escaped(text_of(item.at("label"))) +
           (label.empty() ? "" : " <span class=\"kind\">" + label.substr(1) + "</span>") +
           "</dt><dd class=\"" + kind + "\">" + value + "</dd>\n";
}

}  // namespace

std::string melding_draft_text(const json& draft) {
    std::string out = text_of(draft.at("title")) + "\nOpgesteld op " + text_of(draft.at("dated")) +
                      "\n\n" + text_of(draft.at("notice")) + "\n";
    int number = 0;
    for (const json& section : draft.at("sections")) {
        out += "\n" + std::to_string(++number) + ". " + text_of(section.at("title")) + "\n";
        for (const json& part : section.at("parts")) {
            out += "\n   " + text_of(part.at("title")) + "\n";
            for (const json& item : part.at("items")) {
                out += "   - " + text_of(item.at("label")) + kind_label(item.at("kind")) + ": " +
                       indented(text_of(item.at("text")), "     ") + "\n";
            }
        }
    }
    return out;
}

std::string melding_draft_html(const json& draft) {
    std::string out = "<article class=\"melding-draft\" lang=\"nl\">\n<h1>" +
                      escaped(text_of(draft.at("title"))) +
                      "</h1>\n<p class=\"dated\">Opgesteld op " +
                      escaped(text_of(draft.at("dated"))) + "</p>\n<p class=\"notice\">" +
                      escaped(text_of(draft.at("notice"))) + "</p>\n";
    int number = 0;
    for (const json& section : draft.at("sections")) {
        out += "<section id=\"draft-" + text_of(section.at("id")) + "\">\n<h2>" +
               std::to_string(++number) + ". " + escaped(text_of(section.at("title"))) + "</h2>\n";
        for (const json& part : section.at("parts")) {
            out += "<h3>" + escaped(text_of(part.at("title"))) + "</h3>\n<dl>\n";
            for (const json& item : part.at("items")) out += html_item(item);
            out += "</dl>\n";
        }
        out += "</section>\n";
    }
    return out + "</article>\n";
}

}  // namespace meldcode
