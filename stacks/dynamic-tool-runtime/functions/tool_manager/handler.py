"""Tool Manager: register, list, get and delete the tools AI agents create at run time.

HTTP API (payload 2.0) routes: POST /tools, GET /tools?agent_id=..., GET /tools/{id},
DELETE /tools/{id}, GET /health. Code is stored content-addressed in the bucket (code/<sha256>),
metadata in the table (GSIs: agent-index for an agent's tools, code-hash-index for shared code).
"""
import base64
import datetime
import hashlib
import json
import os
import re
import uuid

import boto3
from boto3.dynamodb.conditions import Key

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,63}$")
RUNTIMES = {"python3.12", "python3.11", "nodejs20.x"}


class BadRequest(Exception):
    pass


def _response(status, body=None):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": "" if body is None else json.dumps(body, default=str),
    }


def _table():
    return boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def _s3():
    return boto3.client("s3")


def _body(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("the body is not JSON")
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _validated(body):
    max_code = int(os.environ.get("MAX_CODE_BYTES", "262144"))
    agent_id, name, code = body.get("agent_id"), body.get("name"), body.get("code")
    if not isinstance(agent_id, str) or not 0 < len(agent_id) <= 128:
        raise BadRequest("agent_id must be a string of 1-128 characters")
    if not isinstance(name, str) or not NAME.match(name):
        raise BadRequest("name must match " + NAME.pattern)
    if body.get("runtime", "python3.12") not in RUNTIMES:
        raise BadRequest("runtime must be one of " + ", ".join(sorted(RUNTIMES)))
    if not isinstance(code, str) or not code or len(code.encode("utf-8")) > max_code:
        raise BadRequest(f"code must be a non-empty string of at most {max_code} bytes")
    if not isinstance(body.get("parameters", {}), dict):
        raise BadRequest("parameters must be an object")
    if not isinstance(body.get("description", ""), str):
        raise BadRequest("description must be a string")
    return body


def register(event):
    body = _validated(_body(event))
    code = body["code"].encode("utf-8")
    code_hash = hashlib.sha256(code).hexdigest()
    bucket, key = os.environ["BUCKET_NAME"], f"code/{code_hash}"
    s3 = _s3()
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError:
        s3.put_object(Bucket=bucket, Key=key, Body=code, ContentType="text/plain")
    item = {
        "tool_id": str(uuid.uuid4()),
        "agent_id": body["agent_id"],
        "name": body["name"],
        "description": body.get("description", ""),
        "runtime": body.get("runtime", "python3.12"),
        "code_hash": code_hash,
        "code_size": len(code),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "parameters": json.dumps(body.get("parameters", {})),
    }
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(tool_id)")
    return _response(201, item)


def list_tools(event):
    query = event.get("queryStringParameters") or {}
    agent_id = query.get("agent_id")
    if not agent_id:
        raise BadRequest("agent_id is required")
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        raise BadRequest("limit must be a number")
    if not 1 <= limit <= 100:
        raise BadRequest("limit must be 1-100")
    kwargs = {"IndexName": "agent-index", "KeyConditionExpression": Key("agent_id").eq(agent_id),
              "Limit": limit, "ScanIndexForward": False}
    if query.get("next_token"):
        try:
            kwargs["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(query["next_token"]))
        except ValueError:
            raise BadRequest("next_token is not valid")
    page = _table().query(**kwargs)
    result = {"tools": page.get("Items", [])}
    if "LastEvaluatedKey" in page:
        token = json.dumps(page["LastEvaluatedKey"], default=str).encode("utf-8")
        result["next_token"] = base64.urlsafe_b64encode(token).decode("ascii")
    return _response(200, result)


def get_tool(tool_id):
    item = _table().get_item(Key={"tool_id": tool_id}).get("Item")
    return _response(200, item) if item else _response(404, {"message": "no such tool"})


def delete_tool(tool_id):
    table = _table()
    item = table.get_item(Key={"tool_id": tool_id}).get("Item")
    if not item:
        return _response(404, {"message": "no such tool"})
    table.delete_item(Key={"tool_id": tool_id})
    sharing = table.query(IndexName="code-hash-index",
                          KeyConditionExpression=Key("code_hash").eq(item["code_hash"]), Limit=1)
    if not sharing.get("Items"):
        _s3().delete_object(Bucket=os.environ["BUCKET_NAME"], Key=f"code/{item['code_hash']}")
    return _response(204)


def handler(event, context):
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "")
    path = event.get("rawPath", "")
    tool_id = (event.get("pathParameters") or {}).get("id")
    try:
        if method == "GET" and path == "/health":
            return _response(200, {"status": "ok"})
        if method == "POST" and path == "/tools":
            return register(event)
        if method == "GET" and path == "/tools":
            return list_tools(event)
        if method == "GET" and tool_id:
            return get_tool(tool_id)
        if method == "DELETE" and tool_id:
            return delete_tool(tool_id)
        return _response(404, {"message": "no such route"})
    except BadRequest as e:
        return _response(400, {"message": str(e)})
    except Exception as e:  # the detail goes to the log, not to the caller
        print(json.dumps({"level": "error", "error": repr(e), "path": path, "method": method}))
        return _response(500, {"message": "internal error"})
