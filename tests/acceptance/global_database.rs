//! `trdr_global_database` scenarios.

use std::time::Duration;

use aws_sdk_rds::error::DisplayErrorContext;
use aws_sdk_rds::types::GlobalCluster;
use serde_json::Value as Json;

use crate::support::sandbox::Sandbox;
use crate::support::{CallCounter, Workspace};
use crate::workspace;
use trdr_testing::proxy::Faults;

const DB: &str = "trdr_global_database.trading";

struct Shape<'a> {
    writer: Option<&'a str>,
    min: f64,
    max: f64,
    primary_count: u32,
    secondary_count: u32,
    engine: &'a str,
    password_version: u32,
    max_rpo: Option<u32>,
}

impl Default for Shape<'_> {
    fn default() -> Self {
        Shape {
            writer: None,
            min: 0.5,
            max: 16.0,
            primary_count: 2,
            secondary_count: 1,
            engine: "15.10",
            password_version: 1,
            max_rpo: None,
        }
    }
}

fn config(s: &Shape) -> String {
    let writer = s
        .writer
        .map(|w| format!("  writer_region      = \"{w}\"\n"))
        .unwrap_or_default();
    let rpo = s
        .max_rpo
        .map(|r| format!("  max_rpo_seconds    = {r}\n"))
        .unwrap_or_default();
    format!(
        r#"
resource "trdr_global_database" "trading" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  engine_version     = "{engine}"
  database_name      = "trading"
  master_username    = "dbadmin"
  master_password_version = {pv}
{writer}{rpo}
  serverless_v2 {{
    min_capacity = {min}
    max_capacity = {max}
  }}

  primary {{
    region         = "us-east-1"
    instance_count = {pc}
  }}

  secondary {{
    region         = "us-east-2"
    instance_count = {sc}
  }}
}}
"#,
        engine = s.engine,
        min = s.min,
        max = s.max,
        pc = s.primary_count,
        sc = s.secondary_count,
        pv = s.password_version
    )
}

fn global_id(ws: &Workspace) -> String {
    format!("trdr-global-{}", ws.suffix)
}

fn cluster_id(ws: &Workspace, region: &str) -> String {
    format!("trdr-{region}-{}", ws.suffix)
}

/// The global cluster as RDS describes it, or `None` when RDS answers that it does not exist
/// (`GlobalClusterNotFoundFault`); any other error fails the test.
async fn global(ws: &Workspace) -> Option<GlobalCluster> {
    let rds = ws.aws().rds("us-east-1").await;
    let id = global_id(ws);
    match rds
        .describe_global_clusters()
        .global_cluster_identifier(&id)
        .send()
        .await
    {
        Ok(out) => {
            let [g] = <[GlobalCluster; 1]>::try_from(out.global_clusters().to_vec())
                .unwrap_or_else(|all| panic!("DescribeGlobalClusters {id}: {all:?}"));
            Some(g)
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_global_cluster_not_found_fault()) =>
        {
            None
        }
        Err(e) => panic!("DescribeGlobalClusters {id}: {}", DisplayErrorContext(&e)),
    }
}

fn writer_of(g: &GlobalCluster) -> Option<String> {
    g.global_cluster_members()
        .iter()
        .find(|m| m.is_writer() == Some(true))
        .and_then(|m| m.db_cluster_arn())
        .and_then(|a| a.split(':').nth(3))
        .map(str::to_string)
}

