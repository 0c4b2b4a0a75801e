"""The sandbox's call log: one JSON line per AWS call it serves, with the IAM action it needs.

When TRDR_SANDBOX_CALL_LOG names a file (scripts/sandbox.sh run sets one under
target/sandbox-calls/), every call that passes the realistic layer's `outage()` hook (outage.py), which wraps
every service handler, appends:

    {"t": 1700000000.1, "region": "us-east-2", "service": "rds",
     "operation": "DescribeGlobalClusters", "actions": ["rds:DescribeGlobalClusters"],
     "resources": ["arn:aws:rds::000000000000:global-cluster:x-global-dev"],
     "caller": {"kind": "provider"}}

`caller.kind` says who called:
- "provider": an AWS SDK for Rust client without an app id: the provider (run by Terraform);
- "test": the acceptance tests' own SDK clients (tests/acceptance/support/aws.rs names itself
  `app/trdr-acceptance` in its user agent), which set up and look at the sandbox;
- "state-machine": a Step Functions execution inside the sandbox (its `aws-sdk:*` tasks, its
  `sns:publish` tasks and its HTTP Tasks), with `state_machine`, `role` and `execution`;
- "scheduler": EventBridge Scheduler starting a schedule's target, with `role` and `schedule`;
- "other": anything else (e.g. hashicorp/aws, curl), with its user agent.

`resources` lists the ARNs IAM evaluates the call against where the request names them; an empty
list means the log cannot tell (a listing, or an identifier that is not in the request). An
operation this module cannot name is logged with `"unmapped": true` and action `PREFIX:?`, so a
checker fails on it rather than guessing.

tests/permissions.rs reads these logs and checks them against examples/permissions/*.json.tftpl.
"""

import contextvars
import json
import os
import re
import threading
import time
from urllib.parse import unquote, urlparse

from . import wire

PATH = os.environ.get("TRDR_SANDBOX_CALL_LOG") or None
ACCOUNT = "000000000000"
PARTITION = "aws"
CALLER_HEADER = "x-trdr-caller"
TEST_APP_ID = "trdr-acceptance"

_write_lock = threading.Lock()
# The Step Functions execution (or schedule) on whose behalf the current thread calls AWS.
_caller = contextvars.ContextVar("trdr_caller", default=None)

# MiniStack's handler name → the IAM service prefix.
PREFIX = {"monitoring": "cloudwatch", "rds-data": "rds-data", "elasticloadbalancing": "elasticloadbalancing",
          "dynamodbstreams": "dynamodb", "lambda-core": "lambda"}


def enabled():
    return PATH is not None


def _write(entry):
    line = json.dumps(entry, sort_keys=True) + "\n"
    with _write_lock:
        with open(PATH, "a", encoding="utf-8") as f:
            f.write(line)


def log(region, service, operation, actions, resources, caller, **extra):
    """Appends one call (when the log is on)."""
    if PATH is None:
        return
    entry = {"t": round(time.time(), 3), "region": region, "service": service, "operation": operation,
             "actions": actions, "resources": resources, "caller": caller}
    entry.update(extra)
    try:
        _write(entry)
    except OSError:
        pass


def current_caller():
    return _caller.get()


def set_caller(caller):
    return _caller.set(caller)


def reset_caller(token):
    _caller.reset(token)


# ---------------------------------------------------------------------------------------------
# Who called
# ---------------------------------------------------------------------------------------------


def _caller_of(headers):
    raw = headers.get(CALLER_HEADER)
    if raw:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    inner = _caller.get()
    if inner:
        return inner
    agent = f"{headers.get('user-agent', '')} {headers.get('x-amz-user-agent', '')}"
    if f"app/{TEST_APP_ID}" in agent:
        return {"kind": "test"}
    if "aws-sdk-rust" in agent:
        return {"kind": "provider"}
    return {"kind": "other", "agent": agent.strip()[:120]}


# ---------------------------------------------------------------------------------------------
# Which operation, which action, which resources
# ---------------------------------------------------------------------------------------------


