// What every ABI test needs: the plugin loaded with Boost.DLL, a fresh store
// in a temporary directory, actors, valid payloads, and a way to look at the
// store file from outside to prove that nothing changed.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meldcode/meldcode.hpp"
#include "postgres_schema.h"

namespace meldcode::test {

using nlohmann::json;

// The instance's fixed clock: tests do not depend on the day they run.
constexpr const char* kNow = "2026-11-25T10:00:00Z";

std::shared_ptr<const sdk::Plugin> plugin();

// The mc_open configuration of every test, the one place it is made: the
// store in `dir`, the key ring file next to it (created with a fresh key when
// absent), a fixed clock and output checks. `extra` members replace or add.
json test_config(const std::filesystem::path& dir, const json& extra = json::object());

// Whether StoreFixture's stores are on PostgreSQL: abi_tests_postgres runs
// these tests with the CTest fixture's cluster named in MELDCODE_TEST_POSTGRES
// (each store in a schema of its own); tests tagged [sqlite] are about the
// SQLite file and run in abi_tests only.
bool on_postgres();

// A new empty directory under the system's temporary directory.
std::filesystem::path fresh_dir();

json actor(const std::string& id, const std::string& role);
json ticket(const std::string& ticket_id, const std::string& unit_id,
            const std::string& technician);
json submission(const std::string& prompt_token, const std::string& key,
                const std::string& observations);
// A submission without a prompt: `ticket` names host_ticket_id, unit_id and
// perhaps household_ref; one signal (mc.children.lock_on_outside_of_room), not acute.
json ticket_submission(const json& ticket, const std::string& key, const std::string& observations);

class StoreFixture;

// The fixture's key ring, as its file holds it (schemas/key_ring.schema.json).
json fixture_ring(const StoreFixture& store);
// Writes `ring` to a key ring file `name` (mode 0600) beside the store and
// answers the configuration's "keys" for it.
json key_ring_file(const StoreFixture& store, const std::string& name, const json& ring);

// A refusal as the C ABI reports it.
struct Expect {
    mc_status status;
    std::string code;
    std::string pointer;
};

// Calls fn with raw text and checks the failure it reports, that no output
// was handed out, that the message does not quote `secret` (text of the
// input), and that the store's data did not change.
void expect_rejected(const StoreFixture& store, sdk::Instance::Call fn, const char* actor_text,
                     const char* payload, const Expect& expected, const std::string& secret);

class StoreFixture {
public:
    explicit StoreFixture(const json& extra_config = json::object());
    ~StoreFixture();
    StoreFixture(const StoreFixture&) = delete;
    StoreFixture& operator=(const StoreFixture&) = delete;

    const sdk::Instance& mc() const { return *instance_; }
    const std::string& store_path() const { return store_path_; }
    // Closes the instance and opens the same store again.
    void reopen();
    // Reopens with the fixed clock at `fixed_time` (RFC 3339): how tests let
    // time pass, e.g. past a retention period.
    void reopen_at(const std::string& fixed_time);
    // The same, with another extra configuration instead of the first one.
    void reopen(const json& extra_config);
    // Reopens with `keys` as the configuration's key ring.
    void reopen_with_keys(const json& keys);
    const std::filesystem::path& dir() const { return dir_; }
    // The configuration the instance was opened with.
    const json& config() const { return config_; }
    void close();

    // Every row of every table but the audit trail and the prompt log, as
    // text: equal before and after a rejected call means it stored nothing.
    // (The prompt log is written behind the hook, at any moment; tests of the
    // hook check instead that a rejected ticket is still prompted later.)
    std::string data_fingerprint() const;
    long long rows(const std::string& table) const;
    // The rows of a read-only query on the store file ('|' after each column, '\n' after each row).
    std::string sql(const std::string& query) const;
    // Changes the store behind the plugin's back, as someone holding the
    // store (the file, or the database's superuser) would: the audit
    // triggers are dropped or bypassed first.
    void tamper(const std::string& statements) const;
    // The store file and its write-ahead log, byte for byte; on PostgreSQL
    // a pg_dump of the store's schema and every value of every table
    // (postgres_dump()).
    std::string raw_bytes() const;
    // The audit trail as an auditor reads it through the plugin (the store
    // keeps actor ids sealed), oldest first: "<action>|<actor id>|\n" for
    // each row whose action starts with `prefix`. The reading is audited too.
    std::string audit_actors(const std::string& prefix) const;

    // A prompt for a fresh ticket and the submission of distinctive text on it.
    json prompt_for(const std::string& ticket_id, const std::string& unit_id,
                    const std::string& technician) const;
    std::string submit(const std::string& ticket_id, const std::string& unit_id,
                       const std::string& technician, const std::string& observations) const;
    std::string only_concern_ref(const std::string& unit_id) const;

    // Checks that `fn` with `request` is refused (MC_E_FORBIDDEN, no answer)
    // for an actor of each role, that each refusal is audited as
    // "denied.<operation>", and that nothing stored changed.
    void check_refused(sdk::Instance::Call fn, const json& request,
                       const std::vector<std::string>& roles, const std::string& operation) const;

private:
    std::string postgres_dump() const;

    std::optional<PostgresSchema> postgres_;  // the store's schema, on PostgreSQL
    std::filesystem::path dir_;
    std::string store_path_;
    json config_;
    std::unique_ptr<sdk::Instance> instance_;
};

}  // namespace meldcode::test
