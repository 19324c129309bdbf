// The PostgreSQL adapter of the store port, against a real server: the
// throwaway cluster of tests/support/postgres_cluster.py (CTest fixture
// "postgres"), one schema per test. What is the same SQL as the SQLite
// adapter's (store/sql_transaction.h) is proven here for what PostgreSQL
// does differently: migrations and store_too_new, errors that must not
// carry the conninfo, sealing into BYTEA, the audit chain and its triggers,
// purge, key rotation, and several stores (processes) on one schema.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "crypto/sodium_crypto.h"
#include "list_queries.h"
#include "postgres_schema.h"
#include "store/postgres_migrations.h"
#include "store/postgres_store.h"
#include "store/sql_transaction.h"

namespace {

using namespace meldcode;
using test::PostgresSchema;

KeyRing ring_of(const std::vector<std::pair<std::string, char>>& keys, const std::string& active) {
    KeyRing ring{active, {}};
    for (const auto& [id, fill] : keys) ring.keys[id] = std::string(32, fill);
    return ring;
}

std::unique_ptr<Store> open_store(const PostgresSchema& schema,
                                  const KeyRing& ring = ring_of({{"k1", '\x11'}}, "k1")) {
    return open_postgres_store(schema.conninfo(), make_sodium_crypto(ring));
}

const Actor kOfficer{"officer-1", Role::officer};
const Actor kObserver{"tech-7", Role::observer};

ConcernRecord make_concern(const std::string& ref) {
    ConcernRecord c;
    c.ref = ref;
    c.unit_id = "unit-1";
    c.household_ref = "household-1";
    c.status.state = "signals_mapped";
    c.status.assessment = {{"q1", {{"answer", true}, {"explanation", "weighed in private"}}}};
    c.status.people = nlohmann::json::array({{{"role", "child 1"}, {"age", 7}}});
    c.created_at = 1000;
    c.updated_at = 1000;
    return c;
}

Entry observation(const std::string& text) {
    return Entry{"signals_submitted", 1500, kObserver, {{"observation", text}}};
}

std::string count(const PostgresSchema& schema, const std::string& table) {
    return schema.sql("SELECT count(*) FROM " + table).value_or("failed");
}

void refuses(const std::function<void()>& open, mc_status status, const std::string& code) {
    try {
        open();
        FAIL("opened");
    } catch (const Error& e) {
        CHECK(e.status() == status);
        CHECK(e.code() == code);
    }
}

}  // namespace

TEST_CASE("a new store is created at the latest schema, and reopened as it is", "[postgres]") {
    PostgresSchema schema;
    open_store(schema).reset();
    const auto latest = std::to_string(postgres::latest_schema_version());
    CHECK(schema.sql("SELECT version FROM schema_version") == latest);
    CHECK_NOTHROW(open_store(schema));
    CHECK(schema.sql("SELECT version FROM schema_version") == latest);
    CHECK(count(schema, "key_checks") == "1");
}

TEST_CASE("a store written by a newer meldcode is refused untouched", "[postgres]") {
    PostgresSchema schema;
    open_store(schema).reset();
    const int newer = postgres::latest_schema_version() + 1;
    REQUIRE(schema.sql("UPDATE schema_version SET version = " + std::to_string(newer)));
    REQUIRE(schema.sql("CREATE TABLE from_the_future (x INTEGER)"));
    try {
        open_store(schema);
        FAIL("opened a store with a newer schema");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_VERSION);
        CHECK(e.code() == "store_too_new");
        CHECK(std::string(e.what()).find("schema " + std::to_string(newer)) != std::string::npos);
    }
    CHECK(schema.sql("SELECT version FROM schema_version") == std::to_string(newer));
    CHECK(count(schema, "from_the_future") == "0");
}

