#include "crypto/sodium_crypto.h"

#include <sodium.h>

#include <vector>

#include "core/errors.h"

namespace meldcode {
namespace {

constexpr auto kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

void ensure_sodium() {
    // sodium_init() returns 1 when already initialised: only -1 is a failure.
    if (sodium_init() < 0) throw Error(MC_E_INTERNAL, "crypto", "libsodium failed to initialise");
}

std::string to_base64(const unsigned char* data, std::size_t size) {
    std::string out(sodium_base64_encoded_len(size, kB64), '\0');
    sodium_bin2base64(out.data(), out.size(), data, size, kB64);
    out.resize(out.size() - 1);  // drop the terminating NUL written by libsodium
    return out;
}

std::optional<std::vector<unsigned char>> from_base64(const std::string& text) {
    std::vector<unsigned char> out(text.size());
    std::size_t size = 0;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &size, nullptr,
                          kB64) != 0) {
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
        randombytes_buf(buf.data(), buf.size());
        return to_base64(buf.data(), buf.size());
    }

    std::string seal(const std::string& plaintext) const override {
        constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        std::vector<unsigned char> out(nonce_size + plaintext.size() +
                                       crypto_aead_xchacha20poly1305_ietf_ABYTES);
        randombytes_buf(out.data(), nonce_size);
        unsigned long long written = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + nonce_size, &written, bytes(plaintext),
                                                   plaintext.size(), nullptr, 0, nullptr, out.data(),
                                                   bytes(key_));
        return to_base64(out.data(), nonce_size + written);
    }

    std::optional<std::string> open(const std::string& sealed) const override {
        constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
        const auto raw = from_base64(sealed);
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
