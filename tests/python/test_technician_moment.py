"""docs/embedding.md, "The technician's moment": its Python block, run as it stands."""

import os
import re
import unittest

from support import ERP, OFFICER, StoreTest, observer, ticket

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "embedding.md")


def documented():
    """The functions of the section's Python block."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## The technician's moment"):]
    block = re.search(r"```python[^\n]*\n(.*?)```", section, re.S).group(1)
    names = {}
    exec(compile(block, DOC, "exec"), names)  # noqa: S102 - our own documentation
    return names


class TechnicianMomentTest(StoreTest):
    def test_the_documented_host_asks_on_its_own_screen_and_keeps_the_ticket_clean(self):
        doc = documented()
        tech = observer("tech-7")
        todo, receipts = {}, {}
        closed = ticket("WO-9", "VHE-9", "tech-7")

        # On the tenant's signing tablet: no form, only a token for later.
        self.assertIsNone(doc["close_ticket"](self.mc, ERP, closed, True, todo))
        self.assertIn("WO-9", todo)
        form = self.mc.catalog("nl")  # later, on the technician's own device
        category = form["categories"][0]
        doc["send"](self.mc, tech, "WO-9", form,
                    {"signals": [category["signals"][0]["id"]]}, todo, receipts)
        self.assertEqual(todo, {})
        self.assertEqual(set(receipts), {"WO-9"})

        # The officer's feedback reaches only that technician, in the form's words.
        concern = self.mc.get_concern(OFFICER, {"submission_ref": receipts["WO-9"]})
        self.mc.act(OFFICER, {"concern_ref": concern["concern_ref"],
                               "action": "give_feedback",
                               "fields": {"message": "in_progress",
                                          "aftercare_offered": True}})
        lines = doc["feedback_text"](self.mc, tech, form, receipts["WO-9"])
        self.assertEqual(lines, ["In behandeling: er wordt niets meer van je verwacht.",
                                 form["feedback"]["aftercare_offer"]])

        # On the technician's own screen the form comes with the answer.
        own = doc["close_ticket"](self.mc, ERP, ticket("WO-10", "VHE-9", "tech-7"), False, todo)
        self.assertEqual(own["start"], "question")


if __name__ == "__main__":
    unittest.main()
