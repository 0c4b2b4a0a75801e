//! The `provider "trdr"` block: two regions, and one name for the attempts.

use serde_json::json;
use trdr::framework::diag::Severity::Error;
use trdr::framework::Diagnostics;

use crate::harness::*;

fn checked(json: serde_json::Value) -> Vec<Seen> {
    let mut diags = Diagnostics::default();
    trdr::provider::config::validate(&value(json), &mut diags);
    seen(diags)
}

#[test]
fn the_valid_configurations_pass() {
    assert_eq!(checked(json!({})), vec![]);
    assert_eq!(
        checked(
            json!({"primary_region": "eu-west-1", "secondary_region": "eu-central-1", "max_attempts": 3})
        ),
        vec![]
    );
}

#[test]
fn one_region_twice_is_refused_at_secondary_region() {
    let path = "secondary_region";
    let d = checked(json!({"primary_region": "eu-west-1", "secondary_region": "eu-west-1"}));
    assert_one(&d, Error, &invalid(path), path, &["both are \"eu-west-1\""]);
    // The defaults count: us-east-1 given as the secondary meets the default primary.
    let d = checked(json!({"secondary_region": "us-east-1"}));
    assert_one(&d, Error, &invalid(path), path, &["both are \"us-east-1\""]);
}

#[test]
fn max_attempts_and_its_deprecated_name_together_are_refused_at_max_retries() {
    let path = "max_retries";
    let d = checked(json!({"max_attempts": 3, "max_retries": 3}));
    let errors: Vec<_> = d.into_iter().filter(|d| d.severity == Error).collect();
    assert_one(
        &errors,
        Error,
        &invalid(path),
        path,
        &["set only max_attempts"],
    );
}
