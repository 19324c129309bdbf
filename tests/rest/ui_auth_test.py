"""The web UI's face of meldcoded at the HTTP level (docs/web-ui.md): its files
under /ui/ and their headers, sign-in with password and TOTP (codes computed by
npm otpauth) and with a real OpenID Connect provider (npm oidc-provider, MFA
with and without), the session cookie on /v1 with its CSRF token, and the
technician's capture page with its prompt token. Every refusal is asserted on
the wire, and the audit trail and log are read afterwards.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
from datetime import datetime, timezone

from sidecar_harness import ADMIN, ROOT, E2ETestCase, Sidecar, free_port, new_workdir

import meldcoded_config

INTEGRATION = meldcoded_config.new_token()
SECRET_TEXT = "the contents of meldcoded.json"  # in a file next to the UI dir
PASSWORD = "correct horse battery staple"
CLIENT_ID = "meldcoded-test"
CLIENT_SECRET = "s3cret-of-the-test-client-" + os.urandom(8).hex()
STEP = 30


def node(script, *args):
    return subprocess.run(["node", os.path.join(ROOT, "tests", "rest", script), *args],
                          check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()


def code_at(uri, step):
    """The TOTP code of `uri` for an absolute 30-second step, by npm otpauth."""
    return node("totp_code.mjs", uri, str(step - int(time.time()) // STEP))


def wrong_code(uri, step):
    """A code that none of the steps accepted around `step` gives: a fixed guess
    such as 000000 is right, by chance, about once in 330,000 runs."""
    taken = {code_at(uri, s)[0] for s in (step - 1, step, step + 1)}
    return next(d for d in "0123456789" if d not in taken) + "00000"


def fresh_step():
    """The current TOTP step, with at least 12 seconds of it left: a test's codes
    one step either side of it stay acceptable while the test runs."""
    if STEP - time.time() % STEP < 12:
        time.sleep(STEP - time.time() % STEP + 0.5)
    return int(time.time()) // STEP


def make_ui_dir(parent):
    ui = os.path.join(parent, "ui")
    os.makedirs(os.path.join(ui, "sub"))
    files = {
        "index.html": "<!doctype html><title>werkbank</title><script src=app-ABCD1234.js></script>",
        "capture.html": "<!doctype html><title>melden</title>",
        "neutral.html": "<!doctype html><title>klaar</title>",
        "enrol.html": "<!doctype html><title>inschrijven</title>",
        "app-ABCD1234.js": "console.log('werkbank');",
        "style.css": "body{}",
        "sub/nested.js": "export {};",
        ".hidden.txt": "hidden",
    }
    for name, text in files.items():
        with open(os.path.join(ui, name), "w") as f:
            f.write(text)
    with open(os.path.join(parent, "outside.txt"), "w") as f:
        f.write(SECRET_TEXT)
    os.symlink(os.path.join(parent, "outside.txt"), os.path.join(ui, "link-out.txt"))
    return ui


def cookie_of(headers):
    for line in headers.get("set-cookie", "").split("\n"):
        if line.startswith("mc_session="):
            return line.split(";")[0].split("=", 1)[1], line
    return None, None


class UiAuthTest(E2ETestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = new_workdir()
        cls.port = free_port()
        cls.acr_port = free_port()
        redirects = ["http://127.0.0.1:%d/ui/auth/oidc/callback" % p
                     for p in (cls.port, cls.acr_port)]
        cls.provider = subprocess.Popen(
            ["node", os.path.join(ROOT, "tests", "rest", "oidc_provider.mjs"), CLIENT_ID,
             CLIENT_SECRET, *redirects], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        cls.issuer = json.loads(cls.provider.stdout.readline())["issuer"]
        secret_file = os.path.join(cls.dir, "oidc_secret")
        meldcoded_config.write_private(secret_file, CLIENT_SECRET + "\n")
        tokens = [meldcoded_config.token_entry(
            INTEGRATION, integration={"id": "erp", "acts_for": [
                {"role": "officer", "actors": ["*"]}, {"role": "observer", "actors": ["*"]}]})]
        extra = {"ui": {
            "dir": make_ui_dir(cls.dir),
            "capture_frame_ancestors": ["https://erp.example.nl"],
            "session": {"reauthenticate_after_seconds": 2},
            "oidc": {"issuer": cls.issuer, "client_id": CLIENT_ID,
                     "client_secret_file": secret_file, "scopes": ["openid", "groups"],
                     "role_claim": "groups", "officer_values": ["meldcode-officers"]},
        }}
        cls.sidecar = Sidecar(tokens, limits={"auth_failures": 20}, workdir=cls.dir, extra=extra,
                              port=cls.port).start()
        # A provider that says multi-factor in acr only, not in amr.
        acr = json.loads(json.dumps(extra))
        acr["ui"]["oidc"].update({"mfa_amr": [], "mfa_acr": ["urn:mfa"]})
        cls.acr_sidecar = Sidecar(tokens, extra=acr, port=cls.acr_port).start()

    @classmethod
    def tearDownClass(cls):
        cls.sidecar.stop()
        cls.acr_sidecar.stop()
        cls.provider.terminate()
        cls.provider.wait(timeout=30)
        cls.provider.stdout.close()

    # --- helpers -------------------------------------------------------------

    def call(self, method, path, body=None, cookie=None, csrf=None, headers=None, token=None,
             recorded=True, raw=None, sidecar=None):
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = "mc_session=" + cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        return (sidecar or self.sidecar).request(method, path, token=token, body=body, headers=h,
                                                 recorded=recorded, raw=raw)

    def enrol(self, actor, role, step):
        """An account enrolled through meldcode-admin's link; its otpauth URI.
        Its first code is of `step` - 1, so `step` and `step` + 1 remain."""
        link = subprocess.run([ADMIN, "enrol", "--config", self.sidecar.config_path,
                               "--actor", actor, "--role", role],
                              check=True, capture_output=True, text=True).stdout.strip()
        return self.enrol_with_link(link, step)

    def enrol_with_link(self, link, step):
        self.assertTrue(link.startswith(self.sidecar.url + "/ui/enrol.html#e_"), link)
        self.assertNotIn("?", link)  # the token only in the fragment
        token = link.split("#", 1)[1]
        status, _, body = self.call("POST", "/ui/auth/enrol",
                                    {"enrolment_token": token, "password": PASSWORD})
        self.assertEqual(status, 200, body)
        uri = body["totp_uri"]
        self.assertTrue(uri.startswith("otpauth://totp/meldcode:"), uri)
        status, _, body = self.call("POST", "/ui/auth/enrol/confirm",
                                    {"enrolment_token": token, "totp": code_at(uri, step - 1)})
        self.assertEqual(status, 204, body)
        return uri

    def sign_in(self, actor, uri, step, cookie=None):
        status, headers, body = self.call(
            "POST", "/ui/auth/password",
            {"username": actor, "password": PASSWORD, "totp": code_at(uri, step)}, cookie=cookie)
        self.assertEqual(status, 200, body)
        value, line = cookie_of(headers)
        self.assertIsNotNone(value, headers)
        return value, body, line

    def a_concern(self, unit):
        closed_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        status, _, prompt = self.sidecar.request(
            "POST", "/v1/tickets/closed", token=INTEGRATION,
            body={"host_ticket_id": "WO-" + unit, "unit_id": unit, "work_type": "REP",
                  "entered_dwelling": True, "technician_id": "t-" + unit,
                  "closed_at": closed_at, "shared_screen": True})
        self.assertEqual(status, 200, prompt)
        return prompt

    # --- the files and their headers -------------------------------------------

    def assert_ui_headers(self, headers, frame_ancestors="'none'"):
        csp = headers["content-security-policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'",
                          "object-src 'none'", "frame-ancestors " + frame_ancestors):
            self.assertIn(directive, csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertEqual(headers["referrer-policy"], "no-referrer")

    def test_files_are_served_with_their_type_and_strict_headers(self):
        status, headers, body = self.call("GET", "/ui/", recorded=False)
        self.assertEqual(status, 200)
        self.assertIn("werkbank", body)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(headers["x-frame-options"], "DENY")
        self.assert_ui_headers(headers)

        status, headers, _ = self.call("GET", "/ui/capture.html", recorded=False)
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "no-store")
        self.assert_ui_headers(headers, "https://erp.example.nl")
        self.assertNotIn("x-frame-options", headers)  # hosts embed it
        # Quick hide leaves the neutral page in the host's frame.
        status, headers, _ = self.call("GET", "/ui/neutral.html", recorded=False)
        self.assertEqual((status, headers["cache-control"]), (200, "no-store"))
        self.assert_ui_headers(headers, "https://erp.example.nl")
        self.assertNotIn("x-frame-options", headers)
        status, headers, _ = self.call("GET", "/ui/enrol.html", recorded=False)
        self.assert_ui_headers(headers)
        self.assertEqual(headers["x-frame-options"], "DENY")

        status, headers, _ = self.call("GET", "/ui/app-ABCD1234.js", recorded=False)
        self.assertEqual((status, headers["content-type"]), (200, "text/javascript; charset=utf-8"))
        self.assertIn("immutable", headers["cache-control"])  # a hash in its name
        self.assert_ui_headers(headers)
        status, headers, _ = self.call("GET", "/ui/style.css", recorded=False)
        self.assertEqual((status, headers["content-type"]), (200, "text/css; charset=utf-8"))
        self.assertEqual(headers["cache-control"], "no-cache")
        status, _, _ = self.call("GET", "/ui/sub/nested.js", recorded=False)
        self.assertEqual(status, 200)

        status, headers, _ = self.call("GET", "/ui", recorded=False)
        self.assertEqual((status, headers["location"]), (308, "/ui/"))
        for path in ("/ui/nothing.html", "/ui/sub", "/ui/sub/", "/ui/nested.exe"):
            status, headers, _ = self.call("GET", path, recorded=False)
            self.assertEqual(status, 404, path)  # no listing, no unknown types
            self.assert_ui_headers(headers)
        status, headers, _ = self.call("POST", "/ui/index.html", raw="x", recorded=False)
        self.assertEqual((status, headers["allow"]), (405, "GET, HEAD"))

    def test_no_path_leads_out_of_the_ui_directory(self):
        for path in ("/ui/../meldcoded.json", "/ui/%2e%2e/meldcoded.json",
                     "/ui/%2E%2E%2Fmeldcoded.json", "/ui/sub/..%2f..%2fmeldcoded.json",
                     "/ui/sub/%2e%2e/%2e%2e/outside.txt", "/ui/..%5c..%5coutside.txt",
                     "/ui//etc/passwd", "/ui/%2fetc%2fpasswd", "/ui/.hidden.txt",
                     "/ui/link-out.txt", "/ui/index.html%00.js", "/ui/./index.html",
                     "/ui/%2e/index.html"):
            status, _, body = self.call("GET", path, recorded=False)
            self.assertEqual(status, 404, path)
            self.assertNotIn(SECRET_TEXT, str(body), path)
            self.assertNotIn("root:", str(body), path)

    def test_every_v1_answer_and_sign_in_answer_is_not_stored(self):
        status, headers, _ = self.call("GET", "/v1/info", token=INTEGRATION)
        self.assertEqual((status, headers["cache-control"]), (200, "no-store"))
        status, headers, _ = self.call("GET", "/v1/info")
        self.assertEqual((status, headers["cache-control"]), (401, "no-store"))
        status, headers, body = self.call("GET", "/ui/auth/methods")
        self.assertEqual((status, body), (200, {"oidc": True, "password": True}))
        self.assertEqual(headers["cache-control"], "no-store")
        self.assert_ui_headers(headers)

    # --- password and TOTP -----------------------------------------------------

    def test_enrolment_refuses_weak_passwords_unknown_links_and_wrong_codes(self):
        link = subprocess.run([ADMIN, "enrol", "--config", self.sidecar.config_path,
                               "--actor", "af-enrol", "--role", "officer"],
                              check=True, capture_output=True, text=True).stdout.strip()
        token = link.split("#", 1)[1]
        status, _, body = self.call("POST", "/ui/auth/enrol",
                                    {"enrolment_token": token, "password": "short"})
        self.assertEqual((status, body["code"], body["pointer"]), (422, "weak_password", "/password"))
        status, _, body = self.call("POST", "/ui/auth/enrol",
                                    {"enrolment_token": "e_unknown", "password": PASSWORD})
        self.assertEqual((status, body["code"]), (404, "unknown_enrolment"))
        status, _, body = self.call("POST", "/ui/auth/enrol",
                                    {"enrolment_token": token, "password": PASSWORD, "x": "1"})
        self.assertEqual((status, body["pointer"]), (422, "/x"))
        status, _, body = self.call("POST", "/ui/auth/enrol", raw="{", headers={})
        self.assertEqual(status, 400)
        status, _, body = self.call("POST", "/ui/auth/enrol", {"enrolment_token": token})
        self.assertEqual((status, body["pointer"]), (422, "/password"))
        status, _, uri = self.call("POST", "/ui/auth/enrol",
                                   {"enrolment_token": token, "password": PASSWORD})
        self.assertEqual(status, 200)
        step = fresh_step()
        status, _, body = self.call("POST", "/ui/auth/enrol/confirm", {
            "enrolment_token": token, "totp": wrong_code(uri["totp_uri"], step)})
        self.assertEqual((status, body["code"]), (401, "enrolment_failed"))
        # Not enrolled until confirmed: no sign-in yet.
        status, _, body = self.call("POST", "/ui/auth/password", {
            "username": "af-enrol", "password": PASSWORD,
            "totp": code_at(uri["totp_uri"], step)})
        self.assertEqual(status, 401)

    def test_a_password_and_a_fresh_code_sign_in_and_the_session_acts_as_the_officer(self):
        step = fresh_step()
        uri = self.enrol("af-1", "officer", step)
        cookie, session, line = self.sign_in("af-1", uri, step)
        self.assertEqual(session["actor"], {"id": "af-1", "role": "officer"})
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, line)
        self.assertNotIn("Secure", line)  # plain http on loopback: see docs/web-ui.md
        self.assertNotIn("Max-Age", line)  # gone when the browser closes
        self.assertTrue(session["csrf_token"] and session["expires_at"] and
                        session["idle_expires_at"])
        # The same code again is refused, even with the right password.
        status, _, body = self.call("POST", "/ui/auth/password", {
            "username": "af-1", "password": PASSWORD, "totp": code_at(uri, step)})
        self.assertEqual((status, body["code"]), (401, "sign_in_failed"))
        status, _, body = self.call("POST", "/ui/auth/password", {
            "username": "af-1", "password": PASSWORD + "!", "totp": code_at(uri, step + 1)})
        self.assertEqual(status, 401)

        status, _, body = self.call("GET", "/ui/auth/session", cookie=cookie)
        self.assertEqual((status, body["actor"], body["csrf_token"]),
                         (200, session["actor"], session["csrf_token"]))
        status, headers, body = self.call("GET", "/v1/concerns", cookie=cookie)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["cache-control"], "no-store")
        # A change needs the CSRF token beside the cookie.
        search = {"limit": 5}
        status, _, body = self.call("POST", "/v1/concerns/search", search, cookie=cookie)
        self.assertEqual((status, body["code"]), (403, "csrf_failed"))
        status, _, body = self.call("POST", "/v1/concerns/search", search, cookie=cookie,
                                    csrf="not-" + session["csrf_token"])
        self.assertEqual((status, body["code"]), (403, "csrf_failed"))
        status, _, body = self.call("POST", "/v1/concerns/search", search, cookie=cookie,
                                    csrf=session["csrf_token"])
        self.assertEqual(status, 200, body)

    def test_the_enrolment_command_of_docs_web_ui_md_prints_a_working_link(self):
        with open(os.path.join(ROOT, "docs", "web-ui.md")) as f:
            command = re.search(r"```sh checked-by=tests/rest/ui_auth_test.py\n(.*?)```", f.read(),
                                re.S).group(1)
        self.assertIn("--actor af-2 --role officer", command)
        command = command.replace("build/host_adapters/cli/meldcode-admin", ADMIN).replace(
            "data/meldcoded.json", self.sidecar.config_path)
        link = subprocess.run(["bash", "-e", "-c", command], check=True, capture_output=True,
                              text=True).stdout.strip()
        step = fresh_step()
        uri = self.enrol_with_link(link, step)
        cookie, session, _ = self.sign_in("af-2", uri, step)
        self.assertEqual(session["actor"], {"id": "af-2", "role": "officer"})

    def test_scripts_run_prints_a_demo_officers_enrolment_link_once(self):
        with open(os.path.join(ROOT, "scripts", "run")) as f:
            self.assertIn('\nscripts/demo-officer "$DATA_DIR"\n', f.read())
        data = tempfile.mkdtemp(dir=self.dir)
        shutil.copy(self.sidecar.config_path, os.path.join(data, "meldcoded.json"))
        demo = [os.path.join(ROOT, "scripts", "demo-officer"), data]
        printed = subprocess.run(demo, check=True, capture_output=True, text=True).stdout
        link = re.search(r"demo officer: (\S+)", printed).group(1)
        with open(os.path.join(data, "demo_enrolment")) as f:
            self.assertEqual(f.read().strip(), link)
        self.assertEqual(os.stat(os.path.join(data, "demo_enrolment")).st_mode & 0o777, 0o600)
        again = subprocess.run(demo, check=True, capture_output=True, text=True).stdout
        self.assertEqual(again, "")  # shown once; the file keeps it
        step = fresh_step()
        uri = self.enrol_with_link(link, step)
        cookie, session, _ = self.sign_in("af-demo", uri, step)
        self.assertEqual(session["actor"], {"id": "af-demo", "role": "officer"})
        self.assertEqual(self.call("GET", "/v1/concerns", cookie=cookie)[0], 200)

    def test_bad_sign_in_input_is_refused_naming_the_field_and_changes_nothing(self):
        step = fresh_step()
        uri = self.enrol("af-bad", "officer", step)
        good = {"username": "af-bad", "password": PASSWORD, "totp": "123456"}
        nested = '{"username": ' + "[" * 5000 + "]" * 5000 + "}"
        for raw, status, pointer in (
                ('{"username": "af-bad"', 400, ""),
                ("[]", 400, ""),
                (nested, 400, ""),
                (b'{"username": "af-\xff", "password": "p", "totp": "1"}', 400, ""),
                (json.dumps(dict(good, username=5)), 422, "/username"),
                (json.dumps(dict(good, totp=123456)), 422, "/totp"),
                (json.dumps(dict(good, username="")), 422, "/username"),
                (json.dumps(dict(good, password="x" * 2000)), 422, "/password"),
                (json.dumps({"username": "af-bad", "password": PASSWORD}), 422, "/totp"),
                (json.dumps(dict(good, remember_me=True)), 422, "/remember_me"),
                (json.dumps(dict(good, password="x" * (1024 * 1024))), 413, "")):
            with self.subTest(raw=raw[:60]):
                answer, headers, body = self.call("POST", "/ui/auth/password", raw=raw)
                self.assertEqual((answer, body["pointer"]), (status, pointer), body)
                self.assertTrue(body["detail"])
                self.assertIsNone(cookie_of(headers)[0])
        # None of it started a session or used the account's code up.
        cookie, session, _ = self.sign_in("af-bad", uri, step)
        self.assertEqual(session["actor"], {"id": "af-bad", "role": "officer"})

    def test_a_session_id_chosen_before_sign_in_is_never_the_one_signed_in(self):
        step = fresh_step()
        uri = self.enrol("af-fix", "officer", step)
        planted = "attacker-chosen-session-id"
        cookie, _, _ = self.sign_in("af-fix", uri, step, cookie=planted)
        self.assertNotEqual(cookie, planted)
        status, _, _ = self.call("GET", "/ui/auth/session", cookie=planted)
        self.assertEqual(status, 401)
        # Signing in again gives a new id, and the old one is over.
        again, _, _ = self.sign_in("af-fix", uri, step + 1, cookie=cookie)
        self.assertNotEqual(again, cookie)
        self.assertEqual(self.call("GET", "/ui/auth/session", cookie=cookie)[0], 401)
        self.assertEqual(self.call("GET", "/ui/auth/session", cookie=again)[0], 200)

    def test_after_sign_out_a_stolen_cookie_is_refused(self):
        step = fresh_step()
        uri = self.enrol("af-out", "officer", step)
        cookie, session, _ = self.sign_in("af-out", uri, step)
        status, _, body = self.call("POST", "/ui/auth/logout", cookie=cookie, raw="")
        self.assertEqual((status, body["code"]), (403, "csrf_failed"))
        status, headers, body = self.call("POST", "/ui/auth/logout", cookie=cookie,
                                          csrf=session["csrf_token"], raw="")
        self.assertEqual(status, 204, body)
        self.assertIn("Max-Age=0", cookie_of(headers)[1])
        status, _, body = self.call("GET", "/v1/concerns", cookie=cookie)
        self.assertEqual((status, body["code"]), (401, "session_ended"))
        self.assertEqual(self.call("GET", "/ui/auth/session", cookie=cookie)[0], 401)
        status, _, _ = self.call("POST", "/ui/auth/logout", cookie=cookie,
                                 csrf=session["csrf_token"], raw="")
        self.assertEqual(status, 401)

    def test_an_observers_session_gets_only_what_an_observer_may(self):
        step = fresh_step()
        uri = self.enrol("t-obs", "observer", step)
        cookie, session, _ = self.sign_in("t-obs", uri, step)
        self.assertEqual(session["actor"]["role"], "observer")
        status, _, body = self.call("GET", "/v1/concerns", cookie=cookie)
        self.assertEqual((status, body["code"]), (403, "forbidden"))
        status, _, body = self.call("GET", "/v1/audit", cookie=cookie)
        self.assertEqual(status, 403)
        # Acting headers are for integrations, not for a person's session.
        status, _, body = self.call("GET", "/v1/concerns", cookie=cookie, headers={
            "X-Acting-Actor": "af-1", "X-Acting-Role": "officer"})
        self.assertEqual(status, 403)

    def test_both_officers_of_an_export_need_a_recent_sign_in(self):
        prompt = self.a_concern("VHE-EXP")
        status, _, receipt = self.call(
            "POST", "/v1/submissions", token=INTEGRATION,
            headers={"X-Acting-Actor": "t-VHE-EXP", "X-Acting-Role": "observer"},
            body={"prompt_token": prompt["prompt_token"], "idempotency_key": "export-0001",
                  "signals": ["mc.children.lock_on_outside_of_room"], "observations": "feiten",
                  "children_involved": "unknown", "acute": False})
        self.assertEqual(status, 201, receipt)
        step = fresh_step()
        asker_uri, releaser_uri = (self.enrol(actor, "officer", step)
                                   for actor in ("af-exp", "af-exp2"))
        status, _, concern = self.call("GET", "/v1/submissions/%s/concern" %
                                       receipt["submission_ref"], token=INTEGRATION,
                                       headers={"X-Acting-Actor": "af-exp",
                                                "X-Acting-Role": "officer"})
        self.assertEqual(status, 200, concern)
        request = "/v1/concerns/%s/export-requests" % concern["concern_ref"]
        body = {"requester_relation": "possible_victim"}
        # A sign-in is recent for 2 s here: the asker asks at once after signing
        # in, with no other sign-in (a node process, a password hash) between.
        releaser, released, _ = self.sign_in("af-exp2", releaser_uri, step)
        asker, asked, _ = self.sign_in("af-exp", asker_uri, step)
        status, _, pending = self.call("POST", request, body, cookie=asker,
                                       csrf=asked["csrf_token"])
        self.assertEqual(status, 201, pending)
        approval = "/v1/export-requests/%s/approval" % pending["export_ref"]
        time.sleep(3)  # reauthenticate_after_seconds is 2 here
        status, _, body_ = self.call("POST", request, body, cookie=asker, csrf=asked["csrf_token"])
        self.assertEqual((status, body_["code"]), (401, "reauthentication_required"))
        status, _, body_ = self.call("POST", approval, {"approve": True}, cookie=releaser,
                                     csrf=released["csrf_token"])
        self.assertEqual((status, body_["code"]), (401, "reauthentication_required"))
        self.assertEqual(self.call("GET", "/v1/concerns", cookie=releaser)[0], 200)  # still in
        again, session, _ = self.sign_in("af-exp2", releaser_uri, step + 1, cookie=releaser)
        status, _, dossier = self.call("POST", approval, {"approve": True}, cookie=again,
                                       csrf=session["csrf_token"])
        self.assertEqual(status, 200, dossier)

    def test_a_cross_site_sign_in_is_refused(self):
        status, _, body = self.call("POST", "/ui/auth/password",
                                    {"username": "af-1", "password": PASSWORD, "totp": "123456"},
                                    headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual((status, body["code"]), (403, "cross_site_request"))
        status, _, body = self.call("POST", "/ui/auth/password", raw="username=af-1",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 415)

    def test_zz_failed_sign_ins_are_limited_per_address(self):
        statuses = []
        for i in range(25):
            status, headers, _ = self.call("POST", "/ui/auth/password", {
                "username": "nobody-%d" % i, "password": PASSWORD, "totp": "123456"})
            statuses.append(status)
        self.assertIn(429, statuses)
        self.assertEqual(statuses[0], 401)
        status, headers, body = self.call("POST", "/ui/auth/password", {
            "username": "nobody", "password": PASSWORD, "totp": "123456"})
        self.assertEqual((status, body["code"]), (429, "too_many_failed_attempts"))
        self.assertIn("retry-after", headers)

    # --- the technician's capture page ---------------------------------------------

    def test_the_capture_page_works_with_its_prompt_token_alone(self):
        prompt = self.a_concern("VHE-CAP")
        self.assertEqual(prompt["reason"], "ask_later")
        auth = {"Authorization": "Prompt " + prompt["prompt_token"]}
        status, headers, form = self.call("GET", "/v1/prompt", headers=auth)
        self.assertEqual(status, 200, form)
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(set(form), {"locale", "expires_at", "form"})
        self.assertEqual(form["locale"], "nl")
        status, _, english = self.call("GET", "/v1/prompt?locale=en", headers=auth)
        self.assertEqual((status, english["locale"]), (200, "en"))
        submission = {"signals": ["mc.children.lock_on_outside_of_room"],
                      "observations": "slot aan de buitenkant", "children_involved": "yes",
                      "acute": False}
        status, _, receipt = self.call("POST", "/v1/submissions", submission,
                                       headers=dict(auth, **{"Idempotency-Key": "capture-0001"}))
        self.assertEqual(status, 201, receipt)
        status, _, again = self.call("POST", "/v1/submissions", submission,
                                     headers=dict(auth, **{"Idempotency-Key": "capture-0001"}))
        self.assertEqual((status, again), (201, receipt))  # a retry, not a second one
        # The submission is the technician's own, as the officer sees it.
        status, _, concern = self.call("GET", "/v1/submissions/%s/concern" %
                                       receipt["submission_ref"], token=INTEGRATION,
                                       headers={"X-Acting-Actor": "af-1",
                                                "X-Acting-Role": "officer"})
        self.assertEqual(concern["chronology"][-1]["actor"]["id"], "t-VHE-CAP")
        # Only on those two routes, and only a token that opens.
        status, _, body = self.call("GET", "/v1/concerns", headers=auth)
        self.assertEqual((status, body["code"]), (401, "prompt_token_not_accepted"))
        status, _, body = self.call("GET", "/v1/submissions/" + receipt["submission_ref"],
                                    headers=auth)
        self.assertEqual(status, 401)
        # Hex: other digits, not the same ones in another case.
        forged = prompt["prompt_token"][:-4] + ("0000" if not prompt["prompt_token"].endswith(
            "0000") else "1111")
        status, headers, body = self.call("GET", "/v1/prompt",
                                          headers={"Authorization": "Prompt " + forged})
        self.assertEqual((status, body["code"]), (401, "unknown_prompt_token"))
        self.assertIn("Prompt", headers["www-authenticate"])
        # Logged under the code it was answered with, and without the token.
        self.assertIn('"reason":"unknown_prompt_token"', self.sidecar.log_text())
        self.assertNotIn(forged, self.sidecar.log_text())
        # One not of a prompt token's form is refused as a prompt token, not
        # with advice to send a bearer token.
        status, headers, body = self.call("GET", "/v1/prompt",
                                          headers={"Authorization": "Prompt garbled"})
        self.assertEqual((status, body["code"]), (401, "invalid_prompt_token"), body)
        self.assertIn("Prompt", headers["www-authenticate"])
        self.assertNotIn("Bearer", body["detail"])
        status, _, body = self.call("POST", "/v1/submissions",
                                    dict(submission, prompt_token=forged), headers=auth)
        self.assertEqual((status, body["code"]), (422, "prompt_token_mismatch"))
        status, _, body = self.call("GET", "/v1/prompt", token=INTEGRATION)
        self.assertEqual((status, body["code"]), (400, "prompt_token_required"))

    # --- OpenID Connect --------------------------------------------------------------

    def oidc_sign_in(self, hint, return_to="/ui/capture.html", sidecar=None):
        """Follows the sign-in through the real provider as a browser would;
        returns the sidecar's answer to the provider's redirect back."""
        sidecar = sidecar or self.sidecar
        status, headers, _ = self.call(
            "GET", "/ui/auth/oidc/login?return_to=" + urllib.parse.quote(return_to),
            sidecar=sidecar)
        self.assertEqual(status, 302)
        location = headers["location"]
        self.assertTrue(location.startswith(self.issuer + "/"), location)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        for member in ("state", "nonce", "code_challenge"):
            self.assertGreaterEqual(len(query[member][0]), 43)
        url = location + "&login_hint=" + urllib.parse.quote(hint)
        jar = {}
        for _ in range(10):
            parts = urllib.parse.urlsplit(url)
            if parts.port == sidecar.port:
                return url, self.call("GET", parts.path + "?" + parts.query, sidecar=sidecar)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""),
                         headers={"Cookie": "; ".join("%s=%s" % kv for kv in jar.items())})
            r = conn.getresponse()
            r.read()
            for name, value in r.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";")[0].split("=", 1)
                    jar[pair[0]] = pair[1]
            conn.close()
            self.assertIn(r.status, (302, 303), url)
            url = urllib.parse.urljoin(url, r.getheader("Location"))
        self.fail("the provider never redirected back")

    def test_oidc_signs_an_officer_in_with_mfa(self):
        callback, (status, headers, body) = self.oidc_sign_in("af-oidc|meldcode-officers|mfa")
        self.assertEqual(status, 302, body)
        self.assertEqual(headers["location"], "/ui/capture.html")
        cookie, line = cookie_of(headers)
        self.assertIn("HttpOnly", line)
        status, _, session = self.call("GET", "/ui/auth/session", cookie=cookie)
        self.assertEqual((status, session["actor"]), (200, {"id": "af-oidc", "role": "officer"}))
        self.assertEqual(self.call("GET", "/v1/concerns", cookie=cookie)[0], 200)
        # The provider's answer works once.
        parts = urllib.parse.urlsplit(callback)
        status, headers, _ = self.call("GET", parts.path + "?" + parts.query)
        self.assertEqual((status, headers["location"]), (302, "/ui/?error=sign_in_failed"))
        self.assertIsNone(cookie_of(headers)[0])

    def test_oidc_without_mfa_or_without_the_officer_group_is_refused(self):
        # The browser goes back to the sign-in page, which says why.
        for hint, error in (("af-pwd|meldcode-officers|pwd", "mfa_required"),
                            ("staff-1|staff|mfa", "sign_in_failed")):
            _, (status, headers, _) = self.oidc_sign_in(hint)
            self.assertEqual((status, headers["location"]), (302, "/ui/?error=" + error), hint)
            self.assertIsNone(cookie_of(headers)[0], hint)

    def test_oidc_mfa_can_be_required_through_acr_instead_of_amr(self):
        _, (status, headers, body) = self.oidc_sign_in("af-acr|meldcode-officers|mfa",
                                                       sidecar=self.acr_sidecar)
        self.assertEqual(status, 302, body)
        cookie = cookie_of(headers)[0]
        status, _, session = self.call("GET", "/ui/auth/session", cookie=cookie,
                                       sidecar=self.acr_sidecar)
        self.assertEqual((status, session["actor"]), (200, {"id": "af-acr", "role": "officer"}))
        _, (status, headers, _) = self.oidc_sign_in("af-acr|meldcode-officers|pwd",
                                                    sidecar=self.acr_sidecar)
        self.assertEqual((status, headers["location"]), (302, "/ui/?error=mfa_required"))
        self.assertIsNone(cookie_of(headers)[0])

    def test_oidc_returns_only_to_the_ui_and_refuses_a_made_up_answer(self):
        for target in ("https://evil.example/ui/", "//evil.example/ui/", "/v1/concerns",
                       "/ui/\\evil", "/ui//evil.example"):
            status, _, body = self.call(
                "GET", "/ui/auth/oidc/login?return_to=" + urllib.parse.quote(target))
            self.assertEqual((status, body["code"]), (400, "invalid_return_to"), target)
        status, headers, _ = self.call("GET", "/ui/auth/oidc/callback?code=x&state=made-up")
        self.assertEqual((status, headers["location"]), (302, "/ui/?error=sign_in_failed"))
        self.assertIsNone(cookie_of(headers)[0])

    # --- afterwards: the audit trail and the log ------------------------------------------

    @classmethod
    def audit_and_log(cls):
        cls.sidecar.stop()
        return cls.sidecar.audit_rows(2000), cls.sidecar.log_text()

    def test_zzz_sign_ins_are_audited_by_ids_and_nothing_secret_is_logged(self):
        rows, log = self.audit_and_log()
        seen = {(r["action"], r["outcome"], r["actor"]["id"]) for r in rows}
        for expected in (("session.signed_in", "ok", "af-1"),
                         ("session.signed_in", "ok", "af-oidc"),
                         ("session.signed_out", "ok", "af-out"),
                         ("enrolment.completed", "ok", "af-1"),
                         ("session.sign_in_failed", "denied", "af-1"),
                         ("session.sign_in_failed", "denied", "af-pwd"),
                         ("session.csrf_failed", "denied", "af-1"),
                         ("session.reauthentication_required", "denied", "af-exp")):
            self.assertIn(expected, seen)
        # Failed credentials on /v1 are audited once per address and window: the
        # first of this run is the stolen cookie after sign-out.
        self.assertIn(("authentication.invalid_session", "denied", "meldcoded"), seen)
        for secret in (PASSWORD, CLIENT_SECRET, "mc_session=", "otpauth"):
            self.assertNotIn(secret, log)
        self.assertIsNone(re.search(r"\b[ep]_[A-Za-z0-9_-]{40,}", log))  # no token


if __name__ == "__main__":
    unittest.main()
