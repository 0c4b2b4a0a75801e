//! The global cluster (`NAME-global-SUFFIX`): created first, in the primary region, with the
//! ownership marker; its members detached one by one and itself deleted last.

use std::time::Duration;

use super::busy::when_settled;
use super::schema::ENGINE_VERSION;
use super::Db;
use crate::aws::errors::{shown, AwsError, ErrorKind};
use crate::aws::rds::{self, GlobalSpec};
use crate::ownership::{self, Anchor};
use crate::provider::Configured;
use crate::resources::spelled;
use crate::steps::Failure;
use crate::tags::Tags;
use crate::waiter::{self, typical, Backoff, Poll};

/// The region RDS lists as writer now; `None` before the global cluster has a writer.
pub(super) async fn writer_region(cfg: &Configured, db: &Db) -> Result<Option<String>, AwsError> {
    let g = rds::global(&cfg.region(&db.primary.region).rds, &db.global_id()).await?;
    Ok(g.and_then(|g| rds::writer_region(&g)))
}

/// The writer once no switchover or failover is under way (waited for, up to `timeout`): a
/// destroy that chose its order from a writer about to change would delete the new writer's
/// instances first and then wait forever to detach it. `None` without a global cluster or writer.
pub(super) async fn settled_writer(
    cfg: &Configured,
    db: &Db,
    timeout: Duration,
) -> Result<Option<String>, Failure> {
    let (c, gid) = (&cfg.region(&db.primary.region).rds, db.global_id());
    let writer = waiter::wait_for(
        &format!("the switchover or failover of {gid} to end"),
        timeout,
        Backoff::expecting(typical::PROMOTION),
        || async {
            Ok(match rds::global(c, &gid).await? {
                Some(g) if rds::failover_pending(&g) => Poll::Pending(format!(
                    "failover state {}",
                    shown(g.failover_state().and_then(|f| f.status()))
                )),
                g => Poll::Ready(g.and_then(|g| rds::writer_region(&g))),
            })
        },
    )
    .await?;
    Ok(writer)
}

/// Creates the global cluster with `tags` (an existing one is adopted by `rds::create_global`).
pub(super) async fn ensure(cfg: &Configured, db: &Db, tags: &Tags) -> Result<(), Failure> {
    let spec = GlobalSpec {
        id: &db.global_id(),
        engine_version: &db.engine_version,
        database_name: db.database_name.as_deref(),
        storage_encrypted: db.storage_encrypted,
        tags,
    };
    rds::create_global(&cfg.region(&db.primary.region).rds, &spec)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::InvalidInput => Failure::from(e).about(ENGINE_VERSION.path()),
            _ => e.into(),
        })
}

/// Removes the cluster in `region` from the global cluster, waiting until it is no member.
pub(super) async fn detach(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let gid = db.global_id();
    let Some(arn) = rds::global(c, &gid)
        .await?
        .and_then(|g| rds::member_in(&g, region))
    else {
        return Ok(());
    };
    when_settled(&format!("detach {region} from {gid}"), timeout, || {
        rds::remove_from_global(c, &gid, &arn)
    })
    .await?;
    waiter::wait_until_gone(
        &format!("{region} detached from {gid}"),
        timeout,
        || async {
            Ok(rds::global(c, &gid)
                .await?
                .and_then(|g| rds::member_in(&g, region))
                .map(|_| "still a member".to_string()))
        },
    )
    .await?;
    Ok(())
}

/// Deletes the global cluster (without members) through `region`, waiting until it is gone.
pub(super) async fn delete(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let gid = db.global_id();
    when_settled(&format!("delete global cluster {gid}"), timeout, || {
        rds::delete_global(c, &gid)
    })
    .await?;
    waiter::wait_until_gone(
        &format!("global cluster {gid} deleted"),
        timeout,
        || async { Ok(rds::global(c, &gid).await?.map(|g| shown(g.status()))) },
    )
    .await?;
    Ok(())
}

/// The global cluster as a create finds it: absent (or being deleted), or with its tags.
pub(super) async fn anchor(cfg: &Configured, db: &Db) -> Result<Anchor, AwsError> {
    let c = &cfg.region(&db.primary.region).rds;
    Ok(match rds::global(c, &db.global_id()).await? {
        Some(g) if g.status() != Some("deleting") => Anchor::Tagged(rds::global_tags(&g)),
        _ => Anchor::Absent,
    })
}

/// After an apply that succeeded: the global cluster is marked as this state's, with the blocks
/// its configuration spelled out.
pub(super) async fn mark_complete(cfg: &Configured, db: &Db) -> Result<(), AwsError> {
    let c = &cfg.region(&db.primary.region).rds;
    let Some(g) = rds::global(c, &db.global_id()).await? else {
        return Ok(());
    };
    let Some(arn) = g.global_cluster_arn() else {
        return Ok(());
    };
    let seen = rds::global_tags(&g);
    let mut want = ownership::to_complete(&seen)
        .map(|m| m.tags())
        .unwrap_or_default();
    if seen.get(spelled::TAG) != Some(&db.spelled) {
        want.insert(spelled::TAG.into(), db.spelled.clone());
    }
    if !want.is_empty() {
        rds::tag(c, arn, &want).await?;
    }
    Ok(())
}
