package nl.meldcode.test;

import static nl.meldcode.test.Store.ERP;
import static nl.meldcode.test.Store.OFFICER;
import static nl.meldcode.test.Store.actor;
import static nl.meldcode.test.Store.member;
import static nl.meldcode.test.Store.quote;

import nl.meldcode.Meldcode;
import nl.meldcode.MeldcodeException;

/**
 * Retention, data-subject export, keys and the audit trail through the named methods, and the
 * generic call() refusing a function of another shape.
 */
public final class RecordsTest {
    private static final String ADMIN = actor("records-1", "admin");
    private static final String AUDITOR = actor("audit-1", "auditor");

    private static String concernRef(Store store) {
        String sub = "{\"submission_ref\":"
                + quote(store.submit("WO-9", "VHE-9", "tech-9", "gezien")) + "}";
        return member(store.mc.getConcern(OFFICER, sub), "concern_ref");
    }

    public static void testHoldExportPurgeAndKeys() throws Exception {
        try (Store store = new Store()) {
            Meldcode mc = store.mc;
            String ref = concernRef(store);
            String hold = mc.setLegalHold(OFFICER, "{\"concern_ref\":" + quote(ref)
                    + ",\"hold\":true,\"reason\":\"complaint\"}");
            Check.contains(hold, "\"reason\":\"complaint\"");
            // Requested by one officer, released by another.
            String pending = mc.exportConcern(OFFICER, "{\"concern_ref\":" + quote(ref)
                    + ",\"requester_relation\":\"possible_victim\"}");
            String exportRef = pending.replaceAll(".*\"export_ref\":\"(x_[A-Za-z0-9_-]{22})\".*", "$1");
            String dossier = mc.exportConcern("{\"id\":\"af-2\",\"role\":\"officer\"}",
                    "{\"export_ref\":" + quote(exportRef) + ",\"approve\":true}");
            Check.contains(dossier, "\"format\":\"meldcode.dossier/1\"");
            Check.contains(mc.purge(ADMIN, "{\"dry_run\":true}"), "\"concerns\":0");
            Check.contains(mc.rotateKeys(ADMIN, "{}"), "\"remaining\":0");
        }
    }

    public static void testTheAuditTrailIsVerifiedRecordedAndRead() throws Exception {
        try (Store store = new Store()) {
            Meldcode mc = store.mc;
            concernRef(store);
            Check.contains(mc.verifyAudit(AUDITOR), "\"ok\":true");
            mc.recordAudit(ERP, "{\"action\":\"authentication.invalid_token\"}");
            String page = mc.listAudit(AUDITOR, "{\"limit\":5}");
            // Newest first: the event just recorded comes before the verification.
            Check.that(page.indexOf("authentication.invalid_token") < page.indexOf("audit.verify"),
                    "not newest first: " + page);
            Check.equal("{\"loaded\":[],\"rejected\":[]}", mc.extensions());
            MeldcodeException refused = Check.fails(() -> mc.verifyAudit(OFFICER));
            Check.equal(MeldcodeException.FORBIDDEN, refused.status());
        }
    }

    public static void testFiguresForManagersAndOfficers() throws Exception {
        try (Store store = new Store()) {
            Meldcode mc = store.mc;
            concernRef(store);  // opened on the fixed clock's day: 2026-Q4
            String quarter = "{\"from\":\"2026-Q4\",\"to\":\"2026-Q4\"}";
            String figures = mc.figures(actor("board-1", "manager"), quarter);
            // One concern: fewer than k, so its count is hidden.
            Check.contains(figures, "{\"counts\":[null],\"row\":\"concerns\"");
            Check.equal(figures, mc.figures(OFFICER, quarter));
            MeldcodeException refused = Check.fails(() -> mc.figures(AUDITOR, quarter));
            Check.equal(MeldcodeException.FORBIDDEN, refused.status());
        }
    }

    public static void testCallRefusesAFunctionThatDoesNotTakeActorAndRequest() throws Exception {
        try (Store store = new Store()) {
            for (String function : new String[] {"mc_audit_verify", "mc_audit_record",
                         "mc_extensions_get", "mc_steps_due", "mc_catalog_get",
                         "mc_workflow_get", "mc_prompt_open", "mc_store_stats",
                         "mc_store_probe"}) {
                MeldcodeException e = Check.fails(() -> store.mc.call(function, AUDITOR, "{}"));
                Check.equal("not_an_actor_request_function", e.code());
                Check.contains(e.getMessage(), function);
            }
            Check.contains(store.mc.verifyAudit(AUDITOR), "\"ok\":true");
            Check.contains(store.mc.storeStats(), "\"commits_within\":[");
            store.mc.probeStore();  // ready: no exception
        }
    }
}
