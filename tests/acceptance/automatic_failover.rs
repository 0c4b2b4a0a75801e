//! `automatic_failover`: the watchers really run in the sandbox (EventBridge Scheduler starts them,
//! HTTP Tasks probe), a us-east-1 outage moves the writer with nobody starting anything, and the
//! guards hold: a flapping endpoint, an outage shorter than the window, the pause tag and an
//! unhealthy surviving region each leave the writer where it is. Everything is checked through
//! the SDK in us-east-2, the region that survives.

use serde_json::Value as Json;

use crate::orchestrator::notices;
use crate::support::sandbox::Sandbox;
use crate::support::topology::{
    fixtures, topology, with_automatic_failover, Fixtures, PRIMARY_FQDN, SECONDARY_FQDN,
};
use crate::support::{eventually, Workspace};
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";
const DB: &str = "trdr_global_database.trading";

/// The writer's region as RDS in us-east-2 reports it (us-east-1 may be down).
pub(crate) async fn writer(ws: &Workspace) -> String {
    crate::orchestrator::writer_seen_from(ws, "us-east-2").await
}

/// The outputs of the finished shifts of `region`'s watcher, newest first.
pub(crate) async fn shifts(ws: &Workspace, region: &str) -> Vec<Json> {
    let sfn = ws.aws().sfn(region).await;
    let arn = ws.resource(ORCH)["watcher_arns"][region]
        .as_str()
        .unwrap()
        .to_string();
    let list = sfn
        .list_executions()
        .state_machine_arn(&arn)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    let mut execs: Vec<_> = list.executions().to_vec();
    execs.sort_by_key(|e| std::cmp::Reverse(e.start_date().secs()));
    for e in execs.iter().filter(|e| e.status().as_str() != "RUNNING") {
        let d = sfn
            .describe_execution()
            .execution_arn(e.execution_arn())
            .send()
            .await
            .unwrap();
        // No output (a failed shift has none) reads as null; an output that is not JSON fails.
        let mut o: Json = d
            .output()
            .map(|o| {
                serde_json::from_str(o)
                    .unwrap_or_else(|e| panic!("a shift's output is not JSON ({e}): {o}"))
            })
            .unwrap_or_default();
        o["status"] = Json::from(d.status().as_str());
        out.push(o);
    }
    out
}

