#include "service/meldcode_service.h"

#include <algorithm>
#include <boost/algorithm/string/join.hpp>

#include "core/errors.h"
#include "core/feedback.h"
#include "core/text.h"

namespace meldcode {
namespace {

using nlohmann::json;

// A prompt token stays valid for two weeks: long enough for a technician who
// fills in the form at the end of the day or week, short enough to expire.
constexpr Timestamp kPromptTokenSeconds = Timestamp{14} * 24 * 3600;
// Tickets prompted within this window are remembered so they are never asked
// again; older tickets are refused by max_ticket_age_hours anyway.
constexpr Timestamp kPromptMemorySeconds = Timestamp{400} * 24 * 3600;
// The host event that marks a change of tenant (schemas/host_event.schema.json).
constexpr const char* kTenantChanged = "tenant_changed";
// 128 random bits in every reference (base64url: 22 characters).
constexpr std::size_t kRefBytes = 16;

// What a prompt token carries, sealed: the fields joined by the ASCII unit
// separator, which no payload string can contain (the parser refuses control
// characters). Cheaper than JSON on the host's request path.
constexpr char kSep = '\x1f';

// Since ABI 1.2 a token also carries the prompt's locale, for the page that
// opens it later (mc_prompt_open); tokens without one read as the default.
std::string token_claims(const TicketClosed& t, const std::string& locale, Timestamp now) {
    std::string claims;
    claims.reserve(128);
    for (const std::string* part : {&t.host_ticket_id, &t.unit_id}) (claims += *part) += kSep;
    if (t.household_ref) claims += *t.household_ref;
    ((claims += kSep) += t.technician_id) += kSep;
    return ((claims += std::to_string(now)) += kSep) += locale;
}

// Ticket and host event ids are the reporting host's: two host systems of one
// corporation may both have a ticket "WO-1". "Asked about" and "stored" are
// therefore kept per host: the integration that called (itself, or acting
// for a person). A host that embeds the plugin reports as itself, with the
// bare ids, as before hosts were told apart.
std::string host_key(const Actor& actor, const std::string& id) {
    if (actor.integration) return *actor.integration + kSep + id;
    if (actor.role == Role::integration) return actor.id + kSep + id;
    return id;
}

// Pages are read with one row more than asked: when it came, there is a next
// page, and the id of the last row kept is its cursor.
template <typename Page, typename Query, typename Read>
Page read_page(const Query& query, const Read& read) {
    Query one_more = query;
    one_more.limit = query.limit + 1;
    Page page;
    page.items = read(one_more);
    if (page.items.size() > static_cast<std::size_t>(query.limit)) {
        page.items.resize(static_cast<std::size_t>(query.limit));
        page.next_cursor = page.items.back().id;
    }
    return page;
}

struct TokenClaims {
    TicketRef ticket;
    std::string observer_id;
    Timestamp issued_at = 0;
    std::optional<std::string> locale;
};

std::optional<TokenClaims> read_claims(const std::string& plain) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t end; (end = plain.find(kSep, start)) != std::string::npos; start = end + 1) {
        parts.push_back(plain.substr(start, end - start));
    }
    parts.push_back(plain.substr(start));
    if (parts.size() != 5 && parts.size() != 6) return std::nullopt;
    TokenClaims c{{parts[0], parts[1], std::nullopt}, parts[3], std::stoll(parts[4]), std::nullopt};
    if (!parts[2].empty()) c.ticket.household_ref = parts[2];
    if (parts.size() == 6) c.locale = parts[5];
    return c;
}

}  // namespace

// The labels of the submitted signals, as they read today, stored with them:
// the officer still sees what was ticked after the pack that defined a signal
// is removed or reworded (docs/extensions.md).
json MeldcodeService::signal_labels(const std::vector<std::string>& signals) const {
    json labels = json::object();
    for (const auto& id : signals) labels[id] = catalog_.labels(id);
    return labels;
}

// The officer calls the observer back when asked to, or when a direct signal
// (seen first-hand, e.g. a lock on the outside of a child's door) was chosen:
// the catalog's `direct` flag.
bool MeldcodeService::call_back(const Submission& s) const {
    return s.callback_requested ||
           std::any_of(s.signals.begin(), s.signals.end(),
                       [this](const std::string& id) { return catalog_.is_direct(id); });
}

