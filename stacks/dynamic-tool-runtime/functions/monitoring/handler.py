"""Scheduled monitoring: publish tools registered per agent and artifact bytes as CloudWatch metrics."""
import os
from collections import Counter

import boto3

NAMESPACE_DEFAULT = "DynamicToolRuntime"
BATCH = 20  # entries per PutMetricData call, within every API generation's limit


def _tools_per_agent(dynamodb, table):
    counts = Counter()
    kwargs = {"TableName": table, "ProjectionExpression": "agent_id"}
    while True:
        page = dynamodb.scan(**kwargs)
        for item in page.get("Items", []):
            counts[item.get("agent_id", {}).get("S", "unknown")] += 1
        if "LastEvaluatedKey" not in page:
            return counts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _artifact_bytes(s3, bucket):
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="code/"):
        total += sum(obj["Size"] for obj in page.get("Contents", []))
    return total


def handler(event, context):
    table, bucket = os.environ["TABLE_NAME"], os.environ["BUCKET_NAME"]
    namespace = os.environ.get("METRIC_NAMESPACE", NAMESPACE_DEFAULT)
    per_agent = _tools_per_agent(boto3.client("dynamodb"), table)
    artifact_bytes = _artifact_bytes(boto3.client("s3"), bucket)
    data = [
        {"MetricName": "ToolsRegistered", "Dimensions": [{"Name": "AgentId", "Value": agent}],
         "Value": count, "Unit": "Count"}
        for agent, count in sorted(per_agent.items())
    ]
    data.append({"MetricName": "ToolsRegisteredTotal", "Value": sum(per_agent.values()), "Unit": "Count"})
    data.append({"MetricName": "ArtifactBytes", "Value": artifact_bytes, "Unit": "Bytes"})
    cloudwatch = boto3.client("cloudwatch")
    for start in range(0, len(data), BATCH):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start:start + BATCH])
    return {"agents": len(per_agent), "tools": sum(per_agent.values()), "artifact_bytes": artifact_bytes}