def _arn(service, region, resource, account=ACCOUNT):
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _rds_resources(region, p):
    out = []

    def ident(value, kind):
        if not value:
            return
        out.append(value if value.startswith("arn:") else _arn("rds", region, f"{kind}:{value}"))

    if p.get("GlobalClusterIdentifier"):
        g = p["GlobalClusterIdentifier"]
        out.append(g if g.startswith("arn:") else f"arn:{PARTITION}:rds::{ACCOUNT}:global-cluster:{g}")
    ident(p.get("DBClusterIdentifier"), "cluster")
    ident(p.get("TargetDbClusterIdentifier"), "cluster")
    ident(p.get("SourceDBClusterIdentifier"), "cluster")
    ident(p.get("DbClusterIdentifier"), "cluster")
    ident(p.get("DBInstanceIdentifier"), "db")
    ident(p.get("DBClusterParameterGroupName"), "cluster-pg")
    if p.get("ResourceName"):
        out.append(p["ResourceName"])
    return out


def _query_protocol(service, region, p):
    op = p.get("Action")
    if not op:
        return None, [], []
    prefix = PREFIX.get(service, service)
    resources = []
    if service == "rds":
        resources = _rds_resources(region, p)
    elif service == "sns" and p.get("TopicArn"):
        resources = [p["TopicArn"]]
    elif service == "monitoring":
        resources = []
    return op, [f"{prefix}:{op}"], resources


def _json_resources(service, region, op, d):
    if service == "dynamodb":
        if d.get("TableName"):
            return [_arn("dynamodb", region, f"table/{d['TableName']}")]
        if d.get("ResourceArn"):
            return [d["ResourceArn"]]
        return []
    if service == "states":
        for key in ("stateMachineArn", "executionArn", "resourceArn"):
            if d.get(key):
                return [d[key]]
        if op == "CreateStateMachine" and d.get("name"):
            return [_arn("states", region, f"stateMachine:{d['name']}")]
        return []
    if service == "secretsmanager":
        sid = d.get("SecretId") or (d.get("Name") if op == "CreateSecret" else None)
        if not sid:
            return []
        # A secret's ARN ends in a hyphen and six random characters after its name.
        return [sid if sid.startswith("arn:") else _arn("secretsmanager", region, f"secret:{sid}-??????")]
    if service == "events":
        if op.endswith("Connection") and d.get("Name"):
            return [_arn("events", region, f"connection/{d['Name']}")]
        return []
    return []


def _json_protocol(service, region, target, body):
    op = target.split(".")[-1]
    prefix = PREFIX.get(service, service)
    try:
        d = json.loads(wire.text(body) or "{}")
    except ValueError:
        d = {}
    if not isinstance(d, dict):
        d = {}
    actions = [f"{prefix}:{op}"]
    if service == "dynamodb" and op == "UpdateTable":
        # Global tables (version 2019.11.21): creating or deleting a replica needs these too.
        for u in d.get("ReplicaUpdates") or []:
            if "Create" in u:
                actions += ["dynamodb:CreateTableReplica"]
            if "Delete" in u:
                actions += ["dynamodb:DeleteTableReplica"]
    return op, sorted(set(actions)), _json_resources(service, region, op, d)


