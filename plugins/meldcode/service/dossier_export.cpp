// The data-subject export of one dossier (docs/retention-and-export.md).
// Member functions of MeldcodeService.
#include <algorithm>
#include <set>

#include "core/errors.h"
#include "core/redaction.h"
#include "core/text.h"
#include "service/meldcode_service.h"

namespace meldcode {
namespace {

using nlohmann::json;

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

// A household's moves that were withheld, newest first, are undone on the
// concern's unit: the dossier shows the dwelling the released chronology
// leads to, never where a household moved to out of the requester's sight.
void rewind_moves(ConcernRecord& concern, const std::vector<Entry>& withheld_moves) {
    for (auto move = withheld_moves.rbegin(); move != withheld_moves.rend(); ++move) {
        if (move->data.at("to_unit_id") != concern.unit_id) break;
        concern.unit_id = move->data.at("from_unit_id").get<std::string>();
    }
}

// The melding's text of what Veilig Thuis must not discuss with the family.
void keep_from_family(std::vector<Entry>& chronology) {
    for (Entry& e : chronology) {
        if (e.kind != "action" || !e.data.contains("fields")) continue;
        json& fields = e.data.at("fields");
        if (fields.contains(kNotToShareWithFamily))
            fields[kNotToShareWithFamily] = kNotSharedWithFamily;
    }
}

// Withheld entries never appear: not the entry, not the submission it
// records, and not the assessment when its step (the action `weigh`) is
// withheld. Nor what the concern's status would tell of them: its state,
// flags, dates and outcome all follow from entries (a melding, a decision,
// a closing), so with any withheld entry that is not a move the dossier
// gives none of them; a withheld move is undone on the unit instead.
void withhold(Dossier& d, const json& withheld, const std::string& weigh) {
    std::set<std::int64_t> ids;
    for (const auto& w : withheld) ids.insert(w.at("entry_id").get<std::int64_t>());
    std::set<std::string> hidden_submissions;
    bool assessment_hidden = false;
    std::vector<Entry> kept;
    std::vector<Entry> withheld_moves;
    for (Entry& e : d.chronology) {
        if (ids.count(e.id) == 0) {
            if (e.kind == "household_moved") withheld_moves.clear();  // a released move stays
            kept.push_back(std::move(e));
            continue;
        }
        if (e.data.contains("submission_ref")) hidden_submissions.insert(e.data["submission_ref"]);
        assessment_hidden =
            assessment_hidden || (e.kind == "action" && e.data.at("action") == weigh);
        if (e.kind == "household_moved") {
            withheld_moves.push_back(std::move(e));
        } else {
            d.status_withheld = true;
        }
    }
    d.chronology = std::move(kept);
    rewind_moves(d.concern, withheld_moves);
    auto& subs = d.submissions;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const StoredSubmission& s) {
                                  return hidden_submissions.count(s.record.ref) != 0;
                              }),
               subs.end());
    if (assessment_hidden) d.concern.status.assessment = nullptr;
}

// What the first officer decided on: how many entries the chronology had,
// and its newest. An entry added since (a note, new signals, a host event)
// was never weighed for withholding, so the export is not released with it.
json chronology_seen(const std::vector<Entry>& chronology) {
    std::int64_t newest = 0;
    for (const Entry& e : chronology) newest = std::max(newest, e.id);
    return {{"entries", chronology.size()}, {"newest_entry_id", newest}};
}

// The request `export_ref` names, while it may still be released.
ExportRecord unreleased(StoreTransaction& tx, const std::string& export_ref) {
    auto record = tx.find_export(export_ref);
    if (!record) throw not_found("export request", "/export_ref");
    if (record->released_at) {
        throw Error(MC_E_CONFLICT, "export_released", "this export was released before",
                    "/export_ref");
    }
    if (record->request.contains("declined")) {
        throw Error(MC_E_CONFLICT, "export_declined",
                    "this export request was declined or withdrawn; ask again to release it",
                    "/export_ref");
    }
    return std::move(*record);
}

// Throws unless `chronology` is the one the request was decided on.
void require_unchanged(const ExportRecord& record, const std::vector<Entry>& chronology) {
    if (record.request.value("chronology_seen", json()) == chronology_seen(chronology)) return;
    throw Error(MC_E_CONFLICT, "concern_changed",
                "the concern changed since this export was requested, so what it withholds was "
                "not decided on all of it: the first officer asks again",
                "/export_ref");
}

}  // namespace

