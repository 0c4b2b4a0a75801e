#!/usr/bin/env python3
"""What examples/two-region-dr costs a month, part by part, from the unit prices written below.

Prints the markdown table that docs/guides/failover-operations.md includes between its
`<!-- cost.py -->` markers; tests/figures.rs fails when the guide's table is not this output.

    python3 scripts/cost.py

Change the INVENTORY (what the example creates and how much it is used) or a PRICE, run the
script, paste its output between the markers (or run `python3 scripts/cost.py --write`), then
`make docs`.

Prices: on-demand list prices in USD for us-east-1 (N. Virginia) and us-east-2 (Ohio) — the same
in both for every item here — without any free tier (an account's free allowances are shared by
everything in it) and without tax. A month is 730 hours (AWS's own convention), 43,800 minutes.
"""
import os
import sys

HOURS = 730
MINUTES = HOURS * 60
TAKEN = "2026-12-07"  # the date every price below was taken

# Unit prices: key: (USD, per how many units, unit, the AWS pricing page, how it was checked on
# TAKEN): "page": read on the AWS pricing page (a stored copy); "quoted": the figure as secondary
# sources quote that page; "not re-read": carried over; check it on the page before relying on it.
PRICES = {
    "aurora_acu_hour": (0.12, 1, "ACU-hours", "https://aws.amazon.com/rds/aurora/pricing/", "quoted"),
    "aurora_storage_gb_month": (0.10, 1, "GB-months", "https://aws.amazon.com/rds/aurora/pricing/", "quoted"),
    "aurora_io": (0.20, 1e6, "I/Os", "https://aws.amazon.com/rds/aurora/pricing/", "not re-read"),
    "aurora_replicated_write_io": (0.20, 1e6, "replicated write I/Os", "https://aws.amazon.com/rds/aurora/pricing/", "not re-read"),
    "sfn_transition": (0.025, 1000, "state transitions", "https://aws.amazon.com/step-functions/pricing/", "page"),
    "scheduler_invocation": (1.00, 1e6, "invocations", "https://aws.amazon.com/eventbridge/pricing/", "not re-read"),
    "secret_month": (0.40, 1, "secret-months", "https://aws.amazon.com/secrets-manager/pricing/", "not re-read"),
    "secret_api_call": (0.05, 10000, "API calls", "https://aws.amazon.com/secrets-manager/pricing/", "not re-read"),
    "r53_health_check_non_aws": (0.75, 1, "health check-months", "https://aws.amazon.com/route53/pricing/", "quoted"),
    "r53_health_check_feature_non_aws": (2.00, 1, "feature-months", "https://aws.amazon.com/route53/pricing/", "not re-read"),
    "r53_query": (0.40, 1e6, "queries", "https://aws.amazon.com/route53/pricing/", "not re-read"),
    "apigw_rest_call": (3.50, 1e6, "REST API calls", "https://aws.amazon.com/api-gateway/pricing/", "not re-read"),
    "dynamodb_write": (0.625, 1e6, "write request units", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "not re-read"),
    "dynamodb_replicated_write": (0.625, 1e6, "replicated write request units", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "not re-read"),
    "dynamodb_storage_gb_month": (0.25, 1, "GB-months", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "not re-read"),
    "dynamodb_pitr_gb_month": (0.20, 1, "GB-months", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "not re-read"),
    "s3_standard_gb_month": (0.023, 1, "GB-months", "https://aws.amazon.com/s3/pricing/", "not re-read"),
    "s3_rtc_gb": (0.015, 1, "GB", "https://aws.amazon.com/s3/pricing/", "not re-read"),
    "inter_region_gb": (0.02, 1, "GB", "https://aws.amazon.com/ec2/pricing/on-demand/", "not re-read"),
    "sqs_request": (0.40, 1e6, "requests", "https://aws.amazon.com/sqs/pricing/", "not re-read"),
    "cw_alarm_month": (0.10, 1, "alarm-months", "https://aws.amazon.com/cloudwatch/pricing/", "not re-read"),
    "cw_dashboard_month": (3.00, 1, "dashboard-months", "https://aws.amazon.com/cloudwatch/pricing/", "not re-read"),
    "cw_metric_month": (0.30, 1, "metric-months", "https://aws.amazon.com/cloudwatch/pricing/", "not re-read"),
    "vpc_interface_endpoint_az_hour": (0.01, 1, "endpoint-AZ-hours", "https://aws.amazon.com/privatelink/pricing/", "not re-read"),
    "kms_key_month": (1.00, 1, "key-months", "https://aws.amazon.com/kms/pricing/", "not re-read"),
    "waf_web_acl_month": (5.00, 1, "web ACL-months", "https://aws.amazon.com/waf/pricing/", "not re-read"),
    "waf_rule_month": (1.00, 1, "rule-months", "https://aws.amazon.com/waf/pricing/", "not re-read"),
    "waf_request": (0.60, 1e6, "requests", "https://aws.amazon.com/waf/pricing/", "not re-read"),
    "lambda_request": (0.20, 1e6, "requests", "https://aws.amazon.com/lambda/pricing/", "not re-read"),
    "lambda_gb_second": (0.0000166667, 1, "GB-seconds", "https://aws.amazon.com/lambda/pricing/ (x86)", "not re-read"),
}

