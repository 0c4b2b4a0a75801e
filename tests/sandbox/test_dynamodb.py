"""DynamoDB rules (dynamodb.py), through boto3 with its crc32 check on every answer."""

import time
import unittest

from sandbox.support import SandboxTest, client, control, refusals, unique

KEY = {"AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
       "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def table(ddb, prefix="t", **extra):
    name = unique(prefix)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **KEY, **extra)
    until(lambda: ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE", "the table is ACTIVE")
    return name


def until(condition, what, deadline=30):
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"{what} within {deadline} s")
        time.sleep(0.05)


def strong(ddb, name, replica="us-east-2", witness="us-west-2"):
    return ddb.update_table(TableName=name, MultiRegionConsistency="STRONG",
                            ReplicaUpdates=[{"Create": {"RegionName": replica}}],
                            GlobalTableWitnessUpdates=[{"Create": {"RegionName": witness}}])


class Backups(SandboxTest):
    def test_continuous_backups_are_unavailable_right_after_a_table_became_active(self):
        ddb = client("dynamodb")
        name = table(ddb)
        enable = ddb.update_continuous_backups
        spec = {"PointInTimeRecoveryEnabled": True}
        self.assertRefused("continuous_backups_unavailable", "ContinuousBackupsUnavailableException",
                           enable, TableName=name, PointInTimeRecoverySpecification=spec)

        def enabled():
            try:
                enable(TableName=name, PointInTimeRecoverySpecification=spec)
                return True
            except ddb.exceptions.ContinuousBackupsUnavailableException:
                return False

        until(enabled, "backups became available")


class Tags(SandboxTest):
    def test_tags_read_right_after_a_change_are_the_previous_set(self):
        ddb = client("dynamodb")
        name = table(ddb, Tags=[{"Key": "team", "Value": "dr"}])
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        before = refusals("dynamodb_tags_stale")
        self.assertEqual(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"], [])
        self.assertEqual(refusals("dynamodb_tags_stale"), before + 1)
        until(lambda: ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "dr"}],
              "the tags became visible")
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "tier", "Value": "1"}])
        self.assertEqual(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"], [{"Key": "team", "Value": "dr"}])
        until(lambda: len(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 2, "the new tag became visible")


class StrongConsistency(SandboxTest):
    def setUp(self):
        self.ddb = client("dynamodb")

    def test_update_table_makes_an_mrsc_table_only_as_aws_allows(self):
        def refuse(name, **update):
            self.assertRefused("mrsc_update", "ValidationException", self.ddb.update_table, TableName=name, **update)

        # A witness outside the replicas' region set.
        refuse(table(self.ddb, StreamSpecification=STREAM), MultiRegionConsistency="STRONG", ReplicaUpdates=[{"Create": {"RegionName": "us-east-2"}}],
               GlobalTableWitnessUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
        # Two regions only.
        refuse(table(self.ddb, StreamSpecification=STREAM), MultiRegionConsistency="STRONG",
               ReplicaUpdates=[{"Create": {"RegionName": "us-east-2"}}])
        # A table that holds items.
        full = table(self.ddb, StreamSpecification=STREAM)
        self.ddb.put_item(TableName=full, Item={"id": {"S": "x"}})
        refuse(full, MultiRegionConsistency="STRONG", ReplicaUpdates=[{"Create": {"RegionName": "us-east-2"}}],
               GlobalTableWitnessUpdates=[{"Create": {"RegionName": "us-west-2"}}])
        # The consistency mode without a replica Create.
        refuse(table(self.ddb, StreamSpecification=STREAM), MultiRegionConsistency="STRONG")
        # Three regions of the US set, from an empty table: accepted, and described so.
        name = table(self.ddb, StreamSpecification=STREAM)
        self.assertAccepted("mrsc_update", strong, self.ddb, name)
        desc = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(desc["MultiRegionConsistency"], "STRONG")
        self.assertEqual(desc["GlobalTableWitnesses"][0]["RegionName"], "us-west-2")
        # No replica added later.
        refuse(name, ReplicaUpdates=[{"Create": {"RegionName": "us-west-1"}}])

    def test_ttl_and_transactions_are_refused_on_an_mrsc_table(self):
        name = table(self.ddb, StreamSpecification=STREAM)
        strong(self.ddb, name)
        self.assertRefused("mrsc_unsupported", "ValidationException", self.ddb.update_time_to_live,
                           TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertRefused("mrsc_unsupported", "ValidationException", self.ddb.transact_write_items,
                           TransactItems=[{"Put": {"TableName": name, "Item": {"id": {"S": "x"}}}}])
        plain = table(self.ddb)
        self.assertAccepted("mrsc_unsupported", self.ddb.update_time_to_live,
                            TableName=plain, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertAccepted("mrsc_unsupported", self.ddb.transact_write_items,
                            TransactItems=[{"Put": {"TableName": plain, "Item": {"id": {"S": "x"}}}}])

    def test_an_mrsc_write_needs_a_second_member(self):
        name = table(self.ddb, StreamSpecification=STREAM)
        strong(self.ddb, name)
        put = client("dynamodb", retries=1).put_item
        try:
            control("/_trdr/region/outage", {"region": "us-west-2", "down": True})
            self.assertAccepted("mrsc_no_quorum", put, TableName=name, Item={"id": {"S": "two of three"}})
            control("/_trdr/region/outage", {"region": "us-east-2", "down": True})
            self.assertRefused("mrsc_no_quorum", "InternalServerError", put,
                               TableName=name, Item={"id": {"S": "one of three"}})
        finally:
            for region in ("us-east-2", "us-west-2"):
                control("/_trdr/region/outage", {"region": region, "down": False})


class EventualConsistency(SandboxTest):
    def test_concurrent_writes_end_with_the_later_one_everywhere(self):
        east1, east2 = client("dynamodb", "us-east-1"), client("dynamodb", "us-east-2")
        name = table(east1, StreamSpecification=STREAM)
        east1.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": "us-east-2"}}])
        until(lambda: east2.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE", "the replica is ACTIVE")
        before = refusals("last_writer_wins")
        try:
            control("/_trdr/dynamodb/replication-lag", {"seconds": 0.5})
            east1.put_item(TableName=name, Item={"id": {"S": "k"}, "v": {"S": "earlier"}})
            east2.put_item(TableName=name, Item={"id": {"S": "k"}, "v": {"S": "later"}})
        finally:
            control("/_trdr/dynamodb/replication-lag", {"seconds": 1})

        def value(ddb):
            return ddb.get_item(TableName=name, Key={"id": {"S": "k"}}, ConsistentRead=True)["Item"]["v"]["S"]

        until(lambda: value(east1) == "later", "the later write reached us-east-1")
        until(lambda: refusals("last_writer_wins") == before + 1, "the earlier write lost in us-east-2")
        self.assertEqual(value(east2), "later")


if __name__ == "__main__":
    unittest.main()
