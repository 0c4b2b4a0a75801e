//! The "nothing left" check every destroy is followed by, proven: one object of every kind trdr
//! creates, made directly through the SDK under the test's unique name and left behind, and the
//! check must fail naming each (kind, region, id), across pages and regions; an answer it cannot
//! read is an error, never "nothing left"; once they are deleted it passes.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateReplicationGroupMemberAction,
    DeleteReplicationGroupMemberAction, KeySchemaElement, KeyType, ReplicationGroupUpdate,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
};
use aws_sdk_eventbridge::types::{
    ConnectionAuthorizationType, CreateConnectionApiKeyAuthRequestParameters,
    CreateConnectionAuthRequestParameters,
};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HealthCheckConfig, HealthCheckType, ResourceRecord,
    ResourceRecordSet, RrType,
};
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};
use trdr_testing::leftovers::{self, Leftover, KINDS};

use crate::support::sandbox::Sandbox;
use crate::support::{eventually, Aws};
use crate::workspace;

const PRIMARY: &str = "us-east-1";
const SECONDARY: &str = "us-east-2";
/// A region outside every workspace's pair: the check looks there only when told to. No other
/// test uses it (one makes eu-west-1's CloudWatch unreadable for a while, sandbox-wide).
const THIRD: &str = "ca-central-1";
/// A region no test uses, made unreadable for a moment.
const UNREADABLE: &str = "ap-southeast-2";

/// What the test leaves behind, named as trdr names its objects (`trdr` + the suffix).
struct Names {
    global: String,
    cluster: String,
    instance: String,
    group: String,
    secret: String,
    caller_reference: String,
    zone: String,
    record: String,
    alarm: String,
    bucket: String,
    table: String,
    state_machine: String,
    schedule: String,
    connection: String,
}

impl Names {
    fn new(s: &str) -> Self {
        Names {
            global: format!("trdr-global-{s}"),
            cluster: format!("trdr-{SECONDARY}-{s}"),
            instance: format!("trdr-{SECONDARY}-{s}-1"),
            group: format!("trdr-{PRIMARY}-{s}-rpo"),
            secret: format!("trdr/trdr-global-{s}/master"),
            caller_reference: format!("trdr:trdr:{s}:{PRIMARY}:0a1b2c3d"),
            zone: format!("{s}.example.com"),
            record: format!("api.{s}.example.com"),
            alarm: format!("trdr-watcher-{SECONDARY}-{s}-shifts"),
            bucket: format!("trdr-config-{PRIMARY}-{s}"),
            table: format!("trdr-sessions-{s}"),
            state_machine: format!("trdr-watcher-{SECONDARY}-{s}"),
            schedule: format!("trdr-watcher-{SECONDARY}-{s}"),
            connection: format!("trdr-probe-{THIRD}-{s}"),
        }
    }

