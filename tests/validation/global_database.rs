//! `trdr_global_database`: capacity bounds, two regions, the writer among them, identifier
//! lengths, the password modes and the major upgrade with `max_rpo_seconds`.

use serde_json::json;
use trdr::framework::diag::Severity::Error;
use trdr::framework::Value;

use crate::harness::*;

const NAME: &str = "global_database";

/// A valid configuration with `extra` merged in.
fn config(extra: serde_json::Value) -> Value {
    let mut v = json!({
        "name": "trading", "environment_suffix": "dev", "engine_version": "15.10",
        "master_username": "dbadmin",
        "primary": {"region": "us-east-1"}, "secondary": {"region": "us-east-2"},
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
fn the_valid_configuration_passes() {
    assert_eq!(checked(json!({})), vec![]);
}

#[test]
fn min_capacity_above_max_capacity_is_refused_at_min_capacity() {
    let d = checked(json!({"serverless_v2": [{"min_capacity": 8, "max_capacity": 4}]}));
    let path = "serverless_v2[0].min_capacity";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["min_capacity 8 is greater than max_capacity 4."],
    );
    // Equal bounds are a fixed capacity, and valid.
    assert_eq!(
        checked(json!({"serverless_v2": [{"min_capacity": 4, "max_capacity": 4}]})),
        vec![]
    );
}

#[test]
fn capacity_bounds_not_known_yet_are_left_to_the_plan() {
    let mut c = config(json!({"serverless_v2": [{"min_capacity": 8, "max_capacity": 4}]}));
    let Some(Value::List(blocks)) = c.get_mut("serverless_v2") else {
        panic!("the block");
    };
    blocks[0].set("max_capacity", Value::Unknown);
    assert_eq!(validate(&*resource(&unconfigured(), NAME), &c), vec![]);
}

#[test]
fn the_same_region_twice_is_refused_at_secondary_region() {
    let d = checked(json!({"secondary": {"region": "us-east-1"}}));
    assert_one(
        &d,
        Error,
        &invalid("secondary.region"),
        "secondary.region",
        &["secondary.region must differ from primary.region; both are \"us-east-1\"."],
    );
}

#[test]
fn a_brought_password_without_its_version_is_refused_at_the_version() {
    let d = checked(json!({"master_password_wo": "Good-Pass-123"}));
    let path = "master_password_wo_version";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["required with master_password_wo", "Start at 1."],
    );
}

#[test]
fn a_password_version_without_the_password_is_refused_at_the_version() {
    let d = checked(json!({"master_password_wo_version": 2}));
    let path = "master_password_wo_version";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["master_password_wo, which is not set"],
    );
    // Not known yet: the password may come with it.
    let mut c = config(json!({}));
    c.set("master_password_wo_version", Value::Unknown);
    assert_eq!(validate(&*resource(&unconfigured(), NAME), &c), vec![]);
}

#[test]
fn a_brought_password_and_a_generated_password_version_are_refused_together() {
    let d = checked(json!({
        "master_password_wo": "Good-Pass-123", "master_password_wo_version": 1,
        "master_password_version": 2,
    }));
    let path = "master_password_version";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["use master_password_wo_version"],
    );
    assert_eq!(
        checked(json!({"master_password_wo": "Good-Pass-123", "master_password_wo_version": 1})),
        vec![]
    );
}

/// Plans `config` against `prior` with a provider whose AWS calls would fail: every case here is
/// decided before the plan asks AWS anything.
async fn planned(prior: Option<&Value>, config: &Value) -> Vec<Seen> {
    let ctx = configured(&closed_port()).await;
    plan(&*resource(&ctx, NAME), prior, config).await.0
}

#[tokio::test]
async fn members_in_one_region_after_the_provider_defaults_are_refused_at_plan() {
    // The primary takes the provider's primary_region, us-east-1, which the secondary names:
    // validation cannot see it, the plan can.
    let c = config(json!({"primary": {}, "secondary": {"region": "us-east-1"}}));
    assert_eq!(validate(&*resource(&unconfigured(), NAME), &c), vec![]);
    let d = planned(None, &c).await;
    assert_one(
        &d,
        Error,
        &invalid("secondary.region"),
        "secondary.region",
        &["both in \"us-east-1\" (after the provider's region defaults)"],
    );
}

