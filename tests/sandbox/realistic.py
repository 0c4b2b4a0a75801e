"""trdr's realistic sandbox: MiniStack with the AWS rules and timings trdr depends on.

MiniStack is lenient where AWS is not: RDS objects are `available` the moment they are created, a
global failover completes inside the call, and several documented rules are not enforced. This
layer wraps MiniStack's service handlers *inside its own process* (`app.SERVICE_HANDLERS`), so it
applies to SDK calls from outside and to the `aws-sdk:*` tasks Step Functions runs inside alike.

What it adds (each rule cites where AWS documents it in docs/guides/acceptance-testing.md):
- RDS: create / modify / delete pass through `creating` / `modifying` / `upgrading` / `deleting`
  for a scaled realistic time; a global switchover or failover shows `FailoverState`
  (`pending`, then `failing-over`) for a scaled promotion time, the writer flag flips only at the
  end, and a second promotion meanwhile gets `InvalidGlobalClusterStateFault`;
  `ManageMasterUserPassword` is refused for global database members; `DescribeDBEngineVersions`
  reports `ServerlessV2FeaturesSupport` per version; a global cluster has its global writer
  endpoint (`Endpoint`), which no switchover or failover changes; a cluster keeps the `Endpoint`
  and `ReaderEndpoint` its create answered for its whole life (MiniStack repoints them at its
  backing container once an instance exists, which AWS never does).
  Cluster parameter groups: `rds.global_db_rpo` below 20 is refused; a group still used by a
  cluster cannot be deleted; a cluster takes a custom group only of its major version's family.
- Listing: `DescribeGlobalClusters` without an identifier takes `MaxRecords` 20–100 (default 100)
  and pages with `Marker` (MiniStack answers every global cluster at once); `ListTables` takes
  `Limit` 1–100. POST /_trdr/list-page makes every listing's pages smaller, as AWS may.
- Step Functions: `ListStateMachines` pages of 100 unless asked for up to 1,000; the tags of a
  state machine that does not exist are `ResourceNotFound`; tag values limited to AWS's
  character set; a role that does not exist, or was
  created less than `IAM_PROPAGATION` seconds ago, cannot be assumed (`AccessDeniedException`).
- DynamoDB: `UpdateContinuousBackups` right after a table or replica became `ACTIVE` fails with
  `ContinuousBackupsUnavailableException` for a while; for a few seconds after a tag change
  (`CreateTable` with tags, `TagResource`, `UntagResource`) `ListTagsOfResource` answers the
  previous tag set (empty for a new table). Global tables' consistency modes: an eventually
  consistent (MREC) table's writes reach the other replica after a delay (1 s, unscaled); a
  strongly consistent (MRSC) table follows `UpdateTable`'s rules (region sets, three members,
  empty table, no TTL or local secondary indexes, the witness made with the table and removed
  with a replica), answers `MultiRegionConsistency` and `GlobalTableWitnesses`, applies writes to
  every reachable replica inside the call and refuses them without a quorum; across a region
  outage replication waits for both ends and the later write wins.
- Route 53: `CallerReference` of a health check is at most 64 characters; `GetHealthCheckStatus`
  answers with checker observations whose health tests set; the control plane can be switched off
  per hosted zone (its changes fail as during a us-east-1 impairment) while the data plane keeps
  answering (`/_trdr/route53/resolve`).
- Integrity: whatever a rule rewrites keeps `x-amz-crc32` and `Content-Length` right
  (`with_integrity`), so boto3 and the AWS CLI, which check them, accept every answer.
- Secrets Manager: a secret still replicated to other regions cannot be deleted;
  `RemoveRegionsFromReplication` (missing in MiniStack) removes replicas.

Time: every AWS duration below is a real figure multiplied by TRDR_SANDBOX_TIME_SCALE (default
0.01); Step Functions `Wait` states and retry pauses are scaled by the same factor
(MiniStack's SFN_WAIT_SCALE, set by the launcher).

Control API (loopback only, like the sandbox itself), JSON bodies:
- POST /_trdr/route53/health          {"health_check_id": ID, "healthy": false}
- POST /_trdr/route53/control-plane   {"zone_id": Z, "available": false}
- GET  /_trdr/route53/resolve?zone_id=Z&name=N   → {"value": FQDN, "set_identifier": ...}
- POST /_trdr/iam/propagation         {"role_arn": ARN, "seconds": 5}
- POST /_trdr/rds/answer-delay        {"global_cluster_id": G, "seconds": 3}: promotion calls are
                                      accepted at once but answered late (the caller times out)
- POST /_trdr/rds/create-duration     {"db_cluster_id": C, "seconds": 900}: the next creation of
                                      cluster C stays "creating" that long (real seconds, not
                                      scaled), as a slow Aurora create does; a creation under way
                                      ends that long after it started (0: now)
- POST /_trdr/dynamodb/replication-lag {"seconds": 3}: how long an MREC write takes to reach the
                                      other replicas (real seconds)
- POST /_trdr/region/outage           {"region": R, "down": true}: every API call to region R
                                      fails as during an AWS outage (after a delay, 503 or 500,
                                      never a clean refusal); us-east-1 takes Route 53's control
                                      plane and its CloudWatch with it; R's application endpoints
                                      become unhealthy to every probe and to Route 53's checkers;
                                      false ends it
- POST /_trdr/endpoint                {"fqdn": F, "healthy": false} forces an endpoint's health
                                      (null: as its region is); {"fqdn": F, "flap": [false, true]}
                                      makes successive probes of it answer by that pattern
- POST /_trdr/omit-optional           {"global_cluster_id": G} answers that global cluster without
                                      `Endpoint`; {"engine_version": V} answers that version without
                                      `ServerlessV2FeaturesSupport` — fields the RDS API model marks
                                      optional, absent as on plain MiniStack, LocalStack or older accounts
- POST /_trdr/unreadable              {"service": S, "region": R, "on": true}: service S (MiniStack's
                                      name, e.g. "monitoring", "rds") in region R answers 200 with a
                                      body the SDK cannot parse, as CloudWatch once did for a user
- GET  /_trdr/rds/master-password?region=R&db_cluster_id=C → {"sha256": digest of the master
                                      password CreateDBCluster or ModifyDBCluster last gave the
                                      cluster, "changes": how often} (RDS never answers a password)
- POST /_trdr/list-page               {"size": 2}: `DescribeGlobalClusters` (without an
                                      identifier), `ListTables` (given a `Limit`), `ListBuckets`
                                      (given `MaxBuckets`) and `ListStateMachines` answer pages of
                                      at most that many (AWS's page sizes are upper limits); null:
                                      AWS's own
- GET  /_trdr/config                  → the scale and the scaled durations
- GET  /_trdr/stats                   → {"refusals": {rule: count}, "promotions": {global id:
                                      count}, "probes": {fqdn: count}}

Automatic failover's pieces run for real: EventBridge Scheduler fires schedules (rate expressions
scaled like everything else, swept every 0.1 s), and Step Functions' HTTP Task
(`arn:aws:states:::http:invoke`, missing in MiniStack) answers from the endpoint health above,
after checking its EventBridge connection exists, as AWS requires; a callback task's timeout
(`.waitForTaskToken`, the approval's wait) is scaled too. No request leaves the machine:
an endpoint's health is the sandbox's model of it (region outage, forced health, flap pattern).

Call log: with TRDR_SANDBOX_CALL_LOG set, every call `outage()` sees, and what executions and
schedules do inside, is logged with its IAM action and caller (calllog.py; tests/permissions.rs).
"""

import asyncio
import hashlib
import json
import os
import re
import threading
import time
import zlib
from urllib.parse import parse_qs, urlparse

import calllog

SCALE = float(os.environ.get("TRDR_SANDBOX_TIME_SCALE", "0.01"))

# POST /_trdr/list-page: the largest page a listing answers, below AWS's own (None: AWS's).
_list_page = [None]

# Real durations in seconds, of the order AWS documents or users observe; scaled by SCALE.
REAL_SECONDS = {
    # Aurora: "creating a DB cluster can take several minutes"; an instance likewise.
    "cluster_create": 300.0,
    "instance_create": 480.0,
    "cluster_modify": 60.0,
    "cluster_upgrade": 600.0,
    "instance_delete": 300.0,
    "cluster_delete": 120.0,
    # Global database switchover / failover: RTO "in the order of minutes".
    "promotion": 300.0,
    # DynamoDB: backups are being enabled for a new table or replica for a while after ACTIVE.
    "pitr_unavailable": 120.0,
    # DynamoDB: an MRSC table's witness is CREATING for a few minutes after UpdateTable.
    "witness_create": 180.0,
}

# IAM is eventually consistent: a new role cannot be assumed by a service for "a few seconds" (up to
# about a minute). Not a processing time of the call, so not scaled; tests may set it per role.
IAM_PROPAGATION = float(os.environ.get("TRDR_SANDBOX_IAM_PROPAGATION", "8"))

# DynamoDB tags are eventually consistent: for "a few seconds" after CreateTable (with Tags),
# TagResource or UntagResource, ListTagsOfResource may return the previous tag set, or an empty
# one (DynamoDB API reference, TagResource). Not scaled, like IAM propagation.
DYNAMODB_TAG_LAG = float(os.environ.get("TRDR_SANDBOX_DYNAMODB_TAG_LAG", "2"))


def scaled(name):
    return REAL_SECONDS[name] * SCALE


_lock = threading.RLock()


