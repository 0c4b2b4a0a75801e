"""What the layer's tests share: boto3 clients on the sandbox (with boto3's default parameter
validation and, for DynamoDB, its crc32 check), unique names, the control API, and an assertion
that a call was refused by a given rule with AWS's error code."""

import json
import os
import unittest
import urllib.error
import urllib.request
import uuid

ENDPOINT = os.environ.get("TRDR_ENDPOINT_URL", "")
ACCOUNT = "000000000000"


class SandboxTest(unittest.TestCase):
    """A test against the running sandbox (scripts/sandbox.sh run sets TRDR_ENDPOINT_URL)."""

    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:"):
            raise unittest.SkipTest("TRDR_ENDPOINT_URL is not a loopback sandbox: run through scripts/sandbox.sh run")

    def assertRefused(self, rule, code, call, *args, **kwargs):
        """`call(*args, **kwargs)` fails with AWS's error `code`, and rule `rule` counted it."""
        from botocore.exceptions import ClientError
        before = refusals(rule)
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], code, caught.exception.response)
        self.assertEqual(refusals(rule), before + 1, f"rule {rule} counted the refusal")
        return caught.exception

    def assertAccepted(self, rule, call, *args, **kwargs):
        """`call(*args, **kwargs)` succeeds and rule `rule` did not fire."""
        before = refusals(rule)
        answer = call(*args, **kwargs)
        self.assertEqual(refusals(rule), before, f"rule {rule} did not fire")
        return answer


def client(service, region="us-east-1", retries=None, validate=True):
    """A boto3 client on the sandbox. `retries` (attempts in all) bounds boto3's retries of
    throttling and 5xx answers, which some rules answer; `validate` False turns boto3's own
    parameter validation off, to reach a bound boto3 already refuses itself."""
    import boto3
    from botocore.config import Config
    config = Config(retries={"total_max_attempts": retries, "mode": "standard"} if retries else None,
                    parameter_validation=validate)
    return boto3.client(service, region_name=region, endpoint_url=ENDPOINT, config=config,
                        aws_access_key_id="test", aws_secret_access_key="test")


def unique(prefix):
    """A name no other test (or run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def control(path, payload=None):
    """A call to the control API: POST with a payload, GET without; the JSON answer."""
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(ENDPOINT + path, data=data, method="GET" if data is None else "POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:
        raise AssertionError(f"{path}: HTTP {e.code}: {e.read()!r}") from e


def refusals(rule):
    counts = control("/_trdr/stats")["refusals"]
    if rule not in counts:
        raise AssertionError(f"GET /_trdr/stats does not list rule {rule}: {sorted(counts)}")
    return counts[rule]
