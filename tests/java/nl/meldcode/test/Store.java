package nl.meldcode.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import nl.meldcode.Meldcode;
import nl.meldcode.Plugin;

/**
 * A fresh store in a temporary directory with an open instance, JSON helpers, and a look at the
 * store file from outside (the sqlite3 command, read-only) to prove a refused call changed
 * nothing.
 */
final class Store implements AutoCloseable {
    static final String NOW = "2026-11-25T10:00:00Z"; // the instance's fixed clock
    static final String OFFICER = actor("af-1", "officer");
    static final String ERP = actor("erp", "integration");
    static final Plugin PLUGIN = new Plugin();

    final Path dir;
    final String path;
    final Meldcode mc;

    Store() throws IOException {
        dir = Files.createTempDirectory("meldcode-java-");
        path = dir.resolve("meldcode.db").toString();
        mc = new Meldcode(PLUGIN, config(path));
    }

    /**
     * The one mc_open configuration of every Java test: the store, a key ring file next to it (a
     * fresh key, owner-only, made once), a fixed clock.
     */
    static String config(String storePath) throws IOException {
        Path keys = Path.of(storePath).resolveSibling("meldcode.keys");
        if (!Files.exists(keys)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.createFile(keys, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keys, "{\"active\":\"k1\",\"keys\":{\"k1\":\""
                    + HexFormat.of().formatHex(key) + "\"}}");
        }
        return "{\"store_path\":" + quote(storePath) + ",\"keys\":{\"file\":"
                + quote(keys.toString()) + "},\"clock\":{\"fixed\":\"" + NOW
                + "\"},\"check_outputs\":true}";
    }

    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String actor(String id, String role) {
        return "{\"id\":" + quote(id) + ",\"role\":" + quote(role) + "}";
    }

    static String ticket(String ticketId, String unitId, String technician) {
        return "{\"host_ticket_id\":" + quote(ticketId) + ",\"unit_id\":" + quote(unitId)
                + ",\"work_type\":\"REP\",\"entered_dwelling\":true,\"technician_id\":"
                + quote(technician) + ",\"closed_at\":\"2026-11-25T09:45:00Z\",\"locale\":\"nl\"}";
    }

    static String submission(String promptToken, String key, String observations) {
        return "{\"prompt_token\":" + quote(promptToken) + ",\"idempotency_key\":" + quote(key)
                + ",\"signals\":[\"mc.home.holes_in_walls_or_doors\",\"mc.children.lock_on_outside_of_room\"]"
                + ",\"observations\":" + quote(observations)
                + ",\"children_involved\":\"yes\",\"acute\":false}";
    }

    /** The string value of the first member {@code name} in a JSON text (ids only, no escapes). */
    static String member(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new AssertionError("no " + name + " in " + json);
        return m.group(1);
    }

    /** Prompts a fresh ticket and submits on it; returns the submission_ref. */
    String submit(String ticketId, String unitId, String technician, String observations) {
        String tech = actor(technician, "observer");
        String prompt = mc.ticketClosed(tech, ticket(ticketId, unitId, technician));
        String receipt = mc.submitSignals(tech,
                submission(member(prompt, "prompt_token"), "key-" + ticketId, observations));
        return member(receipt, "submission_ref");
    }

    /** Every row of every table but the audit trail (with its head) and the prompt log. */
    String fingerprint() throws IOException, InterruptedException {
        String tables = sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                + " 'sqlite_%' AND name NOT IN ('audit', 'audit_head', 'prompts') ORDER BY name;");
        StringBuilder all = new StringBuilder();
        for (String table : tables.split("\n")) {
            all.append(table).append(":\n").append(sql("SELECT * FROM \"" + table + "\" ORDER BY 1;"));
        }
        return all.toString();
    }

    long rows(String table) throws IOException, InterruptedException {
        return Long.parseLong(sql("SELECT count(*) FROM \"" + table + "\";").trim());
    }

    private String sql(String query) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sqlite3", "-readonly", path, query).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException("sqlite3 failed: " + err);
        return out;
    }

    @Override
    public void close() throws IOException {
        mc.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
