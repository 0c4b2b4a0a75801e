//! Create, update and delete as ordered, idempotent steps (see `crate::steps`). Create and update
//! share one "converge" plan: every step ensures its piece exists as configured, so the same walk
//! adopts what a crashed run left behind and repairs drift.

use std::time::Duration;

use futures::FutureExt;

use super::names::{back_rule, forward_rule, REPLICA_OF_TAG};
use super::schema::{
    BUCKETS, CONSISTENCY, FORCE_DESTROY, HASH_KEY, REPLICATION_ROLE_ARN, REPLICA_OF, SESSION_TABLE,
};
use super::{Consistency, Replica, Stack};
use crate::aws::clients::RegionClients;
use crate::aws::errors::shown;
use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::{dynamodb, s3};
use crate::framework::Diagnostics;
use crate::ownership::{self, Anchor, Marker};
use crate::provider::Configured;
use crate::resources::spelled;
use crate::steps::{self, Failure, Step};
use crate::tags::{self, Tags};
use crate::waiter::{self, Backoff, Poll, WaitError};

type StepList<'a> = Vec<Step<'a, Failure>>;

fn stack_tags(cfg: &Configured, stack: &Stack) -> Tags {
    let mut t = tags::standard(
        &cfg.config.default_tags,
        &stack.id.naming.suffix,
        &stack.id.region,
    );
    if let Some(r) = &stack.replica {
        let primary = super::StackId {
            naming: stack.id.naming.clone(),
            region: r.primary_region.clone(),
        };
        t.insert(REPLICA_OF_TAG.into(), primary.to_string());
    }
    t.insert(spelled::TAG.into(), stack.spelled.clone());
    t
}

async fn run(steps: StepList<'_>, what: &str, stack: &Stack, diags: &mut Diagnostics) {
    steps::run_reporting(steps, format!("{what} regional stack {}", stack.id), diags).await;
}

/// Replication calls fail on the role more than on anything else.
fn on_role(e: AwsError) -> Failure {
    let kind = e.kind;
    let f = Failure::from(e);
    match kind {
        ErrorKind::AccessDenied | ErrorKind::InvalidInput => f.about(REPLICATION_ROLE_ARN.path()),
        _ => f,
    }
}

/// Brings AWS to `stack`; `before` is the prior configuration on update (buckets it had and
/// `stack` has not are removed). On create, `marker` goes on the anchor: the table, or for a
/// secondary its replica (see `crate::ownership`).
pub async fn converge(
    cfg: &Configured,
    stack: &Stack,
    before: Option<&Stack>,
    marker: Option<&Marker>,
    timeout: Duration,
    diags: &mut Diagnostics,
) {
    let here = cfg.region(&stack.id.region);
    let want_tags = stack_tags(cfg, stack);
    let mut anchor_tags = want_tags.clone();
    anchor_tags.extend(marker.map(Marker::tags).unwrap_or_default());
    let primary = stack
        .replica
        .as_ref()
        .map(|r| cfg.region(&r.primary_region));

    let mut list = bucket_steps(&here, stack, &want_tags);
    match (&stack.replica, &primary) {
        (None, _) | (_, None) => {
            list.push(table_step(&here, stack, &want_tags, &anchor_tags, timeout))
        }
        (Some(r), Some(primary)) => {
            list.push(replica_step(
                &here,
                primary,
                stack,
                r,
                &anchor_tags,
                timeout,
            ));
            list.extend(replication_steps(&here, primary, stack, r));
        }
    }
    if let Some(before) = before {
        for p in before.buckets.iter().filter(|p| !stack.buckets.contains(p)) {
            list.extend(bucket_removal(cfg, before, p));
        }
    }
    run(
        list,
        if before.is_some() { "update" } else { "create" },
        stack,
        diags,
    )
    .await;
}

/// One step per bucket: made (or adopted) and configured.
fn bucket_steps<'a>(
    here: &'a RegionClients,
    stack: &'a Stack,
    want_tags: &'a Tags,
) -> StepList<'a> {
    let mut list: StepList = Vec::new();
    for p in &stack.buckets {
        let (c, name, tags, region) = (
            &here.s3,
            stack.bucket(p),
            want_tags,
            stack.id.region.as_str(),
        );
        let days = stack.noncurrent_days;
        list.push(Step::new(format!("bucket {name}"), &[], move || {
            async move {
                s3::create(c, &name, region).await?;
                s3::configure(c, &name, days, tags).await?;
                Ok(())
            }
            .boxed()
        }));
    }
    list
}

