#include "auth.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "problem.h"

namespace meldcoded {

Authenticator::Authenticator(const std::vector<TokenEntry>& tokens) {
    for (const TokenEntry& entry : tokens) by_hash_.emplace(entry.sha256_hex, entry.identity);
}

namespace {

// The credential after `scheme` (matched without regard to case), if the
// Authorization header has that scheme and a credential.
std::optional<std::string> credential(const Request& request, const std::string& scheme) {
    const std::string* header = request.header("authorization");
    if (header == nullptr || header->size() <= scheme.size() ||
        !std::equal(scheme.begin(), scheme.end(), header->begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return std::nullopt;
    }
    return header->substr(scheme.size());
}

}  // namespace

const Identity* Authenticator::identify(const Request& request) const {
    const auto token = credential(request, "Bearer ");
    if (!token) return nullptr;
    const auto it = by_hash_.find(sha256_hex(*token));
    return it == by_hash_.end() ? nullptr : &it->second;
}

std::optional<std::string> prompt_token(const Request& request) {
    // Any credential under this scheme is meant as a prompt token: one of
    // the wrong form is refused as one, not as a bearer token.
    return credential(request, "Prompt ");
}

namespace {

// The roles an actor can have (schemas/actor.schema.json).
bool known_role(const std::string& role) {
    for (const char* known :
         {"observer", "officer", "auditor", "admin", "integration", "manager"}) {
        if (role == known) return true;
    }
    return false;
}

// An actor id as the actor schema allows it: 1 to 200 characters of UTF-8,
// no control characters (a header value cannot hold line breaks anyway).
bool well_formed_id(const std::string& id) {
    constexpr std::ptrdiff_t kMaxCharacters = 200;
    // In valid UTF-8 every byte but a continuation byte starts a character.
    const auto characters = std::count_if(id.begin(), id.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    return !id.empty() && valid_utf8(id) && characters <= kMaxCharacters &&
           std::none_of(id.begin(), id.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

ActingRefusal malformed(const char* code, const char* detail) {
    return {problem(400, code, detail), nullptr};
}

}  // namespace

std::variant<nlohmann::json, ActingRefusal> Authenticator::acting_actor(
    const Identity& identity, const Request& request, const std::string& reserved_id) const {
    const std::string* id = request.header("x-acting-actor");
    const std::string* role = request.header("x-acting-role");
    const std::string* organisation = request.header("x-acting-organisation");
    // An organisation names the actor's employer: alone, it would be dropped
    // with a success answer, and the contractor's name the host sent lost.
    if (id == nullptr && role == nullptr && organisation == nullptr) return identity.actor;
    if (id == nullptr || role == nullptr) {
        return malformed("acting_headers_incomplete",
                         "X-Acting-Actor and X-Acting-Role go together, and X-Acting-Organisation "
                         "only with them");
    }
    if (!well_formed_id(*id)) {
        return malformed("invalid_acting_actor",
                         "X-Acting-Actor must be 1 to 200 characters of UTF-8 text");
    }
    if (!known_role(*role)) {
        return malformed(
            "invalid_acting_role",
            "X-Acting-Role must be observer, officer, auditor, admin, integration or manager");
    }
    const bool allowed =
        *id != reserved_id &&
        std::any_of(identity.acts_for.begin(), identity.acts_for.end(), [&](const Scope& s) {
            return s.role == *role &&
                   std::any_of(s.actors.begin(), s.actors.end(),
                               [&](const std::string& a) { return a == "*" || a == *id; });
        });
    const nlohmann::json acted_for{{"id", *id}, {"role", *role}};
    if (!allowed) {
        return ActingRefusal{problem(403, "acting_not_allowed",
                                     "this token may not act for that actor in that role"),
                             acted_for};
    }
    nlohmann::json actor = acted_for;
    actor["integration"] = identity.actor.at("id");
    // A contractor's technician: the host names the organisation too.
    if (organisation != nullptr) {
        if (!well_formed_id(*organisation)) {
            return malformed("invalid_acting_organisation",
                             "X-Acting-Organisation must be 1 to 200 characters of UTF-8 text");
        }
        actor["organisation"] = *organisation;
    }
    return actor;
}

FailureLimiter::FailureLimiter(int max_failures, std::chrono::seconds window, Ended ended)
    : max_failures_(max_failures), window_(window), ended_mode_(ended) {}

std::optional<FailureLimiter::Refusal> FailureLimiter::blocked(const std::string& address,
                                                               Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = windows_.find(address);
    if (it == windows_.end()) return std::nullopt;
    if (over(it->second, now)) {
        end(it);
        return std::nullopt;
    }
    if (it->second.failures < max_failures_) return std::nullopt;
    const bool first = it->second.refused++ == 0;
    const auto left = it->second.start + window_ - now;
    return Refusal{std::chrono::duration_cast<std::chrono::seconds>(left).count() + 1, first};
}

int FailureLimiter::record_failure(const std::string& address, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    prune(now);
    auto it = windows_.find(address);
    if (it != windows_.end() && over(it->second, now)) end(it);
    Window& w = windows_[address];
    if (w.failures == 0) w.start = now;
    return ++w.failures;
}

std::vector<long> FailureLimiter::take_ended(Clock::time_point now, bool all) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = windows_.begin(); it != windows_.end();) {
        it = all || over(it->second, now) ? end(it) : std::next(it);
    }
    return std::exchange(ended_, {});
}

// One sweep per window at most, so its cost spreads over the failures of a
// window; an entry is dropped by the first sweep after its window ends.
void FailureLimiter::prune(Clock::time_point now) {
    if (now < last_prune_ + window_) return;
    last_prune_ = now;
    for (auto it = windows_.begin(); it != windows_.end();) {
        it = over(it->second, now) ? end(it) : std::next(it);
    }
}

FailureLimiter::Windows::iterator FailureLimiter::end(Windows::iterator it) {
    if (ended_mode_ == Ended::tally) ended_.push_back(it->second.failures + it->second.refused);
    return windows_.erase(it);
}

std::size_t FailureLimiter::size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return windows_.size();
}

}  // namespace meldcoded