void MeldcodeService::take_in(ConcernStatus& status, const Submission& s) const {
    const auto& categories = workflow_.honour_related_categories();
    bool disclosure = false;
    // Children are involved when the technician says so, or a signal about a
    // child was chosen (the form's default answer is "unknown").
    bool children = s.children_involved == "yes";
    for (const auto& signal : s.signals) {
        disclosure = disclosure || catalog_.is_disclosure(signal);
        children = children || catalog_.is_about_children(signal);
        const auto& category = catalog_.category_of(signal);
        if (std::find(categories.begin(), categories.end(), category) != categories.end()) {
            status.honour_related = true;
        }
    }
    const auto& called = s.already_called;
    const bool called_112 = std::find(called.begin(), called.end(), "112") != called.end();
    status.priority =
        highest(status.priority, submission_priority(s.acute, called_112, disclosure, children));
    if (s.children_involved == "yes") status.children_involved = "yes";
}

MeldcodeService::MeldcodeService(ServiceSettings settings, Catalog catalog, Workflow workflow,
                                 std::unique_ptr<Store> store, std::shared_ptr<const Crypto> crypto,
                                 std::unique_ptr<Clock> clock, std::unique_ptr<Calendar> calendar)
    : settings_(std::move(settings)),
      catalog_(std::move(catalog)),
      workflow_(std::move(workflow)),
      store_(std::move(store)),
      crypto_(std::move(crypto)),
      clock_(std::move(clock)),
      calendar_(std::move(calendar)),
      prompt_log_(*store_, clock_->now() - kPromptMemorySeconds),
      events_(*store_, *crypto_) {
    check_reminder_states();
    events_.prune(clock_->now());
}

MeldcodeService::~MeldcodeService() = default;

void MeldcodeService::set_notifier(std::shared_ptr<Notifier> notifier) {
    std::lock_guard<std::mutex> lock(notifier_mutex_);
    notifier_ = std::move(notifier);
}

void MeldcodeService::flush() {
    prompt_log_.flush();
}

void MeldcodeService::authorize(const Actor& actor, Operation op) {
    if (may(actor.role, op)) return;
    // A denial is itself worth knowing about: audit it, then refuse.
    audit_denial(actor, "denied." + std::string(operation_name(op)));
    throw forbidden(std::string(operation_name(op)));
}

void MeldcodeService::audit_denial(const Actor& actor, const std::string& action,
                                   std::optional<ConcernId> concern) {
    store_->transaction([&](StoreTransaction& tx) {
        tx.append_audit({clock_->now(), actor, action, concern, "denied"});
    });
}

void MeldcodeService::audit(StoreTransaction& tx, const Actor& actor, const std::string& action,
                            std::optional<ConcernId> concern) {
    tx.append_audit({clock_->now(), actor, action, concern, "ok"});
}

void MeldcodeService::notify(const json& notification) {
    std::shared_ptr<Notifier> notifier;
    {
        std::lock_guard<std::mutex> lock(notifier_mutex_);
        notifier = notifier_;
    }
    if (notifier) notifier->notify(notification);
}

void MeldcodeService::announce(const std::vector<json>& notifications, Timestamp now) {
    for (const json& notification : notifications) notify(notification);
    events_.prune_now_and_then(now);
}

StoreStats MeldcodeService::store_stats() const {
    StoreStats stats = store_->stats();
    stats.events_pruned = events_.pruned();
    return stats;
}

// Below this, a commit may soon fail half-way into the log: SQLite grows
// its log by up to a checkpoint's worth of pages (about 4 MiB) before it
// starts again, and a key rotation or purge writes more in one go.
constexpr std::uint64_t kMinFreeBytes = std::uint64_t{64} << 20;

void MeldcodeService::probe_store() {
    store_->transaction([&](StoreTransaction& tx) {
        const auto key = tx.newest_write_key();
        if (key && !crypto_->has_key(*key)) {
            throw Error(MC_E_KEY, "key_unknown",
                        "the store's newest records are under a key this instance's key ring "
                        "lacks: give it the current key ring and restart it");
        }
    });
    const auto free = store_->free_bytes();
    if (free && *free < kMinFreeBytes) {
        throw Error(MC_E_STORAGE, "disk_full",
                    "the store's disk has less than 64 MiB free: writes are about to fail");
    }
}

