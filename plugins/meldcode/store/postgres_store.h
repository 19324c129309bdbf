// The PostgreSQL adapter of the store port: for deployments where the store
// must outlive a machine or serve more than one process (DESIGN.md §5,
// issue 20). The same SQL as the SQLite adapter (sql_transaction.h).
#pragma once

#include <memory>
#include <string>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode {

// Connects with libpq's `conninfo` (key=value or a postgresql:// URI; its
// options may set the search_path to the store's own schema) and brings the
// store's schema up to date. One connection; calls are serialised, and each
// transaction holds the store's advisory lock, so several processes on one
// store write one at a time. A transaction is durable when it returns
// (synchronous_commit = on for the session).
//
// Throws Error: MC_E_STORAGE ("cannot open store: ...") when the server
// cannot be reached or refuses us — the message names neither the conninfo
// (it may carry a password) nor the server's own words; MC_E_VERSION
// ("store_too_new") when a newer meldcode wrote it; MC_E_KEY ("key_unknown",
// "key_mismatch") as open_sqlite_store(). Concern content is sealed with
// `crypto`.
std::unique_ptr<Store> open_postgres_store(const std::string& conninfo,
                                           std::shared_ptr<const Crypto> crypto);

}  // namespace meldcode
