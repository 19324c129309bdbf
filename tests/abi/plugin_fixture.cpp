#include "plugin_fixture.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "postgres_schema.h"

namespace meldcode::test {
namespace {

// A statement-at-a-time reader of the store file, independent of the plugin.
class Reader {
public:
    explicit Reader(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open store for reading");
        }
    }
    ~Reader() { sqlite3_close(db_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    // Every row of the query, columns separated by '|', rows by '\n'.
    std::string rows(const std::string& sql) const {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("bad query: ") + sqlite3_errmsg(db_));
        }
        std::string out;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const auto* text = sqlite3_column_text(stmt, i);
                out += text ? reinterpret_cast<const char*>(text) : "NULL";
                out += '|';
            }
            out += '\n';
        }
        sqlite3_finalize(stmt);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

// The rows of `sql` on the PostgreSQL store, in Reader's format.
std::string postgres_rows(const std::string& conninfo, const std::string& sql) {
    std::string out;
    for (const auto& row : postgres_table(conninfo, sql)) {
        for (const auto& column : row) out += column + '|';
        out += '\n';
    }
    return out;
}

// The store's tables but those that change behind any call (the audit
// trail, the prompt log) and the schema's own bookkeeping.
constexpr const char* kPostgresDataTables =
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_name NOT IN ('audit', 'audit_head', 'prompts', 'schema_version') ORDER BY 1";

// Each of the `tables` lines ("name|"), one at a time.
template <typename Fn>
void each_table(const std::string& tables, Fn&& fn) {
    std::size_t start = 0;
    while (start < tables.size()) {
        const auto end = tables.find('\n', start);
        fn(tables.substr(start, tables.find('|', start) - start));
        start = end + 1;
    }
}

}  // namespace

bool on_postgres() {
    return std::getenv("MELDCODE_TEST_POSTGRES") != nullptr;
}

