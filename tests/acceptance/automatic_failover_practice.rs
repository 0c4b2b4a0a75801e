//! `automatic_failover` in practice mode: the watcher decides through every guard and reports
//! what it would have done — a `would-fail-over` notice on its region's topic, the
//! `WouldFailOver` metric in its region, the outcome in its shift's output — and the writer stays
//! where it is. Switched to `act` by an apply, the next outage fails over. Everything is checked
//! through the SDK in us-east-2, the region that survives. An outage is sandbox-wide: this runs
//! with the other outage tests, one at a time.

use std::time::Duration;

use serde_json::Value as Json;

use crate::automatic_failover::{promotions, shift_where, shifts, writer};
use crate::orchestrator::notices;
use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology, with_automatic_failover};
use crate::support::{eventually, Workspace};
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";

fn watcher_arn(ws: &Workspace) -> String {
    ws.resource(ORCH)["watcher_arns"]["us-east-2"]
        .as_str()
        .expect("a watcher in us-east-2")
        .to_string()
}

/// The readiness check `name`'s (status, detail).
fn check(ws: &Workspace, name: &str) -> (String, String) {
    let out = ws.run(&["output", "-json", "checks"]);
    let checks: Json = serde_json::from_slice(&out.stdout).unwrap();
    let c = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {checks}"));
    (
        c["status"].as_str().unwrap_or_default().to_string(),
        c["detail"].as_str().unwrap_or_default().to_string(),
    )
}

/// The largest `WouldFailOver` datum of `watcher` in us-east-2 over the last ten minutes.
async fn would_fail_over_metric(ws: &Workspace, watcher: &str) -> Option<f64> {
    let cw = ws.aws().cloudwatch("us-east-2").await;
    let now = std::time::SystemTime::now();
    let out = cw
        .get_metric_statistics()
        .namespace("trdr")
        .metric_name("WouldFailOver")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("Watcher")
                .value(watcher)
                .build(),
        )
        .start_time((now - Duration::from_secs(600)).into())
        .end_time((now + Duration::from_secs(60)).into())
        .period(60)
        .statistics(aws_sdk_cloudwatch::types::Statistic::Sum)
        .send()
        .await
        .unwrap();
    out.datapoints()
        .iter()
        .filter_map(|d| d.sum())
        .reduce(f64::max)
}

#[tokio::test(flavor = "multi_thread")]
async fn practice_mode_reports_a_failover_without_promoting_and_act_then_fails_over() {
    let ws = workspace!("prac");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        return; // a real account has no outage switch
    };
    let f = fixtures(&ws).await;
    let practice = with_automatic_failover(
        &topology(&f, 300),
        "    failure_window_seconds = 30\n    mode                   = \"practice\"",
    );
    ws.write(&practice);
    ws.apply();
    assert_eq!(writer(&ws).await, "us-east-1");
    let healthy = shift_where(&ws, 0, "a healthy shift in us-east-2", |s| {
        s["outcome"] == "watched-healthy"
    })
    .await;
    assert_eq!(healthy["mode"], "practice", "{healthy}");
    assert_eq!(healthy["paused_by"], "", "{healthy}");
    // Readiness says the region practises: it does not fail over by itself.
    let (status, detail) = check(&ws, "automatic failover mode (us-east-2)");
    assert_eq!(status, "warn", "{detail}");
    assert!(detail.contains("practice (failover)"), "{detail}");
    notices(&ws.aws(), &f, "us-east-2").await;

    // us-east-1 fails: the watcher decides, reports, and moves nothing.
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    let would = shift_where(&ws, n, "a would-fail-over shift", |s| {
        s["outcome"] == "would-fail-over"
    })
    .await;
    assert_eq!(would["mode"], "practice", "{would}");
    assert_eq!(would["action"], "failover", "{would}");
    assert!(would["streak"].as_u64().unwrap() >= 3, "{would}");
    assert_eq!(would["runbook_execution"], "", "{would}");
    let last = would["observations"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["other"], "failed", "{would}");
    assert_eq!(last["own"], "ok", "{would}");
    let aws = ws.aws();
    let notice = eventually(60, "a would-fail-over notice in us-east-2", || async {
        notices(&aws, &f, "us-east-2")
            .await
            .into_iter()
            .find(|n| n["event"] == "would-fail-over")
    })
    .await;
    assert_eq!(notice["mode"], "practice", "{notice}");
    assert_eq!(notice["region"], "us-east-2", "{notice}");
    assert!(
        !notice["observations"].as_array().unwrap().is_empty(),
        "{notice}"
    );
    let runbook = ws.resource(ORCH)["state_machine_arns"]["us-east-2"].clone();
    assert_eq!(notice["would_start"]["runbook"], runbook, "{notice}");
    let watcher = watcher_arn(&ws).rsplit(':').next().unwrap().to_string();
    let metric = eventually(60, "the WouldFailOver metric in us-east-2", || {
        would_fail_over_metric(&ws, &watcher)
    })
    .await;
    assert!(metric >= 1.0, "{metric}");
    // Later shifts report again; none promotes, and nothing asks for approval.
    let n = shifts(&ws, "us-east-2").await.len();
    shift_where(&ws, n, "another would-fail-over shift", |s| {
        s["outcome"] == "would-fail-over"
    })
    .await;
    assert_eq!(
        writer(&ws).await,
        "us-east-1",
        "a practising watcher failed over"
    );
    assert_eq!(promotions(&sandbox, &ws), 0);
    sandbox.region_outage("us-east-1", false);

    // Switched to act by an apply (an in-place update): the next outage fails over.
    ws.write(&with_automatic_failover(
        &topology(&f, 300),
        "    failure_window_seconds = 30\n    mode                   = \"act\"",
    ));
    ws.apply();
    // Readiness was read by that apply's plan, before the watchers changed: read it again.
    ws.must_apply(&["-refresh-only"]);
    let (status, detail) = check(&ws, "automatic failover mode (us-east-2)");
    assert_eq!(status, "pass", "{detail}");
    let n = shifts(&ws, "us-east-2").await.len();
    shift_where(&ws, n, "a healthy shift in act mode", |s| {
        s["outcome"] == "watched-healthy" && s["mode"] == "act"
    })
    .await;
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    let run = shift_where(&ws, n, "the automatic failover", |s| {
        s["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("failed-over")
    })
    .await;
    assert_eq!(run["mode"], "act", "{run}");
    assert_eq!(writer(&ws).await, "us-east-2");
    assert_eq!(promotions(&sandbox, &ws), 1);
    sandbox.region_outage("us-east-1", false);
    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
