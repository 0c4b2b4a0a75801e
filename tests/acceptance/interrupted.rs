//! Honest words when a person stops a promotion (issue 32). Ctrl-C during a `trdr_switchover`
//! action (Terraform 1.14 and later) ends the action, and its diagnostic says the runbook goes on
//! in AWS, names the execution (a real one, read back through the SDK) and its region, and gives
//! the commands to follow and to stop it, without calling it a failure. Ctrl-C during an apply
//! whose plan moves the writer through `writer_region` ends the wait for the switchover, and the
//! diagnostic says the switchover goes on in AWS, names the global cluster and the region, and
//! how to follow it. Each time the promotion then ends in AWS, and the next apply converges.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use aws_sdk_sfn::error::DisplayErrorContext;

use crate::orchestrator::{global_cluster_seen_from, writer};
use crate::support::interrupt::{
    ctrl_c, retry_note, terraform_crashed_with, ACTION_INTERRUPT_PANIC,
};
use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology};
use crate::support::{eventually, Workspace};
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";
const DB: &str = "trdr_global_database.trading";

const SWITCHOVER: &str = r#"
action "trdr_switchover" "to_secondary" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}
"#;

/// How long terraform may take to exit after Ctrl-C before the test calls it a hang.
const STOP_HANG_GUARD: Duration = Duration::from_secs(120);

/// How often the action's scenario runs when Terraform itself crashes, with its known core bug,
/// on the interrupt ([`ACTION_INTERRUPT_PANIC`]); any other failure fails at once.
const ATTEMPTS: u32 = 3;

/// How long the sandbox takes over the apply's switchover (real seconds; its own is 3 s): long
/// enough that Ctrl-C surely lands in the provider's wait for it and that it still runs when
/// terraform has exited. On AWS a switchover takes minutes anyway.
const SLOW_SWITCHOVER_SECONDS: f64 = 30.0;

/// `config` (the topology) with the global database's `writer_region` set to `region`.
fn with_writer_region(config: &str, region: &str) -> String {
    let line = "  master_username    = \"dbadmin\"\n";
    assert!(config.contains(line), "the topology's database block");
    config.replacen(
        line,
        &format!("{line}  writer_region      = \"{region}\"\n"),
        1,
    )
}

/// Polls `seen` every 100 ms until it returns `Some` while `child` (terraform) runs: terraform
/// exiting first fails the test with what it printed, as does waiting 300 s.
async fn while_running<T, F, Fut>(ws: &Workspace, child: &mut Child, what: &str, mut seen: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(v) = seen().await {
            return v;
        }
        if let Some(status) = child.try_wait().expect("terraform's status") {
            panic!(
                "terraform exited ({status}) before {what}:\n{}",
                ws.spawned_output()
            );
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ARN of the first execution of `runbook` seen running while `child` runs. An SDK error
/// fails the test: it is not "not yet".
async fn running_execution(ws: &Workspace, child: &mut Child, runbook: &str) -> String {
    let sfn = ws.aws().sfn("us-east-2").await;
    while_running(ws, child, "the switchover's execution running", || async {
        let out = sfn
            .list_executions()
            .state_machine_arn(runbook)
            .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListExecutions {runbook}: {}", DisplayErrorContext(&e)));
        out.executions()
            .first()
            .map(|e| e.execution_arn().to_string())
    })
    .await
}

/// The status `execution` ends with in AWS (waited for).
async fn execution_end(ws: &Workspace, execution: &str) -> String {
    let sfn = ws.aws().sfn("us-east-2").await;
    eventually(120, "the switchover's execution to end", || async {
        let d = sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!("DescribeExecution {execution}: {}", DisplayErrorContext(&e))
            });
        (d.status().as_str() != "RUNNING").then(|| d.status().as_str().to_string())
    })
    .await
}

/// How an interrupted run ended: terraform's exit and what it printed.
struct Stopped {
    status: ExitStatus,
    text: String,
}

/// Invokes the switchover action and presses Ctrl-C once its execution runs in AWS: the
/// execution, and how terraform ended.
async fn invoke_and_interrupt(ws: &Workspace, runbook: &str) -> (String, Stopped) {
    let mut child = ws.spawn(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-invoke=action.trdr_switchover.to_secondary",
    ]);
    // The promotion takes minutes on AWS (seconds, scaled, in the sandbox): the interrupt lands
    // while the runbook waits for it, once the action said it started it, as a person sees it.
    let execution = running_execution(ws, &mut child, runbook).await;
    let started =
        format!("switchover runbook started in us-east-2 (writer now: us-east-1): {execution}");
    while_running(
        ws,
        &mut child,
        "the action saying it started the runbook",
        || async { flat(&ws.spawned_output()).contains(&started).then_some(()) },
    )
    .await;
    let status = ctrl_c(child, STOP_HANG_GUARD).await;
    let text = ws.spawned_output();
    (execution, Stopped { status, text })
}

