"""The listener's limits, each attacked against a live meldcoded (issue 15):
under every attack the sidecar's resident memory stays within a bound and a
normal request from another client still succeeds. The attacks are those
measured against the cpprestsdk listener (cf5cdda), where each of these tests
fails: a 200 MB header line, chunks declaring terabytes, a declared
Content-Length with no body, half request heads on every descriptor, method
names as metric labels, pipelined requests."""
import json
import os
import resource
import socket
import subprocess
import threading
import time
import unittest

from sidecar_harness import MELDCODED, PLUGIN, E2ETestCase, Sidecar, meldcoded_config, new_workdir

MB = 1024 * 1024
# Resident memory an attack may add at most (issue 15: "e.g. +50 MB").
MEMORY_BOUND = 50 * MB
LIMITS = {"max_body_bytes": 65536, "max_header_bytes": 16384, "head_timeout_seconds": 2,
          "body_timeout_seconds": 2, "idle_timeout_seconds": 2, "auth_failures": 100000}


# A fixed pool of handler threads: each one's stack is touched at its first
# request, a one-time cost (under TSan about 1.7 MB of shadow each, 110 MB for
# the default 64) that is not memory an attack makes grow. These tests bound
# what an attack adds, so they run with a pool the size of the HTTP threads'.
HANDLERS = {"handler_threads": 4}


def tokens():
    token = meldcoded_config.new_token()
    return token, [meldcoded_config.token_entry(token, actor={"id": "t-1", "role": "observer"})]


class MemoryWatch:
    """Samples the sidecar's resident memory while an attack runs."""

    def __init__(self, sidecar):
        self.sidecar = sidecar
        self.before = sidecar.resident_bytes()
        self.peak = self.before
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def sample(self):
        while not self.done.wait(0.02):
            self.peak = max(self.peak, self.sidecar.resident_bytes())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def grew(self):
        return self.peak - self.before


def connect(sidecar, timeout=10):
    return socket.create_connection(("127.0.0.1", sidecar.port), timeout=timeout)


def read_answer(s, timeout=10):
    """The next answer (head and a Content-Length body) as (status, head text, body
    bytes), or (None, "", b"") when the connection closed without one. Reads
    through one buffered reader per socket, so pipelined answers are not lost."""
    s.settimeout(timeout)
    reader = READERS.setdefault(s, s.makefile("rb"))
    try:
        lines = [reader.readline()]
        while lines[-1] not in (b"\r\n", b""):
            lines.append(reader.readline())
        if lines[-1] == b"":
            return None, "", b""
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        head = b"".join(lines).decode("latin-1")
        body = reader.read(length) if length and not head.startswith("HTTP/1.1 204") else b""
    except ConnectionResetError:
        return None, "", b""
    return int(head.split()[1]), head, body


READERS = {}


def closed_by_peer(s, within):
    """Seconds until the sidecar closed the connection, or None if it did not within `within`."""
    start = time.monotonic()
    s.settimeout(within)
    try:
        while True:
            part = s.recv(65536)
            if not part:
                return time.monotonic() - start
    except socket.timeout:
        return None
    except ConnectionResetError:
        return time.monotonic() - start


class LimitsCase(E2ETestCase):
    """One sidecar with small limits and short deadlines for a class's tests."""

    EXTRA_LIMITS = {}
    MAX_FILES = None

    @classmethod
    def setUpClass(cls):
        cls.token, entries = tokens()
        cls.mc = Sidecar(entries, limits={**LIMITS, **cls.EXTRA_LIMITS},
                         max_files=cls.MAX_FILES, extra={"listen": HANDLERS}).start()

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()

    def assertOthersServed(self):
        """A normal request from another client still succeeds."""
        status, _, body = self.mc.request("GET", "/v1/catalog", self.token)
        self.assertEqual(status, 200, body)
        self.assertIsNone(self.mc.process.poll(), "the sidecar died")

    def head(self, path="/v1/tickets/closed", extra=""):
        return ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n%s\r\n" % (path, self.token, extra)).encode()