class Timeline:
    """One object's transitional state: `status` until `until` (monotonic seconds)."""

    def __init__(self, status, seconds, **extra):
        self.status = status
        self.start = time.monotonic()
        self.until = self.start + seconds
        self.extra = extra

    def active(self):
        return time.monotonic() < self.until

    def progress(self):
        span = self.until - self.start
        return 1.0 if span <= 0 else (time.monotonic() - self.start) / span


# (region, id) → Timeline
_clusters = {}
# (region, cluster id) → (SHA-256 of the master password RDS was last given, how often it was set)
_master_passwords = {}
# (region, cluster id) → (Endpoint, ReaderEndpoint) as CreateDBCluster answered them
_cluster_endpoints = {}
_instances = {}
# (region, id) → (xml block of the object as it was, Timeline("deleting"), cluster id)
_ghost_instances = {}
_ghost_clusters = {}
# global cluster id → Timeline("promotion", from_arn=..., to_arn=..., data_loss=...)
_promotions = {}
# (region, table) → monotonic time it became ACTIVE
_tables_active = {}
# table ARN → (monotonic time of its last tag change, the tag list before it)
_tag_changes = {}
# role ARN → monotonic creation time; role ARN → propagation seconds
_roles = {}
_role_propagation = {}
# global cluster id → seconds a promotion call's answer is delayed *after* RDS accepted it (a slow
# or lost response: the caller times out although the promotion runs)
_answer_delays = {}
# cluster id → seconds its next creation takes (unscaled), set by tests
_create_durations = {}
# health check id → healthy; zone ids whose control plane is off
_health = {}
_zones_down = set()
# rule → how often it refused a call (GET /_trdr/stats), so tests can tell a rule fired.
_refusals = {}
# Regions in an outage; fqdn → forced health; fqdn → [flap pattern, position]
_regions_down = set()
_endpoint_health = {}
_flaps = {}
# global cluster id → promotions accepted; fqdn → HTTP probes answered
_promotion_counts = {}
_probe_counts = {}
# service → its handler below the outage's wrapper
_inner_handlers = {}
# Optional fields left out: global cluster ids answered without Endpoint, engine versions without
# ServerlessV2FeaturesSupport (POST /_trdr/omit-optional)
_omit_endpoint = set()
_omit_serverless = set()
# (service, region) pairs that answer unreadably (POST /_trdr/unreadable)
_unreadable = set()
# AWS's API rate limits, when on (POST /_trdr/rate-limits): bucket name → [tokens, last refill]
_rate_limits_on = False
_buckets = {}
# calls answered per service, calls throttled per bucket, and the busiest second per bucket
_rate_stats = {"calls": {}, "throttled": {}, "peak": {}}
_second = {}
# How long a probe of an endpoint in a region in an outage hangs before it fails (real seconds:
# a network timeout is no processing time of AWS's).
OUTAGE_HANG = float(os.environ.get("TRDR_SANDBOX_OUTAGE_HANG", "0.3"))
REGION_NAMES = re.compile(r"(?:^|[.-])((?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d)(?:$|[.-])")


def endpoint_region(fqdn):
    m = REGION_NAMES.search(fqdn or "")
    return m.group(1) if m else None


def endpoint_healthy(fqdn, probe=False):
    """Whether an application endpoint answers its health path now. A probe advances a flap."""
    with _lock:
        if endpoint_region(fqdn) in _regions_down:
            return False
        flap = _flaps.get(fqdn)
        if flap is not None:
            pattern, pos = flap
            if probe:
                flap[1] = pos + 1
            return bool(pattern[pos % len(pattern)])
        return _endpoint_health.get(fqdn, True)


def refused(rule, response):
    with _lock:
        _refusals[rule] = _refusals.get(rule, 0) + 1
    return response


def _region(headers):
    m = re.search(r"Credential=[^/]+/\d+/([a-z0-9-]+)/", headers.get("authorization", ""))
    return m.group(1) if m else os.environ.get("MINISTACK_REGION", "us-east-1")


def _form(body):
    text = body.decode() if isinstance(body, (bytes, bytearray)) else (body or "")
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _params(body, query):
    if body:
        return _form(body)
    return {k: (v[0] if isinstance(v, list) else v) for k, v in (query or {}).items()}


def _json_body(body):
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}


def _text(resp_body):
    return resp_body.decode() if isinstance(resp_body, (bytes, bytearray)) else (resp_body or "")


def _tag(xml, name):
    m = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    return m.group(1) if m else None


# ---------------------------------------------------------------------------------------------
# RDS
# ---------------------------------------------------------------------------------------------


