//! `actions`: `trdr_drill`, `trdr_switchover` and `trdr_failover` through `terraform apply
//! -invoke` (Terraform 1.14 and later: `make test` runs this under Terraform 1.15.5, see
//! scripts/terraform-matrix.sh), checked through the SDK.

use crate::orchestrator::writer;
use crate::support::topology::{fixtures, topology};
use crate::workspace;

const ACTIONS: &str = r#"
action "trdr_drill" "check" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
  }
}

action "trdr_switchover" "to_secondary" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}

# The documented trigger: a drill after every change of the runbooks.
resource "terraform_data" "runbook_version" {
  input = trdr_failover_orchestrator.trading.state_machine_arns

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.trdr_drill.check]
    }
  }
}

action "trdr_failover" "into_the_writer" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_and_a_switchover_run_as_actions_and_a_failover_into_the_writer_is_refused() {
    let ws = workspace!("act");
    if !ws.has_terraform((1, 14), "actions") {
        return;
    }
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    ws.write(&format!("{}{ACTIONS}", topology(&f, 300)));
    ws.apply();
    let runbook = |region: &str| {
        ws.resource("trdr_failover_orchestrator.trading")["state_machine_arns"][region]
            .as_str()
            .unwrap()
            .to_string()
    };

    let executions = |region: &'static str| {
        let arn = runbook(region);
        let aws = &aws;
        async move {
            let sfn = aws.sfn(region).await;
            sfn.list_executions()
                .state_machine_arn(arn)
                .send()
                .await
                .unwrap()
                .executions()
                .to_vec()
        }
    };
    // The action_trigger ran a drill once the runbooks existed.
    assert_eq!(
        executions("us-east-2").await.len(),
        1,
        "the triggered drill"
    );

    // A drill in the region that does not write: progress on the console, the execution in Step
    // Functions, the writer where it was.
    let out = ws.must_apply(&["-invoke=action.trdr_drill.check"]);
    assert!(out.contains("drill runbook started in us-east-2"), "{out}");
    // Each state the run entered, once, in order (the history read newest first, page by page).
    let members = out
        .find("  DrillMembers")
        .expect("the drill's first check as progress");
    let health = out
        .find("  DrillHealthOwn")
        .expect("its health check as progress");
    assert!(members < health, "{out}");
    assert_eq!(out.matches("  DrillMembers\n").count(), 1, "{out}");
    assert!(out.contains("drill-ready"), "{out}");
    let sfn = aws.sfn("us-east-2").await;
    let runs = executions("us-east-2").await;
    assert_eq!(runs.len(), 2, "the triggered drill and the invoked one");
    let run = runs.first().expect("the drill's execution");
    let d = sfn
        .describe_execution()
        .execution_arn(run.execution_arn())
        .send()
        .await
        .unwrap();
    assert_eq!(d.status().as_str(), "SUCCEEDED");
    assert!(
        d.input().unwrap_or_default().contains("drill"),
        "{:?}",
        d.input()
    );
    assert_eq!(writer(&ws).await, "us-east-1");

    // A switchover to us-east-2: the writer moves. The configuration still says us-east-1, and
    // the action says so; with writer_region updated as it asks, the next plan changes nothing.
    let out = ws.must_apply(&["-invoke=action.trdr_switchover.to_secondary"]);
    assert!(out.contains("switchover to us-east-2: promoted"), "{out}");
    assert!(out.contains("recovery"), "{out}");
    assert!(out.contains("set it to \"us-east-2\""), "{out}");
    assert_eq!(writer(&ws).await, "us-east-2");
    let line = "  master_username    = \"dbadmin\"\n";
    let config = format!("{}{ACTIONS}", topology(&f, 300));
    assert!(config.contains(line), "the topology's database block");
    ws.write(&config.replacen(
        line,
        &format!("{line}  writer_region      = \"us-east-2\"\n"),
        1,
    ));
    // (Readiness, an output, reads the moved writer: only resources must not change.)
    ws.assert_no_resource_changes();

    // A failover into the region that already writes is refused at plan: nothing starts.
    let before = executions("us-east-2").await.len();
    let refused = ws.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-invoke=action.trdr_failover.into_the_writer",
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!refused.status.success(), "{text}");
    assert!(
        text.contains("the writer is already in us-east-2"),
        "{text}"
    );
    let after = executions("us-east-2").await.len();
    assert_eq!(after, before, "a refused action started a runbook");
    assert_eq!(writer(&ws).await, "us-east-2");

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}
