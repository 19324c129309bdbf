"""End-to-end tests of meldcoded: a live sidecar on a free loopback port,
real clients (curl and Python's http.client), a real SQLite store."""
import datetime
import http.client
import json
import os
import re
import select
import signal
import socket
import sqlite3
import urllib.parse
import subprocess
import threading
import time
import unittest
import zoneinfo

from sidecar_harness import (ADMIN, MELDCODED, PLUGIN, POSTGRES_STATE, ROOT, E2ETestCase, Sidecar,
                             free_port, meldcoded_config, new_workdir, record,
                             start_webhook_receiver)

HERE = os.path.dirname(os.path.abspath(__file__))
WEBHOOK_DOC = os.path.join(ROOT, "docs", "webhooks.md")

# Content that must never reach a log line or a metric.
SECRET_TEXT = "SECRET-OBSERVATION-kitchen-door-kicked-in"
UNIT = "UNIT-PRIVATE-4711"
TECH = "tech-private-7"
# The tenant's name and phone numbers and the address in the VERA 4 example
# orders (host_adapters/rest/mapping/examples/).
TENANT = ["Johanna", "Vermeulen", "06-12345678", "Lindenlaan", "3512 AB"]


def now(days=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_date(days=0):
    """The Dutch civil date, days from now: review dates are civil dates."""
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    return (datetime.datetime.now(amsterdam) + datetime.timedelta(days=days)).strftime("%Y-%m-%d")


def make_tokens():
    names = ["tech", "officer", "officer2", "auditor", "admin", "erp", "planner", "manager"]
    plain = {n: meldcoded_config.new_token() for n in names}
    entry = meldcoded_config.token_entry
    entries = [
        entry(plain["tech"], actor={"id": TECH, "role": "observer"}),
        entry(plain["officer"], actor={"id": "af-1", "role": "officer"}),
        entry(plain["officer2"], actor={"id": "af-2", "role": "officer"}),
        entry(plain["auditor"], actor={"id": "au-1", "role": "auditor"}),
        entry(plain["admin"], actor={"id": "ad-1", "role": "admin"}),
        entry(plain["manager"], actor={"id": "mg-1", "role": "manager"}),
        entry(plain["erp"], integration={"id": "erp", "acts_for": [
            {"role": "observer", "actors": [TECH]}]}),
        # A second host system of the same corporation (a planning tool).
        entry(plain["planner"], integration={"id": "planner", "acts_for": [
            {"role": "observer", "actors": [TECH]}]}),
    ]
    return plain, entries


def ticket(n):
    return {"host_ticket_id": "WO-%d" % n, "unit_id": UNIT, "work_type": "REP",
            "entered_dwelling": True, "technician_id": TECH, "closed_at": now(), "locale": "en"}


def submission(key, **where):
    return {"idempotency_key": key, "signals": ["mc.home.holes_in_walls_or_doors"],
            "observations": SECRET_TEXT, "children_involved": "yes", "acute": False, **where}


def steps_to_decision():
    """The officer's actions from assignment to a decision to report."""
    return [
        ("assign", {"assignee": "af-1"}),
        ("map_signals", {"observations": "facts", "supporting_signals": "s",
                         "undermining_signals": "u", "children_involved": "yes"}),
        ("consult", {"consulted_with": "Veilig Thuis", "consulted_at": now(),
                     "question": "q", "advice": "a", "veilig_thuis_consulted": True}),
        ("skip_conversation", {"skip_reason": "would endanger the child"}),
        ("weigh", {"suspicion": {"answer": True, "explanation": "e"},
                   "unsafety": {"answer": True, "explanation": "e"}}),
        ("decide", {"report": {"decision": True, "rationale": "r"},
                    "help": {"decision": False, "rationale": "r"}}),
    ]


MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def vera4_example():
    """The VERA 4 example order (in progress), the patch that reports it done
    now, and the order's path."""
    orders = os.path.join(ROOT, "host_adapters", "rest", "mapping", "examples")
    with open(os.path.join(orders, "vera4_order_open.json")) as f:
        order = json.load(f)
    with open(os.path.join(orders, "vera4_patch_technisch_gereed.json")) as f:
        # The example's date is fixed; a host sends the real one (a ticket
        # closed longer than max_ticket_age_hours ago is not asked about).
        done = dict(json.load(f), technischGereeddatum=now())
    return order, done, "/v1/host-orders/vera4/" + order["id"]


def self_signed(work):
    """A certificate for 127.0.0.1 and its key, made for one test."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def melding(reported_at):
    """The fields of a melding to Veilig Thuis made at reported_at."""
    return {"reported_at": reported_at, "channel": "online_form", "region": "Utrecht",
            "reference": "VT-2026-17", "client_informed": True,
            "client_reaction": "understood", "reporter_unnamed_to_family": True,
            "corporation_role": "keeps doing repairs and passes on new signals"}


def curl(sidecar, method, path, token, body=None, headers=()):
    """One call through the curl command line client; returns (status, headers, body)."""
    cmd = ["curl", "-sS", "-X", method, "-D", "-", "-H", "Authorization: Bearer " + token,
           sidecar.url + path]
    for h in headers:
        cmd += ["-H", h]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout.decode()
    head, _, text = out.partition("\r\n\r\n")
    status = int(head.split()[1])
    hdrs = {k.lower(): v.strip() for k, _, v in
            (line.partition(":") for line in head.split("\r\n")[1:])}
    parsed = json.loads(text)
    record(method, path, status, hdrs.get("content-type", ""), parsed)
    return status, hdrs, parsed


class SidecarCase(E2ETestCase):
    """One sidecar (with these limits) for all of a class's tests."""

    LIMITS = {"auth_failures": 1000}

    @classmethod
    def setUpClass(cls):
        cls.tok, entries = make_tokens()
        cls.mc = Sidecar(entries, limits=cls.LIMITS).start()

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()

    def call(self, method, path, who=None, body=None, headers=None, raw=None):
        return self.mc.request(method, path, self.tok.get(who), body, headers, raw)

    def assertProblem(self, result, status, code):
        got_status, headers, body = result
        self.assertEqual(got_status, status, body)
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertEqual(body["code"], code)
        for key in ("type", "title", "status", "detail", "pointer"):
            self.assertIn(key, body)
        self.assertEqual(body["status"], status)
        return body


class SidecarTest(SidecarCase):
    """One sidecar for the whole scenario; its stderr is checked at the end."""

    LIMITS = {"max_body_bytes": 65536, "auth_failures": 1000}

    def concern_count(self):
        status, _, page = self.call("POST", "/v1/concerns/search", "officer",
                                    {"unit_id": UNIT, "limit": 200})
        self.assertEqual(status, 200)
        return len(page["items"])

    def test_01_operations_endpoints_need_no_token(self):
        self.assertEqual(self.call("GET", "/healthz")[0], 200)
        self.assertEqual(self.call("GET", "/readyz")[2], {"status": "ready"})
        self.assertEqual(self.call("GET", "/metrics")[0], 200)

    def test_02_no_token_is_401_before_anything_else(self):
        for method, path in [("GET", "/v1/catalog"), ("GET", "/v1/no/such/route"),
                             ("POST", "/v1/submissions"), ("DELETE", "/v1/concerns")]:
            body = self.assertProblem(self.call(method, path), 401, "missing_token")
        _, headers, _ = self.call("GET", "/v1/catalog")
        self.assertIn("Bearer", headers["www-authenticate"])
        self.assertProblem(self.mc.request("GET", "/v1/catalog", "mct_wrong"), 401,
                           "invalid_token")
        self.assertNotIn("mct_wrong", json.dumps(body))
        self.assertProblem(self.call("GET", "/v1/no/such/route", "officer"), 404, "no_such_route")
        self.assertProblem(self.call("DELETE", "/v1/concerns", "officer"), 405,
                           "method_not_allowed")

    def test_03_full_flow_ticket_to_closure(self):
        # The ERP (integration) reports the closed ticket, through curl.
        status, _, prompt = curl(self.mc, "POST", "/v1/tickets/closed", self.tok["erp"],
                                 ticket(1))
        self.assertEqual(status, 200)
        self.assertTrue(prompt["ask"])
        # The technician submits, through curl, with an Idempotency-Key.
        sub = submission("flow-0001", prompt_token=prompt["prompt_token"])
        del sub["idempotency_key"]
        status, headers, receipt = curl(self.mc, "POST", "/v1/submissions", self.tok["tech"], sub,
                                        ["Idempotency-Key: flow-0001"])
        self.assertEqual(status, 201)
        ref = receipt["submission_ref"]
        self.assertEqual(headers["location"], "/v1/submissions/" + ref)
        # A retry returns the first response.
        again = self.call("POST", "/v1/submissions", "tech", sub, {"Idempotency-Key": "flow-0001"})
        self.assertEqual((again[0], again[2]), (201, receipt))
        self.assertEqual(self.call("GET", "/v1/submissions/" + ref, "tech")[2]["status"],
                         "received")
        event = {"event_id": "EV-1", "unit_id": UNIT, "kind": "repeated_repair",
                 "occurred_at": now(), "count": 3, "element": "door"}
        self.assertEqual(self.call("POST", "/v1/host-events", "erp", event)[0], 202)

        # The officer finds the concern and works it through the five steps.
        status, _, concern = self.call("GET", "/v1/submissions/%s/concern" % ref, "officer")
        self.assertEqual(status, 200)
        cref = concern["concern_ref"]
        self.assertEqual(self.call("GET", "/v1/concerns/" + cref, "officer")[2]["concern_ref"],
                         cref)
        status, _, page = self.call("GET", "/v1/concerns?limit=1", "officer")
        self.assertEqual((status, len(page["items"])), (200, 1))
        self.assertIn("next_cursor", page)
        steps = steps_to_decision() + [
            ("report_to_veilig_thuis", melding(now())),
            ("give_feedback", {}),
            ("close", {"reason": "reported to Veilig Thuis"}),
        ]
        for action, fields in steps:
            status, _, after = self.call("POST", "/v1/concerns/%s/actions" % cref, "officer",
                                         {"action": action, "fields": fields})
            self.assertEqual(status, 200, (action, after))
        self.assertEqual(after["state"], "closed")
        self.assertEqual(self.call("GET", "/v1/submissions/" + ref, "tech")[2]["status"],
                         "handled")
        self.assertEqual(self.call("GET", "/v1/steps/due", "officer")[0], 200)
        self.assertEqual(self.call("GET", "/v1/info", "officer")[0], 200)

    def test_04_catalog_locale_from_query_or_accept_language(self):
        _, headers, en = self.call("GET", "/v1/catalog", "tech", headers={
            "Accept-Language": "de-DE, en;q=0.8"})
        _, _, nl = self.call("GET", "/v1/catalog?locale=nl", "tech",
                             headers={"Accept-Language": "en"})
        self.assertEqual(headers["vary"], "Accept-Language")
        self.assertNotEqual(en["categories"][0]["label"], nl["categories"][0]["label"])
        self.assertEqual(en["locale"] if "locale" in en else "en", "en")
        # The weights decide, not the order; q=0 is "not this one".
        for accept, locale in (("nl;q=0.1, en;q=0.9", "en"), ("en;q=0, nl;q=0.2", "nl"),
                               ("en-GB;q=0.5, nl-BE", "nl")):
            answer = self.call("GET", "/v1/catalog", "tech", headers={"Accept-Language": accept})[2]
            self.assertEqual(answer["locale"], locale, accept)

    def test_05_wrong_role_is_403(self):
        self.assertProblem(self.call("POST", "/v1/tickets/closed", "auditor", ticket(5)), 403,
                           "forbidden")
        self.assertProblem(self.call("GET", "/v1/concerns", "tech"), 403, "forbidden")

    def test_06_integration_acts_only_for_whom_it_may(self):
        before = self.concern_count()
        acting = {"X-Acting-Actor": TECH, "X-Acting-Role": "observer"}
        status, _, receipt = self.call("POST", "/v1/submissions", "erp",
                                       submission("acting-01", ticket={
                                           "host_ticket_id": "WO-6", "unit_id": UNIT}), acting)
        self.assertEqual(status, 201)
        # The submission is the technician's: he may see its status.
        ref = receipt["submission_ref"]
        self.assertEqual(self.call("GET", "/v1/submissions/" + ref, "tech")[0], 200)
        for headers in ({"X-Acting-Actor": "someone-else", "X-Acting-Role": "observer"},
                        {"X-Acting-Actor": TECH, "X-Acting-Role": "officer"}):
            self.assertProblem(self.call("GET", "/v1/concerns", "erp", headers=headers), 403,
                               "acting_not_allowed")
            self.assertProblem(self.call("POST", "/v1/submissions", "erp",
                                         submission("acting-02", ticket={
                                             "host_ticket_id": "WO-7", "unit_id": UNIT}),
                                         headers), 403, "acting_not_allowed")
        self.assertProblem(self.call("GET", "/v1/steps/due", "erp",
                                     headers={"X-Acting-Actor": TECH}), 400,
                           "acting_headers_incomplete")
        # An organisation alone would be dropped with a success answer.
        self.assertProblem(self.call("POST", "/v1/submissions", "erp",
                                     submission("acting-03", ticket={
                                         "host_ticket_id": "WO-8", "unit_id": UNIT}),
                                     {"X-Acting-Organisation": "Aannemer BV"}), 400,
                           "acting_headers_incomplete")
        # A person's token cannot act for anyone.
        self.assertProblem(self.call("GET", "/v1/catalog", "officer", headers=acting), 403,
                           "acting_not_allowed")
        self.assertEqual(self.concern_count(), before + 1)

    def test_06a_an_acting_header_given_twice_is_refused_not_joined(self):
        # Joined as a list ("tech-17, zz"), two X-Acting-Actor headers made up
        # an actor that was then recorded in the chronology and the audit.
        before = self.concern_count()
        for name in ("X-Acting-Actor", "Idempotency-Key"):
            conn = http.client.HTTPConnection("127.0.0.1", self.mc.port, timeout=30)
            body = json.dumps(submission("twice-%s" % name.lower(), ticket={
                "host_ticket_id": "WO-TWICE", "unit_id": UNIT})).encode()
            conn.putrequest("POST", "/v1/submissions")
            for header, value in (("Authorization", "Bearer " + self.tok["erp"]),
                                  ("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body))),
                                  ("X-Acting-Role", "observer"), ("X-Acting-Actor", TECH),
                                  (name, "zz-second-value"), (name, "zz-third-value")):
                conn.putheader(header, value)
            conn.endheaders(body)
            answer = conn.getresponse()
            problem = json.loads(answer.read())
            conn.close()
            self.assertEqual((answer.status, problem["code"]), (400, "repeated_header"), problem)
            self.assertIn(name.lower(), problem["detail"])
        self.assertEqual(self.concern_count(), before)

    def test_06b_a_contractors_technician_submits_with_an_organisation(self):
        acting = {"X-Acting-Actor": TECH, "X-Acting-Role": "observer",
                  "X-Acting-Organisation": "Installatiebedrijf Vermeer"}
        status, _, receipt = self.call("POST", "/v1/submissions", "erp",
                                       submission("contractor-01", ticket={
                                           "host_ticket_id": "WO-61", "unit_id": UNIT}), acting)
        self.assertEqual(status, 201, receipt)
        _, _, concern = self.call("GET", "/v1/submissions/%s/concern" % receipt["submission_ref"],
                                  "officer")
        mine = [e for e in concern["chronology"] if e["kind"] == "signals_submitted"
                and e["data"]["submission_ref"] == receipt["submission_ref"]]
        self.assertEqual(mine[0]["data"]["organisation"], "Installatiebedrijf Vermeer")
        # Held to the actor schema like an id (1 to 200 characters): a malformed
        # header, refused by its name, nothing stored.
        before = self.concern_count()
        self.assertProblem(self.call("POST", "/v1/submissions", "erp",
                                     submission("contractor-02", ticket={
                                         "host_ticket_id": "WO-62", "unit_id": UNIT}),
                                     dict(acting, **{"X-Acting-Organisation": ("é" * 201).encode()})),
                           400, "invalid_acting_organisation")
        status, _, _ = self.call("POST", "/v1/submissions", "erp",
                                 submission("contractor-03", ticket={
                                     "host_ticket_id": "WO-63", "unit_id": UNIT}),
                                 dict(acting, **{"X-Acting-Organisation": ("é" * 200).encode()}))
        self.assertEqual(status, 201)
        self.assertEqual(self.concern_count(), before)

    def test_07_bad_bodies_are_problems_and_store_nothing(self):
        before = self.concern_count()
        body = self.assertProblem(self.call("POST", "/v1/submissions", "tech",
                                            raw='{"signals": [' + SECRET_TEXT), 400, "invalid_json")
        self.assertNotIn(SECRET_TEXT, json.dumps(body))
        bad = submission("bad-00001", ticket={"host_ticket_id": "WO-8", "unit_id": UNIT})
        bad["signals"] = ["mc.no.such_signal"]
        body = self.assertProblem(self.call("POST", "/v1/submissions", "tech", bad), 422,
                                  "unknown_signal")
        self.assertTrue(body["pointer"].startswith("/signals"))
        missing = ticket(9)
        del missing["closed_at"]
        body = self.assertProblem(self.call("POST", "/v1/tickets/closed", "erp", missing), 422,
                                  "missing_field")
        self.assertEqual(body["pointer"], "/closed_at")
        self.assertProblem(self.call("POST", "/v1/submissions", "tech", raw="a\0b"), 400,
                           "invalid_json")
        # No body at all (Content-Length: 0) is answered without waiting for one.
        self.assertProblem(self.call("POST", "/v1/submissions", "tech", raw=""), 400,
                           "invalid_json")
        self.assertProblem(self.call("POST", "/v1/submissions", "tech", bad,
                                     {"Idempotency-Key": "other-key-1"}), 422,
                           "idempotency_key_mismatch")
        self.assertProblem(self.call("GET", "/v1/concerns?unit_id=" + UNIT, "officer"), 400,
                           "unknown_query_parameter")
        # A parameter twice, or one a route does not take, would be read as
        # something else than was asked: refused, naming it.
        body = self.assertProblem(self.call("GET", "/v1/concerns?state=open&state=decided",
                                            "officer"), 400, "repeated_query_parameter")
        self.assertEqual(body["pointer"], "/state")
        body = self.assertProblem(self.call("GET", "/v1/steps/due?assignee=af-1", "officer"), 400,
                                  "unknown_query_parameter")
        self.assertEqual(body["pointer"], "/assignee")
        # A name that is not one a route could take may be text someone typed:
        # not echoed, in the pointer or elsewhere.
        typed = urllib.parse.quote(SECRET_TEXT + ", Dorpsstraat 12")
        for query, code in ((typed + "=1", "unknown_query_parameter"),
                            ("%s=1&%s=2" % (typed, typed), "repeated_query_parameter")):
            body = self.assertProblem(self.call("GET", "/v1/concerns?" + query, "officer"), 400,
                                      code)
            self.assertEqual(body["pointer"], "")
            self.assertNotIn(SECRET_TEXT, json.dumps(body))
        self.assertProblem(self.call("GET", "/v1/catalog?lang=en", "tech"), 400,
                           "unknown_query_parameter")
        # A state the workflow lacks would list nothing, as if none were there.
        body = self.assertProblem(self.call("GET", "/v1/concerns?state=wegen", "officer"), 400,
                                  "unknown_state")
        self.assertEqual(body["pointer"], "/state")
        self.assertIn("weighed", body["detail"])
        self.assertProblem(self.call("POST", "/v1/concerns/search", "officer", {"state": "wegen"}),
                           422, "unknown_state")
        self.assertProblem(self.call("GET", "/v1/concerns/c_AAAAAAAAAAAAAAAAAAAAAA", "officer"),
                           404, "not_found")
        self.assertEqual(self.concern_count(), before)

    def test_08_content_type_and_size_limits(self):
        before = self.concern_count()
        sub = json.dumps(submission("ctype-001", ticket={"host_ticket_id": "W9", "unit_id": UNIT}))
        self.assertProblem(self.call("POST", "/v1/submissions", "tech", raw=sub,
                                     headers={"Content-Type": "text/plain"}), 415,
                           "unsupported_media_type")
        big = submission("big-00001", ticket={"host_ticket_id": "W10", "unit_id": UNIT})
        big["observations"] = "x" * 70000
        self.assertProblem(self.call("POST", "/v1/submissions", "tech", big), 413,
                           "body_too_large")
        self.assertEqual(self.concern_count(), before)

    def test_09_request_id_is_echoed_or_generated(self):
        _, headers, _ = self.call("GET", "/healthz", headers={"X-Request-Id": "erp-42.a_b"})
        self.assertEqual(headers["x-request-id"], "erp-42.a_b")
        _, headers, _ = self.call("GET", "/healthz", headers={"X-Request-Id": "bad id <script>"})
        self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{24}$")
        _, headers, _ = self.call("GET", "/v1/catalog", "tech")
        generated = headers["x-request-id"]
        self.assertRegex(generated, r"^[0-9a-f]{24}$")
        self.assertTrue('"request_id":"erp-42.a_b"' in self.mc.log_text())
        self.assertTrue(generated in self.mc.log_text())

    def test_10_host_orders_close_through_a_mapping_and_keep_no_tenant_data(self):
        order, done, path = vera4_example()
        answers = []

        def call(*args, **kwargs):
            result = self.call(*args, **kwargs)
            answers.append(json.dumps(result[2]))
            return result

        self.assertEqual(call("POST", "/v1/host-orders/vera4", "erp", order)[::2],
                         (202, {"status": "not_closed"}))
        status, _, prompt = call("PATCH", path, "erp", done, MERGE_PATCH)
        self.assertEqual(status, 200, prompt)
        self.assertTrue(prompt["ask"])
        self.assertEqual(call("PATCH", path, "erp", done, MERGE_PATCH)[::2],
                         (202, {"status": "already_closed"}))
        planned = dict(order, id="OHO-PLANNED-1", onderhoudSoort={"code": "PLA"})
        self.assertEqual(call("POST", "/v1/host-orders/vera4", "erp", planned)[::2],
                         (202, {"status": "not_applicable"}))
        generic = {"ticket_id": "GEN-1", "unit": {"id": UNIT}, "technician": {"id": TECH},
                   "completed_at": now(), "status": "done", "locale": "en"}
        self.assertTrue(call("POST", "/v1/host-orders/generic", "erp", generic)[2]["ask"])
        # A done order without a unit: the field is named, no value from the order.
        no_unit = dict(order, id="OHO-NO-UNIT", defecten=[], status={"code": "TEC"})
        body = self.assertProblem(call("POST", "/v1/host-orders/vera4", "erp", no_unit), 422,
                                  "order_incomplete")
        self.assertIn("unit_id", body["detail"])
        self.assertProblem(call("PATCH", "/v1/host-orders/vera4/OHO-NEVER-SEEN", "erp", done,
                                MERGE_PATCH), 404, "unknown_order")
        self.assertProblem(call("POST", "/v1/host-orders/sap", "erp", order), 404,
                           "unknown_mapping")
        self.assertProblem(call("POST", "/v1/host-orders/vera4", "tech", order), 403,
                           "forbidden")
        self.assertProblem(call("PATCH", path, "erp", done, {"Content-Type": "text/plain"}), 415,
                           "unsupported_media_type")

        stored = b""
        for name in os.listdir(self.mc.dir):
            if ".db" in name:
                with open(os.path.join(self.mc.dir, name), "rb") as f:
                    stored += f.read()
        self.assertIn(b"OHO-2026-004711", stored)  # the order is kept, by its id
        for private in TENANT:
            self.assertNotIn(private, "".join(answers), private)
            self.assertNotIn(private, self.mc.log_text(), private)
            self.assertFalse(private.encode() in stored, private)  # not the bytes in the message

    def test_11_records_and_security_operations(self):
        status, _, receipt = self.call("POST", "/v1/submissions", "tech", submission(
            "records-01", ticket={"host_ticket_id": "WO-11", "unit_id": UNIT}))
        self.assertEqual(status, 201)
        cref = self.call("GET", "/v1/submissions/%s/concern" % receipt["submission_ref"],
                         "officer")[2]["concern_ref"]
        status, _, hold = self.call("POST", "/v1/concerns/%s/legal-hold" % cref, "admin",
                                    {"hold": True, "reason": "authority_request"})
        self.assertEqual((status, hold["concern_ref"]), (200, cref), hold)
        self.assertProblem(self.call("POST", "/v1/concerns/%s/legal-hold" % cref, "admin",
                                     {"concern_ref": "c_other", "hold": False}), 422,
                           "concern_ref_mismatch")
        export_request = {"requester_relation": "possible_victim", "redact": ["host_ticket_ids"]}
        retried = {"Idempotency-Key": "export-" + cref}
        status, _, pending = self.call("POST", "/v1/concerns/%s/export-requests" % cref,
                                       "officer", export_request, retried)
        self.assertEqual(status, 201, pending)
        # A retry after a lost answer is the same request, not a second pending dossier.
        status, _, again = self.call("POST", "/v1/concerns/%s/export-requests" % cref,
                                     "officer", export_request, retried)
        self.assertEqual((status, again["export_ref"]), (201, pending["export_ref"]), again)
        approval = "/v1/export-requests/%s/approval" % pending["export_ref"]
        status, _, dossier = self.call("POST", approval, "officer2", {"approve": True})
        self.assertEqual(status, 200, dossier)
        self.assertNotIn("WO-11", json.dumps(dossier))  # host ticket ids redacted
        self.assertProblem(self.call("POST", "/v1/concerns/%s/export-requests" % cref, "officer",
                                     {"requester_relation": "possible_victim",
                                      "redact": ["names"]}), 422, "schema_violation")
        self.assertProblem(self.call("POST", "/v1/concerns/%s/export-requests" % cref, "admin",
                                     {"requester_relation": "other"}), 403, "forbidden")
        # With an Idempotency-Key a retried request to lift is the same request, not the same
        # person asking twice; without one it is 409.
        lift, key = {"hold": False}, {"Idempotency-Key": "lift-" + cref}
        status, _, asked = self.call("POST", "/v1/concerns/%s/legal-hold" % cref, "admin", lift, key)
        self.assertEqual(status, 200, asked)
        self.assertIn("lift_requested_at", asked["legal_hold"])
        self.assertEqual(self.call("POST", "/v1/concerns/%s/legal-hold" % cref, "admin", lift,
                                   key)[::2], (200, asked))
        self.assertProblem(self.call("POST", "/v1/concerns/%s/legal-hold" % cref, "admin", lift),
                           409, "second_person_required")
        self.assertProblem(self.call("POST", "/v1/purge", "admin", {"dry_run": True}, key), 409,
                           "idempotency_key_reused")
        status, _, report = self.call("POST", "/v1/purge", "admin", {"dry_run": True},
                                      {"Idempotency-Key": "purge-count-11"})
        self.assertEqual(status, 200, report)
        self.assertEqual(self.call("POST", "/v1/purge", "admin", {"dry_run": True},
                                   {"Idempotency-Key": "purge-count-11"})[::2], (200, report))
        self.assertProblem(self.call("POST", "/v1/purge", "officer", {"dry_run": True}), 403,
                           "forbidden")
        status, _, progress = self.call("POST", "/v1/keys/rotate", "admin", {})
        self.assertEqual(status, 200, progress)
        self.assertProblem(self.call("POST", "/v1/keys/rotate", "auditor", {}), 403, "forbidden")
        for who in ("auditor", "admin"):
            status, _, verification = self.call("GET", "/v1/audit/verification", who)
            self.assertEqual(status, 200, verification)
        self.assertProblem(self.call("GET", "/v1/audit/verification", "officer"), 403,
                           "forbidden")

    def newest_audit_row(self):
        status, _, page = self.call("GET", "/v1/audit?limit=1", "auditor")
        self.assertEqual(status, 200, page)
        return page["items"][0]

    def test_12_auditor_pages_through_the_audit_trail(self):
        self.assertProblem(self.call("GET", "/v1/audit"), 401, "missing_token")
        self.assertProblem(self.call("GET", "/v1/audit", "officer"), 403, "forbidden")
        ids, cursor, pages = [], None, []
        while True:  # newest first, a page's next_cursor gives the next older page
            path = "/v1/audit?limit=7" + ("&cursor=" + cursor if cursor else "")
            status, _, page = self.call("GET", path, "auditor")
            self.assertEqual(status, 200, page)
            self.assertLessEqual(len(page["items"]), 7)
            ids += [item["id"] for item in page["items"]]
            pages.append(json.dumps(page))
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertGreater(len(pages), 2)
        self.assertEqual(ids, list(range(ids[0], 0, -1)))  # every row once, in order
        for private in (SECRET_TEXT, UNIT):  # actor ids belong there: who did what
            self.assertFalse(any(private in text for text in pages), private)
        # Each read is audited, and so is the officer's refusal.
        status, _, reads = self.call("GET", "/v1/audit?action=audit.read&limit=500", "admin")
        self.assertEqual(status, 200, reads)
        self.assertGreaterEqual(len(reads["items"]), len(pages))
        status, _, denied = self.call("GET", "/v1/audit?outcome=denied&limit=500", "auditor")
        self.assertIn(("af-1", "denied.read_audit"),
                      [(item["actor"]["id"], item["action"]) for item in denied["items"]])

    def test_13_bad_audit_queries_are_400_with_the_pointer_and_change_nothing(self):
        before = self.newest_audit_row()
        for query, pointer in [("limit=abc", "/limit"), ("limit=0", "/limit"),
                               ("limit=501", "/limit"), ("limit=99999999999", "/limit"),
                               ("cursor=x", "/cursor"), ("outcome=maybe", "/outcome")]:
            body = self.assertProblem(self.call("GET", "/v1/audit?" + query, "auditor"), 400,
                                      "schema_violation")
            self.assertEqual(body["pointer"], pointer, query)
        body = self.assertProblem(self.call("GET", "/v1/audit?unit_id=" + UNIT, "auditor"), 400,
                                  "unknown_query_parameter")
        self.assertNotIn(UNIT, json.dumps(body))
        after = self.newest_audit_row()  # only the first look's own read since
        self.assertEqual((after["id"], after["action"]), (before["id"] + 1, "audit.read"))

    def test_14_the_officer_drafts_a_melding_and_nobody_else(self):
        body = submission("draft-0001", ticket={"host_ticket_id": "WO-DRAFT-1",
                                                "unit_id": "UNIT-DRAFT-1"})
        status, _, receipt = self.call("POST", "/v1/submissions", "tech", body)
        self.assertEqual(status, 201, receipt)
        _, _, concern = self.call("GET", "/v1/submissions/%s/concern" % receipt["submission_ref"],
                                  "officer")
        ref = concern["concern_ref"]
        for action, fields in steps_to_decision():
            status, _, after = self.call("POST", "/v1/concerns/%s/actions" % ref, "officer",
                                         {"action": action, "fields": fields})
            self.assertEqual(status, 200, (action, after))
        path = "/v1/concerns/%s/melding-draft" % ref
        status, _, draft = self.call("GET", path, "officer")
        self.assertEqual(status, 200, draft)
        self.assertEqual([s["id"] for s in draft["sections"]],
                         ["melder", "betrokkenen", "melding", "ondersteunend_netwerk",
                          "overige_informatie"])
        self.assertIn("Waarneming van de medewerker (feit): " + SECRET_TEXT, draft["text"])
        self.assertIn("«in te vullen:", draft["text"])
        self.assertIn("<h2>3. Melding</h2>", draft["html"])
        for identity in (TECH, "UNIT-DRAFT-1", "WO-DRAFT-1"):
            self.assertNotIn(identity, json.dumps(draft, ensure_ascii=False), identity)
        status, _, named = self.call("GET", path + "?include_observer=true", "officer")
        self.assertEqual(status, 200, named)
        self.assertIn("medewerker " + TECH, named["text"])
        status, _, drafts = self.call("GET", "/v1/audit?action=concern.melding_draft&limit=50",
                                      "auditor")
        self.assertEqual(status, 200, drafts)
        self.assertEqual([(item["actor"]["id"], item["outcome"], item["concern_ref"])
                          for item in drafts["items"]], [("af-1", "ok", ref)] * 2)
        # Officers only; bad requests are problems naming the parameter; each refusal audited.
        for who in ("tech", "auditor", "admin", "erp", "manager"):
            self.assertProblem(self.call("GET", path, who), 403, "forbidden")
        self.assertProblem(self.call("GET", "/v1/concerns/c_AAAAAAAAAAAAAAAAAAAAAA/melding-draft",
                                     "officer"), 404, "not_found")
        body = self.assertProblem(self.call("GET", path + "?include_observer=yes", "officer"),
                                  400, "schema_violation")
        self.assertEqual(body["pointer"], "/include_observer")
        body = self.assertProblem(self.call("GET", path + "?unit_id=UNIT-DRAFT-1", "officer"),
                                  400, "unknown_query_parameter")
        self.assertNotIn("UNIT-DRAFT-1", json.dumps(body))
        status, _, denied = self.call("GET", "/v1/audit?action=denied.draft_melding&limit=50",
                                      "auditor")
        self.assertEqual(status, 200, denied)
        self.assertEqual(len(denied["items"]), 7)  # five roles, the unknown concern, the bad type

    def test_98_metrics_count_route_templates_and_hold_no_ids(self):
        # A route's path asked with a method it lacks counts under the route.
        self.assertEqual(self.call("DELETE", "/v1/concerns/search", "officer")[0], 405)
        _, _, text = self.call("GET", "/metrics")
        for wanted in ('meldcoded_requests_total{method="POST",route="/v1/submissions",status="201"}',
                       'route="/v1/concerns/{ref}/actions"',
                       'route="/v1/concerns/search",status="405"',
                       "meldcoded_request_duration_seconds_bucket"):
            self.assertTrue(wanted in text, wanted)
        # The store's commits: a histogram whose +Inf bucket is its count, and nothing is
        # counted twice (the buckets never fall).
        buckets = [int(v) for v in re.findall(
            r'^meldcode_store_commit_seconds_bucket\{le="[^"]+"\} (\d+)$', text, re.M)]
        count = int(re.search(r"^meldcode_store_commit_seconds_count (\d+)$", text, re.M).group(1))
        self.assertGreater(count, 20)  # every submission and action so far committed
        self.assertEqual(buckets, sorted(buckets))
        self.assertEqual(buckets[-1], count)
        self.assertGreater(float(re.search(r"^meldcode_store_commit_seconds_sum (\S+)$", text,
                                           re.M).group(1)), 0)
        # On SQLite, the pages its commits wrote to the log: each write at least one.
        pages = int(re.search(r"^meldcode_store_pages_written_total (\d+)$", text, re.M).group(1))
        self.assertGreater(pages, 20)
        # Nothing runs now: no call waits for the store.
        self.assertIn("\nmeldcode_store_waiting_calls 0\n", text)
        names = text.replace("_seconds_", "").replace("s_total", "").replace("pages_written", "")
        for private in (TECH, UNIT, "af-1", "erp", "c_", "s_", SECRET_TEXT):
            self.assertFalse(private in names, private)

    def test_99_logs_hold_no_content_tokens_or_ids(self):
        text = self.mc.log_text()
        lines = text.splitlines()
        self.assertGreater(len(lines), 20)
        for line in lines:
            entry = json.loads(line)  # every line is one JSON object
            self.assertIn("time", entry)
            self.assertIn("level", entry)
        for private in [SECRET_TEXT, UNIT, TECH, "af-1", "WO-1"] + list(self.tok.values()):
            self.assertFalse(private in text, private)
        self.assertFalse(re.search(r"\b[cs]_[A-Za-z0-9_-]{22}\b", text), "a ref in the log")
        for wanted in ('"msg":"auth_failed"', '"route":"/v1/concerns/{ref}/actions"'):
            self.assertTrue(wanted in text, wanted)


class HostOrderTest(SidecarCase):
    """Host orders refused with an error change nothing kept of them. The
    sidecar's default body limit (1 MiB) lets deeply nested bodies in."""

    EXAMPLES = os.path.join(ROOT, "host_adapters", "rest", "mapping", "examples")

    def example(self, order_id, **changes):
        """The example VERA 4 order (in progress) as `order_id`."""
        with open(os.path.join(self.EXAMPLES, "vera4_order_open.json")) as f:
            return dict(json.load(f), id=order_id, **changes)

    def post_order(self, order_id):
        self.assertEqual(self.call("POST", "/v1/host-orders/vera4", "erp",
                                   self.example(order_id))[::2], (202, {"status": "not_closed"}))

    def patch(self, order_id, body=None, raw=None):
        return self.call("PATCH", "/v1/host-orders/vera4/" + order_id, "erp", body,
                         MERGE_PATCH, raw)

    def rows(self, order_id):
        """What the sidecar keeps of the order, read from its host_orders.db."""
        db = sqlite3.connect(os.path.join(self.mc.dir, "host_orders.db"))
        try:
            rows = db.execute("SELECT retained FROM host_orders WHERE mapping = 'vera4' AND "
                              "order_id = ?", (order_id,)).fetchall()
        finally:
            db.close()
        return [json.loads(row[0]) for row in rows]

    def kept(self, order_id):
        rows = self.rows(order_id)
        self.assertEqual(len(rows), 1, order_id)
        return rows[0]

    def assertPrompt(self, result):
        status, _, prompt = result
        self.assertEqual(status, 200, prompt)
        self.assertTrue(prompt["ask"], prompt)

    def test_a_member_twice_is_refused_in_posts_and_patches_and_changes_nothing(self):
        # A host reading the first "status" would see another order than the sidecar.
        self.post_order("OHO-TWICE-1")
        before = self.kept("OHO-TWICE-1")
        body = self.assertProblem(self.patch("OHO-TWICE-1", raw=(
            '{"status": {"code": "INB"}, "status": {"code": "TEC"}}')), 400, "duplicate_member")
        self.assertEqual(body["pointer"], "/status")
        self.assertEqual(self.kept("OHO-TWICE-1"), before)
        order = json.dumps(self.example("OHO-TWICE-2"))
        raw = order[:-1] + ', "onderhoudstaken": []}'  # onderhoudstaken is in the example
        body = self.assertProblem(self.call("POST", "/v1/host-orders/vera4", "erp", raw=raw), 400,
                                  "duplicate_member")
        self.assertEqual(body["pointer"], "/onderhoudstaken")
        self.assertEqual(self.rows("OHO-TWICE-2"), [])

    def test_a_deeply_nested_patch_is_refused_as_any_payload_and_changes_nothing(self):
        self.post_order("OHO-DEEP-1")
        kept = self.kept("OHO-DEEP-1")
        deep = '{"x":' * 60000 + "1" + "}" * 60000  # ~360 KB, under the body limit
        # The plugin's refusal of such a payload, as POST /v1/tickets/closed answers it:
        expected = self.assertProblem(self.call("POST", "/v1/tickets/closed", "erp", raw=deep),
                                      400, "too_deep")
        self.assertEqual(self.assertProblem(self.patch("OHO-DEEP-1", raw=deep), 400, "too_deep"),
                         expected)
        self.assertEqual(self.assertProblem(self.call("POST", "/v1/host-orders/vera4", "erp",
                                                      raw='{"id": "OHO-DEEP-2", "x": ' + deep +
                                                      "}"), 400, "too_deep"), expected)
        self.assertEqual(self.rows("OHO-DEEP-2"), [])
        self.assertIsNone(self.mc.process.poll(), "the sidecar died")
        self.assertEqual(self.call("GET", "/healthz")[0], 200)
        self.assertEqual(self.kept("OHO-DEEP-1"), kept)
        # The limit is the plugin's: 64 levels are taken, 65 are not.
        self.assertProblem(self.patch("OHO-DEEP-1", raw='{"x":' * 65 + "1" + "}" * 65), 400,
                           "too_deep")
        self.assertEqual(self.patch("OHO-DEEP-1", raw='{"x":' * 64 + "1" + "}" * 64)[::2],
                         (202, {"status": "not_closed"}))
        self.assertPrompt(self.patch("OHO-DEEP-1", {"status": {"code": "TEC"},
                                                    "technischGereeddatum": now()}))

    def test_an_orders_id_is_its_path_and_a_patch_may_not_change_it(self):
        # Kept under the path's id, an order whose id changed closed a ticket
        # of the other id, which was then "already prompted" for good.
        self.post_order("OHO-ID-1")
        kept = self.kept("OHO-ID-1")
        for change in ({"id": "OHO-OTHER-1"}, {"id": None}):
            body = self.assertProblem(self.patch("OHO-ID-1", change), 422, "order_id_mismatch")
            self.assertEqual(body["pointer"], "/id")
            self.assertEqual(self.kept("OHO-ID-1"), kept)
        # An id no path can name could never be updated or closed.
        for order_id in ("OHO/../2", "OHO-\u0001", "O" * 201):
            body = self.assertProblem(self.call("POST", "/v1/host-orders/vera4", "erp",
                                                self.example(order_id)), 422, "invalid_order_id")
            self.assertEqual(body["pointer"], "/id")
            self.assertEqual(self.rows(order_id), [])
        self.assertPrompt(self.patch("OHO-ID-1", {"status": {"code": "TEC"},
                                                  "technischGereeddatum": now()}))
        self.assertEqual(self.call("POST", "/v1/tickets/closed", "erp",
                                   dict(ticket(1), host_ticket_id="OHO-OTHER-1"))[2]["ask"], True)

    def test_an_order_id_of_any_text_or_a_whole_number_is_patched_by_its_path(self):
        # A space, an accent, a dot, a VERA id typed as an integer: each its
        # own path, percent-encoded, and closed once.
        done = {"status": {"code": "TEC"}, "technischGereeddatum": now()}
        for order_id, path_id in (("OHO 7.1", "OHO%207.1"),
                                  ("İş-emri-ğ-5", urllib.parse.quote("İş-emri-ğ-5")),
                                  (4711, "4711")):
            self.assertEqual(self.call("POST", "/v1/host-orders/vera4", "erp",
                                       self.example(order_id))[::2],
                             (202, {"status": "not_closed"}), order_id)
            self.assertEqual(len(self.rows(str(order_id))), 1, order_id)
            self.assertPrompt(self.patch(path_id, done))
            self.assertEqual(self.patch(path_id, done)[::2], (202, {"status": "already_closed"}))
        # An encoded '/' is no way past the rule that an id has none.
        self.assertProblem(self.patch("OHO%2F..%2F2", done), 404, "unknown_order")

    def test_an_order_closed_with_a_date_too_long_ago_is_asked_once_the_date_is_corrected(self):
        # The host corrects the date alone, as a merge patch does.
        self.post_order("OHO-OLD-1")
        status, _, answer = self.patch("OHO-OLD-1", {"status": {"code": "TEC"},
                                                     "technischGereeddatum": now(-30)})
        self.assertEqual((status, answer), (200, {"ask": False, "reason": "ticket_too_old"}))
        self.assertPrompt(self.patch("OHO-OLD-1", {"technischGereeddatum": now()}))
        self.assertEqual(self.patch("OHO-OLD-1", {"technischGereeddatum": now()})[::2],
                         (202, {"status": "already_closed"}))

    def test_an_order_is_the_posting_hosts_own_even_under_the_same_id(self):
        self.post_order("OHO-OWN-1")
        kept = self.kept("OHO-OWN-1")
        done = {"status": {"code": "TEC"}, "technischGereeddatum": now()}
        # Another host's PATCH of that id is answered as an unknown order ...
        unknown = self.assertProblem(self.call("PATCH", "/v1/host-orders/vera4/OHO-NEVER-SEEN",
                                               "planner", done, MERGE_PATCH), 404,
                                     "unknown_order")
        theirs = self.assertProblem(self.call("PATCH", "/v1/host-orders/vera4/OHO-OWN-1",
                                              "planner", done, MERGE_PATCH), 404,
                                    "unknown_order")
        self.assertEqual(theirs, unknown)
        self.assertEqual(self.kept("OHO-OWN-1"), kept)
        # ... and its own order under the same id is kept apart.
        self.assertEqual(self.call("POST", "/v1/host-orders/vera4", "planner",
                                   self.example("OHO-OWN-1"))[::2], (202, {"status": "not_closed"}))
        self.assertEqual(len(self.rows("OHO-OWN-1")), 2)
        self.assertPrompt(self.patch("OHO-OWN-1", done))
        self.assertEqual(self.kept_by("OHO-OWN-1", "planner"), kept)

    def kept_by(self, order_id, integration):
        db = sqlite3.connect(os.path.join(self.mc.dir, "host_orders.db"))
        try:
            row = db.execute("SELECT retained FROM host_orders WHERE integration = ? AND "
                             "mapping = 'vera4' AND order_id = ?", (integration, order_id)).fetchone()
        finally:
            db.close()
        return json.loads(row[0])

    def test_an_incomplete_update_is_422_and_keeps_the_order_as_it_was(self):
        self.post_order("OHO-C1")
        kept = self.kept("OHO-C1")
        # An array is replaced whole by a merge patch: this task has no technician.
        body = self.assertProblem(
            self.patch("OHO-C1", {"onderhoudstaken": [{"id": "T1", "status": {"code": "GER"}}]}),
            422, "order_incomplete")
        self.assertIn("technician_id", body["detail"])
        self.assertEqual(self.kept("OHO-C1"), kept)
        # The technician is still known: the order closes on the next valid update.
        self.assertPrompt(self.patch("OHO-C1", {"status": {"code": "TEC"},
                                                "technischGereeddatum": now()}))
        # A new order refused so is not kept at all.
        no_unit = self.example("OHO-C2", defecten=[], status={"code": "TEC"})
        self.assertProblem(self.call("POST", "/v1/host-orders/vera4", "erp", no_unit), 422,
                           "order_incomplete")
        self.assertEqual(self.rows("OHO-C2"), [])

    def test_an_update_the_plugin_refuses_is_not_kept_and_its_retry_prompts(self):
        self.post_order("OHO-RETRY-1")
        kept = self.kept("OHO-RETRY-1")
        no_offset = now()[:-1]  # a local time: mc_ticket_closed refuses it
        body = self.assertProblem(self.patch("OHO-RETRY-1", {"status": {"code": "TEC"},
                                                             "technischGereeddatum": no_offset}),
                                  422, "invalid_field")
        # The host sent an order: the refusal points at the order's member, naming the field.
        self.assertEqual(body["pointer"], "/technischGereeddatum")
        self.assertIn("ticket field closed_at", body["detail"])
        self.assertNotIn(no_offset, body["detail"])
        self.assertEqual(self.kept("OHO-RETRY-1"), kept)
        # The host corrects its date and sends the update again: the order closes now.
        self.assertPrompt(self.patch("OHO-RETRY-1", {"status": {"code": "TEC"},
                                                     "technischGereeddatum": now()}))

    def test_a_refused_value_in_an_array_is_pointed_at_by_its_index(self):
        self.post_order("OHO-INDEX-1")
        kept = self.kept("OHO-INDEX-1")
        task = self.example("OHO-INDEX-1")["onderhoudstaken"][0]
        done = dict(task, status={"code": "GER"},
                    onderhoudsbestedingen=[{"uitvoerEindtijd": now(days=2)}])
        body = self.assertProblem(self.patch("OHO-INDEX-1", {"onderhoudstaken": [task, done]}),
                                  422, "in_the_future")
        self.assertEqual(body["pointer"],
                         "/onderhoudstaken/1/onderhoudsbestedingen/0/uitvoerEindtijd")
        self.assertEqual(self.kept("OHO-INDEX-1"), kept)


    def test_a_free_text_location_is_not_kept(self):
        address = "Kerkstraat 12, 3512 AB Utrecht"
        order = {"id": "GEN-LOC-1", "unit": {"id": UNIT}, "technician": {"id": TECH},
                 "location": address, "status": "open", "locale": "en"}
        self.assertEqual(self.call("POST", "/v1/host-orders/generic", "erp", order)[::2],
                         (202, {"status": "not_closed"}))
        stored = b""
        for name in os.listdir(self.mc.dir):
            if name.startswith("host_orders.db"):
                with open(os.path.join(self.mc.dir, name), "rb") as f:
                    stored += f.read()
        self.assertIn(b"GEN-LOC-1", stored)
        for part in address.split(", "):
            self.assertFalse(part.encode() in stored, part)
        # What was kept answers as the whole order would: free text is no
        # "entered the dwelling", and a later "inside" is.
        path = "/v1/host-orders/generic/GEN-LOC-1"
        body = self.assertProblem(self.call("PATCH", path, "erp", {"status": "done"},
                                            MERGE_PATCH), 422, "order_incomplete")
        self.assertIn("entered_dwelling", body["detail"])
        self.assertPrompt(self.call("PATCH", path, "erp", {"status": "done", "location": "inside"},
                                    MERGE_PATCH))


class DeepBodyTest(SidecarCase):
    """Bodies the sidecar works on itself before the plugin sees them (a header
    or the path merged in) are held to the plugin's nesting limit first: under
    the default 1 MiB limit, a body of brackets is half a million levels."""

    def test_a_deep_body_the_sidecar_merges_into_is_refused_and_the_sidecar_lives(self):
        deep = '{"x":' + "[" * 500000 + "]" * 500000 + "}"
        ref = "/v1/concerns/c_AAAAAAAAAAAAAAAAAAAAAA"
        for method, path, who, headers in (
                ("POST", "/v1/submissions", "tech", {"Idempotency-Key": "deep-key-0001"}),
                ("POST", ref + "/actions", "officer", None),
                ("POST", ref + "/legal-hold", "officer", None)):
            self.assertProblem(self.call(method, path, who, headers=headers, raw=deep), 400,
                               "too_deep")
            self.assertIsNone(self.mc.process.poll(), "the sidecar died on " + path)
        self.assertEqual(self.call("GET", "/healthz")[0], 200)


class RateLimitTest(E2ETestCase):
    def test_failed_attempts_are_rate_limited_per_address(self):
        tok, entries = make_tokens()
        mc = Sidecar(entries, limits={"auth_failures": 3, "auth_window_seconds": 600}).start()
        try:
            for _ in range(3):
                self.assertEqual(mc.request("GET", "/v1/catalog", "mct_guess")[0], 401)
            status, headers, body = mc.request("GET", "/v1/catalog", "mct_guess")
            self.assertEqual((status, body["code"]), (429, "too_many_failed_attempts"))
            self.assertGreater(int(headers["retry-after"]), 0)
            # A valid token still works from that address.
            self.assertEqual(mc.request("GET", "/v1/catalog", tok["tech"])[0], 200)
        finally:
            mc.stop()
        self.assertIn('"reason":"invalid_token"', mc.log_text())
        self.assertNotIn("mct_guess", mc.log_text())

    def test_failed_attempts_are_in_the_audit_trail_and_rate_limiting_once(self):
        _, entries = make_tokens()
        mc = Sidecar(entries, limits={"auth_failures": 3, "auth_window_seconds": 600}).start()
        try:
            self.assertEqual(mc.request("GET", "/v1/catalog")[0], 401)
            for _ in range(2):
                self.assertEqual(mc.request("GET", "/v1/catalog", "mct_guess")[0], 401)
            for _ in range(5):
                self.assertEqual(mc.request("GET", "/v1/catalog", "mct_guess")[0], 429)
        finally:
            mc.stop()
        rows = [r for r in mc.audit_rows() if r["action"].startswith("authentication.")]
        # Newest first; one row for the address's first failure of the window
        # and one rate_limited row, however many 401s and 429s followed, and
        # when the window ended (here: at the stop) their count.
        self.assertEqual([r["action"] for r in rows],
                         ["authentication.failures", "authentication.rate_limited",
                          "authentication.missing_token"])
        self.assertEqual(rows[0]["count"], 8)
        for r in rows:
            self.assertEqual(r["actor"], {"id": "meldcoded", "role": "integration"})
            self.assertEqual((r["concern_ref"], r["outcome"]), (None, "denied"))
        self.assertNotIn("mct_guess", json.dumps(rows))
        self.assertNotIn("audit_record_failed", mc.log_text())

    def test_a_trail_that_refuses_the_row_still_answers_401_and_logs_an_error(self):
        _, entries = make_tokens()
        mc = Sidecar(entries).start()
        self.assertEqual(mc.request("GET", "/v1/catalog")[0], 401)
        mc.stop()
        # Without its head the chain refuses appends (fail closed).
        with sqlite3.connect(mc.store) as db:
            db.execute("DELETE FROM audit_head")
        mc.start()
        try:
            status, _, body = mc.request("GET", "/v1/catalog", "mct_guess")
            self.assertEqual((status, body["code"]), (401, "invalid_token"))
        finally:
            mc.stop()
        # The window's first failure, and its count when the sidecar stopped.
        failures = [json.loads(line) for line in mc.log_text().splitlines()
                    if '"msg":"audit_record_failed"' in line]
        self.assertEqual([f["level"] for f in failures], ["error", "error"])
        self.assertNotIn("mct_guess", json.dumps(failures))


class ExtensionsTest(E2ETestCase):
    def test_extensions_list_what_loaded_and_what_was_rejected_and_why(self):
        tok, entries = make_tokens()
        work = new_workdir()
        packs = os.path.join(work, "packs")
        os.mkdir(packs)
        with open(os.path.join(packs, "broken.json"), "w") as f:
            f.write("{not json")
        plugin = meldcoded_config.plugin_config(os.path.join(work, "meldcode.db"))
        plugin["extensions"] = {"pack_dirs": [packs]}
        mc = Sidecar(entries, workdir=work, extra={"plugin": plugin}).start()
        try:
            self.assertEqual(mc.request("GET", "/v1/extensions")[0], 401)
            status, _, report = mc.request("GET", "/v1/extensions", tok["tech"])
            self.assertEqual(status, 200, report)
            self.assertEqual(report["loaded"], [])
            self.assertEqual(len(report["rejected"]), 1)
            self.assertEqual(report["rejected"][0]["kind"], "pack")
            self.assertTrue(report["rejected"][0]["source"].endswith("broken.json"))
            # The rest works: the built-in catalog is there.
            self.assertEqual(mc.request("GET", "/v1/catalog", tok["tech"])[0], 200)
        finally:
            mc.stop()


class StoreStoppedTest(E2ETestCase):
    """A write to disk that fails stops the store: every call is refused, and
    the sidecar says it is not ready, so an orchestrator routes elsewhere."""

    def test_a_failed_sync_makes_the_sidecar_unready_and_refuses_every_call(self):
        tok, entries = make_tokens()
        mc = Sidecar(entries).start()
        self.addCleanup(mc.stop)
        if POSTGRES_STATE:
            self.skipTest("the failure is SQLite's log deleted under the store")
        secret = "stopped-store-observation-5c1d"

        def report(n):
            key = "stopped-%04d" % n
            return mc.request("POST", "/v1/submissions", tok["tech"], dict(
                submission(key, ticket={"host_ticket_id": key, "unit_id": UNIT}),
                observations=secret))

        status, _, receipt = report(1)
        self.assertEqual(status, 201)
        self.assertEqual(mc.request("GET", "/readyz")[:3:2], (200, {"status": "ready"}))
        self.assertIn("meldcode_store_stopped 0\n", mc.request("GET", "/metrics")[2])

        # The log deleted under the running store: its next sync cannot be trusted.
        os.remove(mc.store + "-wal")
        status, headers, body = report(2)
        self.assertEqual((status, headers.get("retry-after")), (503, "5"))
        self.assertIn("takes no more calls", body["detail"])
        self.assertNotIn(secret, json.dumps(body))
        for who, path in (("officer", "/v1/concerns"),
                          ("tech", "/v1/submissions/" + receipt["submission_ref"])):
            self.assertEqual(mc.request("GET", path, tok[who])[0], 503, path)
        status, _, body = mc.request("GET", "/readyz")
        self.assertEqual((status, body["code"]), (503, "store_stopped"))
        self.assertIn("meldcode_store_stopped 1\n", mc.request("GET", "/metrics")[2])
        self.assertEqual(mc.request("GET", "/healthz")[0], 200)  # alive: restart, do not kill
        self.assertNotIn(secret, mc.log_text())

        # Started again, the store opens and takes calls.
        mc.stop()
        mc.start()
        self.assertEqual(mc.request("GET", "/readyz")[0], 200)
        self.assertEqual(report(3)[0], 201)


class DiskNearlyFullTest(E2ETestCase):
    """Readiness says the store's disk is nearly full before writes fail,
    and ready again once there is room."""

    def test_the_sidecar_is_not_ready_while_its_disk_is_nearly_full(self):
        if POSTGRES_STATE:
            self.skipTest("the SQLite file's own disk")
        workdir = new_workdir()
        # A disk of its own, small enough to fill: 80 MiB of memory.
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=80m", "tmpfs", workdir],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest("mounting a small disk needs root: " + mounted.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", workdir], check=True)
        tok, entries = make_tokens()
        mc = Sidecar(entries, workdir=workdir).start()
        self.addCleanup(mc.stop)
        self.assertEqual(mc.request("GET", "/readyz")[:3:2], (200, {"status": "ready"}))
        filler = os.path.join(workdir, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (24 << 20))
        status, _, body = mc.request("GET", "/readyz")
        self.assertEqual((status, body["code"]), (503, "disk_full"), body)
        self.assertIn("store_not_ready", mc.log_text())
        os.remove(filler)
        self.assertEqual(mc.request("GET", "/readyz")[0], 200)


