//! trdr's cluster parameter group per member (`NAME-REGION-SUFFIX-rpo`), which holds
//! `rds.global_db_rpo`: made before the cluster that uses it, deleted after the cluster left it.

use std::time::Duration;

use super::busy::when_settled;
use super::schema::MAX_RPO_SECONDS;
use super::Db;
use crate::aws::rds;
use crate::provider::Configured;
use crate::steps::Failure;

/// trdr's group in `region` with `max_rpo_seconds`, when it is set; the group the cluster
/// should then be attached to.
pub(super) async fn ensure(cfg: &Configured, db: &Db, region: &str) -> Result<(), Failure> {
    let Some(seconds) = db.max_rpo_seconds else {
        return Ok(());
    };
    let c = &cfg.region(region).rds;
    rds::ensure_rpo_group(
        c,
        &db.rpo_group(region),
        &db.engine_version,
        seconds,
        &db.tags(cfg, region),
    )
    .await
    .map_err(|e| Failure::from(e).about(MAX_RPO_SECONDS.path()))
}

/// The group a cluster attached to `current` moves to: trdr's, or back to the default from
/// trdr's; `None` when it stays.
pub(super) fn change(db: &Db, region: &str, current: Option<&str>) -> Option<String> {
    let group = db.rpo_group(region);
    match db.max_rpo_seconds {
        Some(_) if current != Some(group.as_str()) => Some(group),
        None if current == Some(group.as_str()) => {
            Some(rds::default_parameter_group(&db.engine_version))
        }
        _ => None,
    }
}

/// Deletes trdr's cluster parameter group in `region` when it exists (after the cluster left it).
pub(super) async fn delete(
    cfg: &Configured,
    db: &Db,
    region: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let group = db.rpo_group(region);
    if rds::trdr_group_exists(c, &group).await? {
        when_settled(&format!("delete parameter group {group}"), timeout, || {
            rds::delete_parameter_group(c, &group)
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::global_database::declarations::sample_db;

    #[test]
    fn an_rpo_attaches_trdrs_group_once() {
        let db = Db {
            max_rpo_seconds: Some(20),
            ..sample_db()
        };
        let ours = db.rpo_group("us-east-1");
        let default = rds::default_parameter_group(&db.engine_version);
        assert_eq!(change(&db, "us-east-1", Some(&default)), Some(ours.clone()));
        assert_eq!(change(&db, "us-east-1", None), Some(ours.clone()));
        assert_eq!(change(&db, "us-east-1", Some(&ours)), None);
    }

    #[test]
    fn no_rpo_moves_back_to_the_default_only_from_trdrs_group() {
        let db = sample_db();
        let ours = db.rpo_group("us-east-1");
        let default = rds::default_parameter_group(&db.engine_version);
        assert_eq!(change(&db, "us-east-1", Some(&ours)), Some(default));
        assert_eq!(change(&db, "us-east-1", Some("someone-elses")), None);
        assert_eq!(change(&db, "us-east-1", None), None);
    }
}
