"""Starts a real meldcoded on a free loopback port and talks to it over HTTP.

Each test's files (config, store, stderr log) go to a /tmp/meldcoded-test-*
directory from new_workdir(); they are removed when the run ends, unless a test
of an E2ETestCase failed: then they are kept for their logs, and named.

With $MELDCODE_TEST_POSTGRES set (CTest's fixture "postgres"), each sidecar's
plugin keeps its store in a PostgreSQL schema of its own instead, and the
sidecar its own files in its directory (state_dir).

Every exchange is appended to $MELDCODED_EXCHANGES (JSON lines) when set, so
that check_openapi_responses.mjs can validate each real response against
schemas/openapi.yaml.
"""
import atexit
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import meldcoded_config  # noqa: E402  (the one place configs are made)

BUILD = os.environ.get("MELDCODE_BUILD_DIR", os.path.join(ROOT, "build"))
MELDCODED = os.path.join(BUILD, "host_adapters", "rest", "meldcoded")
PLUGIN = os.path.join(BUILD, "plugins", "meldcode", "libmeldcode.so")
ADMIN = os.path.join(BUILD, "host_adapters", "cli", "meldcode-admin")


EXCHANGES = os.environ.get("MELDCODED_EXCHANGES")
_record_lock = threading.Lock()  # the shutdown test records from several threads
if EXCHANGES:
    open(EXCHANGES, "w").close()  # each run records afresh


_workdirs = []
_failed = []  # a test failed: keep the directories for their logs


def new_workdir():
    """A fresh temporary directory, removed at the end of a run that passed."""
    path = tempfile.mkdtemp(prefix="meldcoded-test-")
    _workdirs.append(path)
    return path


@atexit.register
def _remove_workdirs():
    if _failed:
        if _workdirs:
            print("kept for their logs: " + " ".join(_workdirs), file=sys.stderr)
        return
    for path in _workdirs:
        shutil.rmtree(path, ignore_errors=True)


class E2ETestCase(unittest.TestCase):
    """Notes a failed or erroring test, so that its logs are kept."""

    def run(self, result=None):
        result = super().run(result)
        if result is not None and not result.wasSuccessful():
            _failed.append(self.id())
        return result


POSTGRES_STATE = os.environ.get("MELDCODE_TEST_POSTGRES")  # the CTest fixture's cluster
PSQL = "/usr/lib/postgresql/15/bin/psql"


def postgres_store(workdir):
    """A schema of its own in the fixture's cluster (dropped at exit), and the
    plugin's "store" for it; the key ring stays in `workdir`."""
    with open(POSTGRES_STATE) as f:
        conninfo = "host=%s user=postgres dbname=postgres" % f.read().strip()
    schema = "t_" + os.path.basename(workdir).replace("-", "_")
    psql = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo, "-c"]
    subprocess.run(psql + ["CREATE SCHEMA " + schema], check=True, capture_output=True)
    atexit.register(subprocess.run, psql + ["DROP SCHEMA %s CASCADE" % schema],
                    capture_output=True)
    return {"postgresql": "%s options='-c search_path=%s'" % (conninfo, schema)}


_reserved_ports = []  # the sockets that keep free_port()'s ports ours


def free_port():
    """A loopback port no other process gets while this one runs. A socket stays
    bound to it (SO_REUSEADDR, never listening): the kernel gives it to nobody's
    bind(0), while a server that sets SO_REUSEADDR too (meldcoded, Python's
    HTTPServer, Node) may listen on it; until one does, connecting is refused as
    to any closed port. (A port merely found free was now and then taken by a
    parallel test before the server bound it.)"""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    _reserved_ports.append(s)
    return s.getsockname()[1]