class ShutdownTest(E2ETestCase):
    def test_sigterm_during_a_burst_loses_nothing_acknowledged(self):
        tok, entries = make_tokens()
        mc = Sidecar(entries).start()
        acknowledged, lock, started = [], threading.Lock(), threading.Event()

        def submit(worker):
            for i in range(10000):
                key = "burst-%d-%05d" % (worker, i)
                try:
                    status, _, body = mc.request("POST", "/v1/submissions", tok["tech"],
                                                 submission(key, ticket={
                                                     "host_ticket_id": key, "unit_id": UNIT}))
                except OSError:
                    return  # refused or reset: never acknowledged
                if status != 201:
                    return  # 503 while draining
                with lock:
                    acknowledged.append(body["submission_ref"])
                    if len(acknowledged) >= 40:
                        started.set()

        workers = [threading.Thread(target=submit, args=(w,)) for w in range(4)]
        for w in workers:
            w.start()
        self.assertTrue(started.wait(120))
        self.assertEqual(mc.stop(signal.SIGTERM), 0)
        for w in workers:
            w.join()
        self.assertIn('"msg":"stopped"', mc.log_text())

        mc.start()  # same store
        try:
            for ref in acknowledged:
                status, _, body = mc.request("GET", "/v1/submissions/" + ref, tok["tech"])
                self.assertEqual((status, body.get("status")), (200, "received"), ref)
        finally:
            mc.stop()


    def test_sigterm_answers_every_request_it_took(self):
        # All connections at once in their handlers when the listener closes:
        # the HTTP threads must still be there to send what the handlers
        # answer, or a submission is stored and never acknowledged, and the
        # drain waits out its grace (found 1 run in 3).
        tok, entries = make_tokens()
        mc = Sidecar(entries).start()
        ready = threading.Barrier(41)
        outcomes, lock = [], threading.Lock()

        def worker(n, round):
            conn = http.client.HTTPConnection("127.0.0.1", mc.port, timeout=90)
            headers = {"Authorization": "Bearer " + tok["tech"],
                       "Content-Type": "application/json"}
            conn.request("GET", "/v1/info", headers=headers)
            conn.getresponse().read()
            ready.wait()
            try:
                key = "drain-%d-%02d" % (round, n)
                conn.request("POST", "/v1/submissions", json.dumps(submission(
                    key, ticket={"host_ticket_id": key, "unit_id": UNIT})), headers)
                response = conn.getresponse()
                outcome = response.status
                response.read()
            except OSError as e:
                outcome = type(e).__name__
            finally:
                conn.close()
            with lock:
                outcomes.append(outcome)

        for round in range(3):
            workers = [threading.Thread(target=worker, args=(n, round)) for n in range(40)]
            for w in workers:
                w.start()
            ready.wait()
            time.sleep(0.005)
            mc.process.send_signal(signal.SIGTERM)
            for w in workers:
                w.join()
            self.assertEqual(mc.stop(), 0)
            # Every submission the log says was acknowledged reached its client.
            answered = mc.log_text().count('"route":"/v1/submissions","status":201')
            self.assertEqual(outcomes.count(201), answered, outcomes)
            self.assertEqual(len(outcomes), 40 * (round + 1))
            mc.start()
            ready.reset()
        mc.stop()

    def test_a_request_whose_body_is_on_its_way_at_sigterm_is_answered(self):
        tok, entries = make_tokens()
        mc = Sidecar(entries).start()
        body = json.dumps(ticket(7100)).encode()
        with socket.create_connection(("127.0.0.1", mc.port), timeout=30) as s:
            s.sendall(("POST /v1/tickets/closed HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n" % (tok["tech"], len(body))).encode()
                      + body[:20])
            time.sleep(0.3)
            mc.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            # New connections are refused at once; this request is in flight.
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", mc.port), timeout=5)
            s.sendall(body[20:])
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
        self.assertEqual(mc.stop(), 0)


