"""The launcher's tagging API covers schedule groups as AWS's does (tagging_coverage.py): a running
launcher (DTR_HARNESS_URL, DTR_HARNESS_CA) lists a tagged schedule group in GetResources with the tags
its own ListTagsForResource answers, filtered as any other resource. Read through boto3. Run by
tests/tag_index.rs."""
import os
import unittest
import uuid

import boto3

URL = os.environ.get("DTR_HARNESS_URL", "")
CA = os.environ.get("DTR_HARNESS_CA")


def client(service):
    return boto3.client(service, endpoint_url=URL, region_name="us-east-1", verify=CA,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


class ScheduleGroupsInTheIndex(unittest.TestCase):
    def test_a_tagged_schedule_group_is_listed_with_its_tags(self):
        scheduler, tagging = client("scheduler"), client("resourcegroupstaggingapi")
        env = "cover-" + uuid.uuid4().hex[:8]
        arn = scheduler.create_schedule_group(
            Name=env, Tags=[{"Key": "dtr:env", "Value": env}, {"Key": "team", "Value": "a"}])["ScheduleGroupArn"]
        scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
        found = tagging.get_resources(TagFilters=[{"Key": "dtr:env", "Values": [env]}],
                                      ResourceTypeFilters=["scheduler"])["ResourceTagMappingList"]
        self.assertEqual([m["ResourceARN"] for m in found], [arn])
        self.assertEqual({t["Key"]: t["Value"] for t in found[0]["Tags"]}, {"dtr:env": env, "team": "b"})
        others = tagging.get_resources(TagFilters=[{"Key": "dtr:env", "Values": [env]}],
                                       ResourceTypeFilters=["logs"])["ResourceTagMappingList"]
        self.assertEqual(others, [])


if __name__ == "__main__":
    unittest.main()
