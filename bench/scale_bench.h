// The scale benchmark (meldcode_bench --scale): grows one store step by step
// and times, at each size, what an officer and the host do most, each beside
// a floor measured in the same run at that size (scale_bench.cpp says which).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "meldcode/meldcode.hpp"

namespace meldcode::bench {

struct ScaleOptions {
    std::vector<long long> sizes;  // concerns in the store at each step, ascending
    int samples = 200;             // timed calls per figure and size
    int chronology_entries = 10000;
    std::filesystem::path dir;  // scratch: the SQLite store, the key ring, the floor
    std::string postgresql;     // a conninfo (a schema first in its search_path), or ""
    std::string keys;           // the key ring of a store grown before, or "": a new one
};

// One signal submission for its own unit (so, a concern of its own).
std::string submission_body(const std::string& id, const std::string& observations);

// "1000,10000" -> {1000, 10000}; throws std::invalid_argument unless the
// sizes are positive and ascending.
std::vector<long long> parse_sizes(const std::string& text);

// Prints one markdown table row per figure and size.
void scale_benchmark(const std::shared_ptr<const sdk::Plugin>& plugin, const ScaleOptions& o);

}  // namespace meldcode::bench