TEST_CASE("a password in the conninfo never reaches an error message", "[postgres]") {
    const std::string secret = "S3cret-Passw0rd";
    const auto refused_without_secret = [&](const std::string& conninfo) {
        INFO(conninfo);
        try {
            open_postgres_store(conninfo, make_sodium_crypto(ring_of({{"k1", '\x11'}}, "k1")));
            FAIL("opened");
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_STORAGE);
            CHECK(std::string(e.what()).find(secret) == std::string::npos);
            CHECK(std::string(e.what()).find("cannot open store") != std::string::npos);
        }
    };
    // No server there; libpq's message would name the socket.
    refused_without_secret("host=/nonexistent-meldcode user=x password=" + secret);
    // Malformed: libpq's message would quote the text after the password.
    refused_without_secret("host=/tmp password=" + secret + " nonsense");
    refused_without_secret("postgresql://u:" + secret + "@/db?host=/nonexistent&bogus=1");
    // A role the server does not know.
    refused_without_secret(test::cluster_conninfo() + " user=nobody_here password=" + secret);
}

TEST_CASE("concerns and entries round trip, their content sealed at rest", "[postgres]") {
    PostgresSchema schema;
    ConcernId id = 0;
    open_store(schema)->transaction([&](StoreTransaction& tx) {
        id = tx.insert_concern(make_concern("C-1"));
        tx.append_entry(id, "unit-1", observation("a lock on the outside of a door"));
    });
    auto store = open_store(schema);
    store->transaction([&](StoreTransaction& tx) {
        const auto concern = tx.find_concern("C-1");
        REQUIRE(concern);
        CHECK(concern->id == id);
        CHECK(concern->household_ref == "household-1");
        CHECK(concern->status.assessment == make_concern("C-1").status.assessment);
        CHECK(concern->status.people == make_concern("C-1").status.people);
        const auto entries = tx.whole_chronology(*concern);
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].data.at("observation") == "a lock on the outside of a door");
        CHECK(tx.concern_version(id) == entries[0].id);
    });
    // Nothing of the content is in clear in any sealed column.
    for (const std::string column : {"entries.data", "concerns.assessment", "concerns.case_data",
                                     "concerns.ids", "entries.ids"}) {
        const auto table = column.substr(0, column.find('.'));
        for (const std::string word : {"lock", "private", "child", "unit-1", "household-1"}) {
            INFO(column << " " << word);
            CHECK(schema.sql("SELECT count(*) FROM " + table + " WHERE position(convert_to('" +
                             word + "', 'UTF8') IN " + column + ") > 0") == "0");
        }
    }
}

TEST_CASE("a throwing transaction leaves nothing behind", "[postgres]") {
    PostgresSchema schema;
    auto store = open_store(schema);
    CHECK_THROWS_AS(store->transaction([](StoreTransaction& tx) {
        const auto id = tx.insert_concern(make_concern("C-1"));
        tx.append_entry(id, "unit-1", observation("seen"));
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", id, "ok"});
        throw std::runtime_error("the service changed its mind");
    }),
                    std::runtime_error);
    CHECK(count(schema, "concerns") == "0");
    CHECK(count(schema, "entries") == "0");
    CHECK(count(schema, "audit") == "0");
    // And the store works on.
    store->transaction([](StoreTransaction& tx) { tx.insert_concern(make_concern("C-2")); });
    CHECK(count(schema, "concerns") == "1");
}

TEST_CASE("the audit chain verifies, is append-only, and shows a changed row", "[postgres]") {
    PostgresSchema schema;
    auto store = open_store(schema);
    store->transaction([](StoreTransaction& tx) {
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", 1, "ok"});
        tx.append_audit(AuditRecord{11, kObserver, "access.denied", std::nullopt, "denied"});
    });
    AuditVerification verified;
    store->transaction([&](StoreTransaction& tx) { verified = tx.verify_audit(); });
    CHECK(verified.rows == 2);
    CHECK_FALSE(verified.first_broken);

    CHECK_FALSE(schema.sql("UPDATE audit SET outcome = 'ok'"));
    CHECK_FALSE(schema.sql("DELETE FROM audit"));
    CHECK_FALSE(schema.sql("TRUNCATE audit"));
    CHECK(count(schema, "audit") == "2");

    // Someone with the database's own rights can still change a row: the
    // chain is what shows it.
    REQUIRE(
        schema.sql("ALTER TABLE audit DISABLE TRIGGER audit_no_update; "
                   "UPDATE audit SET action = 'concern.list' WHERE id = 1"));
    store->transaction([&](StoreTransaction& tx) { verified = tx.verify_audit(); });
    REQUIRE(verified.first_broken);
    CHECK(verified.first_broken->id == 1);
    CHECK(verified.first_broken->problem == "modified");
}

