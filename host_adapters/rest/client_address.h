// client_address.h — which address a request is from, and the key the
// failure limits count it under.
//
// X-Forwarded-For is believed only when the connection comes from a
// configured trusted proxy (listen.trusted_proxies); then the address is the
// nearest one in the header that is not itself a trusted proxy. IPv6
// clients are counted per /64, the block one subscriber usually holds.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace meldcoded {

class ClientAddress {
public:
    // `trusted`: addresses or CIDR blocks ("10.0.0.0/8", "::1"); throws
    // std::invalid_argument naming the index of one that is neither.
    explicit ClientAddress(const std::vector<std::string>& trusted);

    // `peer`: the connection's address; `forwarded_for`: the header or null.
    std::string of(const std::string& peer, const std::string* forwarded_for) const;

private:
    struct Block {
        bool v6 = false;
        std::array<unsigned char, 16> bytes{};
        int prefix = 0;
    };
    bool trusted(const std::string& address) const;
    std::vector<Block> trusted_;
};

// An IPv4 address as it is; an IPv6 address as its /64 ("2001:db8:1:2::/64");
// anything else as it is.
std::string limiter_key(const std::string& address);

}  // namespace meldcoded
