"""RDS (Aurora PostgreSQL): the lifecycle's durations, global database promotions, the global
writer endpoint, parameter groups and the other RDS rules trdr depends on.

MiniStack makes RDS objects `available` the moment they are created and completes a global
failover inside the call. Here create / modify / delete pass through `creating` / `modifying` /
`upgrading` / `deleting` for a scaled realistic time; a global switchover or failover shows
`FailoverState` (`pending`, then `failing-over`) for a scaled promotion time, the writer flag flips
only at the end, and a second promotion meanwhile is refused. A global cluster has its global
writer endpoint, which no switchover or failover changes; a cluster keeps the `Endpoint` and
`ReaderEndpoint` its create answered (MiniStack repoints them at its backing container once an
instance exists, which AWS never does). `DescribeDBEngineVersions` reports
`ServerlessV2FeaturesSupport` per version and `DescribeOrderableDBInstanceOptions` offers
`db.serverless` where a version runs it.
"""

import asyncio
import hashlib
import re

from . import listing
from .clock import Timeline, duration, lock, scaled
from .rules import refused, rule
from .wire import element, params, query_error, region_of, text

# Real durations, of the order AWS documents or users observe (Aurora User Guide: "creating a DB
# cluster can take several minutes"; a global database's switchover or failover RTO is "in the
# order of minutes"); scaled by the time scale.
CLUSTER_CREATE = duration("cluster_create", 300.0)
INSTANCE_CREATE = duration("instance_create", 480.0)
CLUSTER_MODIFY = duration("cluster_modify", 60.0)
CLUSTER_UPGRADE = duration("cluster_upgrade", 600.0)
INSTANCE_DELETE = duration("instance_delete", 300.0)
CLUSTER_DELETE = duration("cluster_delete", 120.0)
PROMOTION = duration("promotion", 300.0)

# Aurora User Guide, "Managing RPOs for Aurora PostgreSQL–based global databases": the parameter
# takes 20 seconds at least; the RDS API's integer parameters end at 2^31 - 1.
RPO_RANGE = (20, 2147483647)

USER_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"

RPO_RULE = rule(
    "rpo_out_of_range", "rds", "InvalidParameterValue",
    "Aurora User Guide, Managing RPOs for Aurora PostgreSQL-based global databases "
    "(rds.global_db_rpo: 20 seconds at least)",
    USER_GUIDE + "aurora-global-database-disaster-recovery.html#aurora-global-database-manage-recovery")
GROUP_IN_USE_RULE = rule(
    "parameter_group_in_use", "rds", "InvalidDBParameterGroupState",
    "Amazon RDS API Reference, DeleteDBClusterParameterGroup (a group associated with a cluster "
    "can't be deleted)",
    API + "API_DeleteDBClusterParameterGroup.html")
GROUP_FAMILY_RULE = rule(
    "parameter_group_family", "rds", "InvalidParameterCombination",
    "Aurora User Guide, Parameter groups for Amazon Aurora (a DB cluster parameter group family "
    "matches the engine's major version)",
    USER_GUIDE + "USER_WorkingWithParamGroups.html")
MANAGED_PASSWORD_RULE = rule(
    "managed_password_in_global", "rds", "InvalidParameterCombination",
    "Aurora User Guide, Password management with Aurora and Secrets Manager, Limitations "
    "(not supported for a cluster in a global database)",
    USER_GUIDE + "rds-secrets-manager.html#rds-secrets-manager-limitations")
CLUSTER_NAME_DELETING_RULE = rule(
    "cluster_name_still_deleting", "rds", "DBClusterAlreadyExistsFault",
    "Amazon RDS API Reference, CreateDBCluster (DBClusterAlreadyExistsFault: the identifier is "
    "in use, a deleting cluster's included)",
    API + "API_CreateDBCluster.html")
INSTANCE_NAME_DELETING_RULE = rule(
    "instance_name_still_deleting", "rds", "DBInstanceAlreadyExists",
    "Amazon RDS API Reference, CreateDBInstance (DBInstanceAlreadyExists: the identifier is in "
    "use, a deleting instance's included)",
    API + "API_CreateDBInstance.html")
