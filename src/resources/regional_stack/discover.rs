//! Import and listing: a stack's configuration rebuilt from what AWS has (its buckets by name,
//! its session table's key, mode and tags), then read as [`observe`] reads it.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TableDescription;

use super::names::REPLICA_OF_TAG;
use super::observe::{observe, session_block};
use super::schema::*;
use super::{Stack, StackId};
use crate::aws::clients::RegionClients;
use crate::aws::errors::AwsError;
use crate::aws::{dynamodb, s3};
use crate::framework::Value;
use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
use crate::provider::Configured;
use crate::resources::spelled;
use crate::tags;

/// Rebuilds a stack's configuration from AWS, for import.
pub async fn discover(cfg: &Configured, id: &StackId) -> Result<Option<Value>, AwsError> {
    discover_if(cfg, id, |_| true).await
}

/// As [`discover`], for a listing: `None` unless the session table exists and carries
/// `ManagedBy = trdr` (a table of a stack's name trdr did not make is not a stack).
pub async fn discover_owned(cfg: &Configured, id: &StackId) -> Result<Option<Value>, AwsError> {
    discover_if(cfg, id, tags::is_ours).await
}

/// [`discover`], given up (`None`) when the session table's tags (none without a table) are not
/// `wanted`.
async fn discover_if(
    cfg: &Configured,
    id: &StackId,
    wanted: impl Fn(&tags::Tags) -> bool,
) -> Result<Option<Value>, AwsError> {
    let here = cfg.region(&id.region);
    let table = dynamodb::describe(&here.dynamodb, &id.naming.session_table()).await?;
    let mut tags_seen = BTreeMap::new();
    if let Some(arn) = table.as_ref().and_then(|t| t.table_arn()) {
        tags_seen = dynamodb::tags(&here.dynamodb, arn).await?;
    }
    if !wanted(&tags_seen) {
        return Ok(None);
    }
    let purposes = bucket_purposes(&here, id).await?;
    if purposes.is_empty() && table.is_none() {
        return Ok(None);
    }
    if tags_seen.is_empty() {
        if let Some(p) = purposes.first() {
            if let Some(f) = s3::inspect(&here.s3, &id.naming.bucket(p, &id.region)).await? {
                tags_seen = f.tags;
            }
        }
    }
    let replica_of = tags_seen
        .get(REPLICA_OF_TAG)
        .and_then(|s| StackId::parse(s));
    let mut v = configuration(id, &purposes, table.as_ref(), replica_of.as_ref());
    spelled::restore(&schema().block, &tags_seen, &mut v);
    if let (Some(primary), Some(p)) = (&replica_of, purposes.first()) {
        let two_way = replicates_back(&here, id, primary, p).await?;
        BIDIRECTIONAL.put(&mut v, two_way);
    }
    let Some(stack) = Stack::from_value(&v) else {
        return Ok(None);
    };
    Ok(observe(cfg, &stack)
        .await?
        .map(|seen| seen.into_state(&v, &stack)))
}

/// The purposes of the stack's buckets in its region (`NAME-PURPOSE-REGION-SUFFIX`), the
/// defaults first in their usual order, so an imported stack matches the usual configuration.
async fn bucket_purposes(here: &RegionClients, id: &StackId) -> Result<Vec<String>, AwsError> {
    let prefix = format!("{}-", id.naming.name);
    let suffix = format!("-{}-{}", id.region, id.naming.suffix);
    let listed = s3::bucket_names(&here.s3, &prefix, &id.region).await?;
    let mut purposes: Vec<String> = listed
        .iter()
        .filter_map(|n| {
            n.strip_prefix(&prefix)?
                .strip_suffix(&suffix)
                .map(str::to_string)
        })
        .filter(|p| !p.is_empty())
        .collect();
    purposes.sort_by_key(|p| {
        (
            BUCKETS
                .default_value()
                .unwrap_or_default()
                .iter()
                .position(|d| d == p)
                .unwrap_or(usize::MAX),
            p.clone(),
        )
    });
    Ok(purposes)
}

/// The configuration of a found stack: its buckets, the session table's key and mode, and the
/// primary a secondary's tag names; what a configuration leaves unset, at the defaults.
fn configuration(
    id: &StackId,
    purposes: &[String],
    table: Option<&TableDescription>,
    replica_of: Option<&StackId>,
) -> Value {
    let mut v = Value::object();
    NAME.put(&mut v, id.naming.name.clone());
    ENVIRONMENT_SUFFIX.put(&mut v, id.naming.suffix.clone());
    REGION.put(&mut v, id.region.clone());
    BUCKETS.put(&mut v, Value::string_list(purposes.to_vec()));
    // What a configuration that leaves them unset has.
    FORCE_DESTROY.put(&mut v, FORCE_DESTROY.default_value());
    NONCURRENT_DAYS.put(&mut v, NONCURRENT_DAYS.default_value());
    BIDIRECTIONAL.put(&mut v, BIDIRECTIONAL.default_value());
    if let Some(key) = table.and_then(dynamodb::hash_key) {
        if HASH_KEY.default_value().as_deref() != Some(key) {
            HASH_KEY.put(session_block(&mut v), key);
        }
    }
    if table.and_then(dynamodb::consistency) == Some("STRONG") {
        let b = session_block(&mut v);
        CONSISTENCY.put(b, "STRONG");
        if replica_of.is_some() {
            let witness = table.and_then(dynamodb::witness).map(|(r, _)| r);
            WITNESS_REGION.put(b, witness);
        }
    }
    if let Some(primary) = replica_of {
        REPLICA_OF.put(&mut v, primary.to_string());
    }
    v
}

/// A secondary replicates back when its bucket `purpose` has the rule back to the primary's twin.
async fn replicates_back(
    here: &RegionClients,
    id: &StackId,
    primary: &StackId,
    purpose: &str,
) -> Result<bool, AwsError> {
    let ours = id.naming.bucket(purpose, &id.region);
    let theirs = id.naming.bucket(purpose, &primary.region);
    let back = id.naming.replication_rule(&primary.region);
    let our_cfg = s3::replication(&here.s3, &ours).await?;
    Ok(s3::has_rule(our_cfg.as_ref(), &back, &theirs, true))
}
