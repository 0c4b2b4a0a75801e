//! Honest words when a person stops a promotion (issue 32): Ctrl-C during a `trdr_switchover`
//! action (Terraform 1.14 and later) ends the action, and its diagnostic says the runbook goes on
//! in AWS, names the execution (a real one, read back through the SDK) and its region, and gives
//! the commands to follow and to stop it, without calling it a failure. The execution then ends
//! in AWS, and the next apply converges.

use std::time::{Duration, Instant};

use crate::orchestrator::writer;
use crate::support::topology::{fixtures, topology};
use crate::support::{eventually, Workspace};
use crate::workspace;

const ORCH: &str = "trdr_failover_orchestrator.trading";

const SWITCHOVER: &str = r#"
action "trdr_switchover" "to_secondary" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}
"#;

/// The ARN of the first execution of `runbook` seen running.
async fn running_execution(ws: &Workspace, runbook: &str) -> String {
    let sfn = ws.aws().sfn("us-east-2").await;
    eventually(120, "the switchover's execution running", || async {
        let out = sfn
            .list_executions()
            .state_machine_arn(runbook)
            .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
            .send()
            .await
            .ok()?;
        out.executions()
            .first()
            .map(|e| e.execution_arn().to_string())
    })
    .await
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

    let child = ws.spawn(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-invoke=action.trdr_switchover.to_secondary",
    ]);
    let pid = child.id() as i32;
    // The promotion takes minutes on AWS (seconds, scaled, in the sandbox): the interrupt lands
    // while the runbook waits for it.
    let execution = running_execution(&ws, &runbook).await;
    let interrupted_at = Instant::now();
    unsafe {
        libc::kill(-pid, libc::SIGINT);
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut child = child;
        let _ = done_tx.send(child.wait());
    });
    let status = loop {
        if let Ok(out) = done_rx.try_recv() {
            break out.expect("terraform ran");
        }
        if interrupted_at.elapsed() > Duration::from_secs(120) {
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            panic!("terraform did not exit within 120 s of the interrupt");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let text = ws.spawned_output();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!status.success(), "an interrupted action fails:\n{text}");
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

    // The ARN named is the real execution, and it goes on to the end in AWS.
    let sfn = ws.aws().sfn("us-east-2").await;
    let ended = eventually(120, "the switchover's execution to end", || async {
        let d = sfn
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .ok()?;
        (d.status().as_str() != "RUNNING").then(|| d.status().as_str().to_string())
    })
    .await;
    assert_eq!(ended, "SUCCEEDED", "the interrupted switchover went on");
    assert_eq!(writer(&ws).await, "us-east-2");

    // With writer_region where the runbook put the writer, the next apply converges.
    let line = "  master_username    = \"dbadmin\"\n";
    assert!(config.contains(line), "the topology's database block");
    ws.write(&config.replacen(
        line,
        &format!("{line}  writer_region      = \"us-east-2\"\n"),
        1,
    ));
    ws.apply();
    ws.assert_no_resource_changes();
    assert_eq!(writer(&ws).await, "us-east-2");

    ws.destroy();
    ws.aws().assert_nothing_left(&ws.suffix, ws.regions).await;
}
