#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets and their dictionary.

    python3 tests/fuzz/make_corpus.py     # from anywhere; rewrites corpus/ and meldcode.dict

corpus/<target>/ gets the schema examples of the target's payload
(schemas/examples/<schema>/{valid,invalid}/, as valid_*.json and invalid_*.json),
seeds of our own that reach further (seed_*), the inputs of fixed findings
(regression_*), and edge cases of the payload rules every payload shares
(edge_*: nesting, UTF-8, numbers, NUL, size).
meldcode.dict holds the member names and enum values of every schema, the
workflow's action and state names and the fixture's placeholders, so that the
fuzzer need not guess them byte by byte.

Concerns, submissions and the prompt token are named by the placeholders that
fuzz_support.h describes: the references of the schema examples, and
"c_<state>" padded with 0 to 22 characters for the fixture's concern in <state>.
"""
import json
import pathlib
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent.parent
SCHEMAS = REPO / "schemas"
WORKFLOW = REPO / "plugins" / "meldcode" / "resources" / "workflow.json"

# target -> the schema of its payload
TARGETS = {
    "mc_open": "config",
    "mc_open_workflow": "workflow",
    "mc_ticket_closed": "ticket",
    "mc_signals_submit": "submission",
    "mc_submission_status": "submission_status_request",
    "mc_prompt_open": "prompt_open_request",
    "mc_host_event_report": "host_event",
    "mc_concerns_list": "concern_query",
    "mc_concern_get": "concern_get",
    "mc_concern_act": "concern_action",
    "mc_legal_hold_set": "legal_hold_request",
    "mc_purge": "purge_request",
    "mc_concern_export": "export_request",
    "mc_keys_rotate": "key_rotation_request",
    "mc_audit_list": "audit_query",
    "mc_audit_record": "audit_event",
    "mc_figures_get": "figures_request",
    "mc_concern_melding_draft": "melding_draft_request",
    "actor": "actor",
}

PROMPT_TOKEN = (
    "p_CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW-yBFao-02f4jSG2St9wBJkt"
    "wlbrfBClOc5i94gcsUXabwOUKL1R5nsPoDTJXfKHG"
)
OWN_SUBMISSION = "s_Xk3dP9qLw2ZtB8vN5mRy0A"
OTHER_SUBMISSION = "s_b4Tn-Ue7Wq1_Hs6Jd0Fg2K"


def concern(state):
    return "c_" + state + "0" * (22 - len(state))


def answer(yes):
    return {"answer": yes, "explanation": "toelichting"}


def decision(yes):
    return {"decision": yes, "rationale": "onderbouwing"}


def action(state, name, fields):
    return {"concern_ref": concern(state), "action": name, "fields": fields}


MAP_SIGNALS = {
    "observations": "feiten",
    "supporting_signals": "gat in deur",
    "undermining_signals": "geen",
    "children_involved": "yes",
    "interpretations": "duiding",
}
ACUTE = {
    "called_112": True,
    "called_veilig_thuis": False,
    "called_at": "2026-11-25T09:50:00+01:00",
    "summary": "112 gebeld",
}

# Seeds of our own, per target: one step into every corner the examples leave.
SEEDS = {
    "mc_concern_act": {
        "assign_open": action("open", "assign", {"assignee": "af-1"}),
        "map_signals_open": action("open", "map_signals", MAP_SIGNALS),
        "record_acute_open": action("open", "record_acute", ACUTE),
        "consult_signals_mapped": action(
            "signals_mapped",
            "consult",
            {
                "consulted_with": "Veilig Thuis",
                "consulted_at": "2026-11-25T09:00:00Z",
                "question": "vraag",
                "advice": "advies",
                "veilig_thuis_consulted": True,
            },
        ),
        "hold_conversation_consulted": action(
            "consulted",
            "hold_conversation",
            {
                "held_with": "bewoner",
                "held_at": "2026-11-25T09:30:00Z",
                "facts_presented": "feiten",
                "reaction": "reactie",
                "officer_reading": "duiding",
            },
        ),
        "skip_conversation_consulted": action(
            "consulted", "skip_conversation", {"skip_reason": "gevaar"}
        ),
        "weigh_no_suspicion": action(
            "conversation_done", "weigh", {"suspicion": answer(False)}
        ),
        "weigh_unsafety": action(
            "conversation_done", "weigh", {"suspicion": answer(True), "unsafety": answer(True)}
        ),
        "weigh_no_help": action(
            "conversation_done",
            "weigh",
            {"suspicion": answer(True), "unsafety": answer(False), "help_possible": answer(False)},
        ),
        "weigh_help_accepted": action(
            "conversation_done",
            "weigh",
            {
                "suspicion": answer(True),
                "unsafety": answer(False),
                "help_possible": answer(True),
                "help_accepted": answer(True),
            },
        ),
        "decide_report": action(
            "weighed", "decide", {"report": decision(True), "help": decision(False)}
        ),
        "decide_help": action(
            "weighed",
            "decide",
            {
                "report": decision(False),
                "help": decision(True),
                "monitoring_agreements": "wijkteam",
                "review_date": "2026-12-01",
            },
        ),
        "review_effective": action("monitoring", "review", {"help_effective": answer(True)}),
        "review_not_effective": action(
            "monitoring", "review", {"help_effective": answer(False), "report": decision(True)}
        ),
        "give_feedback_monitoring": action("monitoring", "give_feedback", {}),
        "give_feedback_decided": action("decided", "give_feedback", {}),
        "close_decided": action("decided", "close", {"reason": "afgerond"}),
        "reopen_closed": action("closed", "reopen", {"reason": "nieuwe signalen"}),
        "record_acute_closed": action("closed", "record_acute", ACUTE),
        "record_acute_report_open": action(
            "open", "record_acute", dict(ACUTE, called_veilig_thuis=True, veilig_thuis_call="report")
        ),
        "record_people_open": action(
            "open",
            "record_people",
            {
                "people": [
                    {"person": "adult A", "relation": "possible_victim"},
                    {"person": "child 1", "relation": "child_witness", "age": 7},
                ]
            },
        ),
        "report_to_veilig_thuis_decided": action(
            "decided",
            "report_to_veilig_thuis",
            {
                "reported_at": "2026-11-25T09:00:00Z",
                "channel": "phone",
                "region": "Utrecht",
                "client_informed": False,
                "not_informed_reason": "gevaar",
                "reporter_unnamed_to_family": True,
                "corporation_role": "meldt nieuwe signalen",
            },
        ),
        "record_veilig_thuis_feedback_decided": action(
            "decided",
            "record_veilig_thuis_feedback",
            {"received_at": "2026-11-25T09:30:00Z", "outcome": "investigation", "summary": "s"},
        ),
        "refer_decided": action(
            "decided",
            "refer",
            {
                "route": "ggd",
                "receiving_party": "GGD",
                "referred_at": "2026-11-25T09:00:00Z",
                "sharing_basis": "consent",
                "sharing_justification": "toestemming",
            },
        ),
        "add_note_weighed": action(
            "weighed", "add_note", {"occurred_at": "2026-11-25T09:00:00Z", "facts": "gesprek"}
        ),
        "consult_again_monitoring": action(
            "monitoring",
            "consult",
            {
                "consulted_with": "expertisepunt",
                "consulted_at": "2026-11-25T09:00:00Z",
                "question": "vraag",
                "advice": "advies",
                "specialist": "expertise_point",
            },
        ),
        "review_continues": action(
            "monitoring",
            "review",
            {
                "help_effective": answer(True),
                "help_continues": True,
                "next_review_date": "2026-12-15",
            },
        ),
        "unknown_action": action("open", "fly", {}),
        "unknown_field": action("open", "assign", {"assignee": "af-1", "colour": "red"}),
    },
    "mc_concern_get": {
        "state_" + s: {"concern_ref": concern(s)}
        for s in ("signals_mapped", "monitoring", "decided", "closed")
    }
    | {"other_submission": {"submission_ref": OTHER_SUBMISSION}},
    "mc_concern_melding_draft": {
        "state_" + s: {"concern_ref": concern(s), "include_observer": s == "decided"}
        for s in ("signals_mapped", "monitoring", "decided", "closed")
    },
    "mc_concerns_list": {
        "assignee": {"assignee": "af-1"},
        "unit": {"unit_id": "VHE-FUZZ-closed", "limit": 1},
        "page_two": {"limit": 2, "cursor": "3"},
        "unknown_state": {"state": "nowhere"},
        "by_priority": {"sort": "priority", "priority": "urgent", "cursor": "1-3"},
    },
    "mc_submission_status": {"other_submission": {"submission_ref": OTHER_SUBMISSION}},
    "mc_prompt_open": {
        "own_token": {"prompt_token": PROMPT_TOKEN},
        "own_token_in_english": {"prompt_token": PROMPT_TOKEN, "locale": "en"},
    },
    "mc_legal_hold_set": {
        "hold_closed": {"concern_ref": concern("closed"), "hold": True, "reason": "complaint"},
        "lift_monitoring": {"concern_ref": concern("monitoring"), "hold": False},
    },
    "mc_purge": {"real_run_largest": {"dry_run": False, "limit": 10000}},
    "mc_concern_export": {
        "closed_everything_redacted": {
            "concern_ref": concern("closed"),
            "requester_relation": "possible_victim",
            "redact": ["observer_identity", "actor_ids", "host_ticket_ids"],
        },
        "decided": {"concern_ref": concern("decided"), "requester_relation": "other"},
        "withhold_one": {
            "concern_ref": concern("decided"),
            "requester_relation": "suspected_perpetrator",
            "withhold": [{"entry_id": 1, "reason": "safety_of_others", "explanation": "x"}],
        },
        "approve_unknown": {"export_ref": "x_" + "A" * 22, "approve": True},
    },
    "mc_keys_rotate": {"largest_batch": {"batch": 100000}, "one_record": {"batch": 1}},
    "mc_figures_get": {
        "ten_years": {"from": "2017-Q1", "to": "2026-Q4"},
        "backwards": {"from": "2026-Q4", "to": "2026-Q1"},
        "next_century": {"from": "2199-Q4", "to": "2199-Q4"},
    },
    "mc_audit_list": {
        "second_page": {"limit": 1, "cursor": "2"},
        "cursor_overflow": {"cursor": "9999999999999999999"},
        "reads_only": {"action": "audit.read", "outcome": "ok"},
    },
    "mc_signals_submit": {
        "token_no_signals": {
            "prompt_token": PROMPT_TOKEN,
            "idempotency_key": "fuzz-key-0002",
            "signals": [],
            "observations": "niets bijzonders",
            "children_involved": "no",
            "acute": False,
        },
        "ticket_joins_open_concern": {
            "ticket": {"host_ticket_id": "WO-9", "unit_id": "VHE-FUZZ-open"},
            "idempotency_key": "fuzz-key-0003",
            "signals": ["mc.home.holes_in_walls_or_doors"],
            "observations": "gat in de deur",
            "children_involved": "yes",
            "acute": False,
        },
        "ticket_after_closed_concern": {
            "ticket": {"host_ticket_id": "WO-10", "unit_id": "VHE-FUZZ-closed"},
            "idempotency_key": "fuzz-key-0004",
            "signals": ["mc.children.fearful_or_withdrawn"],
            "observations": "kind schrok",
            "children_involved": "unknown",
            "acute": True,
        },
    },
    "mc_host_event_report": {
        "joins_open_concern": {
            "event_id": "E-1",
            "unit_id": "VHE-FUZZ-open",
            "kind": "nuisance_complaint",
            "occurred_at": "2026-11-20T22:15:00Z",
        },
    },
    "mc_ticket_closed": {
        "fixture_ticket_again": {
            "host_ticket_id": "WO-FUZZ-TOKEN",
            "unit_id": "VHE-000123",
            "work_type": "reparatie",
            "entered_dwelling": True,
            "technician_id": "tech-0042",
            "closed_at": "2026-11-25T09:30:00Z",
        },
        "too_old": {
            "host_ticket_id": "WO-OLD",
            "unit_id": "VHE-1",
            "work_type": "reparatie",
            "entered_dwelling": True,
            "technician_id": "tech-0042",
            "closed_at": "2026-11-01T09:30:00Z",
            "locale": "en",
        },
    },
    "mc_open": {
        "every_member": {
            "store_path": "x.db",
            "keys": {"file": "x.keys"},
            "default_locale": "en",
            "prompt_rules": {
                "work_types": ["reparatie"],
                "excluded_work_types": ["glas"],
                "require_entered_dwelling": False,
                "opted_out_technicians": ["tech-0042"],
                "max_ticket_age_hours": 1,
            },
            "host_events": {"create_concern_for": ["rent_arrears"]},
            "workflow_file": "builtin.json",
            "clock": {"fixed": "2026-11-25T10:00:00+01:00"},
            "check_outputs": True,
        },
        "missing_workflow_file": {
            "store_path": "x.db",
            "keys": {"file": "x.keys"},
            "workflow_file": "nothing-here",
        },
        "clock_february_30": {
            "store_path": "x.db",
            "keys": {"file": "x.keys"},
            "clock": {"fixed": "2026-02-30T10:00:00Z"},
        },
        "keys_from_unset_env": {"store_path": "x.db", "keys": {"env": "MELDCODE_NO_SUCH_KEYS"}},
    },
    "actor": {
        "admin": {"id": "beheer", "role": "admin"},
        "auditor": {"id": "audit", "role": "auditor"},
        "other_observer": {"id": "tech-0007", "role": "observer"},
        "own_observer": {"id": "tech-0042", "role": "observer"},
    },
}


# Inputs of fixed findings (findings/README.md), kept as regression seeds.
REGRESSIONS = {
    "mc_open": {"number_overflow": b'{"store_path": 1e400}'},
    "mc_open_workflow": {"number_overflow": b'{"id": 1e999}'},
    "mc_concerns_list": {"number_overflow": b'{"limit": 1e400}'},
    "mc_ticket_closed": {
        "number_overflow": b'{"host_ticket_id": "WO-1", "unit_id": "VHE-1", "work_type": "REP",'
        b' "entered_dwelling": true, "technician_id": "t-1",'
        b' "closed_at": "2026-11-25T09:45:00Z", "count": 1E+309}'
    },
    "actor": {"number_overflow": b'{"id": "af-1", "role": "officer", "n": -1e400}'},
}


def edge_cases(valid):
    """Edge cases of the rules every payload shares, built on one valid example."""
    text = json.dumps(valid, ensure_ascii=False)
    first_string = next(
        (k for k, v in valid.items() if isinstance(v, str)), None
    ) if isinstance(valid, dict) else None
    cases = {
        "empty": b"",
        "null": b"null",
        "array": b"[]",
        "truncated": text.encode()[: len(text) // 2],
        "trailing_garbage": text.encode() + b" }",
        "bom": b"\xef\xbb\xbf" + text.encode(),
        "nul_byte_inside": text.encode()[:5] + b"\x00" + text.encode()[5:],
        "depth_64": b"[" * 64 + b"]" * 64,
        "depth_65": b"[" * 65 + b"]" * 65,
        "depth_in_member": b'{"a":' + b"[" * 70 + b"]" * 70 + b"}",
        "brackets_in_string": b'{"a":"' + b"[" * 100 + b'"}',
        "huge_numbers": b'{"a": 1e400, "b": -1e-400, "c": 123456789012345678901234567890,'
        b' "d": -0, "e": 3.0, "f": 9007199254740993, "g": 18446744073709551616}',
    }
    if first_string is not None:
        def with_string(raw):
            doc = dict(valid)
            doc[first_string] = "@@"
            return json.dumps(doc, ensure_ascii=False).encode().replace(b'"@@"', raw)

        cases |= {
            "escaped_nul": with_string(b'"a\\u0000b"'),
            "control_character": with_string(b'"a\\u001bb"'),
            "invalid_utf8": with_string(b'"a\xff\xfeb"'),
            "overlong_utf8": with_string(b'"a\xc0\xafb"'),
            "lone_surrogate": with_string(b'"a\\ud800b"'),
            "surrogate_pair": with_string(b'"a\\ud83d\\ude00b"'),
            "raw_surrogate": with_string(b'"a\xed\xa0\x80b"'),
            "number_for_string": with_string(b"1e400"),
            "duplicate_member": text.encode()[:-1] + b', "' + first_string.encode() + b'": 1}',
        }
    return cases


def dictionary():
    words = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    words.update(value)
                if key in ("enum", "required") and isinstance(value, list):
                    words.update(v for v in value if isinstance(v, str))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in SCHEMAS.glob("*.schema.json"):
        walk(json.loads(schema.read_text()))
    workflow = json.loads(WORKFLOW.read_text())
    states = [s["id"] for s in workflow["states"]]
    words.update(states)
    for a in workflow["actions"]:
        words.add(a["id"])
        words.update(f["name"] for f in a["fields"])
    words.update(concern(s) for s in states)
    words.update([OWN_SUBMISSION, OTHER_SUBMISSION, PROMPT_TOKEN])
    words.update(["mc.home.holes_in_walls_or_doors", "mc.children.fearful_or_withdrawn"])
    lines = [f'"\\"{w}\\""' for w in sorted(words)]
    lines += [
        '"true"', '"false"', '"null"', '"{}"', '"[]"', '":"', '","',
        '"\\\\u0000"', '"\\\\ud800"', '"1e400"', '"-0"', '"3.0"',
        '"2026-11-25T10:00:00Z"', '"2026-02-30"', '"+01:00"',
    ]
    return "# Generated by make_corpus.py.\n" + "\n".join(lines) + "\n"


def main():
    corpus = FUZZ / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    for target, schema in TARGETS.items():
        out = corpus / target
        out.mkdir(parents=True)
        examples = SCHEMAS / "examples" / schema
        for kind in ("valid", "invalid"):
            for f in sorted((examples / kind).glob("*.json")):
                shutil.copyfile(f, out / f"{kind}_{f.name}")
        for name, doc in SEEDS.get(target, {}).items():
            (out / f"seed_{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1))
        for name, data in REGRESSIONS.get(target, {}).items():
            (out / f"regression_{name}.json").write_bytes(data)
        if target == "mc_open_workflow":
            continue  # a workflow file is read whole; its edge cases are the fuzzer's
        valid = json.loads(sorted((examples / "valid").glob("*.json"))[-1].read_text())
        for name, data in edge_cases(valid).items():
            (out / f"edge_{name}.json").write_bytes(data)
    # The 20,000-character limit once, counted in characters, not bytes (the
    # corpus stays small, and so does libFuzzer's default -max_len elsewhere).
    ticket = json.loads((SCHEMAS / "examples/ticket/valid/repair_full.json").read_text())
    for name, text in (("long_ascii", "x" * 20001), ("multibyte_at_limit", "\u00e9" + "x" * 19999)):
        doc = dict(ticket, unit_id=text)
        data = json.dumps(doc, ensure_ascii=False).encode()
        (corpus / "mc_ticket_closed" / f"edge_{name}_string.json").write_bytes(data)
    (FUZZ / "meldcode.dict").write_text(dictionary())


if __name__ == "__main__":
    main()
