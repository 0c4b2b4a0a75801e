"""The two-region-dr example's hourly readiness test (examples/two-region-dr/lambda/readiness.py)
against the local sandbox's CloudWatch and two regional APIs emulated on 127.0.0.1: a region that
answers GET /health 200 and accepts a SigV4-signed POST /trades (202) is reported serving
(Trading/Readiness RegionServes 1, dimension Region), anything else 0 — a 503 health, a refused
trade, a target that never answers (within the timeout) — in the function's OWN region, and a run
never raises for a failed target, nor when the other region (or its own CloudWatch) is down.

    scripts/sandbox.sh run .venv/bin/python tests/examples/run.py

Each case runs the function as if it lived in a region of its own (AWS_REGION), so that what it
published there is that case's alone. The APIs are plain HTTP on 127.0.0.1 (SCHEME=http, which the
function allows for loopback hosts only); a guard fails the case if anything resolves a name other
than the loopback address. The region outage is sandbox-wide (POST /_trdr/region/outage): run this
on a sandbox of its own, as run.py does.
"""

import contextlib
import datetime
import http.server
import io
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.request
from unittest import mock

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAMBDA_DIR = os.path.join(ROOT, "examples", "two-region-dr", "lambda")
# No __pycache__ in the example's lambda/ folder: Terraform zips that folder as it is.
sys.dont_write_bytecode = True
sys.path.insert(0, LAMBDA_DIR)

import readiness  # noqa: E402

