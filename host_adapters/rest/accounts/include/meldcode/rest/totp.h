// totp.h — time-based one-time passwords (RFC 6238 over RFC 4226's HOTP):
// HMAC-SHA1, 6 digits, 30-second steps, as every authenticator app reads
// an otpauth:// URI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace meldcode::rest::totp {

constexpr std::int64_t kStepSeconds = 30;
constexpr std::size_t kSeedBytes = 20;  // RFC 4226 recommends 160 bits

// The step a Unix time falls in.
inline std::int64_t step_of(std::int64_t unix_seconds) {
    return unix_seconds / kStepSeconds;
}

// The 6-digit code of `seed` at `step`.
std::string code(const std::string& seed, std::int64_t step);

// The step among step_of(now) - 1 .. + 1 (one step of clock skew either way)
// whose code `candidate` is, compared in constant time; nullopt if none.
std::optional<std::int64_t> matching_step(const std::string& seed, const std::string& candidate,
                                          std::int64_t unix_seconds);

// RFC 4648 base32 without padding, as otpauth:// URIs carry secrets.
std::string base32(const std::string& bytes);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(const std::string& issuer, const std::string& account,
                        const std::string& seed);

}  // namespace meldcode::rest::totp
