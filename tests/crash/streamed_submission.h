// The submissions the crash test streams, shared by the streamer and the test:
// a retry is only a retry when its payload is byte-for-byte the same content
// (the plugin compares a digest), so both sides must build it in one place.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "meldcode/meldcode.hpp"

namespace meldcode::crash {

// The configuration both the streamer and the test open the store with. The
// test writes it (with a fresh key ring, and the store: a SQLite file, or a
// PostgreSQL schema of its own) before it starts any streamer.
inline nlohmann::json read_config(const std::string& path) {
    std::ifstream file(path);
    return nlohmann::json::parse(file);
}

// Idempotency keys are per observer, so every submission comes from one.
inline nlohmann::json actor() {
    return {{"id", "tech-1"}, {"role", "observer"}};
}

inline std::string key(long long n) {
    char text[32];
    std::snprintf(text, sizeof text, "key-%06lld", n);
    return text;
}

// A ticket reference instead of a prompt token: no prompt (and no prompt log
// written behind the hook) is involved. Four units, so submissions both open
// concerns and join open ones.
inline nlohmann::json submission(long long n) {
    return {{"ticket",
             {{"host_ticket_id", "WO-" + std::to_string(n)},
              {"unit_id", "VHE-" + std::to_string(n % 4)}}},
            {"idempotency_key", key(n)},
            {"signals", {"mc.home.holes_in_walls_or_doors"}},
            {"observations", "Gat in de slaapkamerdeur gezien bij bezoek " + std::to_string(n)},
            {"children_involved", "unknown"},
            {"acute", false}};
}

}  // namespace meldcode::crash
