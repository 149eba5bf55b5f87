"""The launcher's rate limits on the wire: a running launcher (DTR_HARNESS_URL, DTR_HARNESS_CA) given a
one-request bucket per service answers the second request with that service's throttling error, which
boto3 (AWS's own SDK, its retries off) reads as the documented code and status; the rule counts both.
Run by tests/rate_limit.rs."""
import json
import os
import ssl
import sys
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ratelimit  # noqa: E402 (beside this file)

URL = os.environ.get("DTR_HARNESS_URL", "")
CA = os.environ.get("DTR_HARNESS_CA")
CONTEXT = ssl.create_default_context(cafile=CA)


def rules(document=None):
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(URL + "/dtr-harness/faults", data=data,
                                     method="GET" if data is None else "POST")
    return json.loads(urllib.request.urlopen(request, context=CONTEXT).read())


def client(service):
    return boto3.client(service, endpoint_url=URL, region_name="us-east-1", verify=CA,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                      s3={"addressing_style": "path"}))


# SigV4 name, boto3 name, a cheap call.
CALLS = [
    ("monitoring", "cloudwatch", lambda c: c.describe_alarms()),
    ("logs", "logs", lambda c: c.describe_log_groups()),
    ("dynamodb", "dynamodb", lambda c: c.list_tables()),
    ("lambda", "lambda", lambda c: c.list_functions()),
    ("apigateway", "apigatewayv2", lambda c: c.get_apis()),
    ("scheduler", "scheduler", lambda c: c.list_schedules()),
    ("sns", "sns", lambda c: c.list_topics()),
    ("iam", "iam", lambda c: c.list_roles()),
    ("s3", "s3", lambda c: c.list_buckets()),
]


class ThrottlingAnswers(unittest.TestCase):
    def tearDown(self):
        rules([])

    def test_each_service_throttles_in_its_own_protocol(self):
        for signing_name, name, call in CALLS:
            with self.subTest(service=name):
                rules([{"rate_limit": 0.001, "burst": 1, "service": signing_name}])
                c = client(name)
                call(c)
                with self.assertRaises(ClientError) as raised:
                    call(c)
                status, code, _ = ratelimit.THROTTLING[signing_name]
                error = raised.exception.response
                self.assertEqual(error["Error"]["Code"], code)
                self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)
                counted = rules()[0]
                self.assertEqual((counted["admitted"], counted["throttled"]), (1, 1))

    def test_a_cbor_request_is_throttled_in_cbor(self):
        import cbor2
        rules([{"rate_limit": 0.001, "burst": 1, "service": "monitoring", "operation": "DescribeAlarms"}])
        auth = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, "
                "SignedHeaders=host, Signature=0")
        answers = []
        for _ in range(2):
            request = urllib.request.Request(
                URL + "/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
                data=cbor2.dumps({}), method="POST",
                headers={"Authorization": auth, "Smithy-Protocol": "rpc-v2-cbor",
                         "Content-Type": "application/cbor", "Accept": "application/cbor"})
            try:
                answer = urllib.request.urlopen(request, context=CONTEXT)
            except urllib.error.HTTPError as error:
                answer = error
            answers.append((answer.status, answer.headers, answer.read()))
        self.assertEqual(answers[0][0], 200)
        status, headers, body = answers[1]
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-query-error"], "ThrottlingException;Sender")
        self.assertEqual(cbor2.loads(body)["__type"], "com.amazonaws.cloudwatch#ThrottlingException")

    def test_an_operation_rule_leaves_the_other_operations_alone(self):
        rules([{"rate_limit": 0.001, "burst": 1, "service": "sns", "operation": "ListTopics"}])
        c = client("sns")
        c.list_topics()
        c.list_subscriptions()
        c.list_subscriptions()
        with self.assertRaises(ClientError):
            c.list_topics()

    def test_the_bucket_refills_at_its_rate(self):
        bucket = ratelimit.Bucket(rate=20, burst=2)
        self.assertTrue(bucket.take() and bucket.take())
        self.assertFalse(bucket.take())
        time.sleep(0.06)
        self.assertTrue(bucket.take())


if __name__ == "__main__":
    unittest.main()
