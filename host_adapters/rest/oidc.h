// oidc.h — signing in with the corporation's OpenID Connect provider
// (docs/web-ui.md): the authorization code flow with PKCE (S256), state and
// nonce; the provider found through its discovery document; the code
// exchanged at its token endpoint over Boost.Beast (TLS verified against the
// system's authorities); the ID token verified by cjose with a key from the
// provider's JWKS, never by hand; then its issuer, audience, times, nonce,
// multi-factor (amr or acr) and the officer's claim checked.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config.h"

namespace meldcoded {

class OidcClient {
public:
    // Reads the client secret; the provider is first asked at the first
    // sign-in (it may start after meldcoded). Throws std::runtime_error.
    OidcClient(const OidcConfig& config, std::string redirect_uri);
    ~OidcClient();

    // Where to send the browser for a new sign-in that returns to
    // `return_to`. Throws std::runtime_error when the provider cannot be
    // reached (its discovery document).
    std::string login(const std::string& return_to);

    struct Outcome {
        std::optional<nlohmann::json> actor;  // signed in: {"id", "role": "officer"}
        std::string return_to;                // where the browser goes next
        std::string failure;                  // else why not (a code for log and audit)
        nlohmann::json person;                // the person refused, when the token was valid
    };
    // The provider's redirect back, with `code` and `state` (or `error`).
    Outcome callback(const std::map<std::string, std::string>& query);

    struct Provider;  // in oidc.cpp

private:
    struct Pending {
        std::string verifier;
        std::string nonce;
        std::string return_to;
        std::chrono::steady_clock::time_point expires;
    };
    std::shared_ptr<const Provider> provider();
    nlohmann::json verified_claims(const std::string& id_token, const Pending& pending);

    OidcConfig config_;
    std::string redirect_uri_;
    std::string client_secret_;
    std::mutex mutex_;
    std::shared_ptr<const Provider> provider_;  // discovery and keys, fetched once
    std::map<std::string, Pending> pending_;    // by state
};

}  // namespace meldcoded