TEST_CASE("a purge deletes the concern's rows and keeps its audit rows", "[postgres]") {
    PostgresSchema schema;
    auto store = open_store(schema);
    ConcernId id = 0;
    store->transaction([&](StoreTransaction& tx) {
        id = tx.insert_concern(make_concern("C-1"));
        tx.append_entry(id, "unit-1", observation("seen"));
        tx.insert_submission(
            id, SubmissionRecord{"S-1", "tech-7", "key-1", "digest", "T-1", 1500, {"112"}, true});
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", id, "ok"});
    });
    PurgeCounts counts;
    store->transaction([&](StoreTransaction& tx) { counts = tx.purge_concern(id, true); });
    CHECK(counts.entries == 1);
    CHECK(counts.submissions == 1);
    CHECK(count(schema, "concerns") == "1");  // a dry run changes nothing
    store->transaction([&](StoreTransaction& tx) { counts = tx.purge_concern(id, false); });
    CHECK(counts.entries == 1);
    CHECK(counts.submissions == 1);
    for (const char* table : {"concerns", "entries", "submissions"}) {
        INFO(table);
        CHECK(count(schema, table) == "0");
    }
    std::vector<AuditItem> audit;
    store->transaction([&](StoreTransaction& tx) { audit = tx.list_audit(AuditQuery{}); });
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].record.concern == id);
    CHECK_FALSE(audit[0].concern_ref);  // the concern is gone
}

TEST_CASE("key rotation re-seals everything, then the old key is no longer needed", "[postgres]") {
    PostgresSchema schema;
    open_store(schema)->transaction([](StoreTransaction& tx) {
        const auto id = tx.insert_concern(make_concern("C-1"));
        tx.append_entry(id, "unit-1", observation("seen"));
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", id, "ok"});
    });
    {
        auto store = open_store(schema, ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2"));
        RotationProgress progress;
        do {
            store->transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(1); });
        } while (progress.remaining > 0);
    }
    auto store = open_store(schema, ring_of({{"k2", '\x22'}}, "k2"));
    store->transaction([](StoreTransaction& tx) {
        const auto concern = tx.find_concern("C-1");
        REQUIRE(concern);
        CHECK(tx.whole_chronology(*concern).at(0).data.at("observation") == "seen");
        CHECK_FALSE(tx.verify_audit().first_broken);
    });
    refuses([&] { open_store(schema, ring_of({{"k1", '\x11'}}, "k1")); }, MC_E_KEY, "key_unknown");
    refuses([&] { open_store(schema, ring_of({{"k2", '\x33'}}, "k2")); }, MC_E_KEY, "key_mismatch");
}

TEST_CASE("a host left running with the old key as active sends a rotation back to its start",
          "[postgres]") {
    // Two processes on one schema; one was not restarted with the new ring
    // (docs/encryption-and-audit.md asks for that) and writes under the old
    // key where the rotation has already been.
    PostgresSchema schema;
    const KeyRing old_active = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k1");
    const KeyRing new_active = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2");
    std::vector<ConcernRecord> concerns;
    open_store(schema)->transaction([&](StoreTransaction& tx) {
        for (const char* ref : {"C-1", "C-2", "C-3"}) {
            concerns.push_back(make_concern(ref));
            concerns.back().id = tx.insert_concern(concerns.back());
        }
    });
    auto stale = open_store(schema, old_active);
    auto rotating = open_store(schema, new_active);
    RotationProgress progress;
    const auto rotate = [&] {
        rotating->transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(2); });
    };
    rotate();  // the assessments of C-1 and C-2
    const std::int64_t left_before = progress.remaining;
    REQUIRE(left_before > 0);
    concerns[0].status.assessment = {{"q1", {{"answer", false}}}};
    stale->transaction([&](StoreTransaction& tx) { tx.update_concern(concerns[0]); });
    rotate();
    CHECK(progress.remaining > left_before - progress.rotated);
    for (int batch = 0; batch < 50 && progress.remaining > 0; ++batch) rotate();
    CHECK(progress.remaining == 0);
    CHECK(schema.sql("SELECT count(*) FROM key_checks") == "1");
    auto store = open_store(schema, ring_of({{"k2", '\x22'}}, "k2"));
    store->transaction([](StoreTransaction& tx) {
        const auto concern = tx.find_concern("C-1");
        REQUIRE(concern);
        CHECK(concern->status.assessment == nlohmann::json{{"q1", {{"answer", false}}}});
        CHECK_FALSE(tx.verify_audit().first_broken);
    });
}

