"""The demo's steps, after scripts/demo.sh has built the provider and started the sandbox.

Applies examples/sandbox, runs a drill, a failover through the secondary region's generated
runbook and a failback through the primary's, and prints a summary with each runbook's per-step
timeline against the topology's RTO target. Exits non-zero if anything did not do what it should.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import botocore.session

ENDPOINT = os.environ["TRDR_ENDPOINT_URL"]
assert ENDPOINT.startswith("http://127.0.0.1:"), "the demo only talks to the local sandbox"
SUFFIX = "demo"
TOPIC = "trading-alerts-demo"
# examples/sandbox's failover record, in a zone the platform has (no suffix in its name).
RECORD = "api.trading.example.com"
PRIMARY, SECONDARY = "us-east-1", "us-east-2"
SESSION = botocore.session.get_session()


def client(service, region=PRIMARY):
    return SESSION.create_client(service, region_name=region, endpoint_url=ENDPOINT,
                                 aws_access_key_id="test", aws_secret_access_key="test")


def say(msg):
    print(f"    {msg}", flush=True)


def terraform(workdir, *args, capture=False):
    cmd = ["terraform", f"-chdir={workdir}", *args]
    if capture:
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"terraform {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout
    # Stream terraform's own progress lines, indented, so no minute is silent.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        line = line.rstrip()
        if any(k in line for k in ("Creating", "Creation complete", "Modifying", "Modifications complete",
                                    "Destroying", "Destruction complete", "Reading", "Read complete",
                                    "Apply complete", "Destroy complete", "Error", "Warning:", "Terraform has been")):
            say(line.strip())
    if proc.wait() != 0:
        sys.exit(f"terraform {' '.join(args)} failed")


def fixtures():
    r53 = client("route53")
    zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "trading.example.com."]
    zone = zones[0]["Id"] if zones else r53.create_hosted_zone(Name="trading.example.com", CallerReference=f"demo-{time.time()}")["HostedZone"]["Id"]
    # The runbooks' execution role must exist: Step Functions assumes it (the realistic sandbox, as
    # AWS, refuses a role it cannot assume).
    iam = client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["states.amazonaws.com", "scheduler.amazonaws.com"]}, "Action": "sts:AssumeRole"}]})
    try:
        iam.create_role(RoleName=f"trading-failover-{SUFFIX}", AssumeRolePolicyDocument=trust)
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    queues = {}
    for region in (PRIMARY, SECONDARY):
        sns, sqs = client("sns", region), client("sqs", region)
        topic = sns.create_topic(Name=TOPIC)["TopicArn"]
        url = sqs.create_queue(QueueName="demo-alerts")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        queues[region] = url
    return zone.split("/")[-1], queues


def writer_region(region=PRIMARY):
    g = client("rds", region).describe_global_clusters(GlobalClusterIdentifier=f"trading-global-{SUFFIX}")["GlobalClusters"][0]
    return next(m["DBClusterArn"].split(":")[3] for m in g["GlobalClusterMembers"] if m["IsWriter"])


def members(region):
    """Each member's region and writer flag, and any failover under way, as `region` reports them."""
    g = client("rds", region).describe_global_clusters(GlobalClusterIdentifier=f"trading-global-{SUFFIX}")["GlobalClusters"][0]
    flags = {m["DBClusterArn"].split(":")[3]: m["IsWriter"] for m in g["GlobalClusterMembers"]}
    return f"{flags}, status {g.get('Status')}, failover state {g.get('FailoverState')}"


def primary_target(zone):
    sets = client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return next((r["ResourceRecords"][0]["Value"] for r in sets if r.get("Failover") == "PRIMARY"), "-")


def notices(queues, region):
    sqs = client("sqs", region)
    events = []
    for _ in range(3):
        msgs = sqs.receive_message(QueueUrl=queues[region], MaxNumberOfMessages=10).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            body = json.loads(m["Body"])
            notice = json.loads(body.get("Message", "{}"))
            # The topic also carries the watchers' CloudWatch alarms (AlarmName, NewStateValue).
            if "event" in notice:
                events.append(notice["event"])
            sqs.delete_message(QueueUrl=queues[region], ReceiptHandle=m["ReceiptHandle"])
    return events


def run_runbook(arns, region, mode):
    sfn = client("stepfunctions", region)
    started = time.time()
    ex = sfn.start_execution(stateMachineArn=arns[region], input=json.dumps({"mode": mode}))["executionArn"]
    while True:
        d = sfn.describe_execution(executionArn=ex)
        if d["status"] != "RUNNING":
            break
        time.sleep(0.05)
    seconds = (d["stopDate"] - d["startDate"]).total_seconds() if d.get("stopDate") else time.time() - started
    out = json.loads(d.get("output") or "{}")
    if d["status"] != "SUCCEEDED":
        sys.exit(f"runbook {mode} in {region} {d['status']}: {d.get('error')} {d.get('cause')}")
    return {"region": region, "mode": mode, "seconds": seconds, "output": out}