# S3: (method, sub-resource) of a bucket or object request → (operation, actions).
_S3_BUCKET = {
    ("GET", "encryption"): ("GetBucketEncryption", ["s3:GetEncryptionConfiguration"]),
    ("PUT", "encryption"): ("PutBucketEncryption", ["s3:PutEncryptionConfiguration"]),
    ("DELETE", "encryption"): ("DeleteBucketEncryption", ["s3:PutEncryptionConfiguration"]),
    ("GET", "lifecycle"): ("GetBucketLifecycleConfiguration", ["s3:GetLifecycleConfiguration"]),
    ("PUT", "lifecycle"): ("PutBucketLifecycleConfiguration", ["s3:PutLifecycleConfiguration"]),
    ("DELETE", "lifecycle"): ("DeleteBucketLifecycle", ["s3:PutLifecycleConfiguration"]),
    ("GET", "tagging"): ("GetBucketTagging", ["s3:GetBucketTagging"]),
    ("PUT", "tagging"): ("PutBucketTagging", ["s3:PutBucketTagging"]),
    ("DELETE", "tagging"): ("DeleteBucketTagging", ["s3:PutBucketTagging"]),
    ("GET", "versioning"): ("GetBucketVersioning", ["s3:GetBucketVersioning"]),
    ("PUT", "versioning"): ("PutBucketVersioning", ["s3:PutBucketVersioning"]),
    ("GET", "publicAccessBlock"): ("GetPublicAccessBlock", ["s3:GetBucketPublicAccessBlock"]),
    ("PUT", "publicAccessBlock"): ("PutPublicAccessBlock", ["s3:PutBucketPublicAccessBlock"]),
    ("DELETE", "publicAccessBlock"): ("DeletePublicAccessBlock", ["s3:PutBucketPublicAccessBlock"]),
    ("GET", "replication"): ("GetBucketReplication", ["s3:GetReplicationConfiguration"]),
    ("PUT", "replication"): ("PutBucketReplication", ["s3:PutReplicationConfiguration"]),
    ("DELETE", "replication"): ("DeleteBucketReplication", ["s3:PutReplicationConfiguration"]),
    ("GET", "location"): ("GetBucketLocation", ["s3:GetBucketLocation"]),
    ("GET", "policy"): ("GetBucketPolicy", ["s3:GetBucketPolicy"]),
    ("PUT", "policy"): ("PutBucketPolicy", ["s3:PutBucketPolicy"]),
    ("DELETE", "policy"): ("DeleteBucketPolicy", ["s3:DeleteBucketPolicy"]),
    ("GET", "acl"): ("GetBucketAcl", ["s3:GetBucketAcl"]),
    ("PUT", "acl"): ("PutBucketAcl", ["s3:PutBucketAcl"]),
    ("GET", "ownershipControls"): ("GetBucketOwnershipControls", ["s3:GetBucketOwnershipControls"]),
    ("PUT", "ownershipControls"): ("PutBucketOwnershipControls", ["s3:PutBucketOwnershipControls"]),
    ("GET", "notification"): ("GetBucketNotificationConfiguration", ["s3:GetBucketNotification"]),
    ("PUT", "notification"): ("PutBucketNotificationConfiguration", ["s3:PutBucketNotification"]),
    ("GET", "cors"): ("GetBucketCors", ["s3:GetBucketCORS"]),
    ("PUT", "cors"): ("PutBucketCors", ["s3:PutBucketCORS"]),
    ("GET", "uploads"): ("ListMultipartUploads", ["s3:ListBucketMultipartUploads"]),
    ("GET", "versions"): ("ListObjectVersions", ["s3:ListBucketVersions"]),
    ("GET", "object-lock"): ("GetObjectLockConfiguration", ["s3:GetBucketObjectLockConfiguration"]),
}
_S3_SUBRESOURCES = {sub for _, sub in _S3_BUCKET} | {"delete", "uploadId", "partNumber", "versionId"}


def _s3(method, path, headers, body, query):
    q = wire.flat_query(query)
    parts = unquote(urlparse(path).path).lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if not bucket:
        if method == "GET":
            return "ListBuckets", ["s3:ListAllMyBuckets"], []
        return None, [], []
    bucket_arn = f"arn:{PARTITION}:s3:::{bucket}"
    subs = [s for s in q if s in _S3_SUBRESOURCES]
    if not key:
        if method == "POST" and "delete" in q:
            text = wire.text(body)
            keys = re.findall(r"<Key>([^<]*)</Key>", text)
            actions = ["s3:DeleteObject"] + (["s3:DeleteObjectVersion"] if "<VersionId>" in text else [])
            return "DeleteObjects", actions, [f"{bucket_arn}/{k}" for k in keys] or [f"{bucket_arn}/*"]
        for sub in subs:
            if (method, sub) in _S3_BUCKET:
                op, actions = _S3_BUCKET[(method, sub)]
                return op, actions, [bucket_arn]
        if subs:
            return None, [], [bucket_arn]
        simple = {"PUT": ("CreateBucket", ["s3:CreateBucket"]), "DELETE": ("DeleteBucket", ["s3:DeleteBucket"]),
                  "HEAD": ("HeadBucket", ["s3:ListBucket"]),
                  "GET": ("ListObjectsV2" if q.get("list-type") == "2" else "ListObjects", ["s3:ListBucket"])}
        if method in simple:
            op, actions = simple[method]
            return op, actions, [bucket_arn]
        return None, [], [bucket_arn]
    obj = [f"{bucket_arn}/{key}"]
    versioned = "versionId" in q
    if method in ("GET", "HEAD"):
        if "tagging" in q:
            return "GetObjectTagging", ["s3:GetObjectVersionTagging" if versioned else "s3:GetObjectTagging"], obj
        if "acl" in q:
            return "GetObjectAcl", ["s3:GetObjectVersionAcl" if versioned else "s3:GetObjectAcl"], obj
        op = "GetObject" if method == "GET" else "HeadObject"
        return op, ["s3:GetObjectVersion" if versioned else "s3:GetObject"], obj
    if method == "PUT":
        if "tagging" in q:
            return "PutObjectTagging", ["s3:PutObjectVersionTagging" if versioned else "s3:PutObjectTagging"], obj
        if "acl" in q:
            return "PutObjectAcl", ["s3:PutObjectAcl"], obj
        if "uploadId" in q:
            return "UploadPart", ["s3:PutObject"], obj
        if headers.get("x-amz-copy-source"):
            src = unquote(headers["x-amz-copy-source"]).lstrip("/").split("?")[0]
            return "CopyObject", ["s3:GetObject", "s3:PutObject"], obj + [f"arn:{PARTITION}:s3:::{src}"]
        return "PutObject", ["s3:PutObject"], obj
    if method == "DELETE":
        if "uploadId" in q:
            return "AbortMultipartUpload", ["s3:AbortMultipartUpload"], obj
        if "tagging" in q:
            return "DeleteObjectTagging", ["s3:DeleteObjectTagging"], obj
        return "DeleteObject", ["s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"], obj
    if method == "POST":
        if "uploads" in q:
            return "CreateMultipartUpload", ["s3:PutObject"], obj
        if "uploadId" in q:
            return "CompleteMultipartUpload", ["s3:PutObject"], obj
    return None, [], obj


