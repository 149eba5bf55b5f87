"""The launcher's stale tag index on the wire: a running launcher (DTR_HARNESS_URL, DTR_HARNESS_CA)
given a stale-index rule answers GetResources with the tags resources had when the rule was set,
while the service's own tag call sees the new ones; pages and filters apply; removing the rule ends
the lag. Read through boto3, AWS's own SDK. Run by tests/tag_index.rs."""
import json
import os
import ssl
import unittest
import urllib.request
import uuid

import boto3

URL = os.environ.get("DTR_HARNESS_URL", "")
CA = os.environ.get("DTR_HARNESS_CA")
CONTEXT = ssl.create_default_context(cafile=CA)


def rules(document=None):
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(URL + "/dtr-harness/faults", data=data,
                                     method="GET" if data is None else "POST")
    return json.loads(urllib.request.urlopen(request, context=CONTEXT).read())


def client(service):
    return boto3.client(service, endpoint_url=URL, region_name="us-east-1", verify=CA,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


class StaleTagIndex(unittest.TestCase):
    def setUp(self):
        self.logs, self.tagging = client("logs"), client("resourcegroupstaggingapi")
        self.env = "stale-" + uuid.uuid4().hex[:8]
        self.addCleanup(rules, [])

    def group(self, name, team):
        self.logs.create_log_group(logGroupName=name, tags={"dtr:env": self.env, "team": team})
        arn = self.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
        return arn.removesuffix(":*")

    def index(self, per_page=100):
        """ARN → tags from every GetResources page for this test's environment, and the pages."""
        found, token, pages = {}, "", 0
        while True:
            out = self.tagging.get_resources(
                TagFilters=[{"Key": "dtr:env", "Values": [self.env]}],
                ResourceTypeFilters=["logs"], ResourcesPerPage=per_page, PaginationToken=token)
            pages += 1
            for mapping in out["ResourceTagMappingList"]:
                found[mapping["ResourceARN"]] = {t["Key"]: t["Value"] for t in mapping["Tags"]}
            token = out.get("PaginationToken") or ""
            if not token:
                return found, pages

    def test_the_index_answers_the_tags_of_when_the_rule_was_set(self):
        arn = self.group(f"/{self.env}/a", "red")
        rules([{"stale_tag_index": True}])
        self.logs.tag_resource(resourceArn=arn, tags={"team": "blue"})
        live = self.logs.list_tags_for_resource(resourceArn=arn)["tags"]
        self.assertEqual(live["team"], "blue", "the service's own call sees the change")
        index, _ = self.index()
        self.assertEqual(index[arn]["team"], "red", "the index lags")
        self.assertEqual(rules()[0]["hits"], 1)
        rules([])
        index, _ = self.index()
        self.assertEqual(index[arn]["team"], "blue", "the lag ends with the rule")

    def test_a_resource_made_after_the_snapshot_is_not_in_it_and_pages_apply(self):
        arns = [self.group(f"/{self.env}/{i}", "red") for i in range(3)]
        rules([{"stale_tag_index": True}])
        later = self.group(f"/{self.env}/later", "red")
        index, pages = self.index(per_page=2)
        self.assertEqual(sorted(index), sorted(arns))
        self.assertEqual(pages, 2)
        self.assertNotIn(later, index)
        other = self.tagging.get_resources(
            TagFilters=[{"Key": "dtr:env", "Values": [self.env]}], ResourceTypeFilters=["sns"])
        self.assertEqual(other["ResourceTagMappingList"], [], "type filters apply")


if __name__ == "__main__":
    unittest.main()
