"""The hourly readiness test: can each region serve a client right now, through its regional name?

EventBridge Scheduler invokes `handler` once an hour in EACH region. Every run calls, for both
regions, what a client would call, through that region's own custom domain (TARGETS):

- `GET  https://api-REGION.<zone>/health`: the region's own health (lambda/health.py), unsigned
  as Route 53's checkers call it; ok when it answers 200;
- `POST https://api-REGION.<zone>/trades`: a synthetic trade, `{"sessionId":
  "readiness-<target>-<YYYYMMDDHH>-from-<this region>", "synthetic": true, ...}`, signed with
  SigV4 for that region's execute-api (the function's own credentials; its role may call exactly
  POST /trades of the two stages); ok when the API answers 202 (SQS stored it).

It publishes what it saw in ITS OWN region (AWS_REGION), namespace `Trading/Readiness`, one datum
per target region (dimension `Region` = the target): `RegionServes` (1 when both calls succeeded,
else 0), `HealthOk` and `TradeAccepted` (1/0 each). Each region's alarms (readiness.tf) watch the
Minimum of RegionServes over an hour for both targets, missing data breaching: a region that fails
either call, or a run that published nothing, alarms. Reporting needs nothing from the other
region: a run in the surviving region reports the failed one as 0 from there.

A failed target is data, not an error: the handler never raises for one (and does not raise when
publishing fails either: the alarm then sees no datum, which breaches). It returns, and logs as one
JSON line, what it found:

    {"region": "us-east-1", "checkedAt": "2025-01-01T12:00:03Z", "published": true,
     "targets": {"us-east-2": {"serves": false,
                               "health": {"ok": false, "status": 503, "reason": "http-503", "ms": 80},
                               "trade": {"ok": true, "status": 202, "reason": "ok", "ms": 95}}, ...}}

Reasons: "ok", "http-NNN", "timeout", "refused", "dns", "tls", "unavailable", "unconfigured",
"error". Bodies are never logged (a trade's answer carries only a message id, a health answer only
"ok" or short reasons, but neither is needed here).

Time: every call has TIMEOUT_MS (default 5000) to connect and to answer; the four calls run at once
and the handler stops waiting when they have had that long plus a second (never past what the
invocation has left), reporting any still running as "timeout".

Environment:
  TARGETS      JSON {"us-east-1": "api-us-east-1.example.com", "us-east-2": "..."}: each target
               region's regional name (host, optionally host:port);
  TIMEOUT_MS   per call (default 5000);
  HEALTH_PATH  default "/health"; TRADES_PATH default "/trades";
  SCHEME       "https" (the default). "http" is for local tests only: it is refused (the target
               reported "unconfigured") for any host that is not the loopback address, so a
               signed request never crosses a network in clear;
  AWS_REGION   this region (set by Lambda): where the metrics go.

IAM: cloudwatch:PutMetricData (namespace Trading/Readiness, this region), execute-api:Invoke on
arn:aws:execute-api:REGION:ACCOUNT:API_ID/prod/POST/trades of both regions, and the log group's
writes. It runs outside the VPC: it calls the public regional names, as clients do.
"""

import datetime
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config

NAMESPACE = "Trading/Readiness"
DEFAULT_TIMEOUT_MS = 5000
# Left to the Lambda runtime (and the PutMetricData call) when the invocation is nearly out of time.
LAMBDA_MARGIN_MS = 3000
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# No proxy: the regional names are called directly, as a client on the internet calls them.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _env():
    try:
        timeout_ms = max(100, int(os.environ.get("TIMEOUT_MS", DEFAULT_TIMEOUT_MS)))
    except ValueError:
        timeout_ms = DEFAULT_TIMEOUT_MS
    try:
        targets = json.loads(os.environ.get("TARGETS", "{}"))
        if not isinstance(targets, dict):
            targets = {}
    except ValueError:
        targets = {}
    return {
        "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", ""),
        "targets": {str(k): str(v) for k, v in targets.items()},
        "timeout_s": timeout_ms / 1000.0,
        "scheme": os.environ.get("SCHEME", "https").lower(),
        "health_path": os.environ.get("HEALTH_PATH", "/health"),
        "trades_path": os.environ.get("TRADES_PATH", "/trades"),
    }


def _reason(err):
    """A short reason for an exception raised by a call."""
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        err = err.reason if isinstance(err.reason, BaseException) else err
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "refused"
    if isinstance(err, socket.gaierror):
        return "dns"
    if isinstance(err, ssl.SSLError):
        return "tls"
    if isinstance(err, (ConnectionError, OSError)):
        return "unavailable"
    return "error"


def _call(method, url, body, headers, timeout_s):
    """(HTTP status or None, reason, ms). Reads at most a little of the answer, logs none of it."""
    start = time.monotonic()
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _opener.open(req, timeout=timeout_s) as resp:
            resp.read(4096)
            status = resp.status
    except urllib.error.HTTPError as err:
        status = err.code
        err.close()
    except Exception as err:  # noqa: BLE001 - a failed call is data
        return None, _reason(err), int((time.monotonic() - start) * 1000)
    return status, "ok", int((time.monotonic() - start) * 1000)


