"""meldcode-admin backup beside a live meldcoded, and the restore procedure of
docs/backup-and-restore.md, run as written (its paths moved into a temporary
folder; systemctl is the test's own stop and start; runuser and install's
owner options are dropped: the service user is the package's).

A restored store opens with its key ring, a concern's content reads back and
its audit chain verifies; with another key ring, or without one, it is
refused clearly and stays as it was."""
import hashlib
import json
import os
import re
import stat
import subprocess
import threading
import unittest

from sidecar_harness import (ADMIN, MELDCODED, PLUGIN, ROOT, E2ETestCase, Sidecar, free_port,
                             meldcoded_config)
from e2e_test import TECH, submission, ticket

DOC = os.path.join(ROOT, "docs", "backup-and-restore.md")
SECRET = "backup-test-observation-7f3a"


def doc_blocks():
    """The doc's sh blocks, in order."""
    with open(DOC, encoding="utf-8") as f:
        return re.findall(r"^```sh checked-by=tests/rest/backup_test.py\n(.*?)^```$", f.read(),
                          re.S | re.M)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class BackupTest(E2ETestCase):
    def setUp(self):
        plain = {n: meldcoded_config.new_token() for n in ("tech", "officer", "erp")}
        entry = meldcoded_config.token_entry
        self.tok = plain
        self.mc = Sidecar([entry(plain["tech"], actor={"id": TECH, "role": "observer"}),
                           entry(plain["officer"], actor={"id": "af-1", "role": "officer"}),
                           entry(plain["erp"], integration={"id": "erp", "acts_for": [
                               {"role": "observer", "actors": [TECH]}]})]).start()
        self.addCleanup(self.mc.stop)
        # The paths of the doc, moved into this test's folder.
        self.etc = os.path.join(self.mc.dir, "etc")
        self.var = os.path.join(self.mc.dir, "var")
        os.makedirs(self.etc)
        os.makedirs(os.path.join(self.var, "backups", "meldcode"))
        os.symlink(self.mc.config_path, os.path.join(self.etc, "meldcoded.json"))
        self.bin = os.path.join(self.mc.dir, "bin")
        os.makedirs(self.bin)
        os.symlink(ADMIN, os.path.join(self.bin, "meldcode-admin"))

    def concern(self, n):
        """A ticket closed and a submission with SECRET on it; the concern's ref."""
        _, _, prompt = self.mc.request("POST", "/v1/tickets/closed", self.tok["erp"], ticket(n))
        status, _, receipt = self.mc.request(
            "POST", "/v1/submissions", self.tok["tech"],
            dict(submission("backup-%04d" % n, prompt_token=prompt["prompt_token"]),
                 observations=SECRET))
        self.assertEqual(status, 201)
        return receipt["submission_ref"]

    def run_block(self, text):
        """A block of the doc, in bash, on this test's paths."""
        text = (text.replace("/etc/meldcode/", self.etc + "/")
                .replace("/var/lib/meldcode/", os.path.dirname(self.mc.store) + "/")
                .replace("/var/backups/", os.path.join(self.var, "backups") + "/"))
        # The service user and owners are the package's (tests/install/package_test.py).
        prelude = ("set -e\nsystemctl() { :; }\nrunuser() { shift 3; \"$@\"; }\n"
                   "install() { command install $(printf '%s\\n' \"$@\" | sed '/^-[og]$/,+1d'); }\n")
        return subprocess.run(["bash", "-c", prelude + text], capture_output=True, text=True,
                              env=dict(os.environ, PATH=self.bin + ":" + os.environ["PATH"]))

    def admin(self, *args):
        return subprocess.run([ADMIN, *args, "--plugin", PLUGIN], capture_output=True, text=True)

    def test_a_backup_taken_beside_a_busy_sidecar_restores_opens_decrypts_and_verifies(self):
        refs = [self.concern(n) for n in range(1, 4)]
        # Submissions keep coming while the backup runs.
        stop = threading.Event()
        more = []

        def writer():
            n = 100
            while not stop.is_set():
                more.append(self.concern(n))
                n += 1
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            backup, restore = doc_blocks()
            result = self.run_block(backup)
        finally:
            stop.set()
            thread.join()
        self.assertEqual(result.returncode, 0, result.stderr)
        folder = os.path.join(self.var, "backups", "meldcode", "nightly-1")
        # With meldcoded's configuration its own files come along: a restore
        # without them would lose undelivered events, open orders, accounts.
        state = os.path.dirname(self.mc.store)
        sidecar_files = [f for f in ("accounts.db", "host_orders.db", "webhooks.db")
                         if os.path.exists(os.path.join(state, f))]
        self.assertIn("host_orders.db", sidecar_files)
        self.assertEqual(sorted(os.listdir(folder)),
                         sorted(["meldcode.db", "meldcode.keys"] + sidecar_files))
        self.assertEqual(stat.S_IMODE(os.stat(folder).st_mode), 0o700)
        for name in ["meldcode.db", "meldcode.keys"] + sidecar_files:
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode), 0o600)
        self.assertGreater(len(more), 0)
        # The sidecar went on: it still takes tickets.
        self.concern(999)
        # A second backup into the same folder is refused; the first stays.
        before = sha256(os.path.join(folder, "meldcode.db"))
        again = self.run_block(backup)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("exists and is not an empty folder", again.stderr)
        self.assertEqual(sha256(os.path.join(folder, "meldcode.db")), before)

        # The restore, as the doc says, over the store (the service stopped).
        self.mc.stop()
        os.unlink(os.path.join(self.etc, "meldcoded.json"))
        with open(self.mc.config_path) as f:
            config = json.load(f)
        config["plugin"]["keys"]["file"] = os.path.join(self.etc, "meldcode.keys")
        with open(os.path.join(self.etc, "meldcoded.json"), "w") as f:
            json.dump(config, f)
        result = self.run_block(restore)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn('"ok":true', result.stdout)  # audit-verify, in the doc

        # The restored store opens with its key ring and serves again: the
        # submissions acknowledged before the backup read back, decrypted.
        self.assertGreaterEqual(self.read_concerns().count(SECRET), len(refs))

        # With another key ring, or none, it is refused clearly and unchanged.
        store = self.mc.store
        keys = os.path.join(self.etc, "meldcode.keys")
        fingerprint = sha256(store)
        meldcoded_config.write_private(keys, json.dumps(
            {"active": "k1", "keys": {"k1": os.urandom(32).hex()}}))
        verify = self.admin("audit-verify", "--config", os.path.join(self.etc, "meldcoded.json"))
        self.assertEqual(verify.returncode, 2)
        self.assertIn("key_mismatch", verify.stderr)
        self.assertIn("is not the key this store was written with", verify.stderr)
        os.unlink(keys)
        verify = self.admin("audit-verify", "--config", os.path.join(self.etc, "meldcoded.json"))
        self.assertEqual(verify.returncode, 2)
        self.assertIn("unreadable_key_file", verify.stderr)
        self.assertEqual(sha256(store), fingerprint)

    def test_a_backup_without_its_key_ring_or_store_is_refused_and_leaves_nothing(self):
        plugin = os.path.join(self.mc.dir, "plugin.json")
        with open(self.mc.config_path) as f:
            config = json.load(f)["plugin"]
        for broken, message in (
                (dict(config, keys={"file": config["keys"]["file"] + ".absent"}),
                 "cannot read the key ring file"),
                (dict(config, keys={"env": "MELDCODE_TEST_NO_SUCH_VARIABLE"}),
                 "MELDCODE_TEST_NO_SUCH_VARIABLE (keys.env) is not set"),
                (dict(config, store_path=config["store_path"] + ".absent"),
                 "cannot open the store")):
            with self.subTest(message):
                with open(plugin, "w") as f:
                    json.dump(broken, f)
                folder = os.path.join(self.mc.dir, "refused")
                result = self.admin("backup", folder, "--config", plugin)
                self.assertEqual(result.returncode, 2)
                self.assertIn(message, result.stderr)
                self.assertFalse(os.path.exists(folder))
                self.assertFalse(os.path.exists(config["store_path"] + ".absent"))

    def test_a_key_ring_from_the_environment_goes_into_the_backup(self):
        with open(self.mc.config_path) as f:
            config = json.load(f)["plugin"]
        with open(config["keys"]["file"]) as f:
            ring = f.read()
        plugin = os.path.join(self.mc.dir, "plugin.json")
        with open(plugin, "w") as f:
            json.dump(dict(config, keys={"env": "MELDCODE_TEST_KEYS"}), f)
        folder = os.path.join(self.mc.dir, "from-env")
        result = subprocess.run([ADMIN, "backup", folder, "--config", plugin], capture_output=True,
                                text=True, env=dict(os.environ, MELDCODE_TEST_KEYS=ring))
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(folder, "meldcode.keys")) as f:
            self.assertEqual(f.read(), ring)

    def read_concerns(self):
        """Every concern of the restored store, as the officer reads them from
        a meldcoded started on the restored configuration, as JSON text."""
        config_path = os.path.join(self.etc, "meldcoded.json")
        with open(config_path) as f:
            config = json.load(f)
        config["listen"]["port"] = free_port()
        with open(config_path, "w") as f:
            json.dump(config, f)
        self.mc.config_path, self.mc.port = config_path, config["listen"]["port"]
        with open(self.mc.log_path, "a") as log:  # stop() checks it for sanitizer reports
            self.mc.process = subprocess.Popen([MELDCODED, "--config", config_path],
                                               stdout=subprocess.PIPE, stderr=log, text=True)
        self.assertIn("listening on", self.mc.process.stdout.readline())
        try:
            status, _, page = self.mc.request("GET", "/v1/concerns?limit=100",
                                              self.tok["officer"])
            self.assertEqual(status, 200)
            return json.dumps([self.mc.request("GET", "/v1/concerns/" + c["concern_ref"],
                                               self.tok["officer"])[2] for c in page["items"]])
        finally:
            self.mc.stop()


if __name__ == "__main__":
    unittest.main()
