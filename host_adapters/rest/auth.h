// auth.h — bearer tokens to actors, and the brake on guessing them.
//
// Tokens are configured only as SHA-256 hashes. A person's token carries its
// actor; an integration's token acts as the integration itself or, with
// X-Acting-Actor and X-Acting-Role, for an end user its scopes allow.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config.h"
#include "http_types.h"
#include "meldcode/rest/encoding.h"

namespace meldcoded {

using meldcode::rest::sha256_hex;

// The token of `Authorization: Prompt p_…`: the technician's capture page
// holds no session, only the prompt token it was opened with.
std::optional<std::string> prompt_token(const Request& request);

// Acting headers the identity may not use: the problem to answer, and, when
// the headers were well-formed but the scopes refuse them, whom the caller
// tried to act as ({"id", "role"}; null otherwise), for the audit trail.
struct ActingRefusal {
    Response problem;
    nlohmann::json tried_as;
};

class Authenticator {
public:
    explicit Authenticator(const std::vector<TokenEntry>& tokens);

    // The identity behind the request's bearer token, or nullptr.
    const Identity* identify(const Request& request) const;

    // The actor a call runs as, or the refusal when the acting headers are
    // malformed (400) or ask for more than the identity may do (403). An
    // actor acted for names the integration (Actor::integration). Nobody may
    // act as `reserved_id` (the sidecar's own actor), whatever the scopes say.
    std::variant<nlohmann::json, ActingRefusal> acting_actor(const Identity& identity,
                                                             const Request& request,
                                                             const std::string& reserved_id) const;

private:
    std::unordered_map<std::string, Identity> by_hash_;
};

// Counts failed attempts per client address in a fixed window; an address
// over the limit is refused (429) until its window ends. Windows that have
// passed are dropped at most one window after they end, so addresses that
// never come back (an attacker rotating them) cannot grow memory without bound.
// With Ended::tally each ended window leaves its count of attempts behind for
// take_ended(): one audit row per address and window, however many attempts.
class FailureLimiter {
public:
    using Clock = std::chrono::steady_clock;
    enum class Ended { forget, tally };
    FailureLimiter(int max_failures, std::chrono::seconds window, Ended ended = Ended::forget);

    struct Refusal {
        long retry_after;  // seconds until the address may try again
        bool first;        // the first refusal of this window
    };
    // A refusal, if the address is blocked now.
    std::optional<Refusal> blocked(const std::string& address, Clock::time_point now);
    // Returns the failures of the address's window so far, this one included.
    int record_failure(const std::string& address, Clock::time_point now);

    // The attempts (failures and refusals) of each window that has ended
    // since the last call, one number per address and window; `all` ends
    // every window now (when the sidecar stops). Empty with Ended::forget.
    std::vector<long> take_ended(Clock::time_point now, bool all = false);

    // How many addresses are remembered now.
    std::size_t size();

private:
    struct Window {
        Clock::time_point start;
        int failures = 0;
        long refused = 0;
    };
    using Windows = std::map<std::string, Window>;

    void prune(Clock::time_point now);
    bool over(const Window& w, Clock::time_point now) const { return now >= w.start + window_; }
    Windows::iterator end(Windows::iterator it);  // erases, keeping its tally

    int max_failures_;
    std::chrono::seconds window_;
    Ended ended_mode_;
    std::mutex mutex_;
    Windows windows_;
    std::vector<long> ended_;
    Clock::time_point last_prune_{};
};

}  // namespace meldcoded