/// [`invoke_and_interrupt`] until an attempt in which Terraform did not crash with its known
/// core bug, [`ATTEMPTS`] at most; each crash is a `RETRY` line on stderr. The crash does not stop
/// the attempt's execution: it is let end, and an apply moves the writer back to us-east-1, where
/// every attempt starts.
async fn interrupt_the_action(ws: &Workspace, runbook: &str) -> (String, Stopped) {
    let version = ws.terraform_version();
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let (execution, stopped) = invoke_and_interrupt(ws, runbook).await;
        if !terraform_crashed_with(&stopped.text, ACTION_INTERRUPT_PANIC) {
            return (execution, stopped);
        }
        let ended = execution_end(ws, &execution).await;
        retry_note(&format!(
            "attempt {attempt} of {ATTEMPTS}: Terraform {version} crashed ({}) on the interrupt with its own core bug, \"{ACTION_INTERRUPT_PANIC}\" in its graph walk; the execution {execution} ended {ended}{}",
            stopped.status,
            if attempt < ATTEMPTS { "; the scenario runs again" } else { "" }
        ));
        if attempt < ATTEMPTS {
            ws.apply();
            assert_eq!(writer(ws).await, "us-east-1", "each attempt starts there");
        }
        last = stopped.text;
    }
    panic!(
        "Terraform {version} crashed in each of {ATTEMPTS} attempts when interrupted during the action, with its own core bug (\"{ACTION_INTERRUPT_PANIC}\" in its graph walk, not the provider's doing): the provider's words could not be checked. The last attempt:\n{last}"
    );
}

