//! Which region writes: waiting for a region to be listed as the writer (after the first
//! writer's instances, or a promotion), and the managed switchover to `writer_region`.

use std::time::Duration;

use super::busy::when_settled;
use super::schema::WRITER_REGION;
use super::Db;
use crate::aws::errors::shown;
use crate::aws::rds;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::waiter::{self, typical, Backoff, Poll};

/// Waits until the global cluster lists `region` as its writer, with no failover pending.
pub(super) async fn wait_writer(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let gid = db.global_id();
    waiter::wait_for(
        &format!("{region} listed as writer of {gid}"),
        timeout,
        Backoff::expecting(typical::PROMOTION),
        || async {
            Ok(match rds::global(c, &gid).await? {
                Some(g)
                    if !rds::failover_pending(&g)
                        && rds::writer_region(&g).as_deref() == Some(region) =>
                {
                    Poll::Ready(())
                }
                Some(g) => Poll::Pending(format!(
                    "writer {}, failover state {}",
                    shown(rds::writer_region(&g)),
                    shown(g.failover_state().and_then(|f| f.status()))
                )),
                None => Poll::Pending("global cluster not found".into()),
            })
        },
    )
    .await?;
    Ok(())
}

/// Moves the writer to `writer_region` (SwitchoverGlobalCluster) unless it is there, or the plan
/// kept it where an automatic failover put it; a switchover already under way is waited for.
pub(super) async fn switchover(
    cfg: &Configured,
    db: &Db,
    timeout: Duration,
) -> Result<(), Failure> {
    if db.hold_writer {
        // The plan kept the writer where an automatic failover put it.
        return Ok(());
    }
    let target = &db.writer_region;
    let c = &cfg.region(target).rds;
    let Some(g) = rds::global(c, &db.global_id()).await? else {
        return Ok(());
    };
    if rds::writer_region(&g).as_deref() == Some(target.as_str()) && !rds::failover_pending(&g) {
        return Ok(());
    }
    let arn = rds::member_in(&g, target).ok_or_else(|| {
        Failure::at(
            WRITER_REGION.path(),
            format!("{target} has no member cluster to switch over to"),
        )
    })?;
    if !rds::failover_pending(&g) {
        tracing::info!(global_cluster = %db.global_id(), to = %target, "switchover");
        let gid = db.global_id();
        when_settled(&format!("switchover to {target}"), timeout, || {
            rds::switchover(c, &gid, &arn)
        })
        .await?;
    }
    wait_writer(cfg, db, target, timeout).await
}