std::int64_t MeldcodeService::replay_events(Timestamp older_than, int limit) {
    const Timestamp now = clock_->now();
    const auto notifications = events_.unacknowledged(now - older_than, limit, now);
    for (const json& notification : notifications) notify(notification);
    return static_cast<std::int64_t>(notifications.size());
}

PromptResult MeldcodeService::ticket_closed(const Actor& actor, const TicketClosed& ticket) {
    authorize(actor, Operation::ticket_closed);
    // A technician reports their own tickets; a host reports for anyone. A
    // ticket reported for someone else would claim that it was asked about.
    if (actor.role == Role::observer && ticket.technician_id != actor.id) {
        audit_denial(actor, "denied.ticket_closed");
        throw Error(MC_E_FORBIDDEN, "forbidden",
                    "an observer reports only tickets they closed themselves", "/technician_id");
    }
    const Timestamp now = clock_->now();
    // A ticket "closed" ahead of time would also claim a real ticket's id
    // before the real technician is asked.
    if (ticket.closed_at > now + settings_.clock_skew_seconds) throw in_the_future("/closed_at");
    PromptResult result;
    result.locale = ticket.locale.value_or(settings_.default_locale);
    const auto extension_asks = [&] {
        const auto& rules = settings_.extension_rules;
        return std::any_of(rules.begin(), rules.end(),
                           [&](const auto& r) { return r->asks(ticket); });
    };
    result.decision = decide_prompt(settings_.prompt_rules, ticket, now, extension_asks);
    // One atomic claim both answers "asked before?" and settles a race between
    // two calls for the same ticket; a ticket not to be asked is only looked up.
    const std::string key = host_key(actor, ticket.host_ticket_id);
    const bool asked_before =
        asks(result.decision) ? !prompt_log_.claim(key, now) : prompt_log_.contains(key);
    if (asked_before) result.decision = PromptDecision::already_prompted;
    if (asks(result.decision)) {
        result.token = "p_" + crypto_->seal_token(token_claims(ticket, result.locale, now));
        result.expires_at = now + kPromptTokenSeconds;
    }
    return result;
}

namespace {

// The claims of a token that opens and has not expired; else the error.
TokenClaims open_claims(const Crypto& crypto, const std::string& token, Timestamp now) {
    const auto plain = crypto.open_token(token.substr(2));
    const auto claims = plain ? read_claims(*plain) : std::nullopt;
    if (!claims) {
        throw Error(MC_E_NOT_FOUND, "unknown_prompt_token", "the prompt token is not valid",
                    "/prompt_token");
    }
    if (claims->issued_at + kPromptTokenSeconds < now) {
        throw Error(MC_E_NOT_FOUND, "prompt_token_expired",
                    "the prompt token has expired; submit with the ticket instead",
                    "/prompt_token");
    }
    return *claims;
}

}  // namespace

OpenedPrompt MeldcodeService::open_prompt(const std::string& token) const {
    const TokenClaims claims = open_claims(*crypto_, token, clock_->now());
    return {claims.observer_id, claims.locale.value_or(settings_.default_locale),
            claims.issued_at + kPromptTokenSeconds};
}

std::optional<TicketRef> MeldcodeService::ticket_of(const Actor& actor, const Submission& s,
                                                    Timestamp now) const {
    if (s.ticket) return *s.ticket;
    const auto claims = open_claims(*crypto_, *s.prompt_token, now);
    // A person may only answer their own prompt; an integration answers for its users.
    if (actor.role != Role::integration && claims.observer_id != actor.id) return std::nullopt;
    return claims.ticket;
}

ConcernRecord MeldcodeService::draft_concern(StoreTransaction& tx, const std::string& unit_id,
                                             const std::optional<std::string>& household_ref,
                                             Timestamp now) {
    ConcernRecord c;
    c.ref = "c_" + crypto_->random_token(kRefBytes);
    c.unit_id = unit_id;
    c.household_ref = household_ref;
    c.status.state = workflow_.initial_state();
    c.created_at = now;
    c.updated_at = now;
    c.state_since = now;
    // New signals for a household (or, without one, for the unit's current
    // tenancy) whose concern was closed start a new concern that points back
    // to it, so the officer sees the history; never to a former tenant's.
    const auto previous = household_ref ? tx.household_concern(*household_ref, false)
                                        : tx.latest_concern(unit_id, tx.tenancy_since(unit_id));
    if (previous) c.related_ref = previous->ref;
    return c;
}

