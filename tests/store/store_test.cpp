// The store port's adapters: SQLite, against real files in temporary
// directories (store_tests), and PostgreSQL, against the throwaway cluster of
// the CTest fixture "postgres" with a schema per test (store_tests_postgres:
// the same program, with MELDCODE_TEST_POSTGRES set). Tests tagged [sqlite]
// are about the file (WAL, its lock, migrations from SQLite's old schemas,
// query plans) and run on SQLite only; postgres_store_test.cpp has
// PostgreSQL's own.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "crypto/sodium_crypto.h"
#include "list_queries.h"
#include "postgres_schema.h"
#include "store/audit_chain.h"
#include "store/group_commit.h"
#include "store/postgres_store.h"
#include "store/sql_audit.h"
#include "store/sql_blind.h"
#include "store/sql_common.h"
#include "store/sql_keys.h"
#include "store/sql_rotation.h"
#include "store/sql_transaction.h"
#include "store/sqlite_migrations.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

namespace {

using namespace meldcode;

// A key ring of 32-byte keys each filled with one byte: fixed, so a test can
// build the same or a different ring again.
KeyRing ring_of(const std::vector<std::pair<std::string, char>>& keys, const std::string& active) {
    KeyRing ring{active, {}};
    for (const auto& [id, fill] : keys) ring.keys[id] = std::string(32, fill);
    return ring;
}

// The adapter under test: PostgreSQL when the fixture named a cluster.
bool on_postgres() {
    return std::getenv("MELDCODE_TEST_POSTGRES") != nullptr;
}

// Every store of these tests is opened here: at `path` (a file, or with
// PostgreSQL a schema's conninfo), with `ring`.
std::unique_ptr<Store> open_with(const std::string& path, const KeyRing& ring) {
    auto crypto = make_sodium_crypto(ring);
    return on_postgres() ? open_postgres_store(path, std::move(crypto))
                         : open_sqlite_store(path, std::move(crypto));
}

std::unique_ptr<Store> open_store(const std::string& path) {
    return open_with(path, ring_of({{"k1", '\x11'}}, "k1"));
}

// Every store of these tests lives in its own temporary directory, or with
// PostgreSQL in its own schema.
class TempDir : public test::TempDir {
public:
    TempDir() : test::TempDir("meldcode-store") {
        if (on_postgres()) schema_.emplace();
    }
    std::string store_path() const { return schema_ ? schema_->conninfo() : file("meldcode.db"); }

private:
    std::optional<test::PostgresSchema> schema_;
};

// Runs one SQL statement on its own connection (as another program would),
// returning the first column of the first row, if any. Returns the SQLite
// result code through `rc` when asked.
std::string raw_sql(const std::string& path, const std::string& sql, int* rc = nullptr) {
    if (on_postgres()) return test::postgres_sql(path, sql).value_or("failed");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::string answer;
    int result = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    if (result == SQLITE_OK) {
        result = sqlite3_step(stmt);
        if (result == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            answer = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    if (rc != nullptr) *rc = result;
    return answer;
}

// The lines of SQLite's EXPLAIN QUERY PLAN for `sql`, on its own connection.
std::string query_plan(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::string plan;
    if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &stmt, nullptr) ==
        SQLITE_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
            plan += '\n';
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return plan;
}

// Writes a store as the first release left it: schema 1, with the rows that
// `rows_sql` inserts; opening it runs every later migration.
void first_release_store(const std::string& path, const std::string& rows_sql) {
    raw_sql(path, "PRAGMA journal_mode = WAL");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, sqlite::migrations().front().sql, nullptr, nullptr, nullptr);
    sqlite3_exec(db, ("PRAGMA user_version = 1;" + rows_sql).c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
}

// Undoes SQLite's schema 15 (PostgreSQL's 5), for a test that writes a store
// as an older schema left it: rotation's cursors become its key id indexes again.
void undo_rotation_cursors(const std::string& path) {
    raw_sql(path, "DROP TABLE rotation_cursors");
    for (const char* index :
         {"entries_by_key ON entries (key_id)", "entries_by_ids_key ON entries (ids_key_id)",
          "concerns_by_key ON concerns (key_id)", "concerns_by_case_key ON concerns (case_key_id)",
          "concerns_by_ids_key ON concerns (ids_key_id)",
          "submissions_by_ids_key ON submissions (ids_key_id)",
          "export_requests_by_key ON export_requests (key_id)", "audit_by_key ON audit (key_id)",
          "audit_by_actor_key ON audit (actor_key_id)"}) {
        raw_sql(path, std::string("CREATE INDEX ") + index);
    }
}

// Every kind of record that rotation reads from a cursor, as
// sql::rotate_records visits them.
std::vector<const sql::rotation::Kind*> cursor_kinds() {
    std::vector<const sql::rotation::Kind*> all;
    for (const sql::keys::SealedColumn* column : sql::keys::kSealedColumns) {
        all.push_back(&column->kind);
    }
    for (const sql::IdsColumn& column : sql::kIdsColumns) {
        if (column.from_cursor) all.push_back(&column.kind);
    }
    all.push_back(&sql::audit::kLinks);
    all.push_back(&sql::audit::kActors);
    return all;
}

const Actor kOfficer{"officer-1", Role::officer};
const Actor kObserver{"tech-7", Role::observer};
const Actor kHost{"erp", Role::integration};

ConcernRecord make_concern(const std::string& ref, const std::string& unit,
                           std::optional<std::string> household = std::nullopt,
                           const std::string& state = "signals_mapped") {
    ConcernRecord c;
    c.ref = ref;
    c.unit_id = unit;
    c.household_ref = std::move(household);
    c.status.state = state;
    c.created_at = 1000;
    c.updated_at = 1000;
    return c;
}

SubmissionRecord make_submission(const std::string& ref, const std::string& observer,
                                 const std::string& key) {
    return SubmissionRecord{ref,  observer, key,  "digest-" + key, std::string("T-1"),
                            2000, {},       false};
}

ConcernId insert_concern(Store& store, const ConcernRecord& concern) {
    ConcernId id = 0;
    store.transaction([&](StoreTransaction& tx) { id = tx.insert_concern(concern); });
    return id;
}

std::vector<ConcernRecord> list(Store& store, const ConcernQuery& query) {
    std::vector<ConcernRecord> result;
    store.transaction([&](StoreTransaction& tx) { result = tx.list_concerns(query); });
    return result;
}

std::vector<std::string> refs(const std::vector<ConcernRecord>& concerns) {
    std::vector<std::string> out;
    out.reserve(concerns.size());
    for (const auto& c : concerns) out.push_back(c.ref);
    return out;
}

std::size_t concern_count(Store& store) {
    ConcernQuery all;
    all.limit = 1000000;
    return list(store, all).size();
}

std::optional<ConcernRecord> find(Store& store, const std::string& ref) {
    std::optional<ConcernRecord> found;
    store.transaction([&](StoreTransaction& tx) { found = tx.find_concern(ref); });
    return found;
}

}  // namespace

TEST_CASE("a new store file is created in WAL mode at the latest schema", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    REQUIRE_FALSE(std::filesystem::exists(path));

    auto store = open_store(path);

    CHECK(std::filesystem::exists(path));
    CHECK(raw_sql(path, "PRAGMA journal_mode") == "wal");
    CHECK(raw_sql(path, "PRAGMA user_version") == std::to_string(sqlite::latest_schema_version()));
    CHECK(concern_count(*store) == 0);
}

TEST_CASE("a store in a missing directory is a clear storage error", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.file("no/such/dir/meldcode.db");
    try {
        open_store(path);
        FAIL("opened a store in a missing directory");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_STORAGE);
        CHECK(std::string(e.what()).rfind("cannot open store: ", 0) == 0);
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST_CASE("a file that is not a database is refused", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs("this is not an SQLite database, but long enough to look at it.........", f);
        std::fclose(f);
    }
    try {
        open_store(path);
        FAIL("opened a non-database");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_STORAGE);
    }
}

TEST_CASE("reopening a store keeps every field", "[store]") {
    TempDir dir;
    const auto path = dir.store_path();
    auto closed = make_concern("C-OLD", "unit-1", std::string("hh-1"), "closed");
    auto concern = make_concern("C-NEW", "unit-1", std::string("hh-1"), "weighing");
    concern.status.assignee = "officer-1";
    concern.status.assessment = {{"q1", {{"answer", true}, {"explanation", "x"}}}};
    concern.status.reported = true;
    concern.status.help_arranged = true;
    concern.status.acute = true;
    concern.status.review_date = "2026-12-01";
    concern.related_ref = "C-OLD";
    concern.created_at = 1111;
    concern.updated_at = 2222;
    ConcernId id = 0;
    {
        auto store = open_store(path);
        insert_concern(*store, closed);
        id = insert_concern(*store, concern);
        store->transaction([&](StoreTransaction& tx) {
            tx.insert_submission(id, make_submission("S-1", "tech-7", "k1"));
        });
    }

    auto store = open_store(path);
    const auto found = find(*store, "C-NEW");
    REQUIRE(found);
    CHECK(found->id == id);
    CHECK(found->unit_id == "unit-1");
    CHECK(found->household_ref == std::optional<std::string>("hh-1"));
    CHECK(found->status.state == "weighing");
    CHECK(found->status.assignee == std::optional<std::string>("officer-1"));
    CHECK(found->status.assessment == concern.status.assessment);
    CHECK(found->status.reported);
    CHECK(found->status.help_arranged);
    CHECK(found->status.acute);
    CHECK(found->status.review_date == std::optional<std::string>("2026-12-01"));
    CHECK(found->status.pending_feedback == 1);
    CHECK(found->related_ref == std::optional<std::string>("C-OLD"));
    CHECK(found->created_at == 1111);
    CHECK(found->updated_at == 2222);

    const auto old = find(*store, "C-OLD");
    REQUIRE(old);
    CHECK(old->status.assessment.is_null());
    CHECK_FALSE(old->status.assignee);
    CHECK_FALSE(old->status.review_date);
    CHECK_FALSE(old->related_ref);
}

