#include "client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace meldcoded {

namespace {

struct Parsed {
    bool ok = false;
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
};

Parsed parse(const std::string& text) {
    Parsed p;
    if (inet_pton(AF_INET, text.c_str(), p.bytes.data()) == 1) {
        p.ok = true;
    } else if (inet_pton(AF_INET6, text.c_str(), p.bytes.data()) == 1) {
        p.ok = p.v6 = true;
    }
    return p;
}

bool in_block(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& block,
              int prefix) {
    const int whole = prefix / 8;
    if (!std::equal(a.begin(), a.begin() + whole, block.begin())) return false;
    const int rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (a[static_cast<std::size_t>(whole)] & mask) ==
           (block[static_cast<std::size_t>(whole)] & mask);
}

std::string trim(const std::string& s) {
    const std::size_t first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

ClientAddress::ClientAddress(const std::vector<std::string>& trusted) {
    for (std::size_t i = 0; i < trusted.size(); ++i) {
        const std::string& entry = trusted[i];
        const std::size_t slash = entry.find('/');
        const Parsed address = parse(entry.substr(0, slash));
        const int width = address.v6 ? 128 : 32;
        int prefix = width;
        if (slash != std::string::npos) {
            const std::string digits = entry.substr(slash + 1);
            const bool numeric = !digits.empty() && digits.size() <= 3 &&
                                 std::all_of(digits.begin(), digits.end(), ::isdigit);
            prefix = numeric ? std::stoi(digits) : -1;
        }
        if (!address.ok || prefix < 0 || prefix > width) {
            throw std::invalid_argument("listen.trusted_proxies[" + std::to_string(i) +
                                        "] is not an address or CIDR block");
        }
        trusted_.push_back({address.v6, address.bytes, prefix});
    }
}

bool ClientAddress::trusted(const std::string& address) const {
    const Parsed a = parse(address);
    return a.ok && std::any_of(trusted_.begin(), trusted_.end(), [&a](const Block& b) {
               return b.v6 == a.v6 && in_block(a.bytes, b.bytes, b.prefix);
           });
}

std::string ClientAddress::of(const std::string& peer, const std::string* forwarded_for) const {
    if (forwarded_for == nullptr || !trusted(peer)) return peer;
    // Right to left: each trusted proxy names the one before it.
    std::string rest = *forwarded_for;
    std::string nearest = peer;
    while (!rest.empty()) {
        const std::size_t comma = rest.rfind(',');
        const std::string hop = trim(comma == std::string::npos ? rest : rest.substr(comma + 1));
        rest = comma == std::string::npos ? "" : rest.substr(0, comma);
        if (!parse(hop).ok) return nearest;  // not an address: believe no further
        nearest = hop;
        if (!trusted(hop)) return hop;
    }
    return nearest;
}

std::string limiter_key(const std::string& address) {
    Parsed a = parse(address);
    if (!a.ok || !a.v6) return address;
    std::fill(a.bytes.begin() + 8, a.bytes.end(), 0);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.bytes.data(), text, sizeof text);
    return std::string(text) + "/64";
}

}  // namespace meldcoded
