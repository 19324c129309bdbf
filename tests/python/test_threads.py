"""Many Python threads on one instance: ctypes releases the GIL during each
call, so the plugin really sees concurrent calls."""

import threading
import unittest

from support import StoreTest, observer, submission

THREADS = 8
PER_THREAD = 10


def in_threads(count: int, work) -> list:
    """Runs work(t) in ``count`` threads at once; returns the exceptions they raised."""
    failures = []
    start = threading.Barrier(count)

    def run(t: int) -> None:
        start.wait()
        try:
            work(t)
        except Exception as e:  # collected: unittest assertions are not for threads
            failures.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


class ThreadsTest(StoreTest):
    def test_threads_submitting_at_once_each_land_exactly_once(self):
        receipts = []

        def work(t: int) -> None:
            for i in range(PER_THREAD):
                receipts.append(self.submit(f"WO-{t}-{i}", f"VHE-{t}", f"tech-{t}", f"tekst {i}"))

        self.assertEqual(in_threads(THREADS, work), [])
        self.assertEqual(len(set(receipts)), THREADS * PER_THREAD)
        self.assertEqual(self.rows("submissions"), THREADS * PER_THREAD)
        self.assertEqual(self.rows("concerns"), THREADS)  # one per unit

    def test_concurrent_retries_of_one_idempotency_key_store_it_once(self):
        tech = observer("tech-1")
        prompt = self.mc.ticket_closed(tech, {"host_ticket_id": "WO-1", "unit_id": "VHE-1",
                                              "work_type": "REP", "entered_dwelling": True,
                                              "technician_id": "tech-1",
                                              "closed_at": "2026-11-25T09:45:00Z"})
        payload = submission(prompt["prompt_token"], "key-same-0001", "tekst")
        receipts = []
        failures = in_threads(THREADS, lambda _t: receipts.append(
            self.mc.submit_signals(tech, payload)["submission_ref"]))
        self.assertEqual(failures, [])
        self.assertEqual(len(set(receipts)), 1)
        self.assertEqual(self.rows("submissions"), 1)


if __name__ == "__main__":
    unittest.main()
