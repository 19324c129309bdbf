#include "meldcode/rest/seed_sealer.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace meldcode::rest {

namespace {

constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "mcacctui";

[[noreturn]] void refuse(const std::string& what) {
    throw std::runtime_error("accounts key ring: " + what);
}

std::string read_ring(const nlohmann::json& keys) {
    if (keys.contains("env")) {
        const char* value = std::getenv(keys.at("env").get<std::string>().c_str());
        if (value == nullptr || *value == '\0') refuse("the environment variable is not set");
        return value;
    }
    const std::string path = keys.at("file").get<std::string>();
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) refuse("cannot read " + path);
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        refuse(path + " is accessible to group or others; chmod 600 it");
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file) refuse("cannot read " + path);
    return text.str();
}

}  // namespace

SeedSealer::SeedSealer(const nlohmann::json& keys) {
    if (sodium_init() < 0) refuse("libsodium cannot start");
    if (!keys.is_object() || (keys.contains("file") == keys.contains("env"))) {
        refuse("name the ring by \"file\" or by \"env\"");
    }
    nlohmann::json ring;
    try {
        ring = nlohmann::json::parse(read_ring(keys));
    } catch (const nlohmann::json::exception&) {
        refuse("not JSON");
    }
    static const std::regex hex64("^[0-9a-fA-F]{64}$");
    if (!ring.is_object() || !ring.contains("active") || !ring["active"].is_string() ||
        !ring.contains("keys") || !ring["keys"].is_object()) {
        refuse("not a key ring (schemas/key_ring.schema.json)");
    }
    active_ = ring["active"].get<std::string>();
    for (const auto& [id, value] : ring["keys"].items()) {
        if (!value.is_string() || !std::regex_match(value.get<std::string>(), hex64)) {
            refuse("key " + id + " is not 64 hexadecimal characters");
        }
        const std::string hex = value.get<std::string>();
        std::array<unsigned char, crypto_kdf_KEYBYTES> master{};
        sodium_hex2bin(master.data(), master.size(), hex.data(), hex.size(), nullptr, nullptr,
                       nullptr);
        std::array<unsigned char, 32> derived{};
        crypto_kdf_derive_from_key(derived.data(), derived.size(), 1, kContext, master.data());
        sodium_memzero(master.data(), master.size());
        keys_[id] = derived;
    }
    if (keys_.count(active_) == 0) refuse("the active key is not in the ring");
}

Sealed SeedSealer::seal(const std::string& secret, const std::string& bound_to) const {
    std::string box(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + secret.size() +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES,
                    '\0');
    auto* out = reinterpret_cast<unsigned char*>(box.data());
    randombytes_buf(out, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long length = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &length,
        reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
        reinterpret_cast<const unsigned char*>(bound_to.data()), bound_to.size(), nullptr, out,
        keys_.at(active_).data());
    return {active_, box};
}

std::optional<std::string> SeedSealer::open(const Sealed& sealed,
                                            const std::string& bound_to) const {
    const auto key = keys_.find(sealed.key_id);
    constexpr std::size_t overhead =
        crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (key == keys_.end() || sealed.box.size() < overhead) return std::nullopt;
    const auto* in = reinterpret_cast<const unsigned char*>(sealed.box.data());
    std::string plain(sealed.box.size() - overhead, '\0');
    unsigned long long length = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &length, nullptr,
            in + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            sealed.box.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            reinterpret_cast<const unsigned char*>(bound_to.data()), bound_to.size(), in,
            key->second.data()) != 0) {
        return std::nullopt;
    }
    plain.resize(length);
    return plain;
}

}  // namespace meldcode::rest