# What examples/two-region-dr (with examples/modules/dr-core at its defaults) creates and how much
# it is used: one line per part, `(part, region, quantity, price key, note)`. Regions: "both"
# means the quantity already counts both. Adjust this list when the example changes.
WATCHER_SHIFTS = MINUTES                 # Scheduler starts each region's watcher every minute
WRITER_SHIFT_TRANSITIONS = 10            # Start, pause tag, duty check, writer read, `writer-here`, report (watcher.rs)
WATCHING_SHIFT_TRANSITIONS = 75          # the same start, 6 rounds of 10 states (Round, the Parallel ProbeRound and its 5 one-state branches, Observed, Tally, Decide), 5 waits, the report (runbook/watcher/shift.rs)
DRILLS = HOURS                           # drills.tf: the secondary's runbook hourly, {"mode": "drill"}
DRILL_TRANSITIONS = 30                   # assumption: a drill's path through the runbook
HEALTH_CHECKERS = 16                     # assumption: Route 53 checkers probing each endpoint (8 checker regions)
HEALTH_INTERVAL_S = 10                   # dr-core: health_check.request_interval = 10 (a "fast interval")
PROBE_INTERVAL_S = 10                    # the watcher's probe_interval_seconds default
LAMBDA_SQS_RECEIVES = 5 * 3 * MINUTES    # Lambda's 5 pollers long-polling (20 s) an idle queue
AURORA_INSTANCES = 3                     # dr-core: primary instance_count 2, secondary 1
AURORA_MIN_ACU = 0.5                     # dr-core: serverless_v2.min_capacity, the floor an idle database bills
AURORA_GB = 10                           # assumption: the database's size, stored in each region
AURORA_IO_MILLIONS = 5                   # assumption: I/Os a month (Aurora Standard)
SESSION_WRITES_MILLIONS = 1              # assumption: session writes a month
SESSION_GB = 1                           # assumption: the session table's size
BUCKET_GB = 10                           # assumption: per bucket (config, audit), stored in both regions
REPLICATED_GB = 5                        # assumption: new objects a month, replicated with RTC
DNS_QUERIES_MILLIONS = 1                 # assumption: clients' queries for record_name a month
SECRET_READS = 100_000                   # assumption: GetSecretValue calls by the functions a month
INTERFACE_ENDPOINTS = 2                  # network/main.tf: secretsmanager, sqs per region (what the code calls)
ZONES = 3                                # network/main.tf: three private subnets, one per zone
KMS_KEYS = 2                             # kms.tf: one platform key per region
WAF_RULES = 4                            # regional-api/main.tf: rate limit, health probes, Common, KnownBadInputs
TRDR_ALARMS = 3                          # failover_orchestrator/alarms.rs: per region, with automatic_failover
ALARMS = 17                              # monitoring.tf (12), drills.tf (1), readiness.tf (2 per region)
DASHBOARDS = 1                           # monitoring.tf: one (dashboards are global)
HEALTH_LAMBDA_GB = 0.25                  # the /health function's memory_size (256 MB)
HEALTH_LAMBDA_SECONDS = 0.05             # assumption: billed duration of one /health call
READINESS_RUNS = 2 * HOURS                # readiness.tf: the readiness function hourly in each region
READINESS_CALLS = 4                      # each run: GET /health and POST /trades on both regions
READINESS_LAMBDA_GB = 0.125              # the readiness function's memory_size (128 MB)
READINESS_LAMBDA_SECONDS = 1             # assumption: billed duration of one run (four calls at once)
READINESS_METRICS = 2 * 3 * 2            # in each region: RegionServes, HealthOk, TradeAccepted × 2 target regions
HEALTH_CALLS = 2 * HEALTH_CHECKERS * (60 // HEALTH_INTERVAL_S) * MINUTES + 2 * (60 // PROBE_INTERVAL_S) * MINUTES

INVENTORY = [
    # trdr_global_database
    ("Aurora Serverless v2 at minimum capacity", "both", AURORA_INSTANCES * AURORA_MIN_ACU * HOURS, "aurora_acu_hour",
     f"{AURORA_INSTANCES} instances × {AURORA_MIN_ACU} ACU × {HOURS} h"),
    ("Aurora storage", "both", 2 * AURORA_GB, "aurora_storage_gb_month", f"{AURORA_GB} GB in each region"),
    ("Aurora I/O", "us-east-1", AURORA_IO_MILLIONS * 1e6, "aurora_io", "writer's I/Os"),
    ("Aurora global database replication", "us-east-2", AURORA_IO_MILLIONS * 1e6, "aurora_replicated_write_io", "assumed as many as the writer's I/Os"),
    ("master secret and its replica", "both", 2, "secret_month", ""),
    ("secret reads", "both", SECRET_READS, "secret_api_call", ""),
    # trdr_failover_orchestrator
    ("watcher shifts, writer region", "us-east-1", WATCHER_SHIFTS * WRITER_SHIFT_TRANSITIONS, "sfn_transition",
     f"{WATCHER_SHIFTS:,} shifts × {WRITER_SHIFT_TRANSITIONS} transitions"),
    ("watcher shifts, watching region", "us-east-2", WATCHER_SHIFTS * WATCHING_SHIFT_TRANSITIONS, "sfn_transition",
     f"{WATCHER_SHIFTS:,} shifts × {WATCHING_SHIFT_TRANSITIONS} transitions"),
    ("watcher schedules", "both", 2 * WATCHER_SHIFTS, "scheduler_invocation", "one start a minute per region"),
    ("probe connections' secrets", "both", 2, "secret_month", "an EventBridge connection keeps its key in Secrets Manager"),
    ("health checks", "global", 2, "r53_health_check_non_aws", "API Gateway domains, priced as non-AWS endpoints"),
    ("health checks' HTTPS and fast interval", "global", 2 * 2, "r53_health_check_feature_non_aws", "2 features × 2 checks"),
    ("the watched watcher's alarms", "both", 2 * TRDR_ALARMS, "cw_alarm_month",
     f"{TRDR_ALARMS} per region: shifts stopped, failed shifts, failed runs"),
    # examples/two-region-dr
    ("hourly drills", "us-east-2", DRILLS * DRILL_TRANSITIONS, "sfn_transition", f"{DRILLS} runs × {DRILL_TRANSITIONS} transitions"),
    ("drill schedule", "us-east-2", DRILLS, "scheduler_invocation", ""),
    ("/health calls by Route 53's checkers", "both", 2 * HEALTH_CHECKERS * (60 // HEALTH_INTERVAL_S) * MINUTES, "apigw_rest_call",
     f"{HEALTH_CHECKERS} checkers every {HEALTH_INTERVAL_S} s, per endpoint"),
    ("/health calls by the watcher", "both", 2 * (60 // PROBE_INTERVAL_S) * MINUTES, "apigw_rest_call",
     f"the watching region probes both endpoints every {PROBE_INTERVAL_S} s"),
    ("DNS queries for the failover record", "global", DNS_QUERIES_MILLIONS * 1e6, "r53_query", ""),
    # trdr_regional_stack
    ("session writes", "us-east-1", SESSION_WRITES_MILLIONS * 1e6, "dynamodb_write", ""),
    ("session replication", "us-east-2", SESSION_WRITES_MILLIONS * 1e6, "dynamodb_replicated_write", ""),
    ("session table storage", "both", 2 * SESSION_GB, "dynamodb_storage_gb_month", ""),
    ("session table PITR", "both", 2 * SESSION_GB, "dynamodb_pitr_gb_month", ""),
    ("bucket storage", "both", 2 * 2 * BUCKET_GB, "s3_standard_gb_month", f"2 buckets × {BUCKET_GB} GB in each region"),
    ("bucket replication (RTC)", "both", REPLICATED_GB, "s3_rtc_gb", ""),
    ("bucket replication transfer", "both", REPLICATED_GB, "inter_region_gb", ""),
    # examples/two-region-dr: queues, alarms, dashboard, runbook metrics
    ("trade queues polled by Lambda", "both", 2 * LAMBDA_SQS_RECEIVES, "sqs_request", "idle: long polls only"),
    ("/health function invocations", "both", HEALTH_CALLS, "lambda_request", "every /health call above"),
    ("/health function duration", "both", HEALTH_CALLS * HEALTH_LAMBDA_GB * HEALTH_LAMBDA_SECONDS, "lambda_gb_second",
     f"{HEALTH_LAMBDA_GB} GB × {HEALTH_LAMBDA_SECONDS} s a call"),
    ("CloudWatch alarms", "both", ALARMS, "cw_alarm_month", "monitoring.tf, drills.tf and readiness.tf"),
    ("CloudWatch dashboards", "both", DASHBOARDS, "cw_dashboard_month", ""),
    ("runbook metrics (drills)", "us-east-2", 3, "cw_metric_month", "RunSucceeded, RunSeconds, RecoverySeconds"),
    # examples/two-region-dr/readiness.tf: the hourly readiness test in each region
    ("readiness schedules", "both", READINESS_RUNS, "scheduler_invocation", "hourly in each region"),
    ("readiness function invocations", "both", READINESS_RUNS, "lambda_request", "hourly in each region"),
    ("readiness function duration", "both", READINESS_RUNS * READINESS_LAMBDA_GB * READINESS_LAMBDA_SECONDS, "lambda_gb_second",
     f"{READINESS_LAMBDA_GB} GB × {READINESS_LAMBDA_SECONDS} s a run"),
    ("readiness calls to the APIs", "both", READINESS_RUNS * READINESS_CALLS, "apigw_rest_call",
     f"{READINESS_CALLS} a run: /health and a signed POST /trades on both regions"),
    ("readiness calls through the WAF", "both", READINESS_RUNS * READINESS_CALLS, "waf_request", "the calls above"),
    ("readiness metrics", "both", READINESS_METRICS, "cw_metric_month", "RegionServes, HealthOk, TradeAccepted per target region, in each region"),
    # examples/two-region-dr/network, kms.tf
    ("interface VPC endpoints", "both", 2 * INTERFACE_ENDPOINTS * ZONES * HOURS, "vpc_interface_endpoint_az_hour",
     f"{INTERFACE_ENDPOINTS} endpoints × {ZONES} zones × 2 regions × {HOURS} h"),
    ("KMS keys", "both", KMS_KEYS, "kms_key_month", ""),
    ("application database secret and its replica", "both", 2, "secret_month", "kms.tf"),
    # examples/two-region-dr/regional-api: the WAF in front of each regional API (enable_waf)
    ("WAF web ACLs", "both", 2, "waf_web_acl_month", "one per regional API"),
    ("WAF rules", "both", 2 * WAF_RULES, "waf_rule_month", f"{WAF_RULES} rules per web ACL"),
    ("WAF requests", "both", HEALTH_CALLS, "waf_request", "the /health calls above; trades scale with your use"),
]

NOT_COUNTED = ("Not counted: the hosted zone (an input, not created; $0.50 a month), the trade processor's "
               "invocations and the API's own traffic (they scale with your use), ACM certificates and API Gateway custom "
               "domains (free), the gateway endpoints for S3 and DynamoDB (free), SNS notices, the interface "
               "endpoints' data ($0.01 per GB), KMS requests, the readiness test's PutMetricData requests, the /health function "
               "runs it causes and its synthetic trades' way through the queue, the processor and the session table (cents), VPC flow logs and other CloudWatch Logs, and Aurora backups within the "
               "cluster's size (free). During a failover the runbook and the watcher add a few hundred "
               "transitions: cents.")

MARK_BEGIN, MARK_END = "<!-- cost.py: begin -->", "<!-- cost.py: end -->"


def money(x):
    return f"${x:,.2f}"


def amount(q):
    return f"{q:,.0f}" if q >= 100 or q == int(q) else f"{q:,.2f}"


def unit_price(amount_usd, per, unit):
    per_text = "" if per == 1 else ("1 million " if per == 1e6 else f"{per:,.0f} ")
    usd = f"{amount_usd:.10f}".rstrip("0").rstrip(".")
    return f"${usd} per {per_text}{unit.rstrip('s') if per == 1 and unit.endswith('s') else unit}"


def table():
    rows, total = [], 0.0
    for part, region, q, key, note in INVENTORY:
        if q == 0:
            continue
        usd, per, unit, page, checked = PRICES[key]
        cost = q * usd / per
        total += cost
        checked = "" if checked == "page" else f", {checked}"
        rows.append(f"| {part} | {region} | {amount(q)} {unit}{' (' + note + ')' if note else ''} | "
                    f"{unit_price(usd, per, unit)} | {money(cost)} | {page}, {TAKEN}{checked} |")
    out = ["| part | region | a month | unit price | cost a month | price from, taken |", "|---|---|---|---|---|---|"]
    out += rows
    out.append(f"| **total** | | | | **{money(total)}** | |")
    out.append("")
    out.append(NOT_COUNTED)
    return "\n".join(out) + "\n"


def main():
    text = table()
    if "--write" in sys.argv[1:]:
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates", "guides", "failover-operations.md")
        with open(path) as f:
            guide = f.read()
        head, rest = guide.split(MARK_BEGIN, 1)
        _, tail = rest.split(MARK_END, 1)
        with open(path, "w") as f:
            f.write(f"{head}{MARK_BEGIN}\n{text}{MARK_END}{tail}")
        return
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
