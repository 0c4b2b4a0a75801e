"""make bench: measures the provider and writes bench/RESULTS.md.

Runs against a sandbox that scripts/bench.sh started (TRDR_ENDPOINT_URL), with the release build,
through trdr-proxy (30 ms per call) where the figure calls for a slow AWS. Every figure is taken
several times; the report gives the median and the spread (min–max).
"""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENDPOINT = os.environ["TRDR_ENDPOINT_URL"]
assert ENDPOINT.startswith("http://127.0.0.1:"), "benchmarks only use the local sandbox"
RELEASE = os.path.join(ROOT, "target", "release")
PROVIDER = os.path.join(RELEASE, "terraform-provider-trdr")
PROXY = os.path.join(RELEASE, "trdr-proxy")
LATENCY_MS = 30
REPS = int(os.environ.get("BENCH_REPS", "3"))
SCALES = [int(x) for x in os.environ.get("BENCH_SCALES", "1,10,30").split(",")]
SESSION = botocore.session.get_session()
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
# AWS's page limits, from each API reference, for the text that explains listing.
PAGE_LIMITS = ("`ListHealthChecks` pages of up to 1,000 (Route 53 API reference, `MaxItems`: \"returns a maximum of 1000 items\"), "
               "`ListStateMachines` up to 1,000 (Step Functions API reference, `maxResults`: default 100, at most 1000), "
               "`ListTables` up to 100 (DynamoDB API reference, `Limit`: 1–100) and `DescribeGlobalClusters` up to 100 "
               "(RDS API reference, `MaxRecords`: 20–100, default 100)")


def heading(title):
    """A section's heading: every section states the date it was measured (a BENCH_ONLY run
    rewrites one section and its date, and leaves the others as they were)."""
    return f"## {title} (measured {time.strftime('%Y-%m-%d')})\n"


def client(service, region="us-east-1"):
    return SESSION.create_client(service, region_name=region, endpoint_url=ENDPOINT,
                                 aws_access_key_id="test", aws_secret_access_key="test")


def log(msg):
    print(f"[bench] {msg}", flush=True)


def med(xs):
    return statistics.median(xs)


def spread(xs):
    return f"{min(xs):.2f}–{max(xs):.2f}" if len(xs) > 1 else "-"