def rds_error(code, message, status=400):
    fault = "Sender" if status < 500 else "Receiver"
    body = (
        '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">'
        f"<Error><Type>{fault}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>trdr-realistic</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body.encode()


def _cluster_status(region, cid):
    t = _clusters.get((region, cid))
    return t.status if t and t.active() else "available"


def _rewrite_blocks(xml, element, id_tag, fn):
    """Applies `fn(id, block) -> block` to every <element>…</element> block."""

    def one(m):
        block = m.group(0)
        ident = _tag(block, id_tag)
        return fn(ident, block) if ident else block

    return re.sub(rf"<{element}>.*?</{element}>", one, xml, flags=re.S)


def _set_status(block, tag, status):
    return re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{status}</{tag}>", block, count=1)


# Pieces of global cluster members: the first <IsWriter> after each <DBClusterArn>.
def _with_writer(block, writer_arn):
    def member(m):
        part = m.group(0)
        arn = _tag(part, "DBClusterArn")
        flag = "true" if arn == writer_arn else "false"
        return re.sub(r"<IsWriter>[^<]*</IsWriter>", f"<IsWriter>{flag}</IsWriter>", part)

    return re.sub(r"<GlobalClusterMember>.*?</GlobalClusterMember>", member, block, flags=re.S)


def _rewrite_globals(xml, fn):
    """Applies `fn(id, segment) -> segment` to each global cluster in a response. A global cluster
    is wrapped in <GlobalClusterMember> in DescribeGlobalClusters (its members too), so a cluster
    is the text from its <GlobalClusterIdentifier> to the end of its <GlobalClusterMembers>."""

    def one(m):
        return fn(m.group(1), m.group(0))

    return re.sub(
        r"<GlobalClusterIdentifier>([^<]*)</GlobalClusterIdentifier>.*?</GlobalClusterMembers>",
        one, xml, flags=re.S)


def _promotion_view(gid, block):
    p = _promotions.get(gid)
    if not p or not p.active():
        return block
    phase = "pending" if p.progress() < 0.2 else "failing-over"
    block = _with_writer(block, p.extra["from_arn"])
    block = re.sub(r"<FailoverState>.*?</FailoverState>", "", block, flags=re.S)
    state = (
        f"<FailoverState><Status>{phase}</Status>"
        f"<FromDbClusterArn>{p.extra['from_arn']}</FromDbClusterArn>"
        f"<ToDbClusterArn>{p.extra['to_arn']}</ToDbClusterArn>"
        f"<IsDataLossAllowed>{str(p.extra['data_loss']).lower()}</IsDataLossAllowed>"
        "</FailoverState>"
    )
    block = block.replace("<GlobalClusterMembers>", state + "<GlobalClusterMembers>", 1)
    status = "failing-over" if p.extra["data_loss"] else "switching-over"
    return _set_status(block, "Status", status)


def _inject(xml, container, blocks):
    if not blocks:
        return xml
    if f"<{container}/>" in xml:
        return xml.replace(f"<{container}/>", f"<{container}>{''.join(blocks)}</{container}>", 1)
    if f"</{container}>" in xml:
        return xml.replace(f"</{container}>", "".join(blocks) + f"</{container}>", 1)
    return xml


def _ghosts(table, region, wanted_id=None, cluster_id=None):
    out = []
    for (r, ident), (block, t, cluster) in list(table.items()):
        if not t.active():
            del table[(r, ident)]
            continue
        if r != region:
            continue
        if wanted_id is not None and ident != wanted_id:
            continue
        if cluster_id is not None and cluster != cluster_id:
            continue
        out.append(block)
    return out


def _describe_ok(action, container, blocks):
    body = (
        f'<{action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/">'
        f"<{action}Result><{container}>{''.join(blocks)}</{container}></{action}Result>"
        "<ResponseMetadata><RequestId>trdr-realistic</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return 200, {"Content-Type": "text/xml"}, body.encode()


def _cluster_filter(p):
    for i in range(1, 10):
        if p.get(f"Filters.Filter.{i}.Name") == "db-cluster-id":
            return p.get(f"Filters.Filter.{i}.Values.Value.1")
    return None


# Serverless v2 limits per Aurora PostgreSQL version (Aurora User Guide, "Aurora Serverless v2
# capacity"): min 0 ACU (auto-pause) from 13.15 / 14.12 / 15.7 / 16.3; max 256 ACU from
# 13.20 / 14.17 / 15.12 / 16.8 / 17.4; Serverless v2 at all from 13.6 / 14.3 / 15.2 / 16.1.
def _serverless_support(version):
    try:
        major, minor = (int(x) for x in version.split(".")[:2])
    except ValueError:
        return None
    first = {13: 6, 14: 3, 15: 2, 16: 1, 17: 1}
    if major not in first or minor < first[major]:
        return None
    pause = {13: 15, 14: 12, 15: 7, 16: 3}
    big = {13: 20, 14: 17, 15: 12, 16: 8, 17: 4}
    min_acu = 0.0 if major >= 17 or minor >= pause.get(major, 99) else 0.5
    max_acu = 256.0 if minor >= big.get(major, 99) else 128.0
    return min_acu, max_acu


def _with_serverless_support(xml):
    def one(m):
        block = m.group(0)
        v = _tag(block, "EngineVersion")
        s = _serverless_support(v or "")
        if s is None or "<ServerlessV2FeaturesSupport>" in block or v in _omit_serverless:
            return block
        extra = (
            f"<ServerlessV2FeaturesSupport><MinCapacity>{s[0]}</MinCapacity>"
            f"<MaxCapacity>{s[1]}</MaxCapacity></ServerlessV2FeaturesSupport>"
        )
        return block.replace("</DBEngineVersion>", extra + "</DBEngineVersion>")

    return re.sub(r"<DBEngineVersion>.*?</DBEngineVersion>", one, xml, flags=re.S)


async def rds(orig, method, path, headers, body, query):
    region = _region(headers)
    p = _params(body, query)
    action = p.get("Action", "")
    with _lock:
        early = _rds_before(region, action, p)
    if early:
        return early
    status, rh, rb = await orig(method, path, headers, body, query)
    with _lock:
        answer = _rds_after(region, action, p, status, rh, _text(rb))
        delay = _answer_delays.get(p.get("GlobalClusterIdentifier", "")) if status < 300 and action in (
            "SwitchoverGlobalCluster", "FailoverGlobalCluster") else None
    if delay:
        await asyncio.sleep(delay)
    return answer


def _global_page(xml, p):
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
    size = min(int(p.get("MaxRecords") or 100), _list_page[0] or 100)
    start = int(p.get("Marker") or 0)
    page = blocks[start:start + size]
    marker = f"<Marker>{start + size}</Marker>" if start + size < len(blocks) else ""
    return f"{head}<GlobalClusters>{''.join(page)}</GlobalClusters>{marker}{tail}"


def _busy_global(gid):
    pr = _promotions.get(gid)
    if pr and pr.active():
        return rds_error(
            "InvalidGlobalClusterStateFault",
            f"Global cluster {gid} is in an invalid state for this operation: a "
            f"{'failover' if pr.extra['data_loss'] else 'switchover'} is in progress.",
        )
    return None


def _cluster_groups(region):
    """MiniStack's cluster parameter groups and clusters of `region` (its state is per region)."""
    from ministack.core.responses import set_request_region
    from ministack.services import rds as ms
    set_request_region(region)
    return ms._db_cluster_param_groups, ms._clusters


def _parameter_rule(region, action, p):
    """Cluster parameter groups as AWS has them: `rds.global_db_rpo` takes 20 seconds at least;
    a group still used by a cluster cannot be deleted (InvalidDBParameterGroupState); a cluster
    takes a custom group only of its engine's major version family."""
    if action == "ModifyDBClusterParameterGroup":
        for key, name in p.items():
            m = re.fullmatch(r"Parameters\.(?:Parameter|member)\.(\d+)\.ParameterName", key)
            if m and name == "rds.global_db_rpo":
                value = p.get(key.replace("ParameterName", "ParameterValue"), "")
                if not value.isdigit() or not 20 <= int(value) <= 2147483647:
                    return refused("rpo_out_of_range", rds_error(
                        "InvalidParameterValue",
                        f"Value {value} for parameter rds.global_db_rpo is invalid: it must be "
                        "an integer from 20 to 2147483647."))
    groups, clusters = _cluster_groups(region)
    if action == "DeleteDBClusterParameterGroup":
        name = p.get("DBClusterParameterGroupName", "")
        users = [cid for cid, c in clusters.items() if c.get("DBClusterParameterGroup") == name]
        if users:
            return refused("parameter_group_in_use", rds_error(
                "InvalidDBParameterGroupState",
                f"One or more database clusters are still members of parameter group {name}: "
                f"{', '.join(sorted(users))}."))
    if action in ("CreateDBCluster", "ModifyDBCluster") and p.get("DBClusterParameterGroupName"):
        name = p["DBClusterParameterGroupName"]
        group = groups.get(name)
        version = p.get("EngineVersion") or (clusters.get(p.get("DBClusterIdentifier", "")) or {}).get("EngineVersion", "")
        if group and version:
            want = "aurora-postgresql" + version.split(".")[0]
            if group.get("DBParameterGroupFamily") != want:
                return refused("parameter_group_family", rds_error(
                    "InvalidParameterCombination",
                    f"The parameter group {name} with DBParameterGroupFamily "
                    f"{group.get('DBParameterGroupFamily')} can't be used for this cluster. "
                    f"Use a parameter group with DBParameterGroupFamily {want}."))
    return None


def _orderable_serverless(p):
    """`DescribeOrderableDBInstanceOptions` for db.serverless, which MiniStack does not list:
    offered for the Aurora PostgreSQL versions that run Serverless v2, none for the others."""
    version = p.get("EngineVersion", "")
    if _serverless_support(version) is None:
        members = ""
    else:
        members = (
            "<OrderableDBInstanceOption><Engine>aurora-postgresql</Engine>"
            f"<EngineVersion>{version}</EngineVersion><DBInstanceClass>db.serverless</DBInstanceClass>"
            "<SupportsClusters>true</SupportsClusters><SupportsGlobalDatabases>true</SupportsGlobalDatabases>"
            "</OrderableDBInstanceOption>")
    return _describe_ok("DescribeOrderableDBInstanceOptions", "OrderableDBInstanceOptions", [members] if members else [])


def _rds_before(region, action, p):
    if action == "DescribeGlobalClusters" and not p.get("GlobalClusterIdentifier") and p.get("MaxRecords"):
        # The API reference: MaxRecords minimum 20, maximum 100.
        asked = int(p["MaxRecords"])
        if not 20 <= asked <= 100:
            return refused("rds_max_records", rds_error(
                "InvalidParameterValue", f"Invalid value {asked} for MaxRecords. Must be between 20 and 100"))
    if (action == "DescribeOrderableDBInstanceOptions" and p.get("DBInstanceClass") == "db.serverless"
            and p.get("Engine") == "aurora-postgresql"):
        return _orderable_serverless(p)
    if "ParameterGroup" in action or action in ("CreateDBCluster", "ModifyDBCluster"):
        early = _parameter_rule(region, action, p)
        if early:
            return early
    if action == "CreateDBCluster":
        if p.get("GlobalClusterIdentifier") and p.get("ManageMasterUserPassword", "").lower() == "true":
            return refused("managed_password_in_global", rds_error(
                "InvalidParameterCombination",
                "Managing the master user password with AWS Secrets Manager isn't supported "
                "for DB clusters that are part of an Aurora global database.",
            ))
    if action == "CreateDBInstance" and _ghosts(_ghost_instances, region, wanted_id=p.get("DBInstanceIdentifier")):
        return refused("name_still_deleting", rds_error(
            "DBInstanceAlreadyExists", f"DB instance {p.get('DBInstanceIdentifier')} already exists (it is being deleted)."))
    if action == "CreateDBCluster" and _ghosts(_ghost_clusters, region, wanted_id=p.get("DBClusterIdentifier")):
        return refused("name_still_deleting", rds_error(
            "DBClusterAlreadyExistsFault", f"DB cluster {p.get('DBClusterIdentifier')} already exists (it is being deleted)."))
    if action == "ModifyDBCluster":
        cid = p.get("DBClusterIdentifier", "")
        st = _cluster_status(region, cid)
        if st != "available":
            return refused("cluster_not_available", rds_error(
                "InvalidDBClusterStateFault",
                f"DB cluster {cid} is not in an available state (it is {st}).",
            ))
    if action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster", "RemoveFromGlobalCluster",
                  "DeleteGlobalCluster"):
        busy = _busy_global(p.get("GlobalClusterIdentifier", ""))
        if busy:
            return refused("promotion_in_progress", busy)
    if action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        target = p.get("TargetDbClusterIdentifier", "")
        tid = target.rsplit(":", 1)[-1]
        tregion = target.split(":")[3] if target.startswith("arn:") else region
        st = _cluster_status(tregion, tid)
        if st != "available":
            return refused("cluster_not_available", rds_error(
                "InvalidDBClusterStateFault",
                f"The target cluster {tid} is not available (it is {st}).",
            ))
    return None


def _rds_after(region, action, p, status, rh, xml):
    if status < 300 and action in ("CreateDBCluster", "ModifyDBCluster") and p.get("MasterUserPassword"):
        # What RDS would check a login against, kept as a digest only (GET /_trdr/rds/master-password).
        with _lock:
            key = (region, p.get("DBClusterIdentifier"))
            _, changes = _master_passwords.get(key, (None, 0))
            _master_passwords[key] = (hashlib.sha256(p["MasterUserPassword"].encode()).hexdigest(), changes + 1)
    if status >= 400:
        if action == "DescribeDBInstances" and p.get("DBInstanceIdentifier"):
            g = _ghosts(_ghost_instances, region, wanted_id=p["DBInstanceIdentifier"])
            if g:
                return _describe_ok(action, "DBInstances", g)
        if action == "DescribeDBClusters" and p.get("DBClusterIdentifier"):
            g = _ghosts(_ghost_clusters, region, wanted_id=p["DBClusterIdentifier"])
            if g:
                return _describe_ok(action, "DBClusters", g)
        return status, rh, xml.encode()

    xml = _stable_endpoints(region, action, xml)
    if action == "CreateDBCluster":
        cid = p["DBClusterIdentifier"]
        seconds = _create_durations.pop(cid, None)
        _clusters[(region, cid)] = Timeline("creating", scaled("cluster_create") if seconds is None else seconds)
    elif action == "CreateDBInstance":
        _instances[(region, p["DBInstanceIdentifier"])] = Timeline("creating", scaled("instance_create"))
    elif action == "ModifyDBCluster":
        cid = p["DBClusterIdentifier"]
        if p.get("EngineVersion"):
            old = _tag(xml, "EngineVersion")
            _clusters[(region, cid)] = Timeline("upgrading", scaled("cluster_upgrade"), version=p["EngineVersion"], old=old)
        else:
            _clusters[(region, cid)] = Timeline("modifying", scaled("cluster_modify"))
    elif action == "DeleteDBInstance":
        iid = p["DBInstanceIdentifier"]
        m = re.search(r"<DBInstance>.*?</DBInstance>", xml, flags=re.S)
        if m:
            block = _set_status(m.group(0), "DBInstanceStatus", "deleting")
            _ghost_instances[(region, iid)] = (
                block, Timeline("deleting", scaled("instance_delete")), _tag(block, "DBClusterIdentifier"))
        _instances.pop((region, iid), None)
    elif action == "DeleteDBCluster":
        cid = p["DBClusterIdentifier"]
        m = re.search(r"<DBCluster>.*?</DBCluster>", xml, flags=re.S)
        if m:
            block = _set_status(m.group(0), "Status", "deleting")
            _ghost_clusters[(region, cid)] = (block, Timeline("deleting", scaled("cluster_delete")), cid)
        _clusters.pop((region, cid), None)
    elif action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        gid = p["GlobalClusterIdentifier"]
        from_arn = _tag(xml, "FromDbClusterArn")
        to_arn = _tag(xml, "ToDbClusterArn")
        data_loss = action == "FailoverGlobalCluster" and p.get("AllowDataLoss", "").lower() == "true"
        if from_arn and to_arn and from_arn != to_arn:
            _promotion_counts[gid] = _promotion_counts.get(gid, 0) + 1
            _promotions[gid] = Timeline("promotion", scaled("promotion"), from_arn=from_arn,
                                        to_arn=to_arn, data_loss=data_loss)
            xml = _rewrite_globals(xml, _promotion_view)
    elif action == "DescribeGlobalClusters":
        xml = _rewrite_globals(xml, _promotion_view)
        if not p.get("GlobalClusterIdentifier"):
            xml = _global_page(xml, p)
    elif action == "DescribeDBClusters":
        def cluster(cid, block):
            t = _clusters.get((region, cid))
            if t and t.active():
                block = _set_status(block, "Status", t.status)
                if t.status == "upgrading" and t.extra.get("old"):
                    block = re.sub(r"<EngineVersion>[^<]*</EngineVersion>",
                                   f"<EngineVersion>{t.extra['old']}</EngineVersion>", block, count=1)
            return block
        xml = _rewrite_blocks(xml, "DBCluster", "DBClusterIdentifier", cluster)
        if not p.get("DBClusterIdentifier"):
            xml = _inject(xml, "DBClusters", _ghosts(_ghost_clusters, region))
    elif action == "DescribeDBInstances":
        def instance(iid, block):
            t = _instances.get((region, iid))
            return _set_status(block, "DBInstanceStatus", t.status) if t and t.active() else block
        xml = _rewrite_blocks(xml, "DBInstance", "DBInstanceIdentifier", instance)
        if not p.get("DBInstanceIdentifier"):
            xml = _inject(xml, "DBInstances", _ghosts(_ghost_instances, region, cluster_id=_cluster_filter(p)))
    elif action == "DescribeDBEngineVersions":
        xml = _with_serverless_support(xml)
    if "GlobalCluster" in action:
        xml = _rewrite_globals(xml, _with_writer_endpoint)
    return status, rh, xml.encode()


def _stable_endpoints(region, action, xml):
    """A cluster's endpoints are DNS names fixed at its create: every answer that carries the
    cluster reports the ones its create answered."""
    def cluster(cid, block):
        key = (region, cid)
        if action == "CreateDBCluster" or key not in _cluster_endpoints:
            _cluster_endpoints[key] = (_tag(block, "Endpoint"), _tag(block, "ReaderEndpoint"))
        for tag, value in zip(("Endpoint", "ReaderEndpoint"), _cluster_endpoints[key]):
            if value:
                block = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", block, count=1)
        return block

    if "<DBCluster>" not in xml:
        return xml
    return _rewrite_blocks(xml, "DBCluster", "DBClusterIdentifier", cluster)


def _with_writer_endpoint(gid, block):
    """The global writer endpoint (GlobalCluster.Endpoint, launched October 2024), missing in
    MiniStack, in AWS's shape `ID.global-XXXXXXXXXXXX.global.rds.amazonaws.com`. It names the
    global cluster, not a region: switchovers and failovers leave it as it is."""
    if "<Endpoint>" in block.split("<GlobalClusterMembers>")[0] or gid in _omit_endpoint:
        return block
    tail = hashlib.sha256(gid.encode()).hexdigest()[:12]
    endpoint = f"{gid}.global-{tail}.global.rds.amazonaws.com"
    return re.sub(r"(</GlobalClusterArn>)", rf"\1<Endpoint>{endpoint}</Endpoint>", block, count=1)


# ---------------------------------------------------------------------------------------------
# Step Functions and IAM
# ---------------------------------------------------------------------------------------------


def json_error(code, message, status=400):
    return status, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(
        {"__type": code, "message": message}).encode()


def _tag_char_ok(c):
    return c.isalpha() or c.isdigit() or c.isspace() or c in "_.:/=+-@"


def _bad_tags(tags, key_name="key", value_name="value"):
    for i, t in enumerate(tags or [], start=1):
        for field in (key_name, value_name):
            v = t.get(field) or ""
            if not all(_tag_char_ok(c) for c in v):
                return (
                    f"1 validation error detected: Value '{v}' at 'tags.{i}.member.{field}' failed "
                    "to satisfy constraint: Member must satisfy regular expression pattern: "
                    r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
                )
    return None


def _role_problem(arn):
    created = _roles.get(arn)
    if created is None or time.monotonic() - created < _role_propagation.get(arn, IAM_PROPAGATION):
        return json_error(
            "AccessDeniedException",
            "Neither the global service principal states.amazonaws.com, nor the regional one is "
            "authorized to assume the provided role.",
        )
    return None


async def states(orig, method, path, headers, body, query):
    action = headers.get("x-amz-target", "").split(".")[-1]
    data = _json_body(body)
    if action == "ListStateMachines":
        # The API reference: maxResults 0–1000, 0 or absent meaning the default page of 100.
        asked = int(data.get("maxResults") or 0)
        if not 0 <= asked <= 1000:
            return refused("sfn_page_size", json_error(
                "ValidationException", f"1 validation error detected: Value '{asked}' at 'maxResults' "
                "failed to satisfy constraint: Member must have value less than or equal to 1000"))
        body = json.dumps(dict(data, maxResults=min(asked or 100, _list_page[0] or 1000))).encode()
    arn = data.get("resourceArn", "")
    if action in ("ListTagsForResource", "TagResource", "UntagResource") and ":stateMachine:" in arn:
        # A state machine that does not exist has no tags to list: ResourceNotFound (MiniStack
        # answers an empty list).
        probe_headers = dict(headers, **{"x-amz-target": "AWSStepFunctions.DescribeStateMachine"})
        status, _, _ = await orig(method, path, probe_headers,
                                  json.dumps({"stateMachineArn": arn}).encode(), query)
        if status >= 400:
            return refused("sfn_tags_of_missing", json_error(
                "ResourceNotFound", f"Resource not found: '{arn}'"))
    if action in ("CreateStateMachine", "TagResource"):
        problem = _bad_tags(data.get("tags"))
        if problem:
            return refused("sfn_tag_value", json_error("ValidationException", problem))
    if action == "CreateStateMachine" or (action == "UpdateStateMachine" and data.get("roleArn")):
        with _lock:
            denied = _role_problem(data.get("roleArn", ""))
        if denied:
            return refused("iam_propagation", denied)
    return await orig(method, path, headers, body, query)


async def s3(orig, method, path, headers, body, query):
    # ListBuckets with MaxBuckets: pages of at most the list-page size (POST /_trdr/list-page).
    if method == "GET" and path in ("", "/") and _list_page[0] and query.get("max-buckets"):
        asked = query["max-buckets"]
        asked = int(asked[0] if isinstance(asked, list) else asked)
        query = dict(query, **{"max-buckets": [str(min(asked, _list_page[0]))]})
    return await orig(method, path, headers, body, query)


async def iam(orig, method, path, headers, body, query):
    p = _params(body, query)
    status, rh, rb = await orig(method, path, headers, body, query)
    if status < 300:
        xml = _text(rb)
        with _lock:
            if p.get("Action") == "CreateRole":
                arn = _tag(xml, "Arn")
                if arn:
                    _roles[arn] = time.monotonic()
            elif p.get("Action") == "DeleteRole":
                for arn in [a for a in _roles if a.endswith(f":role/{p.get('RoleName')}")]:
                    _roles.pop(arn, None)
    return status, rh, rb


# ---------------------------------------------------------------------------------------------
# DynamoDB
# ---------------------------------------------------------------------------------------------


async def dynamodb(orig, method, path, headers, body, query):
    region = _region(headers)
    action = headers.get("x-amz-target", "").split(".")[-1]
    data = _json_body(body)
    if action == "UpdateContinuousBackups":
        with _lock:
            since = _tables_active.get((region, data.get("TableName")))
        if since is not None and time.monotonic() - since < scaled("pitr_unavailable"):
            return refused("continuous_backups_unavailable", json_error(
                "com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException",
                f"Backups are being enabled for the table: {data.get('TableName')}. Please retry later",
            ))
    if action == "ListTables":
        # The API reference: Limit 1–100 (100 when absent).
        asked = data.get("Limit", 100)
        if not isinstance(asked, int) or not 1 <= asked <= 100:
            return refused("dynamodb_list_limit", json_error(
                "ValidationException", f"1 validation error detected: Value '{asked}' at 'limit' failed "
                "to satisfy constraint: Member must have value less than or equal to 100"))
        if "Limit" in data:
            body = json.dumps(dict(data, Limit=min(asked, _list_page[0] or 100))).encode()
    if _loop[0] is None:
        _loop[0] = asyncio.get_running_loop()
    answered = _global_before(region, action, data)
    if answered is not None:
        return answered
    if action == "ListTagsOfResource":
        with _lock:
            change = _tag_changes.get(data.get("ResourceArn"))
        if change is not None and time.monotonic() - change[0] < DYNAMODB_TAG_LAG:
            refused("dynamodb_tags_stale", None)
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(
                {"Tags": change[1]}).encode()
    before = None
    if action in ("TagResource", "UntagResource"):
        before = await _table_tags(orig, method, path, headers, query, data.get("ResourceArn"))
    status, rh, rb = await orig(method, path, headers, body, query)
    if status < 300:
        rb = _global_after(region, action, data, rb)
        with _lock:
            if action in ("TagResource", "UntagResource") and before is not None:
                _tag_changes[data.get("ResourceArn")] = (time.monotonic(), before)
            if action == "CreateTable" and data.get("Tags"):
                arn = (_json_body(rb).get("TableDescription") or {}).get("TableArn")
                if arn:
                    _tag_changes[arn] = (time.monotonic(), [])
            if action == "CreateTable":
                _tables_active[(region, data.get("TableName"))] = time.monotonic()
            elif action == "UpdateTable":
                for u in data.get("ReplicaUpdates") or []:
                    r = (u.get("Create") or {}).get("RegionName")
                    if r:
                        _tables_active[(r, data.get("TableName"))] = time.monotonic()
    return status, rh, rb


# Global tables' consistency modes (DynamoDB developer guide, "Consistency modes" and
# "Multi-Region strong consistency"; API reference, UpdateTable).
# - MREC (the default): a write is replicated to the other replicas asynchronously, "typically
#   within a second"; a strongly consistent read elsewhere may miss it; a write not yet replicated
#   when its region becomes isolated stays there until the region recovers, and concurrent writes
#   are reconciled last-writer-wins.
# - MRSC: a write is acknowledged once durable in a second region of the table's three (two
#   replicas and a witness, or three replicas), so any replica's strongly consistent read returns
#   it, and a replica that can still reach one other member keeps accepting writes.
MRSC_REGION_SETS = (
    ("us-east-1", "us-east-2", "us-west-2"),
    ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
    ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),
)
# Replication delay of MREC: a real network delay, not a processing time: not scaled.
MREC_LAG = float(os.environ.get("TRDR_SANDBOX_DYNAMODB_REPLICATION_LAG", "1"))
_mrec_lag = [MREC_LAG]
# table name → {"replicas": set of regions, "witness": region or None, "witness": Timeline}
_mrsc = {}
# Replications not yet applied: dicts with source, target, table, key, item (None: a delete), at
# (the write's time: last writer wins), due (when it may apply: MREC lag, or the target's recovery)
_pending_writes = []
# (region, table, key) → time of the write the replica holds
_item_times = {}