def _signed_headers(credentials, region, url, body):
    """SigV4 for `region`'s execute-api over exactly this request (host, path, body)."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def _base_url(env, host):
    """The target's base URL, or None when its configuration may not be used."""
    if not host or "/" in host:
        return None
    if env["scheme"] == "https":
        return f"https://{host}"
    if env["scheme"] == "http" and urllib.parse.urlsplit(f"http://{host}").hostname in LOOPBACK:
        return f"http://{host}"
    return None


def check_region(env, target, host, credentials, stamp, results, lock):
    """Both calls on one target region, at once; fills results[target]."""
    base = _base_url(env, host)
    if base is None:
        with lock:
            for kind in ("health", "trade"):
                results[target][kind] = {"ok": False, "status": None, "reason": "unconfigured", "ms": 0}
        return

    def health():
        status, reason, ms = _call("GET", base + env["health_path"], None, {"Accept": "application/json"},
                                   env["timeout_s"])
        ok = status == 200
        with lock:
            results[target]["health"] = {"ok": ok, "status": status, "reason": "ok" if ok else (
                f"http-{status}" if status else reason), "ms": ms}

    def trade():
        url = base + env["trades_path"]
        body = json.dumps({
            "sessionId": f"readiness-{target}-{stamp:%Y%m%d%H}-from-{env['region']}",
            "synthetic": True,
            "source": "readiness",
            "fromRegion": env["region"],
            "checkedAt": f"{stamp:%Y-%m-%dT%H:%M:%SZ}",
        }, sort_keys=True).encode()
        if credentials is None:
            with lock:
                results[target]["trade"] = {"ok": False, "status": None, "reason": "unconfigured", "ms": 0}
            return
        try:
            headers = _signed_headers(credentials, target, url, body)
        except Exception:  # noqa: BLE001
            with lock:
                results[target]["trade"] = {"ok": False, "status": None, "reason": "error", "ms": 0}
            return
        status, reason, ms = _call("POST", url, body, headers, env["timeout_s"])
        ok = status == 202
        with lock:
            results[target]["trade"] = {"ok": ok, "status": status, "reason": "ok" if ok else (
                f"http-{status}" if status else reason), "ms": ms}

    return [threading.Thread(target=fn, name=f"readiness-{target}-{fn.__name__}", daemon=True)
            for fn in (health, trade)]


def run_checks(env, credentials, stamp, wait_s):
    """{target region: {"serves", "health", "trade"}}, by the deadline."""
    results = {t: {} for t in env["targets"]}
    lock = threading.Lock()
    threads = []
    for target, host in env["targets"].items():
        threads += check_region(env, target, host, credentials, stamp, results, lock) or []
    deadline = time.monotonic() + wait_s
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    with lock:
        out = {}
        for target in env["targets"]:
            got = dict(results[target])
            for kind in ("health", "trade"):
                got.setdefault(kind, {"ok": False, "status": None, "reason": "timeout",
                                      "ms": int(wait_s * 1000)})
            got["serves"] = got["health"]["ok"] and got["trade"]["ok"]
            out[target] = {"serves": got["serves"], "health": got["health"], "trade": got["trade"]}
        return out


def publish(region, results, stamp):
    """PutMetricData in this region; True when CloudWatch took it."""
    data = []
    for target, r in sorted(results.items()):
        for name, value in (("RegionServes", r["serves"]), ("HealthOk", r["health"]["ok"]),
                            ("TradeAccepted", r["trade"]["ok"])):
            data.append({"MetricName": name, "Dimensions": [{"Name": "Region", "Value": target}],
                         "Timestamp": stamp, "Value": 1.0 if value else 0.0, "Unit": "None"})
    if not data or not region:
        return False
    config = Config(region_name=region, connect_timeout=5, read_timeout=5,
                    retries={"total_max_attempts": 3, "mode": "standard"})
    try:
        boto3.session.Session().client("cloudwatch", region_name=region, config=config).put_metric_data(
            Namespace=NAMESPACE, MetricData=data)
    except Exception as err:  # noqa: BLE001 - no datum: the alarm treats missing data as breaching
        print(json.dumps({"publish": "failed", "error": f"{type(err).__name__}: {err}"[:300]}), flush=True)
        return False
    return True


def _credentials():
    try:
        creds = boto3.session.Session().get_credentials()
        return creds.get_frozen_credentials() if creds else None
    except Exception:  # noqa: BLE001 - without credentials no trade is signed: reported, not raised
        return None


def handler(event, context):
    env = _env()
    stamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    wait_s = env["timeout_s"] + 1.0
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        wait_s = max(0.1, min(wait_s, (remaining() - LAMBDA_MARGIN_MS) / 1000.0))
    results = run_checks(env, _credentials(), stamp, wait_s)
    published = publish(env["region"], results, stamp)
    report = {"region": env["region"], "checkedAt": f"{stamp:%Y-%m-%dT%H:%M:%SZ}", "published": published,
              "targets": results}
    if isinstance(event, dict) and event.get("scheduledTime"):
        report["scheduledTime"] = str(event["scheduledTime"])[:40]
    print(json.dumps(report, sort_keys=True), flush=True)
    return report