ConcernRecord MeldcodeService::new_concern(StoreTransaction& tx, const std::string& unit_id,
                                           const std::optional<std::string>& household_ref,
                                           Timestamp now) {
    ConcernRecord c = draft_concern(tx, unit_id, household_ref, now);
    c.id = tx.insert_concern(c);
    count(tx, c, now, {}, Counted::not_yet);
    return c;
}

void MeldcodeService::count(StoreTransaction& tx, const ConcernRecord& concern, Timestamp now,
                            const std::function<void(FigureContribution&, Day, Day)>& change,
                            Counted counted) {
    FigureContribution c = counted == Counted::before
                               ? tx.figure_contribution(concern.id).value_or(FigureContribution{})
                               : FigureContribution{};
    const Day opened = calendar_->local_day(concern.created_at);
    if (change) change(c, opened, calendar_->local_day(now));
    count_status(c, concern.status, concern.closed_at.has_value());
    tx.save_figure_contribution(concern.id, quarter_of(opened), c);
}

std::optional<ConcernRecord> MeldcodeService::open_concern_for(
    StoreTransaction& tx, const Actor& actor, const std::string& unit_id,
    const std::optional<std::string>& household_ref, Timestamp now) {
    if (household_ref) {
        auto concern = tx.household_concern(*household_ref, true);
        if (concern && concern->unit_id != unit_id) {
            // The household moved: its file follows it, with the move in it.
            tx.append_entry(concern->id, unit_id,
                            {"household_moved",
                             now,
                             actor,
                             {{"from_unit_id", concern->unit_id}, {"to_unit_id", unit_id}}});
            concern->unit_id = unit_id;
        }
        if (concern) return concern;
    }
    auto concern = tx.find_open_concern(unit_id, household_ref, tx.tenancy_since(unit_id));
    if (concern && household_ref) concern->household_ref = household_ref;
    return concern;
}

std::optional<std::string> MeldcodeService::retried(StoreTransaction& tx, const Actor& actor,
                                                    const Submission& s,
                                                    const std::string& canonical) const {
    const auto earlier = tx.find_submission_by_key(actor.id, s.idempotency_key);
    if (!earlier) return std::nullopt;
    // Any key of the ring: a retry may come after a key rotation.
    if (!crypto_->digest_matches(canonical, earlier->request_digest)) {
        throw Error(MC_E_CONFLICT, "idempotency_key_reused",
                    "this idempotency key was used for a different submission", "/idempotency_key");
    }
    return earlier->ref;  // the first answer; nothing new is stored
}

