#include "oidc.h"

#include <cjose/cjose.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "meldcode/rest/encoding.h"
#include "meldcode/rest/http_client.h"

namespace meldcoded {

namespace {

using nlohmann::json;

constexpr auto kPendingLifetime = std::chrono::minutes(10);  // from login to callback
constexpr std::size_t kMaxPending = 10000;                   // sign-ins under way at once
constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;         // discovery, keys, tokens
constexpr std::int64_t kClockSkewSeconds = 60;
const char* const kAlgorithms[] = {"RS256", "PS256", "ES256"};

std::string base64url(const unsigned char* bytes, std::size_t size) {
    std::string text(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     '\0');
    sodium_bin2base64(text.data(), text.size(), bytes, size,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.size() - 1);  // the terminating NUL
    return text;
}

std::string random_text() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return base64url(bytes, sizeof bytes);
}

// RFC 7636: the challenge is the verifier's SHA-256, base64url.
std::string s256(const std::string& verifier) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()),
                       verifier.size());
    return base64url(digest, sizeof digest);
}

std::string query_of(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out;
    for (const auto& [name, value] : pairs) {
        out += (out.empty() ? "" : "&") + name + "=" + meldcode::rest::percent_encode(value);
    }
    return out;
}

// https, or http to a loopback host (a provider a test starts).
bool acceptable_url(const std::string& url) {
    if (url.rfind("https://", 0) == 0) return true;
    if (url.rfind("http://", 0) != 0) return false;
    std::string host = url.substr(7, url.find_first_of("/?#", 7) - 7);
    if (!host.empty() && host.front() == '[') {
        host = host.substr(1, host.find(']') - 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    return loopback(host);
}

json fetch_json(const std::string& url, meldcode::rest::HttpCall call) {
    if (!acceptable_url(url)) throw std::runtime_error("not an https URL: " + url);
    call.url = url;
    call.max_body = kMaxAnswerBytes;
    const meldcode::rest::HttpAnswer answer = meldcode::rest::http_exchange(call);
    if (answer.status == 0) throw std::runtime_error(answer.error);
    if (answer.status != 200) {
        throw std::runtime_error("answered http " + std::to_string(answer.status));
    }
    try {
        return json::parse(answer.body);
    } catch (const json::exception&) {
        throw std::runtime_error("answered something that is not JSON");
    }
}

std::string read_secret(const OidcConfig& config) {
    std::string secret;
    if (!config.client_secret_env.empty()) {
        const char* value = std::getenv(config.client_secret_env.c_str());
        if (value != nullptr) secret = value;
    } else {
        std::ifstream file(config.client_secret_file);
        std::ostringstream text;
        text << file.rdbuf();
        secret = text.str();
        if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    }
    if (secret.empty()) throw std::runtime_error("ui.oidc: the client secret is not set");
    return secret;
}

bool holds_any(const json& claim, const std::vector<std::string>& wanted) {
    const auto wanted_value = [&](const json& v) {
        return v.is_string() &&
               std::find(wanted.begin(), wanted.end(), v.get<std::string>()) != wanted.end();
    };
    if (claim.is_array()) return std::any_of(claim.begin(), claim.end(), wanted_value);
    return wanted_value(claim);
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A failure of the exchange or of the ID token, for the log and audit trail.
struct Refused {
    std::string reason;
    json person;
};

}  // namespace

struct OidcClient::Provider {
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
    json keys;  // the JWKS's "keys"
};

OidcClient::OidcClient(const OidcConfig& config, std::string redirect_uri)
    : config_(config), redirect_uri_(std::move(redirect_uri)), client_secret_(read_secret(config)) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
    if (!acceptable_url(config.issuer)) {
        throw std::runtime_error("ui.oidc.issuer must be https (http only on loopback)");
    }
}

OidcClient::~OidcClient() = default;

// The discovery document, then the keys; both kept for the process's life
// (a key the token names that is not among them makes verified_claims
// fetch the keys again).
std::shared_ptr<const OidcClient::Provider> OidcClient::provider() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (provider_) return provider_;
    }
    meldcode::rest::HttpCall call;
    call.timeout = std::chrono::seconds(config_.timeout_seconds);
    std::string issuer = config_.issuer;
    if (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    const json discovery = fetch_json(issuer + "/.well-known/openid-configuration", call);
    if (discovery.value("issuer", "") != config_.issuer) {
        throw std::runtime_error("the discovery document names another issuer");
    }
    auto found = std::make_shared<Provider>();
    found->authorization_endpoint = discovery.value("authorization_endpoint", "");
    found->token_endpoint = discovery.value("token_endpoint", "");
    found->jwks_uri = discovery.value("jwks_uri", "");
    if (!acceptable_url(found->authorization_endpoint)) {
        throw std::runtime_error("the discovery document has no https authorization_endpoint");
    }
    found->keys = fetch_json(found->jwks_uri, call).value("keys", json::array());
    std::lock_guard<std::mutex> lock(mutex_);
    provider_ = found;
    return provider_;
}