class Proxy:
    """trdr-proxy as a child process: its URL on the first line, its stats when stdin closes."""

    def __init__(self, latency_ms=0, throttle=0.0, server_error=0.0, drop=0.0):
        self.p = subprocess.Popen([PROXY, "--upstream", ENDPOINT, "--latency-ms", str(latency_ms), "--throttle", str(throttle),
                                   "--server-error", str(server_error), "--drop", str(drop)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.p.stdout.readline().strip()

    def finish(self):
        self.p.stdin.close()
        stats = json.loads(self.p.stdout.readline())
        self.p.wait()
        return stats


class Workspace:
    def __init__(self, tag):
        self.dir = tempfile.mkdtemp(prefix=f"trdr-bench-{tag}-")
        with open(os.path.join(self.dir, "cli.tfrc"), "w") as f:
            f.write('provider_installation {\n  dev_overrides {\n    "trdr-dev/trdr" = "%s"\n  }\n  direct {}\n}\n' % RELEASE)

    def write(self, body):
        head = 'terraform {\n  required_providers {\n    trdr = { source = "trdr-dev/trdr" }\n  }\n}\nprovider "trdr" {}\n'
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(head + body)

    def tf(self, *args, endpoint=None, check=True, env_extra=None):
        env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(self.dir, "cli.tfrc"), TF_IN_AUTOMATION="1",
                   CHECKPOINT_DISABLE="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   TRDR_ENDPOINT_URL=endpoint or ENDPOINT, **(env_extra or {}))
        t = time.time()
        out = subprocess.run(["terraform", *args, "-no-color"] if args[0] not in ("state",) else ["terraform", *args],
                             cwd=self.dir, env=env, capture_output=True, text=True)
        elapsed = time.time() - t
        if check and out.returncode not in (0, 2):
            sys.exit(f"terraform {args} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return elapsed, out

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def env_hcl(i, zone, topic):
    s = f"b{i}"
    return f'''
resource "trdr_regional_stack" "p{i}" {{
  name               = "bench"
  environment_suffix = "{s}"
  region             = "us-east-1"
}}
resource "trdr_regional_stack" "s{i}" {{
  name                 = "bench"
  environment_suffix   = "{s}"
  region               = "us-east-2"
  replica_of           = trdr_regional_stack.p{i}.id
  replication_role_arn = "arn:aws:iam::000000000000:role/r"
}}
resource "trdr_global_database" "d{i}" {{
  name               = "bench"
  environment_suffix = "{s}"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  primary {{}}
  secondary {{}}
}}
resource "trdr_failover_orchestrator" "o{i}" {{
  name                   = "bench"
  environment_suffix     = "{s}"
  global_database_id     = trdr_global_database.d{i}.id
  execution_role_arn     = "arn:aws:iam::000000000000:role/f"
  notification_topic_arn = "arn:aws:sns:us-east-1:000000000000:{topic}"
  regional_stack_ids     = [trdr_regional_stack.p{i}.id, trdr_regional_stack.s{i}.id]
  dns {{
    zone_id     = "{zone}"
    record_name = "api.{s}.bench.example.com"
  }}
  primary_endpoint {{
    fqdn = "p{i}.example.com"
  }}
  secondary_endpoint {{
    fqdn = "s{i}.example.com"
  }}
}}
'''


def fixtures():
    r53 = client("route53")
    zone = r53.create_hosted_zone(Name="bench.example.com", CallerReference=f"bench-{time.time()}")["HostedZone"]["Id"].split("/")[-1]
    for region in ("us-east-1", "us-east-2"):
        client("sns", region).create_topic(Name="bench-alerts")
    # The runbooks' role must exist and be assumable, as on AWS (the realistic sandbox checks).
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    try:
        client("iam").create_role(RoleName="f", AssumeRolePolicyDocument=trust)
    except Exception:  # noqa: BLE001 - already there from an earlier run
        pass
    return zone, "bench-alerts"


def terraform_like_certificate():
    """A self-signed ECDSA P-521 / SHA-512 certificate, as go-plugin makes Terraform's (openssl)."""
    d = tempfile.mkdtemp()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha512",
                    "-nodes", "-keyout", os.path.join(d, "k.pem"), "-out", os.path.join(d, "c.pem"), "-days", "1",
                    "-subj", "/O=HashiCorp/CN=localhost"], check=True, capture_output=True)
    with open(os.path.join(d, "c.pem")) as f:
        return f.read()


def startup(client_cert=None):
    """Plugin start to handshake (schemas are built before it prints); with `client_cert`, as
    Terraform starts it (mTLS: the plugin makes its own certificate and requires Terraform's)."""
    times = []
    extra = {"PLUGIN_CLIENT_CERT": client_cert} if client_cert else {}
    for _ in range(20):
        t = time.time()
        p = subprocess.Popen([PROVIDER], env=dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="6", **extra),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = p.stdout.readline()
        times.append((time.time() - t) * 1000)
        assert line.startswith("1|6|tcp|"), line
        p.kill()
        p.wait()
    return times


def peak_memory_kib(ws, zone, topic):
    """Peak RSS of the plugin process while terraform applies one environment."""
    ws.write(env_hcl(0, zone, topic))
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(ws.dir, "cli.tfrc"), AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", TF_IN_AUTOMATION="1")
    p = subprocess.Popen(["terraform", "apply", "-auto-approve", "-no-color"], cwd=ws.dir, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                # Only this apply's plugin: terraform's own child, the release build (other
                # processes on the machine, a test run's debug plugins among them, do not count).
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if not f.read().startswith(PROVIDER.encode()):
                        continue
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
                m = re.search(r"VmHWM:\s+(\d+)", status)
                if m and f"\nPPid:\t{p.pid}\n" in status:
                    peak = max(peak, int(m.group(1)))
            except OSError:
                pass
        time.sleep(0.01)
    ws.tf("destroy", "-auto-approve")
    return peak


def scale(zone, topic):
    rows = []
    for n in SCALES:
        reps = REPS if n < 30 else max(2, REPS - 1)
        apply_t, plan_t, destroy_t, calls_apply, chain_apply = [], [], [], [], []
        for r in range(reps):
            ws = Workspace(f"n{n}")
            ws.write("".join(env_hcl(i, zone, topic) for i in range(n)))
            proxy = Proxy(latency_ms=LATENCY_MS)
            t, _ = ws.tf("apply", "-auto-approve", "-parallelism=10", endpoint=proxy.url)
            apply_stats = proxy.finish()
            proxy = Proxy(latency_ms=LATENCY_MS)
            tp, out = ws.tf("plan", "-detailed-exitcode", endpoint=proxy.url)
            assert out.returncode == 0, f"plan after apply not empty:\n{out.stdout[-2000:]}"
            proxy.finish()
            proxy = Proxy(latency_ms=LATENCY_MS)
            td, _ = ws.tf("destroy", "-auto-approve", endpoint=proxy.url)
            proxy.finish()
            ws.cleanup()
            apply_t.append(t)
            plan_t.append(tp)
            destroy_t.append(td)
            calls_apply.append(sum(apply_stats["calls"].values()))
            chain_apply.append(chain(apply_stats))
            log(f"{n} env(s), run {r + 1}/{reps}: apply {t:.1f} s, plan {tp:.1f} s, destroy {td:.1f} s, {calls_apply[-1]} calls")
        rows.append((n, apply_t, plan_t, destroy_t, calls_apply, chain_apply))
    return rows


def chain(stats):
    """Longest chain of strictly sequential calls in the proxy's timeline."""
    calls = sorted((tuple(c) for c in stats["timeline"]), key=lambda c: c[1])
    best = []
    ends = []
    import bisect
    # O(n log n): best chain ending at or before each end time.
    prefix_max = []
    for start, end in calls:
        k = bisect.bisect_right(ends, start)
        prev = prefix_max[k - 1] if k else 0
        best.append(prev + 1)
        ends.append(end)
        prefix_max.append(max(prefix_max[-1], prev + 1) if prefix_max else prev + 1)
    return max(best) if best else 0


def refresh_calls(zone, topic):
    """AWS calls a no-change refresh makes, per resource type (via -target on one environment)."""
    ws = Workspace("refresh")
    ws.write(env_hcl(0, zone, topic))
    ws.tf("apply", "-auto-approve")
    counts = {}
    for label, target in [("stacks (primary + secondary)", "trdr_regional_stack.s0"), ("primary stack", "trdr_regional_stack.p0"),
                          ("global database", "trdr_global_database.d0"), ("everything", "trdr_failover_orchestrator.o0")]:
        proxy = Proxy()
        ws.tf("plan", "-refresh-only", f"-target={target}", endpoint=proxy.url)
        stats = proxy.finish()
        counts[label] = (sum(stats["calls"].values()), stats["calls"])
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    stacks, primary, db, everything = (counts[k][0] for k in ("stacks (primary + secondary)", "primary stack", "global database", "everything"))
    return {
        "trdr_regional_stack (primary)": primary,
        "trdr_regional_stack (secondary)": stacks - primary,
        "trdr_global_database": db,
        "trdr_failover_orchestrator": everything - stacks - db,
    }, counts["everything"][1]


def apply_calls(zone, topic):
    """AWS calls each resource type's create makes, by operation: one environment applied one
    resource at a time (`-target`, `-refresh=false`, so nothing else is read)."""
    ws = Workspace("applycalls")
    ws.write(env_hcl(0, zone, topic))
    counts = {}
    for label, target in [("trdr_regional_stack (primary)", "trdr_regional_stack.p0"),
                          ("trdr_regional_stack (secondary)", "trdr_regional_stack.s0"),
                          ("trdr_global_database", "trdr_global_database.d0"),
                          ("trdr_failover_orchestrator", "trdr_failover_orchestrator.o0")]:
        proxy = Proxy()
        ws.tf("apply", "-auto-approve", "-refresh=false", f"-target={target}", endpoint=proxy.url)
        stats = proxy.finish()
        counts[label] = stats["calls"]
        log(f"apply calls of {label}: {sum(stats['calls'].values())} {json.dumps(stats['calls'], sort_keys=True)}")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return counts


def control(path, payload=None):
    """The realistic sandbox's control endpoints (POST with a payload, GET without)."""
    import urllib.request
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(ENDPOINT + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def foreign_objects(zone, topic):
    """Issue 21: a no-change plan of one environment in an empty account and again once the account
    holds 1,000 health checks and 1,000 state machines per region that are not trdr's."""
    ws = Workspace("foreign")
    ws.write(env_hcl(0, zone, topic).replace('"b0"', '"fo"'))
    ws.tf("apply", "-auto-approve")
    rows = []
    for label, seed in [("empty account", 0), ("1,000 foreign health checks and state machines per region", 1000)]:
        if seed:
            made = control("/_trdr/seed", {"health_checks": seed, "state_machines": seed, "regions": ["us-east-1", "us-east-2"]})
            log(f"seeded {made}")
        calls, times, by_service = [], [], {}
        for _ in range(REPS):
            proxy = Proxy(latency_ms=LATENCY_MS)
            t, out = ws.tf("plan", "-detailed-exitcode", endpoint=proxy.url)
            assert out.returncode == 0, f"plan not empty:\n{out.stdout[-2000:]}"
            stats = proxy.finish()
            calls.append(sum(stats["calls"].values()))
            times.append(t)
            by_service = {}
            for k, v in stats["calls"].items():
                svc = k.split(":")[0]
                by_service[svc] = by_service.get(svc, 0) + v
        rows.append((label, calls, times, by_service))
        log(f"no-change plan, {label}: {med(calls)} calls, {med(times):.2f} s, {by_service}")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return rows


QUERY_LISTS = {
    "by suffix (the account is listed)": """
list "trdr_regional_stack" "stacks" {
  provider = trdr
  config {
    environment_suffix = "qy"
  }
}
list "trdr_global_database" "databases" {
  provider = trdr
  config {
    environment_suffix = "qy"
  }
}
list "trdr_failover_orchestrator" "orchestrators" {
  provider = trdr
  config {
    environment_suffix = "qy"
  }
}
""",
}
QUERY_LISTS["by name and suffix (nothing is listed)"] = QUERY_LISTS["by suffix (the account is listed)"].replace(
    'environment_suffix = "qy"', 'name               = "bench"\n    environment_suffix = "qy"')


def query_cost(zone, topic):
    """Issue 22: what `terraform query` (Terraform 1.15.5, scripts/terraform-next) costs to find one
    environment's four resources, with and without -generate-config-out, in an empty account and in
    one holding 1,000 foreign state machines per region, 250 foreign tables in us-east-1 and 150
    foreign global clusters."""
    next_core = os.path.join(ROOT, "scripts", "terraform-next")
    subprocess.run([next_core, "bootstrap"], check=True)
    ws = Workspace("query")
    ws.write(env_hcl(0, zone, topic).replace('"b0"', '"qy"'))
    ws.tf("apply", "-auto-approve")
    head = 'terraform {\n  required_providers {\n    trdr = { source = "trdr-dev/trdr" }\n  }\n}\nprovider "trdr" {}\n'
    rows = []
    for account, seed in [("empty account", False), ("busy account", True)]:
        if seed:
            control("/_trdr/seed", {"state_machines": 1000, "regions": ["us-east-1", "us-east-2"]})
            ddb, rds = client("dynamodb"), client("rds")
            for i in range(250):
                ddb.create_table(TableName=f"foreign-{i:03d}", BillingMode="PAY_PER_REQUEST",
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
            for i in range(150):
                rds.create_global_cluster(GlobalClusterIdentifier=f"foreign-{i:03d}", Engine="aurora-postgresql",
                                          EngineVersion="15.10")
        for label, lists in QUERY_LISTS.items():
            for generate in (False, True):
                qdir = tempfile.mkdtemp(prefix="q-", dir=ws.dir)
                with open(os.path.join(qdir, "main.tf"), "w") as f:
                    f.write(head)
                with open(os.path.join(qdir, "search.tfquery.hcl"), "w") as f:
                    f.write(lists)
                calls, times, by_op = [], [], {}
                for rep in range(REPS):
                    out_file = "generated.tf"
                    args = ["query", "-no-color"] + ([f"-generate-config-out={out_file}"] if generate else [])
                    proxy = Proxy(latency_ms=LATENCY_MS)
                    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(ws.dir, "cli.tfrc"), TF_IN_AUTOMATION="1",
                               CHECKPOINT_DISABLE="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                               TRDR_ENDPOINT_URL=proxy.url)
                    t = time.time()
                    out = subprocess.run([next_core, f"-chdir={qdir}", *args], env=env, capture_output=True, text=True)
                    times.append(time.time() - t)
                    stats = proxy.finish()
                    assert out.returncode == 0, f"query failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
                    assert out.stdout.count("list.trdr_") == 4, f"query did not find the four:\n{out.stdout[-2000:]}"
                    calls.append(sum(stats["calls"].values()))
                    by_op = stats["calls"]
                    if generate:
                        # The generated file is configuration: the next run must not see it.
                        with open(os.path.join(qdir, out_file)) as f:
                            assert f.read().count("import {") == 4
                        os.remove(os.path.join(qdir, out_file))
                rows.append((account, label, generate, calls, times, by_op))
                log(f"query {account}, {label}, generate={generate}: {med(calls)} calls, {med(times):.2f} s")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return rows


def query_section(rows):
    lines = [heading("terraform query: finding an environment"),
             "One environment's four resources found by `terraform query` under Terraform 1.15.5 (30 ms per call): three `list` "
             "blocks, by `environment_suffix` alone (each list pages through the account: `ListTables` per region, "
             "`DescribeGlobalClusters`, `ListStateMachines`) or by `name` and `environment_suffix` (nothing is listed). Every "
             "candidate is read as an import reads it (what is not importable, or a listed table without `ManagedBy = trdr`, is not listed; "
             "the read takes the table's tags first), so `-generate-config-out` costs no "
             "more calls; most of the ~60 calls are those reads (a stack's buckets and table, the database's members, the runbooks). The busy account holds 1,000 foreign "
             "state machines per region, 250 foreign tables in us-east-1 and 150 foreign global clusters.\n",
             "| account | lists | generate config | AWS calls | time | list and describe calls (`DescribeGlobalClusters` counts the reads by identifier too) |", "|---|---|---|---|---|---|"]
    for account, label, generate, calls, times, by_op in rows:
        listing = ", ".join(f"{k} {v}" for k, v in sorted(by_op.items())
                            if k.split(":")[-1] in ("ListTables", "DescribeGlobalClusters", "ListStateMachines", "GET /"))
        lines.append(f"| {account} | {label} | {'yes' if generate else 'no'} | {med(calls)} ({min(calls)}–{max(calls)}) | "
                     f"{med(times):.2f} s ({spread(times)} s) | {listing or 'none'} |")
    empty = {(l, g): med(c) for a, l, g, c, _, _ in rows if a == "empty account"}
    busy = {(l, g): med(c) for a, l, g, c, _, _ in rows if a == "busy account"}
    growth = ", ".join(f"{l}{' + config' if g else ''}: {busy[(l, g)] / max(empty[(l, g)], 1):.2f}×"
                       for (l, g) in empty)
    lines.append(f"\nBusy over empty account, AWS calls: {growth}. Listing grows with the account by pages (trdr asks for "
                 f"AWS's largest: {PAGE_LIMITS}); naming the topology costs the same in any account.\n")
    return lines


def budgeted_scale(zone, topic, n):
    """Issue 21: `n` environments applied, planned and destroyed on a sandbox enforcing AWS's
    documented rate limits; peak and sustained calls per second per service and region, what the
    sandbox throttled, what surfaced, and what was left behind."""
    control("/_trdr/rate-limits", {"on": True, "reset_stats": True})
    ws = Workspace(f"rl{n}")
    ws.write("".join(env_hcl(i, zone, topic).replace(f'"b{i}"', f'"r{i}"') for i in range(n)))
    phases = {}
    surfaced = []
    for phase, args in [("apply", ("apply", "-auto-approve", "-parallelism=10")),
                        ("plan", ("plan", "-detailed-exitcode", "-parallelism=10")),
                        ("destroy", ("destroy", "-auto-approve", "-parallelism=10"))]:
        control("/_trdr/rate-limits", {"on": True, "reset_stats": True})
        t, out = ws.tf(*args, check=False)
        if out.returncode not in (0, 2) or "Throttl" in out.stdout + out.stderr:
            text = out.stdout + out.stderr
            first = text.find("Error:")
            surfaced.append(f"{phase}: exit {out.returncode}: {text[first:first + 1500] if first >= 0 else text[-800:]}")
            log(f"surfaced in {phase}: {surfaced[-1]}")
        st = control("/_trdr/rate-stats")
        phases[phase] = (t, st)
        log(f"{n} envs rate-limited {phase}: {t:.1f} s, throttled {st['throttled']}, peak {st['peak']}")
    control("/_trdr/rate-limits", {"on": False})
    leftovers = []
    for region in ("us-east-1", "us-east-2"):
        names = [m["name"] for p in client("stepfunctions", region).get_paginator("list_state_machines").paginate()
                 for m in p["stateMachines"] if m["name"].startswith("bench-failover") and "-r" in m["name"]]
        leftovers += names
        leftovers += [c["DBClusterIdentifier"] for c in client("rds", region).describe_db_clusters()["DBClusters"]
                      if c["DBClusterIdentifier"].startswith("bench-") and "-r" in c["DBClusterIdentifier"]]
    ws.cleanup()
    return phases, surfaced, leftovers


def paced_waits():
    """The waits' schedule on tokio's paused clock (the unit test prints it): polls and lateness
    per transition against hashicorp/aws's RDS schedule."""
    out = subprocess.run(["cargo", "test", "--lib", "waiter::tests::paced", "--", "--nocapture"],
                         cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in (out.stdout + out.stderr).splitlines():
        m = re.match(r"(.+) ending at ([\d.]+)x typical: (\d+) polls, (.+) late \(hashicorp/aws ~(\d+), every 3 s ~(\d+)\)", line)
        if m:
            rows.append(m.groups())
    return rows


def per_resource(zone, topic):
    """Apply time of each resource type on its own (30 ms per call), from nested configurations."""
    full = env_hcl(0, zone, topic)
    blocks = full.split('\nresource "')
    primary = 'resource "' + blocks[1]
    pair = primary + '\nresource "' + blocks[2]
    db = 'resource "' + blocks[3]
    configs = [("primary stack", primary), ("primary + secondary stacks", pair), ("global database", db), ("everything", full)]
    times = {}
    for label, body in configs:
        samples = []
        for _ in range(REPS):
            ws = Workspace("one")
            ws.write(body)
            proxy = Proxy(latency_ms=LATENCY_MS)
            t, _ = ws.tf("apply", "-auto-approve", endpoint=proxy.url)
            proxy.finish()
            ws.tf("destroy", "-auto-approve")
            ws.cleanup()
            samples.append(t)
        times[label] = samples
    return times


BACKGROUND_STYLE = {
    "Comment": "In the style of the background documents: promote, sleep 30 s, poll every 10 s, then DNS.",
    "StartAt": "Promote",
    "States": {
        "Promote": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster",
                    "Parameters": {"GlobalClusterIdentifier": "GLOBAL", "TargetDbClusterIdentifier": "TARGET", "AllowDataLoss": True},
                    "Next": "WaitForPromotion"},
        "WaitForPromotion": {"Type": "Wait", "Seconds": 30, "Next": "Check"},
        "Check": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
                  "Parameters": {"GlobalClusterIdentifier": "GLOBAL"}, "ResultPath": "$.g", "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.g.GlobalClusters[0].FailoverState", "IsPresent": True, "Next": "WaitMore"}],
                  "Default": "UpdateDns"},
        "WaitMore": {"Type": "Wait", "Seconds": 10, "Next": "Check"},
        "UpdateDns": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:route53:changeResourceRecordSets",
                      "Parameters": {"HostedZoneId": "ZONE", "ChangeBatch": {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
                          "Name": "api.rb.bench.example.com", "Type": "CNAME", "Ttl": 60, "ResourceRecords": [{"Value": "s0.example.com"}]}}]}},
                      "End": True},
    },
}