/// Checks through the SDK: two members, the writer, instances and scaling per region.
async fn assert_shape(ws: &Workspace, s: &Shape<'_>) {
    let g = global(ws).await.expect("global cluster exists");
    assert_eq!(g.global_cluster_members().len(), 2, "two members: {g:?}");
    assert_eq!(
        writer_of(&g).as_deref(),
        Some(s.writer.unwrap_or("us-east-1")),
        "writer region"
    );
    for (region, count) in [
        ("us-east-1", s.primary_count),
        ("us-east-2", s.secondary_count),
    ] {
        let rds = ws.aws().rds(region).await;
        let id = cluster_id(ws, region);
        let c = rds
            .describe_db_clusters()
            .db_cluster_identifier(&id)
            .send()
            .await
            .unwrap()
            .db_clusters
            .unwrap()
            .pop()
            .unwrap();
        let scaling = c.serverless_v2_scaling_configuration().unwrap();
        assert_eq!(
            (scaling.min_capacity(), scaling.max_capacity()),
            (Some(s.min), Some(s.max)),
            "{id} scaling"
        );
        assert_eq!(c.engine_version(), Some(s.engine), "{id} engine");
        assert_eq!(c.deletion_protection(), Some(false));
        let tags: Vec<_> = c
            .tag_list()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
            .collect();
        assert!(
            tags.contains(&("ManagedBy", "trdr")) && tags.contains(&("Region", region)),
            "{id} tags {tags:?}"
        );
        let instances = rds
            .describe_db_instances()
            .filters(
                aws_sdk_rds::types::Filter::builder()
                    .name("db-cluster-id")
                    .values(&id)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let instances = instances.db_instances();
        assert_eq!(instances.len() as u32, count, "{id} instance count");
        assert!(instances
            .iter()
            .all(|i| i.db_instance_class() == Some("db.serverless")));
    }
    // The credentials live in trdr's own secret, in both regions; never in state.
    let password = master_password(ws, "us-east-2").await;
    assert_eq!(password, master_password(ws, "us-east-1").await);
    let state = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    assert!(!state.contains(&password), "the password is not in state");
}

fn secret_name(ws: &Workspace) -> String {
    format!("trdr/{}/master", global_id(ws))
}

/// The master password from trdr's secret in `region` (the replica in the secondary region).
async fn master_password(ws: &Workspace, region: &str) -> String {
    let out = ws
        .aws()
        .secrets(region)
        .await
        .get_secret_value()
        .secret_id(secret_name(ws))
        .send()
        .await
        .unwrap_or_else(|e| panic!("secret in {region}: {e:?}"));
    let v: serde_json::Value = serde_json::from_str(out.secret_string().unwrap()).unwrap();
    assert_eq!(v["username"], "dbadmin", "{region}");
    let p = v["password"].as_str().unwrap().to_string();
    assert!(p.len() >= 16, "a real password");
    p
}

/// Nothing of the test left, of any kind trdr creates (its secret and parameter groups too), in
/// the workspace's regions.
async fn assert_nothing_left(ws: &Workspace) {
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ordered_create_switchover_scaling_import_and_destroy() {
    let ws = workspace!("gdb");
    let mut shape = Shape::default();
    ws.write(&config(&shape));
    ws.apply();
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();

    let v = ws.resource(DB);
    assert!(v["master_user_secret_arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:secretsmanager:"));
    assert_eq!(v["current_writer_region"], "us-east-1");
    // The global writer endpoint, as RDS reports it.
    let writer_endpoint = v["writer_endpoint"].as_str().unwrap().to_string();
    let described = ws
        .aws()
        .rds("us-east-1")
        .await
        .describe_global_clusters()
        .global_cluster_identifier(global_id(&ws))
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.global_clusters()[0].endpoint(),
        Some(writer_endpoint.as_str())
    );
    assert!(
        writer_endpoint.starts_with(&format!("{}.global-", global_id(&ws)))
            && writer_endpoint.ends_with(".global.rds.amazonaws.com"),
        "{writer_endpoint}"
    );
    assert_eq!(
        v["primary"]["cluster_identifier"],
        cluster_id(&ws, "us-east-1")
    );
    assert_eq!(
        v["serverless_v2"][0]["min_capacity"], 0.5,
        "fractional capacity survives end to end"
    );

    // A no-change refresh costs a fixed number of AWS calls: DescribeGlobalClusters,
    // DescribeSecret, then DescribeDBClusters and DescribeDBInstances in each region.
    let mut probe = Workspace::new("gcount", ws.endpoint.clone());
    if let Some(counting) = probe.through_proxy(Faults::default()).await {
        std::fs::copy(ws.path().join("main.tf"), probe.path().join("main.tf")).unwrap();
        std::fs::copy(
            ws.path().join("terraform.tfstate"),
            probe.path().join("terraform.tfstate"),
        )
        .unwrap();
        probe.assert_plan_empty();
        eprintln!(
            "AWS calls per no-change refresh of one trdr_global_database: {}",
            counting.stats().total()
        );
        assert_eq!(counting.stats().total(), 6, "refresh calls");
    }

    // Rotating the master password is an in-place change: a new password in the secret (both
    // regions), set on the writer; still none in state.
    let before = master_password(&ws, "us-east-1").await;
    shape.password_version = 2;
    ws.write(&config(&shape));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("1 to change, 0 to destroy") && !plan.contains(&before),
        "{plan}"
    );
    ws.apply();
    assert_ne!(master_password(&ws, "us-east-1").await, before, "rotated");
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();

    // Switchover as a plan, and back.
    for writer in ["us-east-2", "us-east-1"] {
        shape.writer = Some(writer);
        ws.write(&config(&shape));
        let plan = ws.plan_with_changes();
        assert!(
            plan.contains("1 to change, 0 to destroy") && !plan.contains("must be replaced"),
            "{plan}"
        );
        ws.apply();
        assert_shape(&ws, &shape).await;
        ws.assert_plan_empty();
        assert_eq!(
            ws.resource(DB)["writer_endpoint"],
            writer_endpoint.as_str(),
            "the global writer endpoint stays across a switchover to {writer}"
        );
    }

    // Capacity and instance counts change in place: up, then the secondary back down.
    shape.min = 1.0;
    shape.max = 32.5;
    shape.primary_count = 3;
    shape.secondary_count = 2;
    ws.write(&config(&shape));
    let (_, plan) = ws.plan();
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    ws.apply();
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();
    shape.secondary_count = 1;
    ws.write(&config(&shape));
    ws.apply();
    assert_shape(&ws, &shape).await;

    // Minor engine upgrade in place.
    shape.engine = "15.12";
    ws.write(&config(&shape));
    let (_, plan) = ws.plan();
    assert!(plan.contains("1 to change, 0 to destroy"), "{plan}");
    ws.apply();
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();

    // Import by global cluster identifier discovers both members.
    ws.state_rm(&[DB]);
    ws.import(DB, &global_id(&ws));
    ws.assert_plan_empty();

    ws.destroy();
    assert_nothing_left(&ws).await;
    for region in ["us-east-1", "us-east-2"] {
        let left = ws
            .aws()
            .secrets(region)
            .await
            .describe_secret()
            .secret_id(secret_name(&ws))
            .send()
            .await;
        assert!(
            left.as_ref().is_err_and(|e| e
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception())),
            "secret left in {region}, or not described: {left:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_outside_terraform_is_drift_not_replacement_and_destroy_resumes() {
    let mut ws = workspace!("gfo");
    ws.write(&config(&Shape::default()));
    ws.apply();

    let rds = ws.aws().rds("us-east-2").await;
    rds.failover_global_cluster()
        .global_cluster_identifier(global_id(&ws))
        .target_db_cluster_identifier(format!(
            "arn:aws:rds:us-east-2:000000000000:cluster:{}",
            cluster_id(&ws, "us-east-2")
        ))
        .allow_data_loss(true)
        .send()
        .await
        .unwrap();
    crate::support::eventually(30, "failover finished", || async {
        global(&ws).await.filter(|g| {
            g.failover_state().is_none() && writer_of(g).as_deref() == Some("us-east-2")
        })
    })
    .await;

    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("~ writer_region") && plan.contains("\"us-east-2\" -> \"us-east-1\""),
        "{plan}"
    );
    assert!(
        plan.contains("1 to change, 0 to destroy") && !plan.contains("must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("Warning: Applying moves the writer from us-east-2 to us-east-1"),
        "{plan}"
    );
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    let v = ws.resource(DB);
    assert_eq!(
        v["current_writer_region"], "us-east-2",
        "a refresh records the failover"
    );
    assert_eq!(v["writer_region"], "us-east-2");
    assert_eq!(ws.plan().0, 2, "the configuration still asks for us-east-1");

    // Accept the failover.
    let accepted = Shape {
        writer: Some("us-east-2"),
        ..Shape::default()
    };
    ws.write(&config(&accepted));
    ws.assert_plan_empty();

    // Interrupted destroy: stop terraform once the non-writer member is going, then finish.
    let Some(proxy) = ws.through_latency(Duration::from_millis(40)).await else {
        ws.destroy();
        return assert_nothing_left(&ws).await;
    };
    let (aws, reader) = (ws.aws(), cluster_id(&ws, "us-east-1"));
    let (aws, reader, w) = (&aws, &reader, &ws);
    let interrupted = ws
        .interrupt_mid_way(
            3,
            &["destroy", "-auto-approve", "-input=false"],
            Duration::from_secs(60),
            move || async move {
                let instances = aws
                    .rds("us-east-1")
                    .await
                    .describe_db_instances()
                    .filters(
                        aws_sdk_rds::types::Filter::builder()
                            .name("db-cluster-id")
                            .values(reader)
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap();
                instances.db_instances().is_empty()
            },
            // Mid-destroy only if the global cluster (deleted last) is still there.
            move || async move { global(w).await.is_some() },
            |ws| {
                ws.apply();
            },
        )
        .await;
    assert!(
        interrupted,
        "could not stop terraform in the middle of the destroy"
    );
    drop(proxy);
    ws.provider_endpoint = None;
    ws.destroy();
    assert_nothing_left(&ws).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_create_continues_and_members_deleted_out_of_band_are_restored() {
    let mut ws = workspace!("gkill");
    let shape = Shape::default();
    ws.write(&config(&shape));
    if let Some(proxy) = ws.through_latency(Duration::from_millis(40)).await {
        let (aws, writer, secondary) = (
            ws.aws(),
            cluster_id(&ws, "us-east-1"),
            cluster_id(&ws, "us-east-2"),
        );
        let (aws, writer, secondary) = (&aws, &writer, &secondary);
        let interrupted = ws
            .interrupt_mid_way(
                3,
                &["apply", "-auto-approve", "-input=false"],
                Duration::from_secs(60),
                // Created by this apply, not the previous attempt's cluster still being deleted.
                move || async move {
                    aws.rds("us-east-1")
                        .await
                        .describe_db_clusters()
                        .db_cluster_identifier(writer)
                        .send()
                        .await
                        .is_ok_and(|o| o.db_clusters()[0].status() != Some("deleting"))
                },
                // Mid-create: the secondary's cluster is not there (or is an old one going).
                move || async move {
                    aws.rds("us-east-2")
                        .await
                        .describe_db_clusters()
                        .db_cluster_identifier(secondary)
                        .send()
                        .await
                        .map_or(true, |o| o.db_clusters()[0].status() == Some("deleting"))
                },
                |ws| {
                    ws.destroy();
                },
            )
            .await;
        assert!(
            interrupted,
            "could not stop terraform between the two regions' clusters"
        );
        drop(proxy);
        ws.provider_endpoint = None;
    }
    ws.apply();
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();

    // An instance deleted out of band shows as a change, and apply restores it.
    let rds = ws.aws().rds("us-east-2").await;
    rds.delete_db_instance()
        .db_instance_identifier(format!("{}-1", cluster_id(&ws, "us-east-2")))
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("instance_count") && plan.contains("0 to destroy"),
        "{plan}"
    );
    ws.apply();
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();

    ws.destroy();
    assert_nothing_left(&ws).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_engine_version_fails_at_plan() {
    let ws = workspace!("gver");
    ws.write(&config(&Shape {
        engine: "15.4",
        ..Shape::default()
    }));
    let (code, out) = ws.plan();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("engine_version") && out.contains("15.4"),
        "{out}"
    );
    // What a version supports comes from DescribeDBEngineVersions (ServerlessV2FeaturesSupport):
    // Serverless v2 at all, 0 ACU (auto-pause), 256 ACU.
    let cases: Vec<(Shape, &str, &str)> = vec![
        (
            Shape {
                engine: "12.9",
                ..Shape::default()
            },
            "engine_version",
            "Serverless v2",
        ),
        (
            Shape {
                engine: "13.9",
                min: 0.0,
                ..Shape::default()
            },
            "serverless_v2[0].min_capacity",
            "automatic pause",
        ),
        (
            Shape {
                max: 256.0,
                ..Shape::default()
            },
            "serverless_v2[0].max_capacity",
            "256 ACU needs",
        ),
    ];
    for (shape, attr, says) in cases {
        ws.write(&config(&shape));
        let (code, out) = ws.plan();
        assert_eq!(
            code, 1,
            "{} {}-{}: {out}",
            shape.engine, shape.min, shape.max
        );
        assert!(out.contains(attr) && out.contains(says), "{out}");
    }
    ws.write(&config(&Shape {
        engine: "16.8",
        min: 0.0,
        max: 256.0,
        ..Shape::default()
    }));
    let (code, out) = ws.plan();
    assert_eq!(code, 2, "16.8 allows 0 to 256 ACU: {out}");
    assert!(global(&ws).await.is_none());
}

#[test]
fn bad_input_fails_at_plan_naming_the_attribute_with_no_aws_call() {
    let mut ws = workspace!("gbad");
    let counter = CallCounter::new();
    ws.provider_extra = format!("  endpoint_url = \"{}\"\n", counter.url());
    let base = config(&Shape::default());
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "identical regions",
            base.replace(
                "region         = \"us-east-2\"",
                "region         = \"us-east-1\"",
            ),
            "secondary.region",
        ),
        (
            "writer not a member region",
            config(&Shape {
                writer: Some("us-west-2"),
                ..Shape::default()
            }),
            "writer_region",
        ),
        (
            "engine version without global support",
            config(&Shape {
                engine: "9.6",
                ..Shape::default()
            }),
            "engine_version",
        ),
        (
            "malformed engine version",
            config(&Shape {
                engine: "fifteen",
                ..Shape::default()
            }),
            "engine_version",
        ),
        (
            "min above max",
            config(&Shape {
                min: 8.0,
                max: 4.0,
                ..Shape::default()
            }),
            "serverless_v2[0].min_capacity",
        ),
        (
            "capacity not a multiple of 0.5",
            config(&Shape {
                min: 0.75,
                ..Shape::default()
            }),
            "serverless_v2[0].min_capacity",
        ),
        (
            "capacity in steps other than 0.5",
            config(&Shape {
                min: 0.3,
                ..Shape::default()
            }),
            "serverless_v2[0].min_capacity",
        ),
        (
            "password version not a whole number",
            base.replace(
                "master_password_version = 1",
                "master_password_version = 1.5",
            ),
            "master_password_version",
        ),
        (
            "capacity above 256",
            config(&Shape {
                max: 300.0,
                ..Shape::default()
            }),
            "serverless_v2[0].max_capacity",
        ),
        (
            "no instances",
            config(&Shape {
                primary_count: 0,
                ..Shape::default()
            }),
            "primary.instance_count",
        ),
        (
            "too many instances",
            config(&Shape {
                secondary_count: 17,
                ..Shape::default()
            }),
            "secondary.instance_count",
        ),
        (
            "illegal master user",
            base.replace("\"dbadmin\"", "\"1admin\""),
            "master_username",
        ),
        (
            "reserved master user",
            base.replace("\"dbadmin\"", "\"rdsadmin\""),
            "master_username",
        ),
        (
            "illegal name",
            base.replace(
                "name               = \"trdr\"",
                "name               = \"Trading_DB\"",
            ),
            "name",
        ),
        (
            "illegal database name",
            base.replace("\"trading\"", "\"trading-db\""),
            "database_name",
        ),
    ];
    for (what, body, attr) in cases {
        ws.write(&body);
        let (code, out) = ws.plan();
        assert_eq!(code, 1, "{what}: plan must fail:\n{out}");
        assert!(
            out.contains(attr),
            "{what}: the error must name {attr}:\n{out}"
        );
        assert!(!out.contains("panic"), "{what}: {out}");
    }
    assert_eq!(
        counter.connections(),
        0,
        "bad input must fail before any AWS call"
    );
}