CLUSTER_NOT_AVAILABLE_RULE = rule(
    "cluster_not_available", "rds", "InvalidDBClusterStateFault",
    "Amazon RDS API Reference, ModifyDBCluster and SwitchoverGlobalCluster "
    "(InvalidDBClusterStateFault: the cluster isn't in a valid state)",
    API + "API_ModifyDBCluster.html")
PROMOTION_IN_PROGRESS_RULE = rule(
    "promotion_in_progress", "rds", "InvalidGlobalClusterStateFault",
    "Amazon RDS API Reference, SwitchoverGlobalCluster and FailoverGlobalCluster "
    "(InvalidGlobalClusterStateFault); Aurora User Guide, using switchover or failover",
    API + "API_SwitchoverGlobalCluster.html")

# (region, id) → Timeline
_clusters = {}
# (region, cluster id) → (SHA-256 of the master password RDS was last given, how often it was set)
master_passwords = {}
# (region, cluster id) → (Endpoint, ReaderEndpoint) as CreateDBCluster answered them
_cluster_endpoints = {}
_instances = {}
# (region, id) → (xml block of the object as it was, Timeline("deleting"), cluster id)
_ghost_instances = {}
_ghost_clusters = {}
# global cluster id → Timeline("promotion", from_arn=..., to_arn=..., data_loss=...)
_promotions = {}
# global cluster id → seconds a promotion call's answer is delayed *after* RDS accepted it (a slow
# or lost response: the caller times out although the promotion runs)
answer_delays = {}
# cluster id → seconds its next creation takes (unscaled), set by tests
create_durations = {}
# global cluster id → seconds its next promotion takes (unscaled), set by tests
promotion_durations = {}
# global cluster id → promotions accepted
promotion_counts = {}
# Optional fields left out: global cluster ids answered without Endpoint, engine versions without
# ServerlessV2FeaturesSupport (POST /_trdr/omit-optional)
omit_endpoint = set()
omit_serverless = set()


def set_create_duration(cid, seconds):
    """The next creation of cluster `cid` takes `seconds`; a creation under way ends that long
    after it started. Returns how many were under way."""
    with lock:
        under_way = [t for (_, c), t in _clusters.items() if c == cid and t.status == "creating" and t.active()]
        for t in under_way:
            t.until = t.start + seconds
        if not under_way:
            create_durations[cid] = seconds
        return len(under_way)


def set_promotion_duration(gid, seconds):
    """The next promotion (switchover or failover) of global cluster `gid` takes `seconds`; one
    under way ends that long after it started. Returns how many were under way."""
    with lock:
        p = _promotions.get(gid)
        if p and p.active():
            p.until = p.start + seconds
            return 1
        promotion_durations[gid] = seconds
        return 0


def _cluster_status(region, cid):
    t = _clusters.get((region, cid))
    return t.status if t and t.active() else "available"


def _rewrite_blocks(xml, name, id_tag, fn):
    """Applies `fn(id, block) -> block` to every <name>…</name> block."""

    def one(m):
        block = m.group(0)
        ident = element(block, id_tag)
        return fn(ident, block) if ident else block

    return re.sub(rf"<{name}>.*?</{name}>", one, xml, flags=re.S)


def _set_status(block, name, status):
    return re.sub(rf"<{name}>[^<]*</{name}>", f"<{name}>{status}</{name}>", block, count=1)


# Pieces of global cluster members: the first <IsWriter> after each <DBClusterArn>.
def _with_writer(block, writer_arn):
    def member(m):
        part = m.group(0)
        arn = element(part, "DBClusterArn")
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
        v = element(block, "EngineVersion")
        s = _serverless_support(v or "")
        if s is None or "<ServerlessV2FeaturesSupport>" in block or v in omit_serverless:
            return block
        extra = (
            f"<ServerlessV2FeaturesSupport><MinCapacity>{s[0]}</MinCapacity>"
            f"<MaxCapacity>{s[1]}</MaxCapacity></ServerlessV2FeaturesSupport>"
        )
        return block.replace("</DBEngineVersion>", extra + "</DBEngineVersion>")

    return re.sub(r"<DBEngineVersion>.*?</DBEngineVersion>", one, xml, flags=re.S)


