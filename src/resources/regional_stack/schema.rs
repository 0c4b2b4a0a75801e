//! The regional stack's attributes, each declared once (name, type, default, plan behaviour,
//! validators, documentation), the schema assembled from them, and the checks across attributes.

use crate::framework::attr::{Attr, BlockAttr};
use crate::framework::validate::{is_iam_role_arn, is_region, Check};
use crate::framework::{Block, Diagnostics, Schema, Value};
use crate::naming::{self, Naming, ENVIRONMENT_SUFFIX, NAME};
use crate::timeouts;

use super::StackId;

pub const DEFAULT_TIMEOUTS: [&str; 3] = ["30m", "30m", "30m"];

pub const ID: Attr<String> = Attr::computed("id", "Stack id `name:environment_suffix:region`, e.g. `trading:dev:us-east-1`; known at plan time. Use it as `replica_of` and to import.").stable();
pub const REGION: Attr<String> = Attr::required("region", "AWS region of this stack.")
    .replace()
    .checks(&[Check::Matches(
        "an AWS region name such as us-east-1",
        is_region,
    )]);
pub const BUCKETS: Attr<Vec<String>> = Attr::optional("buckets", "Bucket purposes; each becomes bucket `NAME-PURPOSE-REGION-SUFFIX` (versioned, encrypted, public access blocked, lifecycle-managed). A secondary must use purposes its primary has.")
    .default(&["config", "audit-logs"] as &[&str])
    .checks(&[
        Check::Unique,
        Check::Each(&Check::Rule(|v| naming::name_problem(v.as_str()?, 20))),
    ]);
pub const NONCURRENT_DAYS: Attr<i64> = Attr::optional("noncurrent_version_expiration_days", "Days after which noncurrent object versions expire. Incomplete multipart uploads are always aborted after 7 days.")
    .default(30)
    .checks(&[Check::Whole, Check::Range(1.0, 3650.0)]);
pub const FORCE_DESTROY: Attr<bool> = Attr::optional("force_destroy", "Empty every object version and delete marker on destroy so the buckets can be deleted. When false, a destroy refuses a bucket that still holds objects, naming it, and deletes nothing of it (as hashicorp/aws's `aws_s3_bucket`). Not stored in AWS: an import records the default.").default(false);
pub const REPLICA_OF: Attr<String> = Attr::optional("replica_of", "Id of the primary stack (another region). Makes this stack the secondary: it creates its buckets, then replication from each primary bucket to its twin here (and back when `bidirectional_replication`), then a replica of the primary's session table in this region.")
    .replace()
    .checks(&[Check::Matches(
        "a stack id `name:environment_suffix:region` (use trdr_regional_stack.<primary>.id)",
        |s| StackId::parse(s).is_some(),
    )]);
pub const REPLICATION_ROLE_ARN: Attr<String> = Attr::optional(
    "replication_role_arn",
    "IAM role S3 assumes to replicate objects; required with `replica_of` when there are buckets.",
)
.checks(&[Check::Matches(
    "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
    is_iam_role_arn,
)]);
pub const BIDIRECTIONAL: Attr<bool> = Attr::optional("bidirectional_replication", "Also replicate this stack's buckets back to the primary, with replica-modification sync, so data flows back after a failback.").default(true);
pub const BUCKET_NAMES: Attr<Value> = Attr::computed("bucket_names", "Bucket name by purpose.")
    .stable()
    .of_type(crate::framework::Type::map_of_strings);
pub const BUCKET_ARNS: Attr<Value> = Attr::computed("bucket_arns", "Bucket ARN by purpose.")
    .stable()
    .of_type(crate::framework::Type::map_of_strings);
pub const TABLE_NAME: Attr<String> = Attr::computed("table_name", "Name of the session table (`NAME-sessions-SUFFIX`); a secondary's is the replica of the primary's.").stable();
pub const TABLE_ARN: Attr<String> =
    Attr::computed("table_arn", "ARN of the session table in this region.").stable();
