"""The two-region-dr example's health function (examples/two-region-dr/lambda/health.py) against
the local sandbox: 200 while its region serves, 503 when the region's table, queue or database is
unavailable, and never waiting past its budget.

Run under a fresh sandbox (it sets TRDR_ENDPOINT_URL and fake credentials):

    scripts/sandbox.sh run .venv/bin/python -m unittest discover -s tests/examples -v

The test makes what it needs in the sandbox (a session table, a queue and the application's
secret, in REGION) and removes it afterwards. The sandbox has no PostgreSQL, so the database is a
fake on 127.0.0.1 that speaks just enough of PostgreSQL's protocol (startup, cleartext password,
simple query) for pg8000's `SELECT 1`; a listener that accepts and never answers, and a closed
port, stand for an unreachable database. Nothing outside 127.0.0.1 is contacted.

The region outage is sandbox-wide (POST /_trdr/region/outage): run this on a sandbox of its own.
"""

import contextlib
import io
import json
import os
import secrets
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.request
import uuid
from unittest import mock

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAMBDA_DIR = os.path.join(ROOT, "examples", "two-region-dr", "lambda")
# No __pycache__ in the example's lambda/ folder: Terraform zips that folder as it is.
sys.dont_write_bytecode = True
sys.path.insert(0, LAMBDA_DIR)

import health  # noqa: E402

REGION = "us-east-2"
OTHER_REGION = "us-west-2"
# Wider than the function's default (2 s, within Route 53's wait): these tests check what each
# failure is classified as, and a sandbox beside a build on a small machine can take more than a
# second to answer the handler's first calls.
BUDGET_MS = 2500
# "Does not hang", not a benchmark: the handler answers within its budget plus a wide margin.
HANG_BOUND_S = 3 * BUDGET_MS / 1000.0
# What the health function may call, and so all its role needs (the sandbox's call log checks it).
HEALTH_ACTIONS = {"dynamodb:DescribeTable", "dynamodb:GetItem", "sqs:GetQueueAttributes",
                  "secretsmanager:GetSecretValue"}
TIMINGS = []


# ---------------------------------------------------------------------------------------------
# A database on 127.0.0.1
# ---------------------------------------------------------------------------------------------

