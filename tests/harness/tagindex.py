"""The moto launcher's stale tag index: the Resource Groups Tagging API answers `GetResources` from an
index that services feed after the fact, so it can lag behind a resource's own tags. Its reference
says it returns "all the tagged or previously tagged resources"
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html), and
AWS explains the stale answers by services that update the index late
(https://github.com/aws/aws-sdk/issues/302). moto answers from the services' live tags, so it never
lags. A rule posted with the fault rules to `/dtr-harness/faults` makes it:

    {"stale_tag_index": true, "account": "123456789012", "region": "us-east-1"}

From the moment the rules holding it are posted, `GetResources` (for that account, default moto's,
and region, default us-east-1) is answered from a snapshot of the tagged resources taken then, with
`TagFilters`, `ResourceTypeFilters`, `ResourceARNList` and `ResourcesPerPage` applied as moto applies
them, while each service's own tag calls see the live tags. Posting rules without it ends the lag.
The rule counts the requests it answered in `hits`, which GET `/dtr-harness/faults` shows.
"""
import json
import os
import threading

TARGET = "ResourceGroupsTaggingAPI_20170126.GetResources"


class StaleIndex:
    def __init__(self):
        self.lock = threading.Lock()
        self.rule = None
        self.snapshot = []

    def rules_set(self, rules) -> None:
        """Called with the rules just posted: a stale-index rule among them takes a new snapshot."""
        rule = next((r for r in rules if r.get("stale_tag_index")), None)
        with self.lock:
            self.rule = rule
            self.snapshot = snapshot(rule) if rule is not None else []

    def answer(self, environ):
        """(status, headers, body) for a GetResources the stale index answers, else None."""
        if environ.get("HTTP_X_AMZ_TARGET") != TARGET:
            return None
        with self.lock:
            if self.rule is None:
                return None
            length = int(environ.get("CONTENT_LENGTH") or 0)
            request = json.loads(environ["wsgi.input"].read(length) or b"{}")
            self.rule["hits"] = self.rule.get("hits", 0) + 1
            body = json.dumps(page(self.snapshot, request)).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body


def snapshot(rule):
    """[(arn, tags, resource type)] of every tagged resource GetResources would list now."""
    from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends

    account = rule.get("account") or os.environ.get("MOTO_ACCOUNT_ID", "123456789012")
    backend = resourcegroupstaggingapi_backends[account][rule.get("region", "us-east-1")]
    return [(r.arn, dict(r.tags), r.resource_type) for r in backend._get_resources_generator()]


def page(resources, request):
    """One GetResources page of `resources` for `request`; the pagination token is an offset."""
    from moto.core.resource_tagging import make_tag_matcher, match_resource_type

    matches = make_tag_matcher(request.get("TagFilters") or None)
    types = request.get("ResourceTypeFilters") or None
    arns = request.get("ResourceARNList") or None
    selected = [
        (arn, tags) for arn, tags, kind in resources
        if matches(tags) and match_resource_type(kind, types) and (not arns or arn in arns)
    ]
    start = int(request.get("PaginationToken") or 0)
    end = start + int(request.get("ResourcesPerPage") or 50)
    return {
        "ResourceTagMappingList": [
            {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            for arn, tags in selected[start:end]
        ],
        "PaginationToken": str(end) if end < len(selected) else "",
    }