def sandbox_control(path, body):
    """The realistic sandbox's loopback control API (a region outage, here)."""
    import urllib.request
    req = urllib.request.Request(ENDPOINT + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def automatic_failover(watchers):
    """us-east-1 goes down; nobody starts anything; returns the watcher shift that failed over."""
    sfn = client("stepfunctions", SECONDARY)
    # The shifts that ended before the outage. Not the one on duty: it is the one that sees the
    # outage begin, stays on duty through the failure streak and fails over.
    seen = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=watchers[SECONDARY], maxResults=1000)["executions"]
            if e["status"] != "RUNNING"}
    sandbox_control("/_trdr/region/outage", {"region": PRIMARY, "down": True})
    started = time.time()
    shifts = []  # (seconds into the outage, status, outcome or error) of each shift that ended
    try:
        while time.time() - started < 120:
            for e in sfn.list_executions(stateMachineArn=watchers[SECONDARY], maxResults=1000)["executions"]:
                if e["executionArn"] in seen or e["status"] == "RUNNING":
                    continue
                seen.add(e["executionArn"])
                d = sfn.describe_execution(executionArn=e["executionArn"])
                out = json.loads(d.get("output") or "{}")
                shifts.append((round(time.time() - started, 1), d["status"],
                               out.get("outcome") or f"{d.get('error')}: {d.get('cause')}"))
                if str(out.get("outcome", "")).startswith("failed-over"):
                    out["wall_seconds"] = time.time() - started
                    return out
            time.sleep(0.1)
        # What the watcher's shifts said, so a timeout shows why nothing failed over.
        last = "\n".join(f"  +{t} s {status}: {what}" for t, status, what in shifts[-10:]) or "  (no shift ended)"
        sys.exit(f"the watcher in us-east-2 did not fail over within 120 s of the outage; its last shifts:\n{last}\n"
                 f"the members as us-east-2 reports them: {members(SECONDARY)}")
    finally:
        sandbox_control("/_trdr/region/outage", {"region": PRIMARY, "down": False})


def nothing_left():
    """After the destroy, the check the acceptance suite runs after each of its own: no object of
    any kind trdr creates, named for the demo, in either region or the global services
    (testing/src/leftovers.rs, run as `cargo run --example trdr-leftovers`; exit 1 names each
    leftover, 2 is a listing that failed)."""
    print("\n==> Checking that nothing is left", flush=True)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(["cargo", "run", "--quiet", "--example", "trdr-leftovers", "--",
                          "--suffix", SUFFIX, "--regions", f"{PRIMARY},{SECONDARY}", "--records", RECORD,
                          "--endpoint", ENDPOINT],
                         cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"the destroy left objects behind, or they could not be listed:\n{out.stdout}{out.stderr}")
    say(out.stdout.strip())


