// Which address a request is from: X-Forwarded-For only from trusted
// proxies, and IPv6 clients counted per /64.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "client_address.h"

using meldcoded::ClientAddress;
using meldcoded::limiter_key;

TEST_CASE("X-Forwarded-For is ignored unless the peer is a trusted proxy") {
    const ClientAddress none({});
    const std::string forwarded = "203.0.113.7";
    CHECK(none.of("198.51.100.1", &forwarded) == "198.51.100.1");
    const ClientAddress proxies({"10.0.0.0/8", "::1"});
    CHECK(proxies.of("198.51.100.1", &forwarded) == "198.51.100.1");  // not a proxy: a lie
    CHECK(proxies.of("10.1.2.3", nullptr) == "10.1.2.3");
}

TEST_CASE("from a trusted proxy, the nearest address that is not a proxy is the client") {
    const ClientAddress proxies({"10.0.0.0/8", "::1"});
    const std::string chain = "192.0.2.99, 203.0.113.7 , 10.0.0.5";
    // 192.0.2.99 was sent by the client itself: only 203.0.113.7 is vouched for.
    CHECK(proxies.of("10.0.0.1", &chain) == "203.0.113.7");
    CHECK(proxies.of("::1", &chain) == "203.0.113.7");
    const std::string all_proxies = "10.0.0.9, 10.0.0.5";
    CHECK(proxies.of("10.0.0.1", &all_proxies) == "10.0.0.9");
    const std::string garbage = "203.0.113.7, not-an-address";
    CHECK(proxies.of("10.0.0.1", &garbage) == "10.0.0.1");
}

TEST_CASE("a trusted proxy that is neither an address nor a block is refused by index") {
    CHECK_THROWS_WITH(ClientAddress({"10.0.0.0/8", "10.0.0.0/33"}),
                      "listen.trusted_proxies[1] is not an address or CIDR block");
    CHECK_THROWS_AS(ClientAddress({"proxy.example"}), std::invalid_argument);
    CHECK_THROWS_AS(ClientAddress({"::/x"}), std::invalid_argument);
}

TEST_CASE("IPv6 clients are counted per /64, IPv4 clients per address") {
    CHECK(limiter_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64");
    CHECK(limiter_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");
    CHECK(limiter_key("2001:db8:1:3::1") == "2001:db8:1:3::/64");
    CHECK(limiter_key("192.0.2.1") == "192.0.2.1");
}