def _region_set(region):
    return next((s for s in MRSC_REGION_SETS if region in s), None)


def ddb_error(code, message):
    return json_error(f"com.amazonaws.dynamodb.v20120810#{code}", message)


def _mrsc_update_problem(region, data, table):
    """UpdateTable's MRSC rules, checked before MiniStack (which ignores MultiRegionConsistency and
    GlobalTableWitnessUpdates); `table` is MiniStack's record in the calling region."""
    name = data.get("TableName")
    creates = [(u.get("Create") or {}).get("RegionName") for u in data.get("ReplicaUpdates") or [] if u.get("Create")]
    deletes = [(u.get("Delete") or {}).get("RegionName") for u in data.get("ReplicaUpdates") or [] if u.get("Delete")]
    witness = data.get("GlobalTableWitnessUpdates") or []
    w_create = [(u.get("Create") or {}).get("RegionName") for u in witness if u.get("Create")]
    w_delete = [(u.get("Delete") or {}).get("RegionName") for u in witness if u.get("Delete")]
    mode = data.get("MultiRegionConsistency")
    current = _mrsc.get(name)
    if mode is not None and mode not in ("EVENTUAL", "STRONG"):
        return "MultiRegionConsistency must be EVENTUAL or STRONG"
    if mode is not None and not creates:
        return "MultiRegionConsistency is only valid when creating a global table with Create actions in ReplicaUpdates"
    if len(witness) > 1:
        return "You can create or delete only one witness per UpdateTable operation"
    if w_create and mode != "STRONG":
        return "A witness can only be added to a new global table with MultiRegionConsistency STRONG"
    if w_delete:
        if not current or current.get("witness") not in w_delete:
            return f"Witness Region {w_delete[0]} is not a witness of table {name}"
        if not deletes:
            return "A witness can only be deleted together with a replica; that converts the remaining replica to a single-Region table"
    if current and creates:
        return f"Table {name} is a multi-Region strongly consistent global table; its replicas cannot be changed by adding one"
    if current and deletes and current.get("witness") and not w_delete:
        return ("Deleting a replica of an MRSC global table with a witness must delete the witness in the same "
                "request (GlobalTableWitnessUpdates Delete)")
    if mode == "STRONG":
        if table and table.get("_global_regions"):
            return f"Table {name} is already a global table; a global table's consistency mode cannot be changed"
        members = [region] + creates + w_create
        home_set = _region_set(region)
        if home_set is None or any(m not in home_set for m in members):
            return (f"Multi-Region strong consistency requires every replica and the witness in one Region set "
                    f"(US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, eu-central-1; "
                    f"AP: ap-northeast-1, ap-northeast-2, ap-northeast-3); got {', '.join(members)}")
        if len(set(members)) != 3 or len(members) != 3:
            return ("A multi-Region strongly consistent global table has exactly three Regions: three replicas, "
                    f"or two replicas and one witness; got {', '.join(members)}")
        if table and any(table.get("items", {}).values()):
            return f"Table {name} is not empty: only an empty table can become a multi-Region strongly consistent global table"
        if table and table.get("LocalSecondaryIndexes"):
            return "Multi-Region strong consistency does not support local secondary indexes"
        from ministack.services import dynamodb as ddb
        ttl = ddb._ttl_settings.get_scoped(_account(), region, name) or {}
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            return "Multi-Region strong consistency does not support Time to Live (TTL)"
    return None


