"""The realistic layer's answers are ones AWS clients accept: read through boto3 with its default
checks (DynamoDB's x-amz-crc32 among them), for answers a rule rewrote.

Run under a fresh sandbox (scripts/sandbox.sh run sets TRDR_ENDPOINT_URL); tests/examples/run.py
runs it with the example's tests.
"""
import time
import unittest
import uuid
import zlib

from sandbox.support import ENDPOINT, client
from sandbox.wire import with_integrity


class WithIntegrity(unittest.TestCase):
    """The header arithmetic itself, without a sandbox."""

    def setUp(self):
        self.fix = with_integrity

    def test_a_rewritten_body_gets_its_crc32_and_length(self):
        body = b'{"Table": {"MultiRegionConsistency": "STRONG"}}'
        status, headers, out = self.fix((200, {"x-amz-crc32": "1", "Content-Length": "3"}, body))
        self.assertEqual((status, out), (200, body))
        self.assertEqual(headers["x-amz-crc32"], str(zlib.crc32(body) & 0xFFFFFFFF))
        self.assertEqual(headers["Content-Length"], str(len(body)))

    def test_answers_without_the_headers_or_already_right_are_untouched(self):
        plain = (200, {"Content-Type": "application/json"}, b"{}")
        self.assertIs(self.fix(plain), plain)
        right = (200, {"x-amz-crc32": str(zlib.crc32(b"{}") & 0xFFFFFFFF)}, "{}")
        self.assertIs(self.fix(right), right)


class RewrittenAnswersPassBotosChecks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ENDPOINT.startswith("http://127.0.0.1:"):
            raise unittest.SkipTest("TRDR_ENDPOINT_URL is not a loopback sandbox: run through scripts/sandbox.sh run")

    def test_a_strongly_consistent_tables_description_passes_the_crc32_check(self):
        # The layer adds MultiRegionConsistency and GlobalTableWitnesses to DescribeTable's body
        # for a strongly consistent table; before it recomputed x-amz-crc32, boto3 raised
        # ChecksumError here.
        ddb = client("dynamodb", "us-east-1")
        name = f"answers-{uuid.uuid4().hex[:8]}"
        ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        try:
            self.wait_active(ddb, name)
            ddb.update_table(
                TableName=name, MultiRegionConsistency="STRONG",
                ReplicaUpdates=[{"Create": {"RegionName": "us-east-2"}}],
                GlobalTableWitnessUpdates=[{"Create": {"RegionName": "us-west-2"}}])
            table = ddb.describe_table(TableName=name)["Table"]
            self.assertEqual(table.get("MultiRegionConsistency"), "STRONG")
            self.assertTrue(table.get("GlobalTableWitnesses"), table)
            self.assertTrue(ddb.list_tables()["TableNames"])
        finally:
            self.remove(ddb, name)

    def wait_active(self, ddb, name):
        deadline = time.monotonic() + 30
        while ddb.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
            self.assertLess(time.monotonic(), deadline, "the table became ACTIVE")
            time.sleep(0.1)

    def remove(self, ddb, name):
        try:
            desc = ddb.describe_table(TableName=name)["Table"]
            if desc.get("Replicas") or desc.get("GlobalTableWitnesses"):
                ddb.update_table(TableName=name,
                                 ReplicaUpdates=[{"Delete": {"RegionName": "us-east-2"}}],
                                 GlobalTableWitnessUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
            ddb.delete_table(TableName=name)
        except ddb.exceptions.ResourceNotFoundException:
            pass


if __name__ == "__main__":
    unittest.main()