/// A primary's session table: made (or adopted) with its key, then its settings.
fn table_step<'a>(
    here: &'a RegionClients,
    stack: &Stack,
    want_tags: &'a Tags,
    anchor_tags: &'a Tags,
    timeout: Duration,
) -> Step<'a, Failure> {
    let (c, table, tags) = (&here.dynamodb, stack.table(), want_tags);
    let key = stack.hash_key.clone();
    let strong = stack.consistency == Consistency::Strong;
    Step::new(format!("table {table}"), &[], move || {
        async move {
            dynamodb::create(c, &table, &key, anchor_tags).await?;
            let t = dynamodb::wait_active(c, &table, timeout).await?;
            if dynamodb::hash_key(&t) != Some(key.as_str()) {
                return Err(Failure::at(
                    HASH_KEY.under(&SESSION_TABLE.path()),
                    format!(
                        "table {table} exists with partition key {}, not {key}",
                        shown(dynamodb::hash_key(&t))
                    ),
                ));
            }
            if strong {
                refuse_what_mrsc_lacks(c, &t, "this stack's").await?;
            }
            ensure_table_settings(c, &t, tags, timeout).await
        }
        .boxed()
    })
}

/// A secondary's replica of the primary's table: the primary's table checked, the replica added
/// and waited for (with its witness when strongly consistent), then its settings.
fn replica_step<'a>(
    here: &'a RegionClients,
    primary: &'a RegionClients,
    stack: &Stack,
    r: &Replica,
    anchor_tags: &'a Tags,
    timeout: Duration,
) -> Step<'a, Failure> {
    let (table, region) = (stack.table(), stack.id.region.clone());
    let (p_db, c, tags, key) = (
        &primary.dynamodb,
        &here.dynamodb,
        anchor_tags,
        stack.hash_key.clone(),
    );
    let primary_region = r.primary_region.clone();
    let (mode, witness) = (stack.consistency, stack.witness.clone());
    Step::new(format!("replica of {table} in {region}"), &[], move || {
        async move {
            let Some(t) = dynamodb::describe(p_db, &table).await? else {
                return Err(Failure::at(REPLICA_OF.path(), format!("the primary's session table {table} does not exist in {primary_region}; apply the primary stack first")));
            };
            if dynamodb::hash_key(&t) != Some(key.as_str()) {
                return Err(Failure::at(
                    HASH_KEY.under(&SESSION_TABLE.path()),
                    format!("the primary's table {table} has partition key {}; a replica must use the same key, not {key}", shown(dynamodb::hash_key(&t))),
                ));
            }
            let joined = dynamodb::replica_status(&t, &region).is_some();
            check_mode(p_db, &t, mode, joined, &primary_region).await?;
            dynamodb::add_replica(p_db, &t, &region, witness.as_deref()).await?;
            wait_replica_active(p_db, &table, &region, mode, timeout).await?;
            let mine = dynamodb::wait_active(c, &table, timeout).await?;
            ensure_table_settings(c, &mine, tags, timeout).await
        }
        .boxed()
    })
}

/// Waits until the primary's table lists the replica in `region` as ACTIVE, and in `Strong`
/// mode its witness too.
async fn wait_replica_active(
    p_db: &aws_sdk_dynamodb::Client,
    table: &str,
    region: &str,
    mode: Consistency,
    timeout: Duration,
) -> Result<(), WaitError> {
    waiter::wait_for(
        &format!("replica of {table} in {region} ACTIVE"),
        timeout,
        Backoff::default(),
        || async {
            let t = dynamodb::describe(p_db, table).await?;
            let status = t.as_ref().and_then(|t| dynamodb::replica_status(t, region));
            let witness = t.as_ref().and_then(dynamodb::witness);
            Ok(match (status.as_deref(), &witness, mode) {
                (Some("ACTIVE"), _, Consistency::Eventual) => Poll::Ready(()),
                (Some("ACTIVE"), Some((_, w)), Consistency::Strong) if w == "ACTIVE" => {
                    Poll::Ready(())
                }
                (other, w, _) => Poll::Pending(format!(
                    "replica {}, witness {}",
                    shown(other),
                    shown(w.as_ref().map(|(r, s)| format!("{r} {s}")))
                )),
            })
        },
    )
    .await
}