std::string MeldcodeService::submit_signals(const Actor& actor, const Submission& s) {
    authorize(actor, Operation::submit_signals);
    // The schema asks for a signal or observations; spaces are neither, and
    // would open a concern with nothing in it.
    if (s.signals.empty() && blank(s.observations)) {
        throw invalid_field("/observations",
                            "observations of only spaces say nothing: choose a signal or "
                            "describe what was seen");
    }
    for (std::size_t i = 0; i < s.signals.size(); ++i) {
        const std::string pointer = "/signals/" + std::to_string(i);
        if (!catalog_.knows(s.signals[i])) {
            throw Error(MC_E_PAYLOAD, "unknown_signal", "unknown signal id", pointer);
        }
        // A form kept from before the catalog or the configuration changed:
        // the host shows the current one.
        if (!catalog_.offers(s.signals[i])) {
            const bool retired = catalog_.use(s.signals[i]) == Catalog::Use::retired;
            throw Error(MC_E_PAYLOAD, "signal_not_offered",
                        retired ? "the signal is retired from the catalog; show the current form"
                                : "the signal is switched off here; show the current form",
                        pointer);
        }
    }
    const std::string canonical = s.canonical.dump();
    const Timestamp now = clock_->now();
    std::string receipt;
    std::vector<json> notifications;
    bool not_theirs = false;
    // One transaction, so one commit (shared with concurrent ones) per
    // submission.
    store_->transaction([&](StoreTransaction& tx) {
        notifications.clear();
        // A retry gets its first receipt before the token is looked at: the
        // first answer may have been lost just before the token expired.
        if (const auto earlier = retried(tx, actor, s, canonical)) {
            receipt = *earlier;
            return;
        }
        const auto ticket = ticket_of(actor, s, now);
        if (!ticket) {
            not_theirs = true;
            return;
        }
        auto concern = open_concern_for(tx, actor, ticket->unit_id, ticket->household_ref, now);
        const bool joins = concern.has_value();
        // A new concern is stored once, with what this submission tells,
        // rather than inserted and then updated: half its row and index
        // writes, sealing and figures, on the store's one connection.
        if (!concern) concern = draft_concern(tx, ticket->unit_id, ticket->household_ref, now);
        take_in(concern->status, s);
        if (!joins) concern->id = tx.insert_concern(*concern);
        // Ids and the priority only: every submission reaches the officer,
        // also one that joins an open or monitored concern.
        notifications.push_back(
            events_.keep(tx,
                         {{"event", joins ? "signals_added" : "concern_created"},
                          {"concern_ref", concern->ref},
                          {"priority", priority_name(concern->status.priority)}},
                         concern->id, now));
        receipt = "s_" + crypto_->random_token(kRefBytes);
        tx.insert_submission(concern->id,
                             {receipt, actor.id, s.idempotency_key, crypto_->digest(canonical),
                              ticket->host_ticket_id, now, s.already_called, s.callback_requested});
        json data{{"submission_ref", receipt},
                  {"host_ticket_id", ticket->host_ticket_id},
                  {"signals", s.signals},
                  {"signal_labels", signal_labels(s.signals)},
                  {"observations", s.observations},
                  {"children_involved", s.children_involved},
                  {"acute", s.acute},
                  {"already_called", s.already_called},
                  {"callback_requested", s.callback_requested},
                  {"call_back", call_back(s)}};
        if (actor.organisation) data["organisation"] = *actor.organisation;
        tx.append_entry(concern->id, ticket->unit_id,
                        {"signals_submitted", now, actor, std::move(data)});
        if (joins) {
            concern->updated_at = now;
            tx.update_concern(*concern);
        }
        count(
            tx, *concern, now,
            [&](FigureContribution& c, Day, Day) {
                std::vector<std::string> categories;
                for (const auto& signal : s.signals) {
                    categories.push_back(catalog_.category_of(signal));
                }
                count_categories(c, categories);
            },
            joins ? Counted::before : Counted::not_yet);
        audit(tx, actor, "signals.submit", concern->id);
    });
    if (not_theirs) {
        audit_denial(actor, "denied.submit_signals");
        throw Error(MC_E_FORBIDDEN, "forbidden", "this prompt token was issued to another observer",
                    "/prompt_token");
    }
    announce(notifications, now);
    return receipt;
}

SubmissionStatus MeldcodeService::submission_status(const Actor& actor, const std::string& ref) {
    authorize(actor, Operation::submission_status);
    std::optional<SubmissionStatus> status;
    store_->transaction([&](StoreTransaction& tx) {
        const auto state = tx.submission_state(ref);
        if (!state || state->observer_id != actor.id) return;
        // An interim message tells the observer that their own signal is
        // being dealt with, as a recorded step does.
        status = SubmissionStatus{state->handled                       ? "handled"
                                  : state->worked_on || state->message ? "in_progress"
                                                                       : "received",
                                  state->message, state->aftercare_offered};
        audit(tx, actor, "submission.status", std::nullopt);
    });
    if (!status) {
        // Someone else's submission is answered exactly like one that does not
        // exist; for the auditor, both are a refused lookup.
        audit_denial(actor, "denied.submission_status");
        throw not_found("submission", "/submission_ref");
    }
    return *status;
}

