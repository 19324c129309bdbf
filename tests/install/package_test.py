"""The Debian package (cmake/Package.cmake, docs/debian-package.md): built with
CPack's DEB generator, inspected, and, as root, installed on this machine,
run, and purged again.

As root it installs the package, starts meldcoded from the installed files the
way the unit does (systemd does not run here: the unit's ExecStart command
line, as the unit's user), takes a ticket through it over HTTP with the
packaged configuration, stops it, and purges the package, leaving the
machine as it was. Not as root it says so and checks the package only.

    package_test.py BUILD_DIR
"""
import fcntl
import glob
import grp
import hashlib
import http.client
import json
import os
import pwd
import re
import shlex
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone

BUILD = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = "usr/lib/systemd/system/meldcoded.service"
HARDENING = ["User=meldcode", "ProtectSystem=strict", "NoNewPrivileges=true", "PrivateTmp=true",
             "ProtectHome=true", "StateDirectory=meldcode", "ReadWritePaths=/var/lib/meldcode",
             "CapabilityBoundingSet=", "UMask=0077"]
FILES = ["usr/bin/meldcoded", "usr/bin/meldcode-admin", "usr/lib/libmeldcode.so.1",
         "usr/include/meldcode/meldcode.h", "usr/include/meldcode/meldcode_extension.h",
         "usr/include/meldcode/meldcode.hpp", "usr/share/meldcode/schemas/openapi.yaml",
         "usr/share/meldcode/schemas/ticket.schema.json",
         "usr/share/meldcode/schemas/sidecar/meldcoded_config.schema.json",
         "usr/share/meldcode/meldcoded.json", "usr/share/doc/meldcode/backup-and-restore.md",
         "usr/lib/pkgconfig/meldcode.pc", UNIT]


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


_reserved_ports = []  # the sockets that keep free_port()'s ports ours


