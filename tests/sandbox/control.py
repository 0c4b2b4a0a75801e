"""The control API (loopback only, like the sandbox itself), with JSON bodies. Tests steer the
layer through it (tests/acceptance/support/sandbox.rs, scripts/bench.py, scripts/demo.py):

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
- POST /_trdr/rds/promotion-duration  {"global_cluster_id": G, "seconds": 30}: the next switchover
                                      or failover of G takes that long (real seconds, not scaled);
                                      one under way ends that long after it started (0: now)
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
- POST /_trdr/seed                    {"health_checks": N, "state_machines": N, "regions": [...]}:
                                      objects that are not trdr's, as a busy account holds them
- POST /_trdr/rate-limits             {"on": true, "reset_stats": true}: AWS's API rate limits
- GET  /_trdr/rate-stats              → {"calls": ..., "throttled": ..., "peak": ...} per bucket
- GET  /_trdr/config                  → the scale and the scaled durations
- GET  /_trdr/stats                   → {"refusals": {rule: count, every registered rule},
                                      "promotions": {global id: count}, "probes": {fqdn: count}}
- GET  /_trdr/rules                   → the registry: name, service, AWS error code, documentation
"""

import json
import time
from urllib.parse import parse_qs

from . import dynamodb, iam, listing, outage, rds, route53, rules, throttling
from .clock import REAL_SECONDS, SCALE, lock, scaled
from .wire import json_body


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


def _set_membership(collection, item, present):
    (collection.add if present else collection.discard)(item)


def control(method, path, query, body):
    """(status, JSON payload) of one control call."""
    data = json_body(body)
    with lock:
        if method == "POST" and path == "/_trdr/route53/health":
            route53.health[data["health_check_id"]] = bool(data.get("healthy", True))
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/route53/control-plane":
            _set_membership(route53.zones_down, data["zone_id"], not data.get("available", True))
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/rds/answer-delay":
            rds.answer_delays[data["global_cluster_id"]] = float(data["seconds"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/rds/create-duration":
            under_way = rds.set_create_duration(data["db_cluster_id"], float(data["seconds"]))
            return 200, {"ok": True, "under_way": under_way}
        if method == "POST" and path == "/_trdr/rds/promotion-duration":
            under_way = rds.set_promotion_duration(data["global_cluster_id"], float(data["seconds"]))
            return 200, {"ok": True, "under_way": under_way}
        if method == "POST" and path == "/_trdr/iam/propagation":
            iam.set_propagation(data["role_arn"], data["seconds"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/unreadable":
            _set_membership(outage.unreadable, (data["service"], data["region"]), data.get("on", True))
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/omit-optional":
            if data.get("global_cluster_id"):
                rds.omit_endpoint.add(data["global_cluster_id"])
            if data.get("engine_version"):
                rds.omit_serverless.add(data["engine_version"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/list-page":
            listing.page_size[0] = int(data["size"]) if data.get("size") else None
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/dynamodb/replication-lag":
            dynamodb.mrec_lag[0] = float(data["seconds"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/region/outage":
            _set_membership(outage.regions_down, data["region"], data.get("down", True))
            return 200, {"ok": True, "down": sorted(outage.regions_down)}
        if method == "POST" and path == "/_trdr/endpoint":
            fqdn = data["fqdn"]
            if "flap" in data:
                if data["flap"]:
                    outage.flaps[fqdn] = [[bool(x) for x in data["flap"]], 0]
                else:
                    outage.flaps.pop(fqdn, None)
            if "healthy" in data:
                if data["healthy"] is None:
                    outage.endpoint_health.pop(fqdn, None)
                else:
                    outage.endpoint_health[fqdn] = bool(data["healthy"])
            return 200, {"ok": True}
        if method == "POST" and path == "/_trdr/seed":
            return 200, _seed(int(data.get("health_checks", 0)), int(data.get("state_machines", 0)),
                              data.get("regions", []), data.get("prefix", "foreign"))
        if method == "POST" and path == "/_trdr/rate-limits":
            on = throttling.switch(data.get("on", True), bool(data.get("reset_stats")))
            return 200, {"ok": True, "on": on}
        if method == "GET" and path == "/_trdr/rds/master-password":
            digest, changes = rds.master_passwords.get((query.get("region"), query.get("db_cluster_id")), (None, 0))
            return 200, {"sha256": digest, "changes": changes}
        if method == "GET" and path == "/_trdr/rate-stats":
            return 200, {k: dict(v) for k, v in throttling.stats.items()}
        if method == "GET" and path == "/_trdr/stats":
            return 200, {"refusals": rules.counts(), "promotions": dict(rds.promotion_counts),
                         "probes": dict(outage.probe_counts)}
        if method == "GET" and path == "/_trdr/rules":
            return 200, {"rules": rules.table()}
        if method == "GET" and path == "/_trdr/config":
            return 200, {"time_scale": SCALE, "iam_propagation_seconds": iam.IAM_PROPAGATION,
                         "scaled_seconds": {k: scaled(k) for k in REAL_SECONDS}}
    return 404, {"error": f"no control endpoint {method} {path}"}


def install(app_mod):
    """Serves /_trdr/* in front of MiniStack's ASGI app."""
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
                answer = await route53.resolve(query.get("zone_id", ""), query.get("name", ""))
                status, payload = (200, answer) if answer else (404, {"error": "no answer"})
            else:
                try:
                    status, payload = control(scope["method"], scope["path"], query, body)
                except (KeyError, TypeError, ValueError) as e:
                    status, payload = 400, {"error": f"bad control request: {e!r}"}
            raw = json.dumps(payload).encode()
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(raw)).encode())]})
            await send({"type": "http.response.body", "body": raw})
            return
        await inner(scope, receive, send)

    app_mod.app = outer
