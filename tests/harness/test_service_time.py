"""The launcher's service-time stats: the arithmetic on a fake clock (side-by-side requests count once in
busy time, waits count nowhere), then a running launcher (DTR_HARNESS_URL, DTR_HARNESS_CA) behind
injected latency, which must stay out of what GET /dtr-harness/stats reports. Run by
tests/harness_stats.rs."""
import json
import os
import ssl
import sys
import threading
import unittest
import urllib.request

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_time  # noqa: E402 (beside this file)

URL = os.environ.get("DTR_HARNESS_URL", "")
CA = os.environ.get("DTR_HARNESS_CA")
CONTEXT = ssl.create_default_context(cafile=CA)
LATENCY_S = 0.2


def harness(path, document=None):
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(URL + path, data=data, method="GET" if data is None else "POST")
    return json.loads(urllib.request.urlopen(request, context=CONTEXT).read())


def s3():
    return boto3.client("s3", endpoint_url=URL, region_name="us-east-1", verify=CA,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Arithmetic(unittest.TestCase):
    def setUp(self):
        self.clock = Clock()
        self.times = service_time.ServiceTimes(clock=self.clock, cpu_clock=lambda: 0.0)

    def on_thread(self, steps):
        """Run `steps` (callables) on a thread of its own, one at a time when told (per-thread state)."""
        go, done = threading.Event(), threading.Event()
        queue = list(steps)

        def run():
            while queue:
                go.wait()
                go.clear()
                queue.pop(0)()
                done.set()

        threading.Thread(target=run, daemon=True).start()

        def step():
            done.clear()
            go.set()
            done.wait(5)

        return step

    def test_side_by_side_requests_are_busy_once(self):
        a = self.on_thread([lambda: self.times.begin("s3"), self.times.end])
        b = self.on_thread([lambda: self.times.begin("iam"), self.times.end])
        a()                      # t=0 a arrives
        self.clock.now = 1.0
        b()                      # t=1 b arrives
        self.clock.now = 2.0
        a()                      # t=2 a answered: 2 s
        self.clock.now = 4.0
        b()                      # t=4 b answered: 3 s
        self.clock.now = 10.0
        got = self.times.snapshot()
        self.assertEqual(got["requests"], 2)
        self.assertAlmostEqual(got["service_s"], 5.0)
        self.assertAlmostEqual(got["busy_s"], 4.0)
        self.assertAlmostEqual(got["wall_s"], 10.0)
        self.assertEqual(got["by_service"]["iam"], {"requests": 1, "service_s": 3.0})

    def test_a_wait_is_neither_service_nor_busy(self):
        self.times.begin("logs")
        self.clock.now = 0.5
        with self.times.waiting():
            self.clock.now = 3.5
        self.clock.now = 4.0
        self.times.end()
        got = self.times.snapshot()
        self.assertAlmostEqual(got["service_s"], 1.0)
        self.assertAlmostEqual(got["busy_s"], 1.0)

    def test_a_reset_counts_requests_in_flight_from_then(self):
        self.times.begin("s3")
        self.clock.now = 2.0
        self.times.reset()
        self.clock.now = 3.0
        self.times.end()
        got = self.times.snapshot()
        self.assertEqual(got["requests"], 1)
        self.assertAlmostEqual(got["service_s"], 1.0)
        self.assertAlmostEqual(got["busy_s"], 1.0)


class OnTheWire(unittest.TestCase):
    def setUp(self):
        harness("/dtr-harness/faults", [{"match": "", "latency_ms": LATENCY_S * 1000, "times": -1}])
        harness("/dtr-harness/stats/reset", {})

    def tearDown(self):
        harness("/dtr-harness/faults", [])

    def test_injected_latency_is_not_service_time(self):
        client = s3()
        for _ in range(4):
            client.list_buckets()
        got = harness("/dtr-harness/stats")
        self.assertEqual(got["requests"], 4, got)
        self.assertEqual(got["by_service"]["s3"]["requests"], 4, got)
        self.assertGreater(got["service_s"], 0.0)
        self.assertLess(got["service_s"], 4 * LATENCY_S / 2, f"the latency was counted: {got}")
        self.assertLessEqual(got["busy_s"], got["service_s"] + 1e-6)
        self.assertGreaterEqual(got["wall_s"], 4 * LATENCY_S)
        self.assertEqual(harness("/dtr-harness/stats")["requests"], 4, "the harness's own calls count")

    def test_side_by_side_requests_keep_busy_under_their_sum(self):
        def calls(client):
            for _ in range(3):
                client.list_buckets()

        clients = [s3() for _ in range(4)]  # made here: making boto3 clients is not thread-safe
        threads = [threading.Thread(target=calls, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = harness("/dtr-harness/stats")
        self.assertEqual(got["requests"], 12, got)
        self.assertLessEqual(got["busy_s"], got["service_s"] + 1e-6)
        self.assertLess(got["busy_s"], got["wall_s"])
        self.assertLess(got["service_s"], 12 * LATENCY_S / 2, f"the latency was counted: {got}")

    def test_a_reset_zeroes_the_counts(self):
        s3().list_buckets()
        harness("/dtr-harness/stats/reset", {})
        got = harness("/dtr-harness/stats")
        self.assertEqual((got["requests"], got["service_s"], got["by_service"]), (0, 0.0, {}))


if __name__ == "__main__":
    unittest.main()
