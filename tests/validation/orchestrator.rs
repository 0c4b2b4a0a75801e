//! `trdr_failover_orchestrator`: an endpoint in each region, automatic failback only with
//! automatic failover, the approval's topic, and names within AWS's limits.

use serde_json::json;
use trdr::framework::diag::Severity::Error;
use trdr::framework::Value;

use crate::harness::*;

const NAME: &str = "failover_orchestrator";

/// A valid configuration with `extra` merged in.
fn config(extra: serde_json::Value) -> Value {
    let mut v = json!({
        "name": "trading", "environment_suffix": "dev",
        "global_database_id": "trading-global-dev",
        "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
        "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
        "primary_endpoint": {"fqdn": "a.example.com"},
        "secondary_endpoint": {"fqdn": "b.example.com"},
        "health_check": [{}], "runbook": [{}],
    });
    let (Some(v_map), Some(extra)) = (v.as_object_mut(), extra.as_object()) else {
        panic!("objects");
    };
    v_map.extend(extra.clone());
    value(v)
}

fn checked(extra: serde_json::Value) -> Vec<Seen> {
    validate(&*resource(&unconfigured(), NAME), &config(extra))
}

#[test]
fn the_valid_configurations_pass() {
    assert_eq!(checked(json!({})), vec![]);
    assert_eq!(
        checked(json!({"automatic_failover": [{}], "automatic_failback": [{}]})),
        vec![]
    );
    assert_eq!(
        checked(json!({
            "notification_topic_arn": "arn:aws:sns:us-east-1:123456789012:dr",
            "automatic_failover": [{"approval_timeout_seconds": 900}],
        })),
        vec![]
    );
}

#[test]
fn one_endpoint_for_both_regions_is_refused_at_the_secondarys() {
    let path = "secondary_endpoint.fqdn";
    let d = checked(json!({"secondary_endpoint": {"fqdn": "a.example.com"}}));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["is the same as primary_endpoint.fqdn"],
    );
}

#[test]
fn automatic_failback_without_automatic_failover_is_refused() {
    let path = "automatic_failback[0]";
    let d = checked(json!({"automatic_failback": [{}]}));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["needs an automatic_failover block"],
    );
}

#[test]
fn an_approval_timeout_without_a_topic_is_refused() {
    let path = "automatic_failover[0].approval_timeout_seconds";
    let d = checked(json!({"automatic_failover": [{"approval_timeout_seconds": 900}]}));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["needs notification_topic_arn"],
    );
}

#[tokio::test]
async fn names_longer_than_aws_allows_are_refused_at_plan_at_environment_suffix() {
    let (name, suffix) = ("a".repeat(32), "b".repeat(24));
    let ctx = configured(&closed_port()).await;
    let r = resource(&ctx, NAME);
    // The state machines (80 characters) fit; without automatic failover nothing else is made.
    let plain = config(json!({"name": name, "environment_suffix": suffix}));
    assert_eq!(
        errors(&plan(&*r, None, &plain).await.0),
        Vec::<&Seen>::new()
    );
    // The watchers' schedules and probe connections (64 characters) do not, in either region.
    let auto =
        config(json!({"name": name, "environment_suffix": suffix, "automatic_failover": [{}]}));
    assert_eq!(validate(&*r, &auto), vec![]);
    let (d, _) = plan(&*r, None, &auto).await;
    assert_eq!(d.len(), 4, "{d:#?}");
    assert_each(
        &d,
        Error,
        &invalid("environment_suffix"),
        "environment_suffix",
        &["AWS allows 64. Shorten name or environment_suffix."],
    );
    for (d, wants) in d.iter().zip([
        format!("the EventBridge Scheduler schedule {name}-watcher-us-east-1-{suffix} "),
        format!("the EventBridge connection {name}-probe-us-east-1-{suffix} "),
        format!("the EventBridge Scheduler schedule {name}-watcher-us-east-2-{suffix} "),
        format!("the EventBridge connection {name}-probe-us-east-2-{suffix} "),
    ]) {
        assert!(d.detail.starts_with(&wants), "{wants}: {d:#?}");
    }
}