pub const STREAM_ARN: Attr<String> = Attr::computed(
    "stream_arn",
    "ARN of the table's stream (`NEW_AND_OLD_IMAGES`) in this region.",
)
.stable();
pub const REPLICA_STATUS: Attr<String> = Attr::computed("replica_status", "For a secondary, the status of its table replica as the primary reports it (`ACTIVE` when healthy); null for a primary.");
pub const DRIFT: Attr<Vec<String>> = Attr::computed("drift", "Out-of-band changes no attribute can show, found by the last refresh (versioning suspended, point-in-time recovery off, a replication rule removed, ...). A plan that shows this list emptied repairs them. A deleted bucket leaves `buckets`, a lifecycle rule changed shows in `noncurrent_version_expiration_days`, a table made again with another key in `session_table`: their own attributes, so `ignore_changes` can accept them.");

pub const WITNESS_STATUS: Attr<String> = Attr::computed("witness_status", "For a secondary whose session table is `STRONG`, the status of the global table's witness as DynamoDB reports it in this region (`ACTIVE` when healthy, `CREATING` right after the create); null otherwise.");

pub const SESSION_TABLE: BlockAttr = BlockAttr::optional(
    "session_table",
    "The session table's key and consistency mode. A secondary's replica has the primary's key and mode.",
);
pub const CONSISTENCY: Attr<String> = Attr::optional("consistency", "`EVENTUAL`: DynamoDB's multi-Region eventual consistency; a failover can leave the last second or so of session writes behind in the failed region. `STRONG`: multi-Region strong consistency (MRSC): a write is acknowledged once it is durable in a second region, so a region loss loses no committed session (RPO 0) and a strongly consistent read in either region returns the latest write; it needs both stacks and the witness in one region set (US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, eu-central-1; AP: ap-northeast-1, ap-northeast-2, ap-northeast-3), and the table does not support TTL, local secondary indexes or transactions. Set it alike on both stacks. DynamoDB cannot change a table's mode: a change replaces the stack (its table and every session in it; the plan warns), and a primary with a live secondary is refused until both are replaced.")
    .default("EVENTUAL")
    .checks(&[Check::OneOf(&["EVENTUAL", "STRONG"])]);
pub const WITNESS_REGION: Attr<String> = Attr::optional_computed("witness_region", "Secondary with `consistency = \"STRONG\"` only: the region of the global table's witness, which holds the replicated change data (no reads or writes) so that either replica keeps accepting writes while the other region is lost. Default: the third region of the pair's region set (US, AP); the EU set has four regions, so there it must be set. Changing it replaces the secondary.")
    .checks(&[Check::Matches("an AWS region name such as us-west-2", is_region)]);
pub const HASH_KEY: Attr<String> = Attr::optional(
    "hash_key",
    "Partition key attribute (string). Changing it replaces the stack.",
)
.default("sessionId")
.checks(&[Check::Matches(
    "a key attribute name of 1 to 255 characters",
    |s| (1..=255).contains(&s.len()),
)]);

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("One region's data tier of the DR topology: the DynamoDB session table and the S3 buckets (configuration, audit logs). A secondary stack (`replica_of` set) also owns the cross-region links: S3 replication to and from the primary's buckets and the DynamoDB replica of the primary's table.")
            .with(&[&ID, &NAME, &ENVIRONMENT_SUFFIX, &REGION, &BUCKETS, &NONCURRENT_DAYS, &FORCE_DESTROY, &REPLICA_OF, &REPLICATION_ROLE_ARN, &BIDIRECTIONAL, &BUCKET_NAMES, &BUCKET_ARNS, &TABLE_NAME, &TABLE_ARN, &STREAM_ARN, &REPLICA_STATUS, &WITNESS_STATUS, &DRIFT])
            .nest(&SESSION_TABLE, Block::default().with(&[&HASH_KEY, &CONSISTENCY, &WITNESS_REGION]))
            .block(timeouts::block(DEFAULT_TIMEOUTS)),
    }
}

