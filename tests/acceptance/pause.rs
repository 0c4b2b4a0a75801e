//! Pausing the watchers is an operation Terraform does not undo (issue 32): paused by the
//! `trdr_pause` action (Terraform 1.14 and later) or by tagging with the AWS CLI as the failover
//! guide shows (any Terraform, OpenTofu), the watchers stay paused through an apply of an
//! unrelated change, and readiness says who paused, since when and why; `trdr_resume` (or the
//! CLI) resumes them. Checked on the watchers' tags through the SDK.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::support::topology::{fixtures, topology, with_automatic_failover, Fixtures};
use crate::support::Workspace;
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";
const REGIONS: [&str; 2] = ["us-east-1", "us-east-2"];

const PAUSE_ACTIONS: &str = r#"
action "trdr_pause" "maintenance" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    reason          = "db maintenance, CHG-42"
  }
}

action "trdr_resume" "after_maintenance" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
  }
}
"#;

/// The topology with automatic failover and `rto_target` (what the unrelated change changes).
fn config(f: &Fixtures, rto_target: u32) -> String {
    with_automatic_failover(&topology(f, rto_target), "    failure_window_seconds = 30")
}

/// The tags of `region`'s watcher, read through the SDK.
async fn watcher_tags(ws: &Workspace, region: &str) -> BTreeMap<String, String> {
    let arn = ws.resource(ORCH)["watcher_arns"][region]
        .as_str()
        .unwrap_or_else(|| panic!("no watcher in {region}"))
        .to_string();
    let out = ws
        .aws()
        .sfn(region)
        .await
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    out.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// Readiness's `automatic failover watching (REGION)` check: (status, detail).
fn watching_check(ws: &Workspace, region: &str) -> (String, String) {
    let out = ws.run(&["output", "-json", "checks"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checks: Json = serde_json::from_slice(&out.stdout).unwrap();
    let name = format!("automatic failover watching ({region})");
    let c = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name.as_str())
        .unwrap_or_else(|| panic!("no check {name:?} in {checks}"));
    (
        c["status"].as_str().unwrap_or_default().to_string(),
        c["detail"].as_str().unwrap_or_default().to_string(),
    )
}

/// An unrelated change to the orchestrator itself (its RTO target: the runbooks' and watchers'
/// tags are rewritten) is planned without touching `paused`, and applied.
fn apply_an_unrelated_change(ws: &Workspace, f: &Fixtures, extra: &str) {
    ws.write(&format!("{}{extra}", config(f, 600)));
    let plan = ws.plan_with_changes();
    assert!(
        plan.contains("rto_target_seconds") && !plan.contains("paused"),
        "the plan changes the target and leaves the pause alone:\n{plan}"
    );
    ws.apply();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pause_by_action_survives_an_unrelated_apply_and_readiness_says_who_and_why() {
    let ws = workspace!("pause");
    if !ws.has_terraform((1, 14), "actions") {
        return;
    }
    let f = fixtures(&ws).await;
    ws.write(&format!("{}{PAUSE_ACTIONS}", config(&f, 300)));
    ws.apply();
    for region in REGIONS {
        assert_ne!(
            watcher_tags(&ws, region)
                .await
                .get("TrdrWatch")
                .map(String::as_str),
            Some("paused"),
            "a fresh watcher is not paused in {region}"
        );
    }

    let out = ws.must_apply(&["-invoke=action.trdr_pause.maintenance"]);
    assert!(out.contains("in us-east-1: paused by"), "{out}");
    assert!(out.contains("in us-east-2: paused by"), "{out}");
    let mut by = String::new();
    for region in REGIONS {
        let t = watcher_tags(&ws, region).await;
        assert_eq!(t["TrdrWatch"], "paused", "{region}: {t:?}");
        // Who: the caller's identity ARN; why: the reason in Step Functions' tag characters.
        assert!(t["TrdrWatchPausedBy"].starts_with("arn:"), "{t:?}");
        assert_eq!(t["TrdrWatchPauseReason"], "db maintenance_ CHG-42", "{t:?}");
        assert!(
            t["TrdrWatchPausedAt"].ends_with('Z') && t["TrdrWatchPausedAt"].contains('T'),
            "{t:?}"
        );
        by = t["TrdrWatchPausedBy"].clone();
    }

    apply_an_unrelated_change(&ws, &f, PAUSE_ACTIONS);
    for region in REGIONS {
        let t = watcher_tags(&ws, region).await;
        assert_eq!(t["TrdrWatch"], "paused", "the apply unpaused {region}");
        assert_eq!(t["TrdrWatchPausedBy"], by, "{t:?}");
        let (status, detail) = watching_check(&ws, region);
        assert_eq!(status, "warn", "{detail}");
        assert!(
            detail.contains(&format!("paused by {by} since "))
                && detail.contains("db maintenance_ CHG-42"),
            "readiness says who paused and why: {detail}"
        );
    }
    ws.assert_no_resource_changes();

    let out = ws.must_apply(&["-invoke=action.trdr_resume.after_maintenance"]);
    assert!(out.contains("watching again"), "{out}");
    for region in REGIONS {
        let t = watcher_tags(&ws, region).await;
        assert_eq!(t["TrdrWatch"], "watching", "{region}: {t:?}");
        assert!(
            !t.contains_key("TrdrWatchPausedBy") && !t.contains_key("TrdrWatchPauseReason"),
            "who paused and why are gone once resumed: {t:?}"
        );
    }
    ws.apply();
    for region in REGIONS {
        assert_eq!(watching_check(&ws, region).0, "pass", "{region} watching");
    }
    ws.assert_no_resource_changes();

    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// The failover guide's CLI recipe (the only way with OpenTofu, which has no actions): the tags
/// set by hand, here through the SDK as the CLI sends them.
#[tokio::test(flavor = "multi_thread")]
async fn a_pause_tagged_as_the_guide_shows_survives_an_unrelated_apply() {
    let ws = workspace!("pcli");
    let f = fixtures(&ws).await;
    ws.write(&config(&f, 300));
    ws.apply();
    let region = "us-east-2";
    let arn = ws.resource(ORCH)["watcher_arns"][region]
        .as_str()
        .unwrap()
        .to_string();
    let sfn = ws.aws().sfn(region).await;
    let tag = |k: &str, v: &str| aws_sdk_sfn::types::Tag::builder().key(k).value(v).build();
    sfn.tag_resource()
        .resource_arn(&arn)
        .tags(tag("TrdrWatch", "paused"))
        .tags(tag("TrdrWatchPausedBy", "jane@example.com"))
        .tags(tag("TrdrWatchPauseReason", "network maintenance"))
        .tags(tag("TrdrWatchPausedAt", "2026-12-07T09:00:00Z"))
        .send()
        .await
        .unwrap();

    // The refresh sees the pause, and the plan offers no change for it.
    ws.assert_no_resource_changes();
    apply_an_unrelated_change(&ws, &f, "");
    let t = watcher_tags(&ws, region).await;
    assert_eq!(t["TrdrWatch"], "paused", "the apply unpaused it: {t:?}");
    assert_eq!(t["TrdrWatchPauseReason"], "network maintenance");
    let (status, detail) = watching_check(&ws, region);
    assert_eq!(status, "warn", "{detail}");
    assert!(
        detail
            .contains("paused by jane@example.com since 2026-12-07T09:00:00Z: network maintenance"),
        "{detail}"
    );
    assert_eq!(watching_check(&ws, "us-east-1").0, "pass");

    // Resumed by hand: the next apply leaves that alone too.
    sfn.tag_resource()
        .resource_arn(&arn)
        .tags(tag("TrdrWatch", "watching"))
        .send()
        .await
        .unwrap();
    ws.apply();
    assert_eq!(watcher_tags(&ws, region).await["TrdrWatch"], "watching");
    assert_eq!(watching_check(&ws, region).0, "pass");

    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