class SizeLimitTest(LimitsCase):
    # An answer "at once" is told from one at the body deadline by a margin no
    # stall of a loaded machine (or a sanitized sidecar) comes near.
    EXTRA_LIMITS = {"body_timeout_seconds": 20}

    def test_a_header_line_of_200_mb_is_431_after_the_limit_and_costs_no_memory(self):
        with MemoryWatch(self.mc) as memory:
            s = connect(self.mc)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Flood: ")
            sent = [0]

            def flood():
                line = b"a" * 65536
                try:
                    while sent[0] < 200 * MB:
                        s.sendall(line)
                        sent[0] += len(line)
                except OSError:
                    pass  # refused: the sidecar stopped reading

            sender = threading.Thread(target=flood)
            sender.start()
            status, head, body = read_answer(s)
            sender.join()
            s.close()
        self.assertEqual(status, 431, head)
        problem = json.loads(body)
        self.assertEqual((problem["code"], problem["title"]),
                         ("header_too_large", "Request Header Fields Too Large"))
        self.assertIn("connection: close", head.lower())
        # What the sidecar read and dropped after its answer (a lingering
        # close, so that the client reads the 431) is bounded too.
        self.assertLess(sent[0], 64 * MB, "the line was taken in")
        self.assertLess(memory.grew(), MEMORY_BOUND)
        self.assertOthersServed()

    def test_a_declared_length_over_the_limit_is_413_before_any_body_byte(self):
        s = connect(self.mc)
        start = time.monotonic()
        s.sendall(self.head(extra="Content-Length: 2400000\r\n"))
        status, head, body = read_answer(s, timeout=10)
        waited = time.monotonic() - start
        s.close()
        self.assertEqual(status, 413, head)
        self.assertEqual(json.loads(body)["code"], "body_too_large")
        self.assertIn("connection: close", head.lower())
        # Answered at once, not when the body deadline (20 s) passed.
        self.assertLess(waited, self.EXTRA_LIMITS["body_timeout_seconds"] / 2)
        self.assertOthersServed()

    def test_a_client_sending_a_body_over_the_limit_reads_the_413_not_a_broken_pipe(self):
        for size in (1200000, 2400000):
            s = connect(self.mc)
            s.sendall(self.head(extra="Content-Length: %d\r\n" % size))
            sender = threading.Thread(target=self.send_quietly, args=(s, b"x" * size))
            sender.start()
            status, head, _ = read_answer(s)
            sender.join()
            s.close()
            self.assertEqual(status, 413, "size %d: %s" % (size, head))
        self.assertOthersServed()

    @staticmethod
    def send_quietly(s, data):
        try:
            s.sendall(data)
        except OSError:
            pass  # the sidecar closed after its answer

    def test_chunks_declaring_terabytes_are_413_at_their_size_line(self):
        with MemoryWatch(self.mc) as memory:
            conns = [connect(self.mc) for _ in range(3)]
            for s in conns:
                s.sendall(self.head(extra="Transfer-Encoding: chunked\r\n") + b"ffffffffff\r\n")
            answers = [read_answer(s) for s in conns]
            for s in conns:
                s.close()
        for status, head, body in answers:
            self.assertEqual(status, 413, head)
            self.assertEqual(json.loads(body)["code"], "body_too_large")
        self.assertLess(memory.grew(), MEMORY_BOUND)
        self.assertOthersServed()

    def test_a_chunk_passing_the_limit_after_small_ones_is_refused_at_its_size_line(self):
        s = connect(self.mc)
        s.sendall(self.head(extra="Transfer-Encoding: chunked\r\n") +
                  b"8000\r\n" + b"x" * 0x8000 + b"\r\n" + b"9000\r\n")
        status, head, _ = read_answer(s)
        s.close()
        self.assertEqual(status, 413, head)  # 0x8000 + 0x9000 > 65536; no byte of it sent
        self.assertOthersServed()


