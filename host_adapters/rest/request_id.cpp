#include "request_id.h"

#include <sodium.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

namespace meldcoded {

// A random per-process prefix and a counter: unique, and unlike random bytes
// per request no system call on the hot path. Ids need not be secret.
std::string new_request_id() {
    static const std::string prefix = [] {
        [[maybe_unused]] const int ready = sodium_init();  // libsodium, not OpenSSL (auth.cpp)
        unsigned char bytes[6];
        randombytes_buf(bytes, sizeof bytes);
        char hex[sizeof bytes * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
        return std::string(hex);
    }();
    static std::atomic<std::uint64_t> counter{0};
    char tail[13];
    std::snprintf(tail, sizeof tail, "%012llx",
                  static_cast<unsigned long long>(counter++ & 0xffffffffffffULL));
    return prefix + tail;
}

}  // namespace meldcoded