# Route 53 (REST, API version 2013-04-01): (method, path pattern) → operation; action route53:OP.
_ROUTE53 = [
    ("POST", r"/hostedzone", "CreateHostedZone"),
    ("GET", r"/hostedzone", "ListHostedZones"),
    ("GET", r"/hostedzonesbyname", "ListHostedZonesByName"),
    ("GET", r"/hostedzonecount", "GetHostedZoneCount"),
    ("GET", r"/hostedzone/(?P<zone>[^/]+)", "GetHostedZone"),
    ("POST", r"/hostedzone/(?P<zone>[^/]+)", "UpdateHostedZoneComment"),
    ("DELETE", r"/hostedzone/(?P<zone>[^/]+)", "DeleteHostedZone"),
    ("POST", r"/hostedzone/(?P<zone>[^/]+)/rrset/?", "ChangeResourceRecordSets"),
    ("GET", r"/hostedzone/(?P<zone>[^/]+)/rrset/?", "ListResourceRecordSets"),
    ("POST", r"/healthcheck", "CreateHealthCheck"),
    ("GET", r"/healthcheck", "ListHealthChecks"),
    ("GET", r"/healthcheckcount", "GetHealthCheckCount"),
    ("GET", r"/healthcheck/(?P<hc>[^/]+)", "GetHealthCheck"),
    ("POST", r"/healthcheck/(?P<hc>[^/]+)", "UpdateHealthCheck"),
    ("DELETE", r"/healthcheck/(?P<hc>[^/]+)", "DeleteHealthCheck"),
    ("GET", r"/healthcheck/(?P<hc>[^/]+)/status", "GetHealthCheckStatus"),
    ("GET", r"/healthcheck/(?P<hc>[^/]+)/lastfailurereason", "GetHealthCheckLastFailureReason"),
    ("POST", r"/tags/(?P<type>healthcheck|hostedzone)/(?P<id>[^/]+)", "ChangeTagsForResource"),
    ("GET", r"/tags/(?P<type>healthcheck|hostedzone)/(?P<id>[^/]+)", "ListTagsForResource"),
    ("POST", r"/tags/(?P<type>healthcheck|hostedzone)", "ListTagsForResources"),
    ("GET", r"/change/(?P<change>[^/]+)", "GetChange"),
    ("GET", r"/checkeripranges", "GetCheckerIpRanges"),
]


def _route53(method, path):
    p = wire.rest_path(path)
    for m, pattern, op in _ROUTE53:
        hit = re.fullmatch(pattern, p)
        if m == method and hit:
            g = hit.groupdict()
            arn = f"arn:{PARTITION}:route53:::"
            if g.get("zone"):
                resources = [arn + f"hostedzone/{g['zone']}"]
            elif g.get("hc"):
                resources = [arn + f"healthcheck/{g['hc']}"]
            elif g.get("id"):
                resources = [arn + f"{g['type']}/{g['id']}"]
            elif g.get("change"):
                resources = [arn + f"change/{g['change']}"]
            else:
                resources = []
            return op, [f"route53:{op}"], resources
    return None, [], []