ENDPOINT = os.environ.get("TRDR_ENDPOINT_URL", "")
PRIMARY, SECONDARY = "us-east-1", "us-east-2"
NAMESPACE = "Trading/Readiness"
# Each probe's timeout: wide enough that the local targets answer in time beside a build on a
# small machine; the tests check what each failure is classified as, not how fast.
TIMEOUT_MS = 2000
KEY_ID, SECRET, TOKEN = "AKIDREADINESSTEST", "readiness-secret-key", "readiness-session-token"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RegionalApi:
    """One region's API on 127.0.0.1: GET /health answers `health` (200 or 503), POST /trades
    answers `trades` (202 with a message id, or e.g. 403/500); every request is recorded."""

    def __init__(self, region):
        self.region, self.health, self.trades = region, 200, 202
        self.requests = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                api.requests.append(("GET", self.path, dict(self.headers.items()), b""))
                if self.path == "/health":
                    self._answer(api.health, {"status": "ok" if api.health == 200 else "unavailable",
                                              "region": api.region})
                else:
                    self._answer(404, {"message": "not found"})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                api.requests.append(("POST", self.path, dict(self.headers.items()), body))
                if self.path != "/trades":
                    self._answer(404, {"message": "not found"})
                elif api.trades == 202:
                    self._answer(202, {"messageId": f"m-{len(api.requests)}"})
                elif api.trades == 403:
                    self._answer(403, {"message": "Credential should be scoped to a valid region."})
                else:
                    self._answer(api.trades, {"message": "trade not queued"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.health, self.trades = 200, 202
        self.requests.clear()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """Accepts connections on 127.0.0.1 and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.host = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()


def closed_port_host():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


def control(path, data):
    req = urllib.request.Request(ENDPOINT + path, data=json.dumps(data).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def cloudwatch(region):
    # app/trdr-acceptance: the sandbox's call log files these calls as the tests' own.
    return boto3.client("cloudwatch", region_name=region, endpoint_url=ENDPOINT,
                        config=Config(user_agent_appid="trdr-acceptance"),
                        aws_access_key_id="test", aws_secret_access_key="test")


_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name not in LOOPBACK:
        raise AssertionError(f"the readiness test tried to reach {name!r}: only 127.0.0.1 may be contacted")
    return _real_getaddrinfo(host, *args, **kwargs)


class ReadinessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:"):
            raise unittest.SkipTest("TRDR_ENDPOINT_URL is not a loopback sandbox: run through scripts/sandbox.sh run")
        cls.apis = {PRIMARY: RegionalApi(PRIMARY), SECONDARY: RegionalApi(SECONDARY)}
        cls.silent = Silent()

    @classmethod
    def tearDownClass(cls):
        for region in (PRIMARY, SECONDARY):
            with contextlib.suppress(Exception):
                control("/_trdr/region/outage", {"region": region, "down": False})
        for api in cls.apis.values():
            api.close()
        cls.silent.close()

    def setUp(self):
        for api in self.apis.values():
            api.reset()

    def targets(self, **hosts):
        out = {PRIMARY: self.apis[PRIMARY].host, SECONDARY: self.apis[SECONDARY].host}
        out.update({k.replace("_", "-"): v for k, v in hosts.items()})
        return out

    def run_in(self, own_region, targets=None, scheme="http", timeout_ms=TIMEOUT_MS):
        """Invokes the handler as Scheduler would in `own_region`; returns (report, seconds)."""
        env = {"AWS_REGION": own_region, "AWS_DEFAULT_REGION": own_region, "AWS_ENDPOINT_URL": ENDPOINT,
               "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
               "TARGETS": json.dumps(targets or self.targets()), "TIMEOUT_MS": str(timeout_ms),
               "SCHEME": scheme}
        out = io.StringIO()
        with mock.patch.dict(os.environ, env), mock.patch.object(socket, "getaddrinfo", _loopback_only), \
                contextlib.redirect_stdout(out):
            start = time.monotonic()
            report = readiness.handler({"scheduledTime": "2025-01-01T12:00:00Z"}, None)
            seconds = time.monotonic() - start
        # It logs what it returns, as one JSON line.
        logged = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
        self.assertIn(report, logged)
        self.assertEqual(report["region"], own_region)
        return report, seconds

    def published(self, own_region, report, metric="RegionServes"):
        """{target region: the value published in own_region for this run} (None: nothing)."""
        stamp = datetime.datetime.strptime(report["checkedAt"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        cw = cloudwatch(own_region)
        values = {}
        for target in (PRIMARY, SECONDARY):
            points = cw.get_metric_statistics(
                Namespace=NAMESPACE, MetricName=metric, Dimensions=[{"Name": "Region", "Value": target}],
                StartTime=stamp - datetime.timedelta(minutes=5), EndTime=stamp + datetime.timedelta(minutes=5),
                Period=60, Statistics=["Minimum", "Maximum", "SampleCount"])["Datapoints"]
            if not points:
                values[target] = None
                continue
            self.assertEqual(sum(p["SampleCount"] for p in points), 1, f"one datum per run: {points}")
            values[target] = points[0]["Minimum"]
        return values

    # ------------------------------------------------------------------------------------------

    def test_both_regions_serve(self):
        own = "eu-west-1"
        report, _ = self.run_in(own)
        self.assertTrue(report["published"], report)
        for region in (PRIMARY, SECONDARY):
            target = report["targets"][region]
            self.assertTrue(target["serves"], report)
            self.assertEqual((target["health"]["status"], target["health"]["reason"]), (200, "ok"))
            self.assertEqual((target["trade"]["status"], target["trade"]["reason"]), (202, "ok"))
        self.assertEqual(self.published(own, report), {PRIMARY: 1.0, SECONDARY: 1.0})
        self.assertEqual(self.published(own, report, "HealthOk"), {PRIMARY: 1.0, SECONDARY: 1.0})
        self.assertEqual(self.published(own, report, "TradeAccepted"), {PRIMARY: 1.0, SECONDARY: 1.0})
        # Only in its own region: nothing of this run anywhere else.
        self.assertEqual(cloudwatch("eu-north-1").list_metrics(Namespace=NAMESPACE)["Metrics"], [])
        # Each region got exactly one health call and one synthetic trade, on its own name.
        for region, api in self.apis.items():
            self.assertEqual(sorted((m, p) for m, p, _, _ in api.requests), [("GET", "/health"), ("POST", "/trades")])
            trade = json.loads(next(b for m, _, _, b in api.requests if m == "POST"))
            self.assertEqual(trade["sessionId"], f"readiness-{region}-{report['checkedAt'][:13].replace('-', '').replace('T', '')}-from-{own}")
            self.assertIs(trade["synthetic"], True)

    def test_a_region_whose_health_answers_503_does_not_serve(self):
        own = "eu-west-2"
        self.apis[SECONDARY].health = 503
        report, _ = self.run_in(own)
        self.assertTrue(report["targets"][PRIMARY]["serves"])
        self.assertFalse(report["targets"][SECONDARY]["serves"])
        self.assertEqual(report["targets"][SECONDARY]["health"]["reason"], "http-503")
        self.assertTrue(report["targets"][SECONDARY]["trade"]["ok"])
        self.assertEqual(self.published(own, report), {PRIMARY: 1.0, SECONDARY: 0.0})
        self.assertEqual(self.published(own, report, "HealthOk"), {PRIMARY: 1.0, SECONDARY: 0.0})
        self.assertEqual(self.published(own, report, "TradeAccepted"), {PRIMARY: 1.0, SECONDARY: 1.0})

    def test_a_refused_trade_means_the_region_does_not_serve(self):
        own = "eu-west-3"
        self.apis[PRIMARY].trades = 403
        self.apis[SECONDARY].trades = 503
        report, _ = self.run_in(own)
        self.assertEqual(report["targets"][PRIMARY]["trade"]["reason"], "http-403")
        self.assertEqual(report["targets"][SECONDARY]["trade"]["reason"], "http-503")
        for region in (PRIMARY, SECONDARY):
            self.assertTrue(report["targets"][region]["health"]["ok"])
            self.assertFalse(report["targets"][region]["serves"])
        self.assertEqual(self.published(own, report), {PRIMARY: 0.0, SECONDARY: 0.0})
        self.assertEqual(self.published(own, report, "TradeAccepted"), {PRIMARY: 0.0, SECONDARY: 0.0})

        own = "eu-central-1"
        self.apis[PRIMARY].trades, self.apis[SECONDARY].trades = 500, 202
        report, _ = self.run_in(own)
        self.assertEqual(report["targets"][PRIMARY]["trade"]["reason"], "http-500")
        self.assertEqual(self.published(own, report), {PRIMARY: 0.0, SECONDARY: 1.0})

    def test_a_target_that_never_answers_is_reported_within_the_timeout(self):
        own = "ap-southeast-1"
        report, seconds = self.run_in(own, self.targets(us_east_2=self.silent.host))
        # Four calls at once, each with TIMEOUT_MS: the run ends after about one timeout.
        self.assertLess(seconds, TIMEOUT_MS / 1000.0 + 2.0, report)
        self.assertTrue(report["targets"][PRIMARY]["serves"])
        target = report["targets"][SECONDARY]
        self.assertFalse(target["serves"])
        self.assertEqual((target["health"]["reason"], target["trade"]["reason"]), ("timeout", "timeout"))
        self.assertEqual(self.published(own, report), {PRIMARY: 1.0, SECONDARY: 0.0})

    def test_a_target_refusing_connections_does_not_serve(self):
        own = "ap-southeast-2"
        report, _ = self.run_in(own, self.targets(us_east_1=closed_port_host()))
        self.assertEqual(report["targets"][PRIMARY]["health"]["reason"], "refused")
        self.assertEqual(self.published(own, report), {PRIMARY: 0.0, SECONDARY: 1.0})

    def test_trades_are_signed_with_sigv4_for_the_targets_region(self):
        self.run_in("ap-northeast-1")
        credentials = Credentials(KEY_ID, SECRET, TOKEN)
        for region, api in self.apis.items():
            (get,) = [r for r in api.requests if r[0] == "GET"]
            self.assertNotIn("Authorization", get[2], "GET /health is called unsigned, as Route 53 calls it")
            (post,) = [r for r in api.requests if r[0] == "POST"]
            _, path, headers, body = post
            auth = headers["Authorization"]
            self.assertTrue(auth.startswith("AWS4-HMAC-SHA256 "), auth)
            fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
            key_id, date, scope_region, service, terminator = fields["Credential"].split("/")
            self.assertEqual((key_id, scope_region, service, terminator), (KEY_ID, region, "execute-api", "aws4_request"))
            self.assertEqual(date, headers["X-Amz-Date"][:8])
            signed = fields["SignedHeaders"].split(";")
            self.assertIn("host", signed)
            self.assertIn("x-amz-date", signed)
            self.assertIn("x-amz-security-token", signed)
            self.assertEqual(headers["X-Amz-Security-Token"], TOKEN)
            # The signature itself: recomputed over what arrived, for this region's execute-api.
            by_name = {k.lower(): v for k, v in headers.items()}
            request = AWSRequest(method="POST", url=f"http://{api.host}{path}", data=body,
                                 headers={h: by_name[h] for h in signed})
            request.context["timestamp"] = headers["X-Amz-Date"]
            signer = SigV4Auth(credentials, "execute-api", region)
            expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
            self.assertEqual(fields["Signature"], expected, f"the signature for {region} does not verify")
            other = SigV4Auth(credentials, "execute-api", PRIMARY if region == SECONDARY else SECONDARY)
            self.assertNotEqual(fields["Signature"], other.signature(
                other.string_to_sign(request, other.canonical_request(request)), request))

    def test_each_region_reports_both_in_its_own_region_while_the_other_is_down(self):
        # us-east-2 is down: its AWS APIs (CloudWatch included) fail in the sandbox, and its
        # regional API answers 503 to everything.
        self.apis[SECONDARY].health, self.apis[SECONDARY].trades = 503, 503
        control("/_trdr/region/outage", {"region": SECONDARY, "down": True})
        try:
            report, _ = self.run_in(PRIMARY)
            self.assertTrue(report["published"], report)
            self.assertEqual(self.published(PRIMARY, report), {PRIMARY: 1.0, SECONDARY: 0.0})
            # The function in the failed region cannot publish: it says so, and does not raise.
            down, _ = self.run_in(SECONDARY)
            self.assertFalse(down["published"], down)
            self.assertFalse(down["targets"][SECONDARY]["serves"])
        finally:
            control("/_trdr/region/outage", {"region": SECONDARY, "down": False})
        # Back: the us-east-2 function reports both regions in us-east-2.
        self.apis[SECONDARY].reset()
        report, _ = self.run_in(SECONDARY)
        self.assertTrue(report["published"], report)
        self.assertEqual(self.published(SECONDARY, report), {PRIMARY: 1.0, SECONDARY: 1.0})

    def test_plain_http_is_refused_for_anything_but_the_loopback_address(self):
        # Nothing is contacted: the guard would fail the case if a name were resolved.
        report, seconds = self.run_in("sa-east-1", {PRIMARY: "api-us-east-1.example.com",
                                                    SECONDARY: self.apis[SECONDARY].host})
        self.assertEqual(report["targets"][PRIMARY]["health"]["reason"], "unconfigured")
        self.assertEqual(report["targets"][PRIMARY]["trade"]["reason"], "unconfigured")
        self.assertFalse(report["targets"][PRIMARY]["serves"])
        self.assertTrue(report["targets"][SECONDARY]["serves"])
        self.assertLess(seconds, 5)

    def test_a_broken_configuration_is_reported_not_raised(self):
        own = "ca-central-1"
        with mock.patch.dict(os.environ, {"TARGETS": "not json"}):
            env = readiness._env()
        self.assertEqual(env["targets"], {})
        # No credentials: the trades cannot be signed, the health calls still run.
        with mock.patch.object(readiness, "_credentials", return_value=None):
            report, _ = self.run_in(own)
        for region in (PRIMARY, SECONDARY):
            self.assertEqual(report["targets"][region]["trade"]["reason"], "unconfigured")
            self.assertTrue(report["targets"][region]["health"]["ok"])
        self.assertEqual(self.published(own, report), {PRIMARY: 0.0, SECONDARY: 0.0})
        for api in self.apis.values():
            self.assertEqual([m for m, *_ in api.requests], ["GET"])

    def test_lambda_time_left_caps_the_wait(self):
        class Context:
            @staticmethod
            def get_remaining_time_in_millis():
                return readiness.LAMBDA_MARGIN_MS + 300

        env = {"AWS_REGION": "me-south-1", "AWS_ENDPOINT_URL": ENDPOINT, "AWS_ACCESS_KEY_ID": KEY_ID,
               "AWS_SECRET_ACCESS_KEY": SECRET, "TARGETS": json.dumps(self.targets(us_east_1=self.silent.host)),
               "TIMEOUT_MS": "5000", "SCHEME": "http"}
        with mock.patch.dict(os.environ, env), mock.patch.object(socket, "getaddrinfo", _loopback_only), \
                contextlib.redirect_stdout(io.StringIO()):
            start = time.monotonic()
            report = readiness.handler({}, Context())
            seconds = time.monotonic() - start
        self.assertLess(seconds, 2.5, "it stopped waiting when the invocation's time ran short")
        self.assertEqual(report["targets"][PRIMARY]["health"]["reason"], "timeout")
        self.assertTrue(report["targets"][SECONDARY]["serves"])


if __name__ == "__main__":
    unittest.main()
