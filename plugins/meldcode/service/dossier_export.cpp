// The data-subject export of one dossier (docs/retention-and-export.md).
// A member function of MeldcodeService.
#include <algorithm>

#include "service/meldcode_service.h"

namespace meldcode {
namespace {

bool has(const std::vector<Redaction>& set, Redaction r) {
    return std::find(set.begin(), set.end(), r) != set.end();
}

// The configured redactions and those the request adds: a request can make
// an export stricter, never weaker, than the corporation decided.
std::vector<Redaction> effective(const std::vector<Redaction>& configured,
                                 const std::vector<Redaction>& requested) {
    std::vector<Redaction> all;
    for (const Redaction r :
         {Redaction::observer_identity, Redaction::actor_ids, Redaction::host_ticket_ids}) {
        if (has(configured, r) || has(requested, r)) all.push_back(r);
    }
    return all;
}

// The identities each redaction covers, found in the dossier's own records.
Pseudonyms pseudonyms_for(const Dossier& d) {
    Pseudonyms p;
    for (const Redaction r : d.redactions) {
        for (const StoredSubmission& stored : d.submissions) {
            const SubmissionRecord& s = stored.record;
            if (r == Redaction::observer_identity) p.add(s.observer_id, "observer");
            if (r == Redaction::host_ticket_ids && s.host_ticket_id)
                p.add(*s.host_ticket_id, "ticket");
        }
        // A contractor's name narrows down who reported as much as an id.
        for (const Entry& e : d.chronology) {
            if (r == Redaction::observer_identity && e.kind == "signals_submitted" &&
                e.data.contains("organisation")) {
                p.add(e.data.at("organisation").get<std::string>(), "organisation");
            }
        }
        if (r != Redaction::actor_ids) continue;
        for (const Entry& e : d.chronology) p.add(e.actor.id, "actor");
        if (d.concern.status.assignee) p.add(*d.concern.status.assignee, "actor");
    }
    return p;
}

}  // namespace

Dossier MeldcodeService::export_concern(const Actor& actor, const std::string& concern_ref,
                                        const std::vector<Redaction>& also_redact) {
    authorize(actor, Operation::export_concern);
    Dossier d;
    d.exported_at = clock_->now();
    store_->transaction([&](StoreTransaction& tx) {
        d.concern = select(tx, {concern_ref, std::nullopt});
        d.submissions = tx.submissions_of(d.concern.id);
        d.chronology = tx.whole_chronology(d.concern);
        audit(tx, actor, "concern.export", d.concern.id);
    });
    d.redactions = effective(settings_.export_redactions, also_redact);
    d.pseudonyms = pseudonyms_for(d);
    return d;
}

}  // namespace meldcode