class SlowBodyTest(E2ETestCase):
    def test_clients_slow_to_send_bodies_do_not_starve_the_others(self):
        # More stalled bodies than HTTP threads: a handler that blocked a
        # thread on its body would leave none for the next request.
        tok, entries = make_tokens()
        mc = Sidecar(entries).start()
        stalled = []
        try:
            for _ in range(8):
                s = socket.create_connection(("127.0.0.1", mc.port))
                s.sendall(b"POST /v1/tickets/closed HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer " + tok["erp"].encode() +
                          b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                stalled.append(s)
            self.assertEqual(mc.request("GET", "/v1/catalog", tok["tech"])[0], 200)
        finally:
            for s in stalled:
                s.close()
            self.assertEqual(mc.stop(), 0)


class ChunkedBodyTest(E2ETestCase):
    """Bodies without a declared length (Transfer-Encoding: chunked) are
    held to the same limit, and one over it is refused while it still comes."""

    LIMIT = 65536

    @classmethod
    def setUpClass(cls):
        cls.tok, entries = make_tokens()
        cls.mc = Sidecar(entries, limits={"max_body_bytes": cls.LIMIT}).start()

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()

    def open_chunked(self, path, token, extra_headers=""):
        s = socket.create_connection(("127.0.0.1", self.mc.port), timeout=30)
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\n%sTransfer-Encoding: chunked\r\n\r\n"
                   % (path, token, extra_headers)).encode())
        return s

    def test_a_chunked_body_over_the_limit_is_refused_before_it_ends(self):
        self.assert_refused_before_the_end(self.open_chunked("/v1/tickets/closed", self.tok["erp"]))

    def test_a_small_content_length_does_not_let_a_chunked_body_past_the_limit(self):
        # Both framings at once is how requests are smuggled past a proxy:
        # refused outright (RFC 9112 §6.1 allows it), and the connection closed.
        s = self.open_chunked("/v1/tickets/closed", self.tok["erp"], "Content-Length: 10\r\n")
        try:
            s.sendall(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
            reply = s.makefile("rb").read()
        except ConnectionResetError:
            self.fail("reset before the answer")
        finally:
            s.close()
        head, _, body = reply.decode().partition("\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 400"), head)
        self.assertIn("connection: close", head.lower())
        self.assertEqual(json.loads(body)["code"], "malformed_request")
        self.assertEqual(self.mc.request("GET", "/healthz")[0], 200)

    def exchange(self, raw):
        with socket.create_connection(("127.0.0.1", self.mc.port), timeout=30) as s:
            s.sendall(raw)
            head, _, body = s.makefile("rb").read().decode().partition("\r\n\r\n")
        return head, body

    def test_an_http_1_1_request_names_its_host_once(self):
        # RFC 9112 §3.2; two differing Hosts are another way past a proxy.
        for host in (b"", b"Host: a\r\nHost: b\r\n"):
            head, body = self.exchange(b"GET /healthz HTTP/1.1\r\n" + host + b"\r\n")
            self.assertTrue(head.startswith("HTTP/1.1 400"), head)
            self.assertIn("connection: close", head.lower())
            self.assertRegex(head.lower(), r"\r\nx-request-id: [0-9a-f]{24}\r\n")
            self.assertEqual(json.loads(body)["code"], "malformed_request")
        # HTTP/1.0 had no Host yet.
        head, body = self.exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 200"), head)

    def assert_refused_before_the_end(self, s):
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
        sent = 0
        try:
            s.settimeout(2)  # the sidecar stops reading once it has refused
            while sent < 64 * self.LIMIT and not select.select([s], [], [], 0)[0]:
                s.sendall(chunk)
                sent += 0x4000
        except OSError:
            pass  # refused and no longer read, or already closed
        # The body never ended (no last chunk), yet the answer is there: the
        # sidecar did not wait for all of it.
        s.settimeout(30)
        reply = b""
        try:
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                part = s.recv(65536)
                if not part:
                    break
                reply += part
        except ConnectionResetError:
            pass  # the rest of the body was unread at close; the answer came first
        finally:
            s.close()
        head, _, body = reply.decode().partition("\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 413"), head)
        self.assertIn("content-type: application/problem+json", head.lower())
        self.assertIn("connection: close", head.lower())  # the rest is not read as a request
        self.assertEqual(json.loads(body)["code"], "body_too_large")
        # The sidecar stays healthy.
        self.assertEqual(self.mc.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.mc.request("GET", "/v1/catalog", self.tok["tech"])[0], 200)

    def test_a_chunked_body_within_the_limit_is_read_whole(self):
        body = json.dumps(ticket(77)).encode()
        s = self.open_chunked("/v1/tickets/closed", self.tok["erp"])
        try:
            for i in range(0, len(body), 10):  # many small chunks
                part = body[i:i + 10]
                s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            s.sendall(b"0\r\n\r\n")
            reply = s.makefile("rb").readline()
        finally:
            s.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply)


