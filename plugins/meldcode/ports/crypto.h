// Port: randomness, authenticated encryption of stored records, prompt
// tokens and keyed digests, all under a key ring (key id -> key) with one
// active key. Keys come from configuration only, never from the store.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace meldcode {

// What a blind index (Crypto::blind_index) stands for: each kind has a key of
// its own, so equal text of two kinds (a unit and a ticket both "4711") never
// has equal hashes.
enum class BlindKind { unit = 0, household = 1, actor = 2, ticket = 3 };

class Crypto {
public:
    virtual ~Crypto() = default;
    // `bytes` random bytes from the OS CSPRNG, base64url without padding.
    virtual std::string random_token(std::size_t bytes) const = 0;

    // Prompt tokens: sealed under a token key derived from the active key,
    // with a random nonce; lowercase hex. They reveal nothing, cannot be
    // forged, and need no disk write to be checked later. open_token()
    // accepts tokens sealed under any key of the ring (rotation keeps issued
    // tokens valid while the previous key stays configured); nullopt when no
    // key opens it.
    virtual std::string seal_token(const std::string& plaintext) const = 0;
    virtual std::optional<std::string> open_token(const std::string& sealed) const = 0;

    // A keyed digest (hex) under the active key, for comparing payloads
    // without storing them twice; digest_matches() accepts a digest made
    // under any key of the ring.
    virtual std::string digest(const std::string& data) const = 0;
    virtual bool digest_matches(const std::string& data, const std::string& digest) const = 0;

    // Records at rest. `context` names the record (table, column, row): it is
    // authenticated with the key id, so a ciphertext moved to another row or
    // relabelled with another key id no longer opens. seal_record() uses the
    // active key; open_record() throws Error key_unknown when the ring lacks
    // `key_id` and record_corrupt when the ciphertext does not open.
    virtual const std::string& active_key_id() const = 0;
    virtual bool has_key(const std::string& key_id) const = 0;
    virtual std::vector<std::string> key_ids() const = 0;
    virtual std::string seal_record(const std::string& plaintext,
                                    const std::string& context) const = 0;
    virtual std::string open_record(const std::string& key_id, const std::string& sealed,
                                    const std::string& context) const = 0;

    // A MAC (hex) under the audit key derived from `key_id` (throws
    // key_unknown without it): someone holding only the store file cannot
    // recompute it.
    virtual std::string audit_mac(const std::string& key_id, const std::string& data) const = 0;

    // A blind index (hex): a keyed hash of `value` under a key derived from
    // `key_id` for its `kind`, so the store can find a value it keeps only
    // sealed (unit, household, actor and ticket ids) while someone holding
    // only the store cannot tell which value it is, nor test a guess. Throws
    // key_unknown when the ring lacks `key_id`.
    virtual std::string blind_index(const std::string& key_id, BlindKind kind,
                                    const std::string& value) const = 0;
};

}  // namespace meldcode