/// One step per bucket of a secondary, after the bucket: the rule forward on the primary's twin,
/// and the rule back on ours (put when two-way, removed otherwise).
fn replication_steps<'a>(
    here: &'a RegionClients,
    primary: &'a RegionClients,
    stack: &Stack,
    r: &Replica,
) -> StepList<'a> {
    let mut list: StepList = Vec::new();
    let role = r.role_arn.clone().unwrap_or_default();
    for p in &stack.buckets {
        let (ours, theirs) = (stack.bucket(p), stack.primary_bucket(p).unwrap_or_default());
        let (fwd, back) = (forward_rule(stack), back_rule(stack, r));
        let (p_s3, c, role, two_way) = (&primary.s3, &here.s3, role.clone(), r.two_way);
        let purpose = p.clone();
        list.push(Step::new(format!("replication {theirs} <-> {ours}"), &[&format!("bucket {ours}")], move || {
            async move {
                // A primary bucket that does not exist is S3's NoSuchBucket here (no look first).
                s3::put_rule(p_s3, &theirs, &role, s3::rule(&fwd, &ours, two_way)?).await.map_err(|e| {
                    if e.code == "NoSuchBucket" {
                        Failure::at(BUCKETS.path(), format!("the primary stack has no bucket \"{purpose}\" ({theirs}) to replicate; a secondary's buckets must be a subset of its primary's"))
                    } else {
                        on_role(e)
                    }
                })?;
                if two_way {
                    s3::put_rule(c, &ours, &role, s3::rule(&back, &theirs, true)?).await.map_err(on_role)?;
                } else {
                    s3::remove_rule(c, &ours, &back).await?;
                }
                Ok(())
            }
            .boxed()
        }));
    }
    list
}

