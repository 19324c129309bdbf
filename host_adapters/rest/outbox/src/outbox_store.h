// The outbox's SQLite file: one row per (event, endpoint) delivery.
// WAL and synchronous=FULL, so a row is on disk before enqueue returns.
// Not thread-safe: WebhookOutbox serialises access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meldcode/rest/webhook_outbox.h"

struct sqlite3;

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
    explicit OutboxStore(const std::string& path);  // throws std::runtime_error
    ~OutboxStore();
    OutboxStore(const OutboxStore&) = delete;
    OutboxStore& operator=(const OutboxStore&) = delete;

    // One pending delivery per endpoint, in one transaction; an event id
    // already stored for an endpoint is left as it is (a write retried after
    // an error that came once it had committed).
    void add(const std::string& event_id, const std::string& body,
             const std::vector<std::string>& endpoints, std::int64_t now_ms);

    std::vector<Delivery> due(std::int64_t now_ms, int limit);
    std::optional<std::int64_t> next_due_ms();

    void delivered(std::int64_t row, std::int64_t now_ms);
    void retry(std::int64_t row, std::int64_t next_ms, const std::string& error);
    void dead(std::int64_t row, std::int64_t now_ms, const std::string& error);
    void prune_delivered(std::int64_t before_ms);
    // Dead deliveries to one of `endpoints` become pending again, due now,
    // with their attempts counted from zero. Returns how many.
    std::uint64_t requeue_dead(const std::vector<std::string>& endpoints, std::int64_t now_ms);

    WebhookOutboxStats stats();

private:
    void exec(const char* sql);
    sqlite3* db_ = nullptr;
};

}  // namespace meldcode::rest