/// Issue 10: one deadline per operation. An update that adds instances in both regions (each
/// waited for in turn) with a budget smaller than the sequence stops mid-way with a timeout that
/// names the operation's budget and the step; the next apply (with room) converges.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_deadline_that_runs_out_mid_sequence_says_where_and_the_next_apply_converges()
{
    let ws = workspace!("deadline");
    let base = Shape {
        primary_count: 1,
        ..Shape::default()
    };
    ws.write(&config(&base));
    ws.apply();
    let more = config(&Shape {
        primary_count: 3,
        secondary_count: 3,
        ..Shape::default()
    });
    // Each new instance takes 480 s on AWS (4.8 s in the sandbox); the primary's are waited for
    // before the secondary's begin, so 6 s cannot cover both regions.
    ws.write(&more.replace(
        "  secondary {",
        "  timeouts {\n    update = \"6s\"\n  }\n\n  secondary {",
    ));
    let out = ws.run(&["apply", "-auto-approve", "-input=false"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(" ");
    assert!(
        !out.status.success(),
        "the budget was meant to run out:\n{text}"
    );
    assert!(
        text.contains("timeouts budget ran out"),
        "the diagnostic says the operation's budget ended it:\n{text}"
    );
    assert!(
        text.contains("Failed to apply global database") && text.contains("instances of"),
        "the diagnostic names the step:\n{text}"
    );
    ws.write(&more);
    ws.apply();
    ws.assert_plan_empty();
    let aws = ws.aws();
    for region in ["us-east-1", "us-east-2"] {
        let n = aws.instances_with(&ws.suffix, region).await.len();
        assert_eq!(n, 3, "three instances in {region}, no duplicate");
    }
    ws.destroy();
    assert_nothing_left(&ws).await;
}

/// The RPO group of the member in `region`, as RDS has it: (the group the cluster uses,
/// `rds.global_db_rpo` in trdr's group when it exists).
async fn rpo_seen(ws: &Workspace, region: &str) -> (String, Option<String>) {
    let rds = ws.aws().rds(region).await;
    let cluster = rds
        .describe_db_clusters()
        .db_cluster_identifier(cluster_id(ws, region))
        .send()
        .await
        .unwrap();
    let used = cluster.db_clusters()[0]
        .db_cluster_parameter_group()
        .unwrap_or_else(|| panic!("{region}: a cluster without a parameter group: {cluster:?}"))
        .to_string();
    // Only "no such group" reads as no value; any other error fails the test.
    let value = match rds
        .describe_db_cluster_parameters()
        .db_cluster_parameter_group_name(format!("{}-rpo", cluster_id(ws, region)))
        .source("user")
        .send()
        .await
    {
        Ok(o) => o
            .parameters()
            .iter()
            .find(|p| p.parameter_name() == Some("rds.global_db_rpo"))
            .and_then(|p| p.parameter_value().map(str::to_string)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_db_parameter_group_not_found_fault()) =>
        {
            None
        }
        Err(e) => panic!("{region}: the RPO group: {}", DisplayErrorContext(&e)),
    };
    (used, value)
}

#[tokio::test(flavor = "multi_thread")]
async fn max_rpo_seconds_is_a_parameter_group_per_region_changed_in_place_and_removed() {
    let ws = workspace!("rpo");
    let mut shape = Shape {
        primary_count: 1,
        max_rpo: Some(30),
        ..Shape::default()
    };
    ws.write(&config(&shape));
    ws.apply();
    let group = |region: &str| format!("{}-rpo", cluster_id(&ws, region));
    for region in ["us-east-1", "us-east-2"] {
        assert_eq!(
            rpo_seen(&ws, region).await,
            (group(region), Some("30".to_string())),
            "{region}: the cluster uses trdr's group with rds.global_db_rpo = 30"
        );
    }
    assert_eq!(ws.resource(DB)["max_rpo_seconds"], 30);
    ws.assert_plan_empty();

    // The AWS rules trdr's order of steps relies on, as the sandbox enforces them.
    let rds = ws.aws().rds("us-east-1").await;
    let code = |e: &dyn aws_sdk_rds::error::ProvideErrorMetadata| e.code().map(str::to_string);
    let in_use = rds
        .delete_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(group("us-east-1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&in_use.into_service_error()).as_deref(),
        Some("InvalidDBParameterGroupState"),
        "a group in use cannot be deleted"
    );
    let too_low = rds
        .modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(group("us-east-1"))
        .parameters(
            aws_sdk_rds::types::Parameter::builder()
                .parameter_name("rds.global_db_rpo")
                .parameter_value("19")
                .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&too_low.into_service_error()).as_deref(),
        Some("InvalidParameterValue")
    );
    let other_family = format!("{}-pg14", ws.suffix);
    rds.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(&other_family)
        .db_parameter_group_family("aurora-postgresql14")
        .description("another family")
        .send()
        .await
        .unwrap();
    let wrong = rds
        .modify_db_cluster()
        .db_cluster_identifier(cluster_id(&ws, "us-east-1"))
        .db_cluster_parameter_group_name(&other_family)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&wrong.into_service_error()).as_deref(),
        Some("InvalidParameterCombination"),
        "a 15.x cluster takes no aurora-postgresql14 group"
    );
    rds.delete_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(&other_family)
        .send()
        .await
        .unwrap();

    // Readiness checks the secondary's lag (CloudWatch, milliseconds) against the bound: no
    // data is a warning, within it a pass, above it a failure.
    let with_readiness = format!(
        "{}{}",
        config(&shape),
        r#"
data "trdr_failover_readiness" "x" {
  global_database_id = trdr_global_database.trading.id
}

output "rpo" {
  value = [for c in data.trdr_failover_readiness.x.checks : c if startswith(c.name, "replication lag")]
}
"#
    );
    ws.write(&with_readiness);
    let rpo_check = || {
        let out = ws.run(&["output", "-json", "rpo"]);
        let checks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(checks.as_array().map(Vec::len), Some(1), "{checks}");
        (
            checks[0]["status"].as_str().unwrap().to_string(),
            checks[0]["detail"].as_str().unwrap().to_string(),
        )
    };
    ws.apply();
    let (status, detail) = rpo_check();
    assert_eq!(status, "warn", "{detail}");
    let cw = ws.aws().cloudwatch("us-east-2").await;
    let lag = |ms: f64| {
        cw.put_metric_data()
            .namespace("AWS/RDS")
            .metric_data(
                aws_sdk_cloudwatch::types::MetricDatum::builder()
                    .metric_name("AuroraGlobalDBRPOLag")
                    .dimensions(
                        aws_sdk_cloudwatch::types::Dimension::builder()
                            .name("DBClusterIdentifier")
                            .value(cluster_id(&ws, "us-east-2"))
                            .build(),
                    )
                    .unit(aws_sdk_cloudwatch::types::StandardUnit::Milliseconds)
                    .value(ms)
                    .build(),
            )
            .send()
    };
    lag(4_000.0).await.unwrap();
    ws.apply();
    let (status, detail) = rpo_check();
    assert_eq!(status, "pass", "{detail}");
    assert!(detail.contains("4.0 s"), "{detail}");
    lag(45_000.0).await.unwrap();
    ws.apply();
    let (status, detail) = rpo_check();
    assert_eq!(status, "fail", "{detail}");
    assert!(
        detail.contains("45.0 s") && detail.contains("max_rpo_seconds = 30"),
        "{detail}"
    );
    ws.write(&config(&shape));

    // In place, never a replacement.
    shape.max_rpo = Some(60);
    ws.write(&config(&shape));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("1 to change, 0 to destroy") && plan.contains("30 -> 60"),
        "{plan}"
    );
    ws.apply();
    for region in ["us-east-1", "us-east-2"] {
        assert_eq!(
            rpo_seen(&ws, region).await,
            (group(region), Some("60".to_string()))
        );
    }
    ws.assert_plan_empty();

    // Removed: both clusters back on the family's default group, trdr's groups deleted.
    shape.max_rpo = None;
    ws.write(&config(&shape));
    ws.apply();
    for region in ["us-east-1", "us-east-2"] {
        assert_eq!(
            rpo_seen(&ws, region).await,
            ("default.aurora-postgresql15".to_string(), None),
            "{region}: detached and deleted"
        );
    }
    ws.assert_plan_empty();

    // Set again, then destroy: no group left behind.
    shape.max_rpo = Some(20);
    ws.write(&config(&shape));
    ws.apply();
    ws.destroy();
    assert_nothing_left(&ws).await;
    for region in ["us-east-1", "us-east-2"] {
        let left = ws
            .aws()
            .rds(region)
            .await
            .describe_db_cluster_parameter_groups()
            .db_cluster_parameter_group_name(group(region))
            .send()
            .await;
        assert!(
            left.as_ref().is_err_and(|e| e
                .as_service_error()
                .is_some_and(|e| e.is_db_parameter_group_not_found_fault())),
            "group left in {region}, or not described: {left:?}"
        );
    }
}