async def rds(orig, method, path, headers, body, query):
    region = region_of(headers)
    p = params(body, query)
    action = p.get("Action", "")
    with lock:
        early = _rds_before(region, action, p)
    if early:
        return early
    status, rh, rb = await orig(method, path, headers, body, query)
    with lock:
        answer = _rds_after(region, action, p, status, rh, text(rb))
        delay = answer_delays.get(p.get("GlobalClusterIdentifier", "")) if status < 300 and action in (
            "SwitchoverGlobalCluster", "FailoverGlobalCluster") else None
    if delay:
        await asyncio.sleep(delay)
    return answer


def _busy_global(gid):
    pr = _promotions.get(gid)
    if pr and pr.active():
        return query_error(
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
                if not value.isdigit() or not RPO_RANGE[0] <= int(value) <= RPO_RANGE[1]:
                    return refused(RPO_RULE, query_error(
                        "InvalidParameterValue",
                        f"Value {value} for parameter rds.global_db_rpo is invalid: it must be "
                        f"an integer from {RPO_RANGE[0]} to {RPO_RANGE[1]}."))
    groups, clusters = _cluster_groups(region)
    if action == "DeleteDBClusterParameterGroup":
        name = p.get("DBClusterParameterGroupName", "")
        users = [cid for cid, c in clusters.items() if c.get("DBClusterParameterGroup") == name]
        if users:
            return refused(GROUP_IN_USE_RULE, query_error(
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
                return refused(GROUP_FAMILY_RULE, query_error(
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
    if action == "DescribeGlobalClusters":
        early = listing.rds_max_records(p)
        if early:
            return early
    if (action == "DescribeOrderableDBInstanceOptions" and p.get("DBInstanceClass") == "db.serverless"
            and p.get("Engine") == "aurora-postgresql"):
        return _orderable_serverless(p)
    if "ParameterGroup" in action or action in ("CreateDBCluster", "ModifyDBCluster"):
        early = _parameter_rule(region, action, p)
        if early:
            return early
    if action == "CreateDBCluster":
        if p.get("GlobalClusterIdentifier") and p.get("ManageMasterUserPassword", "").lower() == "true":
            return refused(MANAGED_PASSWORD_RULE, query_error(
                "InvalidParameterCombination",
                "Managing the master user password with AWS Secrets Manager isn't supported "
                "for DB clusters that are part of an Aurora global database.",
            ))
    if action == "CreateDBInstance" and _ghosts(_ghost_instances, region, wanted_id=p.get("DBInstanceIdentifier")):
        return refused(INSTANCE_NAME_DELETING_RULE, query_error(
            "DBInstanceAlreadyExists", f"DB instance {p.get('DBInstanceIdentifier')} already exists (it is being deleted)."))
    if action == "CreateDBCluster" and _ghosts(_ghost_clusters, region, wanted_id=p.get("DBClusterIdentifier")):
        return refused(CLUSTER_NAME_DELETING_RULE, query_error(
            "DBClusterAlreadyExistsFault", f"DB cluster {p.get('DBClusterIdentifier')} already exists (it is being deleted)."))
    if action == "ModifyDBCluster":
        cid = p.get("DBClusterIdentifier", "")
        st = _cluster_status(region, cid)
        if st != "available":
            return refused(CLUSTER_NOT_AVAILABLE_RULE, query_error(
                "InvalidDBClusterStateFault",
                f"DB cluster {cid} is not in an available state (it is {st}).",
            ))
    if action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster", "RemoveFromGlobalCluster",
                  "DeleteGlobalCluster"):
        busy = _busy_global(p.get("GlobalClusterIdentifier", ""))
        if busy:
            return refused(PROMOTION_IN_PROGRESS_RULE, busy)
    if action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        target = p.get("TargetDbClusterIdentifier", "")
        tid = target.rsplit(":", 1)[-1]
        tregion = target.split(":")[3] if target.startswith("arn:") else region
        st = _cluster_status(tregion, tid)
        if st != "available":
            return refused(CLUSTER_NOT_AVAILABLE_RULE, query_error(
                "InvalidDBClusterStateFault",
                f"The target cluster {tid} is not available (it is {st}).",
            ))
    return None


def _rds_after(region, action, p, status, rh, xml):
    if status < 300 and action in ("CreateDBCluster", "ModifyDBCluster") and p.get("MasterUserPassword"):
        # What RDS would check a login against, kept as a digest only (GET /_trdr/rds/master-password).
        with lock:
            key = (region, p.get("DBClusterIdentifier"))
            _, changes = master_passwords.get(key, (None, 0))
            master_passwords[key] = (hashlib.sha256(p["MasterUserPassword"].encode()).hexdigest(), changes + 1)
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
        seconds = create_durations.pop(cid, None)
        _clusters[(region, cid)] = Timeline("creating", scaled(CLUSTER_CREATE) if seconds is None else seconds)
    elif action == "CreateDBInstance":
        _instances[(region, p["DBInstanceIdentifier"])] = Timeline("creating", scaled(INSTANCE_CREATE))
    elif action == "ModifyDBCluster":
        cid = p["DBClusterIdentifier"]
        if p.get("EngineVersion"):
            old = element(xml, "EngineVersion")
            _clusters[(region, cid)] = Timeline("upgrading", scaled(CLUSTER_UPGRADE), version=p["EngineVersion"], old=old)
        else:
            _clusters[(region, cid)] = Timeline("modifying", scaled(CLUSTER_MODIFY))
    elif action == "DeleteDBInstance":
        iid = p["DBInstanceIdentifier"]
        m = re.search(r"<DBInstance>.*?</DBInstance>", xml, flags=re.S)
        if m:
            block = _set_status(m.group(0), "DBInstanceStatus", "deleting")
            _ghost_instances[(region, iid)] = (
                block, Timeline("deleting", scaled(INSTANCE_DELETE)), element(block, "DBClusterIdentifier"))
        _instances.pop((region, iid), None)
    elif action == "DeleteDBCluster":
        cid = p["DBClusterIdentifier"]
        m = re.search(r"<DBCluster>.*?</DBCluster>", xml, flags=re.S)
        if m:
            block = _set_status(m.group(0), "Status", "deleting")
            _ghost_clusters[(region, cid)] = (block, Timeline("deleting", scaled(CLUSTER_DELETE)), cid)
        _clusters.pop((region, cid), None)
    elif action in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        gid = p["GlobalClusterIdentifier"]
        from_arn = element(xml, "FromDbClusterArn")
        to_arn = element(xml, "ToDbClusterArn")
        data_loss = action == "FailoverGlobalCluster" and p.get("AllowDataLoss", "").lower() == "true"
        if from_arn and to_arn and from_arn != to_arn:
            promotion_counts[gid] = promotion_counts.get(gid, 0) + 1
            seconds = promotion_durations.pop(gid, None)
            _promotions[gid] = Timeline("promotion", scaled(PROMOTION) if seconds is None else seconds,
                                        from_arn=from_arn, to_arn=to_arn, data_loss=data_loss)
            xml = _rewrite_globals(xml, _promotion_view)
    elif action == "DescribeGlobalClusters":
        xml = _rewrite_globals(xml, _promotion_view)
        if not p.get("GlobalClusterIdentifier"):
            xml = listing.global_clusters_page(xml, p)
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
            _cluster_endpoints[key] = (element(block, "Endpoint"), element(block, "ReaderEndpoint"))
        for name, value in zip(("Endpoint", "ReaderEndpoint"), _cluster_endpoints[key]):
            if value:
                block = re.sub(rf"<{name}>[^<]*</{name}>", f"<{name}>{value}</{name}>", block, count=1)
        return block

    if "<DBCluster>" not in xml:
        return xml
    return _rewrite_blocks(xml, "DBCluster", "DBClusterIdentifier", cluster)


def _with_writer_endpoint(gid, block):
    """The global writer endpoint (GlobalCluster.Endpoint, launched October 2024), missing in
    MiniStack, in AWS's shape `ID.global-XXXXXXXXXXXX.global.rds.amazonaws.com`. It names the
    global cluster, not a region: switchovers and failovers leave it as it is."""
    if "<Endpoint>" in block.split("<GlobalClusterMembers>")[0] or gid in omit_endpoint:
        return block
    tail = hashlib.sha256(gid.encode()).hexdigest()[:12]
    endpoint = f"{gid}.global-{tail}.global.rds.amazonaws.com"
    return re.sub(r"(</GlobalClusterArn>)", rf"\1<Endpoint>{endpoint}</Endpoint>", block, count=1)