/// The checks across attributes (each attribute's own run from the schema). Unknown values are
/// skipped; `plan` runs this again once references (such as `replica_of`) are known.
pub(super) fn check(config: &Value, diags: &mut Diagnostics) {
    if let (Some(primary), Some(region)) = (
        REPLICA_OF.raw(config).as_str().and_then(StackId::parse),
        REGION.raw(config).as_str(),
    ) {
        if primary.region == region {
            diags.attr_error(&REPLICA_OF.path(), format!("the primary stack {primary} is in {region}, the same region as this stack; a secondary must be in another region."));
        }
        if let Some(ours) = Naming::from_value(config) {
            if primary.naming != ours {
                diags.attr_error(&REPLICA_OF.path(), format!("the primary stack {primary} has another name or environment_suffix than this stack ({}:{}); a secondary replicates its own environment's primary.", ours.name, ours.suffix));
            }
        }
        let buckets = BUCKETS.raw(config);
        let has_buckets = buckets
            .as_list()
            .map_or(!buckets.is_unknown(), |l| !l.is_empty());
        if REPLICATION_ROLE_ARN.raw(config).is_null() && has_buckets {
            diags.attr_error(
                &REPLICATION_ROLE_ARN.path(),
                "required when replica_of is set: S3 needs a role to replicate the buckets.",
            );
        }
    }
    if let Some(naming) = Naming::from_value(config) {
        check_derived_names(&naming, config, diags);
    }
    check_consistency(config, diags);
}

/// Multi-Region strong consistency's rules that the configuration alone decides (DynamoDB
/// developer guide, "Multi-Region strong consistency"; API reference, UpdateTable): the stacks
/// and the witness in one region set, the witness a third region, and only a secondary has one.
fn check_consistency(config: &Value, diags: &mut Diagnostics) {
    let block = SESSION_TABLE.of(config);
    let (mode_path, witness_path) = (
        CONSISTENCY.under(&SESSION_TABLE.path()),
        WITNESS_REGION.under(&SESSION_TABLE.path()),
    );
    let mode = CONSISTENCY.raw(block);
    let witness = WITNESS_REGION.raw(block).as_str();
    let strong = mode.as_str() == Some("STRONG");
    if mode.is_unknown() {
        return;
    }
    if !strong {
        if witness.is_some() {
            diags.attr_error(&witness_path, "a witness belongs to a global table with multi-Region strong consistency: set consistency = \"STRONG\" or remove witness_region.");
        }
        return;
    }
    let Some(region) = REGION.raw(config).as_str() else {
        return;
    };
    let Some(set) = crate::aws::dynamodb::region_set(region) else {
        return diags.attr_error(&mode_path, format!("DynamoDB offers multi-Region strong consistency only within a region set ({}); {region} is in none. Use consistency = \"EVENTUAL\" or regions of one set.", crate::aws::dynamodb::region_sets_text()));
    };
    let replica_of = REPLICA_OF.raw(config);
    if replica_of.is_null() {
        if witness.is_some() {
            diags.attr_error(&witness_path, "the secondary stack (replica_of set) builds the global table and its witness: set witness_region there, not on the primary.");
        }
        return;
    }
    let Some(primary) = replica_of.as_str().and_then(StackId::parse) else {
        return;
    };
    if !set.contains(&primary.region.as_str()) {
        return diags.attr_error(&mode_path, format!("multi-Region strong consistency needs both stacks in one region set ({}); the primary is in {} and this stack in {region}. Use consistency = \"EVENTUAL\" or move a stack.", crate::aws::dynamodb::region_sets_text(), primary.region));
    }
    if WITNESS_REGION.raw(block).is_unknown() {
        return;
    }
    if let Err(problem) = witness_for(&primary.region, region, witness) {
        diags.attr_error(&witness_path, problem);
    }
}

/// The witness of a strongly consistent pair: `given`, checked, or the set's one remaining region.
pub fn witness_for(primary: &str, secondary: &str, given: Option<&str>) -> Result<String, String> {
    let set = crate::aws::dynamodb::region_set(secondary).unwrap_or_default();
    let others: Vec<&str> = set
        .iter()
        .copied()
        .filter(|r| *r != primary && *r != secondary)
        .collect();
    match given {
        Some(w) if w == primary || w == secondary => Err(format!("the witness must be a third region, not {w}, where a stack of the pair is; use one of {}.", others.join(", "))),
        Some(w) if !set.contains(&w) => Err(format!("the witness must be in the pair's region set ({}); {w} is not. Use one of {}.", set.join(", "), others.join(", "))),
        Some(w) => Ok(w.to_string()),
        None => match others.as_slice() {
            [only] => Ok(only.to_string()),
            _ => Err(format!("the region set of {primary} and {secondary} has more than one third region ({}): set witness_region to one of them.", others.join(", "))),
        },
    }
}

