// Legal hold and purge: the retention half of the service
// (docs/retention-and-export.md). Member functions of MeldcodeService.
#include "core/errors.h"
#include "service/meldcode_service.h"

namespace meldcode {

namespace {

// What a request to lift does to a hold: nothing held, nothing to do; the
// first person asks; a second person (another actor) lifts it.
enum class Lift { nothing_held, asked, lifted, same_person };

Lift lift(std::optional<LegalHold>& hold, const Actor& actor, Timestamp now) {
    if (!hold) return Lift::nothing_held;
    if (!hold->lift_requested_by) {
        hold->lift_requested_by = actor.id;
        hold->lift_requested_at = now;
        return Lift::asked;
    }
    if (*hold->lift_requested_by == actor.id) return Lift::same_person;
    hold.reset();
    return Lift::lifted;
}

}  // namespace

// Placing a hold is one person's call; lifting it takes two (an admin can no
// longer lift an officer's hold alone): the second request, by someone else,
// lifts it. Placing it again cancels a pending request to lift.
ConcernRecord MeldcodeService::set_legal_hold(const Actor& actor, const LegalHoldRequest& request) {
    authorize(actor, Operation::set_legal_hold);
    const Timestamp now = clock_->now();
    ConcernRecord concern;
    bool same_person = false;
    store_->transaction([&](StoreTransaction& tx) {
        concern = select(tx, {request.concern_ref, std::nullopt});
        if (taken_before(tx, actor, request.retry)) {
            // A retried lift must not meet itself as "the same person again".
            audit(tx, actor, "concern.read", concern.id);
            return;
        }
        std::string action;
        if (request.reason) {
            concern.legal_hold = LegalHold{*request.reason, now, std::nullopt, std::nullopt};
            // The reason goes into the audit action: the hold itself is purged
            // with the concern, the audit trail keeps why it was kept.
            action = "concern.legal_hold." + *request.reason;
        } else {
            switch (lift(concern.legal_hold, actor, now)) {
                case Lift::same_person:
                    same_person = true;
                    return;
                case Lift::asked:
                    action = "concern.legal_hold_lift_requested";
                    break;
                case Lift::nothing_held:
                case Lift::lifted:
                    action = "concern.legal_hold_lifted";
                    break;
            }
        }
        tx.set_legal_hold(concern.id, concern.legal_hold);
        audit(tx, actor, action, concern.id);
        remember(tx, actor, request.retry, concern.id);
    });
    if (same_person) {
        audit_denial(actor, "denied.legal_hold_lift", concern.id);
        throw Error(MC_E_CONFLICT, "second_person_required",
                    "a legal hold is lifted by a second person, not the one who asked to lift it",
                    "/hold");
    }
    return concern;
}

PurgeReport MeldcodeService::purge(const Actor& actor, const PurgeRequest& request) {
    authorize(actor, Operation::purge_concerns);
    const Timestamp now = clock_->now();
    PurgeReport report;
    store_->transaction_of_its_own([&](StoreTransaction& tx) {
        if (const auto first = taken_before(tx, actor, request.retry)) {
            report = first->answer.value().get<PurgeReport>();
            return;
        }
        report = purge_due(tx, actor, request, now);
        remember(tx, actor, request.retry, std::nullopt, nlohmann::json(report));
    });
    // After the commit: the deleted rows were overwritten in their pages
    // (secure_delete), but older copies of those pages may still sit in the
    // write-ahead log until it is checkpointed and truncated. A retry asks
    // again: whether the log is clear is a fact of now.
    if (!report.dry_run && report.concerns + report.unattached_host_events > 0) {
        report.log_cleared = store_->checkpoint();
    }
    return report;
}

PurgeReport MeldcodeService::purge_due(StoreTransaction& tx, const Actor& actor,
                                       const PurgeRequest& request, Timestamp now) {
    const RetentionPolicy& policy = settings_.retention;
    PurgeReport report;
    report.dry_run = request.dry_run;
    for (const ConcernRecord& c : tx.closed_concerns(policy.latest_closing_due(now))) {
        if (policy.purge_due_at(outcome_of(c.status), *c.closed_at) > now) continue;
        if (c.legal_hold) {
            ++report.held;
        } else if (report.concerns == request.limit) {
            report.more = true;
        } else {
            const PurgeCounts removed = tx.purge_concern(c.id, request.dry_run);
            ++report.concerns;
            report.entries += removed.entries;
            report.submissions += removed.submissions;
            if (!request.dry_run) audit(tx, actor, "concern.purged", c.id);
        }
    }
    // Unit-level host events go once the unit has no concern left that
    // could show them (a dry run has removed nothing, so it counts fewer).
    report.unattached_host_events =
        tx.purge_unattached_events(policy.host_events_due_before(now), request.dry_run);
    audit(tx, actor, request.dry_run ? "purge.dry_run" : "purge.run", std::nullopt);
    return report;
}

}  // namespace meldcode
