//! The regional clusters, one per member: created in the global cluster (the first writer with
//! the master credentials), brought in line with the configuration, upgraded, given a new master
//! password, and deleted — each change waited for until the cluster is available again.

use std::time::Duration;

use aws_sdk_rds::types::DbCluster;

use super::busy::when_settled;
use super::schema::ENGINE_VERSION;
use super::{parameter_groups, secret, Db};
use crate::aws::errors::{shown, AwsError};
use crate::aws::rds::{self, ClusterChange, ClusterSpec};
use crate::framework::Path;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::waiter::{self, typical, Backoff, Poll};

/// Creates the regional cluster if missing, otherwise brings its settings in line.
pub(super) async fn ensure(
    cfg: &Configured,
    db: &Db,
    region: &str,
    first_writer: bool,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let id = db.cluster_id(region);
    wait_earlier_deleted(c, &id, timeout).await?;
    // trdr's cluster parameter group first, so a new cluster is created with it.
    parameter_groups::ensure(cfg, db, region).await?;
    // What the wait below waits through: a create (ours, or an interrupted one continued) or a
    // modification.
    let transition = match rds::cluster(c, &id).await? {
        None => {
            create(cfg, db, region, first_writer).await?;
            typical::CLUSTER_CREATE
        }
        Some(cl) => {
            update(c, db, region, &cl, timeout).await?;
            match cl.status() {
                Some("creating") => typical::CLUSTER_CREATE,
                _ => typical::CLUSTER_MODIFY,
            }
        }
    };
    wait_available(cfg, region, &id, None, transition, timeout).await?;
    if db.max_rpo_seconds.is_none() {
        parameter_groups::delete(cfg, db, region, timeout).await?;
    }
    Ok(())
}

/// A cluster of this name still being deleted (an earlier destroy) cannot be adopted, and RDS
/// refuses to create its namesake until it is gone.
async fn wait_earlier_deleted(
    c: &aws_sdk_rds::Client,
    id: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    waiter::wait_until_gone(
        &format!("earlier cluster {id} deleted"),
        timeout,
        || async {
            Ok(rds::cluster(c, id)
                .await?
                .filter(|cl| cl.status() == Some("deleting"))
                .map(|_| "deleting".to_string()))
        },
    )
    .await?;
    Ok(())
}

/// Creates the member's cluster in the global cluster; only the first writer gets credentials.
async fn create(
    cfg: &Configured,
    db: &Db,
    region: &str,
    first_writer: bool,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let m = db.member(region);
    let id = db.cluster_id(region);
    let password = secret::initial_password(cfg, db, first_writer).await?;
    let group = db.rpo_group(region);
    let spec = ClusterSpec {
        id: &id,
        global_id: &db.global_id(),
        engine_version: &db.engine_version,
        credentials: password
            .as_deref()
            .map(|p| (db.master_username.as_str(), p)),
        database_name: db.database_name.as_deref(),
        backup_retention_days: db.backup_retention_days,
        storage_encrypted: db.storage_encrypted,
        kms_key_id: m.kms_key_id.as_deref(),
        subnet_group: m.subnet_group.as_deref(),
        security_groups: &m.security_groups,
        min_capacity: db.min_capacity,
        max_capacity: db.max_capacity,
        parameter_group: db.max_rpo_seconds.map(|_| group.as_str()),
        tags: &db.tags(cfg, region),
    };
    // No error is classified by its message text: the plan already checked the engine version
    // with RDS, and AWS's message names whatever it refuses.
    rds::create_cluster(c, &spec).await.map_err(Failure::from)
}

/// Modifies an existing cluster whose capacity, backup retention, security groups or parameter
/// group differ from the configuration.
async fn update(
    c: &aws_sdk_rds::Client,
    db: &Db,
    region: &str,
    cl: &DbCluster,
    timeout: Duration,
) -> Result<(), Failure> {
    let m = db.member(region);
    let id = db.cluster_id(region);
    let scaling = cl.serverless_v2_scaling_configuration();
    let groups: Vec<String> = cl
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
        .collect();
    // Attach trdr's group, or go back to the default from it.
    let group_change = parameter_groups::change(db, region, cl.db_cluster_parameter_group());
    let differs = scaling.and_then(|s| s.min_capacity()) != Some(db.min_capacity)
        || scaling.and_then(|s| s.max_capacity()) != Some(db.max_capacity)
        || cl.backup_retention_period() != Some(db.backup_retention_days)
        || (!m.security_groups.is_empty() && groups != m.security_groups)
        || group_change.is_some();
    if !differs {
        return Ok(());
    }
    let change = ClusterChange {
        id: &id,
        min_capacity: db.min_capacity,
        max_capacity: db.max_capacity,
        backup_retention_days: db.backup_retention_days,
        security_groups: Some(&m.security_groups),
        engine_version: None,
        parameter_group: group_change.as_deref(),
    };
    when_settled(&format!("modify cluster {id}"), timeout, || {
        rds::modify_cluster(c, &change)
    })
    .await
}