    /// Each object as the check must name it: kind, region (`None`: either of the bucket's
    /// possible answers), and a part of its id.
    fn expected(&self) -> Vec<(&'static str, Option<&'static str>, String)> {
        use leftovers::*;
        vec![
            (GLOBAL_CLUSTER, Some(GLOBAL), self.global.clone()),
            (DB_CLUSTER, Some(SECONDARY), self.cluster.clone()),
            (DB_INSTANCE, Some(SECONDARY), self.instance.clone()),
            (PARAMETER_GROUP, Some(PRIMARY), self.group.clone()),
            (SECRET, Some(PRIMARY), self.secret.clone()),
            (SECRET_REPLICA, Some(SECONDARY), self.secret.clone()),
            (HEALTH_CHECK, Some(GLOBAL), self.caller_reference.clone()),
            (RECORD_SET, Some(GLOBAL), self.record.clone()),
            (ALARM, Some(SECONDARY), self.alarm.clone()),
            // ListBuckets names a bucket's region where the service reports it.
            (BUCKET, None, self.bucket.clone()),
            (TABLE, Some(PRIMARY), self.table.clone()),
            // The global table's replica.
            (TABLE, Some(SECONDARY), self.table.clone()),
            (STATE_MACHINE, Some(SECONDARY), self.state_machine.clone()),
            (
                SCHEDULE,
                Some(SECONDARY),
                format!("default/{}", self.schedule),
            ),
            (CONNECTION, Some(THIRD), self.connection.clone()),
        ]
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_check_after_every_destroy_names_one_leftover_of_each_kind() {
    let ws = workspace!("left");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip(
            "it makes an Aurora cluster and a global database directly, which only the sandbox makes in seconds",
        );
        return;
    };
    let aws = ws.aws();
    let n = Names::new(&ws.suffix);
    let expected = n.expected();
    for kind in KINDS {
        assert!(
            expected.iter().any(|(k, _, _)| k == kind),
            "the proof leaves no {kind} behind"
        );
    }

    let role = aws
        .step_functions_role(&format!("trdr-left-{}", ws.suffix))
        .await;
    sandbox.iam_propagation(&role, 0.0);
    leave_everything(&aws, &n, &role).await;

    let regions = [PRIMARY, SECONDARY, THIRD];
    // Pages of one item where the sandbox can make them small: ours are on a later page.
    sandbox.list_page(Some(1));
    let found = aws.leftovers(&ws.suffix, &regions).await;
    sandbox.list_page(None);
    let message = aws.what_is_left(&ws.suffix, &regions).await;
    let failed = tokio::spawn({
        let (aws, suffix) = (ws.aws(), ws.suffix.clone());
        async move { aws.assert_nothing_left_in(&suffix, &regions).await }
    })
    .await;
    // Not told to look in the third region, the check does not find what is there.
    let without_third = aws.leftovers(&ws.suffix, &[PRIMARY, SECONDARY]).await;

    // An answer the check cannot read fails it, even where nothing is left.
    sandbox.unreadable("rds", UNREADABLE, true);
    let account = leftovers::Account::new(
        ws.endpoint.clone(),
        aws_config::AppName::new("trdr-acceptance").unwrap(),
    );
    let unreadable = leftovers::find(&account, &ws.suffix, &[UNREADABLE], &[]).await;
    sandbox.unreadable("rds", UNREADABLE, false);

    delete_everything(&aws, &n).await;
    let after = aws.what_is_left(&ws.suffix, &regions).await;

    let message = message.expect("the check found something");
    for (kind, region, id) in &expected {
        let hit = found.iter().find(|l: &&Leftover| {
            l.kind == *kind && l.id.contains(id.as_str()) && region.is_none_or(|r| l.region == r)
        });
        let hit = hit.unwrap_or_else(|| {
            panic!("no {kind} {id} in {region:?} among what was found: {found:#?}")
        });
        assert!(
            message.contains(&hit.to_string()),
            "the message lacks {hit}:\n{message}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    let panic = failed.expect_err("assert_nothing_left fails while objects are left");
    assert!(panic.is_panic());
    let said = panic.into_panic();
    let said = said
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| format!("{said:?}"));
    assert_eq!(said, message, "assert_nothing_left fails with the message");
    assert!(
        !without_third.iter().any(|l| l.region == THIRD) && without_third.len() == found.len() - 1,
        "{without_third:#?}"
    );
    match unreadable {
        Err(leftovers::Error::Call {
            operation, region, ..
        }) => {
            assert_eq!(
                (operation, region.as_str()),
                ("DescribeGlobalClusters", UNREADABLE)
            );
        }
        other => panic!("an unreadable answer must fail the check, got {other:?}"),
    }
    assert_eq!(after, None, "the test's own cleanup left something");
}

/// One object of each kind, with `role` for the state machine and the schedule.
async fn leave_everything(aws: &Aws, n: &Names, role: &str) {
    let rds1 = aws.rds(PRIMARY).await;
    let rds2 = aws.rds(SECONDARY).await;
    rds1.create_global_cluster()
        .global_cluster_identifier(&n.global)
        .engine("aurora-postgresql")
        .engine_version("15.10")
        .send()
        .await
        .unwrap();
    rds2.create_db_cluster()
        .db_cluster_identifier(&n.cluster)
        .engine("aurora-postgresql")
        .engine_version("15.10")
        .master_username("dbadmin")
        .master_user_password("leftover-password-1")
        .send()
        .await
        .unwrap();
    rds2.create_db_instance()
        .db_instance_identifier(&n.instance)
        .db_cluster_identifier(&n.cluster)
        .engine("aurora-postgresql")
        .db_instance_class("db.serverless")
        .send()
        .await
        .unwrap();
    rds1.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(&n.group)
        .db_parameter_group_family("aurora-postgresql15")
        .description("left behind on purpose")
        .send()
        .await
        .unwrap();

    let sm = aws.secrets(PRIMARY).await;
    sm.create_secret()
        .name(&n.secret)
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    sm.replicate_secret_to_regions()
        .secret_id(&n.secret)
        .add_replica_regions(
            aws_sdk_secretsmanager::types::ReplicaRegionType::builder()
                .region(SECONDARY)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let r53 = aws.route53().await;
    r53.create_health_check()
        .caller_reference(&n.caller_reference)
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name("abc123.execute-api.us-east-1.amazonaws.com")
                .resource_path("/health")
                .port(443)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let zone = r53
        .create_hosted_zone()
        .name(&n.zone)
        .caller_reference(format!("left-{}", n.zone))
        .send()
        .await
        .unwrap();
    let zone_id = zone.hosted_zone().unwrap().id().to_string();
    change_record(aws, &zone_id, &n.record, ChangeAction::Create).await;

    aws.cloudwatch(SECONDARY)
        .await
        .put_metric_alarm()
        .alarm_name(&n.alarm)
        .namespace("trdr")
        .metric_name("ShiftsFailed")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .send()
        .await
        .unwrap();

    aws.s3(PRIMARY)
        .await
        .create_bucket()
        .bucket(&n.bucket)
        .send()
        .await
        .unwrap();

    leave_global_table(aws, &n.table).await;

    let sfn = aws.sfn(SECONDARY).await;
    let machine = sfn
        .create_state_machine()
        .name(&n.state_machine)
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn(role)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_string();
    aws_sdk_scheduler::Client::new(&aws.config(SECONDARY).await)
        .create_schedule()
        .name(&n.schedule)
        .schedule_expression("rate(1 hour)")
        .state(ScheduleState::Disabled)
        .flexible_time_window(
            FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Off)
                .build()
                .unwrap(),
        )
        .target(
            Target::builder()
                .arn(machine)
                .role_arn(role)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aws_sdk_eventbridge::Client::new(&aws.config(THIRD).await)
        .create_connection()
        .name(&n.connection)
        .authorization_type(ConnectionAuthorizationType::ApiKey)
        .auth_parameters(
            CreateConnectionAuthRequestParameters::builder()
                .api_key_auth_parameters(
                    CreateConnectionApiKeyAuthRequestParameters::builder()
                        .api_key_name("x-trdr-probe")
                        .api_key_value("leftover")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn change_record(aws: &Aws, zone_id: &str, name: &str, action: ChangeAction) {
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(60)
        .resource_records(
            ResourceRecord::builder()
                .value("abc123.execute-api.us-east-1.amazonaws.com")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    aws.route53()
        .await
        .change_resource_record_sets()
        .hosted_zone_id(zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(action)
                        .resource_record_set(record)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// A table in the primary region with a replica in the secondary, as trdr's session table.
async fn leave_global_table(aws: &Aws, table: &str) {
    let ddb = aws.dynamodb(PRIMARY).await;
    ddb.create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    table_active(aws, PRIMARY, table).await;
    ddb.update_table()
        .table_name(table)
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .create(
                    CreateReplicationGroupMemberAction::builder()
                        .region_name(SECONDARY)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    table_active(aws, SECONDARY, table).await;
}

async fn table_active(aws: &Aws, region: &str, table: &str) {
    let ddb = aws.dynamodb(region).await;
    eventually(60, &format!("table {table} active in {region}"), || {
        let ddb = ddb.clone();
        async move {
            let out = ddb.describe_table().table_name(table).send().await.ok()?;
            (out.table()?.table_status() == Some(&TableStatus::Active)).then_some(())
        }
    })
    .await;
}

/// Whether `table` still exists in `region`; any error but NotFound fails the test.
async fn table_exists(aws: &Aws, region: &str, table: &str) -> bool {
    match aws
        .dynamodb(region)
        .await
        .describe_table()
        .table_name(table)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            false
        }
        Err(e) => panic!("DescribeTable {table} in {region}: {e:?}"),
    }
}

/// Deletes what [`leave_everything`] made, in the order AWS requires (replicas before their
/// primary, an instance before its cluster), waiting for each to be gone where the next step
/// needs it.
async fn delete_everything(aws: &Aws, n: &Names) {
    let rds1 = aws.rds(PRIMARY).await;
    let rds2 = aws.rds(SECONDARY).await;
    rds2.delete_db_instance()
        .db_instance_identifier(&n.instance)
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    eventually(60, "the DB instance gone", || {
        let rds2 = rds2.clone();
        async move {
            match rds2
                .describe_db_instances()
                .db_instance_identifier(&n.instance)
                .send()
                .await
            {
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_db_instance_not_found_fault()) =>
                {
                    Some(())
                }
                _ => None,
            }
        }
    })
    .await;
    rds2.delete_db_cluster()
        .db_cluster_identifier(&n.cluster)
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    eventually(60, "the DB cluster gone", || {
        let rds2 = rds2.clone();
        async move {
            match rds2
                .describe_db_clusters()
                .db_cluster_identifier(&n.cluster)
                .send()
                .await
            {
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_db_cluster_not_found_fault()) =>
                {
                    Some(())
                }
                _ => None,
            }
        }
    })
    .await;
    rds1.delete_global_cluster()
        .global_cluster_identifier(&n.global)
        .send()
        .await
        .unwrap();
    rds1.delete_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(&n.group)
        .send()
        .await
        .unwrap();

    let sm = aws.secrets(PRIMARY).await;
    sm.remove_regions_from_replication()
        .secret_id(&n.secret)
        .remove_replica_regions(SECONDARY)
        .send()
        .await
        .unwrap();
    sm.delete_secret()
        .secret_id(&n.secret)
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();

    let r53 = aws.route53().await;
    let checks = aws.health_checks_with(&n.caller_reference).await;
    for h in checks {
        r53.delete_health_check()
            .health_check_id(h.id())
            .send()
            .await
            .unwrap();
    }
    let zones = r53
        .list_hosted_zones_by_name()
        .dns_name(&n.zone)
        .send()
        .await
        .unwrap();
    let zone_id = zones
        .hosted_zones()
        .iter()
        .find(|z| z.name().trim_end_matches('.') == n.zone)
        .map(|z| z.id().to_string())
        .expect("the test's zone");
    change_record(aws, &zone_id, &n.record, ChangeAction::Delete).await;
    r53.delete_hosted_zone().id(&zone_id).send().await.unwrap();

    aws.cloudwatch(SECONDARY)
        .await
        .delete_alarms()
        .alarm_names(&n.alarm)
        .send()
        .await
        .unwrap();
    aws.s3(PRIMARY)
        .await
        .delete_bucket()
        .bucket(&n.bucket)
        .send()
        .await
        .unwrap();

    aws.dynamodb(PRIMARY)
        .await
        .update_table()
        .table_name(&n.table)
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .delete(
                    DeleteReplicationGroupMemberAction::builder()
                        .region_name(SECONDARY)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    eventually(60, "the table's replica gone", || async {
        (!table_exists(aws, SECONDARY, &n.table).await).then_some(())
    })
    .await;
    table_active(aws, PRIMARY, &n.table).await;
    aws.dynamodb(PRIMARY)
        .await
        .delete_table()
        .table_name(&n.table)
        .send()
        .await
        .unwrap();
    eventually(60, "the table gone", || async {
        (!table_exists(aws, PRIMARY, &n.table).await).then_some(())
    })
    .await;

    aws_sdk_scheduler::Client::new(&aws.config(SECONDARY).await)
        .delete_schedule()
        .name(&n.schedule)
        .send()
        .await
        .unwrap();
    let sfn = aws.sfn(SECONDARY).await;
    for m in aws.state_machines(SECONDARY).await {
        if m.name() == n.state_machine {
            sfn.delete_state_machine()
                .state_machine_arn(m.state_machine_arn())
                .send()
                .await
                .unwrap();
        }
    }
    aws_sdk_eventbridge::Client::new(&aws.config(THIRD).await)
        .delete_connection()
        .name(&n.connection)
        .send()
        .await
        .unwrap();
}