def route53_operation(method, path):
    """The Route 53 operation a REST request calls (None when unknown)."""
    return _route53(method, path)[0]


def _scheduler(method, path, region, body, query):
    p = unquote(urlparse(path).path)
    q = wire.flat_query(query)
    m = re.fullmatch(r"/schedules/([^/]+)", p)
    if m:
        op = {"GET": "GetSchedule", "POST": "CreateSchedule", "PUT": "UpdateSchedule",
              "DELETE": "DeleteSchedule"}.get(method)
        try:
            d = json.loads(wire.text(body) or "{}")
        except ValueError:
            d = {}
        group = q.get("groupName") or (d.get("GroupName") if isinstance(d, dict) else None) or "default"
        if op:
            return op, [f"scheduler:{op}"], [_arn("scheduler", region, f"schedule/{group}/{m.group(1)}")]
    if p == "/schedules" and method == "GET":
        return "ListSchedules", ["scheduler:ListSchedules"], []
    m = re.fullmatch(r"/schedule-groups/([^/]+)", p)
    if m:
        op = {"GET": "GetScheduleGroup", "POST": "CreateScheduleGroup", "DELETE": "DeleteScheduleGroup"}.get(method)
        if op:
            return op, [f"scheduler:{op}"], [_arn("scheduler", region, f"schedule-group/{m.group(1)}")]
    if p == "/schedule-groups" and method == "GET":
        return "ListScheduleGroups", ["scheduler:ListScheduleGroups"], []
    m = re.fullmatch(r"/tags/(.+)", p)
    if m:
        op = {"GET": "ListTagsForResource", "POST": "TagResource", "DELETE": "UntagResource"}.get(method)
        if op:
            return op, [f"scheduler:{op}"], [m.group(1)]
    return None, [], []


def _lambda(method, path):
    p = unquote(urlparse(path).path)
    m = re.fullmatch(r"/\d{4}-\d{2}-\d{2}/functions/([^/]+)/invocations", p)
    if m and method == "POST":
        return "Invoke", ["lambda:InvokeFunction"], []
    return None, [], []


def describe(service, region, method, path, headers, body, query):
    """(operation, actions, resources) of one request to MiniStack's handler `service`."""
    prefix = PREFIX.get(service, service)
    target = headers.get("x-amz-target", "")
    if target:
        return _json_protocol(service, region, target, body)
    m = re.search(r"/service/[^/]+/operation/([A-Za-z0-9]+)", urlparse(path).path)
    if m:  # smithy-rpc-v2-cbor (CloudWatch from the AWS SDK for Rust)
        return m.group(1), [f"{prefix}:{m.group(1)}"], []
    if service == "s3":
        return _s3(method, path, headers, body, query)
    if service == "route53":
        return _route53(method, path)
    if service == "scheduler":
        return _scheduler(method, path, region, body, query)
    if service == "lambda":
        return _lambda(method, path)
    p = dict(wire.flat_query(query))
    ctype = headers.get("content-type", "")
    if body and ("x-www-form-urlencoded" in ctype or not ctype):
        p.update(wire.form(body))
    return _query_protocol(service, region, p)


def record(service, region, method, path, headers, body, query):
    """Logs one request a service handler is about to serve (never raises)."""
    if PATH is None:
        return
    try:
        op, actions, resources = describe(service, region, method, path, headers, body, query)
        caller = _caller_of(headers)
        if op is None:
            prefix = PREFIX.get(service, service)
            log(region, service, f"{method} {urlparse(path).path}", [f"{prefix}:?"], resources, caller,
                unmapped=True)
        else:
            log(region, service, op, actions, resources, caller)
    except Exception as e:  # the log must never break the sandbox
        log(region, service, f"{method} {path}", [], [], {"kind": "unknown"}, error=repr(e), unmapped=True)


# ---------------------------------------------------------------------------------------------
# Step Functions and Scheduler: who calls from inside the sandbox
# ---------------------------------------------------------------------------------------------


