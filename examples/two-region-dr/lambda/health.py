"""GET /health for one region's API: does this region's own serving path work, right now?

API Gateway (Lambda proxy integration) calls `handler`; Route 53's health check and the failover
watcher read the answer. It answers 200 with

    {"status": "ok", "region": "us-east-1", "checks": {"table": "ok", "queue": "ok",
     "database": "ok"}, "ms": 41}

when every check passes within the budget, and 503 with the same shape (`"status": "unavailable"`)
naming the failed checks otherwise. The checks run at once, each in its own thread:

- table:    the session table answers in this region: DescribeTable says ACTIVE, and a strongly
            consistent GetItem of a sentinel key (built from the table's key schema; the item need
            not exist) answers;
- queue:    this region's trade queue answers (GetQueueAttributes);
- database: this region's own cluster answers `SELECT 1` on its regional endpoint
            (DB_CLUSTER_ENDPOINT, `host` or `host:port`: the region's cluster reader endpoint,
            which a secondary cluster of a global database answers too), with the user and
            password of this region's copy of the application's secret (DB_SECRET_ARN, JSON with
            `username` and `password`), over TLS.

What it deliberately does NOT depend on: anything in the other region, and the Aurora global
writer endpoint. Health decides failover: a dependency both regions share (the writer, which lives
in one region; a peer's API) would mark both regions down at once when it fails, and the watcher
would then have nowhere to go. Each region's health says only whether that region can serve; a
region whose cluster is a secondary answers reads on its own endpoint and is healthy when it can
be promoted to.

Budget: BUDGET_MS (default 2000), capped by what the Lambda invocation has left. Every AWS client
has connect and read timeouts within the budget and makes one attempt (no SDK retries: the health
checker's failure threshold does the retrying); the database connection has the same timeout. A
check still running when the budget ends counts as failed ("timeout") and is left to finish on its
own; the handler never waits past the budget.

The body says only "ok" or a short reason per check ("timeout", "refused", "unavailable",
"missing", "not-active", "denied", "error", "unconfigured", "driver-missing") because /health is
public; the reason's detail goes to the function's log. Secrets never go to the log or the body:
the password is only handed to the driver, and every logged detail is scrubbed of it.

Environment: REGION, SESSION_TABLE, QUEUE_URL, DB_CLUSTER_ENDPOINT, DB_SECRET_ARN, BUDGET_MS;
optional DB_NAME (default "postgres"), DB_SSL ("require": TLS without certificate verification,
the default; "verify-full" with DB_SSL_CA, a CA bundle file such as RDS's global-bundle.pem shipped
in the package; "disable", for local tests only) and AWS_ENDPOINT_URL (boto3 reads it itself; the
local sandbox).

Packaging: pg8000 (pure Python) and its dependencies are vendored in vendor/ next to this file
(scripts/vendor-lambda.sh, pinned and hash-checked in requirements.txt); zip this folder as it is.

IAM: dynamodb:DescribeTable and dynamodb:GetItem on the session table (this region's replica),
sqs:GetQueueAttributes on this region's queue, secretsmanager:GetSecretValue on this region's copy
of the secret (kms:Decrypt on its key when that is a customer-managed key), plus network reach
from the function's subnets to the cluster endpoint's port and to those services' endpoints.
"""

import json
import os
import socket
import sys
import threading
import time

_VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")
if os.path.isdir(_VENDOR) and _VENDOR not in sys.path:
    sys.path.insert(0, _VENDOR)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import (  # noqa: E402
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

try:
    import pg8000.native as pg
except ImportError:  # the package was zipped without vendor/: the database check says so
    pg = None

DEFAULT_BUDGET_MS = 2000
# Left to the Lambda runtime to send the answer when the invocation itself is nearly out of time.
LAMBDA_MARGIN_MS = 250
SECRET_TTL_S = 300
SENTINEL = "__trdr_health__"

_clients = {}
_clients_lock = threading.Lock()
# (secret ARN, region) → (fetched at, username, password); refreshed every SECRET_TTL_S and after
# any failed database check (a rotated password then takes effect on the next check).
_secrets = {}
_secrets_lock = threading.Lock()


class CheckFailed(Exception):
    """A check's failure: `reason` goes to the body, `detail` (scrubbed) to the log."""

    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _client(service, region, budget_s):
    """A cached client with timeouts inside the budget and a single attempt per call."""
    key = (service, region, round(budget_s, 3), os.environ.get("AWS_ENDPOINT_URL"))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            config = Config(
                region_name=region,
                connect_timeout=budget_s,
                read_timeout=budget_s,
                # total_max_attempts counts the first attempt: 1 means no retry at all.
                # (retries={"max_attempts": 1} would allow one retry: max_attempts counts retries.)
                retries={"total_max_attempts": 1, "mode": "standard"},
            )
            client = boto3.session.Session().client(service, region_name=region, config=config)
            _clients[key] = client
        return client


def _aws_failure(err):
    """A CheckFailed for an exception from an AWS call."""
    if isinstance(err, (ConnectTimeoutError, ReadTimeoutError)):
        return CheckFailed("timeout", type(err).__name__)
    if isinstance(err, EndpointConnectionError):
        return CheckFailed("unavailable", type(err).__name__)
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = error.get("Code", "")
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        detail = f"{code} ({status}): {error.get('Message', '')}"
        if code in ("ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue",
                    "QueueDoesNotExist", "ResourceNotFound"):
            return CheckFailed("missing", detail)
        if code in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
                    "KMSAccessDeniedException", "InvalidSignatureException"):
            return CheckFailed("denied", detail)
        if status >= 500 or code in ("ThrottlingException", "ProvisionedThroughputExceededException",
                                     "RequestLimitExceeded", "Throttling"):
            return CheckFailed("unavailable", detail)
        return CheckFailed("error", detail)
    if isinstance(err, BotoCoreError):
        return CheckFailed("error", type(err).__name__)
    return CheckFailed("error", f"{type(err).__name__}: {err}")


