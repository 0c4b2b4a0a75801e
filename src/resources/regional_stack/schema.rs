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
pub const BUCKETS: Attr<Vec<String>> = Attr::optional("buckets", "Bucket purposes; each becomes bucket `NAME-PURPOSE-REGION-SUFFIX` (versioned, encrypted, public access blocked, lifecycle-managed). Default `[\"config\", \"audit-logs\"]`. A secondary must use purposes its primary has.")
    .default(&["config", "audit-logs"] as &[&str])
    .checks(&[
        Check::Unique,
        Check::Each(&Check::Rule(|v| naming::name_problem(v.as_str()?, 20))),
    ]);
pub const NONCURRENT_DAYS: Attr<i64> = Attr::optional("noncurrent_version_expiration_days", "Days after which noncurrent object versions expire (default 30). Incomplete multipart uploads are always aborted after 7 days.")
    .default(30)
    .checks(&[Check::Whole, Check::Range(1.0, 3650.0)]);
pub const FORCE_DESTROY: Attr<bool> = Attr::optional("force_destroy", "Empty every object version and delete marker on destroy so the buckets can be deleted (default true).").default(true);
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
pub const BIDIRECTIONAL: Attr<bool> = Attr::optional("bidirectional_replication", "Also replicate this stack's buckets back to the primary, with replica-modification sync, so data flows back after a failback (default true).").default(true);
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

pub const SESSION_TABLE: BlockAttr = BlockAttr::optional(
    "session_table",
    "The session table's key. A secondary's replica has the primary's key.",
);
pub const HASH_KEY: Attr<String> = Attr::optional(
    "hash_key",
    "Partition key attribute (string), default `sessionId`. Changing it replaces the stack.",
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
            .with(&[&ID, &NAME, &ENVIRONMENT_SUFFIX, &REGION, &BUCKETS, &NONCURRENT_DAYS, &FORCE_DESTROY, &REPLICA_OF, &REPLICATION_ROLE_ARN, &BIDIRECTIONAL, &BUCKET_NAMES, &BUCKET_ARNS, &TABLE_NAME, &TABLE_ARN, &STREAM_ARN, &REPLICA_STATUS, &DRIFT])
            .nest(&SESSION_TABLE, Block::default().with(&[&HASH_KEY]))
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
