"""The Python binding's loader says clearly what is wrong with the plugin."""

import os
import unittest
from unittest import mock

from meldcode import Meldcode, Plugin, VersionError


class LoaderTest(unittest.TestCase):
    def assert_load_fails(self, path: str, code: str, *mentioned: str) -> None:
        with self.assertRaises(VersionError) as caught:
            Plugin(path)
        self.assertEqual(caught.exception.code, code)
        for text in mentioned:
            self.assertIn(text, caught.exception.message)

    def test_a_missing_file_is_named(self):
        self.assert_load_fails("/nonexistent/libmeldcode.so", "plugin_not_found",
                               "/nonexistent/libmeldcode.so")

    def test_a_default_name_the_dynamic_loader_does_not_find(self):
        # No MELDCODE_PLUGIN and no installed library: the loader searched and found no file.
        environ = {k: v for k, v in os.environ.items() if k != "MELDCODE_PLUGIN"}
        with mock.patch.dict(os.environ, environ, clear=True), \
                mock.patch("meldcode._native.DEFAULT_PLUGIN", "libmeldcode-absent.so.1"):
            self.assert_load_fails(None, "plugin_not_found", "libmeldcode-absent.so.1",
                                   "MELDCODE_PLUGIN")

    def test_a_file_that_is_not_a_library(self):
        self.assert_load_fails(__file__, "plugin_not_loadable", __file__)

    def test_a_library_that_is_not_a_meldcode_plugin(self):
        self.assert_load_fails("libm.so.6", "missing_symbol", "mc_abi_version",
                               "not a meldcode plugin")

    def test_a_plugin_built_for_another_abi(self):
        self.assert_load_fails(os.environ["MELDCODE_FAKE_PLUGIN"], "abi_mismatch",
                               "implements ABI 2.0", "built for ABI 1.")

    def test_the_plugin_is_found_through_the_environment(self):
        self.assertEqual(Plugin().path, os.environ["MELDCODE_PLUGIN"])
        with mock.patch.dict(os.environ, {"MELDCODE_PLUGIN": "/nonexistent/from-env.so"}):
            self.assert_load_fails(None, "plugin_not_found", "/nonexistent/from-env.so")
            with self.assertRaises(VersionError):
                Meldcode({"store_path": "never-created.db"})


if __name__ == "__main__":
    unittest.main()
