#include "shared_turn.h"

#include <utility>

namespace meldcoded {

namespace {

using meldcode::postgres::Query;

constexpr const char* kContext = "shared turn: ";

// One lock per schema and name: stores in other schemas do not take turns
// with this one.
constexpr const char* kKey = "hashtext('meldcoded:' || ?1 || ':' || current_schema())";

}  // namespace

SharedTurn::SharedTurn(const std::string& conninfo, std::string name)
    : connection_(conninfo), name_(std::move(name)) {}

bool SharedTurn::run_if_free(const std::function<void()>& work) {
    std::lock_guard<std::mutex> lock(mutex_);
    connection_.reconnect_if_lost();
    Query take(connection_, std::string("SELECT pg_try_advisory_lock(") + kKey + ")", kContext);
    if (!take.bind(1, name_).step() || !take.boolean(0)) return false;
    struct Release {
        SharedTurn& turn;
        ~Release() { turn.release(); }
    } at_exit{*this};
    work();
    return true;
}

void SharedTurn::release() noexcept {
    try {
        Query(connection_, std::string("SELECT pg_advisory_unlock(") + kKey + ")", kContext)
            .bind(1, name_)
            .run();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the connection failed, so its
                     // session ended, and the server let go of the lock with it.
    }
}

}  // namespace meldcoded
