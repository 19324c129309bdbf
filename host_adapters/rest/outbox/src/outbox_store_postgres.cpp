// The outbox in the PostgreSQL database of a store several meldcoded share:
// the table meldcoded_webhook_deliveries in the store's schema, beside the
// plugin's tables (the plugin never reads it). Any process delivers any row:
// due() takes rows with FOR UPDATE SKIP LOCKED, so two processes asking at
// once take different rows, and leases them by moving their due time past
// the attempts they are taken for; a process that dies holding rows leaves
// them due again when the lease ends, and another one delivers them (at
// least once: deduplicate on the event id, docs/webhooks.md).
//
// Errors name the SQLSTATE only (postgres_db.h): never a body or a value.
#include <memory>

#include "outbox_store.h"
#include "store/postgres_db.h"

namespace meldcode::rest {

namespace {

using meldcode::postgres::Connection;
using meldcode::postgres::Query;

constexpr const char* kContext = "webhook outbox store: ";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meldcoded_webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    last_error TEXT,
    created_ms BIGINT NOT NULL,
    finished_ms BIGINT,
    UNIQUE (event_id, endpoint));
CREATE INDEX IF NOT EXISTS meldcoded_webhook_deliveries_due
    ON meldcoded_webhook_deliveries (state, next_attempt_ms);
)sql";

class PostgresOutboxStore final : public OutboxStore {
public:
    // An event is durable when enqueue returns, whatever the server's default.
    explicit PostgresOutboxStore(const std::string& conninfo) : connection_(conninfo) {
        postgres::create_tables(connection_, "meldcoded:webhook_deliveries:", kSchema, kContext);
    }

    void add(const std::string& event_id, const std::string& body,
             const std::vector<std::string>& endpoints, std::int64_t now_ms) override {
        in_transaction([&] {
            for (const auto& endpoint : endpoints) {
                query(
                    "INSERT INTO meldcoded_webhook_deliveries (event_id, endpoint, body, state, "
                    "next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, 'pending', ?4, ?4) "
                    "ON CONFLICT (event_id, endpoint) DO NOTHING")
                    .bind(1, event_id)
                    .bind(2, endpoint)
                    .bind(3, body)
                    .bind(4, now_ms)
                    .run();
            }
        });
    }

    std::vector<Delivery> due(std::int64_t now_ms, int limit, std::int64_t lease_ms) override {
        auto taken = query(
            "UPDATE meldcoded_webhook_deliveries SET next_attempt_ms = ?2 WHERE id IN ("
            "SELECT id FROM meldcoded_webhook_deliveries "
            "WHERE state = 'pending' AND next_attempt_ms <= ?1 "
            "ORDER BY next_attempt_ms, id LIMIT ?3 FOR UPDATE SKIP LOCKED) "
            "RETURNING id, event_id, endpoint, body, attempts");
        taken.bind(1, now_ms).bind(2, now_ms + lease_ms).bind(3, std::int64_t{limit});
        std::vector<Delivery> out;
        while (taken.step()) {
            out.push_back({taken.int64(0), taken.text(1), taken.text(2), taken.text(3),
                           static_cast<int>(taken.int64(4))});
        }
        return out;
    }

    std::optional<std::int64_t> next_due_ms() override {
        auto q = query(
            "SELECT min(next_attempt_ms) FROM meldcoded_webhook_deliveries "
            "WHERE state = 'pending'");
        if (!q.step() || q.is_null(0)) return std::nullopt;
        return q.int64(0);
    }

    void delivered(std::int64_t row, std::int64_t now_ms) override {
        query(
            "UPDATE meldcoded_webhook_deliveries SET state = 'delivered', "
            "attempts = attempts + 1, finished_ms = ?2, last_error = NULL WHERE id = ?1")
            .bind(1, row)
            .bind(2, now_ms)
            .run();
    }

    void retry(std::int64_t row, std::int64_t next_ms, const std::string& error) override {
        query(
            "UPDATE meldcoded_webhook_deliveries SET attempts = attempts + 1, "
            "next_attempt_ms = ?2, last_error = ?3 WHERE id = ?1")
            .bind(1, row)
            .bind(2, next_ms)
            .bind(3, error)
            .run();
    }

    void dead(std::int64_t row, std::int64_t now_ms, const std::string& error) override {
        query(
            "UPDATE meldcoded_webhook_deliveries SET state = 'dead', attempts = attempts + 1, "
            "finished_ms = ?2, last_error = ?3 WHERE id = ?1")
            .bind(1, row)
            .bind(2, now_ms)
            .bind(3, error)
            .run();
    }

    void prune_delivered(std::int64_t before_ms) override {
        query(
            "DELETE FROM meldcoded_webhook_deliveries "
            "WHERE state = 'delivered' AND finished_ms < ?1")
            .bind(1, before_ms)
            .run();
    }

    std::uint64_t requeue_dead(const std::vector<std::string>& endpoints,
                               std::int64_t now_ms) override {
        std::uint64_t requeued = 0;
        for (const auto& endpoint : endpoints) {
            requeued += static_cast<std::uint64_t>(
                query("UPDATE meldcoded_webhook_deliveries SET state = 'pending', attempts = 0, "
                      "next_attempt_ms = ?2, finished_ms = NULL "
                      "WHERE state = 'dead' AND endpoint = ?1")
                    .bind(1, endpoint)
                    .bind(2, now_ms)
                    .changes());
        }
        return requeued;
    }

    WebhookOutboxStats stats() override {
        auto q = query(
            "SELECT state, count(*), sum(attempts) FROM meldcoded_webhook_deliveries "
            "GROUP BY state");
        WebhookOutboxStats stats;
        while (q.step()) {
            const auto state = q.text(0);
            const auto count = static_cast<std::uint64_t>(q.int64(1));
            stats.attempts += static_cast<std::uint64_t>(q.int64(2));
            if (state == "pending") stats.pending = count;
            if (state == "delivered") stats.delivered = count;
            if (state == "dead") stats.dead = count;
        }
        return stats;
    }

private:
    // A statement on the connection, reconnected first when the server
    // restarted since the last one.
    Query query(const std::string& sql) {
        connection_.reconnect_if_lost();
        return Query(connection_, sql, kContext);
    }

    template <typename Body>
    void in_transaction(Body&& body) {
        connection_.reconnect_if_lost();
        connection_.exec("BEGIN", kContext);
        try {
            body();
            connection_.exec("COMMIT", kContext);
        } catch (...) {
            postgres::ResultHandle ignored(PQexec(connection_.get(), "ROLLBACK"));
            throw;
        }
    }

    Connection connection_;
};

}  // namespace

std::unique_ptr<OutboxStore> open_postgres_outbox_store(const std::string& conninfo) {
    return std::make_unique<PostgresOutboxStore>(conninfo);
}

}  // namespace meldcode::rest