TEST_CASE("update_concern changes the workflow fields", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    auto concern = make_concern("C-1", "unit-1");
    concern.id = insert_concern(*store, concern);

    concern.status.state = "consultation";
    concern.status.assignee = "officer-2";
    concern.status.assessment = nlohmann::json{{"q1", "yes"}};
    concern.household_ref = "hh-9";
    concern.updated_at = 5000;
    store->transaction([&](StoreTransaction& tx) { tx.update_concern(concern); });

    const auto found = find(*store, "C-1");
    REQUIRE(found);
    CHECK(found->status.state == "consultation");
    CHECK(found->status.assignee == std::optional<std::string>("officer-2"));
    CHECK(found->status.assessment == nlohmann::json{{"q1", "yes"}});
    CHECK(found->household_ref == std::optional<std::string>("hh-9"));
    CHECK(found->updated_at == 5000);
    CHECK(found->created_at == 1000);

    SECTION("an unknown concern is a storage error") {
        concern.id = 999;
        try {
            store->transaction([&](StoreTransaction& tx) { tx.update_concern(concern); });
            FAIL("updated a concern that does not exist");
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_STORAGE);
        }
    }
}

// update_concern sets a column an index reads only when its value changed:
// each such value, changed alone, must still reach the lookups by it.
TEST_CASE("each indexed value an update changes alone reaches the lookups by it", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    auto concern = make_concern("C-1", "unit-1");
    concern.id = insert_concern(*store, concern);
    const auto update = [&] {
        store->transaction([&](StoreTransaction& tx) { tx.update_concern(concern); });
    };
    const auto listed = [&](ConcernQuery query) { return refs(list(*store, query)); };
    const std::vector<std::string> just_it{"C-1"};
    const std::vector<std::string> none;
    ConcernQuery by_state;
    by_state.state = "consultation";
    ConcernQuery by_assignee;
    by_assignee.assignee = "officer-2";
    ConcernQuery by_priority;
    by_priority.priority = Priority::acute;
    by_priority.by_priority = true;
    const auto open_at = [&](const std::string& unit,
                             const std::optional<std::string>& household = std::nullopt) {
        std::optional<ConcernRecord> found;
        store->transaction(
            [&](StoreTransaction& tx) { found = tx.find_open_concern(unit, household, 0); });
        return found.has_value();
    };

    // Nothing an index reads changes: the lookups find what they found.
    concern.updated_at = 2000;
    update();
    CHECK(listed(by_state) == none);
    CHECK(open_at("unit-1"));

    concern.status.state = "consultation";
    concern.state_since = 3000;
    update();
    CHECK(listed(by_state) == just_it);

    concern.status.assignee = "officer-2";
    update();
    CHECK(listed(by_assignee) == just_it);
    std::vector<ConcernRecord> unassigned;
    store->transaction([&](StoreTransaction& tx) { unassigned = tx.unassigned_concerns(1000000); });
    CHECK(unassigned.empty());

    concern.status.priority = Priority::acute;
    update();
    CHECK(listed(by_priority) == just_it);

    concern.unit_id = "unit-2";  // the household moved
    concern.household_ref = "hh-9";
    update();
    CHECK_FALSE(open_at("unit-1"));
    CHECK(open_at("unit-2", std::string("hh-9")));
    std::optional<ConcernRecord> of_household;
    store->transaction(
        [&](StoreTransaction& tx) { of_household = tx.household_concern("hh-9", true); });
    CHECK(of_household.has_value());

    concern.closed_at = 4000;
    update();
    CHECK_FALSE(open_at("unit-2", std::string("hh-9")));

    const auto found = find(*store, "C-1");
    REQUIRE(found);
    CHECK(found->status.state == "consultation");
    CHECK(found->state_since == 3000);
    CHECK(found->closed_at == std::optional<Timestamp>(4000));
    CHECK(found->unit_id == "unit-2");
}

TEST_CASE("a store written by a newer meldcode is refused", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    open_store(path).reset();
    const int newer = sqlite::latest_schema_version() + 1;
    raw_sql(path, "PRAGMA user_version = " + std::to_string(newer));

    try {
        open_store(path);
        FAIL("opened a store with a newer schema");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_VERSION);
        CHECK(e.code() == "store_too_new");
        CHECK(std::string(e.what()).find("schema " + std::to_string(newer)) != std::string::npos);
    }
    // It was not touched.
    CHECK(raw_sql(path, "PRAGMA user_version") == std::to_string(newer));
}

TEST_CASE("concerns closed before retention existed count from their last update",
          "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    first_release_store(path,
                        "INSERT INTO concerns (ref, unit_id, state, reported, help_arranged, "
                        "acute, created_at, updated_at) VALUES ('c-closed', 'U-1', 'closed', 1, "
                        "0, 0, 1000, 5000), ('c-open', 'U-2', 'open', 0, 0, 0, 1000, 6000)");

    auto store = open_store(path);
    CHECK(find(*store, "c-closed")->closed_at == Timestamp{5000});
    CHECK_FALSE(find(*store, "c-open")->closed_at);
    CHECK_FALSE(find(*store, "c-closed")->legal_hold);
}

TEST_CASE("a throwing transaction leaves nothing behind", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    // Writes to every table a transaction touches, then lets `fail` throw.
    const auto write_then = [&](const std::function<void(StoreTransaction&)>& fail) {
        store->transaction([&](StoreTransaction& tx) {
            const auto id = tx.insert_concern(make_concern("C-1", "unit-1"));
            tx.insert_submission(id, make_submission("S-1", "tech-7", "k1"));
            tx.append_entry(id, "unit-1", Entry{"signals_submitted", 1, kObserver, {}});
            tx.append_audit(AuditRecord{1, kObserver, "submission.create", id, "ok"});
            tx.claim_host_event("ev-1");
            fail(tx);
        });
    };

    SECTION("a meldcode::Error passes through unchanged") {
        try {
            write_then([](StoreTransaction&) {
                throw Error(MC_E_CONFLICT, "custom_code", "custom", "/x");
            });
            FAIL("no exception");
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_CONFLICT);
            CHECK(e.code() == "custom_code");
            CHECK(e.pointer() == "/x");
        }
    }
    SECTION("any other exception passes through too") {
        CHECK_THROWS_AS(write_then([](StoreTransaction&) { throw std::logic_error("bug"); }),
                        std::logic_error);
    }
    SECTION("a store failure maps to MC_E_STORAGE") {
        try {
            write_then([](StoreTransaction& tx) {
                tx.insert_concern(make_concern("C-1", "unit-2"));  // duplicate ref
            });
            FAIL("no exception");
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_STORAGE);
            CHECK(e.code() == "storage");
            CHECK(std::string(e.what()).rfind("store failure: ", 0) == 0);
        }
    }
    SECTION("a reference to a missing concern is refused") {
        CHECK_THROWS_AS(write_then([](StoreTransaction& tx) {
                            tx.insert_submission(404, make_submission("S-9", "tech-7", "k9"));
                        }),
                        Error);
    }

    CHECK(concern_count(*store) == 0);
    store->transaction([](StoreTransaction& tx) {
        CHECK_FALSE(tx.find_submission_by_key("tech-7", "k1"));
        CHECK(tx.claim_host_event("ev-1"));  // the claim was rolled back as well
    });
    CHECK(raw_sql(dir.store_path(), "SELECT count(*) FROM audit") == "0");
    CHECK(raw_sql(dir.store_path(), "SELECT count(*) FROM entries") == "0");
    // The store is still usable afterwards.
    insert_concern(*store, make_concern("C-1", "unit-1"));
    CHECK(concern_count(*store) == 1);
}

TEST_CASE("submissions stored before: nobody called, and handled ones were told completed",
          "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    first_release_store(path,
                        "INSERT INTO concerns (ref, unit_id, state, reported, help_arranged, "
                        "acute, created_at, updated_at) VALUES ('c-open', 'U-2', 'open', 0, 0, 0, "
                        "1000, 6000); INSERT INTO submissions (ref, concern_id, observer_id, "
                        "idempotency_key, request_digest, host_ticket_id, submitted_at) VALUES "
                        "('s-old', 1, 'tech-7', 'key-old-1', 'digest', 'T-1', 1000); INSERT INTO "
                        "submissions (ref, concern_id, observer_id, idempotency_key, "
                        "request_digest, submitted_at, handled_at) VALUES ('s-handled', 1, "
                        "'tech-8', 'key-old-2', 'digest', 1000, 2000)");

    auto store = open_store(path);
    store->transaction([&](StoreTransaction& tx) {
        const auto found = tx.find_submission_by_key("tech-7", "key-old-1");
        REQUIRE(found);
        CHECK(found->ref == "s-old");
        CHECK(found->already_called.empty());
        CHECK_FALSE(found->callback_requested);
        CHECK_FALSE(tx.submission_state("s-old")->message);
        CHECK(tx.submission_state("s-handled")->message == std::optional<std::string>("completed"));
        CHECK(tx.submission_state("s-handled")->handled);
    });
}

