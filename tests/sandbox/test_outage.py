"""Region outages and unreadable answers (outage.py)."""

import unittest

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from sandbox.support import SandboxTest, client, control, refusals


class RegionOutage(SandboxTest):
    def test_a_region_in_an_outage_answers_5xx_and_its_end_restores_it(self):
        ddb = client("dynamodb", "eu-west-3", retries=1)
        rds = client("rds", "eu-west-3", retries=1)
        before = refusals("region_outage")
        try:
            control("/_trdr/region/outage", {"region": "eu-west-3", "down": True})
            for call in (ddb.list_tables, rds.describe_global_clusters):
                with self.assertRaises(ClientError) as caught:
                    call()
                self.assertIn(caught.exception.response["Error"]["Code"], ("ServiceUnavailable", "InternalFailure"))
                self.assertIn(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], (500, 503))
            self.assertEqual(refusals("region_outage"), before + 2)
            # Another region answers.
            self.assertAccepted("region_outage", client("dynamodb", "eu-west-2").list_tables)
        finally:
            control("/_trdr/region/outage", {"region": "eu-west-3", "down": False})
        self.assertAccepted("region_outage", ddb.list_tables)
        self.assertAccepted("region_outage", rds.describe_global_clusters)


class CloudWatchInAnOutage(SandboxTest):
    """CloudWatch answers an outage in the protocol it was called in: boto3 calls it in JSON 1.0
    (query-compatible), the AWS SDK for Rust in Smithy RPC v2 CBOR; each gets its own error
    document with the code, and the query-compatible code header."""

    def setUp(self):
        super().setUp()
        control("/_trdr/region/outage", {"region": "eu-west-3", "down": True})
        self.addCleanup(control, "/_trdr/region/outage", {"region": "eu-west-3", "down": False})

    def test_boto3_reads_the_code_of_a_cloudwatch_call_in_an_outage(self):
        cw = client("cloudwatch", "eu-west-3", retries=1)
        with self.assertRaises(ClientError) as caught:
            cw.describe_alarms()
        error = caught.exception.response
        self.assertIn(error["Error"]["Code"], ("ServiceUnavailable", "InternalFailure"))
        self.assertIn(error["ResponseMetadata"]["HTTPStatusCode"], (500, 503))
        self.assertIn(error["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"],
                      ("ServiceUnavailable;Receiver", "InternalFailure;Receiver"))

    def test_a_cbor_call_in_an_outage_gets_a_cbor_error(self):
        import urllib.error
        import urllib.request

        import cbor2

        from sandbox.support import ENDPOINT

        request = urllib.request.Request(
            ENDPOINT + "/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
            data=cbor2.dumps({}), method="POST",
            headers={"Content-Type": "application/cbor", "Accept": "application/cbor",
                     "smithy-protocol": "rpc-v2-cbor",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=test/20261207/eu-west-3/monitoring/aws4_request, "
                                      "SignedHeaders=host, Signature=0"})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)
        answer = caught.exception
        self.assertIn(answer.code, (500, 503))
        self.assertEqual(answer.headers["Content-Type"], "application/cbor")
        self.assertEqual(answer.headers["smithy-protocol"], "rpc-v2-cbor")
        body = cbor2.loads(answer.read())
        self.assertIn(body["__type"], ("ServiceUnavailable", "InternalFailure"))
        self.assertEqual(answer.headers["x-amzn-query-error"], f"{body['__type']};Receiver")


class Unreadable(SandboxTest):
    def test_an_unreadable_service_answers_what_the_sdk_cannot_parse(self):
        rds = client("rds", "ca-central-1", retries=1)
        before = refusals("unreadable_answer")
        try:
            control("/_trdr/unreadable", {"service": "rds", "region": "ca-central-1", "on": True})
            with self.assertRaises(ResponseParserError):
                rds.describe_global_clusters()
            self.assertEqual(refusals("unreadable_answer"), before + 1)
            # The same service elsewhere answers.
            self.assertAccepted("unreadable_answer", client("rds", "ca-west-1").describe_global_clusters)
        finally:
            control("/_trdr/unreadable", {"service": "rds", "region": "ca-central-1", "on": False})
        self.assertAccepted("unreadable_answer", rds.describe_global_clusters)


if __name__ == "__main__":
    unittest.main()
