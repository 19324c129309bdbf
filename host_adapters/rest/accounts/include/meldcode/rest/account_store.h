// account_store.h — built-in accounts for the web UI (docs/web-ui.md): a
// person's actor id and role, an argon2id password hash (libsodium's
// crypto_pwhash) and a TOTP seed sealed by a SeedSealer, and one-time
// enrolments that meldcode-admin creates and the person completes in the
// browser. In its own SQLite file (mode 0600, WAL, secure_delete), which
// meldcoded and meldcode-admin may open at the same time. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "meldcode/rest/seed_sealer.h"

struct sqlite3;

namespace meldcode::rest {

struct Account {
    std::string actor_id;
    std::string role;  // observer, officer, auditor, admin or manager
};

// A sign-in's outcome; `account` is set when the username named one (the
// audit trail names whom an attempt was about, never what was typed).
struct SignIn {
    std::optional<Account> account;
    bool ok = false;
};

// An enrolment whose password is set: the seed to show as an otpauth:// URI.
struct Enrolling {
    Account account;
    std::string seed;
};

class AccountStore {
public:
    // `sealer` null: enrolments can be created, nothing else (meldcode-admin).
    // Throws std::runtime_error.
    AccountStore(const std::string& path, std::shared_ptr<const SeedSealer> sealer);
    ~AccountStore();
    AccountStore(const AccountStore&) = delete;
    AccountStore& operator=(const AccountStore&) = delete;

    // A one-time enrolment for `actor_id` in `role`, valid `valid_seconds`
    // from `now`; returns its token ("e_" and 43 base64url characters), which
    // is stored only as a hash. An earlier unfinished enrolment of the actor
    // is replaced. Enrolling an actor that has an account replaces its
    // password and seed once the enrolment completes.
    std::string create_enrolment(const std::string& actor_id, const std::string& role,
                                 std::int64_t now, std::int64_t valid_seconds);

    // Sets the enrolment's password and a new TOTP seed (again on a second
    // call); nullopt for a token that is unknown, used or expired.
    std::optional<Enrolling> begin_enrolment(const std::string& token, const std::string& password,
                                             std::int64_t now);

    // With the first code of the seed: the account is (re)created, the
    // enrolment used up. nullopt for a wrong code or a token that is unknown,
    // expired, used, or whose password is not set yet.
    std::optional<Account> confirm_enrolment(const std::string& token, const std::string& code,
                                             std::int64_t now);

    // Password and TOTP code. A code is accepted one step either side of now,
    // and only once: a code of a step at or before the last accepted one is
    // refused (RFC 6238 §5.2). Takes an argon2id verification whether or not
    // the username exists.
    SignIn sign_in(const std::string& username, const std::string& password,
                   const std::string& code, std::int64_t now);

private:
    std::optional<std::int64_t> accept_code(const std::string& actor_id, const Sealed& seed,
                                            const std::string& code, std::int64_t now,
                                            std::int64_t last_step);

    sqlite3* db_ = nullptr;
    std::shared_ptr<const SeedSealer> sealer_;
    std::mutex mutex_;  // one statement sequence at a time
};

}  // namespace meldcode::rest