/// Waits for cluster `id` to be available (on `version`), paced by how long the transition it
/// is in typically takes.
pub(super) async fn wait_available(
    cfg: &Configured,
    region: &str,
    id: &str,
    version: Option<&str>,
    typical: Duration,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    waiter::wait_for(
        &format!("cluster {id} available"),
        timeout,
        Backoff::expecting(typical),
        || async move {
            Ok(match rds::cluster(c, id).await? {
                Some(cl)
                    if cl.status() == Some("available")
                        && version.is_none_or(|v| cl.engine_version() == Some(v)) =>
                {
                    Poll::Ready(())
                }
                Some(cl) => Poll::Pending(format!(
                    "{}, engine {}",
                    cl.status().unwrap_or("no status"),
                    cl.engine_version().unwrap_or("unknown")
                )),
                None => Poll::Pending("not found".into()),
            })
        },
    )
    .await?;
    Ok(())
}

/// Sets `password` on the writer's cluster and waits for the change; a refusal is about `attr`.
pub(super) async fn set_master_password(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    password: &str,
    attr: Path,
    timeout: Duration,
) -> Result<(), Failure> {
    let rc = &cfg.region(writer).rds;
    let id = db.cluster_id(writer);
    when_settled(&format!("set the master password on {id}"), timeout, || {
        rds::set_master_password(rc, &id, password)
    })
    .await
    .map_err(|f| f.about(attr))?;
    wait_available(cfg, writer, &id, None, typical::CLUSTER_MODIFY, timeout).await
}

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// Secondary first, then the writer; a major version goes through the global cluster.
pub(super) async fn upgrade(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    reader: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let wc = &cfg.region(writer).rds;
    let Some(current) = rds::cluster(wc, &db.cluster_id(writer))
        .await?
        .and_then(|c| c.engine_version().map(str::to_string))
    else {
        return Ok(());
    };
    if current == db.engine_version {
        return Ok(());
    }
    if major(&current) != major(&db.engine_version) {
        let on_version = |e: AwsError| Failure::from(e).about(ENGINE_VERSION.path());
        rds::upgrade_global_major(wc, &db.global_id(), &db.engine_version)
            .await
            .map_err(on_version)?;
        for region in [reader, writer] {
            wait_upgraded(cfg, db, region, timeout).await?;
        }
        return Ok(());
    }
    for region in [reader, writer] {
        upgrade_minor(cfg, db, region, timeout).await?;
        wait_upgraded(cfg, db, region, timeout).await?;
    }
    Ok(())
}

/// A minor version upgrade of the cluster in `region`.
async fn upgrade_minor(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let id = db.cluster_id(region);
    let c = &cfg.region(region).rds;
    let change = ClusterChange {
        id: &id,
        min_capacity: db.min_capacity,
        max_capacity: db.max_capacity,
        backup_retention_days: db.backup_retention_days,
        security_groups: None,
        engine_version: Some(&db.engine_version),
        parameter_group: None,
    };
    when_settled(&format!("upgrade {id}"), timeout, || {
        rds::modify_cluster(c, &change)
    })
    .await
    .map_err(|f| f.about(ENGINE_VERSION.path()))
}

/// Waits until the cluster in `region` is available on the configured version.
async fn wait_upgraded(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    wait_available(
        cfg,
        region,
        &db.cluster_id(region),
        Some(&db.engine_version),
        typical::CLUSTER_UPGRADE,
        timeout,
    )
    .await
}

/// Deletes the cluster in `region` (detached, without instances), waits until it is gone, then
/// deletes trdr's parameter group it left.
pub(super) async fn delete(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let id = db.cluster_id(region);
    when_settled(&format!("delete cluster {id}"), timeout, || {
        rds::delete_cluster(c, &id)
    })
    .await?;
    let paced = Backoff::expecting(typical::CLUSTER_DELETE);
    waiter::wait_until_gone_paced(&format!("cluster {id} deleted"), timeout, paced, || async {
        Ok(rds::cluster(c, &id).await?.map(|cl| shown(cl.status())))
    })
    .await?;
    parameter_groups::delete(cfg, db, region, timeout).await
}

#[cfg(test)]
mod tests {
    use super::major;

    #[test]
    fn the_major_version_is_what_comes_before_the_first_dot() {
        assert_eq!(major("15.10"), "15");
        assert_eq!(major("16"), "16");
        assert_ne!(major("15.10"), major("16.4"));
        assert_eq!(major("15.4"), major("15.10"));
    }
}
