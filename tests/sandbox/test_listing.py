"""Listing rules (listing.py): the page sizes AWS documents, both sides of each bound, and pages
that a caller must follow."""

import unittest

from botocore.exceptions import ParamValidationError

from sandbox.support import SandboxTest, client, control, unique


class PageSizes(SandboxTest):
    def test_describe_global_clusters_takes_max_records_20_to_100(self):
        describe = client("rds").describe_global_clusters
        for accepted in (20, 100):
            self.assertAccepted("rds_max_records", describe, MaxRecords=accepted)
        for refused in (19, 101):
            self.assertRefused("rds_max_records", "InvalidParameterValue", describe, MaxRecords=refused)

    def test_list_tables_takes_limit_1_to_100(self):
        ddb = client("dynamodb")
        for accepted in (1, 100):
            self.assertAccepted("dynamodb_list_limit", ddb.list_tables, Limit=accepted)
        self.assertRefused("dynamodb_list_limit", "ValidationException", ddb.list_tables, Limit=101)
        # boto3 refuses a Limit below 1 itself (the model's minimum); the sandbox does too.
        with self.assertRaises(ParamValidationError):
            ddb.list_tables(Limit=0)
        unchecked = client("dynamodb", validate=False)
        self.assertRefused("dynamodb_list_limit", "ValidationException", unchecked.list_tables, Limit=0)

    def test_list_state_machines_takes_max_results_0_to_1000(self):
        sfn = client("stepfunctions")
        for accepted in (0, 1000):
            self.assertAccepted("sfn_page_size", sfn.list_state_machines, maxResults=accepted)
        self.assertRefused("sfn_page_size", "ValidationException", sfn.list_state_machines, maxResults=1001)
        with self.assertRaises(ParamValidationError):
            sfn.list_state_machines(maxResults=-1)
        unchecked = client("stepfunctions", validate=False)
        self.assertRefused("sfn_page_size", "ValidationException", unchecked.list_state_machines, maxResults=-1)


class Pages(SandboxTest):
    def tearDown(self):
        control("/_trdr/list-page", {"size": None})

    def test_describe_global_clusters_pages_with_marker(self):
        rds = client("rds", "us-west-1")
        made = {unique("page") for _ in range(3)}
        for gid in made:
            rds.create_global_cluster(GlobalClusterIdentifier=gid, Engine="aurora-postgresql", EngineVersion="16.8")
        control("/_trdr/list-page", {"size": 1})
        first = rds.describe_global_clusters(MaxRecords=20)
        self.assertEqual(len(first["GlobalClusters"]), 1)
        self.assertIn("Marker", first)
        seen = {g["GlobalClusterIdentifier"] for page in rds.get_paginator("describe_global_clusters").paginate()
                for g in page["GlobalClusters"]}
        self.assertLessEqual(made, seen)

    def test_list_tables_pages_with_last_evaluated_table_name(self):
        ddb = client("dynamodb", "us-west-1")
        made = {unique("page") for _ in range(3)}
        for name in made:
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        control("/_trdr/list-page", {"size": 1})
        first = ddb.list_tables(Limit=100)
        self.assertEqual(len(first["TableNames"]), 1)
        self.assertIn("LastEvaluatedTableName", first)
        seen = {n for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 100})
                for n in page["TableNames"]}
        self.assertLessEqual(made, seen)


if __name__ == "__main__":
    unittest.main()