def install(app_mod, stepfunctions, eventbridge):
    """Marks calls made by Step Functions executions and by Scheduler with their caller, and logs
    what they do without passing a service handler (SNS publish tasks, schedules' targets)."""
    if PATH is None:
        return
    run = stepfunctions._run_execution

    def run_as_caller(exec_arn, *args, **kwargs):
        execution = stepfunctions._executions.get(exec_arn) or {}
        sm_arn = execution.get("stateMachineArn", "")
        sm = stepfunctions._state_machines.get(sm_arn) or {}
        caller = {"kind": "state-machine", "state_machine": sm_arn.rsplit(":", 1)[-1],
                  "state_machine_arn": sm_arn, "role": sm.get("roleArn", ""), "execution": exec_arn}
        token = _caller.set(caller)
        try:
            return run(exec_arn, *args, **kwargs)
        finally:
            _caller.reset(token)

    stepfunctions._run_execution = run_as_caller

    call_sync = app_mod.call_service_handler_sync

    def call_sync_as_caller(handler, method, path, headers, body, query_params, *args, **kwargs):
        caller = _caller.get()
        if caller is not None:
            headers = dict(headers or {}, **{CALLER_HEADER: json.dumps(caller)})
        return call_sync(handler, method, path, headers, body, query_params, *args, **kwargs)

    app_mod.call_service_handler_sync = call_sync_as_caller

    def logged(resource_prefix, fn):
        def publish(resource, input_data, *args, **kwargs):
            from ministack.core.responses import get_region
            topic = (input_data or {}).get("TopicArn") if isinstance(input_data, dict) else None
            log(get_region(), "sns", "Publish", ["sns:Publish"], [topic] if topic else [],
                _caller.get() or {"kind": "unknown"})
            return fn(resource, input_data, *args, **kwargs)
        return publish

    key = "arn:aws:states:::sns:publish"
    if key in stepfunctions._SERVICE_DISPATCH:
        stepfunctions._SERVICE_DISPATCH[key] = logged(key, stepfunctions._SERVICE_DISPATCH[key])

    invoke_target = eventbridge._invoke_target

    def invoke_target_as_caller(target, event, rule, *args, **kwargs):
        arn = (target or {}).get("Arn", "")
        role = (target or {}).get("RoleArn", "")
        from_scheduler = isinstance(rule, dict) and "ScheduleExpression" in rule
        caller = ({"kind": "scheduler", "role": role, "schedule": rule.get("Name", "")} if from_scheduler
                  else {"kind": "events-rule", "role": role, "rule": (rule or {}).get("Name", "")
                        if isinstance(rule, dict) else ""})
        region = arn.split(":")[3] if arn.count(":") >= 5 else ""
        if ":states:" in arn:
            log(region, "states", "StartExecution", ["states:StartExecution"], [arn], caller)
        elif ":lambda:" in arn:
            log(region, "lambda", "Invoke", ["lambda:InvokeFunction"], [arn], caller)
        elif ":sns:" in arn:
            log(region, "sns", "Publish", ["sns:Publish"], [arn], caller)
        token = _caller.set(caller)
        try:
            return invoke_target(target, event, rule, *args, **kwargs)
        finally:
            _caller.reset(token)

    eventbridge._invoke_target = invoke_target_as_caller


def http_invoke(region, state_machine_arn, connection_arn, caller):
    """What Step Functions' HTTP Task needs of the execution role (Step Functions developer guide,
    "IAM permissions to run an HTTP Task"): InvokeHTTPEndpoint on the state machine, the
    connection's credentials, and the connection's secret, which EventBridge keeps in Secrets
    Manager as `events!connection/NAME/...`."""
    m = re.match(r"^arn:[^:]+:events:([a-z0-9-]+):(\d+):connection/([^/]+)(/.*)?$", connection_arn or "")
    secret = []
    if m and not m.group(4):
        # AWS's connection ARNs end in /UUID; MiniStack's end at the name.
        connection_arn += "/00000000-0000-0000-0000-000000000000"
    if m:
        secret = [f"arn:{PARTITION}:secretsmanager:{m.group(1)}:{m.group(2)}:secret:events!connection/{m.group(3)}/*"]
    log(region, "states", "HttpInvoke",
        ["states:InvokeHTTPEndpoint"], [state_machine_arn] if state_machine_arn else [], caller)
    log(region, "events", "RetrieveConnectionCredentials",
        ["events:RetrieveConnectionCredentials"], [connection_arn] if connection_arn else [], caller)
    log(region, "secretsmanager", "GetSecretValue (connection)",
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], secret, caller)
