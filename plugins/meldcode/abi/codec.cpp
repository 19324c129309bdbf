#include "abi/codec.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/json_input.h"
#include "abi/schema_validator.h"
#include "core/errors.h"
#include "core/text.h"

namespace meldcode::codec {
namespace {

using nlohmann::json;

std::optional<std::string> optional_string(const json& doc, const char* key) {
    return doc.contains(key) ? std::optional<std::string>(doc.at(key).get<std::string>())
                             : std::nullopt;
}

RetryKey retry_key(const json& doc) {
    return {optional_string(doc, "idempotency_key"), doc};
}

// The schema checks the shape of a date-time; this checks that it is a real one.
Timestamp timestamp(const json& doc, const char* key) {
    const auto t = parse_timestamp(doc.at(key).get<std::string>());
    if (!t) throw invalid_field(std::string("/") + key, "not a real date and time");
    return *t;
}

// A page cursor: the digits of a row id. The schema bounds its length; a
// 19-digit number can still overflow an int64.
std::int64_t row_id(const std::string& digits) {
    try {
        return std::stoll(digits);
    } catch (const std::out_of_range&) {
        throw invalid_field("/cursor", "not a cursor of this store");
    }
}

std::optional<std::int64_t> cursor(const json& doc) {
    if (!doc.contains("cursor")) return std::nullopt;
    return row_id(doc.at("cursor").get<std::string>());
}

json page_cursor(const std::optional<std::int64_t>& next) {
    return next ? json(std::to_string(*next)) : json(nullptr);
}

json nullable(const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
}

json optional_time(const std::optional<Timestamp>& t) {
    return t ? json(format_timestamp(*t)) : json(nullptr);
}

json hold(const std::optional<LegalHold>& h) {
    if (!h) return nullptr;
    json out{{"reason", h->reason}, {"since", format_timestamp(h->since)}};
    if (h->lift_requested_at) out["lift_requested_at"] = format_timestamp(*h->lift_requested_at);
    return out;
}

json summary(const ConcernRecord& c) {
    return {{"concern_ref", c.ref},
            {"state", c.status.state},
            {"priority", priority_name(c.status.priority)},
            {"unit_id", c.unit_id},
            {"household_ref", nullable(c.household_ref)},
            {"assignee", nullable(c.status.assignee)},
            {"created_at", format_timestamp(c.created_at)},
            {"updated_at", format_timestamp(c.updated_at)},
            {"reported", c.status.reported},
            {"report_decided", c.status.report_decided},
            {"help_arranged", c.status.help_arranged},
            {"acute", c.status.acute},
            {"review_date", nullable(c.status.review_date)},
            {"veilig_thuis_feedback_due", nullable(c.status.veilig_thuis_feedback_due)},
            {"pending_feedback", c.status.pending_feedback},
            {"related_concern_ref", nullable(c.related_ref)},
            {"closed_at", optional_time(c.closed_at)},
            {"legal_hold", hold(c.legal_hold)}};
}

// A dossier's concern when entries were withheld: what no entry changes.
json status_withheld_summary(const ConcernRecord& c) {
    return {{"concern_ref", c.ref},
            {"unit_id", c.unit_id},
            {"household_ref", nullable(c.household_ref)},
            {"created_at", format_timestamp(c.created_at)},
            {"related_concern_ref", nullable(c.related_ref)},
            {"legal_hold", hold(c.legal_hold)},
            {"status_withheld", true}};
}

json entry(const Entry& e) {
    return {{"entry_id", e.id},
            {"at", format_timestamp(e.at)},
            {"kind", e.kind},
            {"actor", {{"id", e.actor.id}, {"role", role_name(e.actor.role)}}},
            {"data", e.data}};
}

}  // namespace

json read(const char* text, const std::string& schema) {
    json doc = parse_payload(text);
    validate_payload(schema, doc);
    return doc;
}

Actor actor(const char* text) {
    // Hosts pass the same few actors over and over (an integration identity,
    // the officers): a validated actor text is remembered per thread, and
    // found again without an allocation.
    thread_local std::vector<std::pair<std::string, Actor>> known;
    constexpr std::size_t kKnownActors = 16;
    if (text != nullptr) {
        const std::string_view wanted(text);
        for (const auto& [seen, who] : known) {
            if (seen == wanted) return who;
        }
    }
    try {
        const json doc = read(text, "actor");
        for (const char* member : {"id", "integration", "organisation"}) {
            if (doc.contains(member) && has_bidi_control(doc.at(member).get<std::string>())) {
                throw invalid_field(std::string("/") + member,
                                    "no bidirectional controls in an id: they make it display as "
                                    "another");
            }
        }
        Actor actor{doc.at("id").get<std::string>(),
                    *role_from_name(doc.at("role").get<std::string>()),
                    optional_string(doc, "integration"), optional_string(doc, "request_id"),
                    optional_string(doc, "organisation")};
        if (known.size() >= kKnownActors) known.clear();
        known.emplace_back(text, actor);
        return actor;
    } catch (const Error& e) {
        // The actor is its own argument: say so, so the pointer is not read
        // as a pointer into the payload.
        throw Error(e.status(), "invalid_actor", std::string("invalid actor: ") + e.what(),
                    e.pointer());
    }
}

TicketClosed ticket(json&& doc) {
    // The document is ours to take apart: move the strings (request path).
    const auto take = [&doc](const char* key) {
        return std::move(doc.at(key).get_ref<std::string&>());
    };
    TicketClosed t;
    t.closed_at = timestamp(doc, "closed_at");
    t.host_ticket_id = take("host_ticket_id");
    t.unit_id = take("unit_id");
    if (doc.contains("household_ref")) t.household_ref = take("household_ref");
    t.work_type = take("work_type");
    t.entered_dwelling = doc.at("entered_dwelling").get<bool>();
    t.technician_id = take("technician_id");
    if (doc.contains("locale")) t.locale = take("locale");
    t.shared_screen = doc.value("shared_screen", false);
    return t;
}

Submission submission(const json& doc) {
    Submission s;
    s.prompt_token = optional_string(doc, "prompt_token");
    if (doc.contains("ticket")) {
        const json& t = doc.at("ticket");
        s.ticket =
            TicketRef{t.at("host_ticket_id").get<std::string>(), t.at("unit_id").get<std::string>(),
                      optional_string(t, "household_ref")};
    }
    s.idempotency_key = doc.at("idempotency_key").get<std::string>();
    s.signals = doc.at("signals").get<std::vector<std::string>>();
    s.observations = doc.at("observations").get<std::string>();
    s.children_involved = doc.at("children_involved").get<std::string>();
    s.acute = doc.at("acute").get<bool>();
    // In one order whatever the order sent (the schema allows each once).
    const json called = doc.value("already_called", json::array());
    for (const char* whom : {"112", "veilig_thuis"}) {
        if (std::find(called.begin(), called.end(), whom) != called.end()) {
            s.already_called.emplace_back(whom);
        }
    }
    s.callback_requested = doc.value("callback_requested", false);
    s.canonical = doc;
    return s;
}

ActionRequest action_request(const json& doc) {
    ActionRequest r;
    r.concern_ref = doc.at("concern_ref").get<std::string>();
    r.action = doc.at("action").get<std::string>();
    r.fields = doc.at("fields");
    if (doc.contains("expected_version")) {
        r.expected_version = doc.at("expected_version").get<std::int64_t>();
    }
    r.retry = retry_key(doc);
    r.retry.canonical.erase("expected_version");  // a retry may have read a newer version
    return r;
}

LegalHoldRequest legal_hold_request(const json& doc) {
    LegalHoldRequest r;
    r.concern_ref = doc.at("concern_ref").get<std::string>();
    if (doc.at("hold").get<bool>()) r.reason = doc.at("reason").get<std::string>();
    r.retry = retry_key(doc);
    return r;
}

KeyRotationRequest key_rotation_request(const json& doc) {
    return {doc.value("batch", std::int64_t{500}), retry_key(doc)};
}

HostEvent host_event(const json& doc) {
    HostEvent e;
    e.event_id = doc.at("event_id").get<std::string>();
    e.unit_id = doc.at("unit_id").get<std::string>();
    e.household_ref = optional_string(doc, "household_ref");
    e.kind = doc.at("kind").get<std::string>();
    e.occurred_at = timestamp(doc, "occurred_at");
    e.details = json::object();
    for (const char* key : {"count", "element", "description"}) {
        if (doc.contains(key)) e.details[key] = doc.at(key);
    }
    return e;
}

// Sorted by priority, a cursor is "<priority rank>-<id>" (the schema's
// pattern); newest first, the id alone.
ConcernQuery concern_query(const json& doc) {
    ConcernQuery q;
    q.state = optional_string(doc, "state");
    q.assignee = optional_string(doc, "assignee");
    q.unit_id = optional_string(doc, "unit_id");
    if (const auto p = optional_string(doc, "priority")) q.priority = priority_from_name(*p);
    q.limit = doc.value("limit", 50);
    q.by_priority = doc.value("sort", "newest") == "priority";
    if (!doc.contains("cursor")) return q;
    const std::string text = doc.at("cursor").get<std::string>();
    const auto dash = text.find('-');
    if ((dash != std::string::npos) != q.by_priority) {
        throw invalid_field("/cursor", "not a cursor of this sort order");
    }
    if (q.by_priority) q.before_priority = static_cast<Priority>(text[0] - '0');
    q.before = row_id(dash == std::string::npos ? text : text.substr(dash + 1));
    return q;
}

AuditQuery audit_query(const json& doc) {
    AuditQuery q;
    q.limit = doc.value("limit", q.limit);
    q.before = cursor(doc);
    q.action = optional_string(doc, "action");
    q.outcome = optional_string(doc, "outcome");
    return q;
}

ConcernSelector concern_selector(const json& doc) {
    return {optional_string(doc, "concern_ref"), optional_string(doc, "submission_ref")};
}

// A chronology cursor: "<at>.<id>" of the last entry shown (the schema has
// checked the shape; numbers too large for int64 are refused here).
ChronologyQuery chronology_query(const json& doc) {
    ChronologyQuery q;
    q.limit = doc.value("chronology_limit", q.limit);
    if (!doc.contains("chronology_cursor")) return q;
    const std::string text = doc.at("chronology_cursor").get<std::string>();
    try {
        const std::size_t dot = text.find('.');
        q.after = EntryPosition{std::stoll(text.substr(0, dot)), std::stoll(text.substr(dot + 1))};
    } catch (const std::out_of_range&) {
        throw invalid_field("/chronology_cursor", "not a cursor of this store");
    }
    return q;
}

PurgeRequest purge_request(const json& doc) {
    PurgeRequest r;
    r.dry_run = doc.at("dry_run").get<bool>();
    r.limit = doc.value("limit", r.limit);
    r.retry = retry_key(doc);
    return r;
}

DraftRequest melding_draft_request(const json& doc) {
    return {doc.at("concern_ref").get<std::string>(), doc.value("include_observer", false)};
}

std::vector<Redaction> redactions(const json& doc) {
    std::vector<Redaction> all;
    for (const auto& name : doc.value("redact", json::array())) {
        all.push_back(*redaction_from_name(name.get<std::string>()));  // the schema lists them
    }
    return all;
}

PromptText prompt(const PromptResult& r, const Catalog& catalog) {
    const std::string_view reason = decision_name(r.decision);
    std::string head;
    head.reserve(r.token ? r.token->size() + 100 : 48);
    if (!r.token) {
        ((head += R"({"ask":false,"reason":")") += reason) += R"("})";
        return {std::move(head), {}, {}};
    }
    // Assembled by hand on the host's request path: every part is known to
    // need no escaping (a fixed word, hex, a formatted timestamp, and the form
    // serialised once per locale).
    ((head += R"({"ask":true,"reason":")") += reason) += R"(","prompt_token":")";
    ((head += *r.token) += R"(","expires_at":")") += format_timestamp(r.expires_at);
    // Not on a screen the tenant may see: the host shows the form later, on
    // the technician's own (mc_catalog_get gives the same form).
    if (r.decision == PromptDecision::ask_later) return {std::move(head += "\"}"), {}, {}};
    head += R"(","form":)";
    return {std::move(head), catalog.view_text(r.locale), "}"};
}

PromptText opened_prompt(const OpenedPrompt& opened, const std::string& locale,
                         const Catalog& catalog) {
    const json actor{{"id", opened.observer_id}, {"role", "observer"}};
    std::string head = R"({"actor":)" + actor.dump() + R"(,"locale":")" + locale +
                       R"(","expires_at":")" + format_timestamp(opened.expires_at) + R"(","form":)";
    return {std::move(head), catalog.view_text(locale), "}"};
}

// The feedback message only once there is one: an observer without
// feedback reads what they read before feedback messages existed.
json submission_status(const std::string& submission_ref, const SubmissionStatus& s) {
    json out{{"submission_ref", submission_ref}, {"status", s.status}};
    if (s.message) {
        out["message"] = *s.message;
        out["aftercare_offered"] = s.aftercare_offered;
    }
    return out;
}

json concern(const ConcernView& view) {
    json out = summary(view.concern);
    const ConcernStatus& s = view.concern.status;
    out["children_involved"] = s.children_involved;
    out["honour_related"] = s.honour_related;
    out["people"] = s.people;
    out["referrals"] = s.referrals;
    out["reported_at"] = optional_time(s.reported_at);
    out["allowed_actions"] = view.actions.allowed;
    json blocked = json::array();
    for (const auto& [action, refusal] : view.actions.blocked) {
        blocked.push_back(
            {{"action", action}, {"code", refusal.code()}, {"message", refusal.what()}});
    }
    out["blocked_actions"] = std::move(blocked);
    out["version"] = view.version;
    json chronology = json::array();
    for (const auto& e : view.chronology) chronology.push_back(entry(e));
    out["chronology"] = std::move(chronology);
    const auto& next = view.chronology_next;
    out["chronology_next_cursor"] =
        next ? json(std::to_string(next->at) + "." + std::to_string(next->id)) : json(nullptr);
    return out;
}

json concern_page(const ConcernPage& page) {
    json items = json::array();
    for (const auto& c : page.items) items.push_back(summary(c));
    json next = page_cursor(page.next_cursor);
    if (page.by_priority && page.next_cursor) {
        const auto rank = static_cast<int>(page.items.back().status.priority);
        next = std::to_string(rank) + "-" + next.get<std::string>();
    }
    return {{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

json audit_page(const AuditPage& page) {
    json items = json::array();
    for (const auto& [id, record, concern_ref] : page.items) {
        json actor{{"id", record.actor.id}, {"role", role_name(record.actor.role)}};
        if (record.actor.integration) actor["integration"] = *record.actor.integration;
        if (record.actor.request_id) actor["request_id"] = *record.actor.request_id;
        json item{{"id", id},
                  {"at", format_timestamp(record.at)},
                  {"actor", std::move(actor)},
                  {"action", record.action},
                  {"concern_ref", nullable(concern_ref)},
                  {"outcome", record.outcome}};
        if (record.count) item["count"] = *record.count;
        items.push_back(std::move(item));
    }
    return {{"items", std::move(items)}, {"next_cursor", page_cursor(page.next_cursor)}};
}

json due_steps(const std::vector<DueStep>& due) {
    json items = json::array();
    for (const auto& d : due) {
        json item{{"concern_ref", d.concern_ref},
                  {"action", d.action},
                  {"due_date", d.due_date},
                  {"reminder", reminder_name(d.reminder)}};
        if (d.export_ref) item["export_ref"] = *d.export_ref;
        items.push_back(std::move(item));
    }
    return {{"due", std::move(items)}};
}

json legal_hold(const ConcernRecord& concern) {
    return {{"concern_ref", concern.ref}, {"legal_hold", hold(concern.legal_hold)}};
}

json store_stats(const StoreStats& stats) {
    json buckets = json::array();
    for (const auto& [le, commits] : stats.commits_within) {
        buckets.push_back({{"le", le}, {"commits", commits}});
    }
    json out = {{"commits", stats.commits},
                {"commit_seconds", stats.commit_seconds},
                {"commits_within", std::move(buckets)},
                {"events_pruned", stats.events_pruned},
                {"waiting", stats.waiting},
                {"stopped", stats.stopped}};
    if (stats.pages_written) out["pages_written"] = *stats.pages_written;
    return out;
}

json purge_report(const PurgeReport& r) {
    return r;  // its members are the schema's (purge_report.schema.json)
}

// Identities are replaced in the members that hold them and as words in the
// free text (step records, assessment, hold reason); refs, states, units and
// times are the dossier's own structure and stay as they are.
json dossier(const Dossier& d) {
    const Pseudonyms& names = d.pseudonyms;
    json submissions = json::array();
    for (const auto& [s, handled_at] : d.submissions) {
        submissions.push_back(
            {{"submission_ref", s.ref},
             {"observer_id", names.of(s.observer_id)},
             {"host_ticket_id", s.host_ticket_id ? json(names.of(*s.host_ticket_id)) : nullptr},
             {"submitted_at", format_timestamp(s.submitted_at)},
             {"handled_at", optional_time(handled_at)}});
    }
    json chronology = json::array();
    for (const auto& e : d.chronology) {
        json item = entry(e);
        item["actor"]["id"] = names.of(e.actor.id);
        names.apply_to_text(item["data"]);
        chronology.push_back(std::move(item));
    }
    json concern = d.status_withheld ? status_withheld_summary(d.concern) : summary(d.concern);
    if (d.concern.status.assignee && !d.status_withheld) {
        concern["assignee"] = names.of(*d.concern.status.assignee);
    }
    names.apply_to_text(concern["legal_hold"]);
    json assessment = d.concern.status.assessment;
    names.apply_to_text(assessment);
    const bool outcome_shown = d.concern.closed_at && !d.status_withheld;
    json content{{"concern", std::move(concern)},
                 {"assessment", std::move(assessment)},
                 {"outcome",
                  outcome_shown ? json(outcome_name(outcome_of(d.concern.status))) : json(nullptr)},
                 {"submissions", std::move(submissions)},
                 {"chronology", std::move(chronology)}};
    json redacted = json::array();
    for (const Redaction r : d.redactions) redacted.push_back(redaction_name(r));
    content["requester_relation"] = d.requester_relation;
    content["format"] = "meldcode.dossier/1";
    content["exported_at"] = format_timestamp(d.exported_at);
    content["redacted"] = std::move(redacted);
    return content;
}

std::optional<ExportApproval> export_approval(const json& doc) {
    if (!doc.contains("export_ref")) return std::nullopt;
    for (const char* key :
         {"concern_ref", "requester_relation", "withhold", "redact", "idempotency_key"}) {
        if (doc.contains(key)) {
            throw invalid_field(
                std::string("/") + key,
                "an approval, a decline or a look at the request names only export_ref");
        }
    }
    ExportApproval asked{doc.at("export_ref").get<std::string>(), doc.contains("approve"), {}};
    if (doc.contains("decline")) {
        if (asked.approve) throw invalid_field("/decline", "an approval or a decline, not both");
        if (!doc.contains("reason")) throw missing_field("/reason");
        asked.decline_reason = doc.at("reason").get<std::string>();
    } else if (doc.contains("reason")) {
        throw invalid_field("/reason", "a reason goes with decline");
    }
    return asked;
}

ExportRequest export_request(const json& doc) {
    if (!doc.contains("concern_ref")) throw missing_field("/concern_ref");
    if (!doc.contains("requester_relation")) throw missing_field("/requester_relation");
    for (const char* key : {"approve", "decline", "reason"}) {
        if (doc.contains(key)) {
            throw invalid_field(std::string("/") + key,
                                "a request is approved or declined with its export_ref");
        }
    }
    ExportRequest r;
    r.concern_ref = doc.at("concern_ref").get<std::string>();
    r.requester_relation = doc.at("requester_relation").get<std::string>();
    for (const auto& w : doc.value("withhold", json::array())) {
        r.withhold.push_back({w.at("entry_id").get<std::int64_t>(),
                              w.at("reason").get<std::string>(),
                              w.at("explanation").get<std::string>()});
    }
    r.also_redact = redactions(doc);
    r.retry = retry_key(doc);
    return r;
}

json export_pending(const ExportRecord& record) {
    const json& request = record.request;
    json pending{{"export_ref", record.ref},
                 {"concern_ref", request.at("concern_ref")},
                 {"status", "awaiting_approval"},
                 {"requester_relation", request.at("requester_relation")},
                 {"requested_by", record.requested_by},
                 {"requested_at", format_timestamp(record.requested_at)},
                 {"withheld", request.at("withhold")}};
    if (request.contains("declined")) {
        const json& declined = request.at("declined");
        pending["status"] = "declined";
        pending["declined"] = {{"by", declined.at("by")},
                               {"at", format_timestamp(declined.at("at").get<Timestamp>())},
                               {"reason", declined.at("reason")}};
    }
    return pending;
}

}  // namespace meldcode::codec