def _msg(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


class FakePostgres:
    """Listens on 127.0.0.1. mode "ok": PostgreSQL's protocol v3 far enough for pg8000 to log in
    with a cleartext password and run a simple query (it declines TLS, as a server without it
    does); mode "silent": accepts connections and never says a word."""

    def __init__(self, mode, username="", password=""):
        self.mode, self.username, self.password = mode, username, password
        self.startups, self.passwords, self.queries, self.tls_requests = [], [], [], 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self):
        return f"127.0.0.1:{self.port}"

    def close(self):
        self.closed = True
        self.sock.close()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.mode == "ok":
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(f, n):
        data = f.read(n)
        if len(data) != n:
            raise EOFError
        return data

    def _serve(self, conn):
        conn.settimeout(10)
        f = conn.makefile("rwb")
        try:
            while True:  # SSLRequest (declined), then the startup message
                (length,) = struct.unpack("!i", self._read(f, 4))
                payload = self._read(f, length - 4)
                if struct.unpack("!i", payload[:4])[0] == 80877103:
                    self.tls_requests += 1
                    f.write(b"N")
                    f.flush()
                    continue
                break
            parts = payload[4:].split(b"\0")
            params = {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2) if parts[i]}
            self.startups.append(params)
            f.write(_msg(b"R", struct.pack("!i", 3)))  # AuthenticationCleartextPassword
            f.flush()
            kind = self._read(f, 1)
            (length,) = struct.unpack("!i", self._read(f, 4))
            given = self._read(f, length - 4).rstrip(b"\0").decode()
            self.passwords.append(given)
            if kind != b"p" or params.get("user") != self.username or given != self.password:
                err = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"%s\"\0\0" % (
                    params.get("user", "").encode())
                f.write(_msg(b"E", err))
                f.flush()
                return
            f.write(_msg(b"R", struct.pack("!i", 0)))  # AuthenticationOk
            for k, v in (("server_version", "16.4"), ("client_encoding", "UTF8"), ("integer_datetimes", "on")):
                f.write(_msg(b"S", k.encode() + b"\0" + v.encode() + b"\0"))
            f.write(_msg(b"K", struct.pack("!ii", 4242, 1)))
            f.write(_msg(b"Z", b"I"))
            f.flush()
            while True:
                kind = f.read(1)
                if kind in (b"", b"X"):
                    return
                (length,) = struct.unpack("!i", self._read(f, 4))
                body = self._read(f, length - 4)
                if kind != b"Q":
                    f.write(_msg(b"E", b"SERROR\0C0A000\0Monly simple queries here\0\0"))
                    f.write(_msg(b"Z", b"I"))
                    f.flush()
                    continue
                self.queries.append(body.rstrip(b"\0").decode())
                field = b"?column?\0" + struct.pack("!ihihih", 0, 0, 23, 4, -1, 0)
                f.write(_msg(b"T", struct.pack("!h", 1) + field))
                f.write(_msg(b"D", struct.pack("!hi", 1, 1) + b"1"))
                f.write(_msg(b"C", b"SELECT 1\0"))
                f.write(_msg(b"Z", b"I"))
                f.flush()
        except (EOFError, OSError, struct.error):
            return
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def closed_port():
    """A loopback port nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------

def control(path, data):
    req = urllib.request.Request(ENDPOINT + path, data=json.dumps(data).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def setup_client(service, region=REGION):
    # app/trdr-acceptance: the sandbox's call log files these calls as the tests' own.
    return boto3.client(service, region_name=region, endpoint_url=ENDPOINT,
                        config=Config(user_agent_appid="trdr-acceptance"))


ENDPOINT = os.environ.get("TRDR_ENDPOINT_URL", "")


class HealthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:"):
            raise unittest.SkipTest("TRDR_ENDPOINT_URL is not a loopback sandbox: run through scripts/sandbox.sh run")
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        suffix = uuid.uuid4().hex[:8]
        cls.ddb, cls.sqs, cls.sm = setup_client("dynamodb"), setup_client("sqs"), setup_client("secretsmanager")
        cls.table = f"trdr-health-sessions-{suffix}"
        cls.ddb.create_table(
            TableName=cls.table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}])
        cls.ddb.get_waiter("table_exists").wait(TableName=cls.table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        cls.queue_url = cls.sqs.create_queue(QueueName=f"trdr-health-trades-{suffix}")["QueueUrl"]
        cls.username, cls.password = "trdr_app", "pw-" + secrets.token_hex(16)
        cls.secret_arn = cls.sm.create_secret(
            Name=f"trdr-health-app-{suffix}",
            SecretString=json.dumps({"username": cls.username, "password": cls.password}))["ARN"]
        cls.db = FakePostgres("ok", cls.username, cls.password)
        cls.silent = FakePostgres("silent")

    @classmethod
    def tearDownClass(cls):
        for region in (REGION, OTHER_REGION):
            with contextlib.suppress(Exception):
                control("/_trdr/region/outage", {"region": region, "down": False})
        cls.db.close()
        cls.silent.close()
        with contextlib.suppress(Exception):
            cls.ddb.delete_table(TableName=cls.table)
        with contextlib.suppress(Exception):
            cls.sqs.delete_queue(QueueUrl=cls.queue_url)
        with contextlib.suppress(Exception):
            cls.sm.delete_secret(SecretId=cls.secret_arn, ForceDeleteWithoutRecovery=True)
        if TIMINGS:
            print(f"\nhealth handler timings (budget {BUDGET_MS} ms, bound {HANG_BOUND_S:.1f} s):", file=sys.stderr)
            for name, status, seconds, checks in TIMINGS:
                print(f"  {name:<58} {status}  {seconds * 1000:7.1f} ms  {checks}", file=sys.stderr)

    def invoke(self, **overrides):
        """Calls the handler as API Gateway would; returns (status, body, seconds, log)."""
        env = {"REGION": REGION, "SESSION_TABLE": self.table, "QUEUE_URL": self.queue_url,
               "DB_CLUSTER_ENDPOINT": self.db.endpoint, "DB_SECRET_ARN": self.secret_arn,
               "BUDGET_MS": str(BUDGET_MS), "DB_SSL": "disable", "AWS_ENDPOINT_URL": ENDPOINT}
        env.update(overrides)
        env = {k: v for k, v in env.items() if v is not None}
        with health._secrets_lock:
            health._secrets.clear()  # each case fetches the secret as a cold function would
        out = io.StringIO()
        with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out):
            start = time.monotonic()
            answer = health.handler({"httpMethod": "GET", "path": "/health"}, None)
            seconds = time.monotonic() - start
        body = json.loads(answer["body"])
        log = out.getvalue()
        TIMINGS.append((self.id().rsplit(".", 1)[-1], answer["statusCode"], seconds, body["checks"]))
        # Never a secret in what is answered or logged.
        self.assertNotIn(self.password, answer["body"])
        self.assertNotIn(self.password, log)
        self.assertEqual(answer["headers"]["Content-Type"], "application/json")
        self.assertEqual(body["region"], REGION)
        self.assertLess(seconds, HANG_BOUND_S, f"the handler took {seconds:.2f} s for a {BUDGET_MS} ms budget")
        return answer["statusCode"], body, seconds, log

    def test_healthy_region_answers_200(self):
        before = len(self.db.queries)
        status, body, _, log = self.invoke()
        self.assertEqual(status, 200, log)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["checks"], {"table": "ok", "queue": "ok", "database": "ok"})
        self.assertIsInstance(body["ms"], int)
        # The database check logged in with the secret's user and ran its query.
        self.assertEqual(self.db.queries[before:], ["SELECT 1"])
        self.assertEqual(self.db.startups[-1]["user"], self.username)
        self.assertEqual(self.db.startups[-1]["application_name"], "trdr-health")

    def test_other_region_outage_leaves_this_region_healthy(self):
        control("/_trdr/region/outage", {"region": OTHER_REGION, "down": True})
        try:
            status, body, _, log = self.invoke()
        finally:
            control("/_trdr/region/outage", {"region": OTHER_REGION, "down": False})
        self.assertEqual(status, 200, log)
        self.assertEqual(body["checks"], {"table": "ok", "queue": "ok", "database": "ok"})

    def test_region_outage_answers_503(self):
        control("/_trdr/region/outage", {"region": REGION, "down": True})
        try:
            status, body, _, log = self.invoke()
        finally:
            control("/_trdr/region/outage", {"region": REGION, "down": False})
        self.assertEqual(status, 503, log)
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(body["checks"]["table"], "unavailable")
        self.assertEqual(body["checks"]["queue"], "unavailable")
        # The secret is read in the region too: without it there is no database login.
        self.assertEqual(body["checks"]["database"], "unavailable")
        # And the region answers again once the outage ends.
        self.assertEqual(self.invoke()[0], 200)

    def test_deleted_table_answers_503(self):
        name = f"trdr-health-gone-{uuid.uuid4().hex[:8]}"
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}])
        self.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        self.assertEqual(self.invoke(SESSION_TABLE=name)[0], 200)
        self.ddb.delete_table(TableName=name)
        status, body, _, log = self.invoke(SESSION_TABLE=name)
        self.assertEqual(status, 503, log)
        self.assertIn(body["checks"]["table"], ("missing", "not-active"))
        self.assertEqual(body["checks"]["queue"], "ok")
        self.assertEqual(body["checks"]["database"], "ok")

    def test_deleted_queue_answers_503(self):
        url = self.sqs.create_queue(QueueName=f"trdr-health-gone-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        self.sqs.delete_queue(QueueUrl=url)
        status, body, _, log = self.invoke(QUEUE_URL=url)
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"]["queue"], "missing")

    def test_database_that_never_answers_fails_within_budget(self):
        status, body, seconds, log = self.invoke(DB_CLUSTER_ENDPOINT=self.silent.endpoint)
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"], {"table": "ok", "queue": "ok", "database": "timeout"})
        # It waited for the database about as long as its budget, no longer.
        self.assertGreater(seconds, 0.5 * BUDGET_MS / 1000.0)

    def test_database_refusing_connections_answers_503(self):
        status, body, _, log = self.invoke(DB_CLUSTER_ENDPOINT=f"127.0.0.1:{closed_port()}")
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"], {"table": "ok", "queue": "ok", "database": "refused"})

    def test_wrong_password_answers_503_without_showing_it(self):
        wrong = "wrong-" + secrets.token_hex(8)
        arn = self.sm.create_secret(Name=f"trdr-health-wrong-{uuid.uuid4().hex[:8]}",
                                    SecretString=json.dumps({"username": self.username, "password": wrong}))["ARN"]
        try:
            status, body, _, log = self.invoke(DB_SECRET_ARN=arn)
        finally:
            self.sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"]["database"], "error")
        self.assertIn("password authentication failed", log)
        self.assertNotIn(wrong, log)
        self.assertNotIn(wrong, json.dumps(body))

    def test_database_without_tls_is_refused_by_default(self):
        # DB_SSL unset means "require": a server that declines TLS never sees the password.
        seen = len(self.db.passwords)
        status, body, _, log = self.invoke(DB_SSL=None)
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"]["database"], "error")
        self.assertIn("refuses SSL", log)
        self.assertEqual(len(self.db.passwords), seen)

    def test_aws_endpoint_that_never_answers_fails_within_budget(self):
        # Every AWS call hangs: the clients' timeouts and the deadline still bound the answer.
        status, body, seconds, log = self.invoke(AWS_ENDPOINT_URL=f"http://{self.silent.endpoint}")
        self.assertEqual(status, 503, log)
        self.assertEqual(body["checks"], {"table": "timeout", "queue": "timeout", "database": "timeout"})

    def test_lambda_time_left_caps_the_budget(self):
        class Context:
            @staticmethod
            def get_remaining_time_in_millis():
                return 600

        self.assertEqual(health._budget_ms(Context()), 600 - health.LAMBDA_MARGIN_MS)
        with mock.patch.dict(os.environ, {"BUDGET_MS": "150"}):
            self.assertEqual(health._budget_ms(None), 150)

    def test_only_the_documented_actions_are_called(self):
        log_path = os.environ.get("TRDR_SANDBOX_CALL_LOG")
        if not log_path:
            self.skipTest("the sandbox's call log is off (TRDR_SANDBOX_CALL_LOG)")
        self.invoke()
        actions = set()
        with open(log_path, encoding="utf-8") as f:
            for line in f:
                entry = json.loads(line)
                if entry["caller"].get("kind") == "other" and "Boto3/" in entry["caller"].get("agent", ""):
                    self.assertEqual(entry["region"], REGION, f"the health function called another region: {entry}")
                    actions.update(entry["actions"])
        self.assertEqual(actions, HEALTH_ACTIONS)


if __name__ == "__main__":
    unittest.main()
