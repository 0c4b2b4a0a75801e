//! Read and drift detection: what the stack looks like in AWS now, and every way it departs from
//! what trdr keeps it at. Departures become the `drift` list, which the plan then repairs.

use std::collections::BTreeMap;

use futures::future::try_join_all;

use super::schema::*;
use super::{Replica, Stack, StackId};
use crate::aws::errors::AwsError;
use crate::aws::{dynamodb, s3};
use crate::framework::Value;
use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
use crate::provider::Configured;
use crate::tags;

/// Tag that records a secondary's primary, so an import can rebuild `replica_of`.
pub const REPLICA_OF_TAG: &str = "TrdrReplicaOf";

pub struct Seen {
    pub drift: Vec<String>,
    pub table_arn: Option<String>,
    pub stream_arn: Option<String>,
    pub replica_status: Option<String>,
    pub noncurrent_days: Option<i32>,
    pub role_arn: Option<String>,
    /// Purposes whose bucket does not exist: reported in `buckets`, not in `drift`.
    pub missing_buckets: Vec<String>,
    /// The session table's partition key as DynamoDB has it.
    pub hash_key: Option<String>,
    /// The global table's consistency mode as DynamoDB reports it (None: single-region, or not
    /// said).
    pub consistency: Option<String>,
    /// A strongly consistent global table's witness: region and status.
    pub witness: Option<(String, String)>,
}

/// The session table block of `v`, made (with the defaults a configuration's block plans) when
/// the state has none.
fn session_block(v: &mut Value) -> &mut Value {
    if SESSION_TABLE.of_mut(v).is_none() {
        let mut b = Value::object();
        HASH_KEY.put(&mut b, HASH_KEY.default_value());
        CONSISTENCY.put(&mut b, CONSISTENCY.default_value());
        SESSION_TABLE.put(v, b);
    }
    SESSION_TABLE
        .of_mut(v)
        .expect("the block was just put in place")
}

impl Seen {
    /// `base` (planned or prior state) with what AWS reports.
    /// Every configurable attribute is what AWS has (a deleted bucket leaves `buckets`, a table
    /// made again with another key changes `session_table`), so plans diff attributes and
    /// `ignore_changes` works; `drift` keeps what no attribute shows.
    pub fn into_state(self, base: &Value, stack: &Stack) -> Value {
        let mut v = base.clone();
        ID.put(&mut v, stack.id.to_string());
        TABLE_NAME.put(&mut v, stack.table());
        let buckets: Vec<&String> = stack
            .buckets
            .iter()
            .filter(|p| !self.missing_buckets.contains(p))
            .collect();
        if buckets.len() != stack.buckets.len() {
            BUCKETS.put(
                &mut v,
                Value::string_list(buckets.iter().map(|p| p.as_str())),
            );
        }
        BUCKET_NAMES.put(
            &mut v,
            Value::string_map(buckets.iter().map(|p| (p.to_string(), stack.bucket(p)))),
        );
        BUCKET_ARNS.put(
            &mut v,
            Value::string_map(
                buckets
                    .iter()
                    .map(|p| (p.to_string(), format!("arn:aws:s3:::{}", stack.bucket(p)))),
            ),
        );
        if let Some(key) = self.hash_key.filter(|k| *k != stack.hash_key) {
            HASH_KEY.put(session_block(&mut v), key);
        }
        if let Some(mode) = self
            .consistency
            .filter(|m| *m != stack.consistency.as_str())
        {
            CONSISTENCY.put(session_block(&mut v), mode);
        }
        let strong_secondary =
            stack.replica.is_some() && stack.consistency == super::Consistency::Strong;
        if let Some((region, _)) = self
            .witness
            .as_ref()
            .filter(|(r, _)| strong_secondary && Some(r) != stack.witness.as_ref())
        {
            WITNESS_REGION.put(session_block(&mut v), region.clone());
        }
        WITNESS_STATUS.put(
            &mut v,
            match (&self.witness, strong_secondary) {
                (Some((_, status)), true) => Value::from(status.clone()),
                _ => Value::Null,
            },
        );
        TABLE_ARN.put(&mut v, self.table_arn);
        STREAM_ARN.put(&mut v, self.stream_arn);
        REPLICA_STATUS.put(
            &mut v,
            if stack.replica.is_some() {
                Value::from(self.replica_status)
            } else {
                Value::Null
            },
        );
        if let Some(days) = self.noncurrent_days {
            NONCURRENT_DAYS.put(&mut v, days as i64);
        }
        if let (Some(role), Some(_)) = (self.role_arn, &stack.replica) {
            REPLICATION_ROLE_ARN.put(&mut v, role);
        }
        DRIFT.put(&mut v, Value::string_list(self.drift));
        v
    }
}

