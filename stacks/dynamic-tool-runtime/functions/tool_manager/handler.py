"""Tool Manager: register, list, get and delete the tools AI agents create at run time.

HTTP API (payload 2.0) routes: POST /tools, GET /tools, GET /tools/{id}, DELETE /tools/{id},
GET /health. Code is stored content-addressed in the bucket (code/<sha256>), metadata in the table
(GSIs: agent-index for an agent's tools, code-hash-index for shared code).

The caller's agent is the one the authorizer found for its API key
(requestContext.authorizer.lambda.agent_id), never one named in the request: an agent lists, reads and
deletes its own tools only, and another agent's tool answers 404 like a tool that does not exist, so
tool ids do not leak. A `ttl_seconds` in a registration sets the table's TTL attribute (TTL_ATTRIBUTE,
epoch seconds); DynamoDB deletes expired items within days, so an expired tool is hidden at once.

Shared code and concurrency: a registration writes its item before its code object, and always writes
the object (the same bytes under the same key); a deletion removes its item before it asks the
code-hash-index whether any tool still uses the code, and deletes the object only if none does. So a
registration whose item the index already shows keeps its code, and one that wrote its object after
the deletion did keeps it too. What remains: the index is eventually consistent, so a registration of
the same code whose item is not yet visible in it (usually under a second) and whose object write
lands before the deletion's can find its current object deleted. The bytes are not lost: the bucket is
versioned, the previous version stays for artifact_noncurrent_days, and registering the code again
restores it.
"""
import base64
import datetime
import decimal
import hashlib
import json
import os
import re
import time
import uuid

import boto3
from boto3.dynamodb.conditions import Attr, Key

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,63}$")
RUNTIMES = {"python3.12", "python3.11", "nodejs20.x"}
TTL_MIN_SECONDS = 60
NOT_FOUND = {"message": "no such tool"}


class BadRequest(Exception):
    pass


class Refused(Exception):
    """The request names another agent than the caller's."""


def _json_value(value):
    if isinstance(value, decimal.Decimal):  # DynamoDB numbers, as boto3 reads them
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _response(status, body=None):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": "" if body is None else json.dumps(body, default=_json_value),
    }


def _caller(event):
    """The agent the authorizer put in the request context, or None (then nothing is served)."""
    authorizer = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda") or {}
    agent = authorizer.get("agent_id")
    return agent if isinstance(agent, str) and 0 < len(agent) <= 128 else None


def _same_agent(named, caller):
    """A request may still name its agent (as before agents came from the key), only its own."""
    if named is not None and named != caller:
        raise Refused("agent_id is the API key's agent; this request names another")


def _ttl_attribute():
    return os.environ.get("TTL_ATTRIBUTE", "").strip()


def _expiry(body):
    """The TTL attribute's value (epoch seconds) for a registration's `ttl_seconds`, or None."""
    ttl = body.get("ttl_seconds")
    if ttl is None:
        return None
    if not _ttl_attribute():
        raise BadRequest("ttl_seconds is not supported here: TTL_ATTRIBUTE is not configured")
    longest = int(os.environ.get("MAX_TTL_SECONDS", str(90 * 86400)))
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not TTL_MIN_SECONDS <= ttl <= longest:
        raise BadRequest(f"ttl_seconds must be a whole number of {TTL_MIN_SECONDS}-{longest} seconds")
    return int(time.time()) + ttl


def _expired(item):
    """Past its TTL. DynamoDB ignores a TTL attribute that is not a number, and so does this."""
    attribute = _ttl_attribute()
    value = item.get(attribute) if attribute else None
    return isinstance(value, (int, decimal.Decimal)) and value <= int(time.time())


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
    name, code = body.get("name"), body.get("code")
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


def register(event, caller):
    body = _validated(_body(event))
    _same_agent(body.get("agent_id"), caller)
    expires_at = _expiry(body)
    code = body["code"].encode("utf-8")
    code_hash = hashlib.sha256(code).hexdigest()
    item = {
        "tool_id": str(uuid.uuid4()),
        "agent_id": caller,
        "name": body["name"],
        "description": body.get("description", ""),
        "runtime": body.get("runtime", "python3.12"),
        "code_hash": code_hash,
        "code_size": len(code),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "parameters": json.dumps(body.get("parameters", {})),
    }
    if expires_at is not None:
        item[_ttl_attribute()] = expires_at
    table = _table()
    # The item first, then the object (module docstring: a deletion racing this one keeps the code).
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(tool_id)")
    try:
        _s3().put_object(Bucket=os.environ["BUCKET_NAME"], Key=f"code/{code_hash}", Body=code,
                         ContentType="text/plain")
    except Exception:
        table.delete_item(Key={"tool_id": item["tool_id"]})
        raise
    return _response(201, item)


def list_tools(event, caller):
    query = event.get("queryStringParameters") or {}
    _same_agent(query.get("agent_id"), caller)
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        raise BadRequest("limit must be a number")
    if not 1 <= limit <= 100:
        raise BadRequest("limit must be 1-100")
    kwargs = {"IndexName": "agent-index", "KeyConditionExpression": Key("agent_id").eq(caller),
              "Limit": limit, "ScanIndexForward": False}
    if _ttl_attribute():
        ttl = Attr(_ttl_attribute())
        kwargs["FilterExpression"] = ~ttl.attribute_type("N") | ttl.gt(int(time.time()))
    if query.get("next_token"):
        try:
            start = json.loads(base64.urlsafe_b64decode(query["next_token"]))
        except ValueError:
            raise BadRequest("next_token is not valid")
        if not isinstance(start, dict) or start.get("agent_id") != caller:
            raise BadRequest("next_token is not valid")
        kwargs["ExclusiveStartKey"] = start
    page = _table().query(**kwargs)
    result = {"tools": page.get("Items", [])}
    if "LastEvaluatedKey" in page:
        token = json.dumps(page["LastEvaluatedKey"], default=_json_value).encode("utf-8")
        result["next_token"] = base64.urlsafe_b64encode(token).decode("ascii")
    return _response(200, result)


def get_tool(tool_id, caller):
    item = _table().get_item(Key={"tool_id": tool_id}).get("Item")
    # Another agent's tool is answered exactly as a missing one.
    if not item or item.get("agent_id") != caller or _expired(item):
        return _response(404, NOT_FOUND)
    return _response(200, item)


def delete_tool(tool_id, caller):
    table = _table()
    try:
        # Conditional on the owner, so ownership is checked by the write itself.
        gone = table.delete_item(Key={"tool_id": tool_id}, ReturnValues="ALL_OLD",
                                 ConditionExpression=Attr("agent_id").eq(caller))
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        return _response(404, NOT_FOUND)
    item = gone.get("Attributes")
    if not item:
        return _response(404, NOT_FOUND)
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
        caller = _caller(event)
        if caller is None:
            # Only a route without the authorizer gets here: serve it nothing.
            return _response(401, {"message": "no agent identity from the authorizer"})
        if method == "POST" and path == "/tools":
            return register(event, caller)
        if method == "GET" and path == "/tools":
            return list_tools(event, caller)
        if method == "GET" and tool_id:
            return get_tool(tool_id, caller)
        if method == "DELETE" and tool_id:
            return delete_tool(tool_id, caller)
        return _response(404, {"message": "no such route"})
    except BadRequest as e:
        return _response(400, {"message": str(e)})
    except Refused as e:
        return _response(403, {"message": str(e)})
    except Exception as e:  # the detail goes to the log, not to the caller
        print(json.dumps({"level": "error", "error": repr(e), "path": path, "method": method}))
        return _response(500, {"message": "internal error"})