TEST_CASE("a submission keeps whom the observer already called and a call-back request",
          "[store]") {
    TempDir dir;
    const auto path = dir.store_path();
    const std::vector<std::vector<std::string>> called{
        {}, {"112"}, {"veilig_thuis"}, {"112", "veilig_thuis"}};
    {
        auto store = open_store(path);
        const auto id = insert_concern(*store, make_concern("C-1", "unit-1"));
        store->transaction([&](StoreTransaction& tx) {
            for (std::size_t i = 0; i < called.size(); ++i) {
                auto s =
                    make_submission("S-" + std::to_string(i), "tech-7", "key-" + std::to_string(i));
                s.already_called = called[i];
                s.callback_requested = i % 2 == 1;
                tx.insert_submission(id, s);
            }
        });
    }
    auto store = open_store(path);
    store->transaction([&](StoreTransaction& tx) {
        const auto all = tx.submissions_of(tx.find_concern("C-1")->id);
        REQUIRE(all.size() == called.size());
        for (std::size_t i = 0; i < called.size(); ++i) {
            INFO("submission " << i);
            CHECK(all[i].record.already_called == called[i]);
            CHECK(all[i].record.callback_requested == (i % 2 == 1));
            const auto by_key = tx.find_submission_by_key("tech-7", "key-" + std::to_string(i));
            REQUIRE(by_key);
            CHECK(by_key->already_called == called[i]);
            CHECK(by_key->callback_requested == (i % 2 == 1));
        }
    });
}

TEST_CASE("idempotency keys are looked up per observer", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const auto id = insert_concern(*store, make_concern("C-1", "unit-1"));
    store->transaction([&](StoreTransaction& tx) {
        CHECK_FALSE(tx.find_submission_by_key("tech-7", "k1"));
        auto no_ticket = make_submission("S-2", "tech-7", "k2");
        no_ticket.host_ticket_id.reset();
        tx.insert_submission(id, make_submission("S-1", "tech-7", "k1"));
        tx.insert_submission(id, no_ticket);
    });

    store->transaction([&](StoreTransaction& tx) {
        const auto found = tx.find_submission_by_key("tech-7", "k1");
        REQUIRE(found);
        CHECK(found->ref == "S-1");
        CHECK(found->observer_id == "tech-7");
        CHECK(found->idempotency_key == "k1");
        CHECK(found->request_digest == "digest-k1");
        CHECK(found->host_ticket_id == std::optional<std::string>("T-1"));
        CHECK(found->submitted_at == 2000);
        CHECK_FALSE(tx.find_submission_by_key("tech-7", "k2")->host_ticket_id);
        CHECK_FALSE(tx.find_submission_by_key("tech-8", "k1"));  // another observer's key

        const auto by_submission = tx.find_concern_by_submission("S-1");
        REQUIRE(by_submission);
        CHECK(by_submission->ref == "C-1");
        CHECK_FALSE(tx.find_concern_by_submission("S-404"));
        CHECK_FALSE(tx.submission_state("S-404"));
    });

    // The same key from the same observer cannot be stored twice.
    CHECK_THROWS_AS(store->transaction([&](StoreTransaction& tx) {
        tx.insert_submission(id, make_submission("S-3", "tech-7", "k1"));
    }),
                    Error);
}

TEST_CASE("find_open_concern matches household and skips closed concerns", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const auto open_for = [&](const std::string& unit, std::optional<std::string> household) {
        std::optional<ConcernRecord> found;
        store->transaction(
            [&](StoreTransaction& tx) { found = tx.find_open_concern(unit, household, 0); });
        return found ? found->ref : std::string("none");
    };

    SECTION("a concern without household matches any household") {
        insert_concern(*store, make_concern("C-1", "unit-1"));
        CHECK(open_for("unit-1", std::string("hh-1")) == "C-1");
        CHECK(open_for("unit-1", std::nullopt) == "C-1");
        CHECK(open_for("unit-2", std::nullopt) == "none");
    }
    SECTION("a concern with household matches that household or none") {
        insert_concern(*store, make_concern("C-1", "unit-1", std::string("hh-1")));
        CHECK(open_for("unit-1", std::string("hh-1")) == "C-1");
        CHECK(open_for("unit-1", std::nullopt) == "C-1");
        CHECK(open_for("unit-1", std::string("hh-2")) == "none");
    }
    SECTION("closed concerns are not matched; the latest open one is") {
        // Closed means closed_at is set, whatever the workflow calls its final
        // state: "transferred" is one in a sector variant.
        const auto insert_closed = [&](const std::string& ref, const std::string& state) {
            auto c = make_concern(ref, "unit-1", std::nullopt, state);
            c.id = insert_concern(*store, c);
            c.closed_at = 1500;
            store->transaction([&](StoreTransaction& tx) { tx.update_concern(c); });
        };
        insert_concern(*store, make_concern("C-1", "unit-1", std::nullopt, "consultation"));
        insert_concern(*store, make_concern("C-2", "unit-1", std::nullopt, "weighing"));
        insert_closed("C-3", "transferred");
        CHECK(open_for("unit-1", std::nullopt) == "C-2");
        insert_closed("C-4", "closed");
        CHECK(open_for("unit-1", std::nullopt) == "C-2");
        std::optional<ConcernRecord> latest;
        store->transaction([&](StoreTransaction& tx) { latest = tx.latest_concern("unit-1", 0); });
        REQUIRE(latest);
        CHECK(latest->ref == "C-4");  // latest_concern sees every state
    }
    SECTION("an exact household match is preferred over a newer unnamed one") {
        insert_concern(*store, make_concern("C-1", "unit-1", std::string("hh-1")));
        insert_concern(*store, make_concern("C-2", "unit-1"));
        CHECK(open_for("unit-1", std::string("hh-1")) == "C-1");
        CHECK(open_for("unit-1", std::string("hh-2")) == "C-2");
    }
}

TEST_CASE("list_concerns filters, orders newest first and pages", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    std::vector<ConcernId> ids;
    for (int i = 0; i < 10; ++i) {
        auto c = make_concern("C-" + std::to_string(i), i % 2 ? "unit-odd" : "unit-even",
                              std::nullopt, i < 6 ? "weighing" : "closed");
        if (i % 3 == 0) c.status.assignee = "officer-1";
        ids.push_back(insert_concern(*store, c));
    }
    ConcernQuery q;

    CHECK(refs(list(*store, q)) == std::vector<std::string>{"C-9", "C-8", "C-7", "C-6", "C-5",
                                                            "C-4", "C-3", "C-2", "C-1", "C-0"});
    q.state = "weighing";
    CHECK(refs(list(*store, q)) ==
          std::vector<std::string>{"C-5", "C-4", "C-3", "C-2", "C-1", "C-0"});
    q.unit_id = "unit-odd";
    CHECK(refs(list(*store, q)) == std::vector<std::string>{"C-5", "C-3", "C-1"});
    q.assignee = "officer-1";
    CHECK(refs(list(*store, q)) == std::vector<std::string>{"C-3"});

    SECTION("paging with limit and before") {
        ConcernQuery page;
        page.limit = 4;
        const auto first = list(*store, page);
        CHECK(refs(first) == std::vector<std::string>{"C-9", "C-8", "C-7", "C-6"});
        page.before = first.back().id;
        const auto second = list(*store, page);
        CHECK(refs(second) == std::vector<std::string>{"C-5", "C-4", "C-3", "C-2"});
        page.before = second.back().id;
        CHECK(refs(list(*store, page)) == std::vector<std::string>{"C-1", "C-0"});
        page.before = ids.front();
        CHECK(list(*store, page).empty());
    }
    SECTION("assignee alone, and a limit of zero or less returns nothing") {
        ConcernQuery mine;
        mine.assignee = "officer-1";
        CHECK(refs(list(*store, mine)) == std::vector<std::string>{"C-9", "C-6", "C-3", "C-0"});
        mine.limit = 0;
        CHECK(list(*store, mine).empty());
        mine.limit = -1;  // SQLite would read this as "no limit"
        CHECK(list(*store, mine).empty());
    }
}