std::string OidcClient::login(const std::string& return_to) {
    const auto p = provider();
    const std::string state = random_text();
    Pending pending{random_text(), random_text(), return_to,
                    std::chrono::steady_clock::now() + kPendingLifetime};
    const std::string query = query_of({{"response_type", "code"},
                                        {"client_id", config_.client_id},
                                        {"redirect_uri", redirect_uri_},
                                        {"scope",
                                         [&] {
                                             std::string scope;
                                             for (const auto& s : config_.scopes) {
                                                 scope += (scope.empty() ? "" : " ") + s;
                                             }
                                             return scope;
                                         }()},
                                        {"state", state},
                                        {"nonce", pending.nonce},
                                        {"code_challenge", s256(pending.verifier)},
                                        {"code_challenge_method", "S256"}});
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        for (auto it = pending_.begin(); it != pending_.end();) {
            it = it->second.expires <= now ? pending_.erase(it) : std::next(it);
        }
        if (pending_.size() >= kMaxPending) throw std::runtime_error("too many sign-ins under way");
        pending_.emplace(state, std::move(pending));
    }
    const std::string& endpoint = p->authorization_endpoint;
    return endpoint + (endpoint.find('?') == std::string::npos ? "?" : "&") + query;
}

OidcClient::Outcome OidcClient::callback(const std::map<std::string, std::string>& query) {
    Outcome outcome;
    outcome.return_to = "/ui/";
    const auto state = query.find("state");
    std::optional<Pending> pending;
    if (state != query.end()) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto it = pending_.find(state->second); it != pending_.end()) {
            if (it->second.expires > std::chrono::steady_clock::now()) pending = it->second;
            pending_.erase(it);  // a state is used once, whatever comes of it
        }
    }
    const auto code = query.find("code");
    if (!pending) {
        outcome.failure = "unknown_state";
        return outcome;
    }
    outcome.return_to = pending->return_to;
    if (query.count("error") != 0 || code == query.end()) {
        outcome.failure = "provider_refused";
        return outcome;
    }
    try {
        meldcode::rest::HttpCall call;
        call.method = "POST";
        call.timeout = std::chrono::seconds(config_.timeout_seconds);
        call.content_type = "application/x-www-form-urlencoded";
        const std::string credentials = meldcode::rest::percent_encode(config_.client_id) + ":" +
                                        meldcode::rest::percent_encode(client_secret_);
        call.headers.emplace_back(
            "Authorization", "Basic " + [&] {
                std::string text(
                    sodium_base64_ENCODED_LEN(credentials.size(), sodium_base64_VARIANT_ORIGINAL),
                    '\0');
                sodium_bin2base64(text.data(), text.size(),
                                  reinterpret_cast<const unsigned char*>(credentials.data()),
                                  credentials.size(), sodium_base64_VARIANT_ORIGINAL);
                text.resize(text.size() - 1);
                return text;
            }());
        call.body = query_of({{"grant_type", "authorization_code"},
                              {"code", code->second},
                              {"redirect_uri", redirect_uri_},
                              {"code_verifier", pending->verifier}});
        const json tokens = fetch_json(provider()->token_endpoint, call);
        if (!tokens.contains("id_token") || !tokens["id_token"].is_string()) {
            throw Refused{"no_id_token", json()};
        }
        const json claims = verified_claims(tokens["id_token"].get<std::string>(), *pending);
        outcome.actor = json{{"id", claims.at(config_.actor_claim)}, {"role", "officer"}};
    } catch (const Refused& refused) {
        outcome.failure = refused.reason;
        outcome.person = refused.person;
    } catch (const std::exception&) {
        outcome.failure = "token_exchange_failed";
    }
    return outcome;
}