def _account():
    from ministack.core.responses import get_account_id
    return get_account_id()


def _table_record(region, name):
    from ministack.services import dynamodb as ddb
    return ddb._tables.get_scoped(_account(), region, name)


def _mrsc_quorum(name):
    """Members of MRSC table `name` outside an outage, and how many it has."""
    m = _mrsc[name]
    members = set(m["replicas"]) | ({m["witness"]} if m.get("witness") else set())
    return len([r for r in members if r not in _regions_down]), len(members)


def _with_consistency(region, desc):
    """DescribeTable's MultiRegionConsistency and GlobalTableWitnesses, which MiniStack lacks."""
    name = desc.get("TableName")
    m = _mrsc.get(name)
    if m and region in m["replicas"]:
        desc["MultiRegionConsistency"] = "STRONG"
        if m.get("witness"):
            t = m["witness_timeline"]
            desc["GlobalTableWitnesses"] = [{"RegionName": m["witness"], "WitnessStatus": t.status if t.active() else "ACTIVE"}]
    elif desc.get("Replicas"):
        desc["MultiRegionConsistency"] = "EVENTUAL"
    return desc


def _global_before(region, action, data):
    """Global tables' rules MiniStack does not apply: a refusal, or None."""
    name = data.get("TableName")
    if action == "UpdateTable" and (data.get("MultiRegionConsistency") or data.get("GlobalTableWitnessUpdates")
                                    or (name in _mrsc and data.get("ReplicaUpdates"))):
        with _lock:
            problem = _mrsc_update_problem(region, data, _table_record(region, name))
        if problem:
            return refused("mrsc_update", ddb_error("ValidationException", problem))
    if name in _mrsc and region in _mrsc[name]["replicas"]:
        if action == "UpdateTimeToLive":
            return refused("mrsc_unsupported", ddb_error(
                "ValidationException", "Time to Live (TTL) is not supported on multi-Region strongly consistent global tables"))
        if action in ("PutItem", "UpdateItem", "DeleteItem"):
            with _lock:
                up, members = _mrsc_quorum(name)
            if up < 2:
                return refused("mrsc_no_quorum", json_error(
                    "com.amazonaws.dynamodb.v20120810#InternalServerError",
                    f"Table {name} in {region} cannot reach another member of its multi-Region strongly "
                    f"consistent global table ({up} of {members} reachable)", 500))
    if action in ("TransactWriteItems", "TransactGetItems"):
        items = data.get("TransactItems") or []
        names = {v.get("TableName") for t in items for v in t.values() if isinstance(v, dict)}
        if names & set(_mrsc):
            return refused("mrsc_unsupported", ddb_error(
                "ValidationException", "Transactions are not supported on multi-Region strongly consistent global tables"))
    return None


