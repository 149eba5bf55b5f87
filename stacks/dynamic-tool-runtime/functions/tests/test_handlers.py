"""Unit tests of the three handlers against a real local endpoint (moto over HTTPS).

Run by `cargo test` (tests/handlers.rs starts the endpoint and sets AWS_ENDPOINT_URL, AWS_CA_BUNDLE
and test credentials); boto3 reads those like any AWS client.
"""
import hashlib
import importlib.util
import json
import os
import unittest
import uuid

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))


def load(function):
    spec = importlib.util.spec_from_file_location(f"{function}_handler", os.path.join(HERE, "..", function, "handler.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool_manager, authorizer, monitoring = load("tool_manager"), load("authorizer"), load("monitoring")


def make_table_and_bucket():
    suffix = uuid.uuid4().hex[:8]
    table, bucket = f"tools-{suffix}", f"artifacts-{suffix}"
    boto3.client("dynamodb").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "tool_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("tool_id", "agent_id", "created_at", "code_hash")],
        GlobalSecondaryIndexes=[
            {"IndexName": "agent-index", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "agent_id", "KeyType": "HASH"}, {"AttributeName": "created_at", "KeyType": "RANGE"}]},
            {"IndexName": "code-hash-index", "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": "code_hash", "KeyType": "HASH"}]},
        ],
    )
    boto3.client("s3").create_bucket(Bucket=bucket)
    os.environ.update(TABLE_NAME=table, BUCKET_NAME=bucket)
    return table, bucket


def call(method, path, body=None, query=None, tool_id=None, agent="agent-1"):
    """The Tool Manager's answer to an API request from `agent` (None: no identity in the context)."""
    context = {"http": {"method": method}}
    if agent is not None:
        context["authorizer"] = {"lambda": {"agent_id": agent}}
    event = {"requestContext": context, "rawPath": path,
             "queryStringParameters": query, "pathParameters": {"id": tool_id} if tool_id else None,
             "body": json.dumps(body) if isinstance(body, dict) else body}
    response = tool_manager.handler(event, None)
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


class ToolManagerTest(unittest.TestCase):
    def setUp(self):
        self.table, self.bucket = make_table_and_bucket()

    def register(self, name="add", code="def run(a, b):\n    return a + b\n", agent="agent-1"):
        return call("POST", "/tools", {"name": name, "code": code}, agent=agent)

    def test_register_get_list_delete(self):
        status, item = self.register()
        self.assertEqual(status, 201)
        self.assertEqual(item["code_hash"], hashlib.sha256(b"def run(a, b):\n    return a + b\n").hexdigest())
        code = boto3.client("s3").get_object(Bucket=self.bucket, Key=f"code/{item['code_hash']}")["Body"].read()
        self.assertIn(b"return a + b", code)
        self.assertEqual(call("GET", f"/tools/{item['tool_id']}", tool_id=item["tool_id"])[1]["name"], "add")
        self.register(name="mul", code="def run(a, b):\n    return a * b\n")
        status, page = call("GET", "/tools", query={"agent_id": "agent-1", "limit": "1"})
        self.assertEqual((status, len(page["tools"])), (200, 1))
        status, rest = call("GET", "/tools", query={"agent_id": "agent-1", "next_token": page["next_token"]})
        self.assertEqual(len(rest["tools"]), 1)
        self.assertNotEqual(rest["tools"][0]["tool_id"], page["tools"][0]["tool_id"])
        self.assertEqual(call("DELETE", f"/tools/{item['tool_id']}", tool_id=item["tool_id"])[0], 204)
        self.assertEqual(call("GET", f"/tools/{item['tool_id']}", tool_id=item["tool_id"])[0], 404)

    def test_shared_code_is_kept_until_its_last_tool_goes(self):
        _, first = self.register(name="one")
        _, second = self.register(name="two")
        self.assertEqual(first["code_hash"], second["code_hash"])
        s3 = boto3.client("s3")
        key = f"code/{first['code_hash']}"
        call("DELETE", "/tools/x", tool_id=first["tool_id"])
        s3.head_object(Bucket=self.bucket, Key=key)
        call("DELETE", "/tools/x", tool_id=second["tool_id"])
        with self.assertRaises(s3.exceptions.ClientError):
            s3.head_object(Bucket=self.bucket, Key=key)

    def test_bad_requests_say_what_is_wrong(self):
        cases = [
            ({"name": "1bad", "code": "x"}, "name"),
            ({"name": "ok", "code": ""}, "code"),
            ({"name": "ok", "code": "x", "runtime": "cobol"}, "runtime"),
        ]
        for body, word in cases:
            status, error = call("POST", "/tools", body)
            self.assertEqual(status, 400, body)
            self.assertIn(word, error["message"])
        self.assertEqual(call("POST", "/tools", "{not json")[0], 400)
        self.assertEqual(call("GET", "/tools", query={"limit": "0"})[0], 400)

    def test_routes(self):
        self.assertEqual(call("GET", "/health"), (200, {"status": "ok"}))
        self.assertEqual(call("PUT", "/nowhere")[0], 404)


class AuthorizerTest(unittest.TestCase):
    def setUp(self):
        self.key = "s3cret-key"
        os.environ["API_KEY_SHA256"] = hashlib.sha256(self.key.encode()).hexdigest()

    def decide(self, header):
        return authorizer.handler({"headers": {"authorization": header} if header is not None else {}}, None)["isAuthorized"]

    def test_allows_the_key_bare_or_bearer_and_denies_the_rest(self):
        self.assertTrue(self.decide(self.key))
        self.assertTrue(self.decide(f"Bearer {self.key}"))
        self.assertFalse(self.decide("wrong"))
        self.assertFalse(self.decide(None))
        self.assertFalse(self.decide(""))

    def test_rotation_and_empty_configuration(self):
        os.environ["API_KEY_SHA256"] = "00" * 32 + "," + hashlib.sha256(self.key.encode()).hexdigest()
        self.assertTrue(self.decide(self.key))
        os.environ["API_KEY_SHA256"] = ""
        self.assertFalse(self.decide(self.key))


class MonitoringTest(unittest.TestCase):
    def test_publishes_tools_per_agent_and_artifact_bytes(self):
        table, bucket = make_table_and_bucket()
        namespace = f"Test{uuid.uuid4().hex[:6]}"
        os.environ["METRIC_NAMESPACE"] = namespace
        for agent in ("a", "a", "b"):
            call("POST", "/tools", {"name": "t", "code": f"# {agent}\n" + uuid.uuid4().hex}, agent=agent)
        summary = monitoring.handler({}, None)
        self.assertEqual((summary["agents"], summary["tools"]), (2, 3))
        self.assertGreater(summary["artifact_bytes"], 0)
        metrics = boto3.client("cloudwatch").list_metrics(Namespace=namespace)["Metrics"]
        names = sorted({m["MetricName"] for m in metrics})
        self.assertEqual(names, ["ArtifactBytes", "ToolsRegistered", "ToolsRegisteredTotal"])
        agents = sorted(d["Value"] for m in metrics if m["MetricName"] == "ToolsRegistered" for d in m["Dimensions"])
        self.assertEqual(agents, ["a", "b"])


if __name__ == "__main__":
    unittest.main()