pub fn forward_rule(stack: &Stack) -> String {
    stack.id.naming.replication_rule(&stack.id.region)
}

pub fn back_rule(stack: &Stack, r: &Replica) -> String {
    stack.id.naming.replication_rule(&r.primary_region)
}

/// `None` when nothing of the stack exists any more.
pub async fn observe(cfg: &Configured, stack: &Stack) -> Result<Option<Seen>, AwsError> {
    let here = cfg.region(&stack.id.region);
    let want_tags = tags::standard(
        &cfg.config.default_tags,
        &stack.id.naming.suffix,
        &stack.id.region,
    );
    let mut drift = Vec::new();
    let mut anything = false;
    let mut noncurrent_days = None;
    let mut missing_buckets = Vec::new();

    let facts = try_join_all(stack.buckets.iter().map(|p| {
        let name = stack.bucket(p);
        let c = &here.s3;
        async move { s3::inspect(c, &name).await.map(|f| (p, name, f)) }
    }))
    .await?;
    for (purpose, name, f) in facts {
        let Some(f) = f else {
            missing_buckets.push(purpose.clone());
            continue;
        };
        anything = true;
        if !f.versioning_enabled {
            drift.push(format!("bucket {name}: versioning is not enabled"));
        }
        if !f.encrypted {
            drift.push(format!("bucket {name}: default encryption is off"));
        }
        if !f.public_access_blocked {
            drift.push(format!("bucket {name}: public access is not fully blocked"));
        }
        match f.noncurrent_days {
            // Report a bucket that departs from the configuration, so the plan shows the change.
            Some(d) if noncurrent_days.is_none() || d != stack.noncurrent_days => {
                noncurrent_days = Some(d)
            }
            Some(_) => {}
            None => drift.push(format!(
                "bucket {name}: lifecycle rule {} is missing",
                s3::LIFECYCLE_RULE_ID
            )),
        }
        if f.noncurrent_days.is_some() && f.abort_multipart_days != Some(s3::ABORT_MULTIPART_DAYS) {
            drift.push(format!(
                "bucket {name}: incomplete multipart uploads are not aborted after {} days",
                s3::ABORT_MULTIPART_DAYS
            ));
        }
        if !tags::contains_all(&f.tags, &want_tags) {
            drift.push(format!("bucket {name}: tags differ from {want_tags:?}"));
        }
    }

    let table = stack.table();
    let mut seen = Seen {
        drift: Vec::new(),
        table_arn: None,
        stream_arn: None,
        replica_status: None,
        noncurrent_days,
        role_arn: None,
        missing_buckets,
        hash_key: None,
        consistency: None,
        witness: None,
    };
    match dynamodb::describe(&here.dynamodb, &table).await? {
        None => drift.push(format!(
            "session table {table} is missing in {}",
            stack.id.region
        )),
        Some(t) => {
            anything = true;
            seen.hash_key = dynamodb::hash_key(&t).map(str::to_string);
            // The mode and the witness as this region's replica reports them: readable while
            // the other region is down.
            seen.consistency = dynamodb::consistency(&t)
                .map(str::to_string)
                .or_else(|| (!t.replicas().is_empty()).then(|| "EVENTUAL".to_string()));
            seen.witness = dynamodb::witness(&t);
            if let (Some(r), super::Consistency::Strong) = (&stack.replica, stack.consistency) {
                match &seen.witness {
                    None if seen.consistency.as_deref() == Some("STRONG") => drift.push(format!(
                        "session table {table}: the strongly consistent global table of {} and {} has no witness",
                        r.primary_region, stack.id.region
                    )),
                    Some((w, status)) if status != "ACTIVE" && status != "CREATING" => {
                        drift.push(format!("session table {table}: witness in {w} is {status}"))
                    }
                    _ => {}
                }
            }
            seen.table_arn = t.table_arn().map(str::to_string);
            seen.stream_arn = t.latest_stream_arn().map(str::to_string);
            let streaming = t.stream_specification().is_some_and(|s| {
                s.stream_enabled()
                    && s.stream_view_type().map(|v| v.as_str()) == Some("NEW_AND_OLD_IMAGES")
            });
            if !streaming {
                drift.push(format!(
                    "session table {table} in {}: stream NEW_AND_OLD_IMAGES is off",
                    stack.id.region
                ));
            }
            if !dynamodb::pitr_enabled(&here.dynamodb, &table).await? {
                drift.push(format!(
                    "session table {table} in {}: point-in-time recovery is off",
                    stack.id.region
                ));
            }
            if let Some(arn) = &seen.table_arn {
                let seen = dynamodb::tags_settled(&here.dynamodb, arn, &want_tags).await?;
                if !tags::contains_all(&seen, &want_tags) {
                    drift.push(format!(
                        "session table {table} in {}: tags differ",
                        stack.id.region
                    ));
                }
            }
        }
    }

    if let Some(r) = &stack.replica {
        let primary = cfg.region(&r.primary_region);
        match dynamodb::describe(&primary.dynamodb, &table).await? {
            None => drift.push(format!(
                "primary session table {table} is missing in {}",
                r.primary_region
            )),
            Some(t) => {
                seen.replica_status = dynamodb::replica_status(&t, &stack.id.region);
                match seen.replica_status.as_deref() {
                    Some("ACTIVE") => {}
                    Some(other) => drift.push(format!(
                        "replica of {table} in {} is {other}, not ACTIVE",
                        stack.id.region
                    )),
                    None => drift.push(format!(
                        "{table} in {} has no replica in {}",
                        r.primary_region, stack.id.region
                    )),
                }
            }
        }
        let fwd = forward_rule(stack);
        for p in &stack.buckets {
            let (ours, theirs) = (stack.bucket(p), stack.primary_bucket(p).unwrap_or_default());
            let their_cfg = s3::replication(&primary.s3, &theirs).await?;
            if seen.role_arn.is_none() {
                seen.role_arn = their_cfg.as_ref().map(|c| c.role().to_string());
            }
            if !s3::has_rule(their_cfg.as_ref(), &fwd, &ours, r.two_way) {
                drift.push(format!(
                    "replication rule {fwd} from {theirs} to {ours} is missing or changed"
                ));
            }
            let back = back_rule(stack, r);
            let our_cfg = s3::replication(&here.s3, &ours).await?;
            let has_back = s3::has_rule(our_cfg.as_ref(), &back, &theirs, true);
            if r.two_way && !has_back {
                drift.push(format!(
                    "replication rule {back} from {ours} back to {theirs} is missing or changed"
                ));
            }
            if !r.two_way
                && our_cfg
                    .as_ref()
                    .is_some_and(|c| c.rules().iter().any(|x| x.id() == Some(back.as_str())))
            {
                drift.push(format!("replication rule {back} from {ours} back to {theirs} exists but bidirectional_replication is false"));
            }
        }
    }

    if !anything {
        return Ok(None);
    }
    seen.drift = drift;
    Ok(Some(seen))
}

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
    // Defaults first, in their usual order, so an imported stack matches the usual configuration.
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

    let mut v = Value::object();
    NAME.put(&mut v, id.naming.name.clone());
    ENVIRONMENT_SUFFIX.put(&mut v, id.naming.suffix.clone());
    REGION.put(&mut v, id.region.clone());
    BUCKETS.put(&mut v, Value::string_list(purposes.clone()));
    // What a configuration that leaves them unset has.
    FORCE_DESTROY.put(&mut v, FORCE_DESTROY.default_value());
    NONCURRENT_DAYS.put(&mut v, NONCURRENT_DAYS.default_value());
    BIDIRECTIONAL.put(&mut v, BIDIRECTIONAL.default_value());
    if let Some(key) = table.as_ref().and_then(dynamodb::hash_key) {
        if HASH_KEY.default_value().as_deref() != Some(key) {
            HASH_KEY.put(session_block(&mut v), key);
        }
    }
    let replica_of = tags_seen
        .get(REPLICA_OF_TAG)
        .and_then(|s| StackId::parse(s));
    if table.as_ref().and_then(dynamodb::consistency) == Some("STRONG") {
        let b = session_block(&mut v);
        CONSISTENCY.put(b, "STRONG");
        if replica_of.is_some() {
            let witness = table.as_ref().and_then(dynamodb::witness).map(|(r, _)| r);
            WITNESS_REGION.put(b, witness);
        }
    }
    if let Some(primary) = &replica_of {
        REPLICA_OF.put(&mut v, primary.to_string());
        if let Some(p) = purposes.first() {
            let ours = id.naming.bucket(p, &id.region);
            let theirs = id.naming.bucket(p, &primary.region);
            let back = id.naming.replication_rule(&primary.region);
            let our_cfg = s3::replication(&here.s3, &ours).await?;
            BIDIRECTIONAL.put(&mut v, s3::has_rule(our_cfg.as_ref(), &back, &theirs, true));
        }
    }
    let Some(stack) = Stack::from_value(&v) else {
        return Ok(None);
    };
    Ok(observe(cfg, &stack)
        .await?
        .map(|seen| seen.into_state(&v, &stack)))
}