TEST_CASE("two stores on one schema (two processes) write one at a time", "[postgres]") {
    PostgresSchema schema;
    auto first = open_store(schema);
    auto second = open_store(schema);
    ConcernId id = 0;
    first->transaction([&](StoreTransaction& tx) { id = tx.insert_concern(make_concern("C-1")); });
    constexpr int kEach = 20;
    const auto write = [&](Store& store) {
        for (int i = 0; i < kEach; ++i) {
            store.transaction([&](StoreTransaction& tx) {
                tx.append_entry(id, "unit-1", observation("seen"));
                tx.append_audit(AuditRecord{10, kOfficer, "concern.update", id, "ok"});
            });
        }
    };
    std::thread other([&] { write(*second); });
    write(*first);
    other.join();
    CHECK(count(schema, "entries") == std::to_string(2 * kEach));
    AuditVerification verified;
    first->transaction([&](StoreTransaction& tx) { verified = tx.verify_audit(); });
    CHECK(verified.rows == 2 * kEach);
    CHECK_FALSE(verified.first_broken);
}

TEST_CASE("two stores on one schema claim a ticket's prompt once", "[postgres]") {
    PostgresSchema schema;
    auto first = open_store(schema);
    auto second = open_store(schema);
    PromptClaims* a = first->shared_prompt_claims();
    PromptClaims* b = second->shared_prompt_claims();
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK_FALSE(b->claimed("erp\x1fWO-1"));
    CHECK(a->claim({"erp\x1fWO-1", 1000}));
    CHECK_FALSE(b->claim({"erp\x1fWO-1", 1001}));
    CHECK(b->claimed("erp\x1fWO-1"));
    CHECK(b->claim({"erp\x1fWO-2", 1002}));
    // The first claim is the one kept (the ticket is stored as its blind index).
    const auto prompts = first->prompts_since(0);
    REQUIRE(prompts.size() == 2);
    CHECK(prompts[0].host_ticket_id == "erp\x1fWO-1");
    CHECK(prompts[0].prompted_at == 1000);
    // A claim is not a transaction of the store: it waits for no writer.
    first->transaction([&](StoreTransaction&) { CHECK(b->claim({"erp\x1fWO-3", 1003})); });
}

TEST_CASE("a ticket's claim holds through a key rotation, before, during and after it",
          "[postgres]") {
    PostgresSchema schema;
    CHECK(open_store(schema)->shared_prompt_claims()->claim({"erp\x1fWO-1", 1000}));
    const auto rotate_all = [](Store& store) {
        RotationProgress progress;
        do {
            store.transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(1); });
        } while (progress.remaining > 0);
    };
    {
        // The new key is active, the old claim not yet re-keyed: an instance
        // on the new ring finds it and does not claim the ticket again.
        auto store = open_store(schema, ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2"));
        PromptClaims* claims = store->shared_prompt_claims();
        CHECK(claims->claimed("erp\x1fWO-1"));
        CHECK_FALSE(claims->claim({"erp\x1fWO-1", 1001}));
        CHECK(claims->claim({"erp\x1fWO-2", 1002}));
        rotate_all(*store);
    }
    // Only the new key left: both claims are found, neither is claimed twice.
    auto store = open_store(schema, ring_of({{"k2", '\x22'}}, "k2"));
    PromptClaims* claims = store->shared_prompt_claims();
    CHECK_FALSE(claims->claim({"erp\x1fWO-1", 1003}));
    CHECK_FALSE(claims->claim({"erp\x1fWO-2", 1004}));
    CHECK(count(schema, "prompts") == "2");
    const auto prompts = store->prompts_since(0);
    REQUIRE(prompts.size() == 2);
    CHECK(prompts[0].prompted_at == 1000);
    CHECK(prompts[1].prompted_at == 1002);
}

