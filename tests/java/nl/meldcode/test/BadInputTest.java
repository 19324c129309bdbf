package nl.meldcode.test;

import static nl.meldcode.test.Store.OFFICER;
import static nl.meldcode.test.Store.actor;
import static nl.meldcode.test.Store.member;
import static nl.meldcode.test.Store.quote;
import static nl.meldcode.test.Store.submission;
import static nl.meldcode.test.Store.ticket;

import java.nio.charset.StandardCharsets;
import nl.meldcode.MeldcodeException;

/**
 * Bad input through the Java binding: the right status, code and pointer, no concern content in
 * the message, and nothing stored changed.
 */
public final class BadInputTest {
    private static final String SECRET = "GEHEIM-java-2b8e-observatie";
    private static final String TECH = actor("tech-1", "observer");

    private static void refused(Store store, int status, String code, String pointer,
            Runnable call) throws Exception {
        String before = store.fingerprint();
        MeldcodeException e = Check.fails(call);
        Check.equal(status + " " + code + " " + pointer,
                e.status() + " " + e.code() + " " + e.pointer());
        Check.that(!e.detail().isEmpty(), "no message");
        Check.that(!e.getMessage().contains(SECRET), "the message quotes the input");
        Check.equal(before, store.fingerprint());
    }

    public static void testEveryKindOfBadInput() throws Exception {
        try (Store store = new Store()) {
            String submissionRef = store.submit("WO-1", "VHE-1", "tech-1", "eerste");
            String concernRef = member(store.mc.listConcerns(OFFICER, "{}"), "concern_ref");
            String token = member(store.mc.ticketClosed(TECH, ticket("WO-2", "VHE-1", "tech-1")),
                    "prompt_token");
            String good = submission(token, "key-0002", SECRET);

            refused(store, MeldcodeException.PAYLOAD, "schema_violation", "/acute",
                    () -> store.mc.submitSignals(TECH, good.replace("\"acute\":false",
                            "\"acute\":\"nee\"")));
            refused(store, MeldcodeException.PAYLOAD, "unknown_signal", "/signals/0",
                    () -> store.mc.submitSignals(TECH, good.replace(
                            "mc.home.holes_in_walls_or_doors", "mc.nonexistent.signal")));
            refused(store, MeldcodeException.NOT_FOUND, "not_found", "/concern_ref",
                    () -> store.mc.getConcern(OFFICER, "{\"concern_ref\":"
                            + quote(concernRef.substring(0, concernRef.length() - 1)
                                    + (concernRef.endsWith("A") ? "B" : "A")) + "}"));
            refused(store, MeldcodeException.NOT_FOUND, "not_found", "/submission_ref",
                    () -> store.mc.submissionStatus(actor("tech-2", "observer"),
                            "{\"submission_ref\":" + quote(submissionRef) + "}"));
            refused(store, MeldcodeException.FORBIDDEN, "forbidden", "",
                    () -> store.mc.listConcerns(TECH, "{}"));
            refused(store, MeldcodeException.TOO_LARGE, "string_too_long", "/observations",
                    () -> store.mc.submitSignals(TECH,
                            submission(token, "key-0003", SECRET + "x".repeat(30000))));
            refused(store, MeldcodeException.TOO_LARGE, "payload_too_large", "",
                    () -> store.mc.listConcerns(OFFICER,
                            "{\"unit_id\":\"" + "x".repeat(2 << 20) + "\"}"));
            byte[] invalid = ("{\"observations\":\"" + SECRET + "\u00ff\"}")
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] raw = java.util.Arrays.copyOf(invalid, invalid.length + 1);
            refused(store, MeldcodeException.JSON, "invalid_utf8", "",
                    () -> store.mc.call("mc_signals_submit",
                            (TECH + "\0").getBytes(StandardCharsets.UTF_8), raw));
            refused(store, MeldcodeException.JSON, "invalid_json", "",
                    () -> store.mc.listConcerns(OFFICER, "{\"unit_id\": "));
        }
    }

    public static void testAFunctionThePluginLacksIsAClearError() throws Exception {
        try (Store store = new Store()) {
            MeldcodeException e = Check.fails(() -> store.mc.call("mc_no_such_function", OFFICER,
                    "{}"));
            Check.equal("missing_symbol", e.code());
            Check.contains(e.getMessage(), "mc_no_such_function");
        }
    }
}