def free_port():
    """A loopback port no other process gets while this one runs: a socket stays
    bound to it (SO_REUSEADDR, never listening), and meldcoded, which sets
    SO_REUSEADDR too, listens on it (tests/rest/sidecar_harness.py alike)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    _reserved_ports.append(s)
    return s.getsockname()[1]


def machine_state():
    """What installing and purging may touch, to compare before and after."""
    return {"user": any(p.pw_name == "meldcode" for p in pwd.getpwall()),
            "group": any(g.gr_name == "meldcode" for g in grp.getgrall()),
            "paths": {p: os.path.lexists(p) for p in ("/etc/meldcode", "/var/lib/meldcode",
                                                      "/usr/bin/meldcoded", "/" + UNIT)},
            "package": subprocess.run(["dpkg-query", "-W", "meldcode"],
                                      capture_output=True).returncode == 0}


# The environment the service starts with: as bare as systemd's. Only the
# clock the suite may run under goes along (scripts/test-clock-ahead runs it
# under datefudge, which preloads itself from its own library folder), so that
# the service and the test agree on what "now" is.
CLOCK_VARIABLES = ("LD_PRELOAD", "LD_LIBRARY_PATH", "DATEFUDGE", "DATEFUDGE_DOSTATIC")


def service_environment():
    bare = {"PATH": "/usr/bin:/bin"}
    if "DATEFUDGE" not in os.environ:
        return bare
    return {**bare, **{name: os.environ[name] for name in CLOCK_VARIABLES if name in os.environ}}


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="meldcode-package-")
        # docs/debian-package.md's block, as written, with build/ this build.
        with open(os.path.join(ROOT, "docs", "debian-package.md"), encoding="utf-8") as f:
            (block,) = re.findall(r"^```sh checked-by=tests/install/package_test.py\n(.*?)^```$",
                                  f.read(), re.S | re.M)
        os.symlink(BUILD, os.path.join(cls.work, "build"))
        start = time.monotonic()
        run("bash", "-ec", block, cwd=cls.work)
        print("package built in %.1f s" % (time.monotonic() - start), file=sys.stderr)
        (built,) = glob.glob(os.path.join(BUILD, "meldcode_*.deb"))
        cls.deb = os.path.join(cls.work, os.path.basename(built))
        os.rename(built, cls.deb)
        cls.tree = os.path.join(cls.work, "tree")
        run("dpkg-deb", "-x", cls.deb, cls.tree)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["rm", "-rf", cls.work], check=True)

    def test_info_names_dependencies_and_maintainer_scripts(self):
        info = run("dpkg-deb", "--info", self.deb)
        self.assertIn("Package: meldcode", info)
        depends = next(line for line in info.splitlines() if line.startswith(" Depends:"))
        for library in (
            "libsodium23", "libsqlite3-0", "libssl3", "libtcmalloc-minimal4", "passwd"
        ):
            self.assertIn(library, depends)
        for script in ("postinst", "prerm", "postrm"):
            self.assertIn(script, info)

    def test_contents_hold_the_programs_headers_contract_and_unit(self):
        contents = run("dpkg-deb", "--contents", self.deb)
        for path in FILES:
            self.assertIn("./" + path + "\n", contents.replace(" -> ", "\n"), path)
        self.assertNotIn("examples", contents)  # the schemas' test examples stay out

    def test_the_unit_is_hardened_and_runs_the_installed_sidecar(self):
        with open(os.path.join(self.tree, UNIT)) as f:
            lines = f.read().splitlines()
        for line in HARDENING:
            self.assertIn(line, lines)
        self.assertIn("ExecStart=/usr/bin/meldcoded --config /etc/meldcode/meldcoded.json", lines)
        # systemd's own reading of it (offline: systemd does not run here).
        out = subprocess.run(["systemd-analyze", "security", "--offline=true",
                              "--no-pager", os.path.join(self.tree, UNIT)],
                             capture_output=True, text=True)
        score = [w for w in out.stdout.split() if w.replace(".", "").isdigit()]
        print("systemd-analyze security: " + out.stdout.strip().splitlines()[-1], file=sys.stderr)
        self.assertTrue(score and float(score[-1]) <= 2.0, out.stdout[-400:])

    def test_no_file_names_a_build_or_source_path(self):
        needles = [BUILD.encode(), ROOT.encode()]
        for folder, _, names in os.walk(self.tree):
            for name in names:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                for needle in needles:
                    self.assertNotIn(needle, data, os.path.relpath(path, self.tree))

    @unittest.skipUnless(os.geteuid() == 0,
                         "not root: the package is built and inspected, not installed")
    def test_installed_it_takes_a_ticket_and_purges_cleanly(self):
        # One package test at a time on this machine (other worktrees' CI).
        with open("/tmp/meldcode-package-test.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            before = machine_state()
            self.assertEqual(before, {"user": False, "group": False, "package": False,
                                      "paths": {p: False for p in before["paths"]}},
                             "this machine already has meldcode: not touching it")
            try:
                run("dpkg", "-i", self.deb)
                self.installed()
            finally:
                subprocess.run(["dpkg", "--purge", "meldcode"], capture_output=True)
            self.assertEqual(machine_state(), before)

    def installed(self):
        # What the maintainer scripts made: the user, the folders, the key ring.
        user = pwd.getpwnam("meldcode")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        for path, mode, owner in (("/etc/meldcode", 0o750, "root"),
                                  ("/etc/meldcode/meldcoded.json", 0o640, "root"),
                                  ("/etc/meldcode/meldcode.keys", 0o600, "meldcode"),
                                  ("/var/lib/meldcode", 0o700, "meldcode")):
            info = os.stat(path)
            self.assertEqual((stat.S_IMODE(info.st_mode), pwd.getpwuid(info.st_uid).pw_name),
                             (mode, owner), path)
            self.assertEqual(grp.getgrgid(info.st_gid).gr_name, "meldcode", path)
        # Installed again (an upgrade): the key ring and the configuration stay.
        with open("/etc/meldcode/meldcode.keys", "rb") as f:
            ring = f.read()
        run("dpkg", "-i", self.deb)
        with open("/etc/meldcode/meldcode.keys", "rb") as f:
            self.assertEqual(f.read(), ring)
        # The operator adds a token and moves the port (a free one here).
        token = "mct_" + os.urandom(24).hex()
        with open("/etc/meldcode/meldcoded.json") as f:
            config = json.load(f)
        config["listen"]["port"] = port = free_port()
        config["tokens"] = [{"sha256": hashlib.sha256(token.encode()).hexdigest(),
                             "integration": {"id": "erp", "acts_for": [
                                 {"role": "observer", "actors": ["*"]}]}}]
        with open("/etc/meldcode/meldcoded.json", "w") as f:
            json.dump(config, f)
        # The unit's own command lines, as its user.
        with open("/" + UNIT) as f:
            unit = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line
                        and not line.startswith("#"))
        as_service = ["setpriv", "--reuid=meldcode", "--regid=meldcode", "--init-groups",
                      "--no-new-privs"]
        run(*as_service, *shlex.split(unit["ExecStartPre"]), cwd="/")
        log = open(os.path.join(self.work, "meldcoded.log"), "w")
        self.addCleanup(log.close)
        sidecar = subprocess.Popen(as_service + shlex.split(unit["ExecStart"]), cwd="/",
                                   stdout=subprocess.PIPE, stderr=log, text=True,
                                   env=service_environment(),
                                   preexec_fn=lambda: os.umask(0o077))  # the unit's UMask
        try:
            self.assertIn("listening on", sidecar.stdout.readline())
            self.take_a_ticket(port, token)
            self.back_up_beside_the_service()
            store = os.stat("/var/lib/meldcode/meldcode.db")
            self.assertEqual(pwd.getpwuid(store.st_uid).pw_name, "meldcode")
            self.assertEqual(stat.S_IMODE(store.st_mode), 0o600)
        finally:
            sidecar.terminate()
            sidecar.wait(timeout=60)
            sidecar.stdout.close()
        # The installed meldcode-admin finds the installed plugin by itself.
        verify = run("setpriv", "--reuid=meldcode", "--regid=meldcode", "--init-groups",
                     "/usr/bin/meldcode-admin", "audit-verify", "--config",
                     "/etc/meldcode/meldcoded.json", cwd="/")
        self.assertIn('"ok":true', verify)

    def back_up_beside_the_service(self):
        """docs/backup-and-restore.md's nightly backup, as written but for the
        backup folder (here in this test's folder), beside the running service;
        root is refused (SQLite's files must stay the service user's)."""
        with open(os.path.join(ROOT, "docs", "backup-and-restore.md"), encoding="utf-8") as f:
            block = re.findall(r"^```sh checked-by=tests/rest/backup_test.py\n(.*?)^```$",
                               f.read(), re.S | re.M)[0]
        os.chmod(self.work, 0o711)  # the service user passes through to its folder
        run("bash", "-ec", block.replace("/var/backups/", self.work + "/"), cwd="/")
        folder = os.path.join(self.work, "meldcode", "nightly-1")
        for name in ("meldcode.db", "meldcode.keys"):
            info = os.stat(os.path.join(folder, name))
            self.assertEqual((pwd.getpwuid(info.st_uid).pw_name, stat.S_IMODE(info.st_mode)),
                             ("meldcode", 0o600), name)
        as_root = subprocess.run(["/usr/bin/meldcode-admin", "backup", folder + "-root", "--config",
                                  "/etc/meldcode/meldcoded.json"], capture_output=True, text=True)
        self.assertEqual(as_root.returncode, 2)
        self.assertIn("belongs to meldcode: run the backup as that user", as_root.stderr)
        self.assertFalse(os.path.exists(folder + "-root"))

    def take_a_ticket(self, port, token):
        closed_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        ticket = {"host_ticket_id": "WO-1", "unit_id": "VHE-000123", "work_type": "REP",
                  "entered_dwelling": True, "technician_id": "t-1042", "closed_at": closed_at}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/v1/tickets/closed", body=json.dumps(ticket),
                     headers={"Authorization": "Bearer " + token,
                              "Content-Type": "application/json",
                              "X-Acting-Role": "observer", "X-Acting-Actor": "t-1042"})
        response = conn.getresponse()
        prompt = json.loads(response.read())
        conn.close()
        self.assertEqual(response.status, 200, prompt)
        self.assertTrue(prompt["ask"])
        self.assertTrue(prompt["prompt_token"].startswith("p_"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