def _global_after(region, action, data, rb):
    """What a successful call changes in the consistency model, and DescribeTable's answer."""
    name = data.get("TableName")
    with _lock:
        if action == "UpdateTable" and data.get("MultiRegionConsistency") == "STRONG":
            creates = [u["Create"]["RegionName"] for u in data.get("ReplicaUpdates") or [] if u.get("Create")]
            w = [u["Create"]["RegionName"] for u in data.get("GlobalTableWitnessUpdates") or [] if u.get("Create")]
            _mrsc[name] = {"replicas": {region, *creates}, "witness": w[0] if w else None,
                           "witness_timeline": Timeline("CREATING", scaled("witness_create"))}
        elif action == "UpdateTable" and name in _mrsc:
            for u in data.get("ReplicaUpdates") or []:
                if u.get("Delete"):
                    _mrsc[name]["replicas"].discard(u["Delete"]["RegionName"])
            if data.get("GlobalTableWitnessUpdates") or len(_mrsc[name]["replicas"]) < 2:
                _mrsc.pop(name, None)
        elif action == "DeleteTable" and name in _mrsc:
            _mrsc[name]["replicas"].discard(region)
            if len(_mrsc[name]["replicas"]) < 2:
                _mrsc.pop(name, None)
        elif action == "DescribeTable":
            out = _json_body(rb)
            _with_consistency(region, out.get("Table") or {})
            return json.dumps(out).encode()
    return rb


def _key_of(table, item):
    from ministack.services import dynamodb as ddb
    pk = ddb._extract_key_val(item.get(table["pk_name"]))
    sk = ddb._extract_key_val(item.get(table["sk_name"])) if table.get("sk_name") else "__no_sort__"
    return pk, sk


def _apply_replication(w):
    """One replicated write into its target replica, unless a later write there wins."""
    import copy
    from ministack.core.responses import request_scope
    from ministack.services import dynamodb as ddb

    with request_scope(w["account"], w["target"]):
        replica = ddb._tables.get(w["table"])
        if replica is None:
            return
        pk, sk = w["key"]
        if _item_times.get((w["target"], w["table"], w["key"]), -1.0) > w["at"]:
            refused("last_writer_wins", None)
            return
        _item_times[(w["target"], w["table"], w["key"])] = w["at"]
        previous = replica["items"].get(pk, {}).get(sk)
        if w["item"] is None:
            ddb._remove_item(replica, pk, sk)
        else:
            ddb._set_item(replica, pk, sk, copy.deepcopy(w["item"]))
        if w["item"] is None and previous is None:
            return
        event = "REMOVE" if w["item"] is None else ("MODIFY" if previous else "INSERT")
        ddb._emit_stream_event(w["table"], event, previous,
                               copy.deepcopy(w["item"]) if w["item"] is not None else None, replicate=False)


def _flush_replication():
    """Applies every pending replication that is due and whose source and target are reachable."""
    with _lock:
        now = time.monotonic()
        ready = [w for w in _pending_writes if w["due"] <= now
                 and w["source"] not in _regions_down and w["target"] not in _regions_down]
        for w in ready:
            _pending_writes.remove(w)
        for w in sorted(ready, key=lambda w: w["at"]):
            _apply_replication(w)


def _replicate_realistically():
    """MiniStack applies a global table's write to every replica inside the call. Here MRSC does
    (to the replicas that are reachable: the others catch up when they are), MREC after its lag."""
    import copy
    from ministack.core.responses import get_account_id, get_region
    from ministack.services import dynamodb as ddb

    def replicate(table, event_name, old_item, new_item):
        regions = ddb._replica_group(table)
        if not regions:
            return
        home, name = get_region(), table["TableName"]
        item = new_item if new_item is not None else old_item
        key = _key_of(table, item)
        with _lock:
            now = time.monotonic()
            _item_times[(home, name, key)] = now
            strong = name in _mrsc
            for region in regions:
                if region == home:
                    continue
                w = {"account": get_account_id(), "source": home, "target": region, "table": name, "key": key,
                     "item": copy.deepcopy(new_item), "at": now, "due": now if strong else now + _mrec_lag[0]}
                if strong and region not in _regions_down:
                    _apply_replication(w)
                else:
                    _pending_writes.append(w)

    ddb._replicate_write = replicate

    def sweep():
        # Replications are applied on MiniStack's event loop (where its handlers change the
        # tables), not on this thread: the sweeper only asks the loop to flush.
        while True:
            time.sleep(0.05)
            loop = _loop[0]
            if loop is not None and _pending_writes:
                try:
                    loop.call_soon_threadsafe(_flush_quietly)
                except RuntimeError:  # the loop closed: the sandbox is stopping
                    return

    threading.Thread(target=sweep, name="trdr-ddb-replication", daemon=True).start()


# MiniStack's event loop, seen at the first DynamoDB call.
_loop = [None]


def _flush_quietly():
    try:
        _flush_replication()
    except Exception:  # noqa: BLE001 - one bad write must not stop the others
        pass


async def _table_tags(orig, method, path, headers, query, arn):
    """The tags MiniStack holds for `arn` now (what a consistent read would answer)."""
    h = dict(headers)
    h["x-amz-target"] = "DynamoDB_20120810.ListTagsOfResource"
    status, _, rb = await orig(method, path, h, json.dumps({"ResourceArn": arn}).encode(), query)
    return _json_body(rb).get("Tags", []) if status < 300 else None


# ---------------------------------------------------------------------------------------------
# Route 53
# ---------------------------------------------------------------------------------------------

R53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"
CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1",
                   "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]


