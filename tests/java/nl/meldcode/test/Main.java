package nl.meldcode.test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * A small test runner (no JUnit on the machine): runs every public static void method whose
 * name starts with "test" in the suite class named on the command line, prints each outcome,
 * and exits non-zero when any failed.
 */
public final class Main {
    public static void main(String[] args) throws Exception {
        Class<?> suite = Class.forName("nl.meldcode.test." + args[0]);
        int failed = 0;
        for (Method m : suite.getDeclaredMethods()) {
            if (!m.getName().startsWith("test") || !Modifier.isStatic(m.getModifiers())) continue;
            try {
                m.invoke(null);
                System.out.println("ok      " + m.getName());
            } catch (InvocationTargetException e) {
                ++failed;
                System.out.println("FAILED  " + m.getName());
                e.getCause().printStackTrace(System.out);
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
