"""Lambda REQUEST authorizer for the tool API (HTTP API, payload 2.0, simple responses).

The Authorization header (`Bearer <key>` or the bare key) is hashed with SHA-256 and compared, in
constant time, with every hash in API_KEY_SHA256, a comma-separated list of entries:
  - `<agent_id>=<sha256>`: the key belongs to that agent. An agent may be listed with two hashes while
    its key is rotated; its tools stay its own.
  - `<sha256>` alone (the format before agents): the key belongs to the agent `key-<first 12 hex
    digits of the hash>`, so deployments configured before agents existed keep working, each key its
    own agent, until the environment names them.
An accepted key's agent goes to the Tool Manager in the request context (`agent_id`), which is where
it reads it from. Anything else is denied: a missing header, an empty configuration, a malformed event.
Malformed entries are skipped (and named, without their hash, in the log).
"""
import hashlib
import hmac
import json
import os
import re

HASH = re.compile(r"^[0-9a-f]{64}$")
AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def default_agent(digest):
    """The agent a bare hash (no `agent=`) stands for: stable, and distinct per key."""
    return "key-" + digest[:12]


def configured_keys(raw):
    """[(agent_id, sha256 hex)] from API_KEY_SHA256's text, malformed entries left out."""
    keys = []
    for position, entry in enumerate(e.strip() for e in (raw or "").split(",")):
        if not entry:
            continue
        agent, sep, digest = entry.rpartition("=")
        agent, digest = agent.strip(), digest.strip().lower()
        if not sep:
            agent = default_agent(digest)
        if not HASH.match(digest) or not AGENT.match(agent):
            print(json.dumps({"level": "warning", "message": "API_KEY_SHA256 entry skipped: "
                              "expected <agent_id>=<64 hex digits> or <64 hex digits>",
                              "entry": position + 1}))
            continue
        keys.append((agent, digest))
    return keys


def _presented_key(event):
    headers = (event or {}).get("headers") or {}
    value = headers.get("authorization") or headers.get("Authorization") or ""
    if value.lower().startswith("bearer "):
        value = value[7:]
    return value.strip()


def handler(event, context):
    key = _presented_key(event)
    keys = configured_keys(os.environ.get("API_KEY_SHA256", ""))
    if not key or not keys:
        return {"isAuthorized": False}
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    agent = None
    # Every entry is compared, each in constant time: neither a match nor its position shows in timing.
    for candidate, expected in keys:
        if hmac.compare_digest(digest, expected) and agent is None:
            agent = candidate
    if agent is None:
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"agent_id": agent}}
