// Who is acting. The host authenticates people; the core decides what each
// role may do (access_policy.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace meldcode {

// An actor id's longest form, in characters (schemas/actor.schema.json).
constexpr std::size_t kMaxActorIdChars = 200;

enum class Role { observer, officer, auditor, admin, integration, manager };

struct Actor {
    std::string id;
    Role role;
    // When an integration calls on this actor's behalf: which one, and the
    // host's id of the request. Both go into every audit row of the call, so
    // an auditor sees who acted through what (ids only).
    std::optional<std::string> integration{};
    std::optional<std::string> request_id{};
    // An observer's organisation when it is not the corporation itself: the
    // contractor whose technician closed the ticket (corporations train their
    // contractors too).
    std::optional<std::string> organisation{};
};

std::string_view role_name(Role role);
std::optional<Role> role_from_name(std::string_view name);

}  // namespace meldcode
