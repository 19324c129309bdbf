#include "crypto/sodium_crypto.h"

#include <sodium.h>

#include <pthread.h>
#include <algorithm>
#include <atomic>
#include <cstring>

#include <vector>

#include "core/errors.h"

namespace meldcode {
namespace {

constexpr auto kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

// Bumped in the child after fork(): a forked host must never hand out the
// same pooled bytes (nonces) as its parent. (getpid() per call would be a
// system call on the hook's path.)
std::atomic<unsigned> fork_generation{0};

void after_fork_in_child() {
    fork_generation.fetch_add(1);
}

// Random bytes for nonces and references, drawn from the OS CSPRNG 4 KiB at a
// time: one getrandom() per nonce would cost more than the whole AEAD
// encryption of a prompt token on the host's request path. The pool belongs
// to one thread and is emptied when the process forks.
class RandomPool {
public:
    void fill(unsigned char* out, std::size_t size) {
        const unsigned generation = fork_generation.load(std::memory_order_relaxed);
        if (generation_ != generation) {
            sodium_memzero(pool_, sizeof pool_);
            used_ = sizeof pool_;
            generation_ = generation;
        }
        while (size > 0) {
            if (used_ == sizeof pool_) {
                randombytes_buf(pool_, sizeof pool_);
                used_ = 0;
            }
            const std::size_t n = std::min(size, sizeof pool_ - used_);
            std::memcpy(out, pool_ + used_, n);
            sodium_memzero(pool_ + used_, n);  // a byte handed out is never kept
            used_ += n;
            out += n;
            size -= n;
        }
    }

private:
    unsigned char pool_[4096] = {};
    std::size_t used_ = sizeof pool_;
    unsigned generation_ = 0;
};

void random_fill(unsigned char* out, std::size_t size) {
    thread_local RandomPool pool;
    pool.fill(out, size);
}

void ensure_sodium() {
    // sodium_init() returns 1 when already initialised: only -1 is a failure.
    if (sodium_init() < 0) throw Error(MC_E_INTERNAL, "crypto", "libsodium failed to initialise");
    static const bool registered = pthread_atfork(nullptr, nullptr, after_fork_in_child) == 0;
    if (!registered) throw Error(MC_E_INTERNAL, "crypto", "cannot register the fork handler");
}

std::string to_base64(const unsigned char* data, std::size_t size) {
    std::string out(sodium_base64_encoded_len(size, kB64), '\0');
    sodium_bin2base64(out.data(), out.size(), data, size, kB64);
    out.resize(out.size() - 1);  // drop the terminating NUL written by libsodium
    return out;
}

// Sealed texts are hex. A sealed text is ciphertext, so its encoding needs no
// constant-time code: this loop is several times cheaper than libsodium's
// constant-time encoders, which cost more than the encryption itself.
std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(size * 2, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0x0f];
    }
    return out;
}

std::optional<std::vector<unsigned char>> from_hex(const std::string& text) {
    std::vector<unsigned char> out(text.size() / 2);
    std::size_t size = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, &end) !=
            0 ||
        end != text.data() + text.size()) {
        return std::nullopt;
    }
    out.resize(size);
    return out;
}

const unsigned char* bytes(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

class SodiumCrypto final : public Crypto {
public:
    explicit SodiumCrypto(const std::string& key) : key_(key) {
        if (key_.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
            throw Error(MC_E_INTERNAL, "crypto", "token key has the wrong size");
        }
    }

    std::string random_token(std::size_t n) const override {
        std::vector<unsigned char> buf(n);
        random_fill(buf.data(), buf.size());
        return to_base64(buf.data(), buf.size());
    }

    std::string seal(const std::string& plaintext) const override {
        constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        std::vector<unsigned char> out(nonce_size + plaintext.size() +
                                       crypto_aead_xchacha20poly1305_ietf_ABYTES);
        random_fill(out.data(), nonce_size);
        unsigned long long written = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + nonce_size, &written,
                                                   bytes(plaintext), plaintext.size(), nullptr, 0,
                                                   nullptr, out.data(), bytes(key_));
        return to_hex(out.data(), nonce_size + written);
    }

    std::optional<std::string> open(const std::string& sealed) const override {
        constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        const auto raw = from_hex(sealed);
        if (!raw || raw->size() < nonce_size + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
            return std::nullopt;
        }
        std::string plain(raw->size() - nonce_size, '\0');
        unsigned long long size = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                reinterpret_cast<unsigned char*>(plain.data()), &size, nullptr,
                raw->data() + nonce_size, raw->size() - nonce_size, nullptr, 0, raw->data(),
                bytes(key_)) != 0) {
            return std::nullopt;
        }
        plain.resize(size);
        return plain;
    }

    std::string digest(const std::string& data) const override {
        unsigned char hash[crypto_generichash_BYTES];
        crypto_generichash(hash, sizeof hash, bytes(data), data.size(), bytes(key_), key_.size());
        char hex[sizeof hash * 2 + 1];
        sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
        return hex;
    }

private:
    std::string key_;
};

}  // namespace

std::unique_ptr<Crypto> make_sodium_crypto(const std::string& key) {
    ensure_sodium();
    return std::make_unique<SodiumCrypto>(key);
}

std::string new_sodium_key() {
    ensure_sodium();
    std::string key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, '\0');
    randombytes_buf(key.data(), key.size());
    return key;
}

}  // namespace meldcode
