"""docs/http-sidecar.md's curl walk-through and its host-order example, run as
written by bash and curl against a live sidecar that holds the demo token
scripts/run makes. Only the address is changed (a free port, not 8080). Every
call must succeed but the documented error, and the concern must end where
the walk-through says it does.

The same walk-through runs once more through Stoplight Prism, a validating
proxy nobody here wrote, with --errors: a request or an answer that
schemas/openapi.yaml does not allow becomes an error there, so the contract
must say what the server does."""
import json
import os
import re
import socket
import subprocess
import time
import unittest

from sidecar_harness import ROOT, E2ETestCase, Sidecar, free_port, meldcoded_config, new_workdir

DOC = os.path.join(ROOT, "docs", "http-sidecar.md")
DOC_ADDRESS = "MC=http://127.0.0.1:8080\n"
# Each call curl makes, on stderr, through a .curlrc the test writes.
CALL_LINE = '%{stderr}CALL %{http_code} %{method} %{url_effective}\\n'


PRISM = os.path.join(ROOT, "node_modules", ".bin", "prism")


class Prism:
    """Prism proxying to `upstream`, validating both ways against the contract."""

    def __init__(self, upstream, workdir):
        self.upstream = upstream
        self.log_path = os.path.join(workdir, "prism.log")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = None

    def start(self):
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [PRISM, "proxy", os.path.join(ROOT, "schemas", "openapi.yaml"), self.upstream,
                 "--errors", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120  # node starts slowly on a busy machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("prism ended: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("prism did not listen: " + self.log())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def log(self):
        with open(self.log_path) as f:
            return f.read()


def shell_blocks(heading):
    """The ```sh blocks of the section under `heading`, in order."""
    with open(DOC) as f:
        section = f.read().split("\n## " + heading + "\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh checked-by=tests/rest/walkthrough_test.py\n(.*?)```", section, re.S)


class WalkthroughTest(E2ETestCase):
    def setUp(self):
        self.token = meldcoded_config.new_token()
        self.sidecar = Sidecar([meldcoded_config.demo_token_entry(self.token)]).start()
        self.addCleanup(self.sidecar.stop)
        # The reader's working directory: the repository's root, with the
        # data/demo_token that scripts/run leaves there.
        self.cwd = new_workdir()
        os.makedirs(os.path.join(self.cwd, "data"))
        with open(os.path.join(self.cwd, "data", "demo_token"), "w") as f:
            f.write(self.token + "\n")
        os.symlink(os.path.join(ROOT, "host_adapters"), os.path.join(self.cwd, "host_adapters"))
        with open(os.path.join(self.cwd, ".curlrc"), "w") as f:
            f.write('write-out = "%s"\n' % CALL_LINE)

    def run_doc(self, url):
        first_terminal, walkthrough = shell_blocks("Walk-through with curl")
        self.assertIn("scripts/run", first_terminal)
        self.assertIn(DOC_ADDRESS, walkthrough)
        script = walkthrough.replace(DOC_ADDRESS, "MC=%s\n" % url)
        script += "\n".join(shell_blocks("Host orders (ticket mappings)"))
        run = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=self.cwd,
                             env=dict(os.environ, CURL_HOME=self.cwd), capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        calls = [line.split(" ", 3)[1:] for line in run.stderr.splitlines()
                 if line.startswith("CALL ")]
        return run.stdout, calls

    def read(self, name):
        with open(os.path.join(self.cwd, "data", name)) as f:
            return json.load(f)

    def officer_get(self, path):
        status, _, body = self.sidecar.request(
            "GET", path, self.token,
            headers={"X-Acting-Actor": "af-1", "X-Acting-Role": "officer"})
        self.assertEqual(status, 200, body)
        return body

    def test_every_documented_call_does_what_the_walkthrough_says(self):
        self.walk_through(self.sidecar.url)

    def test_the_contract_says_what_the_server_does(self):
        prism = Prism(self.sidecar.url, self.cwd).start()
        self.addCleanup(prism.stop)
        self.walk_through(prism.url)
        # Prism proxied the calls rather than answering them itself.
        self.assertIn("Forwarding", prism.log())

    def walk_through(self, url):
        stdout, calls = self.run_doc(url)
        statuses = {(method, status) for status, method, _ in calls}
        # Every call but one succeeds; the one that fails is the documented 401.
        failed = [c for c in calls if not c[0].startswith("2")]
        self.assertEqual(failed, [["401", "GET", url + "/v1/concerns"]], calls)
        self.assertIn(("POST", "201"), statuses)  # the submission
        self.assertGreaterEqual(len(calls), 20, calls)

        self.assertTrue(self.read("prompt.json")["ask"])
        submission_ref = self.read("receipt.json")["submission_ref"]
        concern_ref = self.read("concern.json")["concern_ref"]
        concern = self.officer_get("/v1/concerns/" + concern_ref)
        self.assertEqual(concern["state"], "closed")
        self.assertTrue(concern["reported"])
        actions = [e["data"]["action"] for e in concern["chronology"] if e["kind"] == "action"]
        self.assertEqual(actions, ["assign", "map_signals", "consult", "hold_conversation",
                                   "weigh", "decide", "report_to_veilig_thuis", "give_feedback",
                                   "close"])
        # What the technician read last: handled, and nothing of the dossier.
        self.assertIn('"status":"handled"', stdout)
        status, _, body = self.sidecar.request(
            "GET", "/v1/submissions/" + submission_ref, self.token,
            headers={"X-Acting-Actor": "tech-17", "X-Acting-Role": "observer"})
        self.assertEqual((status, body["status"]), (200, "handled"))
        # The VERA 4 order: first not closed, then closed by the PATCH, which prompts.
        self.assertIn('{"status":"not_closed"}', stdout)
        self.assertEqual(calls[-1][:2], ["200", "PATCH"])


if __name__ == "__main__":
    unittest.main()
