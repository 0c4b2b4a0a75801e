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