/// Derived names within AWS limits; the error points at the attribute most likely to blame.
fn check_derived_names(n: &Naming, config: &Value, diags: &mut Diagnostics) {
    let Some(region) = REGION.raw(config).as_str() else {
        return;
    };
    let purposes: Vec<Option<String>> = match BUCKETS.raw(config) {
        Value::Null => BUCKETS
            .default_value()
            .unwrap_or_default()
            .into_iter()
            .map(Some)
            .collect(),
        v => v
            .as_list()
            .unwrap_or_default()
            .iter()
            .map(|p| p.as_str().map(str::to_string))
            .collect(),
    };
    for (i, purpose) in purposes.iter().enumerate() {
        let Some(purpose) = purpose else { continue };
        if let Some(problem) = naming::bucket_name_problem(&n.bucket(purpose, region)) {
            diags.attr_error(
                &ENVIRONMENT_SUFFIX.path(),
                format!("with buckets[{i}] = {purpose:?}, {problem}. Shorten name, environment_suffix or the bucket purpose."),
            );
        }
    }
    if let Some(problem) = naming::table_name_problem(&n.session_table()) {
        diags.attr_error(&ENVIRONMENT_SUFFIX.path(), problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The paths and details of the errors `check` reports for a stack in `region`.
    fn errors(
        region: &str,
        replica_of: Option<&str>,
        table: serde_json::Value,
    ) -> Vec<(String, String)> {
        crate::resources::check_errors(
            check,
            json!({
                "name": "trading", "environment_suffix": "dev", "region": region,
                "buckets": [], "replica_of": replica_of, "session_table": [table],
            }),
        )
    }

    #[test]
    fn strong_consistency_is_refused_outside_one_region_set_naming_the_attribute() {
        let e = errors(
            "eu-west-1",
            Some("trading:dev:us-east-1"),
            json!({"consistency": "STRONG"}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, "session_table[0].consistency");
        assert!(
            e[0].1.contains("us-east-1") && e[0].1.contains("eu-west-1"),
            "{e:?}"
        );
        let e = errors("sa-east-1", None, json!({"consistency": "STRONG"}));
        assert_eq!(e[0].0, "session_table[0].consistency");
        assert!(e[0].1.contains("sa-east-1 is in none"), "{e:?}");
    }

    #[test]
    fn the_witness_is_a_third_region_of_the_set_and_only_a_strong_secondarys() {
        let secondary = Some("trading:dev:us-east-1");
        for (region, replica_of, table, wants) in [
            (
                "us-east-2",
                secondary,
                json!({"consistency": "STRONG", "witness_region": "us-east-1"}),
                "a third region",
            ),
            (
                "us-east-2",
                secondary,
                json!({"consistency": "STRONG", "witness_region": "eu-west-1"}),
                "region set",
            ),
            (
                "us-east-2",
                secondary,
                json!({"consistency": "EVENTUAL", "witness_region": "us-west-2"}),
                "consistency = \"STRONG\"",
            ),
            (
                "us-east-1",
                None,
                json!({"consistency": "STRONG", "witness_region": "us-west-2"}),
                "secondary",
            ),
            (
                "eu-west-2",
                Some("trading:dev:eu-west-1"),
                json!({"consistency": "STRONG"}),
                "eu-west-3, eu-central-1",
            ),
        ] {
            let e = errors(region, replica_of, table.clone());
            assert_eq!(e.len(), 1, "{table}: {e:?}");
            assert_eq!(e[0].0, "session_table[0].witness_region", "{table}");
            assert!(e[0].1.contains(wants), "{table}: {e:?}");
        }
        assert!(errors("us-east-2", secondary, json!({"consistency": "STRONG"})).is_empty());
        assert!(errors(
            "eu-west-2",
            Some("trading:dev:eu-west-1"),
            json!({"consistency": "STRONG", "witness_region": "eu-central-1"})
        )
        .is_empty());
        assert_eq!(
            witness_for("us-east-1", "us-east-2", None).as_deref(),
            Ok("us-west-2")
        );
        assert_eq!(
            witness_for("ap-northeast-3", "ap-northeast-1", None).as_deref(),
            Ok("ap-northeast-2")
        );
    }
}
