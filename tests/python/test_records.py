"""Retention, data-subject export, keys and the audit trail through the Python
binding's named methods, and the generic call() refusing a function of
another shape (given (actor, request), mc_audit_verify would write its answer
where the request is)."""

import unittest

from meldcode import ArgumentError, ForbiddenError
from support import ERP, OFFICER, StoreTest, observer, submission, ticket

ADMIN = {"id": "records-1", "role": "admin"}
AUDITOR = {"id": "audit-1", "role": "auditor"}


class RecordsTest(StoreTest):
    def concern_ref(self) -> str:
        prompt = self.mc.ticket_closed(ERP, ticket("WO-9", "VHE-9", "tech-9"))
        receipt = self.mc.submit_signals(
            observer("tech-9"), submission(prompt["prompt_token"], "key-records", "gezien"))
        return self.mc.get_concern(OFFICER, receipt)["concern_ref"]

    def test_hold_export_purge_and_keys(self):
        ref = self.concern_ref()
        hold = self.mc.set_legal_hold(OFFICER, {"concern_ref": ref, "hold": True,
                                                "reason": "complaint"})
        self.assertEqual(hold["concern_ref"], ref)
        self.assertEqual(hold["legal_hold"]["reason"], "complaint")
        # Requested by one officer, released by another.
        pending = self.mc.export_concern(OFFICER, {"concern_ref": ref,
                                                   "requester_relation": "possible_victim"})
        dossier = self.mc.export_concern({"id": "af-2", "role": "officer"},
                                         {"export_ref": pending["export_ref"], "approve": True})
        self.assertEqual((dossier["format"], dossier["concern"]["concern_ref"]),
                         ("meldcode.dossier/1", ref))
        report = self.mc.purge(ADMIN, {"dry_run": True})
        self.assertEqual((report["dry_run"], report["concerns"]), (True, 0))  # open: kept
        progress = self.mc.rotate_keys(ADMIN, {})
        self.assertEqual((progress["remaining"], progress["active_key"]), (0, "k1"))

    def test_the_audit_trail_is_verified_recorded_and_read(self):
        self.concern_ref()
        self.assertTrue(self.mc.verify_audit(AUDITOR)["ok"])
        self.assertIsNone(self.mc.record_audit(ERP, {"action": "authentication.invalid_token"}))
        rows = self.mc.list_audit(AUDITOR, {"limit": 5})["items"]
        # Newest first: the event just recorded, then the verification before it.
        self.assertEqual(rows[0]["action"], "authentication.invalid_token")
        self.assertEqual(rows[0]["outcome"], "denied")
        self.assertIn("audit.verify", [r["action"] for r in rows])
        self.assertEqual(self.mc.extensions(), {"loaded": [], "rejected": []})

    def test_figures_for_managers_and_officers(self):
        self.concern_ref()  # opened on the fixed clock's day: 2026-Q4
        manager = {"id": "board-1", "role": "manager"}
        figures = self.mc.figures(manager, {"from": "2026-Q4", "to": "2026-Q4"})
        opened = figures["tables"][0]
        self.assertEqual((opened["table"], opened["rows"][0]["counts"]), ("opened", [None]))
        self.assertEqual(self.mc.figures(OFFICER, {"from": "2026-Q4", "to": "2026-Q4"}), figures)
        with self.assertRaises(ForbiddenError):
            self.mc.figures(AUDITOR, {"from": "2026-Q4", "to": "2026-Q4"})
        with self.assertRaises(ForbiddenError):
            self.mc.list_audit(manager, {"limit": 5})

    def test_named_methods_check_roles_in_the_plugin(self):
        with self.assertRaises(ForbiddenError):
            self.mc.verify_audit(OFFICER)
        with self.assertRaises(ForbiddenError):
            self.mc.record_audit(OFFICER, {"action": "authentication.missing_token"})

    def test_the_store_says_how_it_has_been_committing(self):
        before = self.mc.store_stats()
        self.mc.verify_audit(AUDITOR)  # audited: one commit at least
        after = self.mc.store_stats()
        self.assertGreater(after["commits"], before["commits"])
        self.assertEqual(after["commits_within"][-1]["le"], 2.5)
        self.assertLessEqual(after["commits_within"][-1]["commits"], after["commits"])
        self.assertIsNone(self.mc.probe_store())  # ready

    def test_call_refuses_a_function_that_does_not_take_actor_and_request(self):
        for function in ("mc_audit_verify", "mc_audit_record", "mc_extensions_get",
                         "mc_steps_due", "mc_catalog_get", "mc_workflow_get", "mc_prompt_open",
                         "mc_store_stats", "mc_store_probe"):
            with self.assertRaises(ArgumentError) as caught:
                self.mc.call(function, AUDITOR, {})
            self.assertEqual(caught.exception.code, "not_an_actor_request_function")
            self.assertIn(function, str(caught.exception))
        self.assertTrue(self.mc.verify_audit(AUDITOR)["ok"])  # the instance is unharmed


if __name__ == "__main__":
    unittest.main()