/// The last events of the watcher shifts still running in us-east-2 (for a test's log).
async fn running_history(ws: &Workspace) {
    let sfn = ws.aws().sfn("us-east-2").await;
    let arn = ws.resource(ORCH)["watcher_arns"]["us-east-2"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Ok(list) = sfn
        .list_executions()
        .state_machine_arn(&arn)
        .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
        .send()
        .await
    else {
        return;
    };
    for e in list.executions() {
        if let Ok(h) = sfn
            .get_execution_history()
            .execution_arn(e.execution_arn())
            .reverse_order(true)
            .max_results(6)
            .send()
            .await
        {
            let names: Vec<String> = h
                .events()
                .iter()
                .map(|ev| {
                    format!(
                        "{:?} {:?}",
                        ev.r#type(),
                        ev.state_entered_event_details().map(|d| d.name())
                    )
                })
                .collect();
            eprintln!("running shift {}: {names:?}", e.name());
        }
    }
}

pub(crate) fn promotions(sandbox: &Sandbox, ws: &Workspace) -> u64 {
    sandbox.promotions(&format!("trdr-global-{}", ws.suffix))
}

/// Waits until a shift of the us-east-2 watcher that started after `since` shifts finished
/// satisfies `done`, and returns it.
pub(crate) async fn shift_where(
    ws: &Workspace,
    since: usize,
    what: &str,
    done: impl Fn(&Json) -> bool,
) -> Json {
    let polls = std::sync::atomic::AtomicU32::new(0);
    eventually(90, what, || async {
        let all = shifts(ws, "us-east-2").await;
        let new = all.len().saturating_sub(since);
        // Every 10 s: what the newest shifts saw, for the log of a test that waits too long.
        if polls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 50 == 49 {
            eprintln!(
                "{what}: {new} new shifts, newest: {}",
                all.first().cloned().unwrap_or_default()
            );
            running_history(ws).await;
        }
        all.into_iter().take(new).find(|s| done(s))
    })
    .await
}

/// Applies `config` and waits until the us-east-2 watcher has run a healthy shift: it watches.
async fn apply_and_watch(ws: &Workspace, config: &str) {
    ws.write(config);
    ws.apply();
    shift_where(ws, 0, "a healthy shift in us-east-2", |s| {
        s["outcome"] == "watched-healthy"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_us_east_1_outage_fails_over_by_itself_and_the_plan_keeps_the_writer() {
    let ws = workspace!("auto");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        return; // a real account has no outage switch
    };
    let f = fixtures(&ws).await;
    ws.write(&with_automatic_failover(
        &topology(&f, 300),
        "    failure_window_seconds = 30",
    ));
    ws.apply();
    assert_eq!(writer(&ws).await, "us-east-1");
    let orch = ws.resource(ORCH);
    for region in ["us-east-1", "us-east-2"] {
        assert!(orch["watcher_arns"][region].as_str().is_some(), "{orch}");
    }
    // The global cluster carries the mark that makes writer_region a preference.
    let rds = ws.aws().rds("us-east-2").await;
    let g = rds
        .describe_global_clusters()
        .global_cluster_identifier(format!("trdr-global-{}", ws.suffix))
        .send()
        .await
        .unwrap();
    let mark = g.global_clusters()[0]
        .tag_list()
        .iter()
        .find(|t| t.key() == Some("TrdrAutomaticFailover"))
        .and_then(|t| t.value())
        .map(str::to_string);
    assert_eq!(mark, Some(format!("trdr:{}", ws.suffix)));
    // The watchers run by themselves: us-east-1 writes, us-east-2 watches and sees it healthy.
    let healthy = shift_where(&ws, 0, "a healthy shift in us-east-2", |s| {
        s["outcome"] == "watched-healthy"
    })
    .await;
    assert!(healthy["probes"].as_u64().unwrap() >= 1, "{healthy}");
    eventually(60, "a shift in us-east-1", || async {
        shifts(&ws, "us-east-1")
            .await
            .into_iter()
            .find(|s| s["outcome"] == "writer-here")
    })
    .await;
    // Readiness sees both watchers watching.
    let out = ws.run(&["output", "-json", "checks"]);
    let checks: Json = serde_json::from_slice(&out.stdout).unwrap();
    for region in ["us-east-1", "us-east-2"] {
        let name = format!("automatic failover watching ({region})");
        let c = checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name.as_str())
            .unwrap_or_else(|| panic!("no {name} check: {checks}"));
        assert_eq!(c["status"], "pass", "{c}");
    }
    ws.assert_plan_empty();
    // Import finds the watchers and their settings: the imported state plans no change.
    ws.state_rm(&[ORCH]);
    ws.import(ORCH, &format!("trdr:{}", ws.suffix));
    ws.assert_plan_empty();

    // us-east-1 fails. Nobody starts anything.
    let before = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    let run = shift_where(&ws, before, "the automatic failover", |s| {
        s["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("failed-over")
    })
    .await;
    assert_eq!(writer(&ws).await, "us-east-2");
    // The control plane of Route 53 is down with us-east-1: the record change is pending, and
    // the health-checked pair answers us-east-2 on the data plane.
    assert_eq!(run["outcome"], "failed-over-dns-pending", "{run}");
    assert_eq!(
        sandbox.resolve(&f.zone_id, &format!("api.{}.example.com", ws.suffix)),
        Some(SECONDARY_FQDN.to_string())
    );
    let observations = run["observations"].as_array().unwrap();
    assert!(observations.len() >= 3, "{run}");
    let last = observations.last().unwrap();
    assert_eq!(last["other"], "failed", "{run}");
    assert_eq!(last["own"], "ok", "{run}");
    assert_eq!(last["route53"], "unknown", "{run}");
    assert!(run["streak"].as_u64().unwrap() >= 3, "{run}");
    let total = run["first_failed_to_writer_moved_seconds"]
        .as_f64()
        .unwrap();
    let detected = run["detected_to_writer_moved_seconds"].as_f64().unwrap();
    assert!(total > 0.0 && detected > 0.0 && detected <= total, "{run}");
    eprintln!("automatic failover: first failed probe to writer moved {total:.2} s, decision to writer moved {detected:.2} s (sandbox seconds)");
    assert_eq!(promotions(&sandbox, &ws), 1);
    // Later shifts see the writer here and do nothing.
    let after = shifts(&ws, "us-east-2").await.len();
    shift_where(&ws, after, "a shift after the failover", |s| {
        s["outcome"] == "writer-here"
    })
    .await;
    assert_eq!(promotions(&sandbox, &ws), 1);

    // us-east-1 comes back. The configuration still says us-east-1: the plan moves no writer
    // (it only repairs the record change Route 53 could not take during the outage).
    sandbox.region_outage("us-east-1", false);
    let (_, out) = ws.plan();
    assert!(
        !out.contains("trdr_global_database.trading will be"),
        "the plan after an automatic failover moves the writer:\n{out}"
    );
    assert!(out.contains("this plan keeps it there"), "{out}");
    ws.apply();
    assert_eq!(
        ws.resource(DB)["automatic_failover_by"],
        format!("trdr:{}", ws.suffix)
    );
    assert_eq!(ws.resource(DB)["current_writer_region"], "us-east-2");
    assert_eq!(ws.resource(DB)["writer_region"], "us-east-1");
    assert_eq!(ws.resource(ORCH)["active_region"], "us-east-2");
    assert_eq!(writer(&ws).await, "us-east-2");
    ws.assert_plan_empty();

    ws.destroy();
    // No runbook, watcher, schedule or connection is left in either region.
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watcher_does_not_fail_over_on_flaps_short_outages_a_pause_or_an_unhealthy_survivor() {
    let ws = workspace!("guard");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("flapping endpoints and short outages need the sandbox");
        return;
    };
    let f = fixtures(&ws).await;
    // 12 probes in a row: at the sandbox's scale a probe is 0.1 s apart at the least, so an
    // outage of one second can never fill the window.
    let config = with_automatic_failover(&topology(&f, 300), "    failure_window_seconds = 120");
    apply_and_watch(&ws, &config).await;

    // A flapping endpoint: two failed probes, one good, again and again.
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.endpoint_flap(PRIMARY_FQDN, &[false, false, true]);
    let seen = shift_where(&ws, n, "shifts that saw the flapping", |s| {
        s["failed_probes"].as_u64().unwrap_or(0) >= 2
    })
    .await;
    assert!(seen["streak"].as_u64().unwrap() < 12, "{seen}");
    sandbox.endpoint_flap(PRIMARY_FQDN, &[]);
    assert_eq!(writer(&ws).await, "us-east-1", "a flap failed over");

    // An outage shorter than the window.
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    sandbox.region_outage("us-east-1", false);
    shift_where(&ws, n, "a shift that saw the short outage", |s| {
        s["failed_probes"].as_u64().unwrap_or(0) >= 1
    })
    .await;
    assert_eq!(writer(&ws).await, "us-east-1", "a short outage failed over");

    // The surviving region's own endpoint is unhealthy: never fail over into it.
    sandbox.endpoint_health(SECONDARY_FQDN, Some(false));
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    let blocked = shift_where(&ws, n, "a shift blocked by its own endpoint", |s| {
        s["blocked"] == "own-endpoint-unhealthy"
    })
    .await;
    assert_eq!(
        writer(&ws).await,
        "us-east-1",
        "failed over into an unhealthy region: {blocked}"
    );
    sandbox.region_outage("us-east-1", false);
    sandbox.endpoint_health(SECONDARY_FQDN, None);

    // An operator pauses us-east-2's watcher without Terraform, then us-east-1 fails.
    let sfn = ws.aws().sfn("us-east-2").await;
    let watcher = ws.resource(ORCH)["watcher_arns"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();
    sfn.tag_resource()
        .resource_arn(&watcher)
        .tags(
            aws_sdk_sfn::types::Tag::builder()
                .key("TrdrWatch")
                .value("paused")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    shift_where(&ws, n, "paused shifts", |s| s["outcome"] == "paused").await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(
        writer(&ws).await,
        "us-east-1",
        "a paused watcher failed over"
    );
    sandbox.region_outage("us-east-1", false);
    // The pause is the operators': the configuration does not set `paused`, so a plan offers no
    // change that would undo it.
    ws.assert_no_resource_changes();
    assert_eq!(promotions(&sandbox, &ws), 0);

    // Resumed as the guide's CLI recipe does; an outage and a person starting the runbook at the
    // same moment: one promotion, the watcher joins the person's run or finds the writer moved.
    sfn.tag_resource()
        .resource_arn(&watcher)
        .tags(
            aws_sdk_sfn::types::Tag::builder()
                .key("TrdrWatch")
                .value("watching")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let runbook = ws.resource(ORCH)["state_machine_arns"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    sfn.start_execution()
        .state_machine_arn(&runbook)
        .input(r#"{"mode":"failover"}"#)
        .send()
        .await
        .unwrap();
    let done = shift_where(&ws, n, "the watcher after the person's failover", |s| {
        let o = s["outcome"].as_str().unwrap_or_default();
        o.starts_with("failed-over") || o == "writer-here" || o == "promotion-under-way"
    })
    .await;
    eventually(60, "the writer in us-east-2", || async {
        (writer(&ws).await == "us-east-2").then_some(())
    })
    .await;
    assert_eq!(promotions(&sandbox, &ws), 1, "{done}");
    sandbox.region_outage("us-east-1", false);
    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// Waits for an `approval-needed` notice for `action` on `region`'s topic; its task token.
async fn approval_request(ws: &Workspace, f: &Fixtures, region: &str, action: &str) -> String {
    let aws = ws.aws();
    eventually(
        90,
        &format!("an approval request for {action} in {region}"),
        || async {
            notices(&aws, f, region)
                .await
                .into_iter()
                .find(|n| n["event"] == "approval-needed" && n["action"] == action)
                .and_then(|n| n["task_token"].as_str().map(str::to_string))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn approval_holds_the_failover_until_a_person_answers_and_failback_switches_back() {
    let ws = workspace!("appr");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("a region outage needs the sandbox");
        return;
    };
    let f = fixtures(&ws).await;
    // Approval waits 600 s (6 s at the sandbox's scale) and gives up unanswered; failback after
    // 60 s of health (6 probes).
    let config = with_automatic_failover(
        &topology(&f, 300),
        "    failure_window_seconds   = 30\n    approval_timeout_seconds = 600\n    approval_on_timeout      = \"abandon\"\n  }\n\n  automatic_failback {\n    healthy_window_seconds = 60",
    );
    apply_and_watch(&ws, &config).await;

    // us-east-1 fails; the watcher decides and asks. Unanswered, it gives up: nothing moved.
    let n = shifts(&ws, "us-east-2").await.len();
    sandbox.region_outage("us-east-1", true);
    approval_request(&ws, &f, "us-east-2", "failover").await;
    let abandoned = shift_where(&ws, n, "an unanswered approval", |s| {
        s["outcome"] == "not-approved"
    })
    .await;
    assert_eq!(abandoned["blocked"], "timed-out", "{abandoned}");
    assert_eq!(
        writer(&ws).await,
        "us-east-1",
        "failed over without approval"
    );
    assert_eq!(promotions(&sandbox, &ws), 0);

    // The next shift asks again; a person approves: the writer moves.
    let sfn = ws.aws().sfn("us-east-2").await;
    let token = approval_request(&ws, &f, "us-east-2", "failover").await;
    sfn.send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap();
    let moved = shift_where(&ws, n, "the approved failover", |s| {
        s["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("failed-over")
    })
    .await;
    assert_eq!(moved["approval"], "approved", "{moved}");
    assert_eq!(writer(&ws).await, "us-east-2");

    // us-east-1 recovers and rejoins in sync; after the healthy window its watcher asks to fail
    // back, and on approval switches over (no data loss).
    sandbox.region_outage("us-east-1", false);
    let token = approval_request(&ws, &f, "us-east-1", "switchover").await;
    ws.aws()
        .sfn("us-east-1")
        .await
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap();
    eventually(90, "the failback", || async {
        (writer(&ws).await == "us-east-1").then_some(())
    })
    .await;
    let back = eventually(60, "the failback's shift", || async {
        shifts(&ws, "us-east-1")
            .await
            .into_iter()
            .find(|s| s["outcome"] == "failed-back")
    })
    .await;
    assert_eq!(back["action"], "switchover", "{back}");
    assert_eq!(back["synced"], true, "{back}");
    assert_eq!(promotions(&sandbox, &ws), 2);
    // The writer is where the configuration prefers it: after the DNS repair, nothing to do.
    ws.apply();
    ws.assert_plan_empty();
    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
