"""DynamoDB: continuous backups right after a table became ACTIVE, eventually consistent tags,
and global tables' two consistency modes, which MiniStack does not tell apart.

Consistency modes (DynamoDB developer guide, "How DynamoDB global tables work" and
"Multi-Region strong consistency"; API reference, UpdateTable):
- MREC (the default): a write is replicated to the other replicas asynchronously, "typically
  within a second"; a strongly consistent read elsewhere may miss it; a write not yet replicated
  when its region becomes isolated stays there until the region recovers, and concurrent writes
  are reconciled last-writer-wins.
- MRSC: a write is acknowledged once durable in a second region of the table's three (two
  replicas and a witness, or three replicas), so any replica's strongly consistent read returns
  it, and a replica that can still reach one other member keeps accepting writes. `UpdateTable`
  makes one only from an empty table without TTL or local secondary indexes, with three regions
  of one region set; a witness is added only with the global table and deleted only with a
  replica; `DescribeTable` answers `MultiRegionConsistency` and `GlobalTableWitnesses`.
"""

import asyncio
import copy
import json
import os
import threading
import time

from . import listing, outage
from .clock import Timeline, duration, lock, scaled
from .rules import refused, rule
from .wire import json_body, json_error, operation, region_of

API = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/"
GUIDE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"

# Backups are being enabled for a new table or replica for a while after it became ACTIVE.
PITR_UNAVAILABLE = duration("pitr_unavailable", 120.0)
# An MRSC table's witness is CREATING for a few minutes after UpdateTable.
WITNESS_CREATE = duration("witness_create", 180.0)
# Tags are eventually consistent for "a few seconds" (API reference, TagResource). Not a
# processing time, so not scaled, like IAM propagation.
TAG_LAG = float(os.environ.get("TRDR_SANDBOX_DYNAMODB_TAG_LAG", "2"))
# MREC's replication delay: a real network delay, not a processing time: not scaled.
MREC_LAG = float(os.environ.get("TRDR_SANDBOX_DYNAMODB_REPLICATION_LAG", "1"))
# Developer guide, "Multi-Region strong consistency": the region sets an MRSC table lives in.
MRSC_REGION_SETS = (
    ("us-east-1", "us-east-2", "us-west-2"),
    ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
    ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),
)

BACKUPS_UNAVAILABLE_RULE = rule(
    "continuous_backups_unavailable", "dynamodb", "ContinuousBackupsUnavailableException",
    "Amazon DynamoDB API Reference, UpdateContinuousBackups (ContinuousBackupsUnavailableException: "
    "backups have not yet been enabled)",
    API + "API_UpdateContinuousBackups.html")
TAGS_STALE_RULE = rule(
    "dynamodb_tags_stale", "dynamodb", None,
    "Amazon DynamoDB API Reference, TagResource (tagging is eventually consistent: ListTagsOfResource "
    "may answer the previous tag set for a few seconds)",
    API + "API_TagResource.html")
MRSC_UPDATE_RULE = rule(
    "mrsc_update", "dynamodb", "ValidationException",
    "Amazon DynamoDB Developer Guide, Multi-Region strong consistency (requirements); API "
    "Reference, UpdateTable (MultiRegionConsistency, GlobalTableWitnessUpdates)",
    GUIDE + "multi-region-strong-consistency-gt.html")
MRSC_UNSUPPORTED_RULE = rule(
    "mrsc_unsupported", "dynamodb", "ValidationException",
    "Amazon DynamoDB Developer Guide, Multi-Region strong consistency (TTL and transactions are "
    "not supported)",
    GUIDE + "multi-region-strong-consistency-gt.html")
MRSC_NO_QUORUM_RULE = rule(
    "mrsc_no_quorum", "dynamodb", "InternalServerError",
    "Amazon DynamoDB Developer Guide, Multi-Region strong consistency (a write needs a second "
    "member; the error code is the sandbox's choice, AWS does not document it)",
    GUIDE + "multi-region-strong-consistency-gt.html")
LAST_WRITER_WINS_RULE = rule(
    "last_writer_wins", "dynamodb", None,
    "Amazon DynamoDB Developer Guide, How DynamoDB global tables work (MREC: concurrent writes "
    "are reconciled last writer wins; the losing write is counted)",
    GUIDE + "V2globaltables_HowItWorks.html")

# (region, table) → monotonic time it became ACTIVE
_tables_active = {}
# table ARN → (monotonic time of its last tag change, the tag list before it)
_tag_changes = {}
# MREC's replication delay now (POST /_trdr/dynamodb/replication-lag)
mrec_lag = [MREC_LAG]
# table name → {"replicas": set of regions, "witness": region or None, "witness_timeline": Timeline}
_mrsc = {}
# Replications not yet applied: dicts with source, target, table, key, item (None: a delete), at
# (the write's time: last writer wins), due (when it may apply: MREC lag, or the target's recovery)
_pending_writes = []
# (region, table, key) → time of the write the replica holds
_item_times = {}


def ddb_error(code, message):
    return json_error(f"com.amazonaws.dynamodb.v20120810#{code}", message)