/// How long terraform may take to exit after Ctrl-C before the test calls it a hang. Not a
/// figure: the stop ends a wait at once (`make bench` measures how fast), and without it the
/// create would wait out the cluster's 900 s.
const STOP_HANG_GUARD: Duration = Duration::from_secs(120);

/// Applies `shape`, interrupts the apply with Ctrl-C as a terminal sends it (SIGINT to
/// terraform's whole process group, the provider included) while the secondary's cluster takes the
/// minutes Aurora can take, and checks the stop (issue 12): Terraform sends StopProvider, the
/// provider's wait ends, terraform exits (long before the create could have finished) with the
/// global database in state (tainted), both members made, and no AWS call is sent after the
/// signal. Leaves the secondary's create duration at the sandbox's default again.
async fn apply_and_interrupt_the_create(ws: &mut Workspace, shape: &Shape<'_>) {
    use std::time::Instant;

    ws.write(&config(shape));
    let secondary = cluster_id(ws, "us-east-2");
    let sandbox = crate::support::sandbox::Sandbox::at(ws.endpoint.as_deref());
    if let Some(s) = &sandbox {
        // 15 minutes, as a slow Aurora create: only the stop can end the apply early.
        s.cluster_create_duration(&secondary, 900.0);
    }
    // Counts the provider's calls (no faults).
    let proxy = ws.through_latency(Duration::ZERO).await;

    let child = ws.spawn(&["apply", "-auto-approve", "-input=false"]);
    let pid = child.id() as i32;
    let rds = ws.aws().rds("us-east-2").await;
    crate::support::eventually(600, "the secondary's cluster creating", || async {
        let out = match rds
            .describe_db_clusters()
            .db_cluster_identifier(&secondary)
            .send()
            .await
        {
            Ok(out) => out,
            // Not made yet.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_db_cluster_not_found_fault()) =>
            {
                return None
            }
            Err(e) => panic!("{secondary}: {}", DisplayErrorContext(&e)),
        };
        (out.db_clusters()[0].status() == Some("creating")).then_some(())
    })
    .await;
    // Inside the provider's wait for it.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // The calls made before the signal. The proxy counts a call when its request arrives, so a
    // call in flight at the signal (sent, its answer not yet back) is counted here and its answer
    // adds nothing later; a call counted after this was sent after the signal. Read before the
    // signal is sent, so a call racing with it counts as after: the check errs on the strict
    // side.
    let at_signal = proxy.as_ref().map(|p| p.stats().calls);
    let interrupted_at = Instant::now();
    unsafe {
        libc::kill(-pid, libc::SIGINT);
    }
    std::thread::spawn(move || {
        let mut child = child;
        let _ = done_tx.send(child.wait());
    });
    let out = loop {
        if let Ok(out) = done_rx.try_recv() {
            break out.expect("terraform ran");
        }
        if interrupted_at.elapsed() > STOP_HANG_GUARD {
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            panic!("terraform did not exit within {STOP_HANG_GUARD:?} of the interrupt: it does not stop");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = ws.spawned_output();
    assert!(!out.success(), "an interrupted apply fails:\n{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Stopped before finishing: apply global database")
            && flat.contains("Terraform asked the provider to stop")
            && flat.contains(&format!(
                "stopped while waiting for cluster {secondary} available"
            ))
            && flat.contains("not started: instances of"),
        "the diagnostic says it was stopped and where:\n{text}"
    );
    assert!(
        flat.contains("can be continued") && flat.contains("terraform untaint"),
        "the diagnostic says how to continue instead of replacing:\n{text}"
    );
    if let (Some(p), Some(before)) = (&proxy, at_signal) {
        let after: Vec<String> = p
            .stats()
            .calls
            .into_iter()
            .filter_map(|(call, n)| {
                let new = n - before.get(&call).copied().unwrap_or(0);
                (new > 0).then(|| format!("{call} ×{new}"))
            })
            .collect();
        assert!(
            after.is_empty(),
            "AWS calls sent after the interrupt: {after:?}"
        );
    }

    // What exists is in state: the global database (tainted, as any create that ended in error).
    let state = ws.state();
    let recorded = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == DB).cloned())
        .unwrap_or_else(|| panic!("{DB} not in state: {state}"));
    assert_eq!(recorded["tainted"], true, "{recorded}");
    let g = global(ws).await.expect("the global cluster exists");
    assert_eq!(
        g.global_cluster_members().len(),
        2,
        "both members made: {g:?}"
    );

    if let Some(s) = &sandbox {
        s.cluster_create_duration(&secondary, 0.0);
    }
    drop(proxy);
    ws.provider_endpoint = None;
}