TEST_CASE("the chronology includes the unit's host events without a concern", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const auto event = [](Timestamp at, const std::string& what) {
        return Entry{"host_event", at, kHost, {{"type", what}}};
    };
    ConcernRecord concern = make_concern("C-1", "unit-1");
    store->transaction([&](StoreTransaction& tx) {
        // Before the concern existed: nuisance complaint and a door repair.
        tx.append_entry(std::nullopt, "unit-1", event(100, "nuisance"));
        tx.append_entry(std::nullopt, "unit-1", event(300, "door_repair"));
        tx.append_entry(std::nullopt, "unit-2", event(150, "other unit"));
        concern.id = tx.insert_concern(concern);
        const auto other = tx.insert_concern(make_concern("C-2", "unit-1", std::nullopt, "closed"));
        tx.append_entry(concern.id, "unit-1",
                        Entry{"signals_submitted", 200, kObserver, {{"signals", {"a", "b"}}}});
        tx.append_entry(concern.id, "unit-1", Entry{"action", 300, kOfficer, {{"step", 2}}});
        tx.append_entry(other, "unit-1", Entry{"action", 250, kOfficer, {}});
        Entry not_an_event{"note", 120, kHost, {}};
        tx.append_entry(std::nullopt, "unit-1", not_an_event);
    });

    std::vector<Entry> entries;
    store->transaction([&](StoreTransaction& tx) { entries = tx.whole_chronology(concern); });
    REQUIRE(entries.size() == 4);
    CHECK(entries[0].kind == "host_event");
    CHECK(entries[0].at == 100);
    CHECK(entries[0].data == nlohmann::json{{"type", "nuisance"}});
    CHECK(entries[0].actor.id == "erp");
    CHECK(entries[0].actor.role == Role::integration);
    CHECK(entries[1].kind == "signals_submitted");
    CHECK(entries[1].actor.role == Role::observer);
    CHECK(entries[1].data == nlohmann::json{{"signals", {"a", "b"}}});
    // Same time: the order of insertion (id) decides.
    CHECK(entries[2].data == nlohmann::json{{"type", "door_repair"}});
    CHECK(entries[3].kind == "action");
    CHECK(entries[3].actor.role == Role::officer);

    // Paged, in pages of each size: the same entries in the same order, and
    // no next page after the last one.
    for (int limit = 1; limit <= 5; ++limit) {
        INFO("pages of " << limit);
        std::vector<nlohmann::json> paged;
        std::optional<EntryPosition> after;
        int pages = 0;
        do {
            ChronologyPage page;
            store->transaction(
                [&](StoreTransaction& tx) { page = tx.chronology(concern, after, limit); });
            CHECK(page.entries.size() <= static_cast<std::size_t>(limit));
            for (const auto& e : page.entries) paged.push_back({e.kind, e.at, e.data});
            after = page.next;
            ++pages;
        } while (after && pages < 10);
        CHECK(pages == (4 + limit - 1) / limit);
        std::vector<nlohmann::json> whole;
        for (const auto& e : entries) whole.push_back({e.kind, e.at, e.data});
        CHECK(paged == whole);
    }
}

TEST_CASE("a chronology page fills past more skipped events than a page holds", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    ConcernRecord concern = make_concern("C-1", "unit-1", std::string("HH-1"));
    store->transaction([&](StoreTransaction& tx) {
        concern.id = tx.insert_concern(concern);
        // Seven events of another household of the unit come first: a page
        // of 2 reads its rows in chunks of 3, two chunks of them skipped.
        for (Timestamp at = 10; at < 17; ++at) {
            tx.append_entry(std::nullopt, "unit-1",
                            Entry{"host_event", at, kHost, {{"household_ref", "HH-2"}}});
        }
        for (Timestamp at = 100; at < 103; ++at) {
            tx.append_entry(concern.id, "unit-1", Entry{"action", at, kOfficer, {{"at", at}}});
        }
        tx.append_entry(std::nullopt, "unit-1",
                        Entry{"host_event", 101, kHost, {{"household_ref", "HH-1"}}});
    });
    const auto page = [&](const std::optional<EntryPosition>& after) {
        ChronologyPage p;
        store->transaction([&](StoreTransaction& tx) { p = tx.chronology(concern, after, 2); });
        return p;
    };
    const auto first = page(std::nullopt);
    REQUIRE(first.entries.size() == 2);
    CHECK(first.entries[0].at == 100);
    CHECK(first.entries[1].at == 101);
    CHECK(first.entries[1].kind == "action");
    REQUIRE(first.next);
    const auto second = page(first.next);
    REQUIRE(second.entries.size() == 2);
    CHECK(second.entries[0].kind == "host_event");
    CHECK(second.entries[0].data == nlohmann::json{{"household_ref", "HH-1"}});
    CHECK(second.entries[1].at == 102);
    CHECK_FALSE(second.next);
}

TEST_CASE("claim_host_event claims an event id once", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    store->transaction([](StoreTransaction& tx) {
        CHECK(tx.claim_host_event("ev-1"));
        CHECK_FALSE(tx.claim_host_event("ev-1"));
        CHECK(tx.claim_host_event("ev-2"));
    });
    store->transaction([](StoreTransaction& tx) { CHECK_FALSE(tx.claim_host_event("ev-2")); });
}

TEST_CASE("due_reviews lists a review while due and says whether it was notified", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const auto monitored = [&](const std::string& ref, const std::string& state,
                               std::optional<std::string> date) {
        auto c = make_concern(ref, "unit-" + ref, std::nullopt, state);
        c.status.review_date = std::move(date);
        c.id = insert_concern(*store, c);
        return c;
    };
    auto due = monitored("C-1", "monitoring", std::string("2026-11-01"));
    monitored("C-2", "monitoring", std::string("2026-11-25"));
    monitored("C-3", "monitoring", std::string("2026-11-26"));  // not yet
    monitored("C-4", "closed", std::string("2026-11-01"));      // other state
    monitored("C-5", "monitoring", std::nullopt);               // no review date
    // "C-1" or "C-1 notified", in the store's order.
    const auto due_on = [&](const std::string& date) {
        std::vector<DueReview> found;
        store->transaction(
            [&](StoreTransaction& tx) { found = tx.due_reviews("monitoring", date); });
        std::vector<std::string> listed;
        for (const auto& d : found)
            listed.push_back(d.concern.ref + (d.notified ? " notified" : ""));
        return listed;
    };

    CHECK(due_on("2026-11-25") == std::vector<std::string>{"C-1", "C-2"});
    store->transaction(
        [&](StoreTransaction& tx) { tx.mark_review_notified(due.id, "2026-11-01"); });
    CHECK(due_on("2026-11-25") == std::vector<std::string>{"C-1 notified", "C-2"});
    CHECK(due_on("2026-11-25") == std::vector<std::string>{"C-1 notified", "C-2"});

    // A new review date is due again, not yet notified, without resetting anything.
    due.status.review_date = "2026-11-20";
    store->transaction([&](StoreTransaction& tx) { tx.update_concern(due); });
    CHECK(due_on("2026-11-25") == std::vector<std::string>{"C-1", "C-2"});  // by review date
}

TEST_CASE("pending feedback counts submissions not yet handled", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    auto concern = make_concern("C-1", "unit-1");
    concern.id = insert_concern(*store, concern);
    const auto other = insert_concern(*store, make_concern("C-2", "unit-2"));
    store->transaction([&](StoreTransaction& tx) {
        tx.insert_submission(concern.id, make_submission("S-1", "tech-7", "k1"));
        tx.insert_submission(concern.id, make_submission("S-2", "tech-8", "k1"));
        tx.insert_submission(other, make_submission("S-3", "tech-7", "k3"));
    });
    const auto pending = [&](const std::string& ref) {
        return find(*store, ref)->status.pending_feedback;
    };
    CHECK(pending("C-1") == 2);
    CHECK(pending("C-2") == 1);
    store->transaction([](StoreTransaction& tx) {
        const auto state = tx.submission_state("S-1");
        REQUIRE(state);
        CHECK(state->observer_id == "tech-7");
        CHECK_FALSE(state->worked_on);
        CHECK_FALSE(state->handled);
    });
    // Only a step recorded after the submission's own entry counts as working
    // on it: a concern already being worked does not show that to a new
    // observer. Entries in the same second are ordered by when they were added.
    const auto worked_on = [&](const std::string& ref) {
        bool worked = false;
        store->transaction(
            [&](StoreTransaction& tx) { worked = tx.submission_state(ref)->worked_on; });
        return worked;
    };
    const auto add_entry = [&](const std::string& kind, const Actor& actor) {
        store->transaction([&](StoreTransaction& tx) {
            tx.append_entry(concern.id, "unit-1", {kind, 2000, actor, nlohmann::json::object()});
        });
    };
    add_entry("action", kOfficer);
    add_entry("signals_submitted", kObserver);  // S-1's own entry (tech-7, at 2000)
    CHECK_FALSE(worked_on("S-1"));
    add_entry("action", kOfficer);
    CHECK(worked_on("S-1"));
    CHECK_FALSE(worked_on("S-3"));  // another concern

    concern.status.assignee = "officer-1";
    concern.status.state = "consultation";
    // An interim message reaches every waiting submission and keeps it waiting.
    std::vector<std::string> told;
    store->transaction([&](StoreTransaction& tx) {
        told = tx.give_feedback(concern.id, {"in_progress", false, true, 2500});
    });
    std::sort(told.begin(), told.end());
    CHECK(told == std::vector<std::string>{"S-1", "S-2"});
    CHECK(pending("C-1") == 2);
    store->transaction([](StoreTransaction& tx) {
        const auto state = tx.submission_state("S-1");
        CHECK_FALSE(state->handled);
        CHECK(state->message == std::optional<std::string>("in_progress"));
        CHECK(state->aftercare_offered);
        CHECK_FALSE(tx.submission_state("S-3")->message);
    });

    std::vector<std::string> handled;
    store->transaction([&](StoreTransaction& tx) {
        tx.update_concern(concern);
        handled = tx.give_feedback(concern.id, {"completed", true, false, 3000});
        // Only the refs just handled: a second call gives and returns nothing.
        CHECK(tx.give_feedback(concern.id, {"completed", true, false, 3001}).empty());
    });
    std::sort(handled.begin(), handled.end());
    CHECK(handled == std::vector<std::string>{"S-1", "S-2"});
    CHECK(pending("C-1") == 0);
    CHECK(pending("C-2") == 1);
    store->transaction([](StoreTransaction& tx) {
        const auto state = tx.submission_state("S-2");
        REQUIRE(state);
        CHECK(state->observer_id == "tech-8");
        CHECK(state->handled);
        CHECK(state->message == std::optional<std::string>("completed"));
        CHECK_FALSE(state->aftercare_offered);
        CHECK_FALSE(tx.submission_state("S-3")->handled);
    });

    // A later submission is pending again; the handled ones stay handled.
    store->transaction([&](StoreTransaction& tx) {
        tx.insert_submission(concern.id, make_submission("S-4", "tech-7", "k4"));
    });
    CHECK(pending("C-1") == 1);
}