/// The primary's table can take this secondary in `mode`: DynamoDB cannot change a global table's
/// mode, and makes only an empty single-region table without TTL or local secondary indexes a
/// strongly consistent one (developer guide, "Multi-Region strong consistency"). Checked before
/// the call, so the diagnostic names the attribute and the way out. `joined`: our replica exists
/// (an interrupted create being continued).
async fn check_mode(
    c: &aws_sdk_dynamodb::Client,
    t: &aws_sdk_dynamodb::types::TableDescription,
    mode: Consistency,
    joined: bool,
    primary_region: &str,
) -> Result<(), Failure> {
    let name = t.table_name().unwrap_or_default();
    let global = !t.replicas().is_empty();
    let theirs = match dynamodb::consistency(t) {
        Some("STRONG") => Some(Consistency::Strong),
        Some(_) => Some(Consistency::Eventual),
        None if global => Some(Consistency::Eventual),
        None => None,
    };
    let at = CONSISTENCY.under(&SESSION_TABLE.path());
    match (theirs, mode) {
        (Some(theirs), mode) if theirs != mode => Err(Failure::at(at, format!("the primary's table {name} in {primary_region} is already a {} global table; DynamoDB cannot change a global table's consistency mode, so this stack cannot join it as {}. Set consistency alike on both stacks; to change the mode, replace both (the primary's table is made again)", theirs.as_str(), mode.as_str()))),
        (Some(Consistency::Strong), _) if !joined => Err(Failure::at(REPLICA_OF.path(), format!("the primary's table {name} in {primary_region} is already a strongly consistent global table with other members ({}); a strongly consistent table's regions are fixed when it is made", t.replicas().iter().filter_map(|r| r.region_name()).collect::<Vec<_>>().join(", ")))),
        (None, Consistency::Strong) => {
            refuse_what_mrsc_lacks(c, t, "the primary's").await?;
            if dynamodb::holds_items(c, name).await? {
                return Err(Failure::at(at, format!("the primary's table {name} in {primary_region} holds items, and DynamoDB makes only an empty table a strongly consistent global table. Replace the primary in the same apply (set consistency = \"STRONG\" on it too: its table and sessions are made again), or keep consistency = \"EVENTUAL\"")));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// TTL and local secondary indexes, which a strongly consistent table does not support: an
/// adopted table may have them.
async fn refuse_what_mrsc_lacks(
    c: &aws_sdk_dynamodb::Client,
    t: &aws_sdk_dynamodb::types::TableDescription,
    whose: &str,
) -> Result<(), Failure> {
    let name = t.table_name().unwrap_or_default();
    let at = CONSISTENCY.under(&SESSION_TABLE.path());
    if !t.local_secondary_indexes().is_empty() {
        return Err(Failure::at(at, format!("{whose} table {name} has local secondary indexes, which multi-Region strong consistency does not support; use consistency = \"EVENTUAL\" or a table without them")));
    }
    if dynamodb::ttl_on(c, name).await? {
        return Err(Failure::at(at, format!("{whose} table {name} has Time to Live enabled, which multi-Region strong consistency does not support; turn TTL off (aws dynamodb update-time-to-live) or use consistency = \"EVENTUAL\"")));
    }
    Ok(())
}

/// PITR on, stream on, tags; on a table that is ACTIVE. Right after a table or replica becomes
/// ACTIVE, DynamoDB may still answer `ContinuousBackupsUnavailableException` ("backups are being
/// enabled"): that passes, so it is waited out.
async fn ensure_table_settings(
    c: &aws_sdk_dynamodb::Client,
    t: &aws_sdk_dynamodb::types::TableDescription,
    tags: &Tags,
    timeout: Duration,
) -> Result<(), Failure> {
    let name = t.table_name().unwrap_or_default();
    if !dynamodb::pitr_enabled(c, name).await? {
        waiter::retry_while(
            &format!("point-in-time recovery on {name}"),
            timeout,
            |e| e.is(ErrorKind::Conflict),
            || dynamodb::enable_pitr(c, name),
        )
        .await?;
    }
    if let Some(arn) = t.table_arn() {
        if !tags::contains_all(&dynamodb::tags(c, arn).await?, tags) {
            dynamodb::tag(c, arn, tags).await?;
        }
    }
    Ok(())
}

/// Unlinks a bucket from its twin, then deletes it.
fn bucket_removal<'a>(cfg: &'a Configured, stack: &'a Stack, purpose: &str) -> StepList<'a> {
    let here = cfg.region(&stack.id.region);
    let ours = stack.bucket(purpose);
    let mut list: StepList = Vec::new();
    let mut after = Vec::new();
    if let Some(r) = &stack.replica {
        let primary = cfg.region(&r.primary_region);
        let theirs = stack.primary_bucket(purpose).unwrap_or_default();
        let (fwd, back) = (forward_rule(stack), back_rule(stack, r));
        let (p_s3, c, o) = (primary.s3.clone(), here.s3.clone(), ours.clone());
        let id = format!("unlink {theirs} <-> {ours}");
        after.push(id.clone());
        list.push(Step::new(id, &[], move || {
            async move {
                s3::remove_rule(&p_s3, &theirs, &fwd).await?;
                s3::remove_rule(&c, &o, &back).await?;
                Ok(())
            }
            .boxed()
        }));
    }
    let (c, force) = (here.s3.clone(), stack.force_destroy);
    let after_refs: Vec<&str> = after.iter().map(String::as_str).collect();
    list.push(Step::new(format!("delete bucket {ours}"), &after_refs, move || {
        async move {
            match s3::delete(&c, &ours, force).await {
                Err(e) if e.code == "BucketNotEmpty" => Err(Failure::at(FORCE_DESTROY.path(), format!("bucket {ours} is not empty and force_destroy is false; empty it or set force_destroy = true"))),
                other => Ok(other?),
            }
        }
        .boxed()
    }));
    list
}

/// The anchor as a create finds it: the table in the stack's region (a secondary's is its
/// replica). A replica not yet ACTIVE, or not yet tagged by trdr, is what an interrupted create
/// leaves: the marker goes on once it is ACTIVE.
pub async fn anchor(cfg: &Configured, stack: &Stack) -> Result<Anchor, AwsError> {
    let c = &cfg.region(&stack.id.region).dynamodb;
    let Some(t) = dynamodb::describe(c, &stack.table()).await? else {
        return Ok(Anchor::Absent);
    };
    let status = t.table_status().map(|s| s.as_str().to_string());
    if status.as_deref() == Some("DELETING") {
        return Ok(Anchor::Absent);
    }
    let Some(arn) = t.table_arn() else {
        return Ok(Anchor::Unfinished);
    };
    if stack.replica.is_some() && status.as_deref() != Some("ACTIVE") {
        return Ok(Anchor::Unfinished);
    }
    // Tags lag their change by a few seconds: wait for trdr's to show before judging.
    let ours = tags::ours();
    let tags = dynamodb::tags_settled(c, arn, &ours).await?;
    if stack.replica.is_some() && !tags.contains_key(tags::MANAGED_BY_KEY) {
        return Ok(Anchor::Unfinished);
    }
    Ok(Anchor::Tagged(tags))
}

/// After an apply that succeeded: the anchor is marked as this state's.
pub async fn mark_complete(cfg: &Configured, stack: &Stack) -> Result<(), AwsError> {
    let c = &cfg.region(&stack.id.region).dynamodb;
    let Some(arn) = dynamodb::describe(c, &stack.table())
        .await?
        .and_then(|t| t.table_arn().map(str::to_string))
    else {
        return Ok(());
    };
    let ours = tags::ours();
    if let Some(m) = ownership::to_complete(&dynamodb::tags_settled(c, &arn, &ours).await?) {
        dynamodb::tag(c, &arn, &m.tags()).await?;
    }
    Ok(())
}

/// A primary whose table still has replicas has a live secondary: deleting it would delete the
/// secondary's replica (and its data) and break its replication behind its back.
async fn refuse_with_live_secondary(
    cfg: &Configured,
    stack: &Stack,
    diags: &mut Diagnostics,
) -> Result<bool, AwsError> {
    let c = &cfg.region(&stack.id.region).dynamodb;
    let table = stack.table();
    let Some(t) = dynamodb::describe(c, &table).await? else {
        return Ok(false);
    };
    let regions: Vec<String> = t
        .replicas()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .filter(|r| *r != stack.id.region)
        .collect();
    let Some(region) = regions.first() else {
        return Ok(false);
    };
    let secondary = super::StackId {
        naming: stack.id.naming.clone(),
        region: region.clone(),
    };
    diags.error(
        None,
        format!("Regional stack {} still has a live secondary", stack.id),
        format!(
            "Its session table {table} replicates to {} (the replica of the secondary stack {secondary}). Destroying or replacing this primary would delete that replica and its data and break the secondary's replication, so nothing was changed.\n\n             - Replace both: terraform apply -replace=<secondary address> -replace=<primary address> (Terraform destroys the secondary first and creates it again after the primary), or destroy the secondary first.\n             - If no configuration manages that secondary any more, remove the replica yourself: aws dynamodb update-table --region {} --table-name {table} --replica-updates 'Delete={{RegionName={region}}}'.",
            regions.join(", "),
            stack.id.region
        ),
    );
    Ok(true)
}

/// Deletes the stack: cross-region links first, then the replica or table, then the buckets. A
/// primary with a live secondary is refused before anything is touched.
pub async fn destroy(cfg: &Configured, stack: &Stack, timeout: Duration, diags: &mut Diagnostics) {
    if stack.replica.is_none() {
        match refuse_with_live_secondary(cfg, stack, diags).await {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => {
                return e.report(
                    diags,
                    None,
                    &format!("read the session table of {}", stack.id),
                )
            }
        }
    }
    let here = cfg.region(&stack.id.region);
    let table = stack.table();
    let mut list: StepList = Vec::new();
    for p in &stack.buckets {
        list.extend(bucket_removal(cfg, stack, p));
    }
    let region = stack.id.region.clone();
    match &stack.replica {
        Some(r) => {
            let primary = cfg.region(&r.primary_region);
            let (p_db, c) = (primary.dynamodb.clone(), here.dynamodb.clone());
            list.push(Step::new(
                format!("remove replica of {table} in {region}"),
                &[],
                move || {
                    async move {
                        dynamodb::remove_replica(&p_db, &table, &region).await?;
                        wait_gone(&p_db, &c, &table, &region, timeout).await?;
                        Ok(())
                    }
                    .boxed()
                },
            ));
        }
        None => {
            let c = here.dynamodb.clone();
            list.push(Step::new(format!("delete table {table}"), &[], move || {
                async move {
                    dynamodb::delete(&c, &table).await?;
                    waiter::wait_until_gone(&format!("table {table} deleted"), timeout, || async {
                        Ok(dynamodb::describe(&c, &table)
                            .await?
                            .map(|t| shown(t.table_status())))
                    })
                    .await?;
                    Ok(())
                }
                .boxed()
            }));
        }
    }
    run(list, "destroy", stack, diags).await;
}

async fn wait_gone(
    primary: &aws_sdk_dynamodb::Client,
    replica: &aws_sdk_dynamodb::Client,
    table: &str,
    region: &str,
    timeout: Duration,
) -> Result<(), WaitError> {
    waiter::wait_for(
        &format!("replica of {table} in {region} removed"),
        timeout,
        Backoff::default(),
        || async {
            let t = dynamodb::describe(primary, table).await?;
            let listed = t.as_ref().and_then(|t| dynamodb::replica_status(t, region));
            let witness = t.as_ref().and_then(dynamodb::witness);
            let exists = dynamodb::describe(replica, table).await?.is_some();
            Ok(match (listed, witness, exists) {
                (None, None, false) => Poll::Ready(()),
                (status, witness, exists) => Poll::Pending(format!(
                    "replica status {}, witness {}, table present: {exists}",
                    shown(status),
                    shown(witness.map(|(r, s)| format!("{r} {s}")))
                )),
            })
        },
    )
    .await
}
