"""RDS rules (rds.py), one test each, through boto3: refused as AWS refuses, with AWS's error
code, and accepted on the other side of each boundary."""

import hashlib
import time
import unittest

from sandbox.support import SandboxTest, client, control, unique

ENGINE = "aurora-postgresql"
VERSION = {15: "15.10", 16: "16.8"}


def cluster(rds, cid, major=16, **extra):
    """Creates cluster `cid`, available at once (its creation takes no time)."""
    control("/_trdr/rds/create-duration", {"db_cluster_id": cid, "seconds": 0})
    return rds.create_db_cluster(DBClusterIdentifier=cid, Engine=ENGINE, EngineVersion=VERSION[major],
                                 MasterUsername="trdr", MasterUserPassword="not-a-real-password-1", **extra)["DBCluster"]


def wait_gone(describe, not_found, deadline=30):
    """Polls `describe()` until it raises `not_found` (the object's deletion finished)."""
    end = time.monotonic() + deadline
    while True:
        try:
            describe()
        except not_found:
            return
        if time.monotonic() > end:
            raise AssertionError("the object was still there")
        time.sleep(0.1)


class ParameterGroups(SandboxTest):
    def setUp(self):
        self.rds = client("rds")

    def group(self, family):
        name = unique("pg")
        self.rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description="rules test")
        return name

    def rpo(self, group, value):
        return self.rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=group,
            Parameters=[{"ParameterName": "rds.global_db_rpo", "ParameterValue": value, "ApplyMethod": "immediate"}])

    def test_rds_global_db_rpo_takes_20_seconds_at_least(self):
        group = self.group("aurora-postgresql16")
        self.assertAccepted("rpo_out_of_range", self.rpo, group, "20")
        self.assertAccepted("rpo_out_of_range", self.rpo, group, "2147483647")
        self.assertRefused("rpo_out_of_range", "InvalidParameterValue", self.rpo, group, "19")
        self.assertRefused("rpo_out_of_range", "InvalidParameterValue", self.rpo, group, "2147483648")
        self.assertRefused("rpo_out_of_range", "InvalidParameterValue", self.rpo, group, "twenty")

    def test_a_group_a_cluster_uses_cannot_be_deleted(self):
        group = self.group("aurora-postgresql16")
        cid = unique("pg-user")
        cluster(self.rds, cid, DBClusterParameterGroupName=group)
        delete = self.rds.delete_db_cluster_parameter_group
        self.assertRefused("parameter_group_in_use", "InvalidDBParameterGroupState",
                           delete, DBClusterParameterGroupName=group)
        self.rds.delete_db_cluster(DBClusterIdentifier=cid, SkipFinalSnapshot=True)
        self.assertAccepted("parameter_group_in_use", delete, DBClusterParameterGroupName=group)

    def test_a_cluster_takes_a_group_of_its_major_versions_family_only(self):
        group = self.group("aurora-postgresql16")
        self.assertRefused("parameter_group_family", "InvalidParameterCombination",
                           cluster, self.rds, unique("family"), major=15, DBClusterParameterGroupName=group)
        self.assertAccepted("parameter_group_family",
                            cluster, self.rds, unique("family"), major=16, DBClusterParameterGroupName=group)


class Clusters(SandboxTest):
    def setUp(self):
        self.rds = client("rds")

    def test_managed_master_password_is_refused_in_a_global_database(self):
        gid = unique("g-managed")
        self.rds.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])

        def create(cid, **extra):
            control("/_trdr/rds/create-duration", {"db_cluster_id": cid, "seconds": 0})
            return self.rds.create_db_cluster(DBClusterIdentifier=cid, Engine=ENGINE, EngineVersion=VERSION[16],
                                              MasterUsername="trdr", ManageMasterUserPassword=True, **extra)

        self.assertRefused("managed_password_in_global", "InvalidParameterCombination",
                           create, unique("managed"), GlobalClusterIdentifier=gid)
        self.assertAccepted("managed_password_in_global", create, unique("managed"))

    def test_a_deleting_clusters_name_is_taken_until_it_is_gone(self):
        cid = unique("ghost")
        cluster(self.rds, cid)
        self.rds.delete_db_cluster(DBClusterIdentifier=cid, SkipFinalSnapshot=True)
        self.assertEqual(self.rds.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]["Status"], "deleting")
        self.assertRefused("cluster_name_still_deleting", "DBClusterAlreadyExistsFault", cluster, self.rds, cid)
        wait_gone(lambda: self.rds.describe_db_clusters(DBClusterIdentifier=cid),
                  self.rds.exceptions.DBClusterNotFoundFault)
        self.assertAccepted("cluster_name_still_deleting", cluster, self.rds, cid)

    def test_a_deleting_instances_name_is_taken_until_it_is_gone(self):
        cid, iid = unique("ghost-host"), unique("ghost-i")
        cluster(self.rds, cid)

        def instance():
            return self.rds.create_db_instance(DBInstanceIdentifier=iid, DBClusterIdentifier=cid, Engine=ENGINE,
                                               DBInstanceClass="db.serverless")

        instance()
        self.rds.delete_db_instance(DBInstanceIdentifier=iid)
        self.assertRefused("instance_name_still_deleting", "DBInstanceAlreadyExists", instance)
        wait_gone(lambda: self.rds.describe_db_instances(DBInstanceIdentifier=iid),
                  self.rds.exceptions.DBInstanceNotFoundFault)
        self.assertAccepted("instance_name_still_deleting", instance)

    def test_a_cluster_that_is_not_available_cannot_be_modified(self):
        cid = unique("busy")
        control("/_trdr/rds/create-duration", {"db_cluster_id": cid, "seconds": 600})
        self.rds.create_db_cluster(DBClusterIdentifier=cid, Engine=ENGINE, EngineVersion=VERSION[16],
                                   MasterUsername="trdr", MasterUserPassword="not-a-real-password-1")
        modify = self.rds.modify_db_cluster
        self.assertRefused("cluster_not_available", "InvalidDBClusterStateFault",
                           modify, DBClusterIdentifier=cid, BackupRetentionPeriod=7, ApplyImmediately=True)
        # The creation ends now: the cluster is available.
        self.assertEqual(control("/_trdr/rds/create-duration", {"db_cluster_id": cid, "seconds": 0})["under_way"], 1)
        self.assertAccepted("cluster_not_available",
                            modify, DBClusterIdentifier=cid, BackupRetentionPeriod=7, ApplyImmediately=True)