void MeldcodeService::report_host_event(const Actor& actor, const HostEvent& e) {
    authorize(actor, Operation::report_host_event);
    const Timestamp now = clock_->now();
    if (e.occurred_at > now + settings_.clock_skew_seconds) throw in_the_future("/occurred_at");
    std::vector<json> notifications;
    store_->transaction([&](StoreTransaction& tx) {
        notifications.clear();
        if (!tx.claim_host_event(host_key(actor, e.event_id))) return;  // a repeat: stored once
        // A new tenant: signals without a household no longer join the
        // former tenant's concern. The event itself stays with the unit.
        const bool tenant_changed = e.kind == kTenantChanged;
        if (tenant_changed) tx.set_tenancy_since(e.unit_id, e.occurred_at);
        auto concern = tenant_changed
                           ? std::nullopt
                           : open_concern_for(tx, actor, e.unit_id, e.household_ref, now);
        const auto& kinds = settings_.concern_event_kinds;
        if (!concern && std::find(kinds.begin(), kinds.end(), e.kind) != kinds.end()) {
            concern = new_concern(tx, e.unit_id, e.household_ref, now);
            notifications.push_back(events_.keep(tx,
                                                 {{"event", "concern_created"},
                                                  {"concern_ref", concern->ref},
                                                  {"priority", priority_name(Priority::normal)}},
                                                 concern->id, now));
        }
        json data = e.details;
        data["event_id"] = e.event_id;
        data["kind"] = e.kind;
        // Kept with the event: a unit-level event must only show in concerns
        // of its own household.
        if (e.household_ref) data["household_ref"] = *e.household_ref;
        const std::optional<ConcernId> id =
            concern ? std::optional<ConcernId>(concern->id) : std::nullopt;
        tx.append_entry(id, e.unit_id, {"host_event", e.occurred_at, actor, data});
        if (concern) {
            concern->updated_at = now;
            tx.update_concern(*concern);
        }
        audit(tx, actor, "host_event.report", id);
    });
    announce(notifications, now);
}

ConcernPage MeldcodeService::list_concerns(const Actor& actor, const ConcernQuery& query) {
    authorize(actor, Operation::list_concerns);
    // A state the workflow does not have would list nothing: an officer who
    // mistyped one would read "no concerns there" instead of an error.
    if (query.state && !workflow_.has_state(*query.state)) {
        throw Error(MC_E_PAYLOAD, "unknown_state",
                    "the workflow has no such state; its states are " +
                        boost::algorithm::join(workflow_.state_ids(), ", "),
                    "/state");
    }
    ConcernPage page;
    store_->transaction([&](StoreTransaction& tx) {
        page = read_page<ConcernPage>(query,
                                      [&](const ConcernQuery& q) { return tx.list_concerns(q); });
        page.by_priority = query.by_priority;
        audit(tx, actor, "concern.list", std::nullopt);
    });
    return page;
}

ConcernRecord MeldcodeService::select(StoreTransaction& tx, const ConcernSelector& which) {
    auto concern = which.concern_ref ? tx.find_concern(*which.concern_ref)
                                     : tx.find_concern_by_submission(*which.submission_ref);
    if (!concern) {
        throw not_found("concern", which.concern_ref ? "/concern_ref" : "/submission_ref");
    }
    return *concern;
}

ConcernView MeldcodeService::get_concern(const Actor& actor, const ConcernSelector& which,
                                         const ChronologyQuery& page) {
    authorize(actor, Operation::read_concern);
    ConcernView view;
    store_->transaction([&](StoreTransaction& tx) {
        const ConcernRecord concern = select(tx, which);
        view = read_view(tx, concern, page);
        audit(tx, actor, "concern.read", concern.id);
    });
    view.actions = workflow_.actions_now(view.concern.status);
    return view;
}

ConcernView MeldcodeService::read_view(StoreTransaction& tx, const ConcernRecord& concern,
                                       const ChronologyQuery& page) {
    ConcernView view;
    view.concern = concern;
    auto chronology = tx.chronology(concern, page.after, page.limit);
    view.chronology = std::move(chronology.entries);
    view.chronology_next = chronology.next;
    view.version = tx.concern_version(concern.id);
    return view;
}

bool MeldcodeService::gives_feedback(const std::string& action) const {
    const auto feedback = workflow_.action_with_rule("feedback");
    return feedback && feedback->first == action;
}

// A retried request (the same key, the same request) was taken before: what
// was kept of it, and nothing is to be done again. The same key for another
// request (an action, a hold, a purge or a rotation) is refused.
std::optional<RequestKey> MeldcodeService::taken_before(StoreTransaction& tx, const Actor& actor,
                                                        const RetryKey& retry) const {
    if (!retry.idempotency_key) return std::nullopt;
    auto found = tx.find_request_key(actor.id, *retry.idempotency_key);
    if (found && !crypto_->digest_matches(retry.canonical.dump(), found->request_digest)) {
        throw Error(MC_E_CONFLICT, "idempotency_key_reused",
                    "this idempotency key was used for a different request", "/idempotency_key");
    }
    return found;
}

