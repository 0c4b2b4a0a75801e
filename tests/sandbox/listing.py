"""Listings and their pages. AWS pages every listing trdr reads, with documented bounds on the
page size the caller may ask for; MiniStack answers everything at once and takes any size.

POST /_trdr/list-page makes every listing's pages smaller still (AWS's page sizes are upper
limits), so a caller that does not follow `Marker`, `LastEvaluatedTableName`, `nextToken` or
`ContinuationToken` misses items."""

import json
import re

from .rules import refused, rule
from .wire import json_error, query_error

# POST /_trdr/list-page: the largest page a listing answers, below AWS's own (None: AWS's).
page_size = [None]

# RDS API reference, DescribeGlobalClusters: MaxRecords "Default: 100. Constraints: Minimum 20,
# maximum 100"; further pages through Marker.
RDS_MAX_RECORDS = (20, 100)
RDS_MAX_RECORDS_RULE = rule(
    "rds_max_records", "rds", "InvalidParameterValue",
    "Amazon RDS API Reference, DescribeGlobalClusters (MaxRecords: minimum 20, maximum 100)",
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html")

# DynamoDB API reference, ListTables: Limit "Valid Range: Minimum value of 1. Maximum value of
# 100"; further pages through LastEvaluatedTableName.
DYNAMODB_LIMIT = (1, 100)
DYNAMODB_LIST_LIMIT_RULE = rule(
    "dynamodb_list_limit", "dynamodb", "ValidationException",
    "Amazon DynamoDB API Reference, ListTables (Limit: 1 to 100)",
    "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTables.html")

# Step Functions API reference, ListStateMachines: maxResults 0–1000, 0 (or absent) meaning the
# default page of 100; further pages through nextToken.
SFN_MAX_RESULTS = (0, 1000)
SFN_DEFAULT_PAGE = 100
SFN_PAGE_SIZE_RULE = rule(
    "sfn_page_size", "states", "ValidationException",
    "AWS Step Functions API Reference, ListStateMachines (maxResults: 0 to 1000, default 100)",
    "https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListStateMachines.html")


def rds_max_records(p):
    """DescribeGlobalClusters without an identifier: a refusal when MaxRecords is out of range."""
    if p.get("GlobalClusterIdentifier") or not p.get("MaxRecords"):
        return None
    try:
        asked = int(p["MaxRecords"])
    except ValueError:
        asked = None
    low, high = RDS_MAX_RECORDS
    if asked is None or not low <= asked <= high:
        return refused(RDS_MAX_RECORDS_RULE, query_error(
            "InvalidParameterValue", f"Invalid value {p['MaxRecords']} for MaxRecords. Must be between {low} and {high}"))
    return None


def global_clusters_page(xml, p):
    """One page of a DescribeGlobalClusters answer: MaxRecords (or the list-page size) global
    clusters from the Marker on (an offset here; opaque to the caller), and the next Marker."""
    head, found, rest = xml.partition("<GlobalClusters>")
    if not found:
        return xml
    body, _, tail = rest.rpartition("</GlobalClusters>")
    # The top-level <GlobalClusterMember> elements (a global cluster's members nest the same tag).
    blocks, depth, start_at = [], 0, 0
    for m in re.finditer(r"<(/?)GlobalClusterMember>", body):
        if not m.group(1):
            if depth == 0:
                start_at = m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                blocks.append(body[start_at:m.end()])
    high = RDS_MAX_RECORDS[1]
    size = min(int(p.get("MaxRecords") or high), page_size[0] or high)
    start = int(p.get("Marker") or 0)
    page = blocks[start:start + size]
    marker = f"<Marker>{start + size}</Marker>" if start + size < len(blocks) else ""
    return f"{head}<GlobalClusters>{''.join(page)}</GlobalClusters>{marker}{tail}"


def list_tables(data, body):
    """ListTables: (refusal, None) when Limit is out of range, else (None, the body to pass on)."""
    low, high = DYNAMODB_LIMIT
    asked = data.get("Limit", high)
    if not isinstance(asked, int) or isinstance(asked, bool) or not low <= asked <= high:
        bound = f"greater than or equal to {low}" if isinstance(asked, int) and asked < low else f"less than or equal to {high}"
        return refused(DYNAMODB_LIST_LIMIT_RULE, json_error(
            "ValidationException", f"1 validation error detected: Value '{asked}' at 'limit' failed "
            f"to satisfy constraint: Member must have value {bound}")), None
    if "Limit" in data:
        body = json.dumps(dict(data, Limit=min(asked, page_size[0] or high))).encode()
    return None, body


def list_state_machines(data):
    """ListStateMachines: (refusal, None) when maxResults is out of range, else (None, the body
    to pass on, asking MiniStack for AWS's page size)."""
    low, high = SFN_MAX_RESULTS
    asked = data.get("maxResults") or 0
    if not isinstance(asked, int) or isinstance(asked, bool) or not low <= asked <= high:
        bound = f"greater than or equal to {low}" if isinstance(asked, int) and asked < low else f"less than or equal to {high}"
        return refused(SFN_PAGE_SIZE_RULE, json_error(
            "ValidationException", f"1 validation error detected: Value '{asked}' at 'maxResults' "
            f"failed to satisfy constraint: Member must have value {bound}")), None
    return None, json.dumps(dict(data, maxResults=min(asked or SFN_DEFAULT_PAGE, page_size[0] or high))).encode()


async def s3(orig, method, path, headers, body, query):
    """ListBuckets with MaxBuckets: pages of at most the list-page size (S3 API reference,
    ListBuckets: "we strongly recommend using only paginated ListBuckets requests")."""
    if method == "GET" and path in ("", "/") and page_size[0] and query.get("max-buckets"):
        asked = query["max-buckets"]
        asked = int(asked[0] if isinstance(asked, list) else asked)
        query = dict(query, **{"max-buckets": [str(min(asked, page_size[0]))]})
    return await orig(method, path, headers, body, query)