class GlobalPromotions(SandboxTest):
    def test_a_second_promotion_is_refused_while_one_runs(self):
        east1, east2 = client("rds", "us-east-1"), client("rds", "us-east-2")
        gid = unique("g-promo")
        east1.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])
        first = cluster(east1, unique("promo-a"), GlobalClusterIdentifier=gid)
        second = cluster(east2, unique("promo-b"), GlobalClusterIdentifier=gid)
        switch = east1.switchover_global_cluster
        answer = self.assertAccepted("promotion_in_progress", switch, GlobalClusterIdentifier=gid,
                                     TargetDbClusterIdentifier=second["DBClusterArn"])
        self.assertEqual(answer["GlobalCluster"]["FailoverState"]["ToDbClusterArn"], second["DBClusterArn"])
        self.assertRefused("promotion_in_progress", "InvalidGlobalClusterStateFault",
                           switch, GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=first["DBClusterArn"])
        end = time.monotonic() + 30
        while "FailoverState" in east1.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]:
            self.assertLess(time.monotonic(), end, "the switchover ended")
            time.sleep(0.1)
        self.assertAccepted("promotion_in_progress", switch, GlobalClusterIdentifier=gid,
                            TargetDbClusterIdentifier=first["DBClusterArn"])

    def test_a_promotion_to_a_cluster_that_is_not_available_is_refused(self):
        east1, east2 = client("rds", "us-east-1"), client("rds", "us-east-2")
        gid = unique("g-target")
        east1.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])
        cluster(east1, unique("target-a"), GlobalClusterIdentifier=gid)
        bid = unique("target-b")
        control("/_trdr/rds/create-duration", {"db_cluster_id": bid, "seconds": 600})
        target = east2.create_db_cluster(DBClusterIdentifier=bid, Engine=ENGINE, EngineVersion=VERSION[16],
                                         GlobalClusterIdentifier=gid)["DBCluster"]["DBClusterArn"]
        switch = east1.switchover_global_cluster
        self.assertRefused("cluster_not_available", "InvalidDBClusterStateFault",
                           switch, GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target)
        control("/_trdr/rds/create-duration", {"db_cluster_id": bid, "seconds": 0})
        self.assertAccepted("cluster_not_available", switch, GlobalClusterIdentifier=gid,
                            TargetDbClusterIdentifier=target)