namespace {

using Jws = std::unique_ptr<cjose_jws_t, decltype(&cjose_jws_release)>;
using Jwk = std::unique_ptr<cjose_jwk_t, decltype(&cjose_jwk_release)>;

// The JWK of the JWKS that `kid` names (or the only one, without a kid)
// and whose type fits the algorithm.
const json* key_for(const json& keys, const char* kid, const std::string& algorithm) {
    const std::string kty = algorithm == "ES256" ? "EC" : "RSA";
    const json* found = nullptr;
    int candidates = 0;
    for (const json& key : keys) {
        if (key.value("kty", "") != kty || key.value("use", "sig") != "sig") continue;
        if (kid != nullptr && key.value("kid", "") != kid) continue;
        found = &key;
        ++candidates;
    }
    return candidates == 1 ? found : nullptr;
}

}  // namespace

// The ID token's signature verified by cjose with the provider's key (its
// algorithm one of kAlgorithms: never "none", never a shared secret), then
// the claims OpenID Connect Core §3.1.3.7 says a client checks, then
// multi-factor and the officer's claim.
json OidcClient::verified_claims(const std::string& id_token, const Pending& pending) {
    cjose_err err{};
    Jws jws(cjose_jws_import(id_token.data(), id_token.size(), &err), &cjose_jws_release);
    if (!jws) throw Refused{"malformed_id_token", json()};
    cjose_header_t* header = cjose_jws_get_protected(jws.get());
    const char* alg = cjose_header_get(header, CJOSE_HDR_ALG, &err);
    if (alg == nullptr || std::none_of(std::begin(kAlgorithms), std::end(kAlgorithms),
                                       [&](const char* a) { return std::string(a) == alg; })) {
        throw Refused{"unsupported_algorithm", json()};
    }
    const char* kid = cjose_header_get(header, CJOSE_HDR_KID, &err);
    auto p = provider();
    const json* key = key_for(p->keys, kid, alg);
    if (key == nullptr) {  // the provider may have rolled its keys: ask once more
        meldcode::rest::HttpCall call;
        call.timeout = std::chrono::seconds(config_.timeout_seconds);
        auto renewed = std::make_shared<Provider>(*p);
        renewed->keys = fetch_json(p->jwks_uri, call).value("keys", json::array());
        {
            std::lock_guard<std::mutex> lock(mutex_);
            provider_ = renewed;
        }
        p = renewed;
        key = key_for(p->keys, kid, alg);
    }
    if (key == nullptr) throw Refused{"unknown_key", json()};
    const std::string key_text = key->dump();
    Jwk jwk(cjose_jwk_import(key_text.data(), key_text.size(), &err), &cjose_jwk_release);
    if (!jwk || !cjose_jws_verify(jws.get(), jwk.get(), &err)) {
        throw Refused{"bad_signature", json()};
    }
    std::uint8_t* plain = nullptr;
    std::size_t plain_size = 0;
    if (!cjose_jws_get_plaintext(jws.get(), &plain, &plain_size, &err)) {
        throw Refused{"malformed_id_token", json()};
    }
    json claims = json::parse(plain, plain + plain_size, nullptr, false);
    if (!claims.is_object()) throw Refused{"malformed_id_token", json()};

    const json& aud = claims.value("aud", json());
    const bool audience =
        aud.is_array() ? holds_any(aud, {config_.client_id}) : aud == json(config_.client_id);
    const std::int64_t now = unix_now();
    const auto number = [&](const char* name) {
        const json& v = claims.value(name, json());
        return v.is_number() ? v.get<std::int64_t>() : std::int64_t{-1};
    };
    if (claims.value("iss", json()) != json(config_.issuer) || !audience ||
        (aud.is_array() && aud.size() > 1 &&
         claims.value("azp", json()) != json(config_.client_id)) ||
        number("exp") + kClockSkewSeconds < now || number("iat") > now + kClockSkewSeconds ||
        claims.value("nonce", json()) != json(pending.nonce)) {
        throw Refused{"invalid_claims", json()};
    }
    const json& id = claims.value(config_.actor_claim, json());
    if (!id.is_string() || id.get_ref<const std::string&>().empty() ||
        id.get_ref<const std::string&>().size() > 200) {
        throw Refused{"no_actor_id", json()};
    }
    if (!holds_any(claims.value(config_.role_claim, json()), config_.officer_values)) {
        throw Refused{"not_an_officer", json()};
    }
    const json person{{"id", id}, {"role", "officer"}};
    const bool mfa = holds_any(claims.value("amr", json()), config_.mfa_amr) ||
                     holds_any(claims.value("acr", json()), config_.mfa_acr);
    if (!mfa) throw Refused{"mfa_required", person};
    return claims;
}

}  // namespace meldcoded
