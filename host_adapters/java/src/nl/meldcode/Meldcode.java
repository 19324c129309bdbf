package nl.meldcode;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One open meldcode store ({@code mc_open}); close it with try-with-resources.
 *
 * <p>Every operation takes the actor the host authenticated ({@code {"id": ..., "role": ...}})
 * and a payload following its schema (schemas/NAME.schema.json), both as JSON text, and returns
 * the answer as JSON text. Failures throw {@link MeldcodeException}. Safe to call from many
 * threads; do not close while other threads still call.
 *
 * <p>A ticket that closed just now, in a directory that holds a key ring {@code meldcode.keys}
 * (docs/encryption-and-audit.md):
 *
 * <pre>{@code
 * String ticket = "{\"host_ticket_id\": \"WO-1\", \"unit_id\": \"VHE-000123\", \"work_type\": \"REP\","
 *         + " \"entered_dwelling\": true, \"technician_id\": \"t-1042\", \"closed_at\": \""
 *         + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}";
 * try (Meldcode mc = new Meldcode(new Plugin(),
 *         "{\"store_path\": \"meldcode.db\", \"keys\": {\"file\": \"meldcode.keys\"}}")) {
 *     String prompt = mc.ticketClosed("{\"id\":\"erp\",\"role\":\"integration\"}", ticket);
 * }
 * }</pre>
 */
public final class Meldcode implements AutoCloseable {
    /** void (*mc_notify_fn)(void* user_data, const char* notification_json) */
    private interface NotifyFn extends Callback {
        void invoke(Pointer userData, Pointer notification);
    }

    private final Plugin plugin;
    private Pointer handle;
    private NotifyFn listener; // kept reachable while the plugin may call it

    /** Opens the store the configuration (schemas/config.schema.json) names. */
    public Meldcode(Plugin plugin, String configJson) {
        this.plugin = plugin;
        PointerByReference out = new PointerByReference();
        if (plugin.function("mc_open").invokeInt(new Object[] {Plugin.utf8(configJson), out})
                != 0) {
            throw plugin.lastError();
        }
        handle = out.getValue();
    }

    public Plugin plugin() {
        return plugin;
    }

    /** Flushes pending work and closes the store; closing twice is harmless. */
    @Override
    public synchronized void close() {
        Pointer h = handle;
        handle = null;
        if (h != null && plugin.function("mc_close").invokeInt(new Object[] {h}) != 0) {
            throw plugin.lastError();
        }
    }

    // -- the operations (README.md, "The C ABI"); one line each ----------------

    /** A host ticket was closed (ticket): whether to ask, and the form (prompt). */
    public String ticketClosed(String actor, String ticket) {
        return call("mc_ticket_closed", actor, ticket);
    }

    /** Submits an observer's signals (submission); durable on return (receipt). */
    public String submitSignals(String actor, String submission) {
        return call("mc_signals_submit", actor, submission);
    }

    /** The status of one of the actor's own submissions (submission_status). */
    public String submissionStatus(String actor, String request) {
        return call("mc_submission_status", actor, request);
    }

    /** Another host event about a unit (host_event): {"status":"accepted"}. */
    public String reportHostEvent(String actor, String event) {
        return call("mc_host_event_report", actor, event);
    }

    /** Concerns, filtered and paged (concern_query: concern_page). */
    public String listConcerns(String actor, String query) {
        return call("mc_concerns_list", actor, query);
    }

    /** One concern with its chronology (concern_get: concern). */
    public String getConcern(String actor, String request) {
        return call("mc_concern_get", actor, request);
    }

    /** One workflow action on a concern (concern_action: concern). */
    public String act(String actor, String action) {
        return call("mc_concern_act", actor, action);
    }

    /** Reviews that have come due (due_steps); fires "step_due" notifications. */
    public String stepsDue(String actor) {
        return actorOnly("mc_steps_due", actor);
    }

    // -- retention, data-subject requests, keys and audit ----------------------

    /** Places or lifts a legal hold (legal_hold_request: legal_hold). */
    public String setLegalHold(String actor, String request) {
        return call("mc_legal_hold_set", actor, request);
    }

    /** Removes what is past its retention (purge_request: purge_report, counts only). */
    public String purge(String actor, String request) {
        return call("mc_purge", actor, request);
    }

    /**
     * One concern's dossier for a data-subject request, in two steps: a request (export_request:
     * export_pending, releasing nothing), then another officer's approval with its export_ref
     * (dossier).
     */
    public String exportConcern(String actor, String request) {
        return call("mc_concern_export", actor, request);
    }

    /** One batch of re-encryption (key_rotation_request: key_rotation); repeat until 0 remain. */
    public String rotateKeys(String actor, String request) {
        return call("mc_keys_rotate", actor, request);
    }

    /** Checks the audit chain (audit_verification: ok, first_broken). */
    public String verifyAudit(String actor) {
        return actorOnly("mc_audit_verify", actor);
    }

    /** Management figures of a range of quarters, k-anonymous (figures_request: figures). */
    public String figures(String actor, String request) {
        return call("mc_figures_get", actor, request);
    }