def sandbox_config():
    import urllib.request
    with urllib.request.urlopen(ENDPOINT + "/_trdr/config", timeout=5) as r:
        return json.loads(r.read())


def run_execution(sfn, arn, payload):
    t = time.time()
    ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    while True:
        d = sfn.describe_execution(executionArn=ex)
        if d["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert d["status"] == "SUCCEEDED", d
    return (d["stopDate"] - d["startDate"]).total_seconds() if d.get("stopDate") else time.time() - t


def runbooks(zone, topic):
    """Our generated runbook against a background-document-style one, in the same sandbox."""
    ws = Workspace("runbook")
    ws.write(env_hcl(0, zone, topic).replace('"b0"', '"rb"'))
    ws.tf("apply", "-auto-approve")
    _, out = ws.tf("show", "-json")
    res = {r["address"]: r["values"] for r in json.loads(out.stdout)["values"]["root_module"]["resources"]}
    arns = res["trdr_failover_orchestrator.o0"]["state_machine_arns"]
    sfn2, sfn1 = client("stepfunctions", "us-east-2"), client("stepfunctions", "us-east-1")
    target = "arn:aws:rds:us-east-2:000000000000:cluster:bench-us-east-2-rb"
    back = "arn:aws:rds:us-east-1:000000000000:cluster:bench-us-east-1-rb"
    definition = json.dumps(BACKGROUND_STYLE).replace("GLOBAL", "bench-global-rb").replace("TARGET", target).replace("ZONE", zone)
    classic = sfn2.create_state_machine(name=f"bench-classic-{int(time.time())}", definition=definition,
                                        roleArn="arn:aws:iam::000000000000:role/f")["stateMachineArn"]
    ours, theirs = [], []
    rds = client("rds")

    def settled():
        # The realistic sandbox promotes for (scaled) minutes: wait until the last one finished.
        while rds.describe_global_clusters(GlobalClusterIdentifier="bench-global-rb")["GlobalClusters"][0].get("FailoverState"):
            time.sleep(0.05)

    for r in range(REPS):
        ours.append(run_execution(sfn2, arns["us-east-2"], {"mode": "failover"}))
        run_execution(sfn1, arns["us-east-1"], {"mode": "switchover"})
        theirs.append(run_execution(sfn2, classic, {}))
        rds.switchover_global_cluster(GlobalClusterIdentifier="bench-global-rb", TargetDbClusterIdentifier=back)
        settled()
        log(f"runbook run {r + 1}/{REPS}: generated {ours[-1]:.2f} s, background style {theirs[-1]:.2f} s")
    sfn2.delete_state_machine(stateMachineArn=classic)
    ws.tf("apply", "-auto-approve")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return ours, theirs


def sandbox_outage(region, down):
    import urllib.request
    req = urllib.request.Request(ENDPOINT + "/_trdr/region/outage", data=json.dumps({"region": region, "down": down}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def outage_plan(zone, topic):
    """A plan of one environment while us-east-1 is down (every API call there answers 5xx), with
    the refresh and with -refresh=false, against the same plan with both regions up: what an SRE
    waits for during the outage. 30 ms per call through the proxy."""
    ws = Workspace("outage")
    ws.write(env_hcl(0, zone, topic).replace('"b0"', '"op"'))
    ws.tf("apply", "-auto-approve")
    rows = []
    for label, down, args in [("both regions up", False, ()),
                              ("us-east-1 down", True, ()),
                              ("us-east-1 down, -refresh=false", True, ("-refresh=false",))]:
        calls, times, kept = [], [], 0
        for _ in range(REPS):
            sandbox_outage("us-east-1", down)
            proxy = Proxy(latency_ms=LATENCY_MS)
            try:
                elapsed, out = ws.tf("plan", "-input=false", *args, endpoint=proxy.url)
            finally:
                stats = proxy.finish()
                sandbox_outage("us-east-1", False)
            assert out.returncode == 0, f"plan ({label}) failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
            times.append(elapsed)
            calls.append(sum(stats["calls"].values()))
            kept = (out.stdout + out.stderr).count("Kept the last known state of")
        rows.append((label, calls, times, kept))
        log(f"plan, {label}: {med(calls)} calls, {med(times):.2f} s, {kept} kept")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return rows


def outage_plan_section(rows):
    base = med(rows[0][2])
    lines = [heading("Plans during an outage"),
             "`terraform plan` of one environment (two stacks, the global database, the orchestrator, readiness) with no "
             "change, 30 ms per call, median of 3: with both regions up, then with us-east-1 down (the sandbox answers every "
             "call there `ServiceUnavailable` 503 or `InternalFailure` 500 at once; on AWS an attempt may also wait out the "
             "5 s connect timeout). Each resource that cannot be read keeps its last known state with a warning; after one "
             "call's worth of failed attempts (`max_retries`, default 8, with backoff) a service in a region is not called "
             "again for 60 s, so the retries are paid once per service and region.\n",
             "| plan | AWS calls | time | × the healthy plan | resources kept |", "|---|---|---|---|---|"]
    for label, calls, times, kept in rows:
        lines.append(f"| {label} | {med(calls)} ({min(calls)}–{max(calls)}) | {med(times):.2f} s ({spread(times)} s) | "
                     f"{med(times) / base:.1f}× | {kept} |")
    lines.append("\nThe time an outage adds is the backoff of one call per service read in us-east-1 (S3, DynamoDB, RDS, Step "
                 "Functions; Terraform refreshes the resources in dependency order, so these add up); every later call to those "
                 "services fails at once. `-refresh=false` reads nothing at all, so its plan also shows nothing of what changed "
                 "in the surviving region.\n")
    return lines


AUTO_WINDOW_SECONDS = 30


def automatic(zone, topic):
    """A us-east-1 outage with automatic failover on, nobody acting: each part of outage-to-writer-moved."""
    ws = Workspace("auto")
    hcl = (env_hcl(0, zone, topic).replace('"b0"', '"af"')
           .replace('fqdn = "p0.example.com"', 'fqdn = "p0.us-east-1.example.com"')
           .replace('fqdn = "s0.example.com"', 'fqdn = "s0.us-east-2.example.com"')
           .replace("  dns {", f"  automatic_failover {{\n    failure_window_seconds = {AUTO_WINDOW_SECONDS}\n  }}\n  dns {{", 1))
    ws.write(hcl)
    ws.tf("apply", "-auto-approve")
    _, out = ws.tf("show", "-json")
    res = {r["address"]: r["values"] for r in json.loads(out.stdout)["values"]["root_module"]["resources"]}
    orch = res["trdr_failover_orchestrator.o0"]
    watcher, arns = orch["watcher_arns"]["us-east-2"], orch["state_machine_arns"]
    sfn2, sfn1, rds2 = client("stepfunctions", "us-east-2"), client("stepfunctions", "us-east-1"), client("rds", "us-east-2")
    gid = "bench-global-af"

    def finished_shifts():
        return [e for e in sfn2.list_executions(stateMachineArn=watcher, maxResults=1000)["executions"] if e["status"] != "RUNNING"]

    def settled():
        while rds2.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0].get("FailoverState"):
            time.sleep(0.05)

    runs = []
    for r in range(REPS):
        seen = {e["executionArn"] for e in finished_shifts()}
        sandbox_outage("us-east-1", True)
        t = time.time()
        shift = None
        try:
            while shift is None and time.time() - t < 120:
                for e in finished_shifts():
                    if e["executionArn"] in seen:
                        continue
                    seen.add(e["executionArn"])
                    o = json.loads(sfn2.describe_execution(executionArn=e["executionArn"]).get("output") or "{}")
                    if str(o.get("outcome", "")).startswith("failed-over"):
                        shift = o
                time.sleep(0.05)
        finally:
            sandbox_outage("us-east-1", False)
        assert shift, "the watcher did not fail over within 120 s"
        run = json.loads(sfn2.describe_execution(executionArn=shift["runbook_execution"]).get("output") or "{}")
        total, detected = shift["first_failed_to_writer_moved_seconds"], shift["detected_to_writer_moved_seconds"]
        runs.append({"detection": total - detected, "decision": detected - run["recovery_seconds"],
                     "runbook": run["recovery_seconds"], "total": total, "wall": time.time() - t,
                     "probes": shift["window_probes"], "dns": run.get("dns")})
        log(f"automatic failover {r + 1}/{REPS}: first failed probe to writer moved {total:.2f} s (decision {detected:.2f} s)")
        run_execution(sfn1, arns["us-east-1"], {"mode": "switchover"})
        settled()
    ws.tf("apply", "-auto-approve")
    ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return runs


def automatic_section(runs):
    cfg = sandbox_config()
    tscale, promo = cfg["time_scale"], cfg["scaled_seconds"]["promotion"]
    m = lambda k: med([r[k] for r in runs])  # noqa: E731
    probes, interval, timeout, task = runs[0]["probes"], 10, 5, 2
    best = (probes - 1) * interval
    # A round's requests (the other region's health path and its retry, its own, the Route 53
    # read) run at once (a Parallel state): the slowest is one probe timeout.
    worst = probes * interval + timeout
    decision, overhead = m("decision"), m("runbook") - promo
    # The runbook's poll wait is scaled in the sandbox; on AWS it notices the promotion up to one
    # poll interval (5 s) late.
    calls = max(0.0, overhead - 5 * tscale)
    promo_aws = promo / tscale
    hc_detection, ttl = 10 * 3, 60
    lo = best + decision + calls + promo_aws
    hi = worst + decision + calls + 5 + promo_aws
    out = [heading("Automatic failover: outage to writer moved"),
           f"One environment with `automatic_failover` (`failure_window_seconds = {AUTO_WINDOW_SECONDS}`: {probes} probes 10 s apart, 5 s "
           "probe timeout); the sandbox takes us-east-1 down (every API call there fails, its endpoints stop answering, Route 53's "
           f"control plane goes with it) and nobody acts. {len(runs)} runs; the watcher in us-east-2 decided and failed over each time. "
           "Measured figures are sandbox seconds; waits are scaled by the time scale, API calls are not, so the AWS column "
           "converts what is scaled and keeps what is not.\n",
           "| part | measured (sandbox) | in AWS seconds | what it is |", "|---|---|---|---|",
           f"| detection | {m('detection'):.2f} s | {best}–{worst} s | first failed probe to the decision: {probes - 1} probe intervals at best; "
           f"at worst the window's {probes} rounds 10 s apart and the last round at its slowest — a round's requests run at once, "
           f"so it takes one probe timeout or the Route 53 read with its retry, whichever is longer ({probes} × 10 + 5 s; before "
           f"rounds ran concurrently, {probes} × (10 + 2 × 5 + {task}) = {probes * (interval + 2 * timeout + task)} s) |",
           f"| decision | {decision:.2f} s | ≈ {decision:.1f} s | the pause tag and the writer read again, the runbook found running or started (API calls, unscaled) |",
           f"| runbook overhead | {overhead:.2f} s | {calls:.1f}–{calls + 5:.1f} s | the runbook's own calls around the promotion, and noticing it done up to one poll interval (5 s) late |",
           f"| promotion (AWS's share) | {promo:.2f} s | {promo_aws:.0f} s | `FailoverGlobalCluster` itself: the sandbox's figure for what AWS documents as minutes |",
           f"| DNS | - | 0 s on the critical path; clients' caches up to {ttl} s | the record change is pending (Route 53's control plane is down with us-east-1); "
           f"the health-checked pair already answers us-east-2 after Route 53's own detection ({hc_detection} s, in parallel with ours) |",
           f"| **first failed probe to writer moved** | **{m('total'):.2f} s** | **{lo:.0f}–{hi:.0f} s** | |\n",
           f"Without the promotion, what trdr adds is {best + decision + calls:.0f}–{worst + decision + calls + 5:.0f} s. The background documents "
           f"promise failover within 60 s; no Aurora global database can meet that: the promotion alone is documented as minutes "
           f"(here {promo_aws:.0f} s). Against ARC Region switch started from a CloudWatch alarm: a Route 53 `HealthCheckStatus` alarm "
           "exists only in us-east-1 — it cannot fire from there while us-east-1 is down — and a standard alarm needs at least one "
           "60-second evaluation period before the plan even starts; trdr's watcher needs neither.\n"]
    return out

    """Full apply and destroy of one environment through 20% throttling, 5% 5xx, 2% drops."""
    rows = []
    for r in range(REPS):
        ws = Workspace("rel")
        ws.write(env_hcl(0, zone, topic).replace('"b0"', f'"rel{r}"'))
        proxy = Proxy(latency_ms=LATENCY_MS, throttle=0.2, server_error=0.05, drop=0.02)
        _, a = ws.tf("apply", "-auto-approve", endpoint=proxy.url, check=False, env_extra={"TF_LOG": "debug"})
        # Duplicates: anything beyond what one environment owns (4 buckets, 2 clusters, 2 instances,
        # 2 runbooks, 2 health checks, 1 global cluster).
        tag = f"rel{r}"
        found = {
            "buckets": sum(tag in b["Name"] for b in client("s3").list_buckets()["Buckets"]),
            "clusters": sum(tag in c["DBClusterIdentifier"] for reg in ("us-east-1", "us-east-2") for c in client("rds", reg).describe_db_clusters()["DBClusters"]),
            "instances": sum(tag in i["DBInstanceIdentifier"] for reg in ("us-east-1", "us-east-2") for i in client("rds", reg).describe_db_instances()["DBInstances"]),
            "runbooks": sum(tag in m["name"] for reg in ("us-east-1", "us-east-2")
                            for p in client("stepfunctions", reg).get_paginator("list_state_machines").paginate()
                            for m in p["stateMachines"]),
            "health checks": sum(f":{tag}:" in h["CallerReference"]
                                 for p in client("route53").get_paginator("list_health_checks").paginate()
                                 for h in p["HealthChecks"]),
            "global clusters": sum(tag in g["GlobalClusterIdentifier"] for g in client("rds").describe_global_clusters()["GlobalClusters"]),
        }
        expected = {"buckets": 4, "clusters": 2, "instances": 2, "runbooks": 2, "health checks": 2, "global clusters": 1}
        duplicates = sum(max(0, found[k] - expected[k]) for k in expected)
        missing = sum(max(0, expected[k] - found[k]) for k in expected)
        _, d = ws.tf("destroy", "-auto-approve", endpoint=proxy.url, check=False, env_extra={"TF_LOG": "debug"})
        stats = proxy.finish()
        left = [b["Name"] for b in client("s3").list_buckets()["Buckets"] if f"rel{r}" in b["Name"]]
        left += [c["DBClusterIdentifier"] for reg in ("us-east-1", "us-east-2") for c in client("rds", reg).describe_db_clusters()["DBClusters"] if f"rel{r}" in c["DBClusterIdentifier"]]
        panics = (a.stderr + d.stderr).count("panicked")
        rows.append({"faults": stats["throttled"] + stats["server_errors"] + stats["dropped"], "calls": sum(stats["calls"].values()),
                     "ok": int(a.returncode == 0 and missing == 0) + int(d.returncode == 0), "orphans": len(left),
                     "duplicates": duplicates, "panics": panics})
        ws.cleanup()
        log(f"reliability run {r + 1}/{REPS}: {rows[-1]}")
    return rows


REFRESH_FLOORS = {
    "trdr_regional_stack (primary)": "13: per bucket one read per guaranteed property (versioning, encryption, public access block, lifecycle, tags — S3 has no batch read) × 2 buckets, plus the table, its PITR status and its tags",
    "trdr_regional_stack (secondary)": "18: its own 13, plus the primary's table (replica status) and each bucket pair's two replication configurations",
    "trdr_global_database": "6: the global cluster, trdr's master secret (DescribeSecret), then each region's cluster and its instance list",
    "trdr_failover_orchestrator": "8: the global cluster, each region's health check by its id (GetHealthCheck) and runbook by its ARN (DescribeStateMachine), the record pair, the primary runbook's tags (the health check settings the last apply set, for drift), and the account id, once per provider process (sts:GetCallerIdentity). None of it depends on what else the account holds",
}


APPLY_FLOORS = {
    "trdr_regional_stack (primary)": "per bucket `CreateBucket` and one `Put` per guaranteed property (5) = 12; the table: `CreateTable`, a `DescribeTable` until ACTIVE, `UpdateContinuousBackups` (again while AWS answers `ContinuousBackupsUnavailableException`, as it does for minutes after ACTIVE) and the ownership marker's two tag writes; then the read-back, which is the refresh (13)",
    "trdr_regional_stack (secondary)": "the same for its own buckets and replica (`UpdateTable` on the primary's table, polled until the replica is ACTIVE), per bucket pair a `Get` + `Put` of each side's replication rules (other tools' rules are kept); then the read-back (18)",
    "trdr_global_database": "the secret (`CreateSecret`, `ReplicateSecretToRegions`, `GetSecretValue` for the password), `CreateGlobalCluster`, per region `CreateDBCluster` and `CreateDBInstance`, the waits' polls (paced by the typical create: about 20 per wait on AWS), the tags; then the read-back (6)",
    "trdr_failover_orchestrator": "per region a health check (`CreateHealthCheck`, tags), the runbook (`ValidateStateMachineDefinition`, `CreateStateMachine`), the record pair in one `ChangeResourceRecordSets`, the marker's tag writes; the account's health checks are listed once per region (a create may continue an interrupted one: only the caller reference tells); then the read-back (the refresh)",
}


def apply_calls_section(counts):
    out = []
    w = out.append
    w(heading("AWS calls per create, against the floor"))
    w("One environment applied one resource at a time (`-target`, `-refresh=false`), no latency added. Polls are sandbox "
      "time: the waits are paced in AWS's time (see below), so the sandbox's compressed durations give the same number of "
      "polls AWS would.\n")
    w("Gone after the audit of 2026-12-01: a `HeadBucket` before each `CreateBucket` and before each replication rule "
      "(S3's own answers, `BucketAlreadyOwnedByYou` and `NoSuchBucket`, say the same), the second `DescribeSecret` after "
      "`CreateSecret`, `ValidateStateMachineDefinition` of a runbook an apply does not change, and every account-wide "
      "`ListStateMachines` (state machines are found by ARN). What is left above the floor is the waits' polls: paced by "
      "AWS's typical durations, about 20 per five-minute wait on AWS, where the unpaced schedule made about 100 (the "
      "sandbox showed fewer then only because its compressed waits ended within the backoff's ramp).\n")
    w("| resource type | calls | by operation | the floor |\n|---|---|---|---|")
    for label, calls in counts.items():
        ops = ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(calls.items()))
        w(f"| {label} | {sum(calls.values())} | {ops} | {APPLY_FLOORS.get(label, '')} |")
    w("")
    return out


def scaling_section(foreign, scaled, paced):
    out = []
    w = out.append
    w(heading("Scales with the account"))
    w(f"A no-change plan of one environment ({LATENCY_MS} ms per call), in an empty account and in one holding what trdr did not "
      "make. A refresh reads its objects by id or by the ARN their name gives (`GetHealthCheck`, `DescribeStateMachine`) and lists "
      "nothing. trdr lists only where no id is known — an orchestrator's import or interrupted create lists the account's health "
      "checks, a state machine is found by listing only when the account id is unknown, and `terraform query` by suffix lists "
      f"tables and global clusters — and then asks for AWS's largest page: {PAGE_LIMITS}.\n")
    w("| account | AWS calls | by service | plan time |\n|---|---|---|---|")
    for label, calls, times, by_service in foreign:
        svc = ", ".join(f"{k} {v}" for k, v in sorted(by_service.items()))
        w(f"| {label} | {int(med(calls))} | {svc} | {med(times):.2f} s ({spread(times)}) |")
    if len(foreign) == 2:
        w(f"\nRatio of calls, busy account to empty: **{med(foreign[1][1]) / max(med(foreign[0][1]), 1):.2f}×**.\n")
    w("On a sandbox enforcing AWS's documented rate limits (RDS: a burst of 300 and 12 per second per region; Route 53: 50 and "
      "10 per second for the account, `CreateHealthCheck` 50 and 0.5 per second, `DeleteHealthCheck` 15 and 3), with the "
      "provider's default budget (half of each: RDS 150 and 6 per second, Route 53 25 and 5). Peak is the busiest second the "
      "sandbox counted; sustained is the phase's calls over its duration, which for a phase of a few seconds is the burst "
      "at work, not the refill. In the sandbox the budget binds where AWS would not: its durations run 100× faster while "
      "the rate limits stay real-time, so the waits' polls queue for tokens (the apply times below are that queue).\n")
    w("| environments | phase | time | RDS peak / sustained per region (AWS: 300 burst, 12/s) | Route 53 peak / sustained (AWS: 50 burst, 10/s) | throttled by the sandbox |\n|---|---|---|---|---|---|")
    for n, (phases, surfaced, leftovers) in scaled:
        for phase, (t, st) in phases.items():
            rds = [(k, v) for k, v in st["calls"].items() if k.startswith("rds/")]
            rds_txt = "; ".join(f"{k.split('/')[1]} {st['peak'].get(k, 0)} / {v / max(t, 1e-9):.1f}" for k, v in sorted(rds)) or "-"
            r53 = st["calls"].get("route53", 0)
            r53_txt = f"{st['peak'].get('route53', 0)} / {r53 / max(t, 1e-9):.1f}"
            thr = ", ".join(f"{k} {v}" for k, v in sorted(st["throttled"].items())) or "none"
            w(f"| {n} | {phase} | {t:.1f} s | {rds_txt} | {r53_txt} | {thr} |")
        w(f"| {n} | errors surfaced to the user | {len(surfaced)} | objects left after destroy | {len(leftovers)} | |")
    w("")
    if paced:
        w("Waits paced by AWS's typical durations (tokio's paused clock, `waiter::tests::paced_waits_notice_within_the_bound_with_few_polls`): "
          "each pause is a quarter of the distance from the typical end, 3 s at least, 30 s at most, so a transition that ends "
          "at its typical time is noticed within 3 s. `hashicorp/aws` waits 30 s, then polls every 10 s (up to 10 s late); "
          "trdr before polled at most 3 s apart throughout.\n")
        w("| transition (typical) | ends at | polls | noticed late | hashicorp/aws polls | every 3 s |\n|---|---|---|---|---|---|")
        for what, factor, polls, late, hc, every in paced:
            if factor in ("0.5", "1", "1.5", "3"):
                w(f"| {what} | {factor}× typical | {polls} | {late} | ~{hc} | ~{every} |")
        w("")
    return out


def measure_startup(zone, topic):
    """The plugin's start-up (plain and with Terraform's mTLS) and its peak memory during an apply."""
    start_ms = startup()
    start_tls_ms = startup(terraform_like_certificate())
    ws = Workspace("mem")
    peak = peak_memory_kib(ws, zone, topic)
    ws.cleanup()
    log(f"start-up {med(start_ms):.1f} ms, {med(start_tls_ms):.1f} ms with mTLS; peak RSS {peak / 1024:.1f} MiB")
    return start_ms, start_tls_ms, peak


def startup_section(measured):
    start_ms, start_tls_ms, peak = measured
    return [heading("Plugin start-up and memory"),
            "| figure | median | spread | runs |\n|---|---|---|---|",
            f"| start to handshake (all schemas built) | {med(start_ms):.1f} ms | {spread(start_ms)} ms | {len(start_ms)} |",
            f"| the same with Terraform's mTLS (server certificate made, client certificate required) | {med(start_tls_ms):.1f} ms | {spread(start_tls_ms)} ms | {len(start_tls_ms)} |",
            f"| peak RSS of the plugin during an apply of one environment | {peak / 1024:.1f} MiB | - | 1 |",
            f"| release binary (stripped: `[profile.release] strip = true`) | {os.path.getsize(PROVIDER) / 2**20:.1f} MiB | - | - |\n"]


# How long the sandbox makes the interrupted cluster create last (real seconds): what the apply
# would wait for without the stop.
STOP_CREATE_SECONDS = 900


def interrupt_stop():
    """Ctrl-C as a terminal sends it (SIGINT to terraform's process group, the plugin included)
    while a global database's secondary cluster is being created: seconds from the signal to
    terraform's exit. The acceptance test `ctrl_c_stops_a_create_and_the_next_apply_converges`
    checks what the stop does; this measures how long it takes."""
    import signal
    ws = Workspace("stop")
    rds = client("rds", "us-east-2")
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(ws.dir, "cli.tfrc"), TF_IN_AUTOMATION="1",
               CHECKPOINT_DISABLE="1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", TRDR_ENDPOINT_URL=ENDPOINT)
    times = []
    for r in range(REPS):
        suffix = f"stop{r}"
        cluster = f"bench-us-east-2-{suffix}"
        ws.write(f"""
resource "trdr_global_database" "d" {{
  name               = "bench"
  environment_suffix = "{suffix}"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  primary {{
    region = "us-east-1"
  }}
  secondary {{
    region = "us-east-2"
  }}
}}
""")
        control("/_trdr/rds/create-duration", {"db_cluster_id": cluster, "seconds": STOP_CREATE_SECONDS})
        # A process group of its own (a new session), as a terminal's foreground job is.
        apply = subprocess.Popen(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=ws.dir, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 600
        while True:
            assert apply.poll() is None, "the apply ended before the secondary's cluster was being created"
            assert time.time() < deadline, "the secondary's cluster was not being created within 600 s"
            try:
                if rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["Status"] == "creating":
                    break
            except rds.exceptions.DBClusterNotFoundFault:
                pass
            time.sleep(0.1)
        # Inside the provider's wait for it.
        time.sleep(2)
        t = time.monotonic()
        os.killpg(apply.pid, signal.SIGINT)
        try:
            apply.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(apply.pid, signal.SIGKILL)
            sys.exit("terraform did not exit within 120 s of Ctrl-C")
        times.append(time.monotonic() - t)
        assert apply.returncode != 0, "the interrupted apply succeeded"
        log(f"Ctrl-C run {r + 1}/{REPS}: terraform exited {times[-1]:.2f} s after the signal")
        # The create under way ends now, so the destroy does not wait for it.
        control("/_trdr/rds/create-duration", {"db_cluster_id": cluster, "seconds": 0})
        ws.tf("destroy", "-auto-approve")
    ws.cleanup()
    return times


def interrupt_section(times):
    return [heading("Ctrl-C during a create"),
            "`terraform apply` of one global database, interrupted with Ctrl-C (SIGINT to terraform's process group, as a "
            f"terminal sends it) 2 s into the wait for the secondary's cluster, which the sandbox makes take {STOP_CREATE_SECONDS} s. "
            "Terraform sends `StopProvider`; the provider ends its wait, reports where it stopped and returns, and terraform "
            "exits. The acceptance test `ctrl_c_stops_a_create_and_the_next_apply_converges` checks that no AWS call is sent "
            "after the signal and that the next apply converges.\n",
            "| figure | median | spread | runs |\n|---|---|---|---|",
            f"| Ctrl-C to terraform's exit | {med(times):.2f} s | {spread(times)} s | {len(times)} |",
            f"| the cluster create it cut short, had the apply waited for it | {STOP_CREATE_SECONDS} s | - | - |\n"]


def refresh_section(refresh):
    return [heading("AWS calls per no-change refresh"),
            "| resource type | calls | the floor |\n|---|---|---|",
            *(f"| {k} | {v} | {REFRESH_FLOORS.get(k, '')} |" for k, v in refresh.items()),
            ""]


def edit_results(edit):
    """Rewrites bench/RESULTS.md through `edit(text) -> text` (the BENCH_ONLY modes)."""
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(edit(text))


def splice_section(title, before, lines):
    """Replaces bench/RESULTS.md's section headed `## title…` with `lines`, placed before `## before`."""
    # The section up to the next heading, its blank lines too: a rewrite adds none.
    edit_results(lambda text: re.sub(rf"## {re.escape(title)}.*?\n(?=## )", "", text, flags=re.S)
                 .replace(f"## {before}", "\n".join(lines) + f"\n## {before}", 1))
    log(f"wrote the section '{title}' of bench/RESULTS.md")


# The BENCH_ONLY modes: each measures one section and rewrites only it.
BENCH_ONLY_MODES = ("startup", "interrupt", "refresh", "apply-calls", "scaling", "query", "automatic", "outage-plan")


def main():
    t0 = time.time()
    only = os.environ.get("BENCH_ONLY", "")
    if only and only not in BENCH_ONLY_MODES + ("memory",) and not only.startswith("limited"):
        sys.exit(f"BENCH_ONLY={only} is not a mode; the modes: {', '.join(BENCH_ONLY_MODES)} (unset: every section)")
    zone, topic = fixtures()
    if os.environ.get("BENCH_ONLY") == "apply-calls":
        splice_section("AWS calls per create", "Apply time against its critical path",
                       apply_calls_section(apply_calls(zone, topic)))
        return
    if os.environ.get("BENCH_ONLY") == "interrupt":
        splice_section("Ctrl-C during a create", "Apply, no-change plan and destroy", interrupt_section(interrupt_stop()))
        return
    if os.environ.get("BENCH_ONLY") == "refresh":
        refresh, _ = refresh_calls(zone, topic)
        splice_section("AWS calls per no-change refresh", "AWS calls per create", refresh_section(refresh))
        log(f"refresh calls {refresh}")
        return
    if os.environ.get("BENCH_ONLY", "").startswith("limited"):
        n = int(os.environ["BENCH_ONLY"][len("limited"):] or "30")
        phases, surfaced, leftovers = budgeted_scale(zone, topic, n)
        log(f"{n} environments: surfaced {surfaced}, leftovers {leftovers}")
        return
    if os.environ.get("BENCH_ONLY") in ("startup", "memory"):
        # The plugin's start-up, memory and size: one apply of one environment, a few seconds.
        splice_section("Plugin start-up and memory", "Apply, no-change plan and destroy", startup_section(measure_startup(zone, topic)))
        return
    if os.environ.get("BENCH_ONLY") == "scaling":
        # Measure only issue 21's figures and splice their section into bench/RESULTS.md.
        splice_section("Scales with the account", "Apply time against its critical path",
                       scaling_section(foreign_objects(zone, topic),
                                       [(n, budgeted_scale(zone, topic, n)) for n in (10, 30)], paced_waits()))
        return
    if os.environ.get("BENCH_ONLY") == "query":
        splice_section("terraform query: finding an environment", "Apply time against its critical path",
                       query_section(query_cost(zone, topic)))
        return
    if os.environ.get("BENCH_ONLY") == "outage-plan":
        splice_section("Plans during an outage", "Reliability under faults", outage_plan_section(outage_plan(zone, topic)))
        return
    if os.environ.get("BENCH_ONLY") == "automatic":
        # Measure only the automatic-failover section and splice it into bench/RESULTS.md.
        splice_section("Automatic failover: outage to writer moved", "Reliability under faults",
                       automatic_section(automatic(zone, topic)))
        return
    log("plugin start-up")
    started = measure_startup(zone, topic)
    log("Ctrl-C during a create")
    stopped = interrupt_stop()
    log("refresh calls per resource type")
    refresh, refresh_detail = refresh_calls(zone, topic)
    log("apply time per resource type")
    alone = per_resource(zone, topic)
    log("scale: 1, 10, 30 environments")
    scale_rows = scale(zone, topic)
    log("runbooks side by side")
    ours, theirs = runbooks(zone, topic)
    log("automatic failover: a us-east-1 outage")
    auto = automatic(zone, topic)
    log("reliability under faults")
    rel = reliability(zone, topic)
    log("apply calls per resource type")
    creates = apply_calls(zone, topic)
    log("scaling: foreign objects, rate limits, paced waits")
    foreign = foreign_objects(zone, topic)
    limited = [(n, budgeted_scale(zone, topic, n)) for n in (10, 30)]
    log("plans during an outage")
    outage = outage_plan(zone, topic)
    # Last: it leaves the account busy (foreign state machines, tables and global clusters).
    log("terraform query: finding an environment")
    query = query_cost(zone, topic)
    paced = paced_waits()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 1024 / 1024
    tf_version = subprocess.run(["terraform", "version"], capture_output=True, text=True).stdout.splitlines()[0]
    L = LATENCY_MS / 1000
    out = []
    w = out.append
    w("# trdr benchmarks\n")
    w(f"Written by `scripts/bench.py` (`make bench`) on {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, "
      f"{platform.system()} {platform.release()}, {tf_version}, MiniStack 1.5.33 on loopback, release build. "
      "Each section's heading gives the date it was measured: `make bench` measures every section, "
      f"`BENCH_ONLY=<mode> make bench` one of them ({', '.join(BENCH_ONLY_MODES)}) and rewrites only that section. "
      f"Each figure is the median of {REPS} run(s) ({max(2, REPS - 1)} for 30 environments) with the spread (min–max) beside it. "
      f"Where it says so, every AWS call goes through `trdr-proxy` with {LATENCY_MS} ms added.\n")
    out.extend(startup_section(started))
    out.extend(interrupt_section(stopped))
    w(heading(f"Apply, no-change plan and destroy of the full topology ({LATENCY_MS} ms per call)"))
    w("One environment = two regional stacks, a global database, an orchestrator (4 resources, ~the whole sandbox topology). "
      "All environments in one configuration, `-parallelism=10`.\n")
    w("| environments | resources | apply | plan (no change) | destroy | apply per resource | AWS calls (apply) |\n|---|---|---|---|---|---|---|")
    for n, a, p, d, c, _ in scale_rows:
        w(f"| {n} | {4 * n} | {med(a):.1f} s ({spread(a)}) | {med(p):.1f} s ({spread(p)}) | {med(d):.1f} s ({spread(d)}) | {med(a) / (4 * n):.2f} s | {int(med(c))} |")
    w("")
    base = scale_rows[0]
    if len(scale_rows) > 1:
        last = scale_rows[-1]
        w(f"\nGrowth: {last[0]}× the environments took {med(last[1]) / med(base[1]):.1f}× the apply time and "
          f"{med(last[3]) / med(base[3]):.1f}× the destroy time (Terraform runs 10 resources at a time).\n")
    w(heading(f"Apply time per resource type ({LATENCY_MS} ms per call)"))
    w("Each configuration applied on its own; the last column subtracts what the smaller configuration already contains, "
      "so it is the time that resource adds on the critical path.\n")
    w("| configuration | apply | spread | adds |\n|---|---|---|---|")
    prev = {"primary stack": 0, "primary + secondary stacks": med(alone["primary stack"]), "global database": 0,
            "everything": max(med(alone["primary + secondary stacks"]), med(alone["global database"]))}
    for label, xs in alone.items():
        w(f"| {label} | {med(xs):.2f} s | {spread(xs)} s | {med(xs) - prev[label]:+.2f} s |")
    adds = {"secondary stack": med(alone["primary + secondary stacks"]) - med(alone["primary stack"]),
            "primary stack": med(alone["primary stack"]), "global database": med(alone["global database"]),
            "orchestrator + readiness": med(alone["everything"]) - prev["everything"]}
    slowest = max(adds, key=adds.get)
    w(f"\nSlowest step: the **{slowest}** ({adds[slowest]:.2f} s). Each Terraform run also pays a fixed cost for starting "
      f"terraform and the plugin and refreshing.\n")
    out.extend(refresh_section(refresh))
    out.extend(apply_calls_section(creates))
    out.extend(scaling_section(foreign, limited, paced))
    out.extend(query_section(query))
    w(heading("Apply time against its critical path"))
    w(f"The critical path here is the longest chain of calls that ran strictly one after another (from the proxy's timeline), "
      f"each costing the injected {LATENCY_MS} ms. The ratio shows what ordering, polling waits and Terraform itself add on top.\n")
    w("| environments | apply | chain (calls) | chain × latency | ratio |\n|---|---|---|---|---|")
    for n, a, _, _, _, ch in scale_rows:
        w(f"| {n} | {med(a):.1f} s | {int(med(ch))} | {med(ch) * L:.1f} s | {med(a) / (med(ch) * L):.2f} |")
    w("")
    w(heading("Failover runbook: generated vs. background-document style"))
    cfg = sandbox_config()
    tscale, promo = cfg["time_scale"], cfg["scaled_seconds"]["promotion"]
    w("Both run in the same realistic sandbox against the same global database: ours (`{\"mode\":\"failover\"}` in us-east-2) and one in the "
      "style of the background documents (promote, sleep 30 s, poll every 10 s, then DNS). Both wait for the same promotion, which the "
      f"sandbox makes take {promo:.1f} s ({promo / tscale:.0f} s of AWS time at time scale {tscale}; `Wait` states are scaled the same way). "
      "The overhead is what a runbook adds to that promotion.\n")
    w("| runbook | median | spread | overhead over the promotion | runs |\n|---|---|---|---|---|")
    w(f"| generated by trdr | {med(ours):.2f} s | {spread(ours)} s | {med(ours) - promo:.2f} s | {len(ours)} |")
    w(f"| background-document style | {med(theirs):.2f} s | {spread(theirs)} s | {med(theirs) - promo:.2f} s | {len(theirs)} |")
    w(f"\nRatio of overheads: **{(med(theirs) - promo) / max(med(ours) - promo, 1e-3):.1f}×**. In AWS time the difference is the waits: "
      "the background style sleeps 30 s before its first look and then polls every 10 s (it notices a finished promotion up to 10 s late, "
      "and never sooner than 30 s); ours polls every 5 s from the start (at most 5 s late), never retries the promotion call blindly, "
      "and reports its measured recovery time. The background style has no timeout, no retry, no notification and no failure path.\n")
    out.extend(automatic_section(auto))
    out.extend(outage_plan_section(outage))
    w(heading("Reliability under faults"))
    w(f"A full apply and destroy of one environment through 20% throttling, 5% other 5xx, 2% dropped connections and {LATENCY_MS} ms "
      f"latency, {REPS} times. `make test-faults` adds the crash matrix (SIGKILL at 10 moments of an apply and of a destroy) and the bad-input matrix.\n")
    w("| run | AWS calls | faults injected | operations completed | orphans | duplicates | panics |\n|---|---|---|---|---|---|---|")
    for i, r in enumerate(rel, 1):
        w(f"| {i} | {r['calls']} | {r['faults']} | {r['ok']}/2 | {r['orphans']} | {r['duplicates']} | {r['panics']} |")
    w(f"\n_Total benchmark time {(time.time() - t0) / 60:.1f} min._\n")
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as f:
        f.write("\n".join(out))
    log("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
