"""The two-region-dr example's trade processor (examples/two-region-dr/lambda/trade_processor.py)
against the local sandbox: valid trades reach the session table with exact numbers, and only the
messages that failed are reported back (ReportBatchItemFailures).

    scripts/sandbox.sh run .venv/bin/python -m unittest discover -s tests/examples -v
"""

import contextlib
import importlib
import io
import json
import os
import sys
import unittest
import uuid
from decimal import Decimal
from unittest import mock

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# No __pycache__ in the example's lambda/ folder: Terraform zips that folder as it is.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "examples", "two-region-dr", "lambda"))

REGION = "us-east-2"
ENDPOINT = os.environ.get("TRDR_ENDPOINT_URL", "")


def record(message_id, body):
    return {"messageId": message_id, "body": body, "eventSource": "aws:sqs"}


class TradeProcessorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:"):
            raise unittest.SkipTest("TRDR_ENDPOINT_URL is not a loopback sandbox: run through scripts/sandbox.sh run")
        cls.ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=ENDPOINT,
                               config=Config(user_agent_appid="trdr-acceptance"))
        cls.table = f"trdr-trades-sessions-{uuid.uuid4().hex[:8]}"
        cls.ddb.create_table(
            TableName=cls.table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "sessionId", "AttributeType": "S"}])
        cls.ddb.get_waiter("table_exists").wait(TableName=cls.table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        env = {"SESSION_TABLE": cls.table, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "AWS_ENDPOINT_URL": ENDPOINT, "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
               "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "test")}
        with mock.patch.dict(os.environ, env):
            sys.modules.pop("trade_processor", None)
            cls.processor = importlib.import_module("trade_processor")

    @classmethod
    def tearDownClass(cls):
        with contextlib.suppress(Exception):
            cls.ddb.delete_table(TableName=cls.table)

    def test_reports_only_the_failed_messages(self):
        event = {"Records": [
            record("m-ok", json.dumps({"sessionId": "s-1", "symbol": "ACME", "price": 101.25, "qty": 3})),
            record("m-not-json", "{not json"),
            record("m-no-session", json.dumps({"symbol": "ACME"})),
            record("m-array", json.dumps([1, 2])),
            record("m-long-session", json.dumps({"sessionId": "x" * 257})),
        ]}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            answer = self.processor.handler(event, None)
        self.assertEqual(answer, {"batchItemFailures": [
            {"itemIdentifier": "m-not-json"}, {"itemIdentifier": "m-no-session"},
            {"itemIdentifier": "m-array"}, {"itemIdentifier": "m-long-session"}]})
        item = self.ddb.get_item(TableName=self.table, Key={"sessionId": {"S": "s-1"}}, ConsistentRead=True)["Item"]
        trade = item["lastTrade"]["M"]
        self.assertEqual(Decimal(trade["price"]["N"]), Decimal("101.25"))
        self.assertEqual(trade["symbol"]["S"], "ACME")
        # The log names failed messages, never their content.
        self.assertIn("m-not-json", out.getvalue())
        self.assertNotIn("ACME", out.getvalue())

    def test_a_failed_write_fails_only_its_message(self):
        event = {"Records": [record("m-1", json.dumps({"sessionId": "s-2", "price": 1.5}))]}
        with mock.patch.object(self.processor.TABLE, "update_item", side_effect=RuntimeError("boom")), \
                contextlib.redirect_stdout(io.StringIO()):
            answer = self.processor.handler(event, None)
        self.assertEqual(answer, {"batchItemFailures": [{"itemIdentifier": "m-1"}]})
        self.assertEqual(self.processor.handler({"Records": []}, None), {"batchItemFailures": []})


if __name__ == "__main__":
    unittest.main()
