// The SQLite adapter of the store port: the embedded default (DESIGN.md §5).
#pragma once

#include <memory>
#include <string>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode {

// Opens the store at `path`, creating the file (never a missing directory)
// and bringing its schema up to date. One connection in WAL mode with
// synchronous=FULL: a transaction is durable when it returns. Thread-safe:
// calls are serialised.
//
// Throws Error: MC_E_STORAGE ("cannot open store: ...") when the file cannot
// be opened, is read-only or cannot use WAL; MC_E_VERSION ("store_too_new")
// when a newer meldcode wrote it; MC_E_KEY ("key_unknown", "key_mismatch")
// when `crypto`'s key ring does not hold the keys the store was written with
// (nothing is changed then). Concern content is sealed with `crypto`.
std::unique_ptr<Store> open_sqlite_store(const std::string& path,
                                         std::shared_ptr<const Crypto> crypto);

}  // namespace meldcode
