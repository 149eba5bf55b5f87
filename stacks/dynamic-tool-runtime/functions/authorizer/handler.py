"""Lambda REQUEST authorizer for the tool API (HTTP API, payload 2.0, simple responses).

The Authorization header (`Bearer <key>` or the bare key) is hashed with SHA-256 and compared, in
constant time, with the hashes in API_KEY_SHA256 (comma-separated, so keys can be rotated). Anything
else is denied: a missing header, an empty configuration, a malformed event.
"""
import hashlib
import hmac
import os


def _configured_hashes():
    return [h.strip().lower() for h in os.environ.get("API_KEY_SHA256", "").split(",") if h.strip()]


def _presented_key(event):
    headers = (event or {}).get("headers") or {}
    value = headers.get("authorization") or headers.get("Authorization") or ""
    if value.lower().startswith("bearer "):
        value = value[7:]
    return value.strip()


def handler(event, context):
    key = _presented_key(event)
    hashes = _configured_hashes()
    if not key or not hashes:
        return {"isAuthorized": False}
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    allowed = any(hmac.compare_digest(digest, h) for h in hashes)
    return {"isAuthorized": allowed, "context": {"keyHash": digest[:12]} if allowed else {}}
