// The fenced code blocks of a Markdown file, for the tests that run what the
// docs show. A fence's info string is the language and then `key=value`
// words saying how the block is checked ("json schema=ticket",
// "c tutorial=inspection_rule.c"); tests/docs/doc_examples_test.py lists them.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace meldcode::test {

struct FencedBlock {
    std::string info;  // what follows the opening ```
    std::string text;  // the lines inside, without the fence's indentation
    int line = 0;      // of the opening fence, 1-based
};

// Every ``` block, in order; a fence may be indented (in a list item).
inline std::vector<FencedBlock> fenced_blocks(const std::filesystem::path& markdown) {
    std::ifstream in(markdown);
    if (!in) throw std::runtime_error("cannot read " + markdown.string());
    std::vector<FencedBlock> blocks;
    std::string line;
    std::size_t indent = 0;
    bool inside = false;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::size_t start = line.find_first_not_of(' ');
        const bool fence = start != std::string::npos && line.compare(start, 3, "```") == 0;
        if (fence && !inside) {
            blocks.push_back({line.substr(start + 3), "", number});
            indent = start;
            inside = true;
        } else if (fence) {
            inside = false;
        } else if (inside) {
            const std::size_t cut =
                std::min(indent, start == std::string::npos ? line.size() : start);
            blocks.back().text += line.substr(cut) + "\n";
        }
    }
    if (inside) throw std::runtime_error(markdown.string() + ": a ``` block is not closed");
    return blocks;
}

// The value of `key=` in a fence's info string; "" when it has none.
inline std::string fence_attribute(const std::string& info, const std::string& key) {
    std::istringstream words(info);
    std::string word;
    while (words >> word) {
        if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
    }
    return "";
}

}  // namespace meldcode::test