async def dynamodb(orig, method, path, headers, body, query):
    region = region_of(headers)
    action = operation(headers)
    data = json_body(body)
    if action == "UpdateContinuousBackups":
        with lock:
            since = _tables_active.get((region, data.get("TableName")))
        if since is not None and time.monotonic() - since < scaled(PITR_UNAVAILABLE):
            return refused(BACKUPS_UNAVAILABLE_RULE, json_error(
                "com.amazonaws.dynamodb.v20120810#ContinuousBackupsUnavailableException",
                f"Backups are being enabled for the table: {data.get('TableName')}. Please retry later",
            ))
    if action == "ListTables":
        refusal, body = listing.list_tables(data, body)
        if refusal:
            return refusal
    if _loop[0] is None:
        _loop[0] = asyncio.get_running_loop()
    answered = _global_before(region, action, data)
    if answered is not None:
        return answered
    if action == "ListTagsOfResource":
        with lock:
            change = _tag_changes.get(data.get("ResourceArn"))
        if change is not None and time.monotonic() - change[0] < TAG_LAG:
            refused(TAGS_STALE_RULE, None)
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(
                {"Tags": change[1]}).encode()
    before = None
    if action in ("TagResource", "UntagResource"):
        before = await _table_tags(orig, method, path, headers, query, data.get("ResourceArn"))
    status, rh, rb = await orig(method, path, headers, body, query)
    if status < 300:
        rb = _global_after(region, action, data, rb)
        with lock:
            if action in ("TagResource", "UntagResource") and before is not None:
                _tag_changes[data.get("ResourceArn")] = (time.monotonic(), before)
            if action == "CreateTable" and data.get("Tags"):
                arn = (json_body(rb).get("TableDescription") or {}).get("TableArn")
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


def _region_set(region):
    return next((s for s in MRSC_REGION_SETS if region in s), None)


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
    return len([r for r in members if r not in outage.regions_down]), len(members)


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
        with lock:
            problem = _mrsc_update_problem(region, data, _table_record(region, name))
        if problem:
            return refused(MRSC_UPDATE_RULE, ddb_error("ValidationException", problem))
    if name in _mrsc and region in _mrsc[name]["replicas"]:
        if action == "UpdateTimeToLive":
            return refused(MRSC_UNSUPPORTED_RULE, ddb_error(
                "ValidationException", "Time to Live (TTL) is not supported on multi-Region strongly consistent global tables"))
        if action in ("PutItem", "UpdateItem", "DeleteItem"):
            with lock:
                up, members = _mrsc_quorum(name)
            if up < 2:
                return refused(MRSC_NO_QUORUM_RULE, json_error(
                    "com.amazonaws.dynamodb.v20120810#InternalServerError",
                    f"Table {name} in {region} cannot reach another member of its multi-Region strongly "
                    f"consistent global table ({up} of {members} reachable)", 500))
    if action in ("TransactWriteItems", "TransactGetItems"):
        items = data.get("TransactItems") or []
        names = {v.get("TableName") for t in items for v in t.values() if isinstance(v, dict)}
        if names & set(_mrsc):
            return refused(MRSC_UNSUPPORTED_RULE, ddb_error(
                "ValidationException", "Transactions are not supported on multi-Region strongly consistent global tables"))
    return None


def _global_after(region, action, data, rb):
    """What a successful call changes in the consistency model, and DescribeTable's answer."""
    name = data.get("TableName")
    with lock:
        if action == "UpdateTable" and data.get("MultiRegionConsistency") == "STRONG":
            creates = [u["Create"]["RegionName"] for u in data.get("ReplicaUpdates") or [] if u.get("Create")]
            w = [u["Create"]["RegionName"] for u in data.get("GlobalTableWitnessUpdates") or [] if u.get("Create")]
            _mrsc[name] = {"replicas": {region, *creates}, "witness": w[0] if w else None,
                           "witness_timeline": Timeline("CREATING", scaled(WITNESS_CREATE))}
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
            out = json_body(rb)
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
    from ministack.core.responses import request_scope
    from ministack.services import dynamodb as ddb

    with request_scope(w["account"], w["target"]):
        replica = ddb._tables.get(w["table"])
        if replica is None:
            return
        pk, sk = w["key"]
        if _item_times.get((w["target"], w["table"], w["key"]), -1.0) > w["at"]:
            refused(LAST_WRITER_WINS_RULE, None)
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
    with lock:
        now = time.monotonic()
        ready = [w for w in _pending_writes if w["due"] <= now
                 and w["source"] not in outage.regions_down and w["target"] not in outage.regions_down]
        for w in ready:
            _pending_writes.remove(w)
        for w in sorted(ready, key=lambda w: w["at"]):
            _apply_replication(w)


def install():
    """MiniStack applies a global table's write to every replica inside the call. Here MRSC does
    (to the replicas that are reachable: the others catch up when they are), MREC after its lag."""
    from ministack.core.responses import get_account_id, get_region
    from ministack.services import dynamodb as ddb

    def replicate(table, event_name, old_item, new_item):
        regions = ddb._replica_group(table)
        if not regions:
            return
        home, name = get_region(), table["TableName"]
        item = new_item if new_item is not None else old_item
        key = _key_of(table, item)
        with lock:
            now = time.monotonic()
            _item_times[(home, name, key)] = now
            strong = name in _mrsc
            for region in regions:
                if region == home:
                    continue
                w = {"account": get_account_id(), "source": home, "target": region, "table": name, "key": key,
                     "item": copy.deepcopy(new_item), "at": now, "due": now if strong else now + mrec_lag[0]}
                if strong and region not in outage.regions_down:
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
    return json_body(rb).get("Tags", []) if status < 300 else None
