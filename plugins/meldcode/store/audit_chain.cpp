#include "store/audit_chain.h"

#include <initializer_list>

namespace meldcode::audit_chain {
namespace {

// Length-prefixed fields: no field can be shifted into its neighbour.
std::string fields(std::initializer_list<std::string> parts) {
    std::string out;
    for (const auto& part : parts) (out += std::to_string(part.size()) + ':') += part;
    return out;
}

}  // namespace

std::string canonical(const Row& row, std::int64_t as_id) {
    std::string out =
        fields({std::to_string(as_id), std::to_string(row.at), row.actor_id, row.actor_role,
                row.action, row.concern_id ? std::to_string(*row.concern_id) : "-", row.outcome});
    // Rows that name no integration and no request (all rows written before
    // the two existed) keep their canonical form, and so their links. A
    // present value is marked, so that an absent one cannot be forged as "".
    if (row.integration || row.request_id) {
        const auto marked = [](const std::optional<std::string>& v) { return v ? "=" + *v : ""; };
        out += fields({"via", marked(row.integration), marked(row.request_id)});
    }
    if (row.count) out += fields({"count", std::to_string(*row.count)});
    return out;
}

std::string link(const Crypto& crypto, const std::string& key_id, const std::string& canonical,
                 const std::string& previous_canonical) {
    return crypto.audit_mac(key_id, fields({"row", canonical, previous_canonical}));
}

std::string head_mac(const Crypto& crypto, const std::string& key_id, std::int64_t last_id,
                     const std::string& last_canonical) {
    return crypto.audit_mac(key_id, fields({"head", std::to_string(last_id), last_canonical}));
}

bool link_ok(const Crypto& crypto, const Row& row, std::int64_t as_id,
             const std::string& previous_canonical) {
    // A key id the ring does not know cannot have been written by us.
    if (!row.key_id || !row.link || !crypto.has_key(*row.key_id)) return false;
    return link(crypto, *row.key_id, canonical(row, as_id), previous_canonical) == *row.link;
}

bool Verifier::feed(const Row& row) {
    if (broken_) return false;
    ++rows_;
    if (suspect_) {
        // The row before failed. If this row fits in its place, the two were
        // swapped; otherwise the row before was changed.
        const bool swapped =
            row.id == expected_id_ + 1 && link_ok(crypto_, row, expected_id_, previous_canonical_);
        broken_ = AuditBreak{expected_id_, swapped ? "reordered" : "modified"};
        return false;
    }
    return check(row);
}

bool Verifier::check(const Row& row) {
    if (row.id != expected_id_) {
        broken_ = AuditBreak{expected_id_, "missing"};
        return false;
    }
    if (!link_ok(crypto_, row, row.id, previous_canonical_)) {
        suspect_ = row;
        return true;  // one more row decides between "modified" and "reordered"
    }
    previous_canonical_ = canonical(row, row.id);
    ++expected_id_;
    return true;
}

AuditVerification Verifier::finish(const std::optional<Head>& head) {
    AuditVerification report;
    report.rows = rows_;
    if (!broken_ && suspect_) broken_ = AuditBreak{expected_id_, "modified"};
    if (broken_) {
        report.first_broken = broken_;
        return report;
    }
    const std::int64_t last = expected_id_ - 1;
    if (!head) {
        // No anchor: only a store that never audited anything has none.
        if (last > 0) report.first_broken = AuditBreak{last + 1, "truncated"};
        return report;
    }
    if (head->last_id > last) {
        report.first_broken = AuditBreak{last + 1, "truncated"};
    } else if (head->last_id < last || !crypto_.has_key(head->key_id) ||
               head_mac(crypto_, head->key_id, head->last_id, previous_canonical_) != head->mac) {
        report.first_broken = AuditBreak{head->last_id, "modified"};
    }
    return report;
}

}  // namespace meldcode::audit_chain
