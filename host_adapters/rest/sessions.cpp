#include "sessions.h"

#include <sodium.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "auth.h"

namespace meldcoded {

namespace {

std::string random_base64url() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char text[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return text;
}

std::string actor_key(const nlohmann::json& actor) {
    return actor.at("id").get<std::string>() + "/" + actor.at("role").get<std::string>();
}

}  // namespace

SessionStore::SessionStore(SessionTimes times, std::size_t per_actor)
    : times_(times), per_actor_(per_actor) {
    [[maybe_unused]] const int ready = sodium_init();
}

SessionStore::Created SessionStore::create(const nlohmann::json& actor, Clock::time_point now) {
    Created created{random_base64url(),
                    {actor, random_base64url(), now, now, now + times_.absolute}};
    std::lock_guard<std::mutex> lock(mutex_);
    prune(now);
    limit_actor(actor_key(actor));
    sessions_[sha256_hex(created.id)] = created.session;
    return created;
}

std::optional<Session> SessionStore::use(const std::string& id, Clock::time_point now) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = sessions_.find(sha256_hex(id));
    if (it == sessions_.end()) return std::nullopt;
    if (now >= it->second.idle_expires_at(times_)) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.last_used = now;
    return it->second;
}

bool SessionStore::end(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessions_.erase(sha256_hex(id)) == 1;
}

std::size_t SessionStore::size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessions_.size();
}

// At most once a minute: sessions that nobody uses any more leave memory.
void SessionStore::prune(Clock::time_point now) {
    if (now < last_prune_ + std::chrono::minutes(1)) return;
    last_prune_ = now;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        it = now >= it->second.idle_expires_at(times_) ? sessions_.erase(it) : std::next(it);
    }
}

void SessionStore::limit_actor(const std::string& key) {
    std::vector<decltype(sessions_)::iterator> mine;
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (actor_key(it->second.actor) == key) mine.push_back(it);
    }
    if (mine.size() < per_actor_) return;
    const auto oldest = std::min_element(mine.begin(), mine.end(), [](auto a, auto b) {
        return a->second.last_used < b->second.last_used;
    });
    sessions_.erase(*oldest);
}

}  // namespace meldcoded