/// Issue 12: Ctrl-C during a create stops it; the next apply (the create is tainted) converges
/// with one cluster per region, and destroy leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_a_create_and_the_next_apply_converges() {
    let mut ws = workspace!("gstop");
    let shape = Shape::default();
    apply_and_interrupt_the_create(&mut ws, &shape).await;
    // The next apply replaces it (Terraform destroys what the create made, then creates it
    // anew), with no duplicate.
    ws.apply();
    assert_shape(&ws, &shape).await;
    for region in ["us-east-1", "us-east-2"] {
        let ours = ws.aws().clusters_with(&ws.suffix, region).await;
        assert_eq!(ours.len(), 1, "one cluster in {region}: {ours:?}");
    }
    ws.assert_plan_empty();
    ws.destroy();
    assert_nothing_left(&ws).await;
}

/// Each member cluster's (region, resource id, creation time): what a replacement would change.
async fn clusters_made(ws: &Workspace) -> Vec<(&'static str, Option<String>, Option<i64>)> {
    let mut seen = Vec::new();
    for region in ["us-east-1", "us-east-2"] {
        let rds = ws.aws().rds(region).await;
        let out = rds
            .describe_db_clusters()
            .db_cluster_identifier(cluster_id(ws, region))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the cluster in {region}: {e:?}"));
        let c = &out.db_clusters()[0];
        seen.push((
            region,
            c.db_cluster_resource_id().map(str::to_string),
            c.cluster_create_time().map(|t| t.secs()),
        ));
    }
    seen
}