ExportRecord MeldcodeService::request_export(const Actor& actor, const ExportRequest& request) {
    authorize(actor, Operation::export_concern);
    ExportRecord record;
    record.ref = "x_" + crypto_->random_token(16);
    record.requested_by = actor.id;
    record.requested_at = clock_->now();
    json withhold = json::array();
    for (const auto& w : request.withhold) {
        withhold.push_back(
            {{"entry_id", w.entry_id}, {"reason", w.reason}, {"explanation", w.explanation}});
    }
    json redact = json::array();
    for (const Redaction r : request.also_redact) redact.push_back(redaction_name(r));
    record.request = {{"concern_ref", request.concern_ref},
                      {"requester_relation", request.requester_relation},
                      {"withhold", std::move(withhold)},
                      {"redact", std::move(redact)}};
    store_->transaction([&](StoreTransaction& tx) {
        const ConcernRecord concern = select(tx, {request.concern_ref, std::nullopt});
        if (const auto first = taken_before(tx, actor, request.retry)) {
            const auto earlier = tx.find_export(first->answer.value().at("export_ref"));
            if (!earlier) throw not_found("export request", "/idempotency_key");
            record = *earlier;
            return;
        }
        const auto chronology = tx.whole_chronology(concern);
        std::set<std::int64_t> ids;
        for (const Entry& e : chronology) ids.insert(e.id);
        std::set<std::int64_t> withheld;
        for (std::size_t i = 0; i < request.withhold.size(); ++i) {
            const std::string at = "/withhold/" + std::to_string(i);
            if (ids.count(request.withhold[i].entry_id) == 0) {
                throw invalid_field(at + "/entry_id", "not an entry of this concern's chronology");
            }
            // One reason per entry: two would leave the second officer to
            // guess which one was meant.
            if (!withheld.insert(request.withhold[i].entry_id).second) {
                throw invalid_field(at + "/entry_id", "this entry is withheld once already");
            }
            if (blank(request.withhold[i].explanation)) {
                throw invalid_field(at + "/explanation",
                                    "say why the entry is withheld: the second officer weighs it");
            }
        }
        record.concern = concern.id;
        record.request["chronology_seen"] = chronology_seen(chronology);
        record.request["version"] = tx.concern_version(concern.id);
        record.id = tx.insert_export(record);
        remember(tx, actor, request.retry, concern.id, nlohmann::json{{"export_ref", record.ref}});
        audit(tx, actor, "concern.export_requested", concern.id);
    });
    return record;
}

Dossier MeldcodeService::approve_export(const Actor& actor, const std::string& export_ref) {
    authorize(actor, Operation::export_concern);
    Dossier d;
    d.exported_at = clock_->now();
    std::vector<Redaction> also_redact;
    std::optional<std::string> refusal;
    std::optional<ConcernId> refused_concern;
    store_->transaction([&](StoreTransaction& tx) {
        const ExportRecord record = unreleased(tx, export_ref);
        if (record.requested_by == actor.id) {
            refusal = "an export is released by a second officer, not the one who requested it";
            refused_concern = record.concern;
            return;
        }
        const json& request = record.request;
        d.requester_relation = request.at("requester_relation").get<std::string>();
        for (const auto& name : request.at("redact")) {
            also_redact.push_back(*redaction_from_name(name.get<std::string>()));
        }
        d.concern = select(tx, {request.at("concern_ref").get<std::string>(), std::nullopt});
        d.submissions = tx.submissions_of(d.concern.id);
        d.chronology = tx.whole_chronology(d.concern);
        require_unchanged(record, d.chronology);
        const auto weigh = workflow_.action_with_rule("assessment_framework");
        withhold(d, request.at("withhold"), weigh ? weigh->first : std::string());
        keep_from_family(d.chronology);
        tx.mark_export_released(record.id, actor.id, d.exported_at);
        audit(tx, actor, "concern.export", d.concern.id);
    });
    if (refusal) {
        // Four eyes: the refusal is audited like any other.
        audit_denial(actor, "denied.export_approval", refused_concern);
        throw Error(MC_E_CONFLICT, "second_officer_required", *refusal, "/export_ref");
    }
    d.redactions = effective(settings_.export_redactions, also_redact);
    d.pseudonyms = pseudonyms_for(d);
    return d;
}

ExportRecord MeldcodeService::view_export(const Actor& actor, const std::string& export_ref) {
    authorize(actor, Operation::export_concern);
    ExportRecord record;
    store_->transaction([&](StoreTransaction& tx) {
        record = unreleased(tx, export_ref);
        const ConcernRecord concern =
            select(tx, {record.request.at("concern_ref").get<std::string>(), std::nullopt});
        require_unchanged(record, tx.whole_chronology(concern));
        audit(tx, actor, "concern.export_request_read", concern.id);
    });
    return record;
}

ExportRecord MeldcodeService::decline_export(const Actor& actor, const std::string& export_ref,
                                             const std::string& reason) {
    authorize(actor, Operation::export_concern);
    if (blank(reason)) throw invalid_field("/reason", "say why the export is not released");
    ExportRecord record;
    store_->transaction([&](StoreTransaction& tx) {
        record = unreleased(tx, export_ref);
        record.request["declined"] = {{"by", actor.id}, {"at", clock_->now()}, {"reason", reason}};
        tx.replace_export_request(record);
        audit(tx, actor,
              record.requested_by == actor.id ? "concern.export_withdrawn"
                                              : "concern.export_declined",
              record.concern);
    });
    return record;
}

}  // namespace meldcode
