package nl.meldcode;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded copy of libmeldcode (through JNA), checked to be ABI-compatible with this binding.
 *
 * <p>Loading fails with a {@link MeldcodeException} of status VERSION whose code says what is
 * wrong: "plugin_not_found", "plugin_not_loadable", "missing_symbol" (not a meldcode plugin, or
 * older than this binding) or "abi_mismatch".
 */
public final class Plugin {
    /**
     * The C ABI version this binding needs, handed to mc_abi_check: the newest functions it calls
     * came in 1.4 (mc_events_ack, mc_events_replay; tests/abi/binding_versions_test.py checks it
     * against meldcode.h).
     */
    public static final int ABI_VERSION_MAJOR = 1, ABI_VERSION_MINOR = 4;
    public static final int ABI_VERSION = (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR;

    private final String path;
    private final NativeLibrary library;
    private final Map<String, Function> functions = new ConcurrentHashMap<>();

    /**
     * Loads the plugin at {@code path}; when null, the one named by the environment variable
     * MELDCODE_PLUGIN, else "meldcode" through JNA's search (jna.library.path, the system's).
     */
    public Plugin(String path) {
        String env = System.getenv("MELDCODE_PLUGIN");
        this.path = path != null ? path : env != null && !env.isEmpty() ? env : "meldcode";
        if (this.path.contains(File.separator) && !new File(this.path).exists()) {
            throw new MeldcodeException(MeldcodeException.VERSION, "plugin_not_found",
                    "no meldcode plugin at " + this.path
                            + " (set MELDCODE_PLUGIN or pass the path of libmeldcode.so)",
                    "");
        }
        try {
            library = NativeLibrary.getInstance(this.path);
        } catch (UnsatisfiedLinkError e) {
            if (!this.path.contains(File.separator) && searchFoundNone(this.path, e)) {
                throw new MeldcodeException(MeldcodeException.VERSION, "plugin_not_found",
                        "no meldcode plugin " + this.path + " where JNA looks (set MELDCODE_PLUGIN"
                                + " or pass the path of libmeldcode.so)",
                        "");
            }
            throw new MeldcodeException(MeldcodeException.VERSION, "plugin_not_loadable",
                    "cannot load meldcode plugin " + this.path + ": " + e.getMessage(), "");
        }
        negotiate();
        for (String required : new String[] {"mc_last_error", "mc_free", "mc_open", "mc_close"}) {
            function(required);
        }
    }

    /**
     * Whether JNA's search for a bare name found no file: every attempt it lists is dlopen's "no
     * such file" for that name or the resource path's "not found". The same words naming another
     * file mean a library the plugin needs is missing: not loadable.
     */
    private static boolean searchFoundNone(String name, UnsatisfiedLinkError e) {
        String message = e.getMessage();
        if (message == null) return false;
        String[] lines = message.split("\n");
        String absent = ": cannot open shared object file: No such file or directory";
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            boolean noFile = line.equals(name + absent)
                    || line.equals(System.mapLibraryName(name) + absent);
            boolean notInResources = line.startsWith("Native library (")
                    && line.contains(") not found in resource path");
            if (!noFile && !notInResources) return false;
        }
        return lines.length > 1;
    }

    /** Loads the plugin named by MELDCODE_PLUGIN, or found by JNA's search. */
    public Plugin() {
        this(null);
    }

    /** Where the plugin was loaded from (as given). */
    public String path() {
        return path;
    }

    /** The library's versions (schemas/info.schema.json) as JSON. */
    public String info() {
        return answer(function("mc_info"), new Object[] {});
    }

    // The plugin decides whether it serves a host built for our ABI version.
    private void negotiate() {
        if (function("mc_abi_check").invokeInt(new Object[] {ABI_VERSION}) == 0) return;
        int theirs = function("mc_abi_version").invokeInt(new Object[] {});
        throw new MeldcodeException(MeldcodeException.VERSION, "abi_mismatch",
                "the meldcode plugin " + path + " implements ABI " + (theirs >>> 16) + "."
                        + (theirs & 0xffff) + "; this binding was built for ABI "
                        + ABI_VERSION_MAJOR + "." + ABI_VERSION_MINOR
                        + " (the same major version and at least this minor one are needed)",
                "");
    }

    /** A C function by name; a missing one is a clear "missing_symbol" error. */
    Function function(String name) {
        return functions.computeIfAbsent(name, n -> {
            try {
                return library.getFunction(n);
            } catch (UnsatisfiedLinkError e) {
                throw new MeldcodeException(MeldcodeException.VERSION, "missing_symbol",
                        path + " does not export " + n
                                + ": not a meldcode plugin, or older than this binding",
                        "");
            }
        });
    }

    /**
     * Calls {@code fn(args..., &out)} and returns the text it handed out (freed with mc_free),
     * or throws the error of the failed call.
     */
    String answer(Function fn, Object[] args) {
        PointerByReference out = new PointerByReference();
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = out;
        if (fn.invokeInt(all) != 0) throw lastError();
        Pointer text = out.getValue();
        try {
            return text == null ? "" : text.getString(0, StandardCharsets.UTF_8.name());
        } finally {
            function("mc_free").invokeVoid(new Object[] {text});
        }
    }

    /** The exception for the last failed call on this thread. */
    MeldcodeException lastError() {
        Pointer e = function("mc_last_error").invokePointer(new Object[] {});
        if (e == null) {
            return new MeldcodeException(MeldcodeException.INTERNAL, "internal",
                    "the call failed without an error", "");
        }
        // struct mc_error { mc_status status; const char* code, *message, *pointer; }
        int p = Native.POINTER_SIZE;
        return new MeldcodeException(e.getInt(0), text(e.getPointer(p)),
                text(e.getPointer(2L * p)), text(e.getPointer(3L * p)));
    }

    /** UTF-8 with a terminating NUL, as the C ABI takes text. */
    static byte[] utf8(String text) {
        return (text + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Pointer p) {
        return p == null ? "" : p.getString(0, StandardCharsets.UTF_8.name());
    }
}
