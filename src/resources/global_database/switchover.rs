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
    let gid = db.global_id();
    if !rds::failover_pending(&g) {
        tracing::info!(global_cluster = %gid, to = %target, "switchover");
        when_settled(&format!("switchover to {target}"), timeout, || {
            rds::switchover(c, &gid, &arn)
        })
        .await?;
    }
    let global_arn = g.global_cluster_arn().unwrap_or(gid.as_str()).to_string();
    match wait_writer(cfg, db, target, timeout).await {
        Err(_) if crate::stop::requested() => {
            Err(Failure::found(going_on(&gid, &global_arn, target)))
        }
        waited => waited,
    }
}

/// What an apply stopped while a switchover runs says: the stop ended the wait, not the
/// switchover, which RDS carries on (and cannot cancel); how to follow it; what to do after.
fn going_on(gid: &str, global_arn: &str, target: &str) -> String {
    format!(
        "the switchover of global database {global_arn} to {target} goes on in AWS: Terraform asked the provider to stop, which ends the wait for it, not the switchover (RDS has no way to cancel one). \
         Follow it: aws rds describe-global-clusters --global-cluster-identifier {gid} --region {target} (FailoverState, then the member whose IsWriter is true). \
         Do not start another switchover or failover while it runs; once it has ended, terraform apply converges"
    )
}
