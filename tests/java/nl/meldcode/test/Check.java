package nl.meldcode.test;

import java.util.Objects;
import nl.meldcode.MeldcodeException;

/** Assertions that throw AssertionError with what was expected and what was found. */
final class Check {
    private Check() {}

    static void that(boolean condition, String what) {
        if (!condition) throw new AssertionError(what);
    }

    static void equal(Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError("expected <" + expected + "> but was <" + actual + ">");
        }
    }

    static void contains(String text, String part) {
        that(text.contains(part), "<" + text + "> does not contain <" + part + ">");
    }

    /** Runs the call and returns the MeldcodeException it must throw. */
    static MeldcodeException fails(Runnable call) {
        try {
            call.run();
        } catch (MeldcodeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }
}