TEST_CASE("a store from before the kept count counts each concern's waiting submissions",
          "[store]") {
    TempDir dir;
    const auto path = dir.store_path();
    {
        auto store = open_store(path);
        const auto waiting = insert_concern(*store, make_concern("C-1", "unit-1"));
        const auto told = insert_concern(*store, make_concern("C-2", "unit-2"));
        store->transaction([&](StoreTransaction& tx) {
            tx.insert_submission(waiting, make_submission("S-1", "tech-7", "k1"));
            tx.insert_submission(waiting, make_submission("S-2", "tech-8", "k2"));
            tx.insert_submission(told, make_submission("S-3", "tech-7", "k3"));
            tx.give_feedback(told, {"completed", true, false, 3000});
        });
    }
    // The store as SQLite's schema 13 and PostgreSQL's schema 3 left it.
    undo_rotation_cursors(path);
    raw_sql(path, "ALTER TABLE concerns DROP COLUMN pending_feedback");
    raw_sql(path,
            on_postgres() ? "UPDATE schema_version SET version = 3" : "PRAGMA user_version = 13");
    auto store = open_store(path);
    CHECK(find(*store, "C-1")->status.pending_feedback == 2);
    CHECK(find(*store, "C-2")->status.pending_feedback == 0);
    const auto told = find(*store, "C-2")->id;
    store->transaction([&](StoreTransaction& tx) {
        tx.insert_submission(told, make_submission("S-4", "tech-7", "k4"));
    });
    CHECK(find(*store, "C-2")->status.pending_feedback == 1);
}

TEST_CASE("prompts round trip and duplicates are ignored", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    store->save_prompts({});
    store->save_prompts({{"T-1", 100}, {"T-2", 200}, {"T-3", 300}});
    store->save_prompts({{"T-2", 999}, {"T-4", 400}});  // T-2 keeps its first time

    const auto since = store->prompts_since(200);
    REQUIRE(since.size() == 3);
    CHECK(since[0].host_ticket_id == "T-2");
    CHECK(since[0].prompted_at == 200);
    CHECK(since[1].host_ticket_id == "T-3");
    CHECK(since[2].host_ticket_id == "T-4");
    CHECK(store->prompts_since(0).size() == 4);
    CHECK(store->prompts_since(401).empty());
    // Other processes may share a PostgreSQL store: it settles claims itself
    // (and knows what the log above wrote); a SQLite store is this process's alone.
    PromptClaims* claims = store->shared_prompt_claims();
    CHECK((claims != nullptr) == on_postgres());
    if (claims != nullptr) {
        CHECK(claims->claimed("T-4"));
        CHECK_FALSE(claims->claim({"T-4", 500}));
        CHECK(claims->claim({"T-5", 500}));
    }
}

TEST_CASE("a key ring that does not fit the store is refused before anything is read", "[store]") {
    TempDir dir;
    const auto path = dir.store_path();
    open_store(path)->transaction([](StoreTransaction& tx) {
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", 1, "ok"});
    });
    const auto refused = [&](const KeyRing& ring, const char* code) {
        try {
            open_with(path, ring);
            FAIL("opened with a wrong key ring");
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_KEY);
            CHECK(e.code() == code);
        }
    };
    refused(ring_of({{"k2", '\x22'}}, "k2"), "key_unknown");
    refused(ring_of({{"k1", '\x33'}}, "k1"), "key_mismatch");
    CHECK(raw_sql(path, "SELECT count(*) FROM key_checks") == "1");
    CHECK_NOTHROW(open_store(path));
}

TEST_CASE("key rotation reads each kind of record from its cursor through the primary key",
          "[store][sqlite]") {
    // Each batch starts where the last one stopped: a read that stepped over
    // the rows done before would make a whole rotation quadratic in the
    // store's size.
    TempDir dir;
    const auto path = dir.store_path();
    open_store(path);
    for (const sql::rotation::Kind* kind : cursor_kinds()) {
        const std::string plan =
            query_plan(path, std::string("SELECT id FROM ") + kind->table + " WHERE " +
                                 kind->under_old_key + sql::rotation::kWithinCursor);
        INFO(kind->name << "\n" << plan);
        CHECK(plan.find("USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") != std::string::npos);
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
    // The narrow tables, keyed by a hash, through their index one old key at a time.
    for (const sql::IdsColumn& column : sql::kIdsColumns) {
        if (column.from_cursor) continue;
        const std::string plan =
            query_plan(path, std::string(column.select) + column.kind.under_old_key + " LIMIT 100");
        INFO(column.kind.table << "\n" << plan);
        CHECK(plan.find("_by_ids_key (ids_key_id") != std::string::npos);
        CHECK(plan.find(std::string("SCAN ") + column.kind.table) == std::string::npos);
    }
    // What a submission writes has no index on a key id: only rotation read them.
    CHECK(raw_sql(path,
                  "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' "
                  "AND sql LIKE '%key_id%'") == "prompts_by_ids_key,tenancies_by_ids_key");
}

TEST_CASE("a rotation re-keys a record written behind its cursor before it drops the old key",
          "[store]") {
    // A host still running with the old key as active (it was not restarted
    // with the new ring) writes under the old key where the rotation has
    // already been.
    TempDir dir;
    const auto path = dir.store_path();
    const KeyRing old_active = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k1");
    const KeyRing new_active = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2");
    std::vector<ConcernRecord> concerns;
    {
        auto store = open_with(path, ring_of({{"k1", '\x11'}}, "k1"));
        for (const char* ref : {"C-1", "C-2", "C-3"}) {
            concerns.push_back(make_concern(ref, std::string("unit-") + ref));
            concerns.back().status.assessment = nlohmann::json{{"q1", "yes"}};
            concerns.back().id = insert_concern(*store, concerns.back());
        }
    }
    RotationProgress progress;
    const auto rotate = [&](Store& store) {
        store.transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(2); });
    };
    rotate(*open_with(path, new_active));  // the assessments of C-1 and C-2
    REQUIRE(progress.remaining > 0);
    {
        auto store = open_with(path, old_active);
        concerns[0].status.assessment = nlohmann::json{{"q1", "no"}};
        store->transaction([&](StoreTransaction& tx) { tx.update_concern(concerns[0]); });
    }
    {
        auto store = open_with(path, new_active);
        for (int batch = 0; batch < 20 && progress.remaining > 0; ++batch) rotate(*store);
        CHECK(progress.remaining == 0);
    }
    CHECK(raw_sql(path, "SELECT count(*) FROM key_checks") == "1");
    auto store = open_with(path, ring_of({{"k2", '\x22'}}, "k2"));
    const auto found = find(*store, "C-1");
    REQUIRE(found);
    CHECK(found->status.assessment == nlohmann::json{{"q1", "no"}});
    CHECK(find(*store, "C-3")->unit_id == "unit-C-3");
}

TEST_CASE(
    "a rotation's batch reads a window of each kind, however few rows are left under the old key",
    "[store]") {
    // The last batch of a rotation once read every kind whole, and every
    // other write waited for it: 0.27 s at 100,000 submissions.
    TempDir dir;
    const auto path = dir.store_path();
    const KeyRing new_active = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2");
    insert_concern(*open_with(path, ring_of({{"k1", '\x11'}}, "k1")),
                   make_concern("C-old", "unit-old"));
    constexpr int kConcerns = 600;  // under the new key already
    auto store = open_with(path, new_active);
    store->transaction([](StoreTransaction& tx) {
        for (int i = 0; i < kConcerns; ++i) {
            const std::string n = std::to_string(i);
            tx.insert_concern(make_concern("C-" + n, "unit-" + n));
        }
    });
    const auto kinds = static_cast<std::int64_t>(cursor_kinds().size());
    RotationProgress progress;
    std::int64_t before = -1;
    int batches = 0;
    do {
        store->transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(1); });
        ++batches;
        if (before >= 0) {
            INFO("batch " << batches);
            CHECK(before - progress.remaining <= kinds * sql::rotation::kIdsReadPerRow);
        }
        before = progress.remaining;
    } while (progress.remaining > 0 && batches < 1000);
    CHECK(progress.remaining == 0);
    CHECK(batches >= kConcerns / sql::rotation::kIdsReadPerRow);
    store.reset();
    CHECK(find(*open_with(path, ring_of({{"k2", '\x22'}}, "k2")), "C-old")->unit_id == "unit-old");
}

TEST_CASE("the audit trail is append-only", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    auto store = open_store(path);
    store->transaction([](StoreTransaction& tx) {
        tx.append_audit(AuditRecord{10, kOfficer, "concern.read", 1, "ok"});
        tx.append_audit(AuditRecord{11, kObserver, "access.denied", std::nullopt, "denied"});
    });
    CHECK(raw_sql(path, "SELECT count(*) FROM audit") == "2");
    CHECK(raw_sql(path, "SELECT actor_role FROM audit WHERE concern_id IS NULL") == "observer");
    int rc = SQLITE_OK;
    raw_sql(path, "UPDATE audit SET outcome = 'ok'", &rc);
    CHECK(rc == SQLITE_CONSTRAINT);
    raw_sql(path, "DELETE FROM audit", &rc);
    CHECK(rc == SQLITE_CONSTRAINT);
    CHECK(raw_sql(path, "SELECT count(*) FROM audit") == "2");
}

