#include "meldcode/rest/account_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <stdexcept>
#include <variant>
#include <vector>

#include "meldcode/rest/encoding.h"
#include "meldcode/rest/totp.h"

namespace meldcode::rest {

namespace {

constexpr const char* kSetup = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
PRAGMA secure_delete=ON;
CREATE TABLE IF NOT EXISTS accounts (
    actor_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    seed_key_id TEXT NOT NULL,
    seed BLOB NOT NULL,
    last_step INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments (
    token_hash TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    password_hash TEXT,
    seed_key_id TEXT,
    seed BLOB);
)sql";

using Value = std::variant<std::string, std::int64_t>;
using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

[[noreturn]] void fail(sqlite3* db, const char* what) {
    throw std::runtime_error(std::string("account store: ") + what + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Strings bind as blobs: a seed box holds any byte, and TEXT columns compare
// equal to blobs of the same bytes.
Statement prepare(sqlite3* db, const char* sql, const std::vector<Value>& params) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) fail(db, "prepare");
    Statement stmt(raw, &sqlite3_finalize);
    int i = 1;
    for (const Value& p : params) {
        const int rc = std::holds_alternative<std::int64_t>(p)
                           ? sqlite3_bind_int64(raw, i, std::get<std::int64_t>(p))
                           : sqlite3_bind_text(raw, i, std::get<std::string>(p).data(),
                                               static_cast<int>(std::get<std::string>(p).size()),
                                               SQLITE_TRANSIENT);
        if (rc != SQLITE_OK) fail(db, "bind");
        ++i;
    }
    return stmt;
}

void run(sqlite3* db, const char* sql, const std::vector<Value>& params) {
    const Statement stmt = prepare(db, sql, params);
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) fail(db, "write");
}

std::string column(sqlite3_stmt* stmt, int i) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, i));
    return bytes == nullptr ? std::string() : std::string(bytes, sqlite3_column_bytes(stmt, i));
}

