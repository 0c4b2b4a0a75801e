//! `trdr_regional_stack`: the secondary's primary, its replication role, multi-Region strong
//! consistency and its witness, derived names, and what `terraform query` may list.

use serde_json::json;
use trdr::framework::diag::Severity::Error;
use trdr::framework::{Diagnostics, Value};

use crate::harness::*;

const NAME: &str = "regional_stack";
const ROLE: &str = "arn:aws:iam::123456789012:role/replication";

/// A valid secondary in us-east-2 of `trading:dev:us-east-1`, with `extra` merged in.
fn config(extra: serde_json::Value) -> Value {
    let mut v = json!({
        "name": "trading", "environment_suffix": "dev", "region": "us-east-2",
        "replica_of": "trading:dev:us-east-1", "replication_role_arn": ROLE,
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
        checked(json!({"replica_of": null, "replication_role_arn": null})),
        vec![]
    );
    assert_eq!(
        checked(json!({"session_table": [{"consistency": "STRONG"}]})),
        vec![]
    );
}

#[test]
fn a_primary_in_the_same_region_is_refused_at_replica_of() {
    let d = checked(json!({"replica_of": "trading:dev:us-east-2"}));
    assert_one(
        &d,
        Error,
        &invalid("replica_of"),
        "replica_of",
        &["the primary stack trading:dev:us-east-2 is in us-east-2, the same region as this stack"],
    );
}

#[test]
fn a_primary_of_another_environment_is_refused_at_replica_of() {
    let d = checked(json!({"replica_of": "trading:prod:us-east-1"}));
    assert_one(
        &d,
        Error,
        &invalid("replica_of"),
        "replica_of",
        &["has another name or environment_suffix than this stack (trading:dev)"],
    );
}

#[test]
fn a_secondary_with_buckets_needs_a_replication_role() {
    let path = "replication_role_arn";
    let d = checked(json!({"replication_role_arn": null}));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["required when replica_of is set"],
    );
    // The default buckets count as buckets; none need no role.
    assert_eq!(
        checked(json!({"replication_role_arn": null, "buckets": []})),
        vec![]
    );
    // Buckets not known yet may be none: left to the plan.
    let mut c = config(json!({"replication_role_arn": null}));
    c.set("buckets", Value::Unknown);
    assert_eq!(validate(&*resource(&unconfigured(), NAME), &c), vec![]);
}

#[test]
fn a_witness_without_strong_consistency_is_refused_at_witness_region() {
    let path = "session_table[0].witness_region";
    let d = checked(
        json!({"session_table": [{"consistency": "EVENTUAL", "witness_region": "us-west-2"}]}),
    );
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["set consistency = \"STRONG\" or remove witness_region."],
    );
}

#[test]
fn a_witness_on_the_primary_is_refused_at_witness_region() {
    let path = "session_table[0].witness_region";
    let d = checked(json!({
        "region": "us-east-1", "replica_of": null, "replication_role_arn": null,
        "session_table": [{"consistency": "STRONG", "witness_region": "us-west-2"}],
    }));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["set witness_region there, not on the primary."],
    );
}

#[test]
fn strong_consistency_outside_a_region_set_is_refused_at_consistency() {
    let path = "session_table[0].consistency";
    let d = checked(json!({
        "region": "sa-east-1", "replica_of": null, "replication_role_arn": null,
        "session_table": [{"consistency": "STRONG"}],
    }));
    assert_one(&d, Error, &invalid(path), path, &["sa-east-1 is in none"]);
    let d = checked(json!({"region": "eu-west-1", "session_table": [{"consistency": "STRONG"}]}));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &[
            "needs both stacks in one region set",
            "the primary is in us-east-1 and this stack in eu-west-1",
        ],
    );
}

#[test]
fn a_witness_where_a_stack_is_or_outside_the_set_is_refused_at_witness_region() {
    let path = "session_table[0].witness_region";
    let d = checked(
        json!({"session_table": [{"consistency": "STRONG", "witness_region": "us-east-1"}]}),
    );
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["the witness must be a third region, not us-east-1"],
    );
    let d = checked(
        json!({"session_table": [{"consistency": "STRONG", "witness_region": "eu-west-1"}]}),
    );
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["eu-west-1 is not. Use one of us-west-2."],
    );
    let d = checked(json!({
        "region": "eu-west-2", "replica_of": "trading:dev:eu-west-1",
        "session_table": [{"consistency": "STRONG"}],
    }));
    assert_one(
        &d,
        Error,
        &invalid(path),
        path,
        &["more than one third region (eu-west-3, eu-central-1)"],
    );
}

#[test]
fn bucket_names_longer_than_s3_allows_are_refused_at_environment_suffix() {
    let (name, suffix) = ("a".repeat(32), "b".repeat(24));
    let d = checked(json!({"name": name, "environment_suffix": suffix, "replica_of": null}));
    // One for each default bucket purpose, naming it.
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_each(
        &d,
        Error,
        &invalid("environment_suffix"),
        "environment_suffix",
        &["Shorten name, environment_suffix or the bucket purpose."],
    );
    assert!(
        d[0].detail.starts_with("with buckets[0] = \"config\", "),
        "{d:#?}"
    );
    assert!(
        d[1].detail
            .starts_with("with buckets[1] = \"audit-logs\", "),
        "{d:#?}"
    );
}

#[tokio::test]
async fn the_plan_checks_again_what_validation_could_not_see() {
    // replica_of from another resource's id is unknown at validation and known at plan.
    let r = resource(&unconfigured(), NAME);
    let mut c = config(json!({}));
    c.set("replica_of", Value::Unknown);
    assert_eq!(validate(&*r, &c), vec![]);
    c.set("replica_of", "trading:dev:us-east-2");
    let (d, _) = plan(&*r, None, &c).await;
    assert_one(
        &d,
        Error,
        &invalid("replica_of"),
        "replica_of",
        &["the same region as this stack"],
    );
}

#[tokio::test]
async fn listing_a_region_the_provider_does_not_serve_is_refused_at_region() {
    let ctx = configured(&closed_port()).await;
    let r = resource(&ctx, NAME);
    let list_config = value(json!({"region": "eu-west-1"}));
    let mut diags = Diagnostics::default();
    let found = r.list(&list_config, false, 10, &mut diags).await;
    assert!(found.is_empty());
    let d: Vec<_> = diags.0;
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].severity, Error);
    assert_eq!(d[0].summary, "Region not served by this provider");
    assert_eq!(
        d[0].path.as_ref().map(|p| p.to_string()).as_deref(),
        Some("region")
    );
    assert!(
        d[0].detail.contains(
            "\"eu-west-1\" is neither the provider's primary_region nor its secondary_region"
        ),
        "{d:#?}"
    );
}