class DeadlineTest(LimitsCase):
    # Far longer than the head's (2 s): the two are told apart with seconds to
    # spare, however slowly a loaded machine closes a connection.
    EXTRA_LIMITS = {"idle_timeout_seconds": 8}

    def test_half_a_head_is_closed_at_the_head_deadline(self):
        s = connect(self.mc)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        waited = closed_by_peer(s, within=10)
        s.close()
        self.assertIsNotNone(waited, "the connection stayed open")
        self.assertGreaterEqual(waited, LIMITS["head_timeout_seconds"] - 0.5)
        self.assertOthersServed()

    def test_a_head_sent_a_byte_at_a_time_is_closed_at_the_head_deadline(self):
        s = connect(self.mc)
        start = time.monotonic()
        try:
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                s.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass  # closed while still sending
        self.assertLess(time.monotonic() - start, self.EXTRA_LIMITS["idle_timeout_seconds"])
        s.close()

    def test_a_declared_body_that_does_not_come_is_closed_at_the_body_deadline(self):
        s = connect(self.mc)
        s.sendall(self.head(extra="Content-Length: 100\r\n") + b"{")
        waited = closed_by_peer(s, within=10)
        s.close()
        self.assertIsNotNone(waited, "the connection stayed open")
        self.assertOthersServed()

    def test_a_connection_that_sends_nothing_is_closed_at_the_head_deadline(self):
        s = connect(self.mc)
        waited = closed_by_peer(s, within=20)
        s.close()
        self.assertIsNotNone(waited, "the silent connection stayed open")
        self.assertLess(waited, self.EXTRA_LIMITS["idle_timeout_seconds"] - 1)

    def test_an_idle_keep_alive_connection_is_closed_at_the_idle_deadline(self):
        s = connect(self.mc)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _ = read_answer(s)
        self.assertEqual(status, 200)
        waited = closed_by_peer(s, within=20)
        s.close()
        self.assertIsNotNone(waited, "the idle connection stayed open")
        self.assertGreaterEqual(waited, self.EXTRA_LIMITS["idle_timeout_seconds"] - 0.5)


class ConnectionCapTest(LimitsCase):
    """200 descriptors for the whole process, and 200 connections each sending
    half a request head: the listener lowers its cap to fit, holds the rest
    back unaccepted (no spin on EMFILE) and frees slots at the head deadline."""

    MAX_FILES = 200

    def test_half_heads_on_every_descriptor_neither_spin_nor_starve_the_others(self):
        _, _, metrics = self.mc.request("GET", "/metrics")
        cap = int(next(line.split()[1] for line in metrics.splitlines()
                       if line.startswith("meldcoded_connection_limit ")))
        self.assertLess(cap, self.MAX_FILES)
        cpu_before, wall_before = self.mc.cpu_seconds(), time.monotonic()
        with MemoryWatch(self.mc) as memory:
            held = []
            for _ in range(200):
                s = socket.create_connection(("127.0.0.1", self.mc.port), timeout=10)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                held.append(s)
            start = time.monotonic()
            time.sleep(1)
            # Waits for a slot (the head deadline frees them), then is served.
            status, _, _ = self.mc.request("GET", "/healthz")
            served_after = time.monotonic() - start
            for s in held:
                s.close()
        self.assertEqual(status, 200)
        self.assertLess(served_after, LIMITS["head_timeout_seconds"] * 3 + 2)
        # A spin on EMFILE burns a core for the whole wait; serving costs little.
        self.assertLess(self.mc.cpu_seconds() - cpu_before,
                        0.5 * (time.monotonic() - wall_before))
        self.assertLess(memory.grew(), MEMORY_BOUND)
        self.assertOthersServed()


# scripts/sanitize sets these: a sanitizer needs descriptors of its own
# (UBSan's vptr check opens a pipe to see whether memory is readable, and
# reports a false error when it cannot).
SANITIZED = any(name in os.environ for name in ("ASAN_OPTIONS", "TSAN_OPTIONS"))


