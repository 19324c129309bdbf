// sessions.h — the web UI's server-side sessions (docs/web-ui.md): what the
// browser holds is a random id in the HttpOnly cookie mc_session; the
// actor, the CSRF token and the times stay here, in memory only, keyed by a
// hash of the id. A restart signs everyone out; nothing of a session is on
// disk.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace meldcoded {

struct SessionTimes {
    std::chrono::seconds idle{900};            // no request for this long: over
    std::chrono::seconds absolute{8 * 3600};   // since sign-in, whatever the activity
    std::chrono::seconds reauthenticate{300};  // older sign-ins may not export
};

struct Session {
    using Clock = std::chrono::system_clock;
    nlohmann::json actor;  // {"id", "role"}
    std::string csrf_token;
    Clock::time_point authenticated_at;
    Clock::time_point last_used;
    Clock::time_point expires_at;  // authenticated_at + absolute

    Clock::time_point idle_expires_at(const SessionTimes& times) const {
        return std::min(last_used + times.idle, expires_at);
    }
};

class SessionStore {
public:
    using Clock = Session::Clock;
    // At most `per_actor` sessions of one actor: a new sign-in beyond them
    // ends that actor's least recently used session.
    explicit SessionStore(SessionTimes times, std::size_t per_actor = 20);

    struct Created {
        std::string id;  // for the cookie: 256 random bits, base64url
        Session session;
    };
    // A new session, with a new id and CSRF token (a session id is never
    // chosen by the client, so none can be fixed in advance).
    Created create(const nlohmann::json& actor, Clock::time_point now);

    // The session of `id` if it is neither idle nor past its absolute end,
    // marked as used now; an expired one is removed.
    std::optional<Session> use(const std::string& id, Clock::time_point now);

    // Ends the session of `id`; false if there was none.
    bool end(const std::string& id);

    const SessionTimes& times() const { return times_; }
    std::size_t size();

private:
    void prune(Clock::time_point now);
    void limit_actor(const std::string& actor_key);

    SessionTimes times_;
    std::size_t per_actor_;
    std::mutex mutex_;
    std::unordered_map<std::string, Session> sessions_;  // by SHA-256 of the id
    Clock::time_point last_prune_{};
};

}  // namespace meldcoded
