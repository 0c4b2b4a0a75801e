//! Read and drift detection: what the stack looks like in AWS now, and every way it departs from
//! what trdr keeps it at. Departures become the `drift` list, which the plan then repairs.

use futures::future::try_join_all;

use super::names::{back_rule, forward_rule};
use super::schema::*;
use super::{Consistency, Replica, Stack};
use crate::aws::clients::RegionClients;
use crate::aws::errors::AwsError;
use crate::aws::{dynamodb, s3};
use crate::framework::Value;
use crate::provider::Configured;
use crate::tags;

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
pub(super) fn session_block(v: &mut Value) -> &mut Value {
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
        let strong_secondary = stack.replica.is_some() && stack.consistency == Consistency::Strong;
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

/// `None` when nothing of the stack exists any more.
pub async fn observe(cfg: &Configured, stack: &Stack) -> Result<Option<Seen>, AwsError> {
    let here = cfg.region(&stack.id.region);
    let want_tags = tags::standard(
        &cfg.config.default_tags,
        &stack.id.naming.suffix,
        &stack.id.region,
    );
    let mut drift = Vec::new();
    let buckets = observe_buckets(&here, stack, &want_tags, &mut drift).await?;
    let mut seen = Seen {
        drift: Vec::new(),
        table_arn: None,
        stream_arn: None,
        replica_status: None,
        noncurrent_days: buckets.noncurrent_days,
        role_arn: None,
        missing_buckets: buckets.missing,
        hash_key: None,
        consistency: None,
        witness: None,
    };
    let table_exists = observe_table(&here, stack, &want_tags, &mut seen, &mut drift).await?;
    if let Some(r) = &stack.replica {
        let primary = cfg.region(&r.primary_region);
        observe_replica(&primary, stack, r, &mut seen, &mut drift).await?;
        observe_replication(&here, &primary, stack, r, &mut seen, &mut drift).await?;
    }
    if !buckets.anything && !table_exists {
        return Ok(None);
    }
    seen.drift = drift;
    Ok(Some(seen))
}

/// What the stack's buckets show, besides their drift.
struct BucketsSeen {
    /// At least one bucket exists.
    anything: bool,
    /// The noncurrent-version expiration to report: one that departs from the configuration.
    noncurrent_days: Option<i32>,
    /// Purposes whose bucket does not exist.
    missing: Vec<String>,
}

/// Each bucket's settings (looked at in parallel), its departures added to `drift`.
async fn observe_buckets(
    here: &RegionClients,
    stack: &Stack,
    want_tags: &tags::Tags,
    drift: &mut Vec<String>,
) -> Result<BucketsSeen, AwsError> {
    let mut seen = BucketsSeen {
        anything: false,
        noncurrent_days: None,
        missing: Vec::new(),
    };
    let facts = try_join_all(stack.buckets.iter().map(|p| {
        let name = stack.bucket(p);
        let c = &here.s3;
        async move { s3::inspect(c, &name).await.map(|f| (p, name, f)) }
    }))
    .await?;
    for (purpose, name, f) in facts {
        let Some(f) = f else {
            seen.missing.push(purpose.clone());
            continue;
        };
        seen.anything = true;
        bucket_drift(&name, &f, drift);
        match f.noncurrent_days {
            // Report a bucket that departs from the configuration, so the plan shows the change.
            Some(d) if seen.noncurrent_days.is_none() || d != stack.noncurrent_days => {
                seen.noncurrent_days = Some(d)
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
        if !tags::contains_all(&f.tags, want_tags) {
            drift.push(format!("bucket {name}: tags differ from {want_tags:?}"));
        }
    }
    Ok(seen)
}

/// A bucket's versioning, encryption and public access block, as trdr keeps them.
fn bucket_drift(name: &str, f: &s3::BucketFacts, drift: &mut Vec<String>) {
    if !f.versioning_enabled {
        drift.push(format!("bucket {name}: versioning is not enabled"));
    }
    if !f.encrypted {
        drift.push(format!("bucket {name}: default encryption is off"));
    }
    if !f.public_access_blocked {
        drift.push(format!("bucket {name}: public access is not fully blocked"));
    }
}

/// The session table in the stack's region (a secondary's is its replica): its key, mode,
/// witness, stream, point-in-time recovery and tags. `false` when it does not exist.
async fn observe_table(
    here: &RegionClients,
    stack: &Stack,
    want_tags: &tags::Tags,
    seen: &mut Seen,
    drift: &mut Vec<String>,
) -> Result<bool, AwsError> {
    let table = stack.table();
    let Some(t) = dynamodb::describe(&here.dynamodb, &table).await? else {
        drift.push(format!(
            "session table {table} is missing in {}",
            stack.id.region
        ));
        return Ok(false);
    };
    seen.hash_key = dynamodb::hash_key(&t).map(str::to_string);
    // The mode and the witness as this region's replica reports them: readable while the other
    // region is down.
    seen.consistency = dynamodb::consistency(&t)
        .map(str::to_string)
        .or_else(|| (!t.replicas().is_empty()).then(|| "EVENTUAL".to_string()));
    seen.witness = dynamodb::witness(&t);
    witness_drift(stack, seen, drift);
    seen.table_arn = t.table_arn().map(str::to_string);
    seen.stream_arn = t.latest_stream_arn().map(str::to_string);
    let streaming = t.stream_specification().is_some_and(|s| {
        s.stream_enabled() && s.stream_view_type().map(|v| v.as_str()) == Some("NEW_AND_OLD_IMAGES")
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
        let tags_now = dynamodb::tags_settled(&here.dynamodb, arn, want_tags).await?;
        if !tags::contains_all(&tags_now, want_tags) {
            drift.push(format!(
                "session table {table} in {}: tags differ",
                stack.id.region
            ));
        }
    }
    Ok(true)
}

/// A strongly consistent secondary's witness: present, and neither failing nor gone.
fn witness_drift(stack: &Stack, seen: &Seen, drift: &mut Vec<String>) {
    let (Some(r), Consistency::Strong) = (&stack.replica, stack.consistency) else {
        return;
    };
    let table = stack.table();
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

/// A secondary's replica as the primary's table lists it.
async fn observe_replica(
    primary: &RegionClients,
    stack: &Stack,
    r: &Replica,
    seen: &mut Seen,
    drift: &mut Vec<String>,
) -> Result<(), AwsError> {
    let table = stack.table();
    let Some(t) = dynamodb::describe(&primary.dynamodb, &table).await? else {
        drift.push(format!(
            "primary session table {table} is missing in {}",
            r.primary_region
        ));
        return Ok(());
    };
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
    Ok(())
}

/// A secondary's replication rules, bucket by bucket: forward from the primary's twin, and back
/// to it exactly when `bidirectional_replication` is set.
async fn observe_replication(
    here: &RegionClients,
    primary: &RegionClients,
    stack: &Stack,
    r: &Replica,
    seen: &mut Seen,
    drift: &mut Vec<String>,
) -> Result<(), AwsError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::Naming;
    use crate::resources::regional_stack::StackId;

    fn strong_secondary() -> Stack {
        Stack {
            id: StackId {
                naming: Naming::new("trading", "dev"),
                region: "us-east-2".into(),
            },
            buckets: Vec::new(),
            hash_key: "sessionId".into(),
            consistency: Consistency::Strong,
            witness: Some("us-west-2".into()),
            noncurrent_days: 30,
            force_destroy: false,
            replica: Some(Replica {
                primary_region: "us-east-1".into(),
                role_arn: None,
                two_way: false,
            }),
            spelled: String::new(),
        }
    }

    fn seen(consistency: Option<&str>, witness: Option<(&str, &str)>) -> Seen {
        Seen {
            drift: Vec::new(),
            table_arn: None,
            stream_arn: None,
            replica_status: None,
            noncurrent_days: None,
            role_arn: None,
            missing_buckets: Vec::new(),
            hash_key: None,
            consistency: consistency.map(str::to_string),
            witness: witness.map(|(r, s)| (r.to_string(), s.to_string())),
        }
    }

    #[test]
    fn a_bucket_reports_each_setting_trdr_keeps_that_is_off() {
        let mut drift = Vec::new();
        bucket_drift("b", &s3::BucketFacts::default(), &mut drift);
        assert_eq!(
            drift,
            [
                "bucket b: versioning is not enabled",
                "bucket b: default encryption is off",
                "bucket b: public access is not fully blocked",
            ]
        );
        let kept = s3::BucketFacts {
            versioning_enabled: true,
            encrypted: true,
            public_access_blocked: true,
            ..Default::default()
        };
        let mut drift = Vec::new();
        bucket_drift("b", &kept, &mut drift);
        assert!(drift.is_empty());
    }

    #[test]
    fn a_strong_secondary_reports_a_missing_or_failing_witness() {
        let stack = strong_secondary();
        let mut drift = Vec::new();
        witness_drift(&stack, &seen(Some("STRONG"), None), &mut drift);
        witness_drift(
            &stack,
            &seen(Some("STRONG"), Some(("us-west-2", "FAILED"))),
            &mut drift,
        );
        assert_eq!(
            drift,
            [
                "session table trading-sessions-dev: the strongly consistent global table of us-east-1 and us-east-2 has no witness",
                "session table trading-sessions-dev: witness in us-west-2 is FAILED",
            ]
        );
        let mut drift = Vec::new();
        for status in ["ACTIVE", "CREATING"] {
            witness_drift(
                &stack,
                &seen(Some("STRONG"), Some(("us-west-2", status))),
                &mut drift,
            );
        }
        let eventual = Stack {
            consistency: Consistency::Eventual,
            ..strong_secondary()
        };
        witness_drift(&eventual, &seen(Some("STRONG"), None), &mut drift);
        assert!(drift.is_empty());
    }
}
