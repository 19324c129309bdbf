// The C++ SDK's loader says clearly what is wrong with the plugin it was given.
#include <dlfcn.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <string>

#include "meldcode/meldcode.hpp"

using meldcode::sdk::Error;
using meldcode::sdk::Plugin;

namespace {

// Loads `path` and returns the Error the loader threw.
Error load_error(const boost::dll::fs::path& path) {
    try {
        Plugin plugin(path);
    } catch (const Error& e) {
        return e;
    }
    FAIL("the plugin at " << path << " was accepted");
    throw;  // unreachable
}

bool mentions(const Error& e, const std::string& text) {
    return e.message().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("a missing plugin file is named") {
    const Error e = load_error("/nonexistent/libmeldcode.so");
    CHECK(e.status() == MC_E_VERSION);
    CHECK(e.code() == "plugin_not_found");
    CHECK(mentions(e, "/nonexistent/libmeldcode.so"));
    CHECK(mentions(e, "MELDCODE_PLUGIN"));
}

TEST_CASE("a file that is not a shared library cannot be loaded") {
    const Error e = load_error(MELDCODE_NOT_A_LIBRARY);
    CHECK(e.code() == "plugin_not_loadable");
    CHECK(mentions(e, MELDCODE_NOT_A_LIBRARY));
}

TEST_CASE("a shared library that is not a meldcode plugin lacks its symbols") {
    // libm: the library that holds std::cos.
    const auto libm = boost::dll::symbol_location_ptr(static_cast<double (*)(double)>(&::cos));
    const Error e = load_error(libm);
    CHECK(e.code() == "missing_symbol");
    CHECK(mentions(e, "mc_abi_version"));
    CHECK(mentions(e, "not a meldcode plugin"));
}

TEST_CASE("a plugin built for another ABI version is refused with both versions") {
    const Error e = load_error(MELDCODE_FAKE_PLUGIN);
    CHECK(e.status() == MC_E_VERSION);
    CHECK(e.code() == "abi_mismatch");
    CHECK(mentions(e, "implements ABI 2.0"));
    CHECK(mentions(e, "built for ABI 1."));
}

TEST_CASE("without a path the plugin is found through MELDCODE_PLUGIN") {
    REQUIRE(setenv("MELDCODE_PLUGIN", MELDCODE_PLUGIN_PATH, 1) == 0);
    CHECK(Plugin::default_path() == MELDCODE_PLUGIN_PATH);
    const Plugin plugin;
    CHECK(plugin.info().at("abi_version") ==
          std::to_string(MC_ABI_VERSION_MAJOR) + "." + std::to_string(MC_ABI_VERSION_MINOR));
    REQUIRE(setenv("MELDCODE_PLUGIN", "/nonexistent/from-env.so", 1) == 0);
    try {
        const Plugin missing;
        FAIL("a missing plugin was loaded");
    } catch (const Error& e) {
        CHECK(e.code() == "plugin_not_found");
        CHECK(mentions(e, "/nonexistent/from-env.so"));
    }
    unsetenv("MELDCODE_PLUGIN");
}

TEST_CASE("an entry point the plugin lacks is reported when it is called") {
    const Plugin plugin(MELDCODE_PLUGIN_PATH);
    try {
        plugin.function<mc_status(void)>("mc_no_such_function");
        FAIL("a missing function was found");
    } catch (const Error& e) {
        CHECK(e.code() == "missing_symbol");
        CHECK(mentions(e, "mc_no_such_function"));
    }
}
