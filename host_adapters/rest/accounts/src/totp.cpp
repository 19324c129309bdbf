#include "meldcode/rest/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <stdexcept>

#include "meldcode/rest/encoding.h"

namespace meldcode::rest::totp {

// HMAC-SHA1 is not in libsodium: OpenSSL's one-shot HMAC.
std::string code(const std::string& seed, std::int64_t step) {
    std::array<unsigned char, 8> counter{};
    for (int i = 7; i >= 0; --i, step >>= 8) counter[i] = static_cast<unsigned char>(step & 0xff);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha1(), seed.data(), static_cast<int>(seed.size()), counter.data(), counter.size(),
             mac, &length) == nullptr ||
        length != 20) {
        throw std::runtime_error("totp: HMAC-SHA1 failed");
    }
    const int offset = mac[19] & 0x0f;
    const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                                 (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                                 (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                                 static_cast<std::uint32_t>(mac[offset + 3]);
    char digits[7];
    std::snprintf(digits, sizeof digits, "%06u", binary % 1000000u);
    return digits;
}

std::optional<std::int64_t> matching_step(const std::string& seed, const std::string& candidate,
                                          std::int64_t unix_seconds) {
    if (candidate.size() != 6) return std::nullopt;
    const std::int64_t now = step_of(unix_seconds);
    std::optional<std::int64_t> found;
    for (std::int64_t step = now - 1; step <= now + 1; ++step) {  // every step: no early exit
        const std::string expected = code(seed, step);
        if (sodium_memcmp(expected.data(), candidate.data(), expected.size()) == 0) found = step;
    }
    return found;
}

std::string base32(const std::string& bytes) {
    static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const unsigned char c : bytes) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::string otpauth_uri(const std::string& issuer, const std::string& account,
                        const std::string& seed) {
    return "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
           "?secret=" + base32(seed) + "&issuer=" + percent_encode(issuer) +
           "&algorithm=SHA1&digits=6&period=" + std::to_string(kStepSeconds);
}

}  // namespace meldcode::rest::totp
