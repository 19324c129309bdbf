// The melding draft for Veilig Thuis (issue 19): the officer's alone, read in
// one transaction with its audit row; the draft itself is built by the pure
// core and goes nowhere but to the caller.
#include "core/errors.h"
#include "service/meldcode_service.h"

namespace meldcode {

namespace {
constexpr const char* kRefused = "denied.draft_melding";
}  // namespace

nlohmann::json MeldcodeService::melding_draft(const Actor& actor, const DraftRequest& request) {
    authorize(actor, Operation::draft_melding);
    std::optional<ConcernRecord> concern;
    std::vector<DraftEntry> chronology;
    store_->transaction([&](StoreTransaction& tx) {
        concern = tx.find_concern(request.concern_ref);
        if (!concern) return;
        for (Entry& e : tx.whole_chronology(*concern)) {
            chronology.push_back({std::move(e.kind), e.at, std::move(e.actor), std::move(e.data)});
        }
        audit(tx, actor, "concern.melding_draft", concern->id);
    });
    if (!concern) {
        // Asking for a concern that is not there is refused and audited.
        audit_denial(actor, kRefused);
        throw not_found("concern", "/concern_ref");
    }
    return meldcode::melding_draft(
        {concern->status, chronology, workflow_.view("nl"), *calendar_, clock_->now()}, request);
}

void MeldcodeService::melding_draft_refused(const Actor& actor) {
    audit_denial(actor, kRefused);
}

}  // namespace meldcode