def r53_error(code, message, status=400):
    body = (f'<ErrorResponse xmlns="{R53_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>trdr-realistic</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def _strip_version(path):
    return re.sub(r"^/2013-04-01", "", path or "")


async def route53(orig, method, path, headers, body, query):
    p = _strip_version(urlparse(path).path)
    if method == "POST" and p == "/healthcheck":
        ref = _tag(_text(body), "CallerReference") or ""
        if len(ref) > 64:
            return refused("caller_reference_length", r53_error(
                "InvalidInput",
                f"1 validation error detected: Value '{ref}' at 'callerReference' failed to satisfy "
                "constraint: Member must have length less than or equal to 64",
            ))
    m = re.match(r"^/hostedzone/([^/]+)/rrset/?$", p)
    if method == "POST" and m:
        with _lock:
            down = m.group(1) in _zones_down
        if down:
            return refused("route53_control_plane", r53_error(
                "ServiceUnavailable",
                "Route 53's control plane is unavailable (sandbox: us-east-1 impairment).", 503))
    m = re.match(r"^/healthcheck/([^/]+)/status$", p)
    if method == "GET" and m:
        return await _health_status(orig, m.group(1), headers)
    return await orig(method, path, headers, body, query)


async def _health_status(orig, hc, headers):
    status, _, _ = await orig("GET", f"/2013-04-01/healthcheck/{hc}", headers, b"", {})
    if status >= 400:
        return r53_error("NoSuchHealthCheck", f"A health check with id {hc} does not exist.", 404)
    healthy = await _checkers_see(orig, hc, headers)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    report = ("Success: HTTP Status Code 200, OK" if healthy
              else "Failure: Connection timed out. The endpoint or the internet connection is down.")
    obs = "".join(
        f"<HealthCheckObservation><Region>{r}</Region><IPAddress>15.177.{i}.1</IPAddress>"
        f"<StatusReport><Status>{report}</Status><CheckedTime>{now}</CheckedTime></StatusReport>"
        "</HealthCheckObservation>"
        for i, r in enumerate(CHECKER_REGIONS)
    )
    body = (f'<?xml version="1.0"?><GetHealthCheckStatusResponse xmlns="{R53_NS}">'
            f"<HealthCheckObservations>{obs}</HealthCheckObservations></GetHealthCheckStatusResponse>")
    return 200, {"Content-Type": "text/xml"}, body.encode()


async def _checkers_see(orig, hc, headers):
    """What Route 53's checkers observe: a health set by test (`/_trdr/route53/health`), else
    the endpoint itself (its region's outage, its forced health; a flap is seen as down)."""
    with _lock:
        if hc in _health:
            return _health[hc]
    status, _, rb = await orig("GET", f"/2013-04-01/healthcheck/{hc}", headers, b"", {})
    fqdn = _tag(_text(rb), "FullyQualifiedDomainName") if status < 300 else None
    if not fqdn:
        return True
    with _lock:
        if fqdn in _flaps:
            return False
    return endpoint_healthy(fqdn)


async def _resolve(zone, name):
    """The data plane: the failover pair answered as Route 53's resolvers would."""
    from ministack import app as app_mod

    # The data plane answers during a control-plane outage: below the outage's wrapper.
    handler = _inner_handlers.get("route53") or app_mod.SERVICE_HANDLERS["route53"]
    hdrs = {"authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/route53/aws4_request",
            "host": "route53.amazonaws.com"}
    status, _, rb = await handler("GET", f"/2013-04-01/hostedzone/{zone}/rrset", hdrs, b"", {})
    if status >= 400:
        return None
    xml = _text(rb)
    want = name.rstrip(".") + "."
    records = {}
    for block in re.findall(r"<ResourceRecordSet>.*?</ResourceRecordSet>", xml, flags=re.S):
        if (_tag(block, "Name") or "").rstrip(".") + "." != want:
            continue
        role = _tag(block, "Failover")
        if role:
            records[role] = block
    for role in ("PRIMARY", "SECONDARY"):
        block = records.get(role)
        if not block:
            continue
        hc = _tag(block, "HealthCheckId")
        if role == "SECONDARY" or hc is None or await _checkers_see(handler, hc, hdrs):
            return {"value": _tag(block, "Value"), "set_identifier": _tag(block, "SetIdentifier"),
                    "failover": role}
    return None


# ---------------------------------------------------------------------------------------------
# Secrets Manager
# ---------------------------------------------------------------------------------------------


def _remove_replicas(data):
    """`RemoveRegionsFromReplication`, which MiniStack lacks: drop the replicas and their status."""
    from ministack.core.responses import get_account_id
    from ministack.services import secretsmanager as sm

    _, secret = sm._resolve(data.get("SecretId"))
    if not secret:
        return json_error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
    regions = set(data.get("RemoveReplicaRegions") or [])
    for region in regions:
        sm._secrets.pop_scoped(get_account_id(), region, secret["Name"], None)
    secret["ReplicationStatus"] = [
        st for st in secret.get("ReplicationStatus", []) if st.get("Region") not in regions]
    return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(
        {"ARN": secret["ARN"], "ReplicationStatus": secret["ReplicationStatus"]}).encode()


async def secretsmanager(orig, method, path, headers, body, query):
    action = headers.get("x-amz-target", "").split(".")[-1]
    if action == "RemoveRegionsFromReplication":
        with _lock:
            return _remove_replicas(_json_body(body))
    if action == "DeleteSecret":
        data = _json_body(body)
        d_target = dict(headers, **{"x-amz-target": "secretsmanager.DescribeSecret"})
        status, _, rb = await orig(method, path, d_target, json.dumps({"SecretId": data.get("SecretId")}).encode(), query)
        if status < 300 and json.loads(_text(rb) or "{}").get("ReplicationStatus"):
            return refused("secret_has_replicas", json_error(
                "InvalidRequestException",
                "You can't delete secret that has replicas. Remove the replica regions first "
                "(RemoveRegionsFromReplication).",
            ))
    return await orig(method, path, headers, body, query)


# ---------------------------------------------------------------------------------------------
# Region outage and automatic failover's pieces
# ---------------------------------------------------------------------------------------------

GLOBAL_SERVICES_IN_US_EAST_1 = {"route53", "iam", "sts"}


# The documented buckets (burst, refill per second), for the whole account:
# - RDS: "up to 300 requests in a burst and a sustained 12 requests per second", per account and
#   region, every operation together (RDS User Guide, "Request throttling for the Amazon RDS API").
# - Route 53: the account's bucket 50 / 10, and each operation its own: CreateHealthCheck 50 / 0.5,
#   DeleteHealthCheck 15 / 3, GetHealthCheckStatus 4 / 1, the others 50 / 10 (Route 53 Developer
#   Guide, "Throttling for Amazon Route 53 API requests", updated limits). A request takes a token
#   from both; either empty throttles it.
RDS_LIMIT = (300.0, 12.0)
ROUTE53_LIMITS = {"account": (50.0, 10.0), "CreateHealthCheck": (50.0, 0.5),
                  "DeleteHealthCheck": (15.0, 3.0), "GetHealthCheckStatus": (4.0, 1.0)}


def _route53_operation(method, path):
    p = _strip_version(urlparse(path).path)
    if p == "/healthcheck" and method == "POST":
        return "CreateHealthCheck"
    if p.startswith("/healthcheck/") and method == "DELETE":
        return "DeleteHealthCheck"
    if p.startswith("/healthcheck/") and p.endswith("/status") and method == "GET":
        return "GetHealthCheckStatus"
    return None


def _take(name, limit, now):
    burst, rate = limit
    tokens, at = _buckets.get(name, (burst, now))
    tokens = min(burst, tokens + (now - at) * rate)
    if tokens < 1.0:
        _buckets[name] = (tokens, now)
        _rate_stats["throttled"][name] = _rate_stats["throttled"].get(name, 0) + 1
        return False
    _buckets[name] = (tokens - 1.0, now)
    return True


def _count(name, now):
    sec = int(now)
    count = _second.get(name, (sec, 0))
    count = (sec, count[1] + 1) if count[0] == sec else (sec, 1)
    _second[name] = count
    _rate_stats["peak"][name] = max(_rate_stats["peak"].get(name, 0), count[1])


def _throttled(service, region, method, path):
    """Whether AWS's rate limit throttles this call (only while they are on); counts every call."""
    now = time.monotonic()
    key = f"{service}/{region}" if service != "route53" else "route53"
    with _lock:
        _rate_stats["calls"][key] = _rate_stats["calls"].get(key, 0) + 1
        _count(key, now)
        if not _rate_limits_on:
            return False
        if service == "rds":
            return not _take(key, RDS_LIMIT, now)
        if service == "route53":
            op = _route53_operation(method, path)
            names = [("route53", ROUTE53_LIMITS["account"])]
            if op:
                names.append((f"route53/{op}", ROUTE53_LIMITS[op]))
            # Both buckets must have a token; neither is spent when one is empty.
            for name, limit in names:
                burst, rate = limit
                tokens, at = _buckets.get(name, (burst, now))
                if min(burst, tokens + (now - at) * rate) < 1.0:
                    _rate_stats["throttled"][name] = _rate_stats["throttled"].get(name, 0) + 1
                    return True
            for name, limit in names:
                _take(name, limit, now)
    return False


async def outage(service, orig, method, path, headers, body, query):
    """A region in an outage answers nothing well: 503 or 500 (the retryable codes AWS answers
    with), never a clean refusal. Network time-outs are modelled on the HTTP probes, which is
    where trdr's decisions read them; a control-plane call fails at once here, so its callers'
    retries run out in sandbox time."""
    region = "us-east-1" if service in GLOBAL_SERVICES_IN_US_EAST_1 else _region(headers)
    calllog.record(service, region, method, path, headers, body, query)
    with _lock:
        down = region in _regions_down
        garbled = (service, region) in _unreadable
    if garbled:
        refused("unreadable_answer", None)
        return 200, {"Content-Type": "application/octet-stream"}, b"\xff\xfe<not a response of this protocol"
    if not down:
        if _throttled(service, region, method, path):
            refused("rate_limit", None)
            if service == "rds":
                return rds_error("Throttling", "Rate exceeded", 400)
            return r53_error("Throttling", "Rate exceeded", 400)
        return await orig(method, path, headers, body, query)
    refused("region_outage", None)
    code, status = ("ServiceUnavailable", 503) if int(time.monotonic() * 10) % 2 else ("InternalFailure", 500)
    message = f"{region} is unavailable (sandbox region outage)"
    if service in ("rds", "iam", "sts", "cloudwatch", "sns"):
        return rds_error(code, message, status)
    if service == "route53":
        return r53_error(code, message, status)
    if service == "s3":
        # S3's REST error document (S3 API reference, "Error responses"): XML, no namespace,
        # with S3's own code for HTTP 500.
        code = "InternalError" if status == 500 else code
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                f"<Message>{message}</Message><RequestId>trdr-realistic</RequestId></Error>")
        return status, {"Content-Type": "application/xml"}, body.encode()
    return json_error(code, message, status)


def _http_invoke(resource, data):
    """Step Functions' HTTP Task, answered from the sandbox's model of the endpoint."""
    from ministack.core.responses import get_region
    from ministack.services import eventbridge as eb
    from ministack.services.stepfunctions import _ExecutionError

    region = get_region()
    url = data.get("ApiEndpoint") or ""
    conn = ((data.get("Authentication") or {}).get("ConnectionArn")) or ""
    caller = calllog.current_caller() or {}
    calllog.http_invoke(region, caller.get("state_machine_arn", ""), conn, caller)
    with _lock:
        here_down = region in _regions_down
    if here_down:
        time.sleep(OUTAGE_HANG)
        raise _ExecutionError("States.Http.Socket", f"{region} is unavailable (sandbox region outage)")
    if not conn:
        raise _ExecutionError("States.Runtime", "The HTTP Task requires Authentication.ConnectionArn (an EventBridge connection).")
    # AWS's connection ARNs end in /UUID; MiniStack's end at the name.
    m = re.match(r"^arn:aws:events:([a-z0-9-]+):\d+:connection/([^/]+)(?:/|$)", conn)
    if not m or eb._connections.get(m.group(2)) is None:
        raise _ExecutionError("States.Runtime", f"The connection {conn} does not exist.")
    if not url.startswith("https://"):
        raise _ExecutionError("States.Runtime", f"The API endpoint {url} must use HTTPS.")
    fqdn = urlparse(url).hostname or ""
    with _lock:
        _probe_counts[fqdn] = _probe_counts.get(fqdn, 0) + 1
        other_down = endpoint_region(fqdn) in _regions_down
    if other_down:
        time.sleep(OUTAGE_HANG)
        raise _ExecutionError("States.Http.Socket", f"Connection to {fqdn} timed out")
    if not endpoint_healthy(fqdn, probe=True):
        raise _ExecutionError("States.Http.StatusCode.503", "Service Unavailable")
    return {"Headers": {"content-type": ["application/json"]}, "ResponseBody": {"status": "ok"},
            "StatusCode": 200, "StatusText": "OK"}


def _scheduler_in_sandbox_time():
    """Scheduler's rate expressions at the sandbox's time scale, swept often enough for them."""
    from ministack.services import eventbridge as eb
    from ministack.services import scheduler

    real = eb._parse_rate_seconds

    def scaled_rate(expr):
        seconds = real(expr)
        return None if seconds is None else seconds * SCALE

    eb._parse_rate_seconds = scaled_rate
    scheduler._SCHEDULE_TICK_INTERVAL = max(0.05, min(10.0, 10 * SCALE))

    tick = scheduler._tick_schedules

    def tick_where_up():
        # A region in an outage fires nothing: take its schedules out of this sweep.
        with _lock:
            down = set(_regions_down)
        if not down:
            return tick()
        hidden = {k: v for k, v in scheduler._schedules._data.items() if k[1] in down}
        for k in hidden:
            scheduler._schedules._data.pop(k, None)
        try:
            return tick()
        finally:
            scheduler._schedules._data.update(hidden)

    scheduler._tick_schedules = tick_where_up