def _sentinel_key(table):
    """A key of the table's own schema that no real item uses."""
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    sample = {"S": {"S": SENTINEL}, "N": {"N": "-1"}, "B": {"B": SENTINEL.encode()}}
    return {k["AttributeName"]: sample[types.get(k["AttributeName"], "S")] for k in table["KeySchema"]}


def check_table(env, budget_s):
    ddb = _client("dynamodb", env["region"], budget_s)
    try:
        table = ddb.describe_table(TableName=env["table"])["Table"]
        if table.get("TableStatus") != "ACTIVE":
            raise CheckFailed("not-active", f"TableStatus {table.get('TableStatus')}")
        ddb.get_item(TableName=env["table"], Key=_sentinel_key(table), ConsistentRead=True)
    except CheckFailed:
        raise
    except Exception as err:  # noqa: BLE001 - every failure is a failed check
        raise _aws_failure(err) from None


def check_queue(env, budget_s):
    sqs = _client("sqs", env["region"], budget_s)
    try:
        sqs.get_queue_attributes(QueueUrl=env["queue_url"], AttributeNames=["QueueArn"])
    except Exception as err:  # noqa: BLE001
        raise _aws_failure(err) from None


def _credentials(env, budget_s, refresh=False):
    key = (env["secret_arn"], env["region"])
    with _secrets_lock:
        cached = _secrets.get(key)
    if cached and not refresh and time.monotonic() - cached[0] < SECRET_TTL_S:
        return cached[1], cached[2]
    sm = _client("secretsmanager", env["region"], budget_s)
    try:
        value = sm.get_secret_value(SecretId=env["secret_arn"])
    except Exception as err:  # noqa: BLE001
        failure = _aws_failure(err)
        raise CheckFailed(failure.reason, f"secret: {failure.detail}") from None
    try:
        secret = json.loads(value["SecretString"])
        username, password = secret["username"], secret["password"]
    except (KeyError, TypeError, ValueError):
        # Never show the secret's text: only that it is not what is expected.
        raise CheckFailed("error", "secret: not JSON with username and password") from None
    with _secrets_lock:
        _secrets[key] = (time.monotonic(), username, password)
    return username, password


def _forget_credentials(env):
    with _secrets_lock:
        _secrets.pop((env["secret_arn"], env["region"]), None)


