package nl.meldcode.test;

import nl.meldcode.MeldcodeException;
import nl.meldcode.Plugin;

/** The Java binding's loader says clearly what is wrong with the plugin. */
public final class LoaderTest {
    private static void loadFails(String path, String code, String... mentioned) {
        MeldcodeException e = Check.fails(() -> new Plugin(path));
        Check.equal(MeldcodeException.VERSION, e.status());
        Check.equal(code, e.code());
        for (String text : mentioned) Check.contains(e.getMessage(), text);
    }

    public static void testAMissingFileIsNamed() {
        loadFails("/nonexistent/libmeldcode.so", "plugin_not_found", "/nonexistent/libmeldcode.so",
                "MELDCODE_PLUGIN");
    }

    public static void testANameJnaDoesNotFind() {
        // What a missing MELDCODE_PLUGIN with no installed library comes to: JNA searched.
        loadFails("meldcode-absent", "plugin_not_found", "meldcode-absent", "MELDCODE_PLUGIN");
    }

    public static void testAFileThatIsNotALibrary() {
        String source = System.getProperty("meldcode.not_a_library");
        loadFails(source, "plugin_not_loadable", source);
    }

    public static void testALibraryThatIsNotAMeldcodePlugin() {
        loadFails("libm.so.6", "missing_symbol", "mc_abi_check", "not a meldcode plugin");
    }

    public static void testAPluginBuiltForAnotherAbi() {
        loadFails(System.getenv("MELDCODE_FAKE_PLUGIN"), "abi_mismatch", "implements ABI 2.0",
                "built for ABI 1.");
    }

    public static void testThePluginIsFoundThroughTheEnvironment() {
        Check.equal(System.getenv("MELDCODE_PLUGIN"), new Plugin().path());
    }
}
