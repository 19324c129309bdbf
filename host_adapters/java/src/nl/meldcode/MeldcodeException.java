package nl.meldcode;

/**
 * A failed meldcode call: the {@code mc_status} number, the stable machine-readable code, an
 * English message that never carries concern content, and the RFC 6901 JSON pointer of the
 * offending field ("" for the whole document).
 */
public class MeldcodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The status codes of meldcode.h; values are stable, new ones are only appended. */
    public static final int ARGUMENT = 1, JSON = 2, PAYLOAD = 3, TOO_LARGE = 4, NOT_FOUND = 5,
            FORBIDDEN = 6, CONFLICT = 7, STORAGE = 8, VERSION = 9, INTERNAL = 10;

    private final int status;
    private final String code;
    private final String pointer;

    public MeldcodeException(int status, String code, String message, String pointer) {
        super(code + ": " + message + (pointer.isEmpty() ? "" : " (at " + pointer + ")"));
        this.status = status;
        this.code = code;
        this.pointer = pointer;
    }

    /** The {@code mc_status}: {@link #PAYLOAD}, {@link #FORBIDDEN}, ... */
    public int status() {
        return status;
    }

    /** The stable code, e.g. "schema_violation", "transition_not_allowed", "abi_mismatch". */
    public String code() {
        return code;
    }

    /** The message without code and pointer. */
    public String detail() {
        String text = getMessage();
        String tail = pointer.isEmpty() ? "" : " (at " + pointer + ")";
        return text.substring(code.length() + 2, text.length() - tail.length());
    }

    /** The JSON pointer of the offending field, "" when not applicable. */
    public String pointer() {
        return pointer;
    }
}