def _ssl_context(env):
    import ssl

    mode = env["db_ssl"]
    if mode == "disable":
        return False
    if mode == "verify-full":
        ctx = ssl.create_default_context(cafile=env["db_ssl_ca"] or None)
        ctx.check_hostname = True
        return ctx
    # "require": encrypted (the password never crosses the network in clear), not verified.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _host_port(endpoint):
    """`host`, `host:port`, `[v6]` or `[v6]:port`; PostgreSQL's 5432 unless a port is given."""
    endpoint = endpoint.strip()
    if endpoint.startswith("["):
        host, _, rest = endpoint[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif endpoint.count(":") == 1:
        host, _, port = endpoint.partition(":")
    else:
        host, port = endpoint, ""
    return host, int(port) if port.isdigit() else 5432


def check_database(env, budget_s, deadline):
    if pg is None:
        raise CheckFailed("driver-missing", "pg8000 is not packaged: zip lambda/ with vendor/ (scripts/vendor-lambda.sh)")
    username, password = _credentials(env, budget_s)
    host, port = _host_port(env["db_endpoint"])
    timeout = max(0.05, deadline - time.monotonic())
    conn = None
    try:
        conn = pg.Connection(user=username, password=password, host=host, port=port,
                             database=env["db_name"], timeout=timeout, ssl_context=_ssl_context(env),
                             application_name="trdr-health")
        rows = conn.run("SELECT 1")
        if rows != [[1]]:
            raise CheckFailed("error", f"SELECT 1 answered {rows!r}")
    except CheckFailed:
        _forget_credentials(env)
        raise
    except Exception as err:  # noqa: BLE001
        _forget_credentials(env)
        cause = err.__cause__ or err.__context__ or err
        if isinstance(err, (socket.timeout, TimeoutError)) or isinstance(cause, (socket.timeout, TimeoutError)):
            reason = "timeout"
        elif isinstance(cause, ConnectionRefusedError):
            reason = "refused"
        elif isinstance(cause, (OSError, ConnectionError)):
            reason = "unavailable"
        else:
            reason = "error"
        detail = f"{type(err).__name__}: {err}"
        if cause is not err:
            detail += f" ({type(cause).__name__}: {cause})"
        raise CheckFailed(reason, detail.replace(password, "***") if password else detail) from None
    finally:
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail too
                pass


def _env():
    return {
        "region": os.environ.get("REGION") or os.environ.get("AWS_REGION", ""),
        "table": os.environ.get("SESSION_TABLE", ""),
        "queue_url": os.environ.get("QUEUE_URL", ""),
        "db_endpoint": os.environ.get("DB_CLUSTER_ENDPOINT", ""),
        "secret_arn": os.environ.get("DB_SECRET_ARN", ""),
        "db_name": os.environ.get("DB_NAME", "postgres"),
        "db_ssl": os.environ.get("DB_SSL", "require"),
        "db_ssl_ca": os.environ.get("DB_SSL_CA", ""),
    }


def _configured_budget_ms():
    try:
        return max(100, int(os.environ.get("BUDGET_MS", DEFAULT_BUDGET_MS)))
    except ValueError:
        return DEFAULT_BUDGET_MS


def _budget_ms(context):
    """BUDGET_MS, or less when the invocation has less time left than that."""
    budget = _configured_budget_ms()
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        budget = min(budget, max(100, remaining() - LAMBDA_MARGIN_MS))
    return budget


def run_checks(env, budget_ms):
    """Runs every check at once; returns {name: "ok" | reason} and {name: detail} by the deadline."""
    start = time.monotonic()
    deadline = start + budget_ms / 1000.0
    # The clients' own timeouts (the deadline below is what bounds this invocation).
    budget_s = _configured_budget_ms() / 1000.0
    required = {"table": ("table",), "queue": ("queue_url",), "database": ("db_endpoint", "secret_arn")}
    checks = {
        "table": lambda: check_table(env, budget_s),
        "queue": lambda: check_queue(env, budget_s),
        "database": lambda: check_database(env, budget_s, deadline),
    }
    results, details = {}, {}
    lock = threading.Lock()

    def run(name, fn):
        try:
            fn()
            outcome, detail = "ok", None
        except CheckFailed as failed:
            outcome, detail = failed.reason, failed.detail
        except Exception as err:  # noqa: BLE001
            outcome, detail = "error", f"{type(err).__name__}: {err}"
        with lock:
            results.setdefault(name, outcome)
            if detail:
                details.setdefault(name, detail)

    threads = []
    for name, fn in checks.items():
        missing = [k for k in required[name] if not env[k]] + ([] if env["region"] else ["region"])
        if missing:
            results[name] = "unconfigured"
            details[name] = "missing environment: " + ", ".join(missing)
            continue
        # Daemon threads: one still running at the deadline is abandoned, never waited for.
        t = threading.Thread(target=run, args=(name, fn), name=f"health-{name}", daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    with lock:
        for name in checks:
            if name not in results:
                results[name] = "timeout"
                details[name] = f"still running after {budget_ms} ms"
        # Copies, in a fixed order: a late thread must not change what is answered.
        return {name: results[name] for name in checks}, dict(details)


def _warm():
    """In Lambda's init phase, make the clients before the first invocation's budget starts."""
    region = _env()["region"]
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and region:
        for service in ("dynamodb", "sqs", "secretsmanager"):
            _client(service, region, _configured_budget_ms() / 1000.0)


def handler(event, context):
    start = time.monotonic()
    env = _env()
    budget_ms = _budget_ms(context)
    results, details = run_checks(env, budget_ms)
    ms = int((time.monotonic() - start) * 1000)
    healthy = all(v == "ok" for v in results.values())
    body = {"status": "ok" if healthy else "unavailable", "region": env["region"], "checks": results, "ms": ms}
    log = dict(body, budget_ms=budget_ms)
    if details:
        log["details"] = details
    # One line per invocation, in the function's log (CloudWatch Logs): details only, never a secret.
    print(json.dumps(log, sort_keys=True), flush=True)
    return {
        "statusCode": 200 if healthy else 503,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
    }


try:
    _warm()
except Exception as err:  # noqa: BLE001 - the checks make their clients themselves then
    print(json.dumps({"warm": f"{type(err).__name__}: {err}"}), flush=True)