    /** One page of the audit trail, newest first (audit_query: audit_page). */
    public String listAudit(String actor, String query) {
        return call("mc_audit_list", actor, query);
    }

    /** A security event this host handled itself (audit_event): one audit row. */
    public void recordAudit(String actor, String event) {
        if (plugin.function("mc_audit_record").invokeInt(
                    new Object[] {live(), Plugin.utf8(actor), Plugin.utf8(event)})
                != 0) {
            throw plugin.lastError();
        }
    }

    /** The catalog packs and compiled extensions loaded or rejected (extensions). */
    public String extensions() {
        return plugin.answer(plugin.function("mc_extensions_get"), new Object[] {live()});
    }

    /** How the store has been committing since it was opened (store_stats). */
    public String storeStats() {
        return plugin.answer(plugin.function("mc_store_stats"), new Object[] {live()});
    }

    /** Throws unless the store can take calls now (mc_store_probe), for a readiness probe. */
    public void probeStore() {
        if (plugin.function("mc_store_probe").invokeInt(new Object[] {live()}) != 0) {
            throw plugin.lastError();
        }
    }

    /** The signal catalog in a locale ("nl", "en"; null: the configured default). */
    public String catalog(String locale) {
        return localized("mc_catalog_get", locale);
    }

    /** The workflow definition in a locale (workflow_view), to render the officer's forms from. */
    public String workflow(String locale) {
        return localized("mc_workflow_get", locale);
    }

    /** {@code function(instance, locale, &out)}: the shape of mc_catalog_get and mc_workflow_get. */
    private String localized(String function, String locale) {
        return plugin.answer(plugin.function(function),
                new Object[] {live(), locale == null ? null : Plugin.utf8(locale)});
    }

    /**
     * Calls {@code fn} with each notification (JSON, ids only) after a durable change, on the
     * thread that made it; it must not call back into this instance. null removes it.
     */
    public synchronized void onNotification(Consumer<String> fn) {
        NotifyFn next = fn == null ? null
                : (user, text) -> fn.accept(text.getString(0, StandardCharsets.UTF_8.name()));
        if (plugin.function("mc_notifications_set").invokeInt(new Object[] {live(), next, null})
                != 0) {
            throw plugin.lastError();
        }
        listener = next;
    }

    /**
     * The host has the notification with this event_id durably (in its own outbox, say): the store
     * stops keeping it. Until then every notification is kept with the change that caused it, and
     * {@link #replayEvents} notifies it again; after 7 days it is pruned (counted in storeStats as
     * events_pruned). May be called from the notification callback; an unknown id is no error.
     */
    public void acknowledgeEvent(String eventId) {
        if (plugin.function("mc_events_ack").invokeInt(new Object[] {live(), Plugin.utf8(eventId)})
                != 0) {
            throw plugin.lastError();
        }
    }

    /**
     * Notifies again, through the callback and before it returns, at most limit (1..10000) events
     * kept at least olderThanSeconds ago and not acknowledged, oldest first, each under its own
     * event_id; returns how many.
     */
    public long replayEvents(long olderThanSeconds, long limit) {
        LongByReference replayed = new LongByReference();
        if (plugin.function("mc_events_replay")
                        .invokeInt(new Object[] {live(), olderThanSeconds, limit, replayed})
                != 0) {
            throw plugin.lastError();
        }
        return replayed.getValue();
    }

    /**
     * Calls {@code function(instance, actor, request, &out)} by its C name: any operation of that
     * shape, also one newer than this binding. A function of another shape is refused (it would
     * write its answer where the request is); each has its own method.
     */
    public String call(String function, String actor, String request) {
        return call(function, Plugin.utf8(actor), Plugin.utf8(request));
    }

    /** The same with raw NUL-terminated UTF-8 JSON (for hosts that hold bytes already). */
    public String call(String function, byte[] actor, byte[] request) {
        if (OTHER_SHAPES.contains(function)) {
            throw new MeldcodeException(MeldcodeException.ARGUMENT, "not_an_actor_request_function",
                    function + " does not take (actor, request): use its own method", "");
        }
        return plugin.answer(plugin.function(function), new Object[] {live(), actor, request});
    }

    /** The functions of the C ABI that do not have the (instance, actor, request, out) shape. */
    private static final Set<String> OTHER_SHAPES = Set.of("mc_abi_version", "mc_abi_check",
            "mc_info", "mc_last_error", "mc_free", "mc_open", "mc_close", "mc_steps_due",
            "mc_audit_verify", "mc_audit_record", "mc_catalog_get", "mc_workflow_get",
            "mc_extensions_get", "mc_notifications_set", "mc_prompt_open", "mc_store_stats",
            "mc_events_ack", "mc_events_replay", "mc_store_probe");

    /** {@code function(instance, actor, &out)}: the shape of mc_steps_due and mc_audit_verify. */
    private String actorOnly(String function, String actor) {
        return plugin.answer(plugin.function(function), new Object[] {live(), Plugin.utf8(actor)});
    }

    private synchronized Pointer live() {
        if (handle == null) {
            throw new MeldcodeException(MeldcodeException.ARGUMENT, "instance_closed",
                    "the instance is closed", "");
        }
        return handle;
    }
}