// Keeps the request's key (if it came with one) in the transaction that took
// it, so a retry after a lost answer finds it.
void MeldcodeService::remember(StoreTransaction& tx, const Actor& actor, const RetryKey& retry,
                               std::optional<ConcernId> concern, std::optional<json> answer) const {
    if (!retry.idempotency_key) return;
    tx.insert_request_key(actor.id, *retry.idempotency_key,
                          {crypto_->digest(retry.canonical.dump()), std::move(answer)}, concern);
}

ConcernView MeldcodeService::act(const Actor& actor, const ActionRequest& request) {
    authorize(actor, Operation::act_on_concern);
    const Timestamp now = clock_->now();
    ConcernView view;
    std::vector<json> notifications;
    store_->transaction([&](StoreTransaction& tx) {
        notifications.clear();
        std::string message;
        ConcernRecord concern = select(tx, {request.concern_ref, std::nullopt});
        if (taken_before(tx, actor, request.retry)) {
            // The first answer may have been lost: the concern as it is now.
            audit(tx, actor, "concern.read", concern.id);
            view = read_view(tx, concern);
            return;
        }
        if (request.expected_version &&
            *request.expected_version != tx.concern_version(concern.id)) {
            throw Error(MC_E_CONFLICT, "concern_changed",
                        "the concern changed since this version was read; read it again and "
                        "decide on what it holds now",
                        "/expected_version");
        }
        ActionRecord record =
            workflow_.apply(concern.status, request.action, request.fields,
                            ActionContext{now, now + settings_.clock_skew_seconds, *calendar_});
        if (record.to_state != record.from_state) concern.state_since = now;
        // Retention counts from the closing (an acute record on a closed
        // concern does not restart it); a reopened concern is not closed.
        if (!workflow_.is_final(record.to_state)) {
            concern.closed_at.reset();
        } else if (!workflow_.is_final(record.from_state)) {
            concern.closed_at = now;
        }
        if (gives_feedback(record.action)) {
            const FeedbackMessage& m = feedback_message(record.fields);
            record.fields["message"] = message = m.id;  // the default, made explicit
            // By the submission's ref and the message's id only: a concern
            // ref would tell each observer (and the host's ticket) that
            // others reported the unit.
            const auto told = tx.give_feedback(
                concern.id, {m.id, m.final, record.fields.value("aftercare_offered", false), now});
            for (const auto& ref : told) {
                notifications.push_back(events_.keep(
                    tx, {{"event", "feedback_ready"}, {"submission_ref", ref}, {"message", m.id}},
                    concern.id, now));
            }
        }
        concern.updated_at = now;
        tx.update_concern(concern);
        count(tx, concern, now, [&](FigureContribution& c, Day opened, Day today) {
            if (record.step)
                count_milestone(c, "step_" + std::to_string(*record.step), opened, today);
            if (concern.closed_at == now) count_milestone(c, "closed", opened, today);
            if (!message.empty() && concern.status.pending_feedback == 0) {
                count_feedback(c, opened, today);
            }
        });
        json data{{"action", record.action},
                  {"from_state", record.from_state},
                  {"to_state", record.to_state},
                  {"fields", record.fields}};
        if (record.step) data["step"] = *record.step;
        tx.append_entry(concern.id, concern.unit_id, {"action", now, actor, data});
        audit(tx, actor, "concern." + record.action, concern.id);
        remember(tx, actor, request.retry, concern.id);
        // The answer shows the chronology's first page, as a plain read does.
        view = read_view(tx, concern);
    });
    announce(notifications, now);
    view.actions = workflow_.actions_now(view.concern.status);
    return view;
}

}  // namespace meldcode

