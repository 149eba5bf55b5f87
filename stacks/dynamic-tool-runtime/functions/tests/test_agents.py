"""Agents: the authorizer names the agent a key belongs to; the Tool Manager serves an agent its own
tools only, writes the TTL attribute, and keeps code another tool still uses.

Run by `cargo test --test handlers` against a real local endpoint, like test_handlers.py.
"""
import hashlib
import os
import time
import unittest
from unittest import mock

import boto3

from test_handlers import authorizer, call, make_table_and_bucket


def sha(key):
    return hashlib.sha256(key.encode()).hexdigest()


def authorize(header):
    return authorizer.handler({"headers": {"authorization": header}}, None)


class AuthorizerAgentsTest(unittest.TestCase):
    def test_each_key_is_its_agents_and_the_agent_goes_to_the_context(self):
        config = f"agent-a={sha('key-a')}, agent-b={sha('key-b')}"
        with mock.patch.dict(os.environ, API_KEY_SHA256=config):
            self.assertEqual(authorize("Bearer key-a"), {"isAuthorized": True, "context": {"agent_id": "agent-a"}})
            self.assertEqual(authorize("key-b"), {"isAuthorized": True, "context": {"agent_id": "agent-b"}})
            self.assertEqual(authorize("key-c"), {"isAuthorized": False})

    def test_an_agent_keeps_its_identity_across_a_rotation(self):
        config = f"agent-a={sha('old')},agent-a={sha('new')}"
        with mock.patch.dict(os.environ, API_KEY_SHA256=config):
            self.assertEqual(authorize("old")["context"], {"agent_id": "agent-a"})
            self.assertEqual(authorize("new")["context"], {"agent_id": "agent-a"})

    def test_a_bare_hash_is_an_agent_of_its_own_derived_from_the_hash(self):
        config = f"{sha('one')},{sha('two').upper()}"
        with mock.patch.dict(os.environ, API_KEY_SHA256=config):
            self.assertEqual(authorize("one")["context"], {"agent_id": "key-" + sha("one")[:12]})
            self.assertEqual(authorize("two")["context"], {"agent_id": "key-" + sha("two")[:12]})

    def test_malformed_entries_are_skipped_and_the_rest_still_work(self):
        config = f"=abc,agent a={sha('x')},agent-b=123,{sha('ok')}"
        with mock.patch.dict(os.environ, API_KEY_SHA256=config):
            self.assertEqual(authorize("x"), {"isAuthorized": False})
            self.assertTrue(authorize("ok")["isAuthorized"])

    def test_the_comparison_is_constant_time_against_every_entry(self):
        config = ",".join(f"agent-{n}={sha(str(n))}" for n in range(5))
        with mock.patch.dict(os.environ, API_KEY_SHA256=config), \
                mock.patch.object(authorizer.hmac, "compare_digest", wraps=authorizer.hmac.compare_digest) as compare:
            self.assertEqual(authorize("0")["context"], {"agent_id": "agent-0"})
        self.assertEqual(compare.call_count, 5)


class ToolOwnershipTest(unittest.TestCase):
    def setUp(self):
        self.table, self.bucket = make_table_and_bucket()

    def register(self, agent, name="t", code="def run():\n    return 1\n", **extra):
        return call("POST", "/tools", dict(name=name, code=code, **extra), agent=agent)

    def test_the_agent_comes_from_the_authorizer_not_the_body(self):
        status, item = self.register("agent-a")
        self.assertEqual((status, item["agent_id"]), (201, "agent-a"))
        self.assertEqual(self.register("agent-a", agent_id="agent-a")[0], 201)
        status, error = self.register("agent-a", agent_id="agent-b")
        self.assertEqual(status, 403, error)
        _, page = call("GET", "/tools", agent="agent-b")
        self.assertEqual(page["tools"], [])

    def test_no_identity_in_the_context_is_served_nothing(self):
        self.assertEqual(call("GET", "/tools", agent=None)[0], 401)
        self.assertEqual(call("POST", "/tools", {"name": "t", "code": "x"}, agent=None)[0], 401)
        self.assertEqual(call("GET", "/health", agent=None)[0], 200)

    def test_another_agents_tool_answers_404_and_survives(self):
        _, mine = self.register("agent-a")
        tool = mine["tool_id"]
        for method in ("GET", "DELETE"):
            status, body = call(method, f"/tools/{tool}", tool_id=tool, agent="agent-b")
            self.assertEqual((status, body), (404, {"message": "no such tool"}), method)
            self.assertEqual(call(method, "/tools/nope", tool_id="nope", agent="agent-b"), (status, body))
        self.assertEqual(call("GET", f"/tools/{tool}", tool_id=tool, agent="agent-a")[0], 200)
        key = f"code/{mine['code_hash']}"
        boto3.client("s3").head_object(Bucket=self.bucket, Key=key)
        self.assertEqual(call("DELETE", f"/tools/{tool}", tool_id=tool, agent="agent-a")[0], 204)

    def test_an_agent_lists_its_own_tools_only(self):
        self.register("agent-a", name="a1")
        self.register("agent-a", name="a2")
        self.register("agent-b", name="b1")
        _, page = call("GET", "/tools", agent="agent-a")
        self.assertEqual(sorted(t["name"] for t in page["tools"]), ["a1", "a2"])
        self.assertEqual(call("GET", "/tools", query={"agent_id": "agent-b"}, agent="agent-a")[0], 403)
        # A page token of another agent's listing does not open it.
        _, first = call("GET", "/tools", query={"limit": "1"}, agent="agent-a")
        status, _ = call("GET", "/tools", query={"next_token": first["next_token"]}, agent="agent-b")
        self.assertEqual(status, 400)

    def test_numbers_come_back_as_numbers(self):
        self.register("agent-a")
        _, page = call("GET", "/tools", agent="agent-a")
        self.assertIsInstance(page["tools"][0]["code_size"], int)