/// Terraform's output with every run of white space one space: diagnostics wrap their lines.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The action's diagnostic: the runbook goes on in us-east-2, `execution` named with the
/// commands to follow and to stop it, and no word of a failure.
fn assert_says_the_runbook_goes_on(stopped: &Stopped, execution: &str) {
    let (text, flat) = (&stopped.text, flat(&stopped.text));
    assert!(
        !stopped.status.success(),
        "an interrupted action fails:\n{text}"
    );
    assert!(
        flat.contains("Stopped following the switchover runbook: it goes on in us-east-2"),
        "the diagnostic says the runbook goes on:\n{text}"
    );
    assert!(
        !flat.contains("Failed to follow") && !flat.contains("not started: Terraform asked"),
        "an interrupted action is not reported as a failure:\n{text}"
    );
    for command in [
        format!(
            "aws stepfunctions describe-execution --execution-arn {execution} --region us-east-2"
        ),
        format!("aws stepfunctions stop-execution --execution-arn {execution} --region us-east-2"),
    ] {
        assert!(flat.contains(&command), "{command:?} missing:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_a_switchover_action_says_the_runbook_goes_on_and_how_to_follow_it() {
    let ws = workspace!("intr");
    if !ws.has_terraform((1, 14), "actions") {
        return;
    }
    let f = fixtures(&ws).await;
    let config = format!("{}{SWITCHOVER}", topology(&f, 300));
    ws.write(&config);
    ws.apply();
    assert_eq!(writer(&ws).await, "us-east-1");
    let runbook = ws.resource(ORCH)["state_machine_arns"]["us-east-2"]
        .as_str()
        .unwrap()
        .to_string();

    let (execution, stopped) = interrupt_the_action(&ws, &runbook).await;
    // The execution goes on to the end in AWS; waited for first, so that a test failing below
    // cleans up after a settled promotion.
    let ended = execution_end(&ws, &execution).await;
    assert_says_the_runbook_goes_on(&stopped, &execution);
    assert_eq!(ended, "SUCCEEDED", "the interrupted switchover went on");
    assert_eq!(writer(&ws).await, "us-east-2");

    // With writer_region where the runbook put the writer, the next apply converges.
    ws.write(&with_writer_region(&config, "us-east-2"));
    ws.apply();
    ws.assert_no_resource_changes();
    assert_eq!(writer(&ws).await, "us-east-2");

    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// The apply's diagnostic: stopped, not failed; the switchover of `global_arn` (`gid`) goes on in
/// us-east-2, RDS cannot cancel it, how to follow it, and that the next apply converges.
fn assert_says_the_switchover_goes_on(stopped: &Stopped, gid: &str, global_arn: &str) {
    let (text, flat) = (&stopped.text, flat(&stopped.text));
    assert!(
        !stopped.status.success(),
        "an interrupted apply fails:\n{text}"
    );
    for promise in [
        format!("Stopped before finishing: apply global database {gid}"),
        format!("the switchover of global database {global_arn} to us-east-2 goes on in AWS"),
        "Terraform asked the provider to stop, which ends the wait for it, not the switchover"
            .to_string(),
        "RDS has no way to cancel one".to_string(),
        format!(
            "Follow it: aws rds describe-global-clusters --global-cluster-identifier {gid} --region us-east-2"
        ),
        "Do not start another switchover or failover while it runs".to_string(),
        "once it has ended, terraform apply converges".to_string(),
    ] {
        assert!(flat.contains(&promise), "{promise:?} missing:\n{text}");
    }
    assert!(
        !flat.contains("Failed to apply"),
        "an interrupted switchover is not reported as a failure:\n{text}"
    );
}

/// The apply's switchover to `region`, waited for until it runs in AWS, then Ctrl-C.
async fn apply_and_interrupt_the_switchover(ws: &Workspace, region: &str) -> Stopped {
    let mut child = ws.spawn(&["apply", "-auto-approve", "-input=false"]);
    let to = while_running(ws, &mut child, "the switchover under way", || async {
        let g = global_cluster_seen_from(ws, "us-east-2").await;
        g.failover_state()
            .and_then(|s| s.to_db_cluster_arn())
            .map(str::to_string)
    })
    .await;
    assert_eq!(to.split(':').nth(3), Some(region), "switching to {to}");
    let status = ctrl_c(child, STOP_HANG_GUARD).await;
    let text = ws.spawned_output();
    Stopped { status, text }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_a_writer_region_switchover_says_it_goes_on_and_the_next_apply_converges() {
    let ws = workspace!("intw");
    let f = fixtures(&ws).await;
    let config = topology(&f, 300);
    ws.write(&config);
    ws.apply();
    assert_eq!(writer(&ws).await, "us-east-1");
    let gid = ws.resource(DB)["id"].as_str().unwrap().to_string();
    let global_arn = global_cluster_seen_from(&ws, "us-east-2")
        .await
        .global_cluster_arn()
        .expect("the global cluster's ARN")
        .to_string();
    if let Some(s) = Sandbox::at(ws.endpoint.as_deref()) {
        s.promotion_duration(&gid, SLOW_SWITCHOVER_SECONDS);
    }

    ws.write(&with_writer_region(&config, "us-east-2"));
    let stopped = apply_and_interrupt_the_switchover(&ws, "us-east-2").await;
    // The stop ended the wait, not the switchover: it still runs in AWS.
    let g = global_cluster_seen_from(&ws, "us-east-2").await;
    assert!(
        g.failover_state().is_some(),
        "the switchover runs on after terraform exited: {g:?}\n{}",
        stopped.text
    );
    // It ends in AWS with the writer moved (minutes on AWS, SLOW_SWITCHOVER_SECONDS here); waited
    // for first, so that a test failing below cleans up after a settled promotion.
    eventually(600, "the switchover to end in AWS", || async {
        let g = global_cluster_seen_from(&ws, "us-east-2").await;
        g.failover_state().is_none().then_some(())
    })
    .await;
    assert_says_the_switchover_goes_on(&stopped, &gid, &global_arn);
    assert_eq!(writer(&ws).await, "us-east-2");

    // The next apply converges, and the plan after it is empty.
    ws.apply();
    ws.assert_plan_empty();
    assert_eq!(writer(&ws).await, "us-east-2");

    // A destroy started while a switchover still runs waits for it to end, then deletes the new
    // writer last (choosing its order from the writer before the switchover, it would delete the
    // new writer's instances first and wait for ever to detach it).
    if let Some(s) = Sandbox::at(ws.endpoint.as_deref()) {
        s.promotion_duration(&gid, SLOW_SWITCHOVER_SECONDS);
    }
    ws.write(&with_writer_region(&config, "us-east-1"));
    apply_and_interrupt_the_switchover(&ws, "us-east-1").await;
    let g = global_cluster_seen_from(&ws, "us-east-2").await;
    assert!(g.failover_state().is_some(), "still switching: {g:?}");
    destroy_within(&ws, Duration::from_secs(300));
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// `terraform destroy`, which must succeed within `limit` (killed and failed otherwise).
fn destroy_within(ws: &Workspace, limit: Duration) {
    let mut child = ws.spawn(&["destroy", "-auto-approve", "-input=false"]);
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("terraform's status") {
            assert!(
                status.success(),
                "the destroy failed:\n{}",
                ws.spawned_output()
            );
            return;
        }
        if start.elapsed() > limit {
            // Terraform and its provider: the whole process group `spawn` made.
            unsafe { libc::killpg(child.id() as i32, libc::SIGKILL) };
            let _ = child.wait();
            panic!(
                "the destroy still ran after {limit:?}:\n{}",
                ws.spawned_output()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