def bar(value, full, width=40):
    cells = value / full * width
    whole = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - whole) * 8)]
    return ("█" * whole + (part if whole < width else "")).ljust(width)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", required=True)
    p.add_argument("--keep", default="0")
    a = p.parse_args()
    wd = a.workdir
    t0 = time.time()

    print("\n==> Creating the hosted zone and the alert topics (what a platform already has)", flush=True)
    zone, queues = fixtures()
    say(f"zone {zone}, topic {TOPIC} in {PRIMARY} and {SECONDARY}")

    print("\n==> terraform init and apply (examples/sandbox)", flush=True)
    terraform(wd, "init", "-input=false", "-no-color")
    t_apply = time.time()
    terraform(wd, "apply", "-auto-approve", "-input=false", "-no-color", f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}")
    apply_seconds = time.time() - t_apply
    dr = json.loads(terraform(wd, "output", "-json", "dr", capture=True))
    target = float(dr["rto_target_seconds"])
    arns = dr["state_machine_arns"]
    plan = subprocess.run(["terraform", f"-chdir={wd}", "plan", "-detailed-exitcode", "-input=false", "-no-color",
                           f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}"], capture_output=True, text=True)
    if plan.returncode != 0:
        sys.exit(f"the plan after apply is not empty:\n{plan.stdout}")
    say("a second plan is empty")

    before = (writer_region(), primary_target(zone))
    print("\n==> Runbooks: a drill in us-east-2, a failover to us-east-2, a failback to us-east-1", flush=True)
    runs = []
    runs.append(run_runbook(arns, SECONDARY, "drill"))
    say(f"drill: {runs[-1]['output'].get('outcome')}")
    notices(queues, SECONDARY)
    runs.append(run_runbook(arns, SECONDARY, "failover"))
    after_failover = (writer_region(), primary_target(zone))
    failover_events = notices(queues, SECONDARY)
    runs[-1]["notices"] = failover_events
    say(f"failover: writer {before[0]} → {after_failover[0]}, notices {failover_events}")
    if failover_events != ["started", "succeeded"]:
        sys.exit(f"expected start and success notices, got {failover_events}")
    if after_failover[0] != SECONDARY or not after_failover[1].startswith("def456"):
        sys.exit("the failover did not move the writer and DNS to us-east-2")
    runs.append(run_runbook(arns, PRIMARY, "switchover"))
    after_failback = (writer_region(), primary_target(zone))
    runs[-1]["notices"] = notices(queues, PRIMARY)
    say(f"failback: writer {after_failover[0]} → {after_failback[0]}")
    if after_failback[0] != PRIMARY:
        sys.exit("the failback did not move the writer back to us-east-1")

    print("\n==> Automatic failover: us-east-1 goes down (a sandbox outage); nobody starts anything", flush=True)
    auto = automatic_failover(dr["watcher_arns"])
    after_auto = (writer_region(SECONDARY), primary_target(zone))
    say(f"the watcher in us-east-2 failed over: writer {after_failback[0]} → {after_auto[0]} "
        f"({auto['outcome']}; {auto['streak']} failed probes in a row, Route 53 {auto['observations'][-1]['route53']})")
    if after_auto[0] != SECONDARY:
        sys.exit("the automatic failover did not move the writer to us-east-2")
    plan = subprocess.run(["terraform", f"-chdir={wd}", "plan", "-input=false", "-no-color",
                           f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}"], capture_output=True, text=True)
    if "module.dr.trdr_global_database.trading will be" in plan.stdout:
        sys.exit(f"the plan after the automatic failover moves the writer:\n{plan.stdout}")
    say("the plan after it moves no writer (writer_region is a preference); apply repairs the DNS change Route 53 could not take")
    terraform(wd, "apply", "-auto-approve", "-input=false", "-no-color", f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}")
    after_auto = (writer_region(), primary_target(zone))
    runs.append(run_runbook(arns, PRIMARY, "switchover"))
    runs[-1]["notices"] = notices(queues, PRIMARY)
    after_back = (writer_region(), primary_target(zone))
    say(f"switched back through the us-east-1 runbook: writer {after_auto[0]} → {after_back[0]}")

    terraform(wd, "apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color", f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}")
    dr = json.loads(terraform(wd, "output", "-json", "dr", capture=True))

    print("\n" + "=" * 78)
    print(" trdr demo — two-region DR on the local sandbox")
    print("=" * 78)
    print(f" apply (4 resources + readiness): {apply_seconds:5.1f} s   what trdr controls (budget): {dr['rto_budget_seconds']:.0f} s of the {target:.0f} s target")
    print(f" database writer endpoint: {dr['writer_endpoint']}")
    print(f"\n {'':12}{'writer region':16}{'DNS PRIMARY →'}")
    for label, (w, d) in (("before", before), ("failover", after_failover), ("failback", after_failback),
                          ("automatic", after_auto), ("back", after_back)):
        print(f" {label:12}{w:16}{d}")
    print(f"\n automatic failover (watcher in us-east-2, window {auto['window_probes']} probes): "
          f"first failed probe → writer moved {auto['first_failed_to_writer_moved_seconds']:.2f} s, "
          f"decision → writer moved {auto['detected_to_writer_moved_seconds']:.2f} s (sandbox seconds; "
          f"the promotion is 300 s of AWS time scaled to 3 s)")
    checks = dr["checks"]
    passed = sum(1 for c in checks if c["status"] == "pass")
    print(f"\n readiness: {'READY' if dr['ready'] else 'NOT READY'} ({passed}/{len(checks)} pass)")
    for c in checks:
        mark = {"pass": "✓", "warn": "!", "fail": "✗"}[c["status"]]
        print(f"   {mark} {c['name']:<52} {c['detail']}")
    print(f"\n runbook executions against the {target:.0f} s target (one █ = {target / 40:.1f} s)")
    for r in runs:
        o = r["output"]
        print(f"   {r['mode']:<10} in {r['region']}  {r['seconds']:6.2f} s |{bar(r['seconds'], target)}| {o.get('outcome', '')}")
        # Repeated steps (the promotion polls) are summed into one line.
        steps = {}
        for s in o.get("steps", []):
            ms, n = steps.get(s["step"], (0, 0))
            steps[s["step"]] = (ms + s.get("ms", 0), n + 1)
        total_ms = max(r["seconds"] * 1000, 1)
        for name, (ms, n) in steps.items():
            label = f"{name} ×{n}" if n > 1 else name
            print(f"      {label:<20}{ms:6d} ms |{bar(ms, total_ms, 30)}|")
        rest = total_ms - sum(ms for ms, _ in steps.values())
        print(f"      {'(waiting for AWS)':<20}{rest:6.0f} ms |{bar(rest, total_ms, 30)}|")
        if "recovery_seconds" in o and o.get("outcome", "").startswith("promoted"):
            print(f"      measured recovery {o['recovery_seconds']:.2f} s against the {o['rto_target_seconds']:.0f} s target")
        if r.get("notices"):
            print(f"      notices: {', '.join(r['notices'])}")
    print(f"\n demo finished in {time.time() - t0:.1f} s")
    print("=" * 78, flush=True)

    if a.keep != "1":
        print("\n==> Destroying everything (KEEP=1 keeps it)", flush=True)
        terraform(wd, "destroy", "-auto-approve", "-input=false", "-no-color", f"-var=zone_id={zone}", f"-var=environment_suffix={SUFFIX}")
        nothing_left()


if __name__ == "__main__":
    main()
