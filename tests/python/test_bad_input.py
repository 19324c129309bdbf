"""Bad input through the Python binding: the right exception with code and
pointer, no concern content in the message, and nothing stored changed."""

import unittest

from meldcode import (ForbiddenError, JsonError, MeldcodeError, NotFoundError, PayloadError,
                      TooLargeError)
from support import OFFICER, StoreTest, observer, submission, ticket

SECRET = "GEHEIM-py-7c1d-observatie"
TECH = observer("tech-1")


class BadInputTest(StoreTest):
    def setUp(self) -> None:
        super().setUp()
        self.submission_ref = self.submit("WO-1", "VHE-1", "tech-1", "eerste")
        self.concern_ref = self.mc.list_concerns(OFFICER, {})["items"][0]["concern_ref"]
        self.prompt = self.mc.ticket_closed(TECH, ticket("WO-2", "VHE-1", "tech-1"))

    def assert_refused(self, error: type, code: str, pointer: str, call, *args) -> None:
        before = self.fingerprint()
        with self.assertRaises(error) as caught:
            call(*args)
        e = caught.exception
        self.assertEqual((e.code, e.pointer), (code, pointer))
        self.assertEqual(e.status, error.status)
        self.assertTrue(e.message)
        self.assertNotIn(SECRET, str(e))
        self.assertEqual(self.fingerprint(), before)

    def test_a_field_of_the_wrong_type_is_named(self):
        wrong = ticket("WO-3", "VHE-1", "tech-1") | {"entered_dwelling": "ja"}
        self.assert_refused(PayloadError, "schema_violation", "/entered_dwelling",
                            self.mc.ticket_closed, TECH, wrong)
        late = submission(self.prompt["prompt_token"], "key-0002", SECRET) | {"acute": "nee"}
        self.assert_refused(PayloadError, "schema_violation", "/acute",
                            self.mc.submit_signals, TECH, late)

    def test_an_unknown_signal_is_refused(self):
        unknown = submission(self.prompt["prompt_token"], "key-0002", SECRET)
        unknown["signals"] = ["mc.nonexistent.signal"]
        self.assert_refused(PayloadError, "unknown_signal", "/signals/0",
                            self.mc.submit_signals, TECH, unknown)

    def test_unknown_ids_are_not_found(self):
        other_ref = self.concern_ref[:-1] + ("A" if self.concern_ref[-1] != "A" else "B")
        self.assert_refused(NotFoundError, "not_found", "/concern_ref",
                            self.mc.get_concern, OFFICER, {"concern_ref": other_ref})
        # Someone else's submission looks exactly like one that does not exist.
        self.assert_refused(NotFoundError, "not_found", "/submission_ref",
                            self.mc.submission_status, observer("tech-2"),
                            {"submission_ref": self.submission_ref})

    def test_a_role_is_refused_what_it_may_not_do(self):
        self.assert_refused(ForbiddenError, "forbidden", "", self.mc.list_concerns, TECH, {})
        self.assert_refused(ForbiddenError, "forbidden", "", self.mc.act, TECH,
                            {"concern_ref": self.concern_ref, "action": "close",
                             "fields": {"reason": SECRET}})

    def test_oversized_payloads_are_refused(self):
        long_text = submission(self.prompt["prompt_token"], "key-0002", SECRET + "x" * 30000)
        self.assert_refused(TooLargeError, "string_too_long", "/observations",
                            self.mc.submit_signals, TECH, long_text)
        huge = {"unit_id": "VHE-1", "padding": ["x" * 10000] * 200}
        self.assert_refused(TooLargeError, "payload_too_large", "", self.mc.list_concerns,
                            OFFICER, huge)

    def test_invalid_utf8_through_the_raw_bytes_path(self):
        raw = b'{"observations": "' + SECRET.encode() + b'\xff\xfe"}'
        self.assert_refused(JsonError, "invalid_utf8", "", self.mc.call, "mc_signals_submit",
                            TECH, raw)
        self.assert_refused(JsonError, "invalid_json", "", self.mc.call, "mc_concerns_list",
                            OFFICER, b'{"unit_id": ')

    def test_a_function_the_plugin_lacks_is_a_clear_error(self):
        with self.assertRaises(MeldcodeError) as caught:
            self.mc.call("mc_no_such_function", OFFICER, {})
        self.assertEqual(caught.exception.code, "missing_symbol")


if __name__ == "__main__":
    unittest.main()