/// Issue 23: after Ctrl-C during a create, `terraform untaint` + `apply` continues the create
/// where it stopped instead of replacing it: nothing made before the stop is deleted (the clusters'
/// resource ids and creation times are unchanged), the apply finishes the secondary and the
/// instances, and the next plan is empty.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_then_untaint_continues_the_create_without_deleting_anything() {
    let mut ws = workspace!("gcont");
    let shape = Shape::default();
    apply_and_interrupt_the_create(&mut ws, &shape).await;
    let before = clusters_made(&ws).await;

    let untaint = ws.run(&["untaint", DB]);
    assert!(
        untaint.status.success(),
        "{}",
        String::from_utf8_lossy(&untaint.stderr)
    );
    let deleting = ws.through_latency(Duration::ZERO).await;
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("update in-place") && !plan.contains("must be replaced"),
        "the untainted create plans an update, not a replacement:\n{plan}"
    );
    ws.apply();
    if let Some(p) = &deleting {
        let deleted: Vec<String> = p
            .stats()
            .calls
            .into_keys()
            .filter(|k| k.contains(":Delete") || k.ends_with(":RemoveFromGlobalCluster"))
            .collect();
        assert!(
            deleted.is_empty(),
            "the continued create deleted: {deleted:?}"
        );
    }
    drop(deleting);
    ws.provider_endpoint = None;
    assert_eq!(
        clusters_made(&ws).await,
        before,
        "what the interrupted create made is kept"
    );
    assert_shape(&ws, &shape).await;
    ws.assert_plan_empty();
    ws.destroy();
    assert_nothing_left(&ws).await;
}

