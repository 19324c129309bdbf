#include "abi/key_source.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "abi/codec.h"
#include "core/errors.h"

namespace meldcode::abi {
namespace {

Error key_error(const char* code, const std::string& message) {
    return Error(MC_E_PAYLOAD, code, message, "/keys");
}

std::string read_key_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        throw key_error("unreadable_key_file", "cannot read the key file named by /keys/file");
    }
    // Whoever can read the keys can read every concern: the owner only.
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw key_error("key_file_permissions",
                        "the key file is accessible to group or others; chmod 600 it");
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file)
        throw key_error("unreadable_key_file", "cannot read the key file named by /keys/file");
    return text.str();
}

std::string read_key_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
        throw key_error("missing_key_env",
                        "the environment variable named by /keys/env is not set");
    }
    return value;
}

}  // namespace

KeyRing load_key_ring(const nlohmann::json& keys) {
    const std::string text = keys.contains("file")
                                 ? read_key_file(keys.at("file").get<std::string>())
                                 : read_key_env(keys.at("env").get<std::string>());
    nlohmann::json doc;
    try {
        doc = codec::read(text.c_str(), "key_ring");
    } catch (const Error& e) {
        // The validator's own message may quote the offending value: a key.
        throw key_error(
            "invalid_key_ring",
            "the key ring does not match schemas/key_ring.schema.json (at " + e.pointer() + ")");
    }
    return key_ring_from_json(doc);
}

}  // namespace meldcode::abi
