package nl.meldcode.test;

import static nl.meldcode.test.Store.ERP;
import static nl.meldcode.test.Store.OFFICER;
import static nl.meldcode.test.Store.actor;
import static nl.meldcode.test.Store.member;
import static nl.meldcode.test.Store.quote;
import static nl.meldcode.test.Store.submission;
import static nl.meldcode.test.Store.ticket;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import nl.meldcode.Meldcode;
import nl.meldcode.MeldcodeException;

/** The whole meldcode flow through the Java binding, as a host sees it. */
public final class FlowTest {
    private static final String SECRET = "Zag-een-slot-aan-de-buitenkant-JV17";
    private static final String TECH = actor("tech-7", "observer");

    private static String act(Meldcode mc, String ref, String action, String fields) {
        return mc.act(OFFICER, "{\"concern_ref\":" + quote(ref) + ",\"action\":" + quote(action)
                + ",\"fields\":" + fields + "}");
    }

    public static void testAClosedTicketBecomesAConcernWorkedToClosure() throws Exception {
        try (Store store = new Store()) {
            Meldcode mc = store.mc;
            List<String> notifications = new CopyOnWriteArrayList<>();
            mc.onNotification(notifications::add);

            String prompt = mc.ticketClosed(ERP, ticket("WO-1", "VHE-1", "tech-7"));
            Check.contains(prompt, "\"ask\":true");
            Check.contains(prompt, "112");
            Check.equal("{\"ask\":false,\"reason\":\"already_prompted\"}",
                    mc.ticketClosed(ERP, ticket("WO-1", "VHE-1", "tech-7")));

            String receipt = mc.submitSignals(TECH,
                    submission(member(prompt, "prompt_token"), "key-0001", SECRET));
            String sub = "{\"submission_ref\":" + quote(member(receipt, "submission_ref")) + "}";
            Check.contains(mc.submissionStatus(TECH, sub), "\"status\":\"received\"");

            String ref = member(mc.listConcerns(OFFICER, "{}"), "concern_ref");
            Check.contains(mc.getConcern(OFFICER, sub), SECRET);

            act(mc, ref, "assign", "{\"assignee\":\"af-1\"}");
            act(mc, ref, "map_signals", "{\"observations\":\"feiten\",\"supporting_signals\":"
                    + "\"gat in deur\",\"undermining_signals\":\"geen\",\"children_involved\":\"yes\"}");
            act(mc, ref, "consult", "{\"consulted_with\":\"Veilig Thuis\",\"consulted_at\":"
                    + "\"2026-11-25T09:00:00+01:00\",\"question\":\"vraag\",\"advice\":\"advies\"}");
            act(mc, ref, "hold_conversation", "{\"held_with\":\"bewoner\",\"held_at\":"
                    + "\"2026-11-25T09:30:00Z\",\"facts_presented\":\"feiten\",\"reaction\":"
                    + "\"reactie\",\"officer_reading\":\"duiding\"}");
            Check.contains(mc.submissionStatus(TECH, sub), "\"status\":\"in_progress\"");
            act(mc, ref, "weigh", "{\"suspicion\":{\"answer\":true,\"explanation\":\"x\"},"
                    + "\"unsafety\":{\"answer\":true,\"explanation\":\"y\"}}");
            String decided = act(mc, ref, "decide", "{\"report\":{\"decision\":true,\"rationale\":"
                    + "\"r\"},\"help\":{\"decision\":false,\"rationale\":\"h\"}}");
            Check.contains(decided, "\"state\":\"decided\"");
            act(mc, ref, "report_to_veilig_thuis", "{\"reported_at\":\"2026-11-25T09:45:00Z\","
                    + "\"channel\":\"phone\",\"region\":\"Utrecht\",\"client_informed\":false,"
                    + "\"not_informed_reason\":\"gevaar\",\"reporter_unnamed_to_family\":true,"
                    + "\"corporation_role\":\"meldt nieuwe signalen\"}");
            act(mc, ref, "give_feedback", "{}");
            Check.contains(mc.submissionStatus(TECH, sub), "\"status\":\"handled\"");
            String closed = act(mc, ref, "close", "{\"reason\":\"gemeld bij Veilig Thuis\"}");
            Check.contains(closed, "\"state\":\"closed\"");
            Check.contains(closed, "\"allowed_actions\":[\"record_veilig_thuis_feedback\","
                    + "\"record_acute\",\"record_debrief\",\"reopen\"]");

            Check.equal(2, notifications.size());
            Check.contains(notifications.get(0), "\"event\":\"concern_created\"");
            Check.contains(notifications.get(0), ref);
            // The feedback names the observer's submission and the message, never the concern.
            // Each carries its own event id (ABI 1.4), compared apart.
            String[] feedback = notifications.get(1).split(",\"event_id\":\"evt_[0-9a-f]{32}\"", -1);
            Check.equal(2, feedback.length);
            Check.equal("{\"event\":\"feedback_ready\",\"message\":\"completed\",\"submission_ref\":"
                    + quote(member(receipt, "submission_ref")) + "}", feedback[0] + feedback[1]);
            for (String n : notifications) {
                Check.that(!n.contains(SECRET), "a notification carries content");
            }
            Check.that(!prompt.contains(SECRET) && !receipt.contains(SECRET), "content leaked");
        }
    }

