// The tamper-evident audit trail: every audit row carries a link, a MAC
// (keyed BLAKE2b under an audit key derived from the key ring) over its own
// canonical content and that of the row before it. Someone holding only the
// store file cannot recompute a link, so a changed, deleted or reordered row
// breaks the chain where it happened. The head (last id, MACed too) is kept
// in its own table, updated in the same transaction as every append, so a
// cut-off tail is detected as well.
//
// A link binds the previous row's content rather than its link: each row can
// then be re-MACed under a new key on its own during key rotation, and the
// chain stays exactly as strong (every link still needs the key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ports/crypto.h"
#include "ports/store.h"

namespace meldcode::audit_chain {

struct Row {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string actor_id;
    std::string actor_role;
    std::string action;
    std::optional<std::int64_t> concern_id;
    std::string outcome;
    std::optional<std::string> key_id;
    std::optional<std::string> link;
    std::optional<std::string> integration{};  // Actor::integration
    std::optional<std::string> request_id{};   // Actor::request_id
    std::optional<std::int64_t> count{};       // AuditRecord::count
};

struct Head {
    std::int64_t last_id = 0;
    std::string key_id;
    std::string mac;
};

// The row's content as MACed, placed at position `as_id` (normally its id).
std::string canonical(const Row& row, std::int64_t as_id);
std::string link(const Crypto& crypto, const std::string& key_id, const std::string& canonical,
                 const std::string& previous_canonical);
std::string head_mac(const Crypto& crypto, const std::string& key_id, std::int64_t last_id,
                     const std::string& last_canonical);
// True when the row's stored link is right for position `as_id` after a row
// whose canonical content is `previous_canonical` ("" before the first row).
bool link_ok(const Crypto& crypto, const Row& row, std::int64_t as_id,
             const std::string& previous_canonical);

// Walks the rows in id order and reports the first break: "missing" (an id
// is absent), "reordered" (the next row belongs here), "modified" (the link
// does not fit), "truncated" (rows the head promises are gone).
class Verifier {
public:
    explicit Verifier(const Crypto& crypto) : crypto_(crypto) {}
    // Feed rows in id order; false once a break was found (stop feeding).
    bool feed(const Row& row);
    AuditVerification finish(const std::optional<Head>& head);

private:
    bool check(const Row& row);

    const Crypto& crypto_;
    std::int64_t rows_ = 0;
    std::int64_t expected_id_ = 1;
    std::string previous_canonical_;
    std::optional<Row> suspect_;  // a row whose link failed: the next row tells why
    std::optional<AuditBreak> broken_;
};

}  // namespace meldcode::audit_chain