TEST_CASE("two stores with different active keys, during a rotation, claim a ticket once",
          "[postgres]") {
    // Each would claim the ticket under its own key, where the other's claim
    // is not in the way: both meet each ticket at the same moment.
    PostgresSchema schema;
    auto old_active = open_store(schema, ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k1"));
    auto new_active = open_store(schema, ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2"));
    constexpr int kTickets = 200;
    std::vector<std::atomic<int>> arrived(kTickets);
    std::vector<std::atomic<int>> claims(kTickets);
    const auto claim_all = [&](Store& store) {
        for (int i = 0; i < kTickets; ++i) {
            ++arrived[i];
            while (arrived[i] < 2) std::this_thread::yield();
            const std::string ticket = "erp\x1fWO-" + std::to_string(i);
            if (store.shared_prompt_claims()->claim({ticket, 1000 + i})) ++claims[i];
        }
    };
    std::thread other([&] { claim_all(*new_active); });
    claim_all(*old_active);
    other.join();
    int claimed_twice = 0;
    for (const auto& n : claims) {
        CHECK(n == 1);
        claimed_twice += n == 2 ? 1 : 0;
    }
    CHECK(claimed_twice == 0);
    CHECK(count(schema, "prompts") == std::to_string(kTickets));
}

namespace {

// The officer's list queries (filters, each order, a first and a later page)
// with literal values for their parameters, as PostgreSQL would plan them.
std::vector<std::string> list_queries() {
    const auto crypto = make_sodium_crypto(ring_of({{"k1", '\x11'}}, "k1"));
    const std::vector<std::pair<std::string, std::string>> values{
        {"?1", "'weighing'"}, {"?2", "'officer-1'"}, {"?4", "4711"},
        {"?5", "100"},        {"?6", "1"},           {"?7", "1"}};
    std::vector<std::string> queries;
    for (const auto& listed : test::officer_list_queries()) {
        std::string sql = sql::list_sql(*crypto, listed.query);
        for (const auto& [parameter, value] : values) {
            for (auto at = sql.find(parameter); at != std::string::npos; at = sql.find(parameter)) {
                sql.replace(at, parameter.size(), value);
            }
        }
        queries.push_back(sql);
    }
    return queries;
}

// Whether the plan of `sql` sorts, with sorting and sequential scans priced
// out: a Sort then remains only where no index gives the order.
bool sorts(const PostgresSchema& schema, const std::string& sql) {
    const auto plan = test::postgres_table(
        schema.conninfo(), "SET enable_sort = off; SET enable_seqscan = off; EXPLAIN " + sql);
    std::string text;
    for (const auto& row : plan) text += row.at(0) + "\n";
    INFO(sql << "\n" << text);
    CHECK_FALSE(text.empty());
    return text.find("Sort") != std::string::npos;
}

}  // namespace

TEST_CASE("a schema-1 store gets the list's indexes, and the list then sorts nothing",
          "[postgres]") {
    PostgresSchema schema;
    REQUIRE(schema.sql(postgres::migrations().front().sql));
    REQUIRE(
        schema.sql("CREATE TABLE schema_version (one SMALLINT PRIMARY KEY CHECK (one = 1), "
                   "version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1, 1)"));
    // By priority, no filter: schema 1 sorts (asked with schema 1's columns).
    CHECK(sorts(schema, "SELECT id FROM concerns ORDER BY priority, id DESC LIMIT 100"));

    auto store = open_store(schema);
    CHECK(schema.sql("SELECT version FROM schema_version") ==
          std::to_string(postgres::latest_schema_version()));
    for (const auto& sql : list_queries()) CHECK_FALSE(sorts(schema, sql));
    // A concern's version reads its own entries' index, not the primary key
    // from the store's newest entry backwards.
    std::string version_plan;
    for (const auto& row : test::postgres_table(
             schema.conninfo(),
             "EXPLAIN SELECT coalesce(max(id), 0) FROM entries WHERE concern_id = 1")) {
        version_plan += row.at(0) + "\n";
    }
    INFO(version_plan);
    CHECK(version_plan.find("entries_by_concern_id") != std::string::npos);
    store->transaction([](StoreTransaction& tx) {
        auto c = make_concern("C-1");
        c.status.priority = Priority::urgent;
        tx.insert_concern(c);
        ConcernQuery urgent;
        urgent.by_priority = true;
        urgent.priority = Priority::urgent;
        const auto found = tx.list_concerns(urgent);
        REQUIRE(found.size() == 1);
        CHECK(found.front().ref == "C-1");
    });
}