/// Issue 23: fields the RDS API model marks optional may be absent (plain MiniStack, LocalStack,
/// an older account). Without `GlobalCluster.Endpoint` the plan after apply, and after a
/// switchover, is empty; without `ServerlessV2FeaturesSupport` a valid version is not refused —
/// the provider asks `DescribeOrderableDBInstanceOptions` and only warns that the capacity limits
/// are checked at apply.
#[tokio::test(flavor = "multi_thread")]
async fn optional_fields_aws_omits_cause_no_perpetual_diff_and_no_refusal() {
    let ws = workspace!("opt");
    let Some(sandbox) = crate::support::sandbox::Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("only the sandbox can leave optional fields out of its answers");
        return;
    };
    // A version of its own, so no other test sees the omission.
    let engine = "15.12";
    sandbox.omit_global_endpoint(&global_id(&ws));
    sandbox.omit_serverless_support(engine);
    let shape = Shape {
        engine,
        primary_count: 1,
        ..Shape::default()
    };
    ws.write(&config(&shape));
    let (code, plan) = ws.plan();
    assert_eq!(code, 2, "{plan}");
    assert!(
        plan.contains("Serverless v2 capacity not checked at plan time"),
        "{plan}"
    );
    ws.apply();
    let g = global(&ws).await.unwrap();
    assert_eq!(
        g.endpoint(),
        None,
        "the sandbox omits the global writer endpoint"
    );
    assert!(ws.resource(DB)["writer_endpoint"].is_null());
    ws.assert_plan_empty();
    ws.write(&config(&Shape {
        writer: Some("us-east-2"),
        ..shape
    }));
    ws.apply();
    assert_eq!(
        writer_of(&global(&ws).await.unwrap()).as_deref(),
        Some("us-east-2")
    );
    ws.assert_plan_empty();
    ws.destroy();
    assert_nothing_left(&ws).await;
}

/// Issue 23: an answer the SDK cannot read. Readiness degrades instead of blocking: the plan
/// succeeds and the check says `unknown` and why; a resource's failed read is one readable line
/// naming the call, with no raw response (`SdkBody`, `Extensions`) in it. Regions no other test
/// uses, since the sandbox's switch is per service and region.
#[tokio::test(flavor = "multi_thread")]
async fn unreadable_answers_degrade_readiness_and_read_as_one_line() {
    let mut ws = workspace!("unread");
    let Some(sandbox) = crate::support::sandbox::Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("only the sandbox can answer a body the SDK cannot read");
        return;
    };
    ws.regions = ("us-west-2", "eu-west-1");
    ws.write(
        r#"
resource "trdr_global_database" "trading" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  max_rpo_seconds    = 20
  primary {}
  secondary {}
}

