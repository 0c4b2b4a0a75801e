"""Route 53: health checks' CallerReference, what the checkers observe, and the control plane
(in us-east-1) apart from the data plane, which keeps answering during its impairment.

`GetHealthCheckStatus` answers with observations from eight checker regions whose health tests
set (POST /_trdr/route53/health) or the sandbox's model of the endpoint (outage.py). The control
plane can be switched off per hosted zone (POST /_trdr/route53/control-plane): its changes fail as
during a us-east-1 impairment while GET /_trdr/route53/resolve answers the failover pair as
Route 53's resolvers would."""

import re
import time

from . import outage
from .clock import lock
from .rules import refused, rule
from .wire import R53_NS, element, rest_path, rest_xml_error, text

API = "https://docs.aws.amazon.com/Route53/latest/APIReference/"

# Route 53 API Reference, CreateHealthCheck: CallerReference "Length Constraints: Minimum length
# of 1. Maximum length of 64."
CALLER_REFERENCE_MAX = 64
CALLER_REFERENCE_RULE = rule(
    "caller_reference_length", "route53", "InvalidInput",
    "Amazon Route 53 API Reference, CreateHealthCheck (CallerReference: at most 64 characters)",
    API + "API_CreateHealthCheck.html")
CONTROL_PLANE_RULE = rule(
    "route53_control_plane", "route53", "ServiceUnavailable",
    "Amazon Route 53 Developer Guide, Route 53 concepts: control plane (us-east-1) and data plane",
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/route-53-concepts.html")

CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1",
                   "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]

# health check id → healthy (set by tests); zone ids whose control plane is off
health = {}
zones_down = set()


async def route53(orig, method, path, headers, body, query):
    p = rest_path(path)
    if method == "POST" and p == "/healthcheck":
        ref = element(text(body), "CallerReference") or ""
        if len(ref) > CALLER_REFERENCE_MAX:
            return refused(CALLER_REFERENCE_RULE, rest_xml_error(
                "InvalidInput",
                f"1 validation error detected: Value '{ref}' at 'callerReference' failed to satisfy "
                f"constraint: Member must have length less than or equal to {CALLER_REFERENCE_MAX}",
            ))
    m = re.match(r"^/hostedzone/([^/]+)/rrset/?$", p)
    if method == "POST" and m:
        with lock:
            down = m.group(1) in zones_down
        if down:
            return refused(CONTROL_PLANE_RULE, rest_xml_error(
                "ServiceUnavailable",
                "Route 53's control plane is unavailable (sandbox: us-east-1 impairment).", 503))
    m = re.match(r"^/healthcheck/([^/]+)/status$", p)
    if method == "GET" and m:
        return await _health_status(orig, m.group(1), headers)
    return await orig(method, path, headers, body, query)


async def _health_status(orig, hc, headers):
    status, _, _ = await orig("GET", f"/2013-04-01/healthcheck/{hc}", headers, b"", {})
    if status >= 400:
        return rest_xml_error("NoSuchHealthCheck", f"A health check with id {hc} does not exist.", 404)
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
    with lock:
        if hc in health:
            return health[hc]
    status, _, rb = await orig("GET", f"/2013-04-01/healthcheck/{hc}", headers, b"", {})
    fqdn = element(text(rb), "FullyQualifiedDomainName") if status < 300 else None
    if not fqdn:
        return True
    with lock:
        if fqdn in outage.flaps:
            return False
    return outage.endpoint_healthy(fqdn)


async def resolve(zone, name):
    """The data plane: the failover pair answered as Route 53's resolvers would."""
    from ministack import app as app_mod

    # The data plane answers during a control-plane outage: below the outage's wrapper.
    handler = outage.inner_handlers.get("route53") or app_mod.SERVICE_HANDLERS["route53"]
    hdrs = {"authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/route53/aws4_request",
            "host": "route53.amazonaws.com"}
    status, _, rb = await handler("GET", f"/2013-04-01/hostedzone/{zone}/rrset", hdrs, b"", {})
    if status >= 400:
        return None
    xml = text(rb)
    want = name.rstrip(".") + "."
    records = {}
    for block in re.findall(r"<ResourceRecordSet>.*?</ResourceRecordSet>", xml, flags=re.S):
        if (element(block, "Name") or "").rstrip(".") + "." != want:
            continue
        role = element(block, "Failover")
        if role:
            records[role] = block
    for role in ("PRIMARY", "SECONDARY"):
        block = records.get(role)
        if not block:
            continue
        hc = element(block, "HealthCheckId")
        if role == "SECONDARY" or hc is None or await _checkers_see(handler, hc, hdrs):
            return {"value": element(block, "Value"), "set_identifier": element(block, "SetIdentifier"),
                    "failover": role}
    return None
