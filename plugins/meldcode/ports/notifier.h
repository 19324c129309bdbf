// Port: telling the host that something happened. Notifications carry ids
// only (schemas/notification.schema.json), never concern content.
#pragma once

#include <nlohmann/json.hpp>

namespace meldcode {

class Notifier {
public:
    virtual ~Notifier() = default;
    // Called after the change is durable, outside any store lock.
    virtual void notify(const nlohmann::json& notification) = 0;
};

}  // namespace meldcode