namespace meldcode {

RotationProgress MeldcodeService::rotate_keys(const Actor& actor,
                                              const KeyRotationRequest& request) {
    authorize(actor, Operation::rotate_keys);
    RotationProgress progress;
    store_->transaction_of_its_own([&](StoreTransaction& tx) {
        if (const auto first = taken_before(tx, actor, request.retry)) {
            progress = first->answer.value().get<RotationProgress>();
            return;
        }
        progress = tx.rotate_keys(request.batch);
        audit(tx, actor, "keys.rotate", std::nullopt);
        remember(tx, actor, request.retry, std::nullopt, json(progress));
    });
    return progress;
}

json MeldcodeService::figures(const Actor& actor, const std::string& from_text,
                              const std::string& to_text) {
    authorize(actor, Operation::read_figures);
    const Timestamp now = clock_->now();
    const Quarter current = quarter_of(calendar_->local_day(now));
    const Quarter from = *parse_quarter(from_text);
    const Quarter to = *parse_quarter(to_text);
    const auto refuse = [&](const char* code, const std::string& message, const char* pointer) {
        audit_denial(actor, "figures.read");
        return Error(MC_E_PAYLOAD, code, message, pointer);
    };
    if (to.index() > current.index()) {
        throw refuse("quarter_in_the_future",
                     "the quarter has not begun; the latest is " + format_quarter(current), "/to");
    }
    if (from.index() > to.index()) throw refuse("invalid_range", "from comes after to", "/from");
    if (to.index() - from.index() >= kMaxFigureQuarters) {
        throw refuse("range_too_long",
                     "at most " + std::to_string(kMaxFigureQuarters) + " quarters at a time",
                     "/from");
    }
    json answer;
    store_->transaction([&](StoreTransaction& tx) {
        // Whole years: each is suppressed as one block (core/figures.h).
        const Quarter last = to.year < current.year ? Quarter{to.year, 4} : current;
        const auto all = tx.figure_contributions({from.year, 1}, last);
        answer = meldcode::figures(all, from, to, current, figures_settings());
        audit(tx, actor, "figures.read", std::nullopt);
    });
    return answer;
}

// Every category of the catalog and every route the workflow's referral
// offers, from the definitions as a form shows them: a row in the figures for
// each, also at zero.
FiguresSettings MeldcodeService::figures_settings() const {
    FiguresSettings s{settings_.figures_min_cell, settings_.reminders.feedback_owed_after, {}, {}};
    for (const auto& category : catalog_.view(settings_.default_locale).at("categories")) {
        s.categories.push_back(category.at("id").get<std::string>());
    }
    for (const auto& action : workflow_.view(settings_.default_locale).at("actions")) {
        for (const auto& field : action.value("fields", json::array())) {
            if (field.at("name") != "route") continue;
            for (const auto& option : field.at("options")) {
                s.routes.push_back(option.at("id").get<std::string>());
            }
        }
    }
    return s;
}

// The ABI has checked the role before the request (authorize()).
void MeldcodeService::refuse_figures(const Actor& actor) {
    audit_denial(actor, "figures.read");
}

AuditVerification MeldcodeService::verify_audit(const Actor& actor) {
    authorize(actor, Operation::verify_audit);
    AuditVerification report;
    store_->transaction([&](StoreTransaction& tx) {
        report = tx.verify_audit();
        try {
            audit(tx, actor, "audit.verify", std::nullopt);
        } catch (const Error&) {
            // A chain without its head refuses appends (fail closed); the
            // report saying so matters more than recording that it was read.
            if (!report.first_broken) throw;
        }
    });
    return report;
}

AuditPage MeldcodeService::list_audit(const Actor& actor, const AuditQuery& query) {
    authorize(actor, Operation::read_audit);
    AuditPage page;
    store_->transaction([&](StoreTransaction& tx) {
        page = read_page<AuditPage>(query, [&](const AuditQuery& q) { return tx.list_audit(q); });
        audit(tx, actor, "audit.read", std::nullopt);
    });
    return page;
}

void MeldcodeService::record_audit(const Actor& actor, const std::string& action,
                                   const std::optional<Actor>& acting_as,
                                   std::optional<std::int64_t> count) {
    authorize(actor, Operation::record_audit);
    Actor row = actor;
    if (acting_as) {
        row = *acting_as;
        row.integration = actor.id;
        row.request_id = actor.request_id;
    }
    // A person signing in, out or enrolling is the host's success; every
    // other event it records is a refusal (schemas/audit_event.schema.json).
    static const std::vector<std::string> succeeded{"session.signed_in", "session.signed_out",
                                                    "enrolment.completed"};
    const bool ok = std::find(succeeded.begin(), succeeded.end(), action) != succeeded.end();
    store_->transaction([&](StoreTransaction& tx) {
        tx.append_audit({clock_->now(), row, action, std::nullopt, ok ? "ok" : "denied", count});
    });
}

}  // namespace meldcode