std::string random_token(const char* prefix) {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char text[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return prefix + std::string(text);
}

// argon2id at libsodium's interactive limits (64 MiB, 2 passes): the cost of
// one sign-in, and of each guess at a stolen file.
std::string hash_password(const std::string& password) {
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(
            hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("account store: out of memory hashing a password");
    }
    return hash;
}

bool password_matches(const std::string& hash, const std::string& password) {
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// What an unknown username is checked against, so that it costs as long as
// a known one.
const std::string& decoy_hash() {
    static const std::string hash = hash_password("no account has this password");
    return hash;
}

}  // namespace

AccountStore::AccountStore(const std::string& path, std::shared_ptr<const SeedSealer> sealer)
    : sealer_(std::move(sealer)) {
    if (sodium_init() < 0) throw std::runtime_error("account store: libsodium cannot start");
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("account store: cannot create " + path);
    ::close(fd);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("account store: open: " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    if (sqlite3_exec(db_, kSetup, nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        sqlite3_close(db_);
        throw std::runtime_error("account store: open: " + message);
    }
}

AccountStore::~AccountStore() {
    sqlite3_close(db_);
}

std::string AccountStore::create_enrolment(const std::string& actor_id, const std::string& role,
                                           std::int64_t now, std::int64_t valid_seconds) {
    const std::string token = random_token("e_");
    std::lock_guard<std::mutex> lock(mutex_);
    run(db_, "DELETE FROM enrolments WHERE expires_at <= ?1 OR actor_id = ?2", {now, actor_id});
    run(db_,
        "INSERT INTO enrolments (token_hash, actor_id, role, expires_at) VALUES (?1, ?2, ?3, ?4)",
        {sha256_hex(token), actor_id, role, now + valid_seconds});
    return token;
}

std::optional<Enrolling> AccountStore::begin_enrolment(const std::string& token,
                                                       const std::string& password,
                                                       std::int64_t now) {
    const std::string hash = hash_password(password);  // slow: before the lock
    std::string seed(totp::kSeedBytes, '\0');
    randombytes_buf(seed.data(), seed.size());
    std::lock_guard<std::mutex> lock(mutex_);
    const Statement find = prepare(
        db_, "SELECT actor_id, role FROM enrolments WHERE token_hash = ?1 AND expires_at > ?2",
        {sha256_hex(token), now});
    if (sqlite3_step(find.get()) != SQLITE_ROW) return std::nullopt;
    Enrolling enrolling{{column(find.get(), 0), column(find.get(), 1)}, seed};
    const Sealed sealed = sealer_->seal(seed, enrolling.account.actor_id);
    run(db_,
        "UPDATE enrolments SET password_hash = ?2, seed_key_id = ?3, seed = ?4 "
        "WHERE token_hash = ?1",
        {sha256_hex(token), hash, sealed.key_id, sealed.box});
    return enrolling;
}

std::optional<Account> AccountStore::confirm_enrolment(const std::string& token,
                                                       const std::string& code, std::int64_t now) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Statement find = prepare(db_,
                                   "SELECT actor_id, role, password_hash, seed_key_id, seed "
                                   "FROM enrolments WHERE token_hash = ?1 AND expires_at > ?2 "
                                   "AND seed IS NOT NULL",
                                   {sha256_hex(token), now});
    if (sqlite3_step(find.get()) != SQLITE_ROW) return std::nullopt;
    const Account account{column(find.get(), 0), column(find.get(), 1)};
    const std::string password_hash = column(find.get(), 2);
    const Sealed sealed{column(find.get(), 3), column(find.get(), 4)};
    const auto seed = sealer_->open(sealed, account.actor_id);
    const auto step = seed ? totp::matching_step(*seed, code, now) : std::nullopt;
    if (!step) return std::nullopt;
    run(db_, "BEGIN IMMEDIATE", {});
    try {
        run(db_,
            "INSERT OR REPLACE INTO accounts (actor_id, role, password_hash, seed_key_id, seed, "
            "last_step) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            {account.actor_id, account.role, password_hash, sealed.key_id, sealed.box, *step});
        run(db_, "DELETE FROM enrolments WHERE token_hash = ?1", {sha256_hex(token)});
        run(db_, "COMMIT", {});
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return account;
}

SignIn AccountStore::sign_in(const std::string& username, const std::string& password,
                             const std::string& code, std::int64_t now) {
    SignIn result;
    std::string password_hash = decoy_hash();
    Sealed seed;
    std::int64_t last_step = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const Statement find = prepare(db_,
                                       "SELECT role, password_hash, seed_key_id, seed, last_step "
                                       "FROM accounts WHERE actor_id = ?1",
                                       {username});
        if (sqlite3_step(find.get()) == SQLITE_ROW) {
            result.account = Account{username, column(find.get(), 0)};
            password_hash = column(find.get(), 1);
            seed = {column(find.get(), 2), column(find.get(), 3)};
            last_step = sqlite3_column_int64(find.get(), 4);
        }
    }
    const bool password_ok = password_matches(password_hash, password);  // slow: unlocked
    if (!result.account || !password_ok) return result;
    result.ok = accept_code(username, seed, code, now, last_step).has_value();
    return result;
}

// The code's step is taken only if it is later than the last one accepted,
// in one statement, so two requests with the same code cannot both pass.
std::optional<std::int64_t> AccountStore::accept_code(const std::string& actor_id,
                                                      const Sealed& seed, const std::string& code,
                                                      std::int64_t now, std::int64_t last_step) {
    const auto plain = sealer_->open(seed, actor_id);
    const auto step = plain ? totp::matching_step(*plain, code, now) : std::nullopt;
    if (!step || *step <= last_step) return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex_);
    run(db_, "UPDATE accounts SET last_step = ?2 WHERE actor_id = ?1 AND last_step < ?2",
        {actor_id, *step});
    if (sqlite3_changes(db_) != 1) return std::nullopt;
    return step;
}

}  // namespace meldcode::rest
