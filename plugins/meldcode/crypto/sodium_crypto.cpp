#include "crypto/sodium_crypto.h"

#include <sodium.h>

#include <pthread.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

#include <map>
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

constexpr std::size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

// nonce || ciphertext, with a random nonce (XChaCha20's 192-bit nonces make
// random ones safe for any number of records).
std::string aead_seal(const std::string& key, const std::string& plaintext, const std::string& ad) {
    std::string out(kNonce + plaintext.size() + kTag, '\0');
    auto* raw = reinterpret_cast<unsigned char*>(out.data());
    random_fill(raw, kNonce);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(raw + kNonce, &written, bytes(plaintext),
                                               plaintext.size(), bytes(ad), ad.size(), nullptr, raw,
                                               bytes(key));
    out.resize(kNonce + written);
    return out;
}

std::optional<std::string> aead_open(const std::string& key, const unsigned char* sealed,
                                     std::size_t size, const std::string& ad) {
    if (size < kNonce + kTag) return std::nullopt;
    std::string plain(size - kNonce - kTag, '\0');
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &written, nullptr, sealed + kNonce,
            size - kNonce, bytes(ad), ad.size(), sealed, bytes(key)) != 0) {
        return std::nullopt;
    }
    plain.resize(written);
    return plain;
}

std::string keyed_hash(const std::string& key, const std::string& data) {
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash(hash, sizeof hash, bytes(data), data.size(), bytes(key), key.size());
    return to_hex(hash, sizeof hash);
}

// Every use gets its own key derived from the configured one (libsodium's
// KDF), so no two purposes ever share key material and the configured key
// itself never touches data.
// Blind indexes take one sub-key per BlindKind, from blind_key on.
enum Subkey : std::uint64_t {
    record_key = 1,
    token_key = 2,
    digest_key = 3,
    audit_key = 4,
    blind_key = 5
};
constexpr std::size_t kBlindKinds = 4;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "meldcode";

struct DerivedKeys {
    std::string record, token, digest, audit;
    std::array<std::string, kBlindKinds> blind;
};

std::string derive(const std::string& master, std::uint64_t id) {
    std::string key(crypto_kdf_KEYBYTES, '\0');
    crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(key.data()), key.size(), id,
                               kKdfContext, bytes(master));
    return key;
}

Error key_unknown(const std::string& key_id) {
    return Error(MC_E_KEY, "key_unknown",
                 "the store holds records under key '" + key_id +
                     "', which the configured key ring does not contain");
}

class SodiumCrypto final : public Crypto {
public:
    explicit SodiumCrypto(const KeyRing& ring) : active_(ring.active) {
        for (const auto& [id, key] : ring.keys) {
            if (key.size() != crypto_kdf_KEYBYTES) {
                throw Error(MC_E_INTERNAL, "crypto", "a key has the wrong size");
            }
            DerivedKeys derived{derive(key, record_key),
                                derive(key, token_key),
                                derive(key, digest_key),
                                derive(key, audit_key),
                                {}};
            for (std::size_t kind = 0; kind < kBlindKinds; ++kind) {
                derived.blind[kind] = derive(key, blind_key + kind);
            }
            keys_.emplace(id, std::move(derived));
        }
        if (keys_.count(active_) == 0) {
            throw Error(MC_E_INTERNAL, "crypto", "the active key is not in the ring");
        }
    }

    std::string random_token(std::size_t n) const override {
        std::vector<unsigned char> buf(n);
        random_fill(buf.data(), buf.size());
        return to_base64(buf.data(), buf.size());
    }

    std::string seal_token(const std::string& plaintext) const override {
        const std::string sealed = aead_seal(active().token, plaintext, {});
        return to_hex(bytes(sealed), sealed.size());
    }

    std::optional<std::string> open_token(const std::string& sealed) const override {
        const auto raw = from_hex(sealed);
        if (!raw) return std::nullopt;
        // The active key first: nearly every token was sealed under it.
        if (auto plain = aead_open(active().token, raw->data(), raw->size(), {})) return plain;
        for (const auto& [id, keys] : keys_) {
            if (id == active_) continue;
            if (auto plain = aead_open(keys.token, raw->data(), raw->size(), {})) return plain;
        }
        return std::nullopt;
    }

    std::string digest(const std::string& data) const override {
        return keyed_hash(active().digest, data);
    }

    bool digest_matches(const std::string& data, const std::string& digest) const override {
        for (const auto& [id, keys] : keys_) {
            if (keyed_hash(keys.digest, data) == digest) return true;
        }
        return false;
    }

    const std::string& active_key_id() const override { return active_; }
    bool has_key(const std::string& key_id) const override { return keys_.count(key_id) != 0; }
    std::vector<std::string> key_ids() const override {
        std::vector<std::string> ids;
        for (const auto& entry : keys_) ids.push_back(entry.first);
        return ids;
    }

    std::string seal_record(const std::string& plaintext,
                            const std::string& context) const override {
        return aead_seal(active().record, plaintext, associated(active_, context));
    }

    std::string open_record(const std::string& key_id, const std::string& sealed,
                            const std::string& context) const override {
        auto plain =
            aead_open(of(key_id).record, bytes(sealed), sealed.size(), associated(key_id, context));
        if (!plain) {
            throw Error(MC_E_STORAGE, "record_corrupt",
                        "a stored record does not open: it was altered or moved");
        }
        return std::move(*plain);
    }

    std::string audit_mac(const std::string& key_id, const std::string& data) const override {
        return keyed_hash(of(key_id).audit, data);
    }

    std::string blind_index(const std::string& key_id, BlindKind kind,
                            const std::string& value) const override {
        return keyed_hash(of(key_id).blind.at(static_cast<std::size_t>(kind)), value);
    }

private:
    // The key id and the record's place, separated by a byte no id contains.
    static std::string associated(const std::string& key_id, const std::string& context) {
        return key_id + '\x1f' + context;
    }
    const DerivedKeys& active() const { return keys_.at(active_); }
    const DerivedKeys& of(const std::string& key_id) const {
        const auto it = keys_.find(key_id);
        if (it == keys_.end()) throw key_unknown(key_id);
        return it->second;
    }

    std::string active_;
    std::map<std::string, DerivedKeys> keys_;
};

}  // namespace

std::unique_ptr<Crypto> make_sodium_crypto(const KeyRing& ring) {
    ensure_sodium();
    return std::make_unique<SodiumCrypto>(ring);
}

std::string new_sodium_key() {
    ensure_sodium();
    std::string key(crypto_kdf_KEYBYTES, '\0');
    crypto_kdf_keygen(reinterpret_cast<unsigned char*>(key.data()));
    return key;
}

}  // namespace meldcode