# ---------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------


def _seed(health_checks, state_machines, regions, prefix):
    """Objects that are not trdr's, as a busy account holds them: `health_checks` Route 53 health
    checks and `state_machines` state machines in each of `regions`, made through MiniStack's own
    operations."""
    from ministack.core.responses import set_request_region
    from ministack.services import route53 as r53
    from ministack.services import stepfunctions as sf

    made = {"health_checks": 0, "state_machines": 0}
    for i in range(health_checks):
        body = (f'<CreateHealthCheckRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
                f'<CallerReference>{prefix}-{time.time_ns()}-{i}</CallerReference><HealthCheckConfig>'
                f'<Type>HTTPS</Type><FullyQualifiedDomainName>{prefix}{i}.example.com</FullyQualifiedDomainName>'
                f'<ResourcePath>/health</ResourcePath></HealthCheckConfig></CreateHealthCheckRequest>').encode()
        status = r53._create_health_check(body)[0]
        made["health_checks"] += status < 300
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    for region in regions:
        set_request_region(region)
        for i in range(state_machines):
            status = sf._create_state_machine({
                "name": f"{prefix}-{i}-{time.time_ns()}", "definition": definition,
                "roleArn": "arn:aws:iam::000000000000:role/foreign"})[0]
            made["state_machines"] += status < 300
    set_request_region(None)
    return made


def _control(method, path, query, body):
    data = _json_body(body)
    with _lock:
        if method == "POST" and path == "/_trdr/route53/health":
            _health[data["health_check_id"]] = bool(data.get("healthy", True))
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/route53/control-plane":
            (_zones_down.discard if data.get("available", True) else _zones_down.add)(data["zone_id"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/rds/answer-delay":
            _answer_delays[data["global_cluster_id"]] = float(data["seconds"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/rds/create-duration":
            cid, seconds = data["db_cluster_id"], float(data["seconds"])
            under_way = [t for (_, c), t in _clusters.items() if c == cid and t.status == "creating" and t.active()]
            for t in under_way:
                t.until = t.start + seconds
            if not under_way:
                _create_durations[cid] = seconds
            return 200, {"ok": True, "under_way": len(under_way)}
        if method == "POST" and path == "/_trdr/iam/propagation":
            _role_propagation[data["role_arn"]] = float(data["seconds"])
            if data["role_arn"] in _roles:
                _roles[data["role_arn"]] = time.monotonic()
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/unreadable":
            (_unreadable.add if data.get("on", True) else _unreadable.discard)((data["service"], data["region"]))
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/omit-optional":
            if data.get("global_cluster_id"):
                _omit_endpoint.add(data["global_cluster_id"])
            if data.get("engine_version"):
                _omit_serverless.add(data["engine_version"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/list-page":
            _list_page[0] = int(data["size"]) if data.get("size") else None
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/dynamodb/replication-lag":
            _mrec_lag[0] = float(data["seconds"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/region/outage":
            (_regions_down.add if data.get("down", True) else _regions_down.discard)(data["region"])
            return 200, {"ok": True, "down": sorted(_regions_down)}
        if method == "POST" and path == "/_trdr/endpoint":
            fqdn = data["fqdn"]
            if "flap" in data:
                if data["flap"]:
                    _flaps[fqdn] = [[bool(x) for x in data["flap"]], 0]
                else:
                    _flaps.pop(fqdn, None)
            if "healthy" in data:
                if data["healthy"] is None:
                    _endpoint_health.pop(fqdn, None)
                else:
                    _endpoint_health[fqdn] = bool(data["healthy"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/seed":
            return 200, _seed(int(data.get("health_checks", 0)), int(data.get("state_machines", 0)),
                              data.get("regions", []), data.get("prefix", "foreign"))
        if method == "POST" and path == "/_trdr/rate-limits":
            global _rate_limits_on
            _rate_limits_on = bool(data.get("on", True))
            _buckets.clear()
            if data.get("reset_stats"):
                for v in _rate_stats.values():
                    v.clear()
                _second.clear()
            return 200, {"ok": True, "on": _rate_limits_on}
        if method == "GET" and path == "/_trdr/rds/master-password":
            digest, changes = _master_passwords.get((query.get("region"), query.get("db_cluster_id")), (None, 0))
            return 200, {"sha256": digest, "changes": changes}
        if method == "GET" and path == "/_trdr/rate-stats":
            return 200, {k: dict(v) for k, v in _rate_stats.items()}
        if method == "GET" and path == "/_trdr/stats":
            return 200, {"refusals": dict(_refusals), "promotions": dict(_promotion_counts),
                         "probes": dict(_probe_counts)}
        if method == "GET" and path == "/_trdr/config":
            return 200, {"time_scale": SCALE, "iam_propagation_seconds": IAM_PROPAGATION,
                         "scaled_seconds": {k: scaled(k) for k in REAL_SECONDS}}
    return 404, {"error": f"no control endpoint {method} {path}"}


def with_integrity(answer):
    """An answer whose body a rule rewrote keeps the integrity headers AWS clients check:
    DynamoDB's `x-amz-crc32` (CRC32 of the body; boto3, the AWS CLI and the Go SDK v2 refuse a
    body that does not match it) and `Content-Length`. Answers without them are left alone."""
    if not (isinstance(answer, tuple) and len(answer) == 3):
        return answer
    status, headers, body = answer
    if not isinstance(headers, dict) or not isinstance(body, (bytes, bytearray, str)):
        return answer
    raw = body.encode() if isinstance(body, str) else bytes(body)
    fixed = None
    for key, value in headers.items():
        lower = key.lower()
        if lower == "x-amz-crc32":
            want = str(zlib.crc32(raw) & 0xFFFFFFFF)
        elif lower == "content-length":
            want = str(len(raw))
        else:
            continue
        if str(value) != want:
            fixed = dict(headers) if fixed is None else fixed
            fixed[key] = want
    return answer if fixed is None else (status, fixed, body)


def install():
    from ministack import app as app_mod
    from ministack.services import stepfunctions

    for name, fn in (("rds", rds), ("states", states), ("iam", iam), ("dynamodb", dynamodb),
                     ("route53", route53), ("secretsmanager", secretsmanager), ("s3", s3)):
        orig = app_mod.SERVICE_HANDLERS[name]

        async def handler(method, path, headers, body, query_params, _orig=orig, _fn=fn):
            return await _fn(_orig, method, path, headers, body, query_params)

        app_mod.SERVICE_HANDLERS[name] = handler

    # The outage comes first: a region that is down refuses before any other rule looks.
    for name in list(app_mod.SERVICE_HANDLERS):
        orig = app_mod.SERVICE_HANDLERS[name]
        _inner_handlers[name] = orig

        async def down_or(method, path, headers, body, query_params, _orig=orig, _name=name):
            return with_integrity(await outage(_name, _orig, method, path, headers, body, query_params))

        app_mod.SERVICE_HANDLERS[name] = down_or

    stepfunctions._SERVICE_DISPATCH["arn:aws:states:::http:invoke"] = _http_invoke
    # TRDR_SANDBOX_CALL_LOG: who calls from inside (executions, schedules), see calllog.py.
    from ministack.services import eventbridge
    calllog.install(app_mod, stepfunctions, eventbridge)
    # A callback task's TimeoutSeconds (an approval's wait for a person) is a duration like any
    # other: scaled. Ordinary tasks' timeouts bound calls that take real time here: unscaled.
    callback = stepfunctions._invoke_with_callback

    def scaled_callback(resource, input_data, token, state_def):
        if "TimeoutSeconds" in state_def:
            state_def = dict(state_def, TimeoutSeconds=state_def["TimeoutSeconds"] * SCALE)
        return callback(resource, input_data, token, state_def)

    stepfunctions._invoke_with_callback = scaled_callback
    _scheduler_in_sandbox_time()
    _replicate_realistically()

    # Step Functions' aws-sdk:route53 tasks reach these operations too, as on AWS.
    stepfunctions._ROUTE53_OP_SPECS["GetHealthCheckStatus"] = {
        "method": "GET", "path": "/2013-04-01/healthcheck/{HealthCheckId}/status",
        "path_params": {"HealthCheckId": "HealthCheckId"},
    }
    stepfunctions._ROUTE53_OP_SPECS["GetChange"] = {
        "method": "GET", "path": "/2013-04-01/change/{Id}", "path_params": {"Id": "Id"},
    }

    inner = app_mod.app

    async def outer(scope, receive, send):
        if scope.get("type") == "http" and scope.get("path", "").startswith("/_trdr/"):
            body = b""
            while True:
                msg = await receive()
                body += msg.get("body", b"")
                if not msg.get("more_body"):
                    break
            query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
            if scope["path"] == "/_trdr/route53/resolve":
                answer = await _resolve(query.get("zone_id", ""), query.get("name", ""))
                status, payload = (200, answer) if answer else (404, {"error": "no answer"})
            else:
                status, payload = _control(scope["method"], scope["path"], query, body)
            raw = json.dumps(payload).encode()
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(raw)).encode())]})
            await send({"type": "http.response.body", "body": raw})
            return
        await inner(scope, receive, send)

    app_mod.app = outer
