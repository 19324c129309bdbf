"""What every Python binding test needs: a fresh store, actors, payloads, and a
look at the store file from outside (sqlite3, read-only) to prove that a
refused call changed nothing."""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import tempfile
import unittest
from typing import Any, Dict

from meldcode import Meldcode

NOW = "2026-11-25T10:00:00Z"  # the instance's fixed clock
OFFICER = {"id": "af-1", "role": "officer"}
ERP = {"id": "erp", "role": "integration"}


def config(store_path: str) -> Dict[str, Any]:
    """The one mc_open configuration of every Python test: the store, a key
    ring file next to it (a fresh key, owner-only, made once), a fixed clock."""
    keys = os.path.join(os.path.dirname(store_path), "meldcode.keys")
    if not os.path.exists(keys):
        fd = os.open(keys, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write('{"active": "k1", "keys": {"k1": "%s"}}' % secrets.token_hex(32))
    return {"store_path": store_path, "keys": {"file": keys}, "clock": {"fixed": NOW},
            "check_outputs": True}


def observer(technician: str) -> Dict[str, str]:
    return {"id": technician, "role": "observer"}


def ticket(ticket_id: str, unit_id: str, technician: str) -> Dict[str, Any]:
    return {"host_ticket_id": ticket_id, "unit_id": unit_id, "work_type": "REP",
            "entered_dwelling": True, "technician_id": technician,
            "closed_at": "2026-11-25T09:45:00Z", "locale": "nl"}


def submission(prompt_token: str, key: str, observations: str) -> Dict[str, Any]:
    return {"prompt_token": prompt_token, "idempotency_key": key,
            "signals": ["mc.home.holes_in_walls_or_doors", "mc.children.lock_on_outside_of_room"],
            "observations": observations, "children_involved": "yes", "acute": False}


class StoreTest(unittest.TestCase):
    """A test with ``self.mc``, an open instance on a fresh store in a temporary directory."""

    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="meldcode-py-")
        self.store_path = os.path.join(self.dir, "meldcode.db")
        self.mc = Meldcode(config(self.store_path))

    def tearDown(self) -> None:
        self.mc.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def submit(self, ticket_id: str, unit_id: str, technician: str, observations: str) -> str:
        """Prompts a fresh ticket and submits on it; returns the submission_ref."""
        prompt = self.mc.ticket_closed(observer(technician), ticket(ticket_id, unit_id, technician))
        receipt = self.mc.submit_signals(
            observer(technician), submission(prompt["prompt_token"], "key-" + ticket_id,
                                             observations))
        return receipt["submission_ref"]

    def _query(self, sql: str) -> list:
        db = sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def fingerprint(self) -> list:
        """Every row of every table but the audit trail (with its head) and the prompt log."""
        tables = self._query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                             "LIKE 'sqlite_%' AND name NOT IN ('audit', 'audit_head', 'prompts') ORDER BY name")
        return [(name, self._query(f'SELECT * FROM "{name}" ORDER BY 1')) for (name,) in tables]

    def rows(self, table: str) -> int:
        return self._query(f'SELECT count(*) FROM "{table}"')[0][0]