class TlsTest(E2ETestCase):
    def test_tls_from_the_configuration_serves_https(self):
        tok, entries = make_tokens()
        work = new_workdir()
        cert, key = self_signed(work)
        mc = Sidecar(entries, workdir=work, extra={
            "tls": {"certificate_file": cert, "private_key_file": key}}).start()
        try:
            self.assertTrue(mc.url.startswith("https://127.0.0.1:"))
            out = subprocess.run(["curl", "-sS", "--cacert", cert, "-H",
                                  "Authorization: Bearer " + tok["tech"], mc.url + "/v1/info"],
                                 check=True, capture_output=True, text=True).stdout
            self.assertIn("abi_version", json.loads(out))
            plain = subprocess.run(["curl", "-sS", "http://127.0.0.1:%d/healthz" % mc.port],
                                   capture_output=True)
            self.assertNotEqual(plain.returncode, 0)  # no plaintext HTTP on a TLS port
        finally:
            mc.stop()


class WebhookTest(E2ETestCase):
    """The plugin's notifications reach a receiver the test runs, signed as
    docs/webhooks.md says; the receiver checks each with the documented
    Python verifier and the Node one checks them again."""

    def setUp(self):
        self.tok, self.entries = make_tokens()
        self.work = new_workdir()
        self.secret = "whsec-" + meldcoded_config.new_token()
        self.record = os.path.join(self.work, "deliveries.jsonl")
        self.port = free_port()
        self.receiver = None

    def tearDown(self):
        self.stop_receiver()

    def start_receiver(self, tls=()):
        self.receiver = start_webhook_receiver(self.port, self.secret, self.record, tls)

    def stop_receiver(self):
        if self.receiver and self.receiver.poll() is None:
            self.receiver.terminate()
            self.receiver.wait(timeout=30)

    def sidecar(self, endpoint, log_level="info", scheme="http", **webhooks):
        return Sidecar(self.entries, workdir=self.work, extra={"log_level": log_level,
                                                               "webhooks": dict({
            "endpoints": [dict(url="%s://127.0.0.1:%d/hooks" % (scheme, self.port), **endpoint)],
            "base_delay_ms": 50, "max_delay_ms": 200}, **webhooks)})

    def receipt(self, mc, key):
        """The submission_ref of the 201 receipt for a new submission."""
        status, _, receipt = mc.request("POST", "/v1/submissions", self.tok["tech"], submission(
            key, ticket={"host_ticket_id": key, "unit_id": UNIT}))
        self.assertEqual(status, 201, receipt)
        return receipt["submission_ref"]

    def submit(self, mc, key):
        status, _, concern = mc.request("GET", "/v1/submissions/%s/concern" %
                                        self.receipt(mc, key), self.tok["officer"])
        self.assertEqual(status, 200)
        return concern["concern_ref"]

    def deliveries(self):
        """The receiver's records so far, each with its parsed body."""
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            # A line the receiver is still writing (no newline yet) comes next time.
            lines = [line for line in f if line.endswith("\n")]
        return [(entry, json.loads(entry["body"])) for entry in map(json.loads, lines)]

    def delivered(self, event, ref_name, ref):
        """Waits for the receiver's record of `event` whose `ref_name` is `ref`."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for entry, body in self.deliveries():
                if (body["event"], body.get(ref_name)) == (event, ref):
                    return entry, body
            time.sleep(0.1)
        self.fail("no %s delivery for the %s" % (event, ref_name))

    def walk(self, mc, concern_ref, steps):
        """The officer takes each (action, fields) step on the concern."""
        for action, fields in steps:
            status, _, after = mc.request("POST", "/v1/concerns/%s/actions" % concern_ref,
                                          self.tok["officer"], {"action": action, "fields": fields})
            self.assertEqual(status, 200, (action, after))

    def assertSigned(self, entry, body, ref_name="concern_ref", *more_ids):
        self.assertTrue(entry["verified"])
        self.assertFalse(entry["tampered_verified"])
        self.assertFalse(entry["wrong_secret_verified"])
        self.assertEqual(entry["event_id"], body["id"])
        # Ids only, and for the officer's events the concern's priority.
        with_priority = {"priority"} if body["event"] in ("concern_created", "signals_added") else set()
        self.assertEqual(set(body), {"id", "event", ref_name, "created_at", *more_ids} | with_priority)
        node = subprocess.run(["node", os.path.join(HERE, "verify_webhooks.mjs"), WEBHOOK_DOC,
                               self.record, self.secret], capture_output=True, text=True)
        self.assertEqual(node.returncode, 0, node.stderr)

    def test_every_submission_sends_a_signed_event_with_the_priority(self):
        secret_file = os.path.join(self.work, "webhook.secret")
        meldcoded_config.write_private(secret_file, self.secret + "\n")
        self.start_receiver()
        mc = self.sidecar({"secret_file": secret_file}).start()
        try:
            ref = self.submit(mc, "hook-0001")
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
            # A second one joins the open concern, and reaches the officer too.
            self.assertEqual(self.submit(mc, "hook-0002"), ref)
            entry, body = self.delivered("signals_added", "concern_ref", ref)
            self.assertSigned(entry, body)
            self.assertEqual(body["priority"], "urgent")  # children are involved
        finally:
            mc.stop()
        self.assertTrue(os.path.exists(os.path.join(self.work, "webhooks.db")))
        self.assertNotIn(self.secret, mc.log_text())

    def test_events_of_a_run_without_webhooks_reach_the_webhooks_configured_later(self):
        # Nobody received them: acknowledged, they would be gone for good.
        without = Sidecar(self.entries, workdir=self.work).start()
        try:
            ref = self.submit(without, "hook-before-0001")
        finally:
            without.stop()
        secret_file = os.path.join(self.work, "webhook.secret")
        meldcoded_config.write_private(secret_file, self.secret + "\n")
        self.start_receiver()
        mc = self.sidecar({"secret_file": secret_file}).start()
        try:
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
        finally:
            mc.stop()

    def test_an_https_receiver_is_verified_against_the_trusted_authorities(self):
        cert, key = self_signed(self.work)
        self.start_receiver(tls=(cert, key))
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}, scheme="https")
        saved = os.environ.pop("SSL_CERT_FILE", None)
        try:
            mc.start()  # the system's authorities only: the certificate is refused
            ref = self.submit(mc, "hook-tls-1")
            deadline = time.monotonic() + 60
            while "certificate verify failed" not in mc.log_text():
                self.assertLess(time.monotonic(), deadline, "no failed attempt logged")
                time.sleep(0.1)
            mc.stop()
            self.assertEqual(self.deliveries(), [])
            os.environ["SSL_CERT_FILE"] = cert  # OpenSSL's own variable: trusted now
            mc.start()
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
        finally:
            mc.stop()
            os.environ.pop("SSL_CERT_FILE", None)
            if saved is not None:
                os.environ["SSL_CERT_FILE"] = saved

    def test_a_pending_event_is_delivered_after_a_restart(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        try:
            ref = self.submit(mc, "hook-0002")  # the receiver is down: it stays pending
        finally:
            self.assertEqual(mc.stop(signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(self.record))
        self.assertIn('"msg":"webhook_attempt_failed"', mc.log_text())
        self.start_receiver()
        mc.start()  # same outbox file
        try:
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
        finally:
            mc.stop()
        self.assertNotIn(self.secret, mc.log_text())

    def test_a_review_coming_due_sends_step_due_without_polling(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        self.start_receiver()
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}, log_level="debug",
                          steps_due_interval_seconds=1).start()
        try:
            ref = self.submit(mc, "hook-0004")
            today = local_date()
            self.walk(mc, ref, steps_to_decision()[:4] + [
                ("weigh", {q: {"answer": q != "unsafety", "explanation": "e"} for q in
                           ("suspicion", "unsafety", "help_possible", "help_accepted")}),
                ("decide", {"report": {"decision": False, "rationale": "r"},
                            "help": {"decision": True, "rationale": "r"},
                            "monitoring_agreements": "weekly call", "review_date": today})])
            # Nobody called GET /v1/steps/due.
            entry, body = self.delivered("step_due", "concern_ref", ref)
            self.assertEqual(body["action"], "review")
            self.assertTrue(entry["verified"])
            # Notified once: the next checks find nothing new to send.
            checks = mc.log_text().count('"msg":"steps_due_checked"')
            deadline = time.monotonic() + 60
            while mc.log_text().count('"msg":"steps_due_checked"') < checks + 2:
                self.assertLess(time.monotonic(), deadline, "no further checks")
                time.sleep(0.2)
        finally:
            mc.stop()
        with open(self.record) as f:
            step_due = [line for line in f if '"step_due"' in json.loads(line)["body"]]
        self.assertEqual(len(step_due), 1)

    def test_feedback_sends_feedback_ready_with_the_receipt_ref_never_the_concern_ref(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        self.start_receiver()
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        try:
            submission_ref = self.receipt(mc, "hook-0003")
            status, _, concern = mc.request("GET", "/v1/submissions/%s/concern" % submission_ref,
                                            self.tok["officer"])
            self.assertEqual(status, 200)
            concern_ref = concern["concern_ref"]
            self.walk(mc, concern_ref, steps_to_decision() + [("give_feedback", {})])
            entry, body = self.delivered("feedback_ready", "submission_ref", submission_ref)
            self.assertSigned(entry, body, "submission_ref", "message")
            self.assertEqual(body["message"], "completed")  # no message named: the final one
            self.assertNotIn(concern_ref, entry["body"])
            # Sent once (a retry would keep its id), and nothing else about feedback.
            ready = {b["id"] for _, b in self.deliveries() if b["event"] == "feedback_ready"}
            self.assertEqual(ready, {body["id"]})
        finally:
            mc.stop()


    def test_feedback_messages_reach_the_technician_as_ids_and_the_form_has_their_texts(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        self.start_receiver()
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        try:
            ref = self.receipt(mc, "hook-0004")
            _, _, concern = mc.request("GET", "/v1/submissions/%s/concern" % ref,
                                       self.tok["officer"])
            concern_ref = concern["concern_ref"]

            def told():
                status, _, body = mc.request("GET", "/v1/submissions/" + ref, self.tok["tech"])
                self.assertEqual(status, 200, body)
                return body

            # Right away: the officer will call; the signal is being dealt with.
            self.walk(mc, concern_ref, [("give_feedback", {"message": "officer_will_call"})])
            entry, body = self.delivered("feedback_ready", "submission_ref", ref)
            self.assertSigned(entry, body, "submission_ref", "message")
            self.assertEqual(body["message"], "officer_will_call")
            self.assertEqual(told(), {"submission_ref": ref, "status": "in_progress",
                                      "message": "officer_will_call", "aftercare_offered": False})

            # The debrief, the steps, then the final message with aftercare.
            self.walk(mc, concern_ref, [
                ("record_debrief", {"held_with": TECH, "held_at": now(),
                                    "notes": SECRET_TEXT + " nabesproken"})]
                + steps_to_decision()
                + [("report_to_veilig_thuis", melding(now())),
                   ("give_feedback", {"message": "report_again", "aftercare_offered": True}),
                   ("close", {"reason": "reported to Veilig Thuis"})])
            deadline = time.monotonic() + 60
            while len([b for _, b in self.deliveries() if b["event"] == "feedback_ready"]) < 2:
                self.assertLess(time.monotonic(), deadline, "the second feedback never came")
                time.sleep(0.1)
            messages = [b["message"] for _, b in self.deliveries()
                        if b["event"] == "feedback_ready" and b["submission_ref"] == ref]
            self.assertEqual(messages, ["officer_will_call", "report_again"])
            self.assertEqual(told(), {"submission_ref": ref, "status": "handled",
                                      "message": "report_again", "aftercare_offered": True})
            for entry, body in self.deliveries():
                if body["event"] != "feedback_ready":
                    continue  # concern_created is for the officer's side
                self.assertNotIn(concern_ref, entry["body"])
                self.assertNotIn(SECRET_TEXT, entry["body"])
                self.assertNotIn("aftercare", entry["body"])

            # The technician's app shows the message in the technician's language.
            for locale, word in (("nl", "Meld het opnieuw"), ("en", "Report it again")):
                status, _, form = mc.request("GET", "/v1/catalog?locale=" + locale,
                                             self.tok["tech"])
                self.assertEqual(status, 200)
                texts = {m["id"]: m["text"] for m in form["feedback"]["messages"]}
                self.assertEqual(set(texts), {"in_progress", "officer_will_call",
                                              "report_again", "completed"})
                self.assertIn(word, texts["report_again"])
                self.assertTrue(form["feedback"]["aftercare_offer"])
        finally:
            mc.stop()

    def hold_outbox(self):
        """Another process's BEGIN IMMEDIATE on the outbox file (as an operator's
        `--requeue-dead-letters` or a backup may take); rolled back on close()."""
        db = sqlite3.connect(os.path.join(self.work, "webhooks.db"), timeout=60,
                             isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        return db

    def wait_logged(self, mc, text):
        deadline = time.monotonic() + 60
        while text not in mc.log_text():
            self.assertLess(time.monotonic(), deadline, "never logged: " + text)
            time.sleep(0.1)

    def test_a_store_locked_past_its_busy_timeout_does_not_stop_the_sidecar(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        try:
            ref = self.submit(mc, "hook-0006")  # the receiver is down: it is retried
            self.wait_logged(mc, '"msg":"webhook_attempt_failed"')
            lock = self.hold_outbox()
            try:  # held until the outbox has given up waiting for it at least once
                self.wait_logged(mc, '"msg":"webhook_store_failed"')
            finally:
                lock.close()
            self.start_receiver()
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
            self.assertEqual(mc.request("GET", "/healthz")[0], 200)
        finally:
            self.assertEqual(mc.stop(), 0)  # not killed by an uncaught exception
        self.assertNotIn(SECRET_TEXT, mc.log_text())

    def test_an_event_the_locked_outbox_refused_is_delivered_once_it_is_free(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        self.start_receiver()
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        try:
            lock = self.hold_outbox()
            try:  # the submission is answered once the outbox has given up waiting
                ref = self.submit(mc, "hook-0007")
                self.wait_logged(mc, '"msg":"webhook_enqueue_deferred"')
                self.assertIn("meldcoded_webhook_events_held_in_memory 1",
                              mc.request("GET", "/metrics")[2])
            finally:
                lock.close()
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
            self.wait_logged(mc, '"msg":"webhook_enqueue_recovered"')
            self.assertIn("meldcoded_webhook_events_held_in_memory 0",
                          mc.request("GET", "/metrics")[2])
        finally:
            self.assertEqual(mc.stop(), 0)
        log = mc.log_text()
        self.assertNotIn(ref, log)
        self.assertNotIn(SECRET_TEXT, log)

    def test_dead_letters_show_in_metrics_and_are_requeued_by_the_operator(self):
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}, max_attempts=1)
        mc.start()
        try:  # the receiver is down and one attempt is all there is: a dead letter
            ref = self.submit(mc, "hook-0005")
            deadline = time.monotonic() + 60
            while ('meldcoded_webhook_deliveries{state="dead"} 1' not in
                   mc.request("GET", "/metrics")[2]) and time.monotonic() < deadline:
                time.sleep(0.1)
            metrics = mc.request("GET", "/metrics")[2]
            self.assertIn('meldcoded_webhook_deliveries{state="dead"} 1', metrics)
            self.assertIn('meldcoded_webhook_deliveries{state="pending"} 0', metrics)
        finally:
            self.assertEqual(mc.stop(), 0)
        self.assertIn('"msg":"webhook_dead_letter"', mc.log_text())
        self.start_receiver()
        requeue = mc.requeue_dead_letters()
        self.assertEqual(requeue.returncode, 0, requeue.stderr)
        self.assertIn("requeued 1 dead webhook deliveries", requeue.stdout)
        mc.start()
        try:
            self.assertSigned(*self.delivered("concern_created", "concern_ref", ref))
        finally:
            mc.stop()
        again = mc.requeue_dead_letters()
        self.assertIn("requeued 0 dead webhook deliveries", again.stdout)

    def kept_events(self, mc):
        """The events the plugin's store keeps unacknowledged: (event_id, notification)."""
        db = sqlite3.connect("file:%s?mode=ro" % mc.store, uri=True)
        try:
            return db.execute(
                "SELECT event_id, notification FROM events ORDER BY created_at").fetchall()
        finally:
            db.close()

    def test_a_sidecar_killed_after_a_change_delivers_its_event_after_the_restart(self):
        """SIGKILL after the change committed and before its event reached the
        outbox (the outbox file is locked, so the event waits in memory): the
        plugin kept the event with the change, and the restarted meldcoded
        delivers it under the same id, once."""
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = self.secret
        self.start_receiver()
        mc = self.sidecar({"secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}).start()
        lock = self.hold_outbox()
        try:  # answered once the outbox has given up waiting for its file
            ref = self.submit(mc, "hook-0010")
            self.wait_logged(mc, '"msg":"webhook_enqueue_deferred"')
            self.assertEqual(mc.stop(signal.SIGKILL), -signal.SIGKILL)
        finally:
            lock.close()
        [(event_id, notification)] = self.kept_events(mc)
        kept = json.loads(notification)  # ids only, as notified
        self.assertEqual((kept["event"], kept["event_id"], kept["concern_ref"]),
                         ("concern_created", event_id, ref))
        self.assertEqual(set(kept), {"event", "event_id", "concern_ref", "priority"})
        outbox = sqlite3.connect(os.path.join(self.work, "webhooks.db"))
        self.assertEqual(outbox.execute("SELECT count(*) FROM deliveries").fetchone(), (0,))
        outbox.close()
        mc.start()
        try:
            entry, body = self.delivered("concern_created", "concern_ref", ref)
            self.assertSigned(entry, body)
            self.assertEqual(body["id"], event_id)
            self.wait_logged(mc, '"msg":"events_replayed"')
        finally:
            self.assertEqual(mc.stop(), 0)
        self.assertEqual(self.kept_events(mc), [])  # acknowledged, written when it closed
        self.assertEqual([b["id"] for _, b in self.deliveries() if b.get("concern_ref") == ref],
                         [event_id])


class CommandLineTest(E2ETestCase):
    def test_help_names_options_and_environment(self):
        out = subprocess.run([MELDCODED, "--help"], capture_output=True, text=True, check=True)
        for word in ("--config", "--port", "MELDCODED_PORT", "MELDCODED_CONFIG"):
            self.assertIn(word, out.stdout)

    def test_a_config_against_its_schema_is_refused_with_the_pointer(self):
        mc = Sidecar([{"sha256": "mct_plaintext", "actor": {"id": "a", "role": "officer"}}])
        self.assertRaises(RuntimeError, mc.start)
        self.assertIn("/tokens/0/sha256", mc.log_text())
        self.assertNotIn("mct_plaintext", mc.log_text())

    def test_a_webhook_delay_over_a_day_is_refused_with_the_pointer(self):
        # 3000000000 ms used to wrap to a negative int: every retry at once.
        _, entries = make_tokens()
        os.environ["MELDCODED_TEST_WEBHOOK_SECRET"] = "whsec-" + meldcoded_config.new_token()
        mc = Sidecar(entries, extra={"webhooks": {"endpoints": [
            {"url": "http://127.0.0.1:9/hooks", "secret_env": "MELDCODED_TEST_WEBHOOK_SECRET"}],
            "max_delay_ms": 3000000000}})
        try:
            self.assertRaises(RuntimeError, mc.start)
        finally:
            mc.stop()
        self.assertIn("configuration invalid at /webhooks/max_delay_ms", mc.log_text())
        self.assertFalse(os.path.exists(os.path.join(mc.dir, "webhooks.db")))

    def test_a_postgresql_store_without_state_dir_is_refused_before_it_connects(self):
        # The sidecar's own files have no store folder to go beside; the
        # conninfo's password must not reach the log.
        _, entries = make_tokens()
        mc = Sidecar(entries)
        keys = meldcoded_config.plugin_config(mc.store)["keys"]
        mc.extra = {"plugin": {"store": {"postgresql": "host=/nonexistent password=pw-SECRET-9"},
                               "keys": keys}}
        self.assertRaises(RuntimeError, mc.start)
        self.assertIn("configuration invalid at /state_dir", mc.log_text())
        self.assertNotIn("pw-SECRET-9", mc.log_text())
        self.assertEqual(sorted(os.listdir(mc.dir)), ["meldcode.keys", "meldcoded.json",
                                                      "stderr.log"])

    def test_requeue_without_webhooks_is_a_usage_error_that_creates_nothing(self):
        _, entries = make_tokens()
        mc = Sidecar(entries)
        mc.start()
        mc.stop()
        before = sorted(os.listdir(mc.dir))
        out = mc.requeue_dead_letters()
        self.assertEqual(out.returncode, 2)
        self.assertIn("the configuration has no webhook endpoints", out.stderr)
        self.assertEqual(sorted(os.listdir(mc.dir)), before)  # no outbox file appears


class FirstUseTest(E2ETestCase):
    """Defects a new user met (issue "Main fails on a clean clone since 2026-12-02")."""

    def setUp(self):
        plain, entries = make_tokens()
        self.tok = dict(plain, acting=meldcoded_config.new_token())
        entries += [
            meldcoded_config.token_entry(self.tok["acting"], integration={"id": "portal",
                                         "acts_for": [{"role": "officer", "actors": ["af-1"]}]}),
        ]
        self.mc = Sidecar(entries, limits={"auth_failures": 1000}).start()
        self.addCleanup(self.mc.stop)

    def call(self, method, path, who=None, body=None, headers=None, raw=None):
        return self.mc.request(method, path, self.tok.get(who), body, headers, raw)

    def concern(self, n):
        """A concern from ticket n, through an ERP's ticket and a technician's submission."""
        status, _, prompt = self.call("POST", "/v1/tickets/closed", "erp", ticket(n))
        self.assertTrue(prompt["ask"], prompt)
        status, _, receipt = self.call("POST", "/v1/submissions", "tech", submission(
            "first-use-%d" % n, prompt_token=prompt["prompt_token"]))
        self.assertEqual(status, 201, receipt)
        status, _, concern = self.call(
            "GET", "/v1/submissions/%s/concern" % receipt["submission_ref"], "officer")
        self.assertEqual(status, 200, concern)
        return concern["concern_ref"]

    def act(self, ref, action, fields, who="officer"):
        return self.call("POST", "/v1/concerns/%s/actions" % ref, who,
                         {"action": action, "fields": fields})

    def test_a_due_review_is_listed_to_every_officer_for_as_long_as_it_is_due(self):
        ref = self.concern(501)
        yes = {"answer": True, "explanation": "e"}
        weigh = ("weigh", {"suspicion": yes, "unsafety": {"answer": False, "explanation": "e"},
                           "help_possible": yes, "help_accepted": yes})
        for action, fields in steps_to_decision()[:-2] + [weigh]:
            self.assertEqual(self.act(ref, action, fields)[0], 200, action)
        today = local_date(0)  # review dates are Dutch civil dates
        status, _, decided = self.act(ref, "decide", {
            "report": {"decision": False, "rationale": "help first"},
            "help": {"decision": True, "rationale": "wijkteam"},
            "monitoring_agreements": "wijkteam belt wekelijks", "review_date": today})
        self.assertEqual(status, 200, decided)
        self.assertEqual(decided["state"], "monitoring")
        due = {"concern_ref": ref, "action": "review", "due_date": today, "reminder": "review"}
        for who in ("officer", "officer", "officer2", "officer"):
            status, _, listed = self.call("GET", "/v1/steps/due", who)
            self.assertEqual(status, 200)
            self.assertIn(due, listed["due"], who)
        self.assertEqual(self.act(ref, "review", {
            "help_effective": {"answer": True, "explanation": "safe now"},
            "report": {"decision": False, "rationale": "no need"}})[0], 200)
        self.assertNotIn(due, self.call("GET", "/v1/steps/due", "officer2")[2]["due"])

    def test_acting_is_audited_with_the_integration_and_request_refused_or_not(self):
        ref = self.concern(502)
        as_af1 = {"X-Acting-Actor": "af-1", "X-Acting-Role": "officer", "X-Request-Id": "rq-ok-1"}
        status, headers, _ = self.call("GET", "/v1/concerns/" + ref, "acting", headers=as_af1)
        self.assertEqual(status, 200)
        as_af2 = dict(as_af1, **{"X-Acting-Actor": "af-2", "X-Request-Id": "rq-refused-1"})
        self.assertProblem(self.call("GET", "/v1/concerns/" + ref, "acting", headers=as_af2), 403,
                           "acting_not_allowed")
        # Nobody acts as the sidecar itself, whatever its scopes say.
        as_sidecar = dict(as_af1, **{"X-Acting-Actor": "meldcoded", "X-Acting-Role": "integration"})
        self.assertProblem(self.call("GET", "/v1/steps/due", "erp", headers=as_sidecar), 403,
                           "acting_not_allowed")
        self.mc.stop()
        rows = self.mc.audit_rows()
        read = [r for r in rows if r["action"] == "concern.read" and r["outcome"] == "ok" and
                r["actor"].get("request_id") == "rq-ok-1"]
        self.assertEqual(len(read), 1, rows)
        self.assertEqual(read[0]["actor"], {"id": "af-1", "role": "officer",
                                            "integration": "portal", "request_id": "rq-ok-1"})
        refused = [r for r in rows if r["action"] == "acting.not_allowed"]
        self.assertEqual([r["actor"] for r in refused if r["actor"]["request_id"] ==
                          "rq-refused-1"], [{"id": "af-2", "role": "officer",
                                             "integration": "portal",
                                             "request_id": "rq-refused-1"}])
        self.assertEqual(len(refused), 2, refused)
        self.assertTrue(all(r["outcome"] == "denied" for r in refused))

    def assertProblem(self, result, status, code):
        got, headers, body = result
        self.assertEqual((got, body["code"]), (status, code), body)
        self.assertEqual(headers["content-type"], "application/problem+json")
        return body

    def test_no_bad_request_is_answered_with_a_5xx(self):
        ref = self.concern(503)
        for action, fields in steps_to_decision()[:2]:  # to where a consultation is recorded
            self.assertEqual(self.act(ref, action, fields)[0], 200, action)
        acts = "/v1/concerns/%s/actions" % ref
        consult = {"action": "consult", "fields": dict(steps_to_decision()[2][1],
                                                        consulted_at=now(days=3))}
        future = dict(ticket(504), closed_at=now(days=3))
        bad = [
            ("GET", "/v1/catalog?locale=de", "tech", None, None, None, "unsupported_locale"),
            ("GET", "/v1/catalog?locale=%FF", "tech", None, None, None, "invalid_utf8"),
            ("GET", "/v1/concerns?state=%FF%FE", "officer", None, None, None, "invalid_utf8"),
            ("GET", "/v1/concerns?%FF=1", "officer", None, None, None, "invalid_utf8"),
            ("GET", "/v1/steps/due?%FF=1&%FF=2", "officer", None, None, None, "invalid_utf8"),
            ("GET", "/v1/concerns?limit=abc", "officer", None, None, None, None),
            ("GET", "/v1/concerns?cursor=zzz", "officer", None, None, None, None),
            ("GET", "/v1/audit?limit=-1", "auditor", None, None, None, None),
            ("GET", "/v1/concerns/c_AAAAAAAAAAAAAAAAAAAAAA", "officer", None, None, None,
             "not_found"),
            ("GET", "/v1/concerns", "acting", None,
             {"X-Acting-Actor": b"af-\xff\xfe", "X-Acting-Role": "officer"}, None,
             "invalid_acting_actor"),
            ("GET", "/v1/concerns", "acting", None,
             {"X-Acting-Actor": "af-1", "X-Acting-Role": "chief"}, None, "invalid_acting_role"),
            # 201 characters: the same answer as any other id the actor schema refuses.
            ("GET", "/v1/concerns", "acting", None,
             {"X-Acting-Actor": "a" * 201, "X-Acting-Role": "officer"}, None,
             "invalid_acting_actor"),
            ("POST", "/v1/submissions", "tech", None, {"Idempotency-Key": b"key-\xff-1"},
             json.dumps(submission("x-0000001", ticket={"host_ticket_id": "WO-5", "unit_id": UNIT})),
             "invalid_utf8"),
            ("POST", "/v1/submissions", "tech", None, None, '{"acute": false, "acute": true}',
             "duplicate_member"),
            ("POST", "/v1/submissions", "tech", None, None, b'{"observations": "\xff"}',
             "invalid_utf8"),
            ("POST", "/v1/submissions", "tech", None, None, "[" * 100 + "]" * 100, "too_deep"),
            ("POST", "/v1/tickets/closed", "erp", future, None, None, "in_the_future"),
            ("POST", acts, "officer", consult, None, None, "in_the_future"),
            ("POST", acts, "officer", {"action": "weigh", "fields": {"suspicion": "yes"}}, None,
             None, None),
            ("POST", "/v1/purge", "admin", {"limit": "all"}, None, None, None),
            ("POST", "/v1/concerns/%s/legal-hold" % ref, "officer", {"hold": "maybe"}, None, None,
             None),
            ("PATCH", "/v1/host-orders/vera4/OHO-UNKNOWN", "erp", {"status": {"code": "TEC"}},
             None, None, "unknown_order"),
            ("DELETE", "/v1/concerns", "officer", None, None, None, "method_not_allowed"),
            ("GET", "/v1/no/such/route", "officer", None, None, None, "no_such_route"),
            ("GET", "/v1/concerns/x%FF", "officer", None, None, None, "invalid_utf8"),
            ("PATCH", "/v1/host-orders/vera4/OHO-%FF", "erp", {"status": {"code": "TEC"}},
             None, None, "invalid_utf8"),
            # JSON is UTF-8, and a body is read as it comes.
            ("POST", "/v1/submissions", "tech", None,
             {"Content-Type": "application/json; charset=latin1"},
             json.dumps(submission("x-0000002", ticket={"host_ticket_id": "WO-5", "unit_id": UNIT})),
             "unsupported_media_type"),
            ("POST", "/v1/submissions", "tech", None, {"Content-Encoding": "gzip"},
             json.dumps(submission("x-0000003", ticket={"host_ticket_id": "WO-5", "unit_id": UNIT})),
             "unsupported_media_type"),
            ("PATCH", "/v1/host-orders/vera4/OHO-UNKNOWN", "erp", None, MERGE_PATCH,
             b'{"status": {"code": "\xc0\xaf"}}', "invalid_utf8"),
            # A token the plugin never issued, in the body: 404, as the OpenAPI says.
            ("POST", "/v1/submissions", "tech",
             submission("x-0000004", prompt_token="p_" + "A" * 60), None, None,
             "unknown_prompt_token"),
        ]
        for method, path, who, body, headers, raw, code in bad:
            status, got_headers, answer = self.call(method, path, who, body, headers, raw)
            self.assertTrue(400 <= status < 500, (method, path, status, answer))
            self.assertEqual(got_headers["content-type"], "application/problem+json", path)
            if code:
                self.assertEqual(answer["code"], code, (method, path, answer))
        self.assertEqual(self.call("POST", "/v1/tickets/closed", "erp",
                                   dict(future, closed_at=now()))[2]["ask"], True)

    def test_a_long_chronology_is_read_page_by_page(self):
        ref = self.concern(506)
        for i in range(4):
            event = {"event_id": "EV-PAGE-%d" % i, "unit_id": UNIT, "kind": "nuisance_complaint",
                     "occurred_at": now()}
            self.assertEqual(self.call("POST", "/v1/host-events", "erp", event)[0], 202)
        path = "/v1/concerns/%s?chronology_limit=2" % ref
        kinds, pages = [], 0
        while path:
            status, _, page = self.call("GET", path, "officer")
            self.assertEqual(status, 200, page)
            kinds += [e["kind"] for e in page["chronology"]]
            cursor, pages = page["chronology_next_cursor"], pages + 1
            path = cursor and "/v1/concerns/%s?chronology_limit=2&chronology_cursor=%s" % (ref,
                                                                                          cursor)
        self.assertEqual((pages, kinds), (3, ["signals_submitted"] + ["host_event"] * 4))
        self.assertProblem(self.call("GET", "/v1/concerns/%s?chronology_cursor=7" % ref,
                                     "officer"), 400, "schema_violation")
        self.assertProblem(self.call("GET", "/v1/concerns/%s?unit_id=x" % ref, "officer"), 400,
                           "unknown_query_parameter")

    def test_a_second_sidecar_on_the_same_store_is_refused_and_the_first_works_on(self):
        second = Sidecar(self.mc.tokens)
        second.store = self.mc.store
        self.assertRaises(RuntimeError, second.start)
        self.assertNotEqual(second.process.returncode, 0)
        self.assertIn("store_in_use", second.log_text())
        self.assertIn(self.mc.store, second.log_text())
        self.assertTrue(self.call("POST", "/v1/tickets/closed", "erp", ticket(505))[2]["ask"])
        plugin_config = os.path.join(self.mc.dir, "plugin-only.json")
        with open(self.mc.config_path) as f, open(plugin_config, "w") as out:
            json.dump(json.load(f)["plugin"], out)
        admin = subprocess.run([ADMIN, "audit-list", "--config", plugin_config, "--plugin", PLUGIN,
                                "--role", "auditor", "--wait", "1"], capture_output=True,
                               text=True)
        self.assertEqual(admin.returncode, 2)
        self.assertIn("store_in_use", admin.stderr)
        self.assertIn("/v1/audit", admin.stderr)  # where to go instead
        self.assertEqual(self.call("GET", "/healthz")[0], 200)



def to_monitoring(review_date):
    """The steps to monitoring: help, no melding, the first review on review_date."""
    return steps_to_decision()[:4] + [
        ("weigh", {q: {"answer": q != "unsafety", "explanation": "e"} for q in
                   ("suspicion", "unsafety", "help_possible", "help_accepted")}),
        ("decide", {"report": {"decision": False, "rationale": "r"},
                    "help": {"decision": True, "rationale": "r"},
                    "monitoring_agreements": "weekly call", "review_date": review_date})]


def people(*who):
    return {"people": [dict(p) for p in who]}


class OfficerTest(SidecarCase):
    """What the officer does around the steps (issue 16), through the sidecar."""

    def submit(self, unit, key, **changes):
        body = submission(key, ticket={"host_ticket_id": "WO-" + key, "unit_id": unit},
                          children_involved="no")
        body.update(changes)
        status, _, receipt = self.call("POST", "/v1/submissions", "tech", body)
        self.assertEqual(status, 201, receipt)
        status, _, concern = self.call(
            "GET", "/v1/submissions/%s/concern" % receipt["submission_ref"], "officer")
        self.assertEqual(status, 200, concern)
        return concern

    def act(self, ref, action, fields, who="officer", expect=200):
        status, _, after = self.call("POST", "/v1/concerns/%s/actions" % ref, who,
                                     {"action": action, "fields": fields})
        self.assertEqual(status, expect, (action, after))
        return after

    def walk(self, ref, steps):
        for action, fields in steps:
            after = self.act(ref, action, fields)
        return after

    def test_two_officers_cannot_overwrite_each_other_and_a_retry_adds_nothing(self):
        ref = self.submit("UNIT-ETAG-1", "etag-0001")["concern_ref"]
        status, headers, seen = self.call("GET", "/v1/concerns/" + ref, "officer")
        self.assertEqual(headers["etag"], '"%d"' % seen["version"])
        path = "/v1/concerns/%s/actions" % ref
        assign = {"action": "assign", "fields": {"assignee": "af-1"}}
        status, headers, first = self.call("POST", path, "officer", assign,
                                           {"If-Match": '"%d"' % seen["version"]})
        self.assertEqual(status, 200, first)
        self.assertEqual(headers["etag"], '"%d"' % first["version"])
        # The second officer read the same version: 412, and nothing changed.
        self.assertProblem(self.call("POST", path, "officer2",
                                     {"action": "assign", "fields": {"assignee": "af-2"}},
                                     {"If-Match": '"%d"' % seen["version"]}), 412,
                           "concern_changed")
        for tag in ('W/"1"', "1", '"x"', '"1", "2"'):
            self.assertProblem(self.call("POST", path, "officer2", assign, {"If-Match": tag}),
                               400, "invalid_if_match")
        _, _, now_seen = self.call("GET", "/v1/concerns/" + ref, "officer")
        self.assertEqual((now_seen["version"], now_seen["assignee"]), (first["version"], "af-1"))
        # A retried record_acute with its Idempotency-Key adds nothing.
        acute = {"action": "record_acute",
                 "fields": {"called_112": True, "called_veilig_thuis": False,
                            "called_at": now(), "summary": "112 came"}}
        key = {"Idempotency-Key": "acute-" + ref}
        status, _, once = self.call("POST", path, "officer", acute, key)
        self.assertEqual(status, 200, once)
        status, _, twice = self.call("POST", path, "officer", acute, key)
        self.assertEqual((status, twice["version"]), (200, once["version"]))
        acute["fields"]["summary"] = "another call"
        self.assertProblem(self.call("POST", path, "officer", acute, key), 409,
                           "idempotency_key_reused")
        _, _, after = self.call("GET", "/v1/concerns/" + ref, "officer")
        self.assertEqual(after["version"], once["version"])
        self.assertEqual(sum(e["kind"] == "action" and e["data"]["action"] == "record_acute"
                             for e in after["chronology"]), 1)

    def test_workflow_is_served_per_locale(self):
        status, headers, en = self.call("GET", "/v1/workflow?locale=en", "officer")
        self.assertEqual((status, en["locale"]), (200, "en"))
        self.assertEqual(headers["vary"], "Accept-Language")
        _, _, nl = self.call("GET", "/v1/workflow", "tech", headers={"Accept-Language": "nl-NL"})
        self.assertEqual(nl["locale"], "nl")
        self.assertIn("structurele onveiligheid", nl["framework"]["questions"][1]["text"])
        actions = {a["id"]: a for a in nl["actions"]}
        self.assertEqual([o["id"] for o in actions["refer"]["fields"][0]["options"]],
                         ["ggd", "police", "arbeidsinspectie", "comensha",
                          "meld_misdaad_anoniem", "wijkteam", "care_provider"])
        self.assertProblem(self.call("GET", "/v1/workflow?locale=de", "officer"), 400,
                           "unsupported_locale")

    def test_an_acute_submission_joining_a_monitored_concern_is_acute_at_once(self):
        ref = self.submit("UNIT-PRIO-1", "prio-0001")["concern_ref"]
        self.walk(ref, to_monitoring(local_date(14)))
        self.submit("UNIT-PRIO-1", "prio-0002", already_called=["112"], callback_requested=True)
        _, _, concern = self.call("GET", "/v1/concerns/" + ref, "officer")
        self.assertEqual((concern["state"], concern["priority"]), ("monitoring", "acute"))
        entry = [e for e in concern["chronology"] if e["kind"] == "signals_submitted"][-1]
        self.assertEqual(entry["data"]["already_called"], ["112"])
        self.assertTrue(entry["data"]["callback_requested"])
        status, _, page = self.call("GET", "/v1/concerns?sort=priority&priority=acute&limit=200",
                                    "officer")
        self.assertEqual(status, 200, page)
        self.assertIn(ref, [c["concern_ref"] for c in page["items"]])
        self.assertTrue(all(c["priority"] == "acute" for c in page["items"]))

    def test_one_concern_down_each_route(self):
        for route in ("ggd", "police", "arbeidsinspectie", "comensha", "meld_misdaad_anoniem",
                      "wijkteam", "care_provider"):
            ref = self.submit("UNIT-ROUTE-" + route, "route-" + route)["concern_ref"]
            after = self.walk(ref, steps_to_decision()[:4] + [
                ("weigh", {"suspicion": {"answer": False, "explanation": "not violence"}}),
                ("decide", {"report": {"decision": False, "rationale": "r"},
                            "help": {"decision": False, "rationale": "r"}}),
                ("refer", {"route": route, "receiving_party": "desk " + route,
                           "referred_at": now(), "sharing_basis": "consent",
                           "sharing_justification": "agreed by phone"}),
                ("give_feedback", {}),
                ("close", {"reason": "referred"})])
            self.assertEqual((after["state"], after["referrals"]), ("closed", [route]))
        ref = self.submit("UNIT-ROUTE-VT", "route-vt")["concern_ref"]
        after = self.walk(ref, steps_to_decision() + [
            ("report_to_veilig_thuis", melding(now())), ("give_feedback", {}),
            ("close", {"reason": "reported"})])
        self.assertTrue(after["reported"])

    def test_a_second_review_asks_question_5_again(self):
        ref = self.submit("UNIT-REVIEW", "review-0001")["concern_ref"]
        self.walk(ref, to_monitoring(local_date(0)) + [
            ("consult", {"consulted_with": "colleague", "consulted_at": now(),
                         "question": "q", "advice": "a"}),
            ("add_note", {"occurred_at": now(), "contact_with": "wijkteam", "facts": "visit"})])
        first = self.act(ref, "review", {"help_effective": {"answer": True, "explanation": "e"},
                                         "help_continues": True,
                                         "next_review_date": local_date(28)})
        self.assertEqual((first["state"], first["review_date"]), ("monitoring", local_date(28)))
        second = self.act(ref, "review", {"help_effective": {"answer": False,
                                                              "explanation": "no safety"},
                                          "report": {"decision": True, "rationale": "r"}})
        self.assertEqual((second["state"], second["report_decided"]), ("decided", True))

    def test_honour_related_violence_needs_a_specialist_before_step_3(self):
        ref = self.submit("UNIT-HONOUR", "honour-0001",
                          signals=["mc.honour.afraid_of_family_reaction"])["concern_ref"]
        self.walk(ref, steps_to_decision()[:1] + [
            ("map_signals", {"observations": "facts", "supporting_signals": "s",
                             "undermining_signals": "u", "children_involved": "no"}),
            ("consult", {"consulted_with": "colleague", "consulted_at": now(),
                         "question": "q", "advice": "a"})])
        refused = self.act(ref, "skip_conversation", {"skip_reason": "danger"}, expect=409)
        self.assertEqual(refused["code"], "specialist_consultation_required")
        self.act(ref, "consult", {"consulted_with": "Veilig Thuis", "consulted_at": now(),
                                  "question": "q", "advice": "a", "specialist": "veilig_thuis"})
        self.assertEqual(self.act(ref, "skip_conversation", {"skip_reason": "danger"})["state"],
                         "conversation_done")

    def test_people_a_change_of_tenant_and_a_move(self):
        ref = self.submit("UNIT-OLD", "house-0001")["concern_ref"]
        after = self.act(ref, "record_people", people(
            {"person": "adult A", "relation": "possible_victim"},
            {"person": "child 1", "relation": "child_witness", "age": 9}))
        self.assertEqual(after["children_involved"], "yes")
        refused = self.act(ref, "record_people", people(
            {"person": "adult A", "relation": "other", "name": "Johanna"}), expect=422)
        self.assertEqual(refused["pointer"], "/fields/people/0/name")
        self.assertEqual(self.call("GET", "/v1/concerns/" + ref, "officer")[2]["people"],
                         after["people"])
        # A change of tenant: later signals without a household start a new file.
        time.sleep(1.1)  # the change comes after the former tenant's concern, to the second
        status, _, _ = self.call("POST", "/v1/host-events", "erp", {
            "event_id": "EV-TENANT-E2E", "unit_id": "UNIT-OLD", "kind": "tenant_changed",
            "occurred_at": now()})
        self.assertEqual(status, 202)
        time.sleep(1.1)  # created after the change: a whole second later
        newer = self.submit("UNIT-OLD", "house-0002")["concern_ref"]
        self.assertNotEqual(newer, ref)
        # A household that moves takes its file along.
        moving = self.submit("UNIT-A", "house-0003",
                             ticket={"host_ticket_id": "WO-h3", "unit_id": "UNIT-A",
                                     "household_ref": "HH-E2E"})["concern_ref"]
        moved = self.submit("UNIT-B", "house-0004",
                            ticket={"host_ticket_id": "WO-h4", "unit_id": "UNIT-B",
                                    "household_ref": "HH-E2E"})
        self.assertEqual((moved["concern_ref"], moved["unit_id"]), (moving, "UNIT-B"))
        self.assertIn("household_moved", [e["kind"] for e in moved["chronology"]])

    def test_an_export_for_the_suspected_perpetrator_and_a_hold_lifted_by_two(self):
        concern = self.submit("UNIT-EXPORT", "export-0001")
        ref = concern["concern_ref"]
        told = concern["chronology"][0]["entry_id"]
        path = "/v1/concerns/%s/export-requests" % ref
        bad = self.call("POST", path, "officer", {"requester_relation": "suspected_perpetrator",
                                                  "withhold": [{"entry_id": 999999,
                                                                "reason": "rights_of_others",
                                                                "explanation": "x"}]})
        self.assertEqual(self.assertProblem(bad, 422, "invalid_field")["pointer"],
                         "/withhold/0/entry_id")
        status, _, pending = self.call("POST", path, "officer", {
            "requester_relation": "suspected_perpetrator",
            "withhold": [{"entry_id": told, "reason": "safety_of_others",
                          "explanation": "what the technician saw"}]})
        self.assertEqual(status, 201, pending)
        approval = "/v1/export-requests/%s/approval" % pending["export_ref"]
        # The second officer reads what is withheld, and why, before approving.
        status, _, seen = self.call("GET", "/v1/export-requests/" + pending["export_ref"],
                                    "officer2")
        self.assertEqual((status, seen), (200, pending))
        self.assertProblem(self.call("POST", approval, "officer", {"approve": True}), 409,
                           "second_officer_required")
        status, _, dossier = self.call("POST", approval, "officer2", {"approve": True})
        self.assertEqual((status, dossier["requester_relation"]), (200, "suspected_perpetrator"))
        self.assertNotIn(SECRET_TEXT, json.dumps(dossier))
        self.assertEqual(dossier["submissions"], [])
        # A legal hold placed by an officer is not lifted by an admin alone.
        hold = "/v1/concerns/%s/legal-hold" % ref
        self.call("POST", hold, "officer", {"hold": True, "reason": "complaint"})
        status, _, asked = self.call("POST", hold, "admin", {"hold": False})
        self.assertEqual(status, 200)
        self.assertIn("lift_requested_at", asked["legal_hold"])
        self.assertProblem(self.call("POST", hold, "admin", {"hold": False}), 409,
                           "second_person_required")
        self.assertIsNone(self.call("POST", hold, "officer2", {"hold": False})[2]["legal_hold"])

    def test_an_export_request_declined_by_the_second_officer_leaves_the_due_steps(self):
        ref = self.submit("UNIT-EXPORT-NO", "export-no-0001")["concern_ref"]
        status, _, pending = self.call("POST", "/v1/concerns/%s/export-requests" % ref, "officer",
                                       {"requester_relation": "suspected_perpetrator"})
        self.assertEqual(status, 201, pending)
        decline = "/v1/export-requests/%s/decline" % pending["export_ref"]

        def awaiting():
            due = self.call("GET", "/v1/steps/due", "officer")[2]["due"]
            return [s for s in due if s.get("export_ref") == pending["export_ref"]]

        self.assertEqual(len(awaiting()), 1)
        for body, status, code, pointer in [({}, 422, "missing_field", "/reason"),
                                            ({"reason": "  "}, 422, "invalid_field", "/reason"),
                                            ({"reason": "x", "decline": False}, 422,
                                             "decline_mismatch", "/decline")]:
            refused = self.assertProblem(self.call("POST", decline, "officer2", body), status, code)
            self.assertEqual(refused["pointer"], pointer, body)
        self.assertProblem(self.call("POST", decline, "auditor", {"reason": "x"}), 403, "forbidden")
        self.assertEqual(len(awaiting()), 1)
        status, _, declined = self.call("POST", decline, "officer2",
                                        {"reason": "first ask the legal adviser"})
        self.assertEqual((status, declined["status"]), (200, "declined"), declined)
        self.assertEqual(declined["declined"]["reason"], "first ask the legal adviser")
        self.assertEqual(awaiting(), [])
        self.assertProblem(self.call("POST", "/v1/export-requests/%s/approval"
                                     % pending["export_ref"], "officer2", {"approve": True}),
                           409, "export_declined")

    def test_bad_export_and_hold_requests_name_the_field_and_change_nothing(self):
        ref = self.submit("UNIT-EXPORT-BAD", "export-bad-0001")["concern_ref"]
        path = "/v1/concerns/%s/export-requests" % ref
        status, _, pending = self.call("POST", path, "officer", {"requester_relation": "other"})
        self.assertEqual(status, 201, pending)
        approval = "/v1/export-requests/%s/approval" % pending["export_ref"]
        hold = "/v1/concerns/%s/legal-hold" % ref
        self.call("POST", hold, "officer", {"hold": True, "reason": "complaint"})
        before = self.call("GET", "/v1/concerns/" + ref, "officer")[2]
        for method_path, who, body, status, code, pointer in [
                (path, "officer", {"requester_relation": "neighbour"}, 422, "schema_violation",
                 "/requester_relation"),
                (path, "officer", {"withhold": []}, 422, "missing_field", "/requester_relation"),
                (path, "auditor", {"requester_relation": "other"}, 403, "forbidden", ""),
                (approval, "officer2", {"approve": False}, 422, "schema_violation", "/approve"),
                (approval, "officer2", {"approve": True, "export_ref": "x_" + "B" * 22}, 422,
                 "export_ref_mismatch", "/export_ref"),
                ("/v1/export-requests/x_%s/approval" % ("A" * 22), "officer2", {"approve": True},
                 404, "not_found", "/export_ref"),
                (approval, "auditor", {"approve": True}, 403, "forbidden", ""),
                (hold, "officer2", {"hold": "no"}, 422, "schema_violation", "/hold"),
                (hold, "auditor", {"hold": False}, 403, "forbidden", "")]:
            refused = self.assertProblem(self.call("POST", method_path, who, body), status, code)
            if pointer:
                self.assertEqual(refused["pointer"], pointer, (method_path, body, refused))
        # Nothing changed: the hold awaits no lift, the export is still released once, whole.
        self.assertEqual(self.call("GET", "/v1/concerns/" + ref, "officer")[2], before)
        self.assertNotIn("lift_requested_at", before["legal_hold"])
        status, _, dossier = self.call("POST", approval, "officer2", {"approve": True})
        self.assertEqual((status, dossier["requester_relation"]), (200, "other"), dossier)
        self.assertIn(SECRET_TEXT, json.dumps(dossier))  # "other" asked; nothing withheld
        self.assertProblem(self.call("POST", approval, "officer2", {"approve": True}), 409,
                           "export_released")

    def test_bad_fields_of_new_actions_are_422_with_the_pointer_and_change_nothing(self):
        ref = self.submit("UNIT-BAD", "bad-0001")["concern_ref"]
        before = self.call("GET", "/v1/concerns/" + ref, "officer")[2]
        for action, fields, pointer in [
                ("report_to_veilig_thuis", dict(melding(now()), channel="fax"), "/fields/channel"),
                ("record_veilig_thuis_feedback", {"received_at": now(), "outcome": "closed_by_veilig_thuis"},
                 "/fields/summary"),
                ("refer", {"route": "ggd", "receiving_party": "GGD", "referred_at": now(),
                           "sharing_basis": "consent"}, "/fields/sharing_justification"),
                ("add_note", {"occurred_at": now(3), "facts": "f"}, "/fields/occurred_at"),
                ("record_people", people({"person": "grandmother", "relation": "other"}),
                 "/fields/people/0/person")]:
            refused = self.act(ref, action, fields, expect=422)
            self.assertEqual(refused["pointer"], pointer, (action, refused))
        for query, pointer in [("priority=high", "/priority"), ("sort=oldest", "/sort")]:
            refused = self.call("GET", "/v1/concerns?" + query, "officer")
            self.assertEqual(self.assertProblem(refused, 400, "schema_violation")["pointer"],
                             pointer)
        self.assertEqual(self.call("GET", "/v1/concerns/" + ref, "officer")[2], before)

    def test_reminders_are_listed_to_every_officer(self):
        ref = self.submit("UNIT-DUE", "due-0001")["concern_ref"]
        self.act(ref, "record_acute", {"called_112": False, "called_veilig_thuis": True,
                                       "veilig_thuis_call": "report", "called_at": now(-20),
                                       "summary": "called"})
        for who in ("officer", "officer2"):
            status, _, due = self.call("GET", "/v1/steps/due", who)
            self.assertEqual(status, 200)
            late = [d for d in due["due"] if d["concern_ref"] == ref]
            self.assertIn("veilig_thuis_feedback_late", [d["reminder"] for d in late], late)


class FiguresTest(E2ETestCase):
    """GET /v1/figures on a sidecar whose clock is fixed in 2026-Q4 (k = 3 so
    that a few concerns make figures): JSON and CSV, for managers and
    officers only, and a manager is refused everything else."""

    @classmethod
    def setUpClass(cls):
        cls.tok, entries = make_tokens()
        cls.mc = Sidecar(entries)
        plugin = meldcoded_config.plugin_config(cls.mc.store)
        plugin["clock"] = {"fixed": "2026-11-25T10:00:00Z"}
        plugin["figures"] = {"min_cell": 3}
        cls.mc.extra = {"plugin": plugin}
        cls.mc.start()
        for n in range(6):  # five urgent (children) and one acute
            status, _, receipt = cls.mc.request("POST", "/v1/submissions", cls.tok["tech"], dict(
                submission("figures-%04d" % n, ticket={"host_ticket_id": "WO-F%d" % n,
                                                        "unit_id": "UNIT-F%d" % n}),
                acute=n == 5))
            assert status == 201, receipt

    @classmethod
    def tearDownClass(cls):
        cls.mc.stop()

    def call(self, path, who, headers=None):
        return self.mc.request("GET", path, self.tok.get(who), headers=headers)

    def test_managers_and_officers_read_the_figures_as_json(self):
        for who in ("manager", "officer"):
            status, headers, figures = self.call("/v1/figures?from=2026-Q1&to=2026-Q4", who)
            self.assertEqual(status, 200, figures)
            self.assertTrue(headers["content-type"].startswith("application/json"))
            rows = {(t["table"], r["row"]): r for t in figures["tables"] for r in t["rows"]}
            self.assertEqual(rows[("opened", "concerns")]["counts"], [0, 0, 0, 6])
            self.assertEqual(rows[("opened", "concerns")]["year_totals"], [6])
            self.assertEqual(rows[("priority", "urgent")]["counts"], [0, 0, 0, None])
            self.assertEqual(rows[("priority", "acute")]["counts"], [0, 0, 0, None])
            self.assertEqual(figures["acute_share"], [None, None, None, None])
            self.assertNotIn("UNIT-F", json.dumps(figures))

    def test_the_figures_as_csv_by_format_or_accept(self):
        for path, headers in [("/v1/figures?from=2026-Q4&to=2026-Q4&format=csv", None),
                              ("/v1/figures?from=2026-Q4&to=2026-Q4", {"Accept": "text/csv"})]:
            status, h, text = self.call(path, "manager", headers)
            self.assertEqual(status, 200, text)
            self.assertEqual(h["content-type"], "text/csv; charset=utf-8")
            self.assertIn('filename="figures-2026-Q4-2026-Q4.csv"', h["content-disposition"])
            lines = text.split("\r\n")
            self.assertEqual(lines[0], "table,row,period,value")
            self.assertIn("opened,concerns,2026-Q4,6", lines)
            self.assertIn("opened,concerns,2026,6", lines)
            self.assertIn("priority,acute,2026-Q4,", lines)  # hidden: empty
            self.assertIn("signal_category,mc.home,2026-Q4,6", lines)
            self.assertEqual(lines[-1], "")

    def test_other_roles_are_refused_the_figures_and_a_manager_everything_else(self):
        for who in ("tech", "auditor", "admin"):
            self.assertEqual(self.call("/v1/figures?from=2026-Q4&to=2026-Q4", who)[0], 403, who)
        for method, path in [("GET", "/v1/concerns"), ("GET", "/v1/steps/due"),
                             ("GET", "/v1/audit"), ("GET", "/v1/audit/verification"),
                             ("POST", "/v1/purge"), ("POST", "/v1/keys/rotate")]:
            body = {"dry_run": True} if path == "/v1/purge" else ({"batch": 10} if "rotate" in path else None)
            status, _, problem = self.mc.request(method, path, self.tok["manager"], body)
            self.assertEqual(status, 403, (path, problem))
            self.assertEqual(problem["code"], "forbidden")
        status, _, denied = self.mc.request("GET", "/v1/audit?outcome=denied&limit=500",
                                            self.tok["auditor"])
        actions = [(i["actor"]["id"], i["action"]) for i in denied["items"]]
        for action in ("denied.list_concerns", "denied.steps_due", "denied.purge_concerns"):
            self.assertIn(("mg-1", action), actions)
        self.assertIn(("au-1", "denied.read_figures"), actions)

    def test_a_future_or_malformed_quarter_is_a_problem_with_the_pointer(self):
        for query, status, code, pointer in [
                ("from=2026-Q4&to=2027-Q1", 422, "quarter_in_the_future", "/to"),
                ("from=2026-Q4&to=2026-Q3", 422, "invalid_range", "/from"),
                ("from=2026-Q5&to=2026-Q4", 400, "schema_violation", "/from"),
                ("to=2026-Q4", 400, "missing_field", "/from"),
                ("from=2026-Q4&to=2026-Q4&format=xml", 400, "invalid_format", "/format"),
                ("from=2026-Q4&to=2026-Q4&unit_id=UNIT-F1", 400, "unknown_query_parameter",
                 "/unit_id")]:
            got, headers, problem = self.call("/v1/figures?" + query, "manager")
            self.assertEqual((got, problem["code"], problem["pointer"]), (status, code, pointer),
                             query)
            self.assertEqual(headers["content-type"], "application/problem+json")
        status, _, denied = self.mc.request(
            "GET", "/v1/audit?action=figures.read&outcome=denied&limit=500", self.tok["auditor"])
        self.assertGreaterEqual(len(denied["items"]), 4)


class OfficerCalendarTest(E2ETestCase):
    """A melding on the Friday before Easter Monday 2027, with the sidecar's
    clock fixed: Veilig Thuis's feedback is late from Tuesday 6 April."""

    def start_at(self, mc, fixed):
        plugin = meldcoded_config.plugin_config(mc.store)
        plugin["clock"] = {"fixed": fixed}
        mc.extra = {"plugin": plugin}
        return mc.start()

    def test_a_melding_with_late_feedback_on_a_friday_before_a_public_holiday(self):
        tok, entries = make_tokens()
        mc = Sidecar(entries)
        call = lambda method, path, who, body=None: mc.request(method, path, tok[who], body)
        self.start_at(mc, "2027-03-26T10:00:00+01:00")
        try:
            status, _, receipt = call("POST", "/v1/submissions", "tech", submission(
                "easter-0001", ticket={"host_ticket_id": "WO-E1", "unit_id": "UNIT-EASTER"}))
            self.assertEqual(status, 201, receipt)
            ref = call("GET", "/v1/submissions/%s/concern" % receipt["submission_ref"],
                       "officer")[2]["concern_ref"]
            fields = dict(melding("2027-03-25T23:30:00Z"))  # Friday 00:30 in Amsterdam
            status, _, after = call("POST", "/v1/concerns/%s/actions" % ref, "officer",
                                    {"action": "report_to_veilig_thuis", "fields": fields})
            self.assertEqual(status, 200, after)
            self.assertEqual(after["veilig_thuis_feedback_due"], "2027-04-05")
        finally:
            mc.stop()

        def late_at(fixed):
            self.start_at(mc, fixed)
            try:
                due = call("GET", "/v1/steps/due", "officer2")[2]["due"]
            finally:
                mc.stop()
            return [d for d in due if d["reminder"] == "veilig_thuis_feedback_late"]

        self.assertEqual(late_at("2027-04-05T20:00:00+02:00"), [])
        self.assertEqual(late_at("2027-04-06T08:00:00+02:00"), [{
            "concern_ref": ref, "action": "record_veilig_thuis_feedback",
            "due_date": "2027-04-06", "reminder": "veilig_thuis_feedback_late"}])

if __name__ == "__main__":
    unittest.main()
