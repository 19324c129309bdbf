// meldcode-admin backup: a consistent copy of a SQLite store and its key ring,
// taken beside a running meldcoded (docs/backup-and-restore.md).
//
// The copy is made with SQLite's online backup API through a read-only
// connection: in WAL mode a reader neither waits for nor blocks the writer,
// so the store lock that the running sidecar holds (store_lock.h) is not
// needed and not taken. The backup is one read transaction: a snapshot of the
// last commit before it started, never half a transaction.
//
// The store is useless without its key ring and the key ring without the
// store (a rotation may have retired the keys an older copy was sealed with),
// so both go into the backup folder together:
//
//   DESTINATION/meldcode.db     the store, checked with PRAGMA integrity_check
//   DESTINATION/meldcode.keys   the key ring (from the file or the environment
//                               variable the configuration names), mode 0600
//   DESTINATION/<file>.db       with meldcoded's configuration, its own files
//                               (webhooks.db, host_orders.db, accounts.db)
//
// DESTINATION is created, mode 0700; an existing one that is not empty is
// refused. On any failure what was created is removed again.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace meldcode::admin {

struct BackupReport {
    std::string store;                       // path of the copied store
    std::string key_ring;                    // path of the copied key ring
    long long pages;                         // pages copied
    std::vector<std::string> sidecar_files;  // paths of the copied sidecar files
};

// `config` is an instance configuration (schemas/config.schema.json);
// `sidecar_files`, meldcoded's own SQLite files (outbox, host orders,
// accounts), copied the same way into DESTINATION under their own names.
// Throws std::runtime_error with a message for the operator.
BackupReport backup(const nlohmann::json& config, const std::string& destination,
                    const std::vector<std::string>& sidecar_files = {});

}  // namespace meldcode::admin
