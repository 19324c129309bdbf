// Where the outbox keeps its deliveries: one row per (event, endpoint).
// Either its own SQLite file (WAL and synchronous=FULL, so a row is on disk
// before enqueue returns; one process), or tables in the PostgreSQL database
// of a store several meldcoded share: then any of them delivers a row, and
// each row is taken by one at a time (due() leases it). Not thread-safe:
// WebhookOutbox serialises access.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meldcode/rest/webhook_outbox.h"

namespace meldcode::rest {

struct Delivery {
    std::int64_t row = 0;
    std::string event_id;
    std::string endpoint;  // url
    std::string body;
    int attempts = 0;  // made so far
};

class OutboxStore {
public:
    virtual ~OutboxStore() = default;

    // One pending delivery per endpoint, in one transaction; an event id
    // already stored for an endpoint is left as it is (a write retried after
    // an error that came once it had committed).
    virtual void add(const std::string& event_id, const std::string& body,
                     const std::vector<std::string>& endpoints, std::int64_t now_ms) = 0;

    // Up to `limit` deliveries due at `now_ms`, taken for this process: on a
    // shared store no other process takes them until `lease_ms` has passed
    // (then a process that died holding them is taken over).
    virtual std::vector<Delivery> due(std::int64_t now_ms, int limit, std::int64_t lease_ms) = 0;
    virtual std::optional<std::int64_t> next_due_ms() = 0;

    virtual void delivered(std::int64_t row, std::int64_t now_ms) = 0;
    virtual void retry(std::int64_t row, std::int64_t next_ms, const std::string& error) = 0;
    virtual void dead(std::int64_t row, std::int64_t now_ms, const std::string& error) = 0;
    virtual void prune_delivered(std::int64_t before_ms) = 0;
    // Dead deliveries to one of `endpoints` become pending again, due now,
    // with their attempts counted from zero. Returns how many.
    virtual std::uint64_t requeue_dead(const std::vector<std::string>& endpoints,
                                       std::int64_t now_ms) = 0;

    virtual WebhookOutboxStats stats() = 0;
};

// The store `options` name: options.postgresql when set, else the SQLite file
// options.store_path (created 0600). Throws std::runtime_error.
std::unique_ptr<OutboxStore> open_outbox_store(const WebhookOutboxOptions& options);

// The outbox's tables in the PostgreSQL database of `conninfo` (its current
// schema, beside the plugin's store), created when absent.
std::unique_ptr<OutboxStore> open_postgres_outbox_store(const std::string& conninfo);

}  // namespace meldcode::rest
