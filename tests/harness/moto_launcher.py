#!/usr/bin/env python3
"""Start a moto server on loopback over HTTPS (and optionally plain HTTP) for dtr's tests and demo.

Run it with any Python 3: on first use it creates the project-local virtualenv `.venv` with the pinned
`moto[server]` (tests/harness/requirements.txt) and re-executes itself inside it.

It generates a throw-away CA and a server certificate for 127.0.0.1/localhost, serves moto over HTTPS
(and over plain HTTP on a second port when asked, sharing the same in-memory backends), prints one JSON
line {"https_url", "http_url", "ca_bundle"} to stdout once both listen, and exits when its stdin closes
(so a test that dies takes its server with it) or on SIGTERM/SIGINT.

Deliberate patches to moto, each below, and nothing else. First, GetAuthorizers: moto 5.2.5 has no handler for it and
answers 500; the launcher adds one that lists the authorizers moto already keeps. Second: moto 5.x evaluates S3 bucket-policy statements on object calls
without their conditions and reads any condition as failed, so the standard TLS-only statement
(Deny when aws:SecureTransport is false) denies every object call. AWS evaluates that condition against
the request, so here statements whose aws:SecureTransport condition does not hold for the request are
dropped before moto evaluates the policy, and statements whose condition holds are kept (that key removed).
Over HTTPS the TLS-only deny therefore does not apply; over plain HTTP it still does.

And one response-shape fix: moto 5.2.5 serialises some S3 answers under a generic
<{Operation}Response> root element (e.g. <GetBucketVersioningResponse>) where AWS uses the shape's own
root (<VersioningConfiguration>). boto3 tolerates the wrong root; the Rust SDK rightly does not. The
launcher renames exactly those roots (S3_ROOTS) to what AWS sends; nothing else in a body changes.

And the bucket owner condition: moto ignores S3's `x-amz-expected-bucket-owner` header. AWS answers a
request that carries it with 403 Access Denied when the bucket belongs to another account
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html), so the launcher
does too, from the account moto records as the bucket's owner.

And stage tags: moto routes API Gateway v2 TagResource/UntagResource only for an API's or a VPC link's ARN,
so tagging a stage (`arn:aws:apigateway:<region>::/apis/<id>/stages/<name>`), which AWS supports
(https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/tags-resource-arn.html), answers 404.
The launcher applies those two calls to the stage moto keeps (whose tags GetStage reports).

And log group keys: moto 5.2.5 has no handler for CloudWatch Logs `AssociateKmsKey` / `DisassociateKmsKey`,
which AWS applies to a log group in place
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html); the
launcher sets or clears the key on the log group moto keeps (which DescribeLogGroups reports).

And three Lambda gaps, each where AWS keeps what moto drops: GetFunction leaves out `Concurrency` when
the reserved concurrency is 0 (a falsy test; AWS reports 0, which throttles every invocation:
https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html); UpdateFunctionConfiguration
ignores `TracingConfig` (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html);
PutFunctionEventInvokeConfig appends a second configuration that GetFunctionEventInvokeConfig never
shows, where AWS overwrites the function's one configuration
(https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html).

And API Gateway v2 UpdateStage: moto 5.2.5 has no handler for it and answers 500; AWS updates the
stage's settings in place (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html#UpdateStage).
The launcher applies the fields sent to the stage moto keeps, the default route settings merged key by
key into the stage's own.

And one protocol: from aws-sdk-cloudwatch 1.100 the CloudWatch client speaks Smithy RPC v2 CBOR, which
moto 5.2.5 does not serve (it serves CloudWatch's query and JSON 1.0 protocols). rpcv2cbor.py beside this
file translates each CBOR request (header `smithy-protocol: rpc-v2-cbor`, path
`/service/GraniteServiceVersion20100801/operation/<Op>`) to the JSON 1.0 request moto serves
(`X-Amz-Target: GraniteServiceVersion20100801.<Op>`) and moto's answer, errors included, back to CBOR
as the spec says (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html); its docstring
has the details. Injected faults answer a CBOR request in CBOR too.

And rate limits: AWS throttles each API with a token bucket, moto never does. A rule posted with the
faults (`{"rate_limit": 5, "service": "monitoring"}`) puts a bucket in front of a service or one of its
operations and answers excess requests with the service's own throttling error; ratelimit.py beside
this file has the details and the documented error of each service.

And the tagging API's lag: AWS's GetResources answers from an index that can lag behind a resource's
own tags; moto's never does. A rule posted with the faults (`{"stale_tag_index": true}`) answers it
from a snapshot taken when the rule was set; tagindex.py beside this file has the details.

And the tagging API's coverage: AWS's GetResources lists EventBridge Scheduler schedule groups
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html), moto's
does not; tagging_coverage.py beside this file makes moto's scheduler backend one of its tagging backends.

And service time, for the benchmark: service_time.py beside this file times each request moto serves,
less the latency and holds injected in front of it, and the time the endpoint was busy (GET
/dtr-harness/stats, POST /dtr-harness/stats/reset); its docstring has the details.

And one serialisation: moto's threaded server does not apply a DynamoDB conditional write atomically (two
concurrent `attribute_not_exists` puts can both succeed), so DynamoDB requests reach moto one at a time.
"""
import argparse
import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import threading
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.environ.get("DTR_TEST_VENV", os.path.join(ROOT, ".venv"))
REQUIREMENTS = os.path.join(HERE, "requirements.txt")