TEST_CASE("calling the store from inside its own transaction fails instead of deadlocking",
          "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    try {
        store->transaction([&](StoreTransaction&) { store->prompts_since(0); });
        FAIL("re-entry was not detected");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_INTERNAL);
    }
    CHECK(store->prompts_since(0).empty());  // the lock was released
}

TEST_CASE("concurrent transactions from 8 threads all land", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    constexpr std::size_t kThreads = 8;
    constexpr int kPerThread = 20;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (std::size_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const auto n = std::to_string(t) + "-" + std::to_string(i);
                try {
                    store->transaction([&](StoreTransaction& tx) {
                        const auto id = tx.insert_concern(make_concern("C-" + n, "unit-" + n));
                        tx.insert_submission(id, make_submission("S-" + n, "tech-" + n, "k"));
                        tx.append_audit(AuditRecord{1, kObserver, "submission.create", id, "ok"});
                    });
                    store->save_prompts({{"T-" + n, i}});
                } catch (...) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();

    CHECK(failures == 0);
    CHECK(concern_count(*store) == kThreads * kPerThread);
    CHECK(store->prompts_since(0).size() == kThreads * kPerThread);
    CHECK(raw_sql(dir.store_path(), "SELECT count(*) FROM submissions") ==
          std::to_string(kThreads * kPerThread));
}

namespace {

// Group commit (group_commit.h), made certain rather than hoped for: the
// first call holds the connection inside its transaction until every other
// thread waits for it (StoreStats::waiting), so all of them join its batch.
// `write(tx, t)` is thread t's call; thread 0 goes first.
template <typename Write>
void in_one_batch(Store& store, int threads, Write write,
                  std::vector<std::exception_ptr>& failures) {
    failures.assign(static_cast<std::size_t>(threads), nullptr);
    std::atomic<bool> first_in{false};
    const auto call = [&](int t) {
        try {
            store.transaction([&](StoreTransaction& tx) {
                if (t == 0) {
                    first_in = true;
                    while (store.stats().waiting < threads - 1) std::this_thread::yield();
                }
                write(tx, t);
            });
        } catch (...) {
            failures[static_cast<std::size_t>(t)] = std::current_exception();
        }
    };
    std::vector<std::thread> others;
    std::thread first(call, 0);
    while (!first_in) std::this_thread::yield();
    for (int t = 1; t < threads; ++t) others.emplace_back(call, t);
    first.join();
    for (auto& thread : others) thread.join();
}

void submit(StoreTransaction& tx, const std::string& n) {
    const auto id = tx.insert_concern(make_concern("C-" + n, "unit-" + n));
    tx.insert_submission(id, make_submission("S-" + n, "tech-" + n, "k"));
    tx.append_audit(AuditRecord{1, kObserver, "submission.create", id, "ok"});
}

AuditVerification verify(Store& store) {
    AuditVerification verification;
    store.transaction([&](StoreTransaction& tx) { verification = tx.verify_audit(); });
    return verification;
}

}  // namespace

TEST_CASE("calls that wait for one another share one commit, each stored once", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    constexpr int kThreads = 16;
    const auto commits_before = store->stats().commits;
    std::vector<std::exception_ptr> failures;

    in_one_batch(
        *store, kThreads, [](StoreTransaction& tx, int t) { submit(tx, std::to_string(t)); },
        failures);

    CHECK(std::count(failures.begin(), failures.end(), nullptr) == kThreads);
    CHECK(store->stats().commits == commits_before + 1);
    CHECK(store->stats().waiting == 0);
    CHECK(concern_count(*store) == kThreads);
    CHECK(raw_sql(dir.store_path(), "SELECT count(DISTINCT ref) FROM submissions") ==
          std::to_string(kThreads));
    const auto audit = verify(*store);
    CHECK(audit.rows == kThreads);
    CHECK(audit.first_broken == std::nullopt);
    // What was committed together is durable: a store opened anew has it.
    store.reset();
    CHECK(concern_count(*open_store(dir.store_path())) == kThreads);
}

TEST_CASE("a call that fails in a shared commit loses only its own writes", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    store->transaction([](StoreTransaction& tx) { submit(tx, "before"); });
    constexpr int kThreads = 8;
    constexpr int kFailing = 5;
    const auto commits_before = store->stats().commits;
    std::vector<std::exception_ptr> failures;

    // The failing call writes a concern, an audit row and then a submission
    // whose ref is taken: the database refuses the statement (with
    // PostgreSQL, that aborts the transaction up to the call's savepoint).
    in_one_batch(
        *store, kThreads,
        [](StoreTransaction& tx, int t) {
            if (t != kFailing) return submit(tx, std::to_string(t));
            const auto id = tx.insert_concern(make_concern("C-bad", "unit-bad"));
            tx.append_audit(AuditRecord{1, kObserver, "submission.create", id, "ok"});
            tx.insert_submission(id, make_submission("S-before", "tech-bad", "k-bad"));
        },
        failures);

    for (int t = 0; t < kThreads; ++t) {
        INFO("thread " << t);
        CHECK((failures[static_cast<std::size_t>(t)] != nullptr) == (t == kFailing));
    }
    CHECK_THROWS_AS(std::rethrow_exception(failures[kFailing]), Error);
    CHECK(store->stats().commits == commits_before + 1);
    CHECK(concern_count(*store) == kThreads);  // "before" and the seven others
    CHECK_FALSE(find(*store, "C-bad"));
    CHECK(find(*store, "C-" + std::to_string(kFailing - 1)));
    CHECK(raw_sql(dir.store_path(), "SELECT count(*) FROM submissions") ==
          std::to_string(kThreads));
    const auto audit = verify(*store);
    CHECK(audit.rows == kThreads);
    CHECK(audit.first_broken == std::nullopt);
}

TEST_CASE("one thread runs a batch's calls, and hands the rest on once its own is committed",
          "[store]") {
    // The connection is not handed from thread to thread for every call: the
    // first caller runs the queued calls itself. Once the batch holding its
    // own call is committed (full at kMaxBatch), the call that waited longest
    // runs the next one, so the first caller is answered, however many come.
    TempDir dir;
    auto store = open_store(dir.store_path());
    constexpr int kThreads = sql::GroupCommit::kMaxBatch + 1;
    const auto commits_before = store->stats().commits;
    std::vector<std::thread::id> ran_on(kThreads);
    std::vector<std::exception_ptr> failures;

    in_one_batch(
        *store, kThreads,
        [&](StoreTransaction& tx, int t) {
            ran_on[static_cast<std::size_t>(t)] = std::this_thread::get_id();
            submit(tx, std::to_string(t));
        },
        failures);

    CHECK(std::count(failures.begin(), failures.end(), nullptr) == kThreads);
    CHECK(std::count(ran_on.begin(), ran_on.end(), ran_on[0]) == sql::GroupCommit::kMaxBatch);
    CHECK(store->stats().commits == commits_before + 2);
    CHECK(concern_count(*store) == kThreads);
    CHECK(verify(*store).first_broken == std::nullopt);
}

TEST_CASE("a call of its own is all or nothing, durable, and runs beside shared calls", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const auto commits_before = store->stats().commits;
    store->transaction_of_its_own([](StoreTransaction& tx) { submit(tx, "own"); });
    CHECK(store->stats().commits == commits_before + 1);
    CHECK_THROWS_WITH(store->transaction_of_its_own([](StoreTransaction& tx) {
        submit(tx, "undone");
        throw std::runtime_error("refused half-way");
    }),
                      "refused half-way");
    CHECK_FALSE(find(*store, "C-undone"));
    // From inside a call it would wait for itself: refused instead.
    store->transaction([&](StoreTransaction&) {
        CHECK_THROWS_AS(store->transaction_of_its_own([](StoreTransaction&) {}), Error);
    });

    // Shared and own calls from several threads at once: each lands once.
    constexpr int kThreads = 6;
    constexpr int kPerThread = 20;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const auto call = [&](StoreTransaction& tx) {
                    submit(tx, std::to_string(t) + "-" + std::to_string(i));
                };
                try {
                    if (t % 3 == 0)
                        store->transaction_of_its_own(call);
                    else
                        store->transaction(call);
                } catch (...) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    CHECK(concern_count(*store) == 1 + kThreads * kPerThread);
    const auto audit = verify(*store);
    CHECK(audit.rows == 1 + kThreads * kPerThread);
    CHECK(audit.first_broken == std::nullopt);
    store.reset();
    CHECK(concern_count(*open_store(dir.store_path())) == 1 + kThreads * kPerThread);
}

TEST_CASE("a store whose log cannot be made durable says so, and takes no more calls",
          "[store][sqlite]") {
    // The store syncs SQLite's log itself (sqlite_log.h). A log deleted under
    // a running store would make every later sync a sync of nothing: the
    // first commit after it fails, and so does everything after it, until
    // the store is opened again.
    TempDir dir;
    auto store = open_store(dir.store_path());
    store->transaction([](StoreTransaction& tx) { submit(tx, "before"); });
    CHECK_FALSE(store->stats().stopped);
    REQUIRE(std::filesystem::remove(dir.store_path() + "-wal"));

    const auto refused = [](const std::function<void()>& call) {
        try {
            call();
        } catch (const Error& e) {
            CHECK(e.status() == MC_E_STORAGE);
            const std::string what = e.what();
            CHECK(what.find("log was deleted") != std::string::npos);
            CHECK(what.find("takes no more calls") != std::string::npos);
            CHECK(what.find("unit-after") == std::string::npos);
            return true;
        }
        return false;
    };
    CHECK(refused([&] { store->transaction([](StoreTransaction& tx) { submit(tx, "after"); }); }));
    bool ran = false;
    CHECK(refused([&] { store->transaction([&](StoreTransaction&) { ran = true; }); }));
    CHECK(refused([&] { store->transaction_of_its_own([&](StoreTransaction&) { ran = true; }); }));
    CHECK_FALSE(ran);
    CHECK(store->stats().stopped);  // what a readiness probe reads
    store.reset();
    // Opened again, the store works.
    auto reopened = open_store(dir.store_path());
    reopened->transaction([](StoreTransaction& tx) { submit(tx, "reopened"); });
    CHECK(find(*reopened, "C-reopened"));
}

TEST_CASE("a second store on a file in use is refused, and the first works on", "[store][sqlite]") {
    TempDir dir;
    auto first = open_store(dir.store_path());
    first->transaction([](StoreTransaction& tx) { tx.insert_concern(make_concern("C-1", "u-1")); });
    try {
        open_store(dir.store_path());
        FAIL("a second store opened a file in use");
    } catch (const Error& e) {
        CHECK(e.status() == MC_E_STORAGE);
        CHECK(e.code() == "store_in_use");
        CHECK(std::string(e.what()).find(dir.store_path()) != std::string::npos);
    }
    first->transaction([](StoreTransaction& tx) { tx.insert_concern(make_concern("C-2", "u-2")); });
    CHECK(concern_count(*first) == 2);
    first.reset();  // closing releases the store
    CHECK(concern_count(*open_store(dir.store_path())) == 2);
}

TEST_CASE("concerns stored before the officer's case details read as before", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    first_release_store(path,
                        "INSERT INTO concerns (ref, unit_id, state, reported, help_arranged, "
                        "acute, created_at, updated_at) VALUES ('c-acute', 'U-1', 'decided', 1, "
                        "0, 1, 1000, 5000), ('c-plain', 'U-2', 'open', 0, 0, 0, 1000, 6000)");

    auto store = open_store(path);
    const auto acute = find(*store, "c-acute");
    REQUIRE(acute);
    // The acute path was recorded: acute; a report was decided when reported.
    CHECK(acute->status.priority == Priority::acute);
    CHECK(acute->status.report_decided);
    CHECK(acute->state_since == 5000);
    CHECK(acute->status.children_involved == "unknown");
    CHECK(acute->status.people == nlohmann::json::array());
    const auto plain = find(*store, "c-plain");
    CHECK(plain->status.priority == Priority::normal);
    CHECK_FALSE(plain->status.report_decided);
    CHECK(plain->status.veilig_thuis_feedback_due == std::nullopt);
    // Written again, the case details are sealed under the active key.
    ConcernRecord changed = *plain;
    changed.status.referrals = {"ggd"};
    store->transaction([&](StoreTransaction& tx) { tx.update_concern(changed); });
    CHECK(find(*store, "c-plain")->status.referrals == std::vector<std::string>{"ggd"});
    CHECK(raw_sql(path, "SELECT count(*) FROM concerns WHERE case_key_id IS NOT NULL") == "1");
}

TEST_CASE("the officer's case details round trip, sealed", "[store]") {
    TempDir dir;
    const auto path = dir.store_path();
    auto concern = make_concern("C-CASE", "unit-1");
    concern.status.priority = Priority::urgent;
    concern.status.report_decided = true;
    concern.status.reported = true;
    concern.status.reported_at = 1234;
    concern.status.veilig_thuis_feedback_due = "2026-12-02";
    concern.status.referrals = {"ggd", "wijkteam"};
    concern.status.children_involved = "yes";
    concern.status.honour_related = true;
    concern.status.specialist_consulted = true;
    concern.status.people = {{{"person", "adult A"}, {"relation", "possible_victim"}}};
    concern.state_since = 999;
    { insert_concern(*open_store(path), concern); }
    const auto found = find(*open_store(path), "C-CASE");
    REQUIRE(found);
    CHECK(found->status.priority == Priority::urgent);
    CHECK(found->status.report_decided);
    CHECK(found->status.reported_at == Timestamp{1234});
    CHECK(found->status.veilig_thuis_feedback_due == std::optional<std::string>("2026-12-02"));
    CHECK(found->status.referrals == concern.status.referrals);
    CHECK(found->status.children_involved == "yes");
    CHECK(found->status.honour_related);
    CHECK(found->status.specialist_consulted);
    CHECK(found->status.people == concern.status.people);
    CHECK(found->state_since == 999);
    const char* holds = on_postgres()
                            ? "position(convert_to('possible_victim', 'UTF8') IN case_data) > 0"
                            : "instr(case_data, 'possible_victim')";
    CHECK(raw_sql(path, std::string("SELECT count(*) FROM concerns WHERE ") + holds) == "0");
}

TEST_CASE("list_concerns sorts by priority and pages within it", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    const std::vector<std::pair<std::string, Priority>> made{{"C-1", Priority::normal},
                                                             {"C-2", Priority::acute},
                                                             {"C-3", Priority::urgent},
                                                             {"C-4", Priority::acute},
                                                             {"C-5", Priority::normal}};
    for (const auto& [ref, priority] : made) {
        auto c = make_concern(ref, "unit-" + ref);
        c.status.priority = priority;
        insert_concern(*store, c);
    }
    ConcernQuery query;
    query.by_priority = true;
    CHECK(refs(list(*store, query)) == std::vector<std::string>{"C-4", "C-2", "C-3", "C-5", "C-1"});
    query.before = 2;  // after C-2 (acute)
    query.before_priority = Priority::acute;
    CHECK(refs(list(*store, query)) == std::vector<std::string>{"C-3", "C-5", "C-1"});
    ConcernQuery urgent;
    urgent.priority = Priority::urgent;
    CHECK(refs(list(*store, urgent)) == std::vector<std::string>{"C-3"});
}

TEST_CASE("the list by priority pages through ties without a gap or a repeat", "[store]") {
    TempDir dir;
    auto store = open_store(dir.store_path());
    // Runs of equal priority longer than a page, so pages end inside them.
    const Priority order[] = {Priority::normal, Priority::acute,  Priority::normal,
                              Priority::urgent, Priority::acute,  Priority::normal,
                              Priority::urgent, Priority::acute,  Priority::normal,
                              Priority::acute,  Priority::normal, Priority::urgent};
    for (std::size_t i = 0; i < std::size(order); ++i) {
        auto c = make_concern("C-" + std::to_string(i), "unit-" + std::to_string(i), std::nullopt,
                              i % 3 == 0 ? "closed" : "weighing");
        c.status.priority = order[i];
        insert_concern(*store, c);
    }
    // No filter, by state, by priority (whose cursor compares the filter's
    // priority, list_sql).
    const std::size_t sizes[] = {12, 8, 4};
    for (int filter = 0; filter < 3; ++filter) {
        ConcernQuery query;
        query.by_priority = true;
        if (filter == 1) query.state = "weighing";
        if (filter == 2) query.priority = Priority::acute;
        query.limit = 100;
        const auto whole = list(*store, query);
        REQUIRE(whole.size() == sizes[filter]);
        for (std::size_t i = 1; i < whole.size(); ++i) {
            const auto before = whole[i - 1].status.priority;
            const auto after = whole[i].status.priority;
            CHECK((before < after || (before == after && whole[i - 1].id > whole[i].id)));
        }
        std::vector<ConcernRecord> paged;
        query.limit = 3;
        for (auto page = list(*store, query); !page.empty(); page = list(*store, query)) {
            paged.insert(paged.end(), page.begin(), page.end());
            query.before = page.back().id;
            query.before_priority = page.back().status.priority;
        }
        CHECK(refs(paged) == refs(whole));
    }
}

namespace {

// Lower-case hex of bytes, for a blob literal X'...'.
std::string hex(const std::string& bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 0x0f];
    }
    return out;
}