class Sidecar:
    """One meldcoded process with its own config, store and stderr log."""

    def __init__(self, tokens, limits=None, workdir=None, extra=None, max_files=None, port=None):
        self.dir = workdir or new_workdir()
        self.store = os.path.join(self.dir, "meldcode.db")
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.tokens = tokens
        self.limits = limits
        self.extra = extra
        self.max_files = max_files  # RLIMIT_NOFILE for the process, soft and hard
        self.process = None
        self.fixed_port = port  # a port chosen beforehand (a redirect URI names it)

    def start(self):
        self.port = self.fixed_port or free_port()
        config = meldcoded_config.sidecar_config(PLUGIN, self.store, self.tokens,
                                                 self.port, self.limits, self.extra)
        if POSTGRES_STATE:
            self.on_postgres(config)
        self.config_path = os.path.join(self.dir, "meldcoded.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        with open(self.log_path, "a") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen([MELDCODED, "--config", self.config_path],
                                            stdout=subprocess.PIPE, stderr=log, text=True,
                                            preexec_fn=self._limit_files)
        line = self.process.stdout.readline()
        if "listening on" in line:
            self.url = line.split("listening on ")[1].strip()
            return self
        self.process.wait()
        self.process.stdout.close()
        raise RuntimeError("meldcoded did not start; see " + self.log_path)

    def on_postgres(self, config):
        """The plugin's store in PostgreSQL; the sidecar's own files in this directory."""
        if not hasattr(self, "postgres"):
            self.postgres = postgres_store(self.dir)
        del config["plugin"]["store_path"]
        config["plugin"]["store"] = self.postgres
        config["state_dir"] = self.dir

    def _limit_files(self):
        if self.max_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.max_files, self.max_files))

    def resident_bytes(self):
        """The process's resident memory now (VmRSS)."""
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self):
        """User and system CPU time the process has used so far."""
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
            self.process.stdout.close()
        self.check_sanitizers()
        return self.process.returncode

    def check_sanitizers(self):
        """Under scripts/sanitize a report goes to this sidecar's log: fail on it."""
        text = self.log_text()
        for marker in ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                       "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                raise AssertionError("sanitizer report in " + self.log_path)

    def requeue_dead_letters(self):
        """Runs `meldcoded --requeue-dead-letters` on this sidecar's
        configuration, as an operator would; returns the finished process."""
        return subprocess.run([MELDCODED, "--requeue-dead-letters", "--config", self.config_path],
                              capture_output=True, text=True)

    def audit_rows(self, limit=500):
        """The newest rows of the store's audit trail, read after stop() by an
        auditor with meldcode-admin, as an operator would."""
        with open(self.config_path) as f:
            plugin_config = json.load(f)["plugin"]
        path = os.path.join(self.dir, "plugin.json")
        with open(path, "w") as f:
            json.dump(plugin_config, f)
        out = subprocess.run([ADMIN, "audit-list", "--config", path, "--plugin", PLUGIN,
                              "--actor", "e2e-auditor", "--role", "auditor",
                              "--limit", str(limit)],
                             check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, token=None, body=None, headers=None, raw=None, recorded=True):
        """Returns (status, headers dict with lower-case names, parsed body or text).
        A header that comes more than once (Set-Cookie) has its values joined by "\n"."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        text = r.read().decode()
        conn.close()
        rh = {}
        for k, v in r.getheaders():
            rh[k.lower()] = rh[k.lower()] + "\n" + v if k.lower() in rh else v
        ctype = rh.get("content-type", "")
        parsed = json.loads(text) if "json" in ctype and text else text
        if recorded:
            record(method, path, r.status, ctype, parsed)
        return r.status, rh, parsed


def start_webhook_receiver(port, secret, record_path, tls=()):
    """tests/rest/webhook_receiver.py on 127.0.0.1:port, once it accepts
    connections: it verifies every delivery with the documented code and
    records it in record_path. Returns the process (terminate it)."""
    receiver = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "rest", "webhook_receiver.py"),
         "--port", str(port), "--secret", secret, "--record", record_path,
         "--doc", os.path.join(ROOT, "docs", "webhooks.md")] + (["--tls", *tls] if tls else []))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # ready when it accepts a connection
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return receiver
        except OSError:
            time.sleep(0.05)
    receiver.terminate()
    raise RuntimeError("the webhook receiver did not start")


def record(method, path, status, content_type, body):
    if not EXCHANGES:
        return
    with _record_lock, open(EXCHANGES, "a") as f:
        f.write(json.dumps({"method": method, "path": path.split("?")[0], "status": status,
                            "content_type": content_type, "body": body}) + "\n")
