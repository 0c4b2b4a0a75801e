//! The serverless v2 instances of each regional cluster, named `CLUSTER-1..N`: exactly
//! `instance_count` of them made and waited for, or all deleted before their cluster.

use std::time::Duration;

use aws_sdk_rds::types::DbInstance;

use super::busy::when_settled;
use super::Db;
use crate::aws::errors::shown;
use crate::aws::rds;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::waiter::{self, typical, Backoff, Poll};

/// Exactly `instance_count` instances named `CLUSTER-1..N`, all available.
pub(super) async fn ensure(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let cluster = db.cluster_id(region);
    let wanted: Vec<String> = (1..=db.member(region).instance_count)
        .map(|n| db.instance_id(region, n))
        .collect();
    wait_earlier_deleted(c, &cluster, &wanted, timeout).await?;
    let existing = rds::instances(c, &cluster).await?;
    let tags = db.tags(cfg, region);
    for id in &wanted {
        if !existing
            .iter()
            .any(|i| i.db_instance_identifier() == Some(id))
        {
            rds::create_instance(c, id, &cluster, &tags).await?;
        }
    }
    for i in &existing {
        let id = i.db_instance_identifier().unwrap_or_default();
        if !wanted.iter().any(|w| w == id) && i.db_instance_status() != Some("deleting") {
            when_settled(&format!("delete instance {id}"), timeout, || {
                rds::delete_instance(c, id)
            })
            .await?;
        }
    }
    wait_available(c, &cluster, &wanted, timeout).await
}

/// Instances of these names still being deleted cannot be adopted; RDS refuses their namesakes
/// until they are gone.
async fn wait_earlier_deleted(
    c: &aws_sdk_rds::Client,
    cluster: &str,
    wanted: &[String],
    timeout: Duration,
) -> Result<(), Failure> {
    waiter::wait_until_gone(
        &format!("earlier instances of {cluster} deleted"),
        timeout,
        || async {
            let deleting: Vec<String> = rds::instances(c, cluster)
                .await?
                .iter()
                .filter(|i| i.db_instance_status() == Some("deleting"))
                .filter_map(|i| i.db_instance_identifier().map(str::to_string))
                .filter(|i| wanted.contains(i))
                .collect();
            Ok((!deleting.is_empty()).then(|| format!("{} deleting", deleting.join(", "))))
        },
    )
    .await?;
    Ok(())
}

/// Waits until the cluster has exactly the `wanted` instances, all available.
async fn wait_available(
    c: &aws_sdk_rds::Client,
    cluster: &str,
    wanted: &[String],
    timeout: Duration,
) -> Result<(), Failure> {
    waiter::wait_for(
        &format!("{} instance(s) of {cluster} available", wanted.len()),
        timeout,
        Backoff::expecting(typical::INSTANCE_CREATE),
        || async {
            let now = rds::instances(c, cluster).await?;
            let ready = wanted.iter().all(|w| {
                now.iter().any(|i| {
                    i.db_instance_identifier() == Some(w)
                        && i.db_instance_status() == Some("available")
                })
            });
            Ok(if ready && now.len() == wanted.len() {
                Poll::Ready(())
            } else {
                Poll::Pending(statuses(&now))
            })
        },
    )
    .await?;
    Ok(())
}

/// `ID STATUS, …` of the instances, for a wait's progress.
fn statuses(instances: &[DbInstance]) -> String {
    instances
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                shown(i.db_instance_identifier()),
                shown(i.db_instance_status())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deletes every instance of the cluster in `region`, waiting until they are gone.
pub(super) async fn delete_all(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let cluster = db.cluster_id(region);
    for i in rds::instances(c, &cluster).await? {
        let id = i.db_instance_identifier().unwrap_or_default().to_string();
        if i.db_instance_status() != Some("deleting") {
            when_settled(&format!("delete instance {id}"), timeout, || {
                rds::delete_instance(c, &id)
            })
            .await?;
        }
    }
    waiter::wait_for(
        &format!("instances of {cluster} deleted"),
        timeout,
        Backoff::expecting(typical::INSTANCE_DELETE),
        || async {
            let left = rds::instances(c, &cluster).await?.len();
            Ok(if left == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending(format!("{left} left"))
            })
        },
    )
    .await?;
    Ok(())
}