class Answers(SandboxTest):
    """What the layer adds to or keeps in RDS's answers (no refusals: no rule counts them)."""

    def test_a_global_cluster_has_a_writer_endpoint_no_switchover_changes(self):
        east1, east2 = client("rds", "us-east-1"), client("rds", "us-east-2")
        gid = unique("g-endpoint")
        created = east1.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])
        endpoint = created["GlobalCluster"]["Endpoint"]
        self.assertRegex(endpoint, rf"^{gid}\.global-[0-9a-f]{{12}}\.global\.rds\.amazonaws\.com$")
        cluster(east1, unique("endpoint-a"), GlobalClusterIdentifier=gid)
        target = cluster(east2, unique("endpoint-b"), GlobalClusterIdentifier=gid)["DBClusterArn"]
        east1.switchover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target)
        described = east1.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
        self.assertEqual(described["Endpoint"], endpoint)
        control("/_trdr/omit-optional", {"global_cluster_id": gid})
        self.assertNotIn("Endpoint", east1.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0])

    def test_a_promotion_shows_its_failover_state_and_flips_the_writer_at_the_end(self):
        east1, east2 = client("rds", "us-east-1"), client("rds", "us-east-2")
        gid = unique("g-state")
        east1.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])
        source = cluster(east1, unique("state-a"), GlobalClusterIdentifier=gid)["DBClusterArn"]
        target = cluster(east2, unique("state-b"), GlobalClusterIdentifier=gid)["DBClusterArn"]
        east1.failover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target, AllowDataLoss=True)

        def described():
            g = east1.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
            return g, {m["DBClusterArn"]: m["IsWriter"] for m in g["GlobalClusterMembers"]}

        g, writers = described()
        self.assertEqual(g["Status"], "failing-over")
        self.assertIn(g["FailoverState"]["Status"], ("pending", "failing-over"))
        self.assertTrue(g["FailoverState"]["IsDataLossAllowed"])
        self.assertEqual(writers, {source: True, target: False})
        end = time.monotonic() + 30
        while "FailoverState" in g:
            self.assertLess(time.monotonic(), end, "the failover ended")
            time.sleep(0.1)
            g, writers = described()
        self.assertEqual(writers, {source: False, target: True})

    def test_a_promotion_takes_the_duration_a_test_sets(self):
        east1, east2 = client("rds", "us-east-1"), client("rds", "us-east-2")
        gid = unique("g-long")
        east1.create_global_cluster(GlobalClusterIdentifier=gid, Engine=ENGINE, EngineVersion=VERSION[16])
        source = cluster(east1, unique("long-a"), GlobalClusterIdentifier=gid)["DBClusterArn"]
        target = cluster(east2, unique("long-b"), GlobalClusterIdentifier=gid)["DBClusterArn"]
        self.assertEqual(control("/_trdr/rds/promotion-duration", {"global_cluster_id": gid, "seconds": 600})["under_way"], 0)
        east1.switchover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=target)

        def described():
            g = east1.describe_global_clusters(GlobalClusterIdentifier=gid)["GlobalClusters"][0]
            return g, {m["DBClusterArn"]: m["IsWriter"] for m in g["GlobalClusterMembers"]}

        # Longer than the scaled promotion (3 s at the default scale): still switching over.
        time.sleep(max(4.0, 2 * control("/_trdr/config")["scaled_seconds"]["promotion"]))
        g, writers = described()
        self.assertEqual(g["FailoverState"]["ToDbClusterArn"], target)
        self.assertEqual(writers, {source: True, target: False})
        # The switchover under way ends now.
        self.assertEqual(control("/_trdr/rds/promotion-duration", {"global_cluster_id": gid, "seconds": 0})["under_way"], 1)
        g, writers = described()
        self.assertNotIn("FailoverState", g)
        self.assertEqual(writers, {source: False, target: True})
        # Only the next promotion took it: the one back takes the sandbox's own duration.
        east1.switchover_global_cluster(GlobalClusterIdentifier=gid, TargetDbClusterIdentifier=source)
        g, writers = described()
        self.assertIn("FailoverState", g)
        end = time.monotonic() + 30
        while "FailoverState" in g:
            self.assertLess(time.monotonic(), end, "the switchover back ended")
            time.sleep(0.1)
            g, writers = described()
        self.assertEqual(writers, {source: True, target: False})

    def test_serverless_v2_support_is_reported_by_version(self):
        rds = client("rds")
        versions = {v["EngineVersion"]: v.get("ServerlessV2FeaturesSupport")
                    for v in rds.describe_db_engine_versions(Engine=ENGINE)["DBEngineVersions"]}
        # Aurora User Guide, Serverless v2 capacity: 0 ACU from 15.7 / 16.3, 256 ACU from 15.12 / 16.8.
        self.assertEqual(versions["15.10"], {"MinCapacity": 0.0, "MaxCapacity": 128.0})
        self.assertEqual(versions["16.8"], {"MinCapacity": 0.0, "MaxCapacity": 256.0})
        self.assertIsNone(versions["12.9"])
        offered = rds.describe_orderable_db_instance_options(Engine=ENGINE, EngineVersion="16.8",
                                                              DBInstanceClass="db.serverless")
        self.assertEqual([o["DBInstanceClass"] for o in offered["OrderableDBInstanceOptions"]], ["db.serverless"])
        self.assertEqual(rds.describe_orderable_db_instance_options(
            Engine=ENGINE, EngineVersion="12.9", DBInstanceClass="db.serverless")["OrderableDBInstanceOptions"], [])

    def test_a_clusters_endpoints_stay_as_its_create_answered_them(self):
        rds = client("rds")
        cid = unique("stable")
        made = cluster(rds, cid)
        rds.create_db_instance(DBInstanceIdentifier=unique("stable-i"), DBClusterIdentifier=cid, Engine=ENGINE,
                               DBInstanceClass="db.serverless")
        now = rds.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]
        self.assertEqual((now["Endpoint"], now["ReaderEndpoint"]), (made["Endpoint"], made["ReaderEndpoint"]))

    def test_the_master_password_is_kept_as_a_digest(self):
        rds = client("rds", "us-west-2")
        cid = unique("password")
        cluster(rds, cid)
        answer = control(f"/_trdr/rds/master-password?region=us-west-2&db_cluster_id={cid}")
        self.assertEqual(answer, {"sha256": hashlib.sha256(b"not-a-real-password-1").hexdigest(), "changes": 1})


if __name__ == "__main__":
    unittest.main()