@unittest.skipIf(SANITIZED, "sanitizers need descriptors of their own")
class OutOfDescriptorsTest(LimitsCase):
    """The descriptor limit lowered under a running sidecar, below its cap:
    accept fails with EMFILE, and the listener pauses instead of spinning."""

    def test_accept_failing_with_emfile_pauses_and_recovers(self):
        soft, hard = resource.prlimit(self.mc.process.pid, resource.RLIMIT_NOFILE)
        resource.prlimit(self.mc.process.pid, resource.RLIMIT_NOFILE, (120, hard))
        cpu_before, wall_before = self.mc.cpu_seconds(), time.monotonic()
        held = []
        for _ in range(200):  # the kernel's backlog takes those the sidecar cannot
            s = socket.create_connection(("127.0.0.1", self.mc.port), timeout=10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        time.sleep(LIMITS["head_timeout_seconds"] + 1)
        cpu = self.mc.cpu_seconds() - cpu_before
        wall = time.monotonic() - wall_before
        for s in held:
            s.close()
        self.assertLess(cpu, 0.5 * wall)  # a spin on EMFILE burns a core
        resource.prlimit(self.mc.process.pid, resource.RLIMIT_NOFILE, (soft, hard))
        _, _, metrics = self.mc.request("GET", "/metrics")
        errors = next(line for line in metrics.splitlines()
                      if line.startswith('meldcoded_http_refused_total{reason="accept_error"}'))
        self.assertGreater(int(errors.split()[1]), 0)
        self.assertOthersServed()


class PipelineAndMetricsTest(LimitsCase):
    def test_three_pipelined_requests_get_three_answers_in_order(self):
        s = connect(self.mc)
        s.sendall(b"".join(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-%d\r\n\r\n" % i
                           for i in range(3)))
        heads = [read_answer(s)[1].lower() for _ in range(3)]
        s.close()
        for i, head in enumerate(heads):
            self.assertTrue(head.startswith("http/1.1 200"), head)
            self.assertIn("x-request-id: pipe-%d" % i, head)

    def test_method_names_never_become_metric_labels(self):
        with MemoryWatch(self.mc) as memory:
            for i in range(300):
                s = connect(self.mc)
                s.sendall(b"M%04d%s /healthz HTTP/1.1\r\nHost: x\r\n\r\n" % (i, b"X" * 4000))
                read_answer(s)
                s.close()
        _, _, metrics = self.mc.request("GET", "/metrics")
        self.assertNotIn("XXXX", metrics)
        self.assertIn('method="other",route="/healthz",status="405"', metrics)
        self.assertLess(len(metrics), 64 * 1024)
        self.assertLess(memory.grew(), MEMORY_BOUND)

    def test_head_and_options_on_every_get_route(self):
        s = connect(self.mc)
        s.sendall(b"HEAD /v1/catalog HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
                  % self.token.encode())
        s.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        s.sendall(b"OPTIONS /v1/concerns/c_AAAA HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer %s\r\n\r\n" % self.token.encode())
        status, options, _ = read_answer(s)
        s.close()
        head, _, rest = head.decode().partition("\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)
        self.assertEqual(rest, "")  # no body, but the GET's length
        _, headers, _ = self.mc.request("GET", "/v1/catalog", self.token)
        self.assertIn("content-length: %s" % headers["content-length"], head.lower())
        self.assertEqual(status, 204)
        self.assertIn("allow: get, head, options", options.lower())
        status, headers, _ = self.mc.request("DELETE", "/v1/catalog", self.token)
        self.assertEqual((status, headers.get("allow")), (405, "GET, HEAD, OPTIONS"))


class AuditFloodTest(E2ETestCase):
    """Failed authentication and refused calls cost a bounded number of durable
    audit rows, however many requests an attacker sends."""

    def sidecar(self, limits, extra=None):
        token, entries = tokens()
        officer = meldcoded_config.new_token()
        entries.append(meldcoded_config.token_entry(officer, actor={"id": "af-1",
                                                                    "role": "officer"}))
        mc = Sidecar(entries, limits=limits, extra=extra).start()
        return mc, token, officer

    @staticmethod
    def actions(mc, prefix):
        return [r["action"] for r in mc.audit_rows() if r["action"].startswith(prefix)]

    @staticmethod
    def counts(mc):
        """The counts of the rows that stand for a window's attempts, newest first."""
        return [r["count"] for r in mc.audit_rows() if r["action"] == "authentication.failures"]

    def test_a_flood_of_bad_tokens_writes_one_row_per_address_and_window(self):
        mc, token, _ = self.sidecar({"auth_failures": 1000, "auth_window_seconds": 600})
        try:
            for i in range(300):
                # Without trusted proxies, X-Forwarded-For changes nothing.
                status, _, _ = mc.request("GET", "/v1/catalog", "mct_guess_%d" % i,
                                          headers={"X-Forwarded-For": "203.0.113.%d" % (i % 250)})
                self.assertEqual(status, 401)
            self.assertEqual(mc.request("GET", "/v1/catalog", token)[0], 200)
            _, _, metrics = mc.request("GET", "/metrics")
        finally:
            mc.stop()
        self.assertIn('meldcoded_auth_failures_total{reason="invalid_token"} 300', metrics)
        # Newest first: the window's count, written when the sidecar stopped.
        self.assertEqual(self.actions(mc, "authentication."),
                         ["authentication.failures", "authentication.invalid_token"])
        self.assertEqual(self.counts(mc), [300])

    def test_a_window_that_ends_is_counted_while_the_sidecar_runs(self):
        _, entries = tokens()
        auditor = meldcoded_config.new_token()
        entries.append(meldcoded_config.token_entry(auditor, actor={"id": "au-1",
                                                                    "role": "auditor"}))
        # The five attempts fall in one window however slowly a loaded machine
        # (or a sanitized sidecar, each refusal an audited commit) answers them.
        mc = Sidecar(entries, limits={"auth_failures": 2, "auth_window_seconds": 5}).start()
        try:
            statuses = [mc.request("GET", "/v1/catalog", "mct_guess_%d" % i)[0] for i in range(5)]
            self.assertEqual(statuses, [401, 401, 429, 429, 429])
            # No request comes after the window: the sidecar's own sweep (every
            # window's length) counts it.
            deadline = time.monotonic() + 60
            while True:
                status, _, page = mc.request("GET", "/v1/audit?action=authentication.failures",
                                             auditor)
                self.assertEqual(status, 200, page)
                if page["items"]:
                    break
                self.assertLess(time.monotonic(), deadline, "no count of the ended window")
                time.sleep(0.2)
        finally:
            mc.stop()
        self.assertEqual([(r["count"], r["actor"]["id"], r["concern_ref"]) for r in page["items"]],
                         [(5, "meldcoded", None)])
        # The stop adds no second row for a window already counted.
        self.assertEqual(self.actions(mc, "authentication.failures"), ["authentication.failures"])

    def test_x_forwarded_for_names_the_client_only_from_a_trusted_proxy(self):
        mc, token, _ = self.sidecar({"auth_failures": 3, "auth_window_seconds": 600},
                                    {"listen": {"trusted_proxies": ["127.0.0.0/8"]}})
        try:
            def guess(client):
                return mc.request("GET", "/v1/catalog", "mct_guess",
                                  headers={"X-Forwarded-For": "198.51.100.9, " + client})[0]

            self.assertEqual([guess("203.0.113.1") for _ in range(4)], [401, 401, 401, 429])
            self.assertEqual(guess("203.0.113.2"), 401)  # another client behind the proxy
        finally:
            mc.stop()
        self.assertIn('"client":"203.0.113.1"', mc.log_text())
        self.assertNotIn('"client":"198.51.100.9"', mc.log_text())  # the client's own claim
        # Newest first: each address's count when the sidecar stopped (in the order of the
        # addresses), then the rows written at once.
        self.assertEqual(self.actions(mc, "authentication."),
                         ["authentication.failures", "authentication.failures",
                          "authentication.invalid_token", "authentication.rate_limited",
                          "authentication.invalid_token"])
        self.assertEqual(self.counts(mc), [1, 4])

    def test_a_caller_whose_calls_keep_being_refused_is_stopped_before_the_plugin(self):
        mc, observer, officer = self.sidecar({"denied_calls": 3, "auth_window_seconds": 600})
        try:
            statuses = [mc.request("GET", "/v1/concerns", observer)[0] for _ in range(10)]
            status, headers, body = mc.request("GET", "/v1/concerns", observer)
            self.assertEqual((status, body["code"]), (429, "too_many_denied_calls"))
            self.assertGreater(int(headers["retry-after"]), 0)
            self.assertEqual(mc.request("GET", "/v1/concerns", officer)[0], 200)
        finally:
            mc.stop()
        self.assertEqual(statuses, [403] * 3 + [429] * 7)
        self.assertEqual(len(self.actions(mc, "denied.")), 3)

    def test_one_acting_person_refused_over_and_over_does_not_stop_the_integration(self):
        # An ERP brings in every technician's tickets with one token: one
        # screen that keeps asking for what its technician may not see must
        # not stop the others' ticket prompts.
        erp = meldcoded_config.new_token()
        token, entries = tokens()
        entries.append(meldcoded_config.token_entry(erp, integration={
            "id": "erp", "acts_for": [{"role": "observer", "actors": ["*"]}]}))
        mc = Sidecar(entries, limits={"denied_calls": 3, "auth_window_seconds": 600}).start()
        try:
            def as_(technician):
                return {"X-Acting-Actor": technician, "X-Acting-Role": "observer"}
            refused = [mc.request("GET", "/v1/concerns", erp, headers=as_("tech-1"))[0]
                       for _ in range(5)]
            others = mc.request("GET", "/v1/catalog", erp, headers=as_("tech-2"))[0]
            itself = mc.request("GET", "/v1/catalog", erp)[0]
            again = mc.request("GET", "/v1/catalog", erp, headers=as_("tech-1"))[0]
        finally:
            mc.stop()
        self.assertEqual(refused, [403] * 3 + [429] * 2)
        self.assertEqual((others, itself, again), (200, 200, 429))


class CommandLineTest(E2ETestCase):
    def config(self, **extra):
        _, entries = tokens()
        work = new_workdir()
        config = meldcoded_config.sidecar_config(
            PLUGIN, work + "/meldcode.db", entries, 8080, None, extra)
        path = work + "/meldcoded.json"
        with open(path, "w") as f:
            json.dump(config, f)
        return work, path

    def run_meldcoded(self, *args):
        return subprocess.run([MELDCODED, *args], capture_output=True, text=True, timeout=60)

    def test_version(self):
        out = self.run_meldcoded("--version")
        self.assertEqual(out.returncode, 0)
        self.assertRegex(out.stdout, r"^meldcoded \d+\.\d+\.\d+ \(C ABI \d+\.\d+\)\n$")

    def test_check_config_accepts_a_valid_one_and_creates_nothing(self):
        work, path = self.config()
        out = self.run_meldcoded("--check-config", "--config", path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("valid", out.stdout)
        self.assertFalse(any(name.endswith(".db") for name in os.listdir(work)))

    def test_check_config_refuses_a_plugin_that_is_not_there(self):
        work, path = self.config()
        out = self.run_meldcoded("--check-config", "--config", path,
                                 "--plugin", os.path.join(work, "no-such-libmeldcode.so"))
        self.assertEqual(out.returncode, 1)
        self.assertIn('"code":"plugin_not_found"', out.stderr)
        # The hint names what meldcoded reads, not the SDK's MELDCODE_PLUGIN.
        self.assertIn("MELDCODED_PLUGIN", out.stderr)
        self.assertNotIn("MELDCODE_PLUGIN ", out.stderr)
        self.assertIn('"time":', out.stderr)  # a log line like any other
        self.assertNotIn("valid", out.stdout)

    def test_check_config_refuses_what_could_not_start_naming_it(self):
        work, path = self.config()
        with open(path) as f:
            good = json.load(f)

        def variant(name, change):
            config = json.loads(json.dumps(good))
            change(config)
            changed = os.path.join(work, name + ".json")
            with open(changed, "w") as f:
                json.dump(config, f)
            return changed

        cases = [
            ((variant("nokeys", lambda c: c["plugin"].pop("keys")),), {},
             "configuration invalid at /plugin: Missing required property 'keys'"),
            ((variant("nofolder", lambda c: c["plugin"].update(
                store_path=os.path.join(work, "absent", "meldcode.db"))),), {},
             "does not exist (plugin.store_path)"),
            ((path, "--port", "0"), {}, "the port is 0"),
            ((path, "--log-level", "bogus"), {}, "the log level is bogus"),
            ((path,), {"MELDCODED_PORT": "abc"}, "MELDCODED_PORT is not a port"),
        ]
        for (config, *options), env, message in cases:
            with self.subTest(message):
                out = subprocess.run([MELDCODED, "--check-config", "--config", config, *options],
                                     capture_output=True, text=True, timeout=60,
                                     env=dict(os.environ, **env))
                self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
                self.assertIn(message, out.stderr)
                self.assertNotIn("valid", out.stdout)

    def test_plain_http_beyond_loopback_needs_behind_tls_proxy(self):
        _, path = self.config()
        out = self.run_meldcoded("--check-config", "--config", path, "--address", "0.0.0.0")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("behind_tls_proxy", out.stderr)
        _, path = self.config(listen={"address": "0.0.0.0", "behind_tls_proxy": True})
        self.assertEqual(self.run_meldcoded("--check-config", "--config", path).returncode, 0)

    def test_a_webhook_secret_file_readable_by_others_is_refused(self):
        work = new_workdir()
        secret = work + "/webhook.secret"
        with open(secret, "w") as f:
            f.write("whsec-test\n")
        os.chmod(secret, 0o644)
        _, path = self.config(webhooks={"endpoints": [
            {"url": "http://127.0.0.1:9/hooks", "secret_file": secret}]})
        out = self.run_meldcoded("--check-config", "--config", path)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("secret_file is accessible to group or others", out.stderr)
        self.assertNotIn("whsec-test", out.stderr)
        os.chmod(secret, 0o600)
        self.assertEqual(self.run_meldcoded("--check-config", "--config", path).returncode, 0)


if __name__ == "__main__":
    unittest.main()