#[tokio::test]
async fn a_writer_region_of_neither_member_is_refused_at_plan() {
    let d = planned(None, &config(json!({"writer_region": "eu-west-1"}))).await;
    assert_one(
        &d,
        Error,
        &invalid("writer_region"),
        "writer_region",
        &["\"eu-west-1\" is neither the primary region \"us-east-1\" nor the secondary region \"us-east-2\"."],
    );
}

#[tokio::test]
async fn identifiers_longer_than_rds_allows_are_refused_at_environment_suffix() {
    let (name, suffix) = ("a".repeat(32), "b".repeat(24));
    let c = config(json!({"name": name, "environment_suffix": suffix}));
    assert_eq!(validate(&*resource(&unconfigured(), NAME), &c), vec![]);
    let d = planned(None, &c).await;
    // One for each member: its longest instance identifier.
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_each(
        &d,
        Error,
        &invalid("environment_suffix"),
        "environment_suffix",
        &["RDS allows 63; shorten name or environment_suffix."],
    );
    assert!(
        d[0].detail
            .contains(&format!("\"{name}-us-east-1-{suffix}-1\"")),
        "{d:#?}"
    );
    assert!(
        d[1].detail
            .contains(&format!("\"{name}-us-east-2-{suffix}-1\"")),
        "{d:#?}"
    );
}

#[tokio::test]
async fn a_major_upgrade_with_max_rpo_seconds_is_refused_at_engine_version() {
    let r = resource(&unconfigured(), NAME);
    let prior = state_of(&*r, &config(json!({"max_rpo_seconds": 60})));
    let d = planned(
        Some(&prior),
        &config(json!({"engine_version": "16.4", "max_rpo_seconds": 60})),
    )
    .await;
    assert_one(
        &d,
        Error,
        &invalid("engine_version"),
        "engine_version",
        &[
            "a major version upgrade (15.10 to 16.4) with max_rpo_seconds set is not supported",
            "Remove max_rpo_seconds",
        ],
    );
}

#[tokio::test]
async fn a_major_upgrade_without_max_rpo_seconds_is_not_refused() {
    let r = resource(&unconfigured(), NAME);
    let prior = state_of(&*r, &config(json!({})));
    let d = planned(Some(&prior), &config(json!({"engine_version": "16.4"}))).await;
    // The new version is checked against RDS, which cannot answer here: a warning, no error.
    assert_eq!(errors(&d), Vec::<&Seen>::new());
    assert_one(
        &d,
        trdr::framework::diag::Severity::Warning,
        "Engine version not checked at plan time",
        "engine_version",
        &["DescribeDBEngineVersions failed"],
    );
}

#[tokio::test]
async fn switching_from_the_generated_password_to_a_brought_one_is_refused() {
    let r = resource(&unconfigured(), NAME);
    let prior = state_of(&*r, &config(json!({})));
    let d = planned(
        Some(&prior),
        &config(json!({"master_password_wo": "Good-Pass-123", "master_password_wo_version": 1})),
    )
    .await;
    let path = "master_password_wo_version";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["switching an existing database from trdr's generated secret to master_password_wo is not supported"],
    );
}

#[tokio::test]
async fn switching_from_a_brought_password_to_the_generated_one_is_refused() {
    let r = resource(&unconfigured(), NAME);
    // The state holds the version, never the write-only password.
    let prior = state_of(
        &*r,
        &config(json!({"master_password_wo": "Good-Pass-123", "master_password_wo_version": 1})),
    );
    let d = planned(Some(&prior), &config(json!({}))).await;
    let path = "master_password_wo_version";
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["switching an existing database from master_password_wo to trdr's generated secret is not supported"],
    );
}

#[tokio::test]
async fn keeping_the_password_mode_plans_without_diagnostics() {
    let r = resource(&unconfigured(), NAME);
    for extra in [
        json!({}),
        json!({"master_password_wo": "Good-Pass-123", "master_password_wo_version": 1}),
    ] {
        let prior = state_of(&*r, &config(extra.clone()));
        let d = planned(Some(&prior), &config(extra.clone())).await;
        assert_eq!(d, vec![], "{extra}");
    }
}
