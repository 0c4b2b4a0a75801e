"""AWS's API rate limits, when on (POST /_trdr/rate-limits; the benchmarks turn them on): token
buckets per account as AWS documents them, and per-bucket statistics (GET /_trdr/rate-stats).

- RDS: "up to 300 requests in a burst and a sustained 12 requests per second", per account and
  region, every operation together (RDS User Guide, "Request throttling for the Amazon RDS API").
- Route 53: the account's bucket 50 / 10, and each operation its own: CreateHealthCheck 50 / 0.5,
  DeleteHealthCheck 15 / 3, GetHealthCheckStatus 4 / 1, the others 50 / 10 (Route 53 Developer
  Guide, "Throttling for Amazon Route 53 API requests"). A request takes a token from both;
  either empty throttles it, and then neither is spent.
"""

import time

from . import calllog
from .clock import lock
from .rules import rule

RATE_LIMIT_RULE = rule(
    "rate_limit", "rds, route53", "Throttling",
    "Amazon RDS User Guide, Request throttling for the Amazon RDS API; Amazon Route 53 Developer "
    "Guide, Quotas (throttling of API requests)",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html")

# (burst, refill per second)
RDS_LIMIT = (300.0, 12.0)
ROUTE53_LIMITS = {"account": (50.0, 10.0), "CreateHealthCheck": (50.0, 0.5),
                  "DeleteHealthCheck": (15.0, 3.0), "GetHealthCheckStatus": (4.0, 1.0)}

on = [False]
# bucket name → (tokens, last refill)
_buckets = {}
# calls answered per service, calls throttled per bucket, and the busiest second per bucket
stats = {"calls": {}, "throttled": {}, "peak": {}}
_second = {}


def switch(enabled, reset_stats=False):
    """Turns the limits on or off with full buckets (POST /_trdr/rate-limits)."""
    with lock:
        on[0] = bool(enabled)
        _buckets.clear()
        if reset_stats:
            for v in stats.values():
                v.clear()
            _second.clear()
        return on[0]


def _tokens(name, limit, now):
    burst, rate = limit
    tokens, at = _buckets.get(name, (burst, now))
    return min(burst, tokens + (now - at) * rate)


def _count(name, now):
    sec = int(now)
    count = _second.get(name, (sec, 0))
    count = (sec, count[1] + 1) if count[0] == sec else (sec, 1)
    _second[name] = count
    stats["peak"][name] = max(stats["peak"].get(name, 0), count[1])


def throttled(service, region, method, path):
    """Whether AWS's rate limit throttles this call (only while they are on); counts every call."""
    now = time.monotonic()
    key = f"{service}/{region}" if service != "route53" else "route53"
    with lock:
        stats["calls"][key] = stats["calls"].get(key, 0) + 1
        _count(key, now)
        if not on[0]:
            return False
        if service == "rds":
            names = [(key, RDS_LIMIT)]
        elif service == "route53":
            op = calllog.route53_operation(method, path)
            names = [("route53", ROUTE53_LIMITS["account"])]
            if op in ROUTE53_LIMITS:
                names.append((f"route53/{op}", ROUTE53_LIMITS[op]))
        else:
            return False
        for name, limit in names:
            if _tokens(name, limit, now) < 1.0:
                _buckets[name] = (_tokens(name, limit, now), now)
                stats["throttled"][name] = stats["throttled"].get(name, 0) + 1
                return True
        for name, limit in names:
            _buckets[name] = (_tokens(name, limit, now) - 1.0, now)
    return False
