"""The whole meldcode flow through the Python binding, as a host sees it."""

import threading
import unittest

from support import ERP, OFFICER, StoreTest, observer, submission, ticket

SECRET = "Zag-een-slot-aan-de-buitenkant-PY31"
TECH = observer("tech-7")
HELD_AT = "2026-11-25T09:30:00Z"


def answer(yes: bool) -> dict:
    return {"answer": yes, "explanation": "toelichting"}


def decision(yes: bool) -> dict:
    return {"decision": yes, "rationale": "onderbouwing"}


class FlowTest(StoreTest):
    def act(self, ref: str, action: str, fields: dict) -> dict:
        return self.mc.act(OFFICER, {"concern_ref": ref, "action": action, "fields": fields})

    def test_a_closed_ticket_becomes_a_concern_worked_to_closure(self):
        notifications = []
        lock = threading.Lock()

        def on_notification(n: dict) -> None:
            # Each carries its own event id (ABI 1.4); the rest is compared below.
            self.assertRegex(n.pop("event_id"), r"^evt_[0-9a-f]{32}$")
            with lock:
                notifications.append(n)

        self.mc.set_notifications(on_notification)

        prompt = self.mc.ticket_closed(ERP, ticket("WO-1", "VHE-1", "tech-7"))
        self.assertTrue(prompt["ask"])
        self.assertIn("112", prompt["form"]["acute_advice"])
        self.assertEqual(self.mc.ticket_closed(ERP, ticket("WO-1", "VHE-1", "tech-7")),
                         {"ask": False, "reason": "already_prompted"})

        receipt = self.mc.submit_signals(TECH, submission(prompt["prompt_token"], "key-0001", SECRET))
        self.assertEqual(list(receipt), ["submission_ref"])
        sub = {"submission_ref": receipt["submission_ref"]}
        self.assertEqual(self.mc.submission_status(TECH, sub)["status"], "received")

        page = self.mc.list_concerns(OFFICER, {})
        self.assertEqual(len(page["items"]), 1)
        ref = page["items"][0]["concern_ref"]
        concern = self.mc.get_concern(OFFICER, sub)
        self.assertEqual(concern["chronology"][0]["data"]["observations"], SECRET)

        self.act(ref, "assign", {"assignee": "af-1"})
        self.act(ref, "map_signals", {"observations": "feiten", "supporting_signals": "gat in deur",
                                      "undermining_signals": "geen", "children_involved": "yes"})
        self.act(ref, "consult", {"consulted_with": "Veilig Thuis",
                                  "consulted_at": "2026-11-25T09:00:00+01:00",
                                  "question": "vraag", "advice": "advies"})
        self.act(ref, "hold_conversation", {"held_with": "bewoner", "held_at": HELD_AT,
                                            "facts_presented": "feiten", "reaction": "reactie",
                                            "officer_reading": "duiding"})
        self.assertEqual(self.mc.submission_status(TECH, sub)["status"], "in_progress")
        self.act(ref, "weigh", {"suspicion": answer(True), "unsafety": answer(True)})
        decided = self.act(ref, "decide", {"report": decision(True), "help": decision(False)})
        self.assertEqual(decided["state"], "decided")
        self.assertTrue(decided["report_decided"])
        melded = self.act(ref, "report_to_veilig_thuis", {
            "reported_at": HELD_AT, "channel": "phone", "region": "Utrecht",
            "client_informed": False, "not_informed_reason": "gevaar voor het kind",
            "reporter_unnamed_to_family": True, "corporation_role": "meldt nieuwe signalen"})
        self.assertTrue(melded["reported"])
        self.act(ref, "give_feedback", {})
        self.assertEqual(self.mc.submission_status(TECH, sub)["status"], "handled")
        closed = self.act(ref, "close", {"reason": "gemeld bij Veilig Thuis"})
        self.assertEqual(closed["state"], "closed")
        self.assertEqual(closed["allowed_actions"],
                         ["record_veilig_thuis_feedback", "record_acute", "record_debrief", "reopen"])
        self.assertEqual(len(closed["chronology"]), 1 + 9)

        with lock:
            # The feedback names the observer's submission and the message, never the concern.
            self.assertEqual(notifications, [
                {"event": "concern_created", "concern_ref": ref, "priority": "urgent"},
                {"event": "feedback_ready", "submission_ref": receipt["submission_ref"],
                 "message": "completed"}])
            self.assertNotIn(SECRET, str(notifications))
        for host_facing in (prompt, receipt):
            self.assertNotIn(SECRET, str(host_facing))

    def test_events_are_kept_until_acknowledged_and_replayed(self):
        from meldcode import ArgumentError, Meldcode
        from support import config
        seen = []

        def acknowledge_the_first(n: dict) -> None:
            seen.append(n)
            if len(seen) == 1:
                self.mc.acknowledge_event(n["event_id"])  # allowed from the callback

        self.mc.set_notifications(acknowledge_the_first)
        for n in ("1", "2"):
            prompt = self.mc.ticket_closed(ERP, ticket("WO-E" + n, "VHE-E" + n, "tech-7"))
            self.mc.submit_signals(TECH, submission(prompt["prompt_token"], "key-e000" + n, SECRET))
        self.assertEqual([n["event"] for n in seen], ["concern_created"] * 2)
        first, second = seen[0]["event_id"], seen[1]["event_id"]
        self.assertNotEqual(first, second)

        # Only the one not acknowledged comes again, under its own id; also after a reopen.
        self.assertEqual(self.mc.replay_events(0, 100), 1)
        self.assertEqual(seen[2], seen[1])
        self.mc.close()
        self.mc = Meldcode(config(self.store_path))
        again = []
        self.mc.set_notifications(again.append)
        self.assertEqual(self.mc.replay_events(0, 100), 1)
        self.assertEqual([n["event_id"] for n in again], [second])
        self.mc.acknowledge_event(second)
        self.assertEqual(self.mc.replay_events(0, 100), 0)
        self.assertEqual(len(again), 1)
        self.assertNotIn(SECRET, str(seen + again))

        # Bad arguments are refused, saying which.
        for bad in ("evt_1", "", "EVT_" + "0" * 32):
            with self.assertRaises(ArgumentError) as refused:
                self.mc.acknowledge_event(bad)
            self.assertEqual(refused.exception.code, "invalid_event_id")
        for older_than, limit in ((0, 0), (0, 10001), (-1, 10)):
            with self.assertRaises(ArgumentError) as refused:
                self.mc.replay_events(older_than, limit)
            self.assertEqual(refused.exception.code, "invalid_argument")

    def test_the_catalog_and_the_library_versions(self):
        from meldcode import info
        self.assertEqual(self.mc.catalog("en")["locale"], "en")
        workflow = self.mc.workflow("nl")
        self.assertEqual(workflow["locale"], "nl")
        self.assertIn("refer", [a["id"] for a in workflow["actions"]])
        self.assertRegex(info(self.mc.plugin)["abi_version"], r"^1\.[0-9]+$")

    def test_a_closed_instance_refuses_calls(self):
        from meldcode import ArgumentError
        self.mc.close()
        with self.assertRaises(ArgumentError) as caught:
            self.mc.list_concerns(OFFICER, {})
        self.assertEqual(caught.exception.code, "instance_closed")


if __name__ == "__main__":
    unittest.main()