data "trdr_failover_readiness" "trading" {
  global_database_id = trdr_global_database.trading.id
}

output "ready" {
  value = data.trdr_failover_readiness.trading.ready
}

output "checks" {
  value = data.trdr_failover_readiness.trading.checks
}
"#,
    );
    ws.apply();
    let raw = |text: &str| text.contains("SdkBody") || text.contains("Extensions");

    // CloudWatch in the secondary region answers what the SDK cannot parse.
    sandbox.unreadable("monitoring", "eu-west-1", true);
    let (code, plan) = ws.plan();
    assert_ne!(code, 1, "an unreadable metric failed the plan:\n{plan}");
    assert!(!raw(&plan), "{plan}");
    let out = ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let output = |name: &str| -> Json {
        let out = ws.run(&["output", "-json", name]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(output("ready"), Json::Bool(false));
    let checks = output("checks");
    let lag = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "replication lag within max_rpo_seconds (eu-west-1)")
        .unwrap_or_else(|| panic!("{checks}"));
    assert_eq!(lag["status"], "unknown", "{lag}");
    let detail = lag["detail"].as_str().unwrap();
    assert!(
        detail.contains("GetMetricStatistics in eu-west-1"),
        "{detail}"
    );
    assert!(!raw(detail), "{detail}");
    sandbox.unreadable("monitoring", "eu-west-1", false);

    // RDS in the primary region answers unreadably: the refresh fails, in one readable line.
    sandbox.unreadable("rds", "us-west-2", true);
    let (code, plan) = ws.plan();
    sandbox.unreadable("rds", "us-west-2", false);
    assert_eq!(code, 1, "{plan}");
    // Operation, region and what AWS answered, as hashicorp/aws names them.
    assert!(
        plan.contains("DescribeGlobalClusters in us-west-2: HTTP 200"),
        "{plan}"
    );
    assert!(
        !raw(&plan),
        "the diagnostic dumps the raw response:\n{plan}"
    );

    ws.destroy();
    assert_nothing_left(&ws).await;
}

async fn writer_resource_id(ws: &Workspace) -> Option<String> {
    ws.aws()
        .rds("us-east-1")
        .await
        .describe_db_clusters()
        .db_cluster_identifier(cluster_id(ws, "us-east-1"))
        .send()
        .await
        .unwrap()
        .db_clusters()[0]
        .db_cluster_resource_id()
        .map(str::to_string)
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `config` with a brought password instead of trdr's secret.
fn with_written_password(password: &str, version: u32) -> String {
    config(&Shape {
        primary_count: 1,
        ..Shape::default()
    })
    .replace(
        "  master_password_version = 1\n",
        &format!("  master_password_wo         = \"{password}\"\n  master_password_wo_version = {version}\n"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_only_password_reaches_rds_never_the_state_or_logs_and_rotates_by_version() {
    let ws = workspace!("wo");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("RDS never answers a password; the sandbox keeps its digest");
        return;
    };
    let (first, second) = ("Wo-Pass-0001-first", "Wo-Pass-0002-second");
    let writer = cluster_id(&ws, "us-east-1");
    let body = with_written_password(first, 1);
    assert!(
        body.contains("master_password_wo "),
        "the shape's password line was replaced"
    );
    ws.write(&body);
    let log = ws.path().join("trace.log");
    let out = ws.must_run_traced(&["apply", "-auto-approve", "-input=false"], &log, &[]);

    // RDS got it (the sandbox's digest of what CreateDBCluster carried); trdr made no secret.
    assert_eq!(
        sandbox.master_password_digest("us-east-1", &writer),
        (Some(sha256_hex(first)), 1)
    );
    let state = ws.resource(DB);
    assert_eq!(state["master_user_secret_arn"], serde_json::Value::Null);
    assert_eq!(state["master_password_wo"], serde_json::Value::Null);
    let secret = ws
        .aws()
        .secrets("us-east-1")
        .await
        .describe_secret()
        .secret_id(secret_name(&ws))
        .send()
        .await;
    assert!(
        secret.as_ref().is_err_and(|e| e
            .as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())),
        "no trdr secret with a brought password: {secret:?}"
    );
    // Nowhere in state, plan output, or Terraform's and the provider's trace log.
    let shown = String::from_utf8(ws.run(&["show", "-json"]).stdout).unwrap();
    let state_file = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(
        trace.len() > 10_000,
        "a trace log was written ({} bytes)",
        trace.len()
    );
    for (what, text) in [
        ("show -json", &shown),
        ("state file", &state_file),
        ("TF_LOG=trace", &trace),
        ("apply output", &out),
    ] {
        assert!(!text.contains(first), "the password is in {what}");
    }
    ws.assert_plan_empty();

    // A new password with a raised version: set in place on the writer, nothing replaced.
    let before = writer_resource_id(&ws).await;
    ws.write(&with_written_password(second, 2));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("update in-place") && !plan.contains("must be replaced"),
        "{plan}"
    );
    assert!(!plan.contains(second), "{plan}");
    ws.apply();
    assert_eq!(
        sandbox.master_password_digest("us-east-1", &writer),
        (Some(sha256_hex(second)), 2)
    );
    assert_eq!(
        writer_resource_id(&ws).await,
        before,
        "the writer cluster was not replaced"
    );
    ws.assert_plan_empty();

    ws.destroy();
    assert_nothing_left(&ws).await;
}
