"""Region outages, application endpoints' health, and answers the SDK cannot read.

A region in an outage answers nothing well: 503 or 500 (the retryable codes AWS answers with),
never a clean refusal (AWS Fault Isolation Boundaries whitepaper; AWS post-event summaries).
Route 53's control plane, IAM and STS live in us-east-1, so an outage there takes them along
(Route 53 Developer Guide, control and data planes). Network time-outs are modelled on the HTTP
probes, which is where trdr's decisions read them; a control-plane call fails at once here, so
its callers' retries run out in sandbox time.

An application endpoint's health is the sandbox's model of it (no request leaves the machine):
its region's outage, a forced health, or a flap pattern (POST /_trdr/endpoint). Route 53's
checkers and Step Functions' HTTP Task both read it.
"""

import os
import re
import time

from . import calllog, throttling
from .clock import lock
from .rules import refused, rule
from .wire import cloudwatch_error, json_error, query_error, region_of, rest_xml_error, s3_error

REGION_OUTAGE_RULE = rule(
    "region_outage", "every service", "ServiceUnavailable",
    "AWS Fault Isolation Boundaries, Regional services (a Region's impairment; 5xx answers)",
    "https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/regional-services.html")
UNREADABLE_RULE = rule(
    "unreadable_answer", "every service", None,
    "none: AWS documents no such answer; CloudWatch once gave one to a user", None)

GLOBAL_SERVICES_IN_US_EAST_1 = {"route53", "iam", "sts"}
# How long a probe of an endpoint in a region in an outage hangs before it fails (real seconds:
# a network timeout is no processing time of AWS's).
OUTAGE_HANG = float(os.environ.get("TRDR_SANDBOX_OUTAGE_HANG", "0.3"))
REGION_NAMES = re.compile(r"(?:^|[.-])((?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d)(?:$|[.-])")

# Regions in an outage; fqdn → forced health; fqdn → [flap pattern, position]
regions_down = set()
endpoint_health = {}
flaps = {}
# fqdn → HTTP probes answered
probe_counts = {}
# (service, region) pairs that answer unreadably (POST /_trdr/unreadable)
unreadable = set()
# service → its handler below the outage's wrapper
inner_handlers = {}


def endpoint_region(fqdn):
    m = REGION_NAMES.search(fqdn or "")
    return m.group(1) if m else None


def endpoint_healthy(fqdn, probe=False):
    """Whether an application endpoint answers its health path now. A probe advances a flap."""
    with lock:
        if endpoint_region(fqdn) in regions_down:
            return False
        flap = flaps.get(fqdn)
        if flap is not None:
            pattern, pos = flap
            if probe:
                flap[1] = pos + 1
            return bool(pattern[pos % len(pattern)])
        return endpoint_health.get(fqdn, True)


def down(region):
    with lock:
        return region in regions_down


def _failure(service, region, headers):
    code, status = ("ServiceUnavailable", 503) if int(time.monotonic() * 10) % 2 else ("InternalFailure", 500)
    message = f"{region} is unavailable (sandbox region outage)"
    if service == "monitoring":  # CloudWatch, by its endpoint prefix
        return cloudwatch_error(headers, code, message, status)
    if service in ("rds", "iam", "sts", "sns"):
        return query_error(code, message, status)
    if service == "route53":
        return rest_xml_error(code, message, status)
    if service == "s3":
        return s3_error("InternalError" if status == 500 else code, message, status)
    return json_error(code, message, status)


async def outage(service, orig, method, path, headers, body, query):
    """The first wrapper of every service: logs the call, then a region in an outage, an
    unreadable service or an empty rate-limit bucket answers before any other rule looks."""
    region = "us-east-1" if service in GLOBAL_SERVICES_IN_US_EAST_1 else region_of(headers)
    calllog.record(service, region, method, path, headers, body, query)
    with lock:
        is_down = region in regions_down
        garbled = (service, region) in unreadable
    if garbled:
        refused(UNREADABLE_RULE, None)
        return 200, {"Content-Type": "application/octet-stream"}, b"\xff\xfe<not a response of this protocol"
    if not is_down:
        if throttling.throttled(service, region, method, path):
            refused(throttling.RATE_LIMIT_RULE, None)
            if service == "rds":
                return query_error("Throttling", "Rate exceeded", 400)
            if service == "monitoring":  # CloudWatch, by its endpoint prefix
                return cloudwatch_error(headers, "Throttling", "Rate exceeded", 400)
            return rest_xml_error("Throttling", "Rate exceeded", 400)
        return await orig(method, path, headers, body, query)
    return refused(REGION_OUTAGE_RULE, _failure(service, region, headers))