// The ids a schema-10 store kept in clear, distinctive enough to search for.
const std::string kOldUnit = "U-OLD-CLEAR-4411";
const std::string kOldEventUnit = "U-OLD-CLEAR-EVENTS-77";
const std::string kOldHousehold = "HH-OLD-CLEAR-19";
const std::string kOldObserver = "tech-OLD-CLEAR-5";
const std::string kOldTicket = "WO-OLD-CLEAR-301";

// A store as schema 10 and a key ring left it: sealed content, a chained
// audit trail, and in clear the ids that schema 11 seals.
void schema_10_store(const std::string& path, const Crypto& crypto) {
    raw_sql(path, "PRAGMA journal_mode = WAL");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    for (const auto& migration : sqlite::migrations()) {
        if (migration.version > 10) break;
        REQUIRE(sqlite3_exec(db, migration.sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    audit_chain::Row first{1, 2000, kOldObserver,      "observer",  "signals.submit",
                           1, "ok", std::string("k1"), std::nullopt};
    audit_chain::Row second{2, 2100, "officer-1",       "officer",   "concern.read",
                            1, "ok", std::string("k1"), std::nullopt};
    const std::string first_canonical = audit_chain::canonical(first, 1);
    const std::string second_canonical = audit_chain::canonical(second, 2);
    const auto sealed = [&](const std::string& text, const std::string& context) {
        return "X'" + hex(crypto.seal_record(text, context)) + "'";
    };
    const std::string rows =
        "PRAGMA user_version = 10;"
        "INSERT INTO key_checks (key_id, sealed) VALUES ('k1', " +
        sealed("meldcode key check", "key_checks") +
        ");"
        "INSERT INTO concerns (ref, unit_id, household_ref, state, reported, help_arranged, "
        "acute, created_at, updated_at, state_since) VALUES ('c-old', '" +
        kOldUnit + "', '" + kOldHousehold +
        "', 'signals_mapped', 0, 0, 0, 1000, 2000, 2000);"
        "INSERT INTO entries (id, concern_id, unit_id, kind, at, actor_id, actor_role, data, "
        "key_id) VALUES (1, 1, '" +
        kOldUnit + "', 'signals_submitted', 2000, '" + kOldObserver + "', 'observer', " +
        sealed(R"({"observations":"tekst"})", sql::entry_context(1)) + ", 'k1'), (2, NULL, '" +
        kOldEventUnit + "', 'host_event', 1500, 'erp', 'integration', " +
        sealed(R"({"kind":"rent_arrears"})", sql::entry_context(2)) +
        ", 'k1');"
        "INSERT INTO submissions (ref, concern_id, observer_id, idempotency_key, request_digest, "
        "host_ticket_id, submitted_at) VALUES ('s-old', 1, '" +
        kOldObserver + "', 'idem-old', 'digest-old', '" + kOldTicket +
        "', 2000);"
        "INSERT INTO prompts (host_ticket_id, prompted_at) VALUES ('" +
        kOldTicket +
        "', 1900);"
        "INSERT INTO tenancies (unit_id, since) VALUES ('" +
        kOldEventUnit +
        "', 100);"
        "INSERT INTO audit (id, at, actor_id, actor_role, action, concern_id, outcome, key_id, "
        "link) VALUES (1, 2000, '" +
        kOldObserver + "', 'observer', 'signals.submit', 1, 'ok', 'k1', '" +
        audit_chain::link(crypto, "k1", first_canonical, "") +
        "'), (2, 2100, 'officer-1', 'officer', 'concern.read', 1, 'ok', 'k1', '" +
        audit_chain::link(crypto, "k1", second_canonical, first_canonical) +
        "');"
        "INSERT INTO audit_head (one, last_id, key_id, mac) VALUES (1, 2, 'k1', '" +
        audit_chain::head_mac(crypto, "k1", 2, second_canonical) + "');";
    REQUIRE(sqlite3_exec(db, rows.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

std::string file_and_log(const std::string& path) {
    std::string all;
    for (const std::string& file : {path, path + "-wal"}) {
        std::ifstream in(file, std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
}

void check_no_old_id(const std::string& path) {
    const std::string bytes = file_and_log(path);
    REQUIRE(bytes.find("c-old") != std::string::npos);  // the search reads the rows
    for (const std::string& id :
         {kOldUnit, kOldEventUnit, kOldHousehold, kOldObserver, kOldTicket}) {
        INFO(id);
        CHECK(bytes.find(id) == std::string::npos);
    }
}

// Every look-up by one of the old ids finds what it found before.
// `events_ref`: a new concern at the unit of the old host event.
void check_old_lookups(Store& store, const std::string& events_ref) {
    store.transaction([&](StoreTransaction& tx) {
        const auto open = tx.find_open_concern(kOldUnit, kOldHousehold, 0);
        REQUIRE(open);
        CHECK(open->ref == "c-old");
        CHECK(open->unit_id == kOldUnit);
        CHECK(open->household_ref == kOldHousehold);
        CHECK(tx.household_concern(kOldHousehold, true)->ref == "c-old");
        CHECK(tx.latest_concern(kOldUnit, 0)->ref == "c-old");
        ConcernQuery by_unit;
        by_unit.unit_id = kOldUnit;
        CHECK(refs(tx.list_concerns(by_unit)) == std::vector<std::string>{"c-old"});
        const auto submission = tx.find_submission_by_key(kOldObserver, "idem-old");
        REQUIRE(submission);
        CHECK(submission->ref == "s-old");
        CHECK(submission->host_ticket_id == kOldTicket);
        CHECK(tx.submission_state("s-old")->observer_id == kOldObserver);
        CHECK(tx.tenancy_since(kOldEventUnit) == 100);
        const auto chronology = tx.whole_chronology(*open);
        REQUIRE(chronology.size() == 1);
        CHECK(chronology[0].actor.id == kOldObserver);
        // The unit's host event from before any concern, for a concern there.
        ConcernRecord there = make_concern(events_ref, kOldEventUnit);
        there.id = tx.insert_concern(there);
        const auto events = tx.whole_chronology(there);
        REQUIRE(events.size() == 1);
        CHECK(events[0].kind == "host_event");
        CHECK(events[0].actor.id == "erp");
        CHECK(tx.verify_audit().first_broken == std::nullopt);
        AuditQuery all;
        const auto items = tx.list_audit(all);
        REQUIRE(items.size() >= 2);
        CHECK(items.back().record.actor.id == kOldObserver);
    });
}

}  // namespace

TEST_CASE("a schema-10 store's clear ids are sealed at its first open and still found",
          "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    const KeyRing ring = ring_of({{"k1", '\x11'}}, "k1");
    schema_10_store(path, *make_sodium_crypto(ring));
    {
        auto store = open_with(path, ring);
        CHECK(raw_sql(path, "PRAGMA user_version") ==
              std::to_string(sqlite::latest_schema_version()));
        CHECK(raw_sql(path, "SELECT count(*) FROM blind_backlog") == "0");
        check_no_old_id(path);
        check_old_lookups(*store, "c-events-1");
        CHECK(store->prompts_since(0).at(0).host_ticket_id == kOldTicket);
    }
    check_no_old_id(path);

    // Rotated to another key, the old ids are still found, and the old
    // audit rows still verify.
    const KeyRing both = ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2");
    {
        auto store = open_with(path, both);
        RotationProgress progress{0, 1};
        while (progress.remaining > 0) {
            store->transaction([&](StoreTransaction& tx) { progress = tx.rotate_keys(3); });
        }
    }
    auto store = open_with(path, ring_of({{"k2", '\x22'}}, "k2"));
    check_old_lookups(*store, "c-events-2");
    CHECK(store->prompts_since(0).at(0).host_ticket_id == kOldTicket);
    check_no_old_id(path);
}

TEST_CASE("a blind index depends on the key and the kind of id, and on nothing else", "[crypto]") {
    const auto one = make_sodium_crypto(ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k1"));
    const auto again = make_sodium_crypto(ring_of({{"k1", '\x11'}}, "k1"));
    const std::string unit = one->blind_index("k1", BlindKind::unit, "4711");
    CHECK(unit.size() == 64);
    CHECK(unit.find("4711") == std::string::npos);
    CHECK(again->blind_index("k1", BlindKind::unit, "4711") == unit);
    CHECK(one->blind_index("k2", BlindKind::unit, "4711") != unit);
    for (const BlindKind other : {BlindKind::household, BlindKind::actor, BlindKind::ticket}) {
        CHECK(one->blind_index("k1", other, "4711") != unit);
    }
    CHECK(one->blind_index("k1", BlindKind::unit, "4712") != unit);
    CHECK_THROWS_AS(one->blind_index("k3", BlindKind::unit, "4711"), Error);
}

TEST_CASE("the officer's list by unit reads the index on the unit's hash", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    open_store(path);
    const auto crypto = make_sodium_crypto(ring_of({{"k1", '\x11'}, {"k2", '\x22'}}, "k2"));
    ConcernQuery by_unit;
    by_unit.unit_id = "VHE-1";
    for (const bool by_priority : {false, true}) {
        by_unit.by_priority = by_priority;
        const std::string plan = query_plan(path, sql::list_sql(*crypto, by_unit));
        INFO(plan);
        CHECK(plan.find("concerns_by_unit (unit_hash=?)") != std::string::npos);
        CHECK(plan.find("SCAN c") == std::string::npos);
    }
}

namespace {

// The list queries an officer can ask (filters, each order, a first page and
// a later one), with their plans: each must read an index in its order and
// stop after its page, so none may sort (a TEMP B-TREE) what it found.
void check_list_plans_sort_nothing(const std::string& path) {
    const auto crypto = make_sodium_crypto(ring_of({{"k1", '\x11'}}, "k1"));
    for (const auto& [name, query] : test::officer_list_queries()) {
        const std::string plan = query_plan(path, sql::list_sql(*crypto, query));
        INFO(name << ":\n" << plan);
        CHECK_FALSE(plan.empty());
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
}

}  // namespace

TEST_CASE("the officer's list reads an index in its own order and sorts nothing",
          "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    open_store(path);
    check_list_plans_sort_nothing(path);
}

TEST_CASE("a schema-11 store gets the list's indexes at its first open", "[store][sqlite]") {
    TempDir dir;
    const auto path = dir.store_path();
    raw_sql(path, "PRAGMA journal_mode = WAL");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    for (const auto& migration : sqlite::migrations()) {
        if (migration.version > 11) break;
        REQUIRE(sqlite3_exec(db, migration.sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    sqlite3_exec(db, "PRAGMA user_version = 11", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    CHECK(query_plan(path, "SELECT id FROM concerns ORDER BY priority, id DESC LIMIT 1")
              .find("TEMP B-TREE") != std::string::npos);

    auto store = open_store(path);
    CHECK(raw_sql(path, "PRAGMA user_version") == std::to_string(sqlite::latest_schema_version()));
    check_list_plans_sort_nothing(path);
    auto c = make_concern("C-1", "unit-1");
    c.status.priority = Priority::urgent;
    insert_concern(*store, c);
    ConcernQuery urgent;
    urgent.by_priority = true;
    urgent.priority = Priority::urgent;
    CHECK(refs(list(*store, urgent)) == std::vector<std::string>{"C-1"});
}
