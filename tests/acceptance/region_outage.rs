//! `region_outage`: what a region outage does to the session tables, with and without multi-Region
//! strong consistency. One test at a time on a sandbox of its own (`make test` runs this module
//! with `automatic_failover`): the outage is sandbox-wide.

use crate::orchestrator::writer_seen_from;
use crate::regional_stack::{put_session as put, read_session};
use crate::support::sandbox::Sandbox;
use crate::support::topology::{fixtures, topology};
use crate::workspace;

fn pair(name: &str, consistency: &str) -> String {
    format!(
        r#"
resource "trdr_regional_stack" "{name}_primary" {{
  name               = "{name}"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
  buckets            = []
  session_table {{
    consistency = "{consistency}"
  }}
}}

resource "trdr_regional_stack" "{name}_secondary" {{
  name               = "{name}"
  environment_suffix = "SUFFIX"
  region             = "us-east-2"
  buckets            = []
  replica_of         = trdr_regional_stack.{name}_primary.id
  session_table {{
    consistency = "{consistency}"
  }}
}}
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn strong_sessions_lose_nothing_in_an_outage_and_eventual_ones_lose_the_unreplicated() {
    let ws = workspace!("outage");
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("a region outage needs the sandbox");
        return;
    };
    let aws = ws.aws();
    ws.write(&format!(
        "{}{}",
        pair("strong", "STRONG"),
        pair("eventual", "EVENTUAL")
    ));
    ws.apply();
    let (strong, eventual) = (
        format!("strong-sessions-{}", ws.suffix),
        format!("eventual-sessions-{}", ws.suffix),
    );
    // A replication delay long enough to see: DynamoDB documents "typically within a second".
    sandbox.replication_lag(3.0);

    // Just before us-east-1 fails: writes in us-east-1 to both tables.
    put(&aws, "us-east-1", &strong, "before", "written in us-east-1")
        .await
        .unwrap();
    put(
        &aws,
        "us-east-1",
        &eventual,
        "before",
        "written in us-east-1",
    )
    .await
    .unwrap();
    put(
        &aws,
        "us-east-1",
        &eventual,
        "contested",
        "written in us-east-1",
    )
    .await
    .unwrap();
    sandbox.region_outage("us-east-1", true);

    // During the outage, in the survivor. Strong: the acknowledged write is there; a new write
    // is acknowledged (the survivor and the witness are two of three) and read back.
    assert_eq!(
        read_session(&aws, "us-east-2", &strong, "before")
            .await
            .as_deref(),
        Some("written in us-east-1")
    );
    put(&aws, "us-east-2", &strong, "during", "written in us-east-2")
        .await
        .unwrap();
    assert_eq!(
        read_session(&aws, "us-east-2", &strong, "during")
            .await
            .as_deref(),
        Some("written in us-east-2")
    );
    // Eventual: what had not replicated yet is missing, even to a strongly consistent read.
    assert_eq!(
        read_session(&aws, "us-east-2", &eventual, "before").await,
        None
    );
    assert_eq!(
        read_session(&aws, "us-east-2", &eventual, "contested").await,
        None
    );
    put(
        &aws,
        "us-east-2",
        &eventual,
        "contested",
        "written in us-east-2",
    )
    .await
    .unwrap();
    let wins_before = sandbox.refusals("last_writer_wins");

    sandbox.region_outage("us-east-1", false);
    // After it: strong — us-east-1 has the survivor's write. Eventual — the stranded write
    // arrives, and the contested session is reconciled last-writer-wins: the survivor's later
    // write, in both regions.
    let aws = &aws;
    let back = |region: &'static str, table: String, id: &'static str| async move {
        read_session(aws, region, &table, id).await
    };
    let got = crate::support::eventually(20, "the survivor's strong write in us-east-1", || {
        back("us-east-1", strong.clone(), "during")
    })
    .await;
    assert_eq!(got, "written in us-east-2");
    let got = crate::support::eventually(20, "the stranded write in us-east-2", || {
        back("us-east-2", eventual.clone(), "before")
    })
    .await;
    assert_eq!(got, "written in us-east-1");
    crate::support::eventually(20, "the contested session reconciled", || async {
        let east1 = read_session(aws, "us-east-1", &eventual, "contested").await;
        let east2 = read_session(aws, "us-east-2", &eventual, "contested").await;
        (east1.as_deref() == Some("written in us-east-2") && east1 == east2).then_some(())
    })
    .await;
    assert!(
        sandbox.refusals("last_writer_wins") > wins_before,
        "the stranded contested write lost"
    );

    sandbox.replication_lag(1.0);
    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}

/// The failover action during an outage of the writer's region: it reads only the surviving
/// region (its runbook, RDS there) and runs that region's runbook; the refresh before it keeps
/// the last known state of what cannot be read in the failed region, and says so. Terraform
/// 1.14+ (actions), on this module's sandbox of its own: the newest core runs it.
#[tokio::test(flavor = "multi_thread")]
async fn a_failover_action_runs_from_the_surviving_region_during_an_outage() {
    let ws = workspace!("outact").with_newest_core();
    let Some(sandbox) = Sandbox::at(ws.endpoint.as_deref()) else {
        crate::support::skip("a region outage needs the sandbox");
        return;
    };
    let aws = ws.aws();
    let f = fixtures(&ws).await;
    let config = format!(
        "{}{}",
        topology(&f, 300),
        r#"
action "trdr_failover" "away" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
  }
}
"#
    );
    ws.write(&config);
    ws.apply();
    assert_eq!(writer_seen_from(&ws, "us-east-2").await, "us-east-1");

    sandbox.region_outage("us-east-1", true);
    let outage_before = sandbox.refusals("region_outage");
    // With the refresh: every resource is read first, and those in us-east-1 cannot be.
    let started = std::time::Instant::now();
    let out = ws.run_in(
        ".",
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-invoke=action.trdr_failover.away",
        ],
    );
    let refused_in_outage = sandbox.refusals("region_outage") - outage_before;
    eprintln!(
        "the failover action's apply during the outage, refresh included: {:.1} s, {refused_in_outage} calls refused by us-east-1",
        started.elapsed().as_secs_f64()
    );
    sandbox.region_outage("us-east-1", false);
    let (ok, out) = out;
    assert!(ok, "{out}");
    assert!(refused_in_outage > 0, "nothing was read in us-east-1");
    // The primary stack lives in us-east-1 only: its refresh kept what the apply recorded.
    assert!(
        out.contains(&format!(
            "Kept the last known state of regional stack trdr:{}:us-east-1",
            ws.suffix
        )),
        "{out}"
    );
    assert!(
        out.contains("failover runbook started in us-east-2"),
        "{out}"
    );
    assert_eq!(writer_seen_from(&ws, "us-east-2").await, "us-east-2");
    // us-east-1 is back: the next refresh reads it again.
    let (_, plan) = ws.plan();
    assert!(!plan.contains("Kept the last known state"), "{plan}");

    ws.destroy();
    aws.assert_nothing_left(&ws.suffix, ws.regions).await;
}