std::filesystem::path fresh_dir() {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() /
               ("meldcode-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    return dir;
}

json test_config(const std::filesystem::path& dir, const json& extra) {
    const auto keys = dir / "meldcode.keys";
    if (!std::filesystem::exists(keys)) sdk::create_key_file(keys.string());
    // check_outputs: every answer of every test call is validated against its schema.
    json config{{"store_path", (dir / "meldcode.db").string()},
                {"keys", {{"file", keys.string()}}},
                {"clock", {{"fixed", kNow}}},
                {"check_outputs", true}};
    config.update(extra);
    return config;
}

std::shared_ptr<const sdk::Plugin> plugin() {
    static const auto loaded = std::make_shared<const sdk::Plugin>(MELDCODE_PLUGIN_PATH);
    return loaded;
}

json actor(const std::string& id, const std::string& role) {
    return {{"id", id}, {"role", role}};
}

json ticket(const std::string& ticket_id, const std::string& unit_id,
            const std::string& technician) {
    return {{"host_ticket_id", ticket_id},
            {"unit_id", unit_id},
            {"work_type", "REP"},
            {"entered_dwelling", true},
            {"technician_id", technician},
            {"closed_at", "2026-11-25T09:45:00Z"},
            {"locale", "nl"}};
}

json ticket_submission(const json& ticket, const std::string& key,
                       const std::string& observations) {
    return {{"ticket", ticket},
            {"idempotency_key", key},
            {"signals", {"mc.children.lock_on_outside_of_room"}},
            {"observations", observations},
            {"children_involved", "yes"},
            {"acute", false}};
}

json submission(const std::string& prompt_token, const std::string& key,
                const std::string& observations) {
    return {{"prompt_token", prompt_token},
            {"idempotency_key", key},
            {"signals", {"mc.home.holes_in_walls_or_doors", "mc.children.lock_on_outside_of_room"}},
            {"observations", observations},
            {"children_involved", "yes"},
            {"acute", false}};
}

StoreFixture::StoreFixture(const json& extra_config)
    : dir_(fresh_dir()), store_path_((dir_ / "meldcode.db").string()) {
    if (on_postgres()) postgres_.emplace();
    reopen(extra_config);
}

StoreFixture::~StoreFixture() {
    instance_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void StoreFixture::close() {
    instance_.reset();
}

void StoreFixture::reopen_at(const std::string& fixed_time) {
    config_["clock"]["fixed"] = fixed_time;
    reopen();
}

void StoreFixture::reopen(const json& extra_config) {
    config_ = test_config(dir_, extra_config);
    if (postgres_ && !extra_config.contains("store_path")) {
        config_.erase("store_path");
        config_["store"] = {{"postgresql", postgres_->conninfo()}};
    }
    reopen();
}

void StoreFixture::reopen_with_keys(const json& keys) {
    config_["keys"] = keys;
    reopen();
}

void StoreFixture::reopen() {
    instance_.reset();
    instance_ = std::make_unique<sdk::Instance>(plugin(), config_);
}

std::string StoreFixture::data_fingerprint() const {
    if (postgres_) {
        std::string all;
        each_table(sql(kPostgresDataTables), [&](const std::string& name) {
            all += name + ":\n" + sql("SELECT * FROM \"" + name + "\" ORDER BY 1");
        });
        return all;
    }
    const Reader db(store_path_);
    std::string all;
    const std::string tables = db.rows(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT IN ('audit', 'audit_head', 'prompts') ORDER BY name");
    std::size_t start = 0;
    while (start < tables.size()) {
        const auto end = tables.find('\n', start);
        const std::string name = tables.substr(start, tables.find('|', start) - start);
        all += name + ":\n" + db.rows("SELECT * FROM \"" + name + "\" ORDER BY 1");
        start = end + 1;
    }
    return all;
}

long long StoreFixture::rows(const std::string& table) const {
    const std::string count = sql("SELECT count(*) FROM \"" + table + "\"");
    return std::stoll(count);
}

std::string StoreFixture::sql(const std::string& query) const {
    if (postgres_) return postgres_rows(postgres_->conninfo(), query);
    return Reader(store_path_).rows(query);
}

std::string StoreFixture::raw_bytes() const {
    if (postgres_) return postgres_dump();
    std::string all;
    for (const std::string& path : {store_path_, store_path_ + "-wal"}) {
        std::ifstream file(path, std::ios::binary);
        all.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    return all;
}

// A real pg_dump of the store's schema, then every value of every table,
// sealed ones (BYTEA) as their bytes (printable ones as they are: pg_dump
// writes them as hex), so a search for clear text finds it as in a file.
std::string StoreFixture::postgres_dump() const {
    std::string all = postgres_->dump();
    each_table(
        sql("SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() ORDER BY 1"),
        [&](const std::string& table) {
            const std::string columns =
                sql("SELECT string_agg(CASE WHEN data_type = 'bytea' THEN 'encode(' || "
                    "quote_ident(column_name) || ', ''escape'')' ELSE quote_ident(column_name) "
                    "|| '::text' END, ', ') FROM information_schema.columns WHERE table_schema "
                    "= current_schema() AND table_name = '" +
                    table + "'");
            all +=
                sql("SELECT " + columns.substr(0, columns.find('|')) + " FROM \"" + table + "\"");
        });
    return all;
}

json fixture_ring(const StoreFixture& store) {
    std::ifstream file(store.config().at("keys").at("file").get<std::string>());
    return json::parse(file);
}

json key_ring_file(const StoreFixture& store, const std::string& name, const json& ring) {
    const auto path = store.dir() / name;
    std::ofstream(path) << ring.dump();
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return {{"file", path.string()}};
}

std::string StoreFixture::audit_actors(const std::string& prefix) const {
    const json page = mc().list_audit(actor("audit-1", "auditor"), {{"limit", 500}});
    REQUIRE(page.at("next_cursor").is_null());
    std::string lines;
    const json& items = page.at("items");
    for (auto item = items.rbegin(); item != items.rend(); ++item) {
        const std::string action = item->at("action");
        if (action.rfind(prefix, 0) != 0) continue;
        lines += action + '|' + item->at("actor").at("id").get<std::string>() + "|\n";
    }
    return lines;
}

void StoreFixture::tamper(const std::string& statements) const {
    if (postgres_) {
        // Triggers do not fire for a superuser's session in replica mode.
        REQUIRE(postgres_->sql("SET session_replication_role = replica; " + statements));
        return;
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(store_path_.c_str(), &db) == SQLITE_OK);
    const std::string script =
        "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; " +
        statements;
    const int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

void StoreFixture::check_refused(sdk::Instance::Call fn, const json& request,
                                 const std::vector<std::string>& roles,
                                 const std::string& operation) const {
    const auto before = data_fingerprint();
    const std::string denied =
        "SELECT count(*) FROM audit WHERE action = 'denied." + operation + "'";
    const long long denied_before = std::stoll(sql(denied));
    for (const std::string& role : roles) {
        INFO(role);
        std::string out;
        CHECK(mc().call_raw(fn, actor("someone", role).dump().c_str(), request.dump().c_str(),
                            out) == MC_E_FORBIDDEN);
        CHECK(out.empty());
        CHECK(std::string(mc().plugin().api().last_error()->code) == "forbidden");
    }
    CHECK(data_fingerprint() == before);
    CHECK(std::stoll(sql(denied)) == denied_before + static_cast<long long>(roles.size()));
}

void expect_rejected(const StoreFixture& store, sdk::Instance::Call fn, const char* actor_text,
                     const char* payload, const Expect& expected, const std::string& secret) {
    const std::string before = store.data_fingerprint();
    char* out = reinterpret_cast<char*>(0x1);  // must be reset to NULL
    const mc_status status = fn(store.mc().handle(), actor_text, payload, &out);
    const mc_error* error = store.mc().plugin().api().last_error();
    REQUIRE(status == expected.status);
    CHECK(out == nullptr);
    REQUIRE(error != nullptr);
    CHECK(error->status == expected.status);
    CHECK(std::string(error->code) == expected.code);
    CHECK(std::string(error->pointer) == expected.pointer);
    CHECK_FALSE(std::string(error->message).empty());
    CHECK(std::string(error->message).find(secret) == std::string::npos);
    CHECK(store.data_fingerprint() == before);
}

json StoreFixture::prompt_for(const std::string& ticket_id, const std::string& unit_id,
                              const std::string& technician) const {
    json prompt =
        mc().ticket_closed(actor(technician, "observer"), ticket(ticket_id, unit_id, technician));
    // Throws rather than REQUIRE: Catch2 assertions are not thread-safe.
    if (prompt.at("ask") != true) throw std::runtime_error("the ticket was not prompted");
    return prompt;
}

std::string StoreFixture::submit(const std::string& ticket_id, const std::string& unit_id,
                                 const std::string& technician,
                                 const std::string& observations) const {
    const json prompt = prompt_for(ticket_id, unit_id, technician);
    const json receipt = mc().submit_signals(
        actor(technician, "observer"),
        submission(prompt.at("prompt_token"), "key-" + ticket_id, observations));
    return receipt.at("submission_ref");
}

std::string StoreFixture::only_concern_ref(const std::string& unit_id) const {
    const json page = mc().list_concerns(actor("af-1", "officer"), {{"unit_id", unit_id}});
    REQUIRE(page.at("items").size() == 1);
    return page.at("items").at(0).at("concern_ref");
}

}  // namespace meldcode::test
