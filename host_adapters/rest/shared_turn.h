// shared_turn.h — work that one of several meldcoded on a shared PostgreSQL
// store does at a time (the look for due steps): a session-level advisory
// lock, tried and never waited for, on a connection of its own, so that it
// is let go when the work ends or when the process does (a SIGKILL ends the
// session, and the server releases its locks).
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "store/postgres_db.h"

namespace meldcoded {

class SharedTurn {
public:
    // Connects with `conninfo` (the plugin's store); `name` tells this work
    // from other work on the same schema. Throws std::runtime_error.
    SharedTurn(const std::string& conninfo, std::string name);

    // Runs `work` unless another process's turn holds the lock now; false
    // when it did not run. Throws when the server fails (work not run).
    bool run_if_free(const std::function<void()>& work);

private:
    void release() noexcept;

    std::mutex mutex_;
    meldcode::postgres::Connection connection_;
    const std::string name_;
};

}  // namespace meldcoded
