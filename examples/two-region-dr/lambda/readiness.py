"""Hourly failover-readiness probe: publishes 1 (ready) or 0 as a CloudWatch metric."""
import os

import boto3

GLOBAL = os.environ["GLOBAL_CLUSTER"]


def handler(_event, _context):
    g = boto3.client("rds").describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"][0]
    members = g["GlobalClusterMembers"]
    ready = len(members) == 2 and all(
        m["IsWriter"] or m.get("SynchronizationStatus") == "connected" for m in members
    )
    boto3.client("cloudwatch").put_metric_data(
        Namespace="Trading/DR",
        MetricData=[{"MetricName": "FailoverReady", "Value": 1 if ready else 0, "Dimensions": [{"Name": "GlobalCluster", "Value": GLOBAL}]}],
    )
    return {"ready": ready}
