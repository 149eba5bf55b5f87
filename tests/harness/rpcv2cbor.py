"""The moto launcher's rpc-v2-cbor shim: CloudWatch's current clients speak the Smithy RPC v2 CBOR
protocol, which moto does not serve; moto serves CloudWatch in AWS JSON 1.0, so each CBOR request is
translated to JSON for moto and moto's answer back to CBOR.

The protocol, as the spec says it (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html):
- A request is `POST {prefix?}/service/{serviceName}/operation/{operationName}` with the header
  `Smithy-Protocol: rpc-v2-cbor` and a CBOR body (none for an operation without input).
- A response carries `Smithy-Protocol: rpc-v2-cbor` too (a client MUST treat one without it as
  malformed and judge it by status alone), `Content-Type: application/cbor` and a CBOR body, except
  for an operation without output, which has no body and no Content-Type. Success is 200.
- An error keeps its status and is a CBOR map holding `__type`, the error's absolute shape ID
  (`com.amazonaws.cloudwatch#ResourceNotFound`), and `message`; no `X-Amzn-ErrorType` header.
- Timestamps are CBOR tag 1 (epoch seconds, millisecond resolution); blobs are byte strings; null
  members are left out.
CloudWatch is also `awsQueryCompatible`
(https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#aws-protocols-awsquerycompatible-trait):
an error carries `x-amzn-query-error: Code;Sender|Receiver` with its query-protocol code
(`ResourceNotFound` for a missing dashboard), and that header is what the SDKs read the error code from.

Only CBOR requests are touched. JSON knows no timestamp or byte-string type, so answers are converted by
the shapes of botocore's own CloudWatch model (installed with moto): a timestamp member becomes tag 1,
a blob member a byte string, a double member a float.
"""
import base64
import datetime
import gzip
import io
import json

import cbor2

CONTENT_TYPE = "application/cbor"
# Smithy service shape name → (botocore service name, Smithy namespace, JSON X-Amz-Target prefix).
SERVICES = {
    "GraniteServiceVersion20100801": ("cloudwatch", "com.amazonaws.cloudwatch",
                                      "GraniteServiceVersion20100801"),
}
_MODELS: dict = {}


def is_cbor(environ) -> bool:
    return environ.get("HTTP_SMITHY_PROTOCOL", "").lower() == "rpc-v2-cbor"


def operation_of(environ):
    """(service, operation) from the last four segments of the path, as the spec routes."""
    parts = environ.get("PATH_INFO", "").rstrip("/").split("/")
    if len(parts) < 4 or parts[-4] != "service" or parts[-2] != "operation":
        return None
    service = parts[-3].split(".")[-1]  # an absolute shape ID has its `#` replaced by `.`
    return (service, parts[-1]) if service in SERVICES else None


def model(service: str):
    if service not in _MODELS:
        import botocore.session
        _MODELS[service] = botocore.session.get_session().get_service_model(SERVICES[service][0])
    return _MODELS[service]