class TtlTest(unittest.TestCase):
    def setUp(self):
        self.table, self.bucket = make_table_and_bucket()
        patch = mock.patch.dict(os.environ, TTL_ATTRIBUTE="expires_at", MAX_TTL_SECONDS="3600")
        patch.start()
        self.addCleanup(patch.stop)

    def test_ttl_seconds_sets_the_tables_ttl_attribute_in_epoch_seconds(self):
        before = int(time.time())
        status, item = call("POST", "/tools", {"name": "t", "code": "x", "ttl_seconds": 600})
        self.assertEqual(status, 201, item)
        stored = boto3.client("dynamodb").get_item(TableName=self.table, Key={"tool_id": {"S": item["tool_id"]}})["Item"]
        self.assertIn("N", stored["expires_at"])
        self.assertTrue(before + 600 <= int(stored["expires_at"]["N"]) <= int(time.time()) + 600)
        status, permanent = call("POST", "/tools", {"name": "p", "code": "y"})
        self.assertNotIn("expires_at", permanent)

    def test_ttl_seconds_is_bounded(self):
        for ttl in (59, 3601, -1, 1.5, "600", True):
            status, error = call("POST", "/tools", {"name": "t", "code": "x", "ttl_seconds": ttl})
            self.assertEqual(status, 400, ttl)
            self.assertIn("ttl_seconds", error["message"])

    def test_without_a_ttl_attribute_ttl_seconds_is_refused(self):
        with mock.patch.dict(os.environ, TTL_ATTRIBUTE=""):
            self.assertEqual(call("POST", "/tools", {"name": "t", "code": "x", "ttl_seconds": 600})[0], 400)

    def test_an_expired_tool_is_gone_before_dynamodb_deletes_it(self):
        _, item = call("POST", "/tools", {"name": "t", "code": "x", "ttl_seconds": 600})
        boto3.client("dynamodb").update_item(
            TableName=self.table, Key={"tool_id": {"S": item["tool_id"]}},
            UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})
        self.assertEqual(call("GET", f"/tools/{item['tool_id']}", tool_id=item["tool_id"])[0], 404)
        self.assertEqual(call("GET", "/tools")[1]["tools"], [])

    def test_a_ttl_attribute_that_is_no_number_expires_nothing(self):
        _, item = call("POST", "/tools", {"name": "t", "code": "x"})
        boto3.client("dynamodb").update_item(
            TableName=self.table, Key={"tool_id": {"S": item["tool_id"]}},
            UpdateExpression="SET expires_at = :text", ExpressionAttributeValues={":text": {"S": "soon"}})
        self.assertEqual(call("GET", f"/tools/{item['tool_id']}", tool_id=item["tool_id"])[0], 200)
        self.assertEqual(len(call("GET", "/tools")[1]["tools"]), 1)


class SharedCodeTest(unittest.TestCase):
    def setUp(self):
        self.table, self.bucket = make_table_and_bucket()
        self.s3 = boto3.client("s3")

    def test_code_another_agents_tool_uses_is_kept(self):
        _, a = call("POST", "/tools", {"name": "t", "code": "shared"}, agent="agent-a")
        _, b = call("POST", "/tools", {"name": "t", "code": "shared"}, agent="agent-b")
        call("DELETE", "/tools/x", tool_id=a["tool_id"], agent="agent-a")
        self.s3.head_object(Bucket=self.bucket, Key=f"code/{b['code_hash']}")

    def test_a_registration_writes_its_code_even_when_the_object_exists_or_went(self):
        _, a = call("POST", "/tools", {"name": "t", "code": "same"})
        key = f"code/{a['code_hash']}"
        # What a racing deletion that did not yet see this tool would leave: the object gone.
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        call("POST", "/tools", {"name": "u", "code": "same"})
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(), b"same")

    def test_a_registration_whose_code_cannot_be_stored_leaves_no_item(self):
        with mock.patch.dict(os.environ, BUCKET_NAME="no-such-bucket-" + self.bucket):
            status, _ = call("POST", "/tools", {"name": "t", "code": "x"})
        self.assertEqual(status, 500)
        self.assertEqual(boto3.client("dynamodb").scan(TableName=self.table)["Items"], [])


if __name__ == "__main__":
    unittest.main()
