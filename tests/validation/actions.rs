//! The actions (`trdr_drill`, `trdr_switchover`, `trdr_failover`): a region the orchestrator does
//! not serve, a runbook not deployed, a writer already where the action would move it, and an
//! AWS that cannot answer at plan time.

use serde_json::json;
use trdr::framework::diag::Severity::{Error, Warning};
use trdr::framework::Value;

use crate::fake_aws::{FakeAws, Global, Machine, World};
use crate::harness::*;

fn config(region: Option<&str>) -> Value {
    value(json!({"orchestrator_id": "trading:dev", "region": region}))
}

/// Step Functions' names of the runbook of `trading:dev` in `region`, which promotes
/// `trading-global-dev` as its definition says.
fn runbook(region: &'static str) -> Machine {
    Machine {
        region,
        name: format!("trading-failover-{region}-dev"),
        definition: json!({"States": {"Promote": {"Parameters": {"GlobalClusterIdentifier": "trading-global-dev"}}}})
            .to_string(),
    }
}

#[tokio::test]
async fn a_region_the_orchestrator_does_not_serve_is_refused_at_region() {
    let ctx = configured(&closed_port()).await;
    for name in ["drill", "switchover", "failover"] {
        let a = action(&ctx, name);
        let c = config(Some("eu-west-1"));
        let words = ["eu-west-1 is neither of the provider's regions (us-east-1, us-east-2)"];
        assert_one(
            &plan_action(&*a, &c).await,
            Error,
            &invalid("region"),
            "region",
            &words,
        );
        let (d, progress) = invoke_action(&*a, &c).await;
        assert_one(&d, Error, &invalid("region"), "region", &words);
        assert_eq!(progress, Vec::<String>::new(), "{name}");
    }
}

#[tokio::test]
async fn a_runbook_not_deployed_is_a_warning_at_plan_and_an_error_at_invoke() {
    let aws = FakeAws::start(World::default()).await;
    let ctx = configured(&aws.endpoint).await;
    let a = action(&ctx, "drill");
    let c = config(Some("us-east-2"));
    assert_one(
        &plan_action(&*a, &c).await,
        Warning,
        "Runbook not deployed yet",
        "orchestrator_id",
        &["orchestrator trading:dev has no runbook in us-east-2 (yet): if this apply does not create it, the action fails when it runs."],
    );
    let (d, progress) = invoke_action(&*a, &c).await;
    assert_one(
        &d,
        Error,
        &invalid("orchestrator_id"),
        "orchestrator_id",
        &["orchestrator trading:dev has no runbook in us-east-2 (yet); apply the trdr_failover_orchestrator first."],
    );
    assert_eq!(progress, Vec::<String>::new());
    // Only the named region was asked.
    let listed: Vec<_> = aws
        .calls()
        .into_iter()
        .filter(|(_, op)| op == "ListStateMachines")
        .collect();
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|(r, _)| r == "us-east-2"), "{listed:?}");
}

#[tokio::test]
async fn without_a_region_a_runbook_in_neither_region_names_both() {
    let aws = FakeAws::start(World::default()).await;
    let ctx = configured(&aws.endpoint).await;
    let (d, _) = invoke_action(&*action(&ctx, "failover"), &config(None)).await;
    assert_one(
        &d,
        Error,
        &invalid("orchestrator_id"),
        "orchestrator_id",
        &["has no runbook in us-east-1 or us-east-2 (yet)"],
    );
}

#[tokio::test]
async fn moving_the_writer_where_it_already_is_is_refused_at_plan() {
    let aws = FakeAws::start(World {
        machines: vec![runbook("us-east-1"), runbook("us-east-2")],
        global: Some(Global {
            id: "trading-global-dev".into(),
            writer_region: "us-east-2",
            reader_region: "us-east-1",
        }),
    })
    .await;
    let ctx = configured(&aws.endpoint).await;
    let c = config(Some("us-east-2"));
    for mode in ["switchover", "failover"] {
        let d = plan_action(&*action(&ctx, mode), &c).await;
        assert_one(
            &d,
            Error,
            &invalid("region"),
            "region",
            &[&format!(
                "the writer is already in us-east-2: a {mode} into it would move nothing."
            )],
        );
    }
    // A drill moves nothing: it may check the writer's region.
    assert_eq!(plan_action(&*action(&ctx, "drill"), &c).await, vec![]);
    // The region that does not write is a valid target.
    assert_eq!(
        plan_action(&*action(&ctx, "switchover"), &config(Some("us-east-1"))).await,
        vec![]
    );
}

#[tokio::test]
async fn an_aws_that_cannot_answer_at_plan_leaves_the_check_to_the_invoke() {
    let ctx = configured(&closed_port()).await;
    let d = plan_action(&*action(&ctx, "switchover"), &config(Some("us-east-2"))).await;
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].severity, Warning);
    assert_eq!(d[0].summary, "Action not checked at plan time");
    assert_eq!(d[0].path, None);
    assert!(
        d[0].detail
            .starts_with("Could not find the runbooks of trading:dev: "),
        "{d:#?}"
    );
    assert!(
        d[0].detail
            .ends_with("The action is checked again when it runs."),
        "{d:#?}"
    );
    // Unknown values wait for the apply: nothing is asked, nothing reported.
    let mut unknown = config(None);
    unknown.set("region", Value::Unknown);
    assert_eq!(
        plan_action(&*action(&ctx, "switchover"), &unknown).await,
        vec![]
    );
}