def to_json(value):
    """A decoded CBOR value as JSON: tag-1 datetimes → epoch seconds, byte strings → base64."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if v is not None and v is not cbor2.undefined}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, cbor2.CBORTag):
        return to_json(value.value)
    if value is cbor2.undefined:
        return None
    return value


def epoch(value) -> float:
    if isinstance(value, (int, float)):
        return value
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def to_cbor(value, shape):
    """A JSON value of `shape` (a botocore shape, None when unknown) as the CBOR value it stands for."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {k: to_cbor(v, members[k]) for k, v in value.items() if k in members and v is not None}
    if kind == "list":
        return [to_cbor(v, shape.member) for v in value]
    if kind == "map":
        return {k: to_cbor(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        seconds = round(epoch(value), 3)
        return cbor2.CBORTag(1, int(seconds) if seconds == int(seconds) else seconds)
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else value
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long", "short", "byte"):
        return int(value)
    return value


class Translation:
    """One CBOR request, as the JSON request moto serves and back."""

    def __init__(self, environ, service: str, operation: str):
        self.service, self.operation = service, operation
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        if "gzip" in environ.get("HTTP_CONTENT_ENCODING", ""):  # @requestCompression operations
            raw = gzip.decompress(raw)
        document = to_json(cbor2.loads(raw)) if raw else {}
        body = json.dumps(document).encode()
        _, _, target_prefix = SERVICES[service]
        self.environ = {k: v for k, v in environ.items()
                        if k not in ("HTTP_SMITHY_PROTOCOL", "HTTP_ACCEPT", "HTTP_CONTENT_ENCODING")}
        self.environ.update({
            "PATH_INFO": "/", "RAW_URI": "/", "REQUEST_URI": "/", "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-amz-json-1.0", "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"{target_prefix}.{operation}", "wsgi.input": io.BytesIO(body),
        })

    def response(self, status: str, headers, body: bytes):
        """moto's JSON answer (status line, headers, body) as the CBOR answer of the spec."""
        code = int(status.split()[0])
        kept = [(k, v) for k, v in headers if k.lower() in ("x-amzn-requestid", "x-amz-request-id")]
        operation = model(self.service).operation_model(self.operation)
        if code == 200:
            if operation.output_shape is None:
                return status, kept + [("Smithy-Protocol", "rpc-v2-cbor"), ("Content-Length", "0")], b""
            payload = to_cbor(json.loads(body or b"{}"), operation.output_shape)
        else:
            query_error, payload = self.error(body, dict((k.lower(), v) for k, v in headers))
            kept += [("x-amzn-query-error", query_error)] if query_error else []
        cbor_head, cbor_body = cbor_headers(payload)
        return status, kept + cbor_head, cbor_body

    def error(self, body: bytes, headers: dict):
        """moto's JSON error as (x-amzn-query-error value, CBOR error map)."""
        try:
            document = json.loads(body)
        except ValueError:
            document = {"message": body.decode(errors="replace")[:500]}
        if not isinstance(document, dict):
            document = {"message": str(document)}
        query_error = headers.get("x-amzn-query-error", "")
        query_code = query_error.split(";")[0]
        name = str(document.get("__type") or query_code or "InternalFailure").split("#")[-1]
        shapes = {s.name: s for s in model(self.service).operation_model(self.operation).error_shapes}
        if name not in shapes:
            # moto may raise a sibling shape with the same query code (ResourceNotFound where
            # GetDashboard models DashboardNotFoundError): name the operation's own.
            name = next((n for n, s in shapes.items()
                         if query_code and s.metadata.get("error", {}).get("code") == query_code), name)
        message = document.get("message") or document.get("Message")
        if name in shapes:
            payload = to_cbor(document, shapes[name])
            # The spec's `message`, whichever case the model spells the member in.
            if message and not any(k.lower() == "message" for k in payload):
                payload["message"] = message
        else:
            payload = {"message": message} if message else {}
        if not query_error and name in shapes:
            # The query-compatible code is what the SDKs read: the model's, when moto sent none.
            error = shapes[name].metadata.get("error", {})
            side = "Sender" if error.get("senderFault") else "Receiver"
            query_error = f"{error.get('code', name)};{side}"
        return query_error, {"__type": f"{SERVICES[self.service][1]}#{name}", **payload}


def cbor_headers(payload):
    """(status-independent) headers and body of a CBOR answer carrying `payload`."""
    body = cbor2.dumps(payload)
    return [("Smithy-Protocol", "rpc-v2-cbor"), ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(body)))], body


def translation(environ):
    """The Translation of a CBOR request for a service this shim knows, else None."""
    if not is_cbor(environ):
        return None
    found = operation_of(environ)
    return Translation(environ, *found) if found else None


def fault(environ, code: str, message: str, status: int):
    """An injected fault on a CBOR request, as the rpc-v2-cbor error CloudWatch would send: headers
    (the query-compatible code in `x-amzn-query-error`) and body."""
    found = operation_of(environ)
    namespace = SERVICES[found[0]][1] if found else "smithy.api"
    side = "Receiver" if status >= 500 else "Sender"
    headers, body = cbor_headers({"__type": f"{namespace}#{code}", "message": message})
    return [("x-amzn-query-error", f"{code};{side}")] + headers, body
