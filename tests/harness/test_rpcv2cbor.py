"""The launcher's rpc-v2-cbor shim on the wire, both ways: CBOR requests sent byte for byte as the spec
says to a running launcher (DTR_HARNESS_URL, DTR_HARNESS_CA), what they did checked through moto's own
JSON protocol, and CBOR answers checked byte for byte. Run by tests/cloudwatch_cbor.rs."""
import io
import json
import os
import ssl
import sys
import time
import unittest
import urllib.error
import urllib.request

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpcv2cbor  # noqa: E402 (beside this file)

URL = os.environ.get("DTR_HARNESS_URL", "")
CONTEXT = ssl.create_default_context(cafile=os.environ.get("DTR_HARNESS_CA"))
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, "
        "SignedHeaders=host, Signature=0")
SERVICE = "GraniteServiceVersion20100801"


def post(path, body: bytes, headers: dict):
    request = urllib.request.Request(URL + path, data=body, method="POST",
                                     headers={"Authorization": AUTH, **headers})
    try:
        answer = urllib.request.urlopen(request, context=CONTEXT)
    except urllib.error.HTTPError as error:
        answer = error
    return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()


def cbor_call(operation, document):
    return post(f"/service/{SERVICE}/operation/{operation}", cbor2.dumps(document), {
        "Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"})


def json_call(operation, document):
    status, _, body = post("/", json.dumps(document).encode(), {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"{SERVICE}.{operation}"})
    return status, json.loads(body or b"{}")


def faults(rules):
    request = urllib.request.Request(URL + "/dtr-harness/faults", data=json.dumps(rules).encode(),
                                     method="POST")
    urllib.request.urlopen(request, context=CONTEXT).read()


class RpcV2Cbor(unittest.TestCase):
    def tearDown(self):
        faults([])

    def test_a_cbor_request_reaches_moto(self):
        status, headers, body = cbor_call("PutMetricAlarm", {
            "AlarmName": "cbor-in", "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
            "Period": 60, "EvaluationPeriods": 2, "Threshold": 1.5,
            "ComparisonOperator": "GreaterThanThreshold", "Tags": [{"Key": "owner", "Value": "dtr"}]})
        self.assertEqual((status, headers.get("smithy-protocol"), body), (200, "rpc-v2-cbor", b""))
        self.assertNotIn("content-type", headers, "an operation without output has no body and no type")
        status, described = json_call("DescribeAlarms", {"AlarmNames": ["cbor-in"]})
        alarm = described["MetricAlarms"][0]
        self.assertEqual((alarm["Threshold"], alarm["EvaluationPeriods"], alarm["Period"]), (1.5, 2, 60))
        _, tags = json_call("ListTagsForResource", {"ResourceARN": alarm["AlarmArn"]})
        self.assertEqual(tags["Tags"], [{"Key": "owner", "Value": "dtr"}])

    def test_an_answer_is_cbor_with_epoch_timestamps_under_tag_1(self):
        json_call("PutMetricAlarm", {
            "AlarmName": "cbor-out", "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 2, "ComparisonOperator": "GreaterThanThreshold"})
        status, headers, body = cbor_call("DescribeAlarms", {"AlarmNames": ["cbor-out"]})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        self.assertEqual(headers.get("content-type"), "application/cbor")
        self.assertEqual(int(headers.get("content-length")), len(body))
        # Tag 1 (0xc1) right after the member's name, then the epoch seconds.
        self.assertIn(cbor2.dumps("StateUpdatedTimestamp") + b"\xc1", body)
        alarm = cbor2.loads(body)["MetricAlarms"][0]
        self.assertLess(abs(alarm["StateUpdatedTimestamp"].timestamp() - time.time()), 300)
        # A double member stays a float even where moto's JSON wrote an integer.
        self.assertIsInstance(alarm["Threshold"], float)

    def test_an_error_names_its_shape_and_its_query_code(self):
        status, headers, body = cbor_call("GetDashboard", {"DashboardName": "absent"})
        self.assertEqual(status, 404)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        self.assertEqual(headers.get("x-amzn-query-error"), "ResourceNotFound;Sender")
        self.assertNotIn("x-amzn-errortype", headers)
        error = cbor2.loads(body)
        self.assertEqual(error["__type"], "com.amazonaws.cloudwatch#DashboardNotFoundError")
        self.assertTrue(error["message"])

    def test_an_injected_fault_answers_in_cbor(self):
        faults([{"match": "/operation/PutDashboard", "status": 400, "code": "ThrottlingException",
                 "format": "query", "times": 1}])
        status, headers, body = cbor_call("PutDashboard", {"DashboardName": "d", "DashboardBody": "{}"})
        self.assertEqual(status, 400)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        self.assertEqual(headers.get("content-type"), "application/cbor")
        self.assertEqual(headers.get("x-amzn-query-error"), "ThrottlingException;Sender")
        self.assertEqual(cbor2.loads(body)["__type"], "com.amazonaws.cloudwatch#ThrottlingException")
        status, _, _ = cbor_call("PutDashboard", {"DashboardName": "d", "DashboardBody": "{}"})
        self.assertEqual(status, 200, "the rule was used up; the call goes through")


class Translation(unittest.TestCase):
    """The translation alone, for answers moto does not give today."""

    def test_an_error_without_a_query_code_gets_the_one_the_model_names(self):
        empty = {"CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO()}
        translation = rpcv2cbor.Translation(empty, SERVICE, "GetDashboard")
        moto_error = json.dumps({"__type": "DashboardNotFoundError", "Message": "gone"}).encode()
        status, headers, body = translation.response("404 Not Found", [], moto_error)
        self.assertIn(("x-amzn-query-error", "ResourceNotFound;Sender"), headers)
        self.assertEqual(cbor2.loads(body), {
            "__type": "com.amazonaws.cloudwatch#DashboardNotFoundError", "message": "gone"})


if __name__ == "__main__":
    unittest.main()
