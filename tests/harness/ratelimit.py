"""The moto launcher's rate limits: AWS throttles each API per account and Region with a token bucket
(so many requests a second, a burst above that), and moto throttles nothing. A rate-limit rule, posted
with the fault rules to `/dtr-harness/faults`, puts such a bucket in front of moto:

    {"rate_limit": 5, "burst": 5, "service": "monitoring", "operation": "DescribeAlarms"}

`service` is the SigV4 signing name in the request's credential scope (`monitoring`, `logs`,
`lambda`, `apigateway`, `dynamodb`, `s3`, `iam`, `sns`, `scheduler`, `sts`); `operation`, optional,
narrows the rule to one API (from `X-Amz-Target`, the rpc-v2-cbor path, or a query `Action`; a REST
request, S3's and Lambda's, has no operation name, so its rules are per service); `match`, optional,
is the fault rules' substring of "METHOD PATH?QUERY X-Amz-Target". `burst` defaults to the rate. A
request the bucket has no token for is answered, without reaching moto, with the throttling error the
service sends, in the request's protocol; the rule counts `admitted` and `throttled` requests, which
GET `/dtr-harness/faults` shows beside the fault rules' `hits`.

Each service's throttling answer, as its API reference documents it:
- CloudWatch: 400 `ThrottlingException`
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html); its current
  clients speak rpc-v2-cbor, so the answer goes through rpcv2cbor's error path (the query-compatible
  code in `x-amzn-query-error`).
- CloudWatch Logs: 400 `ThrottlingException`
  (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html).
- DynamoDB: 400 `ThrottlingException` (control plane)
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html).
- Lambda: 429 `TooManyRequestsException`
  (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_Errors).
- API Gateway v2: 429 `TooManyRequestsException`
  (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html).
- EventBridge Scheduler: 429 `ThrottlingException`
  (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_GetSchedule.html#API_GetSchedule_Errors).
- SNS: 429 `Throttled`, in XML (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors,
  `ThrottledException`, whose query code is `Throttled`).
- IAM and STS: 400 `ThrottlingException`, in XML
  (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
- S3: 503 `SlowDown` (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
"""
import io
import re
import threading
import time
from urllib.parse import parse_qs

# SigV4 service → (HTTP status, error code, fault format of moto_launcher.fault_body).
THROTTLING = {
    "monitoring": (400, "ThrottlingException", "query"),
    "logs": (400, "ThrottlingException", "json"),
    "dynamodb": (400, "ThrottlingException", "json"),
    "lambda": (429, "TooManyRequestsException", "json"),
    "apigateway": (429, "TooManyRequestsException", "json"),
    "scheduler": (429, "ThrottlingException", "json"),
    "sns": (429, "Throttled", "query"),
    "iam": (400, "ThrottlingException", "query"),
    "sts": (400, "ThrottlingException", "query"),
    "s3": (503, "SlowDown", "s3"),
}


class Bucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`; starts full."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def service_of(environ) -> str:
    """The SigV4 signing name: .../<date>/<region>/<service>/aws4_request."""
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split(",")[0].split("/")
    return scope[3] if len(scope) > 3 else ""


def operation_of(environ) -> str:
    """The API's name, where the request carries one (the body of a query request is read and put back)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.split(".")[-1]
    m = re.search(r"/service/[^/]+/operation/([^/?]+)", environ.get("PATH_INFO", ""))
    if m:
        return m.group(1)
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return action[0]
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode(errors="replace")).get("Action")
        if action:
            return action[0]
    return ""


class RateLimits:
    """The rate-limit rules among the posted rules, each with its bucket (kept while the rule is)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buckets: dict = {}

    def throttled(self, rules: list, rules_lock, environ, desc: str):
        """The throttling answer (status, code, format) for this request, or None to let it through.
        Every matching rule takes a token; the request is refused if any has none."""
        limits = [r for r in rules if "rate_limit" in r]
        if not limits:
            return None
        service, operation = service_of(environ), None
        refused = None
        with rules_lock:
            for rule in limits:
                if rule.get("service") and rule["service"] != service:
                    continue
                if rule.get("operation"):
                    operation = operation if operation is not None else operation_of(environ)
                    if rule["operation"] != operation:
                        continue
                if rule.get("match", "") not in desc:
                    continue
                bucket = self.bucket(rule)
                if bucket.take():
                    rule["admitted"] = rule.get("admitted", 0) + 1
                elif refused is None:
                    rule["throttled"] = rule.get("throttled", 0) + 1
                    refused = THROTTLING.get(service, (400, "ThrottlingException", "json"))
        return refused

    def bucket(self, rule) -> Bucket:
        with self.lock:
            key = id(rule)
            if key not in self.buckets or self.buckets[key][0] is not rule:
                rate = float(rule["rate_limit"])
                self.buckets[key] = (rule, Bucket(rate, float(rule.get("burst", rate))))
            return self.buckets[key][1]