    public static void testEventsAreKeptUntilAcknowledgedAndReplayed() throws Exception {
        try (Store store = new Store()) {
            List<String> seen = new CopyOnWriteArrayList<>();
            store.mc.onNotification(n -> {
                seen.add(n);
                // Allowed from the callback: the first is acknowledged at once.
                if (seen.size() == 1) store.mc.acknowledgeEvent(member(n, "event_id"));
            });
            for (String n : List.of("1", "2")) {
                String prompt = store.mc.ticketClosed(ERP, ticket("WO-E" + n, "VHE-E" + n, "tech-7"));
                store.mc.submitSignals(TECH,
                        submission(member(prompt, "prompt_token"), "key-e000" + n, SECRET));
            }
            Check.equal(2, seen.size());
            String second = member(seen.get(1), "event_id");
            Check.that(!member(seen.get(0), "event_id").equals(second), "one id for two events");

            // Only the one not acknowledged comes again, under its own id.
            Check.equal(1L, store.mc.replayEvents(0, 100));
            Check.equal(seen.get(1), seen.get(2));
            store.mc.acknowledgeEvent(second);
            Check.equal(0L, store.mc.replayEvents(0, 100));
            Check.equal(3, seen.size());
            for (String n : seen) Check.that(!n.contains(SECRET), "a notification carries content");

            // Bad arguments are refused, saying which.
            MeldcodeException e = Check.fails(() -> store.mc.acknowledgeEvent("evt_1"));
            Check.equal(MeldcodeException.ARGUMENT, e.status());
            Check.equal("invalid_event_id", e.code());
            e = Check.fails(() -> store.mc.replayEvents(0, 0));
            Check.equal("invalid_argument", e.code());
            e = Check.fails(() -> store.mc.call("mc_events_replay", ERP, "{}"));
            Check.equal("not_an_actor_request_function", e.code());
        }
    }

    public static void testTheCatalogAndTheLibraryVersions() throws Exception {
        try (Store store = new Store()) {
            Check.contains(store.mc.catalog("en"), "\"locale\":\"en\"");
            String workflow = store.mc.workflow("nl");
            Check.contains(workflow, "\"locale\":\"nl\"");
            Check.contains(workflow, "\"id\":\"refer\"");
            Check.contains(store.mc.plugin().info(), "\"abi_version\":\"1.");
        }
    }

    public static void testAClosedInstanceRefusesCalls() throws Exception {
        try (Store store = new Store()) {
            store.mc.close();
            MeldcodeException e = Check.fails(() -> store.mc.listConcerns(OFFICER, "{}"));
            Check.equal(MeldcodeException.ARGUMENT, e.status());
            Check.equal("instance_closed", e.code());
        }
    }
}