def venv_python(venv_dir: str = VENV) -> str:
    return os.path.join(venv_dir, "bin", "python")


def ensure_venv(venv_dir: str = VENV, requirements: str = REQUIREMENTS) -> None:
    """Create the virtualenv and install the pinned requirements, once, under a file lock. The
    MiniStack launcher calls it with its own virtualenv and requirements."""
    os.makedirs(os.path.dirname(venv_dir) or ".", exist_ok=True)
    with open(venv_dir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = os.path.join(venv_dir, ".dtr-requirements")
        wanted = open(requirements).read()
        if os.path.exists(stamp) and open(stamp).read() == wanted:
            return
        if not os.path.exists(venv_python(venv_dir)):
            print(f"dtr-harness: creating {venv_dir}", file=sys.stderr)
            venv.EnvBuilder(with_pip=True).create(venv_dir)
        print("dtr-harness: installing " + requirements, file=sys.stderr)
        subprocess.run(
            [venv_python(venv_dir), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", requirements],
            check=True, stdout=sys.stderr,
        )
        with open(stamp, "w") as f:
            f.write(wanted)


def in_venv(venv_dir: str = VENV) -> bool:
    return os.path.realpath(sys.prefix) == os.path.realpath(venv_dir)


def make_certificates(directory: str) -> tuple[str, str, str]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dtr test CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    os.makedirs(directory, exist_ok=True)
    paths = tuple(os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key"))
    with open(paths[0], "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths  # type: ignore[return-value]


REQUEST = threading.local()

# Fault injection, set by the tests through POST /dtr-harness/faults (a JSON list of rules): moto has no
# throttling, outages or slow regions, so the harness adds them in front of it. A rule:
#   {"match": "PUT /bucket-name/", "status": 503, "code": "SlowDown", "times": 1, "latency_ms": 0,
#    "rate": 1.0, "format": "s3" | "json" | "query" | "auto"}
# `match` is a substring of "METHOD PATH?QUERY X-Amz-Target", plus " Action=<name>" for a query request
# whose action is in its form body (IAM, SNS); `times` -1 means forever; `rate` is the
# chance a matching request is hit; "auto" picks the error format of the request's protocol.
# A CBOR (rpc-v2-cbor) request is answered in CBOR whatever the format: its client reads nothing else.
# `"after": k` lets the first k matching requests through untouched (counted in "seen").
# `"reset": true` answers nothing and resets the connection (RST), as a dropped connection does;
# `"reset": "after"` lets moto carry the request out first, so the call happened but its answer is lost.
# `"hang": true` holds the request unanswered (and unprocessed) until the rules are next replaced:
# with "after", the crash tests use it to stop the world after exactly k calls, then kill dtr.
# A rule with "rate_limit" is a token bucket instead (ratelimit.py): excess requests get the service's
# own throttling error; it counts "admitted" and "throttled".
FAULTS: list = []
FAULTS_LOCK = threading.Lock()
RELEASE = threading.Event()
DYNAMODB_LOCK = threading.Lock()
RATE_LIMITS = None  # ratelimit.RateLimits, made in serve() (the module needs the virtualenv's path)
SERVICE_TIMES = None  # service_time.ServiceTimes, made in serve(): its waits leave the service time


def fault_format(rule, environ) -> str:
    import rpcv2cbor
    if rpcv2cbor.is_cbor(environ):
        return "cbor"  # a CBOR client reads no other format, whatever the rule says
    kind = rule.get("format", "s3")
    if kind == "auto":
        # The service is in the SigV4 credential scope: .../<region>/<service>/aws4_request.
        scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split(",")[0].split("/")
        service = scope[3] if len(scope) > 3 else "s3"
        kind = {"s3": "s3", "iam": "query", "sts": "query", "monitoring": "query", "sns": "query"}.get(service, "json")
    return kind


def as_the_service_sends(rule, environ):
    """S3 throttles with 503 SlowDown, not a 400 ThrottlingException; a HEAD answer has no body to
    carry a code, so the status must say it (as S3's does)."""
    if fault_format(rule, environ) == "s3" and "Throttl" in rule.get("code", ""):
        return dict(rule, status=503, code="SlowDown")
    return rule


def fault_answer(rule, request_id, environ):
    """The headers and body of an injected error, in the format of the request's protocol."""
    code = rule.get("code", "InternalError")
    ids = [("x-amzn-RequestId", request_id), ("x-amz-request-id", request_id)]
    if fault_format(rule, environ) == "cbor":
        import rpcv2cbor
        headers, body = rpcv2cbor.fault(environ, code, rule.get("message", "injected by the dtr test harness"),
                                        rule["status"])
        return ids + headers, body
    content_type, body = fault_body(rule, request_id, environ)
    return ids + [("Content-Type", content_type), ("Content-Length", str(len(body))),
                  ("x-amzn-ErrorType", code)], body


def fault_body(rule, request_id, environ):
    code, message = rule.get("code", "InternalError"), rule.get("message", "injected by the dtr test harness")
    kind = fault_format(rule, environ)
    if kind == "json":
        return "application/x-amz-json-1.0", json.dumps({"__type": code, "message": message}).encode()
    if kind == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return "text/xml", body.encode()
    body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    return "application/xml", body.encode()


def describe(environ) -> str:
    """What a rule's `match` is a substring of: "METHOD PATH?QUERY X-Amz-Target", and for a query request
    whose action is in its form body (IAM, SNS, STS) " Action=<name>" (the body is read and put back)."""
    query = environ.get("QUERY_STRING", "")
    text = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}?{query} {environ.get('HTTP_X_AMZ_TARGET', '')}"
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        import io
        from urllib.parse import parse_qs
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        for action in parse_qs(body.decode(errors="replace")).get("Action", [])[:1]:
            text += f" Action={action}"
    return text


def throttled_answer(environ):
    """(status line, headers, body) of the throttling error for a request over a rate limit, or None."""
    import uuid
    refused = RATE_LIMITS.throttled(FAULTS, FAULTS_LOCK, environ, describe(environ))
    if refused is None:
        return None
    status, code, kind = refused
    if environ.get("HTTP_X_AMZ_TARGET"):
        kind = "json"  # a query service asked in AWS JSON (CloudWatch speaks both) answers in JSON
    rule = {"status": status, "code": code, "format": kind, "message": "Rate exceeded"}
    headers, body = fault_answer(rule, "dtr-throttle-" + uuid.uuid4().hex[:12], environ)
    return f"{status} Throttled", headers, body


def injected(environ):
    """The fault rule this request falls under (consuming one of its `times`), if any."""
    desc = describe(environ)
    with FAULTS_LOCK:
        for rule in FAULTS:
            if "rate_limit" in rule or rule.get("stale_tag_index"):
                continue
            if rule.get("rate", 1.0) < 1.0 and random.random() >= rule["rate"]:
                continue
            if rule.get("match", "") in desc and rule.get("times", -1) != 0:
                if rule.get("seen", 0) < rule.get("after", 0):
                    rule["seen"] = rule.get("seen", 0) + 1
                    continue
                if rule.get("times", -1) > 0:
                    rule["times"] -= 1
                rule["hits"] = rule.get("hits", 0) + 1
                return dict(rule)
    return None


def reset_connection(environ) -> None:
    """Drop the client's connection with a TCP reset, before any answer (a request moto never saw)."""
    import socket
    import struct
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        # Linger 0: the close that follows sends RST, not FIN; shutdown ends the exchange now.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def patch_apigatewayv2_get_authorizers() -> None:
    """moto 5.2.5 serves GetAuthorizers with a 500 (the handler is missing); answer it from the
    authorizers moto keeps, in AWS's shape, so dtr can find an authorizer again by name."""
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    if hasattr(ApiGatewayV2Response, "get_authorizers"):
        return

    def get_authorizers(self):
        api_id = self.path.split("/")[-2]
        api = self.apigatewayv2_backend.get_api(api_id)
        return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})

    ApiGatewayV2Response.get_authorizers = get_authorizers


def patch_lambda() -> None:
    """The three Lambda gaps the docstring names, patched on moto's own models."""
    from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction

    get_code = LambdaFunction.get_code

    def get_code_reporting_zero(self):
        response = get_code(self)
        if self.reserved_concurrency is not None and "Concurrency" not in response:
            response["Concurrency"] = {"ReservedConcurrentExecutions": self.reserved_concurrency}
        return response

    update_configuration = LambdaFunction.update_configuration

    def update_configuration_with_tracing(self, config_updates):
        if "TracingConfig" in config_updates:
            self.tracing_config = config_updates["TracingConfig"]
        return update_configuration(self, config_updates)

    def put_function_event_invoke_config(self, function_name, config):
        fn = self.get_function(function_name)
        event_config = EventInvokeConfig(fn.function_arn, fn.last_modified, config)
        fn.event_invoke_config = [event_config]
        return event_config.response()

    LambdaFunction.get_code = get_code_reporting_zero
    LambdaFunction.update_configuration = update_configuration_with_tracing
    LambdaBackend.put_function_event_invoke_config = put_function_event_invoke_config


def patch_apigatewayv2_update_stage() -> None:
    """UpdateStage, which moto 5.2.5 answers with a 500: the fields sent, set on moto's stage."""
    from datetime import datetime
    from urllib.parse import unquote

    from moto.apigatewayv2.responses import ApiGatewayV2Response
    if hasattr(ApiGatewayV2Response, "update_stage"):
        return

    def update_stage(self):
        parts = self.path.split("/")
        stage = self.apigatewayv2_backend.get_stage(parts[-3], unquote(parts[-1]))
        body = json.loads(self.body or "{}")
        for key, attribute in (("accessLogSettings", "access_log_settings"),
                               ("autoDeploy", "auto_deploy"),
                               ("clientCertificateId", "client_certificate_id"),
                               ("description", "description"),
                               ("routeSettings", "route_settings"),
                               ("stageVariables", "stage_variables")):
            if key in body:
                setattr(stage, attribute, body[key])
        if "defaultRouteSettings" in body:
            stage.default_route_settings = {**(stage.default_route_settings or {}),
                                            **body["defaultRouteSettings"]}
        stage.updated = datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    ApiGatewayV2Response.update_stage = update_stage


def secure_transport_condition(statement: dict):
    """The statement's aws:SecureTransport condition as (operator, key, expected bool), or None."""
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, expected in entries.items():
            if key.lower() == "aws:securetransport":
                value = expected[0] if isinstance(expected, list) else expected
                return operator, key, str(value).lower() == "true"
    return None


def patch_s3_secure_transport() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        is_tls = getattr(REQUEST, "is_tls", False)
        kept = []
        for statement in statements:
            condition = secure_transport_condition(statement)
            if condition is None:
                kept.append(statement)
                continue
            operator, key, expected = condition
            if expected != is_tls:
                continue  # the condition does not hold for this request: AWS ignores the statement
            statement = dict(statement, Condition={
                op: {k: v for k, v in entries.items() if k != key}
                for op, entries in statement["Condition"].items()
            })
            statement["Condition"] = {op: e for op, e in statement["Condition"].items() if e}
            if not statement["Condition"]:
                del statement["Condition"]
            kept.append(statement)
        document["Statement"] = kept
        return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


# moto's generic root element → the root AWS uses, for the S3 operations dtr and its tests call.
S3_ROOTS = {
    "GetBucketVersioningResponse": "VersioningConfiguration",
    "GetBucketEncryptionResponse": "ServerSideEncryptionConfiguration",
    "GetPublicAccessBlockResponse": "PublicAccessBlockConfiguration",
    "GetBucketOwnershipControlsResponse": "OwnershipControls",
    "GetBucketTaggingResponse": "Tagging",
    "GetBucketLifecycleConfigurationResponse": "LifecycleConfiguration",
    "ListObjectVersionsResponse": "ListVersionsResult",
    "DeleteObjectsResponse": "DeleteResult",
}


def fix_s3_roots(body: bytes) -> bytes:
    head = body[:300]
    for wrong, right in S3_ROOTS.items():
        if b"<" + wrong.encode() in head:
            return (body.replace(b"<" + wrong.encode(), b"<" + right.encode(), 1)
                    .replace(b"</" + wrong.encode() + b">", b"</" + right.encode() + b">"))
    return body


def wrong_bucket_owner(environ) -> bool:
    """An S3 request whose expected bucket owner is not the account that owns the bucket."""
    expected = environ.get("HTTP_X_AMZ_EXPECTED_BUCKET_OWNER")
    if not expected or "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
        return False
    from moto.s3.models import s3_backends
    bucket = environ.get("PATH_INFO", "").lstrip("/").split("/")[0]
    owner = s3_backends.bucket_accounts.get(bucket)
    return owner is not None and owner[1] != expected


def stage_tagging(environ):
    """TagResource / UntagResource on a stage's ARN, done on moto's stage; None if not such a call."""
    import re
    from urllib.parse import parse_qs, unquote
    path = unquote(environ.get("PATH_INFO", ""))
    m = re.fullmatch(r"/v2/tags/arn:aws:apigateway:([a-z0-9-]+)::/apis/([^/]+)/stages/([^/]+)", path)
    method = environ.get("REQUEST_METHOD")
    if m is None or method not in ("POST", "DELETE"):
        return None
    from moto.apigatewayv2.models import apigatewayv2_backends
    from moto.core import DEFAULT_ACCOUNT_ID
    region, api_id, stage_name = m.groups()
    account = os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
    api = apigatewayv2_backends[account][region].apis.get(api_id)
    stage = api.stages.get(stage_name) if api is not None else None
    if stage is None:
        return ("404 Not Found", b'{"message": "Stage not found"}')
    if method == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        stage.tags.update(body.get("tags", {}))
        return ("201 Created", b"{}")
    for key in parse_qs(environ.get("QUERY_STRING", "")).get("tagKeys", []):
        stage.tags.pop(key, None)
    return ("204 No Content", b"")


def log_group_key(environ):
    """Logs AssociateKmsKey / DisassociateKmsKey on moto's log group; None if not such a call."""
    import re
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target not in ("Logs_20140328.AssociateKmsKey", "Logs_20140328.DisassociateKmsKey"):
        return None
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.logs.models import logs_backends
    scope = re.search(r"Credential=[^/]+/[0-9]+/([a-z0-9-]+)/logs/", environ.get("HTTP_AUTHORIZATION", ""))
    region = scope.group(1) if scope else "us-east-1"
    account = os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    group = logs_backends[account][region].groups.get(body.get("logGroupName", ""))
    if group is None:
        return ("400 Bad Request", json.dumps({
            "__type": "ResourceNotFoundException", "message": "The specified log group does not exist."}).encode())
    group.kms_key_id = body.get("kmsKeyId") if target == "Logs_20140328.AssociateKmsKey" else None
    return ("200 OK", b"{}")


def serve(args) -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    import ratelimit
    import rpcv2cbor
    import service_time
    import tagindex
    import tagging_coverage
    global RATE_LIMITS, SERVICE_TIMES
    RATE_LIMITS = ratelimit.RateLimits()
    SERVICE_TIMES = service_time.ServiceTimes()
    stale_index = tagindex.StaleIndex()
    patch_s3_secure_transport()
    patch_apigatewayv2_get_authorizers()
    patch_lambda()
    patch_apigatewayv2_update_stage()
    tagging_coverage.patch_scheduler()
    # One line per request on stderr drowns test output; errors still show.
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ca, cert, key = make_certificates(args.cert_dir)
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        REQUEST.is_tls = environ.get("wsgi.url_scheme") == "https"
        if environ.get("PATH_INFO") == "/dtr-harness/faults" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            rules = json.loads(environ["wsgi.input"].read(length) or b"[]")
            global RELEASE
            with FAULTS_LOCK:
                FAULTS[:] = rules
                stale_index.rules_set(FAULTS)
                RELEASE.set()  # requests held by the old rules go (answered 503, never processed)
                RELEASE = threading.Event()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        if environ.get("PATH_INFO") == "/dtr-harness/faults" and environ.get("REQUEST_METHOD") == "GET":
            with FAULTS_LOCK:
                body = json.dumps(FAULTS).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        throttle = throttled_answer(environ)
        if throttle is not None:
            status, headers, body = throttle
            start_response(status, headers)
            return [body]
        rule = injected(environ)
        if rule is not None:
            import time
            import uuid
            if rule.get("hang"):
                with FAULTS_LOCK:
                    release = RELEASE
                with SERVICE_TIMES.waiting():
                    release.wait(timeout=900)
                rule = dict(rule, status=503, code="ServiceUnavailable")
            if rule.get("reset") and rule.get("reset") != "after":
                reset_connection(environ)
                start_response("500 Reset", [("Content-Length", "0")])
                return [b""]
            with SERVICE_TIMES.waiting():
                time.sleep(rule.get("latency_ms", 0) / 1000)
            if rule.get("status"):
                rule = as_the_service_sends(rule, environ)
                request_id = "dtr-fault-" + uuid.uuid4().hex[:12]
                headers, body = fault_answer(rule, request_id, environ)
                start_response(f"{rule['status']} Injected", headers)
                return [body]
        stale = stale_index.answer(environ)
        if stale is not None:
            status, headers, body = stale
            start_response(status, headers)
            return [body]
        tagged = stage_tagging(environ) or log_group_key(environ)
        if tagged is not None:
            status, body = tagged
            start_response(status, [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(body)))])
            return [body]
        if wrong_bucket_owner(environ):
            body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                    b'<Message>Access Denied</Message></Error>')
            if environ.get("REQUEST_METHOD") == "HEAD":
                body = b""
            start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                             ("Content-Length", str(len(body)))])
            return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        cbor = rpcv2cbor.translation(environ)
        if cbor is not None:
            environ = cbor.environ
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            # DynamoDB applies a conditional write atomically; moto's threaded server does not (two
            # concurrent `attribute_not_exists` puts can both succeed), so the lock tests would
            # test moto's race, not dtr's lock. One DynamoDB request at a time, as AWS's semantics.
            with DYNAMODB_LOCK:
                body = b"".join(moto_app(environ, capture))
        else:
            body = b"".join(moto_app(environ, capture))
        if rule is not None and rule.get("reset") == "after":
            # Processed, then the answer lost: what a dropped connection does to a call that landed.
            reset_connection(environ)
            start_response("500 Reset", [("Content-Length", "0")])
            return [b""]
        headers = captured["headers"]
        if cbor is not None:
            captured["status"], headers, body = cbor.response(captured["status"], headers, body)
        if any(k.lower() == "content-type" and "xml" in v for k, v in headers) and body:
            fixed = fix_s3_roots(body)
            if fixed is not body:
                body = fixed
                headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(captured["status"], headers)
        return [body]

    app = SERVICE_TIMES.wrap(app)
    servers = []
    https = make_server("127.0.0.1", args.https_port, app, threaded=True,
                        request_handler=MotoRequestHandler, ssl_context=(cert, key))
    servers.append(https)
    info = {"https_url": f"https://127.0.0.1:{https.server_port}", "ca_bundle": ca}
    if args.http_port is not None:
        http = make_server("127.0.0.1", args.http_port, app, threaded=True,
                           request_handler=MotoRequestHandler)
        servers.append(http)
        info["http_url"] = f"http://127.0.0.1:{http.server_port}"
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.until_stdin_closes:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps(info), flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--https-port", type=int, default=0)
    parser.add_argument("--http-port", type=int, default=None,
                        help="also serve plain HTTP on this port (0 = any free port)")
    parser.add_argument("--cert-dir", required=False,
                        help="where to write ca.pem, server.pem and server.key")
    parser.add_argument("--until-stdin-closes", action="store_true",
                        help="exit when standard input reaches end of file")
    parser.add_argument("--ensure-venv-only", action="store_true",
                        help="create the virtualenv and exit")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()
        if args.ensure_venv_only:
            return
        os.execv(venv_python(), [venv_python(), os.path.abspath(__file__)] + sys.argv[1:])
    if args.ensure_venv_only:
        return
    if not args.cert_dir:
        parser.error("--cert-dir is required")
    serve(args)


if __name__ == "__main__":
    main()
