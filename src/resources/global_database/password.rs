//! A new master password on the writer: a raised `master_password_version` rotates trdr's
//! secret, a raised `master_password_wo_version` brings one. Each records the version it set
//! last, so an interrupted change is repeated by the next apply.

use std::time::Duration;

use super::schema::{MASTER_PASSWORD_VERSION, MASTER_PASSWORD_WO_VERSION};
use super::{clusters, secret, Db};
use crate::aws::{rds, secrets};
use crate::provider::Configured;
use crate::steps::Failure;
use crate::tags::Tags;

/// Where the version of a brought password (`master_password_wo_version`) that the writer has is
/// recorded: a tag on the global cluster, moved after the password, so an interrupted change is
/// repeated by the next apply.
pub const GIVEN_PASSWORD_TAG: &str = "TrdrPasswordVersion";

/// The writer's password as configured: brought, or trdr's secret rotated.
pub(super) async fn ensure(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    match db.given_password {
        Some(_) => set_given(cfg, db, writer, timeout).await,
        None => rotate(cfg, db, writer, timeout).await,
    }
}

/// A raised `master_password_version`: a new password into the secret, then onto the writer.
/// The version tag moves last, so an interrupted rotation is repeated by the next apply.
async fn rotate(cfg: &Configured, db: &Db, writer: &str, timeout: Duration) -> Result<(), Failure> {
    let c = secret::client(cfg, db);
    let name = db.secret_name();
    let Some(info) = secrets::describe(&c, &name).await? else {
        return Ok(());
    };
    let want = db.master_password_version.to_string();
    if info.tags.get(secrets::VERSION_TAG) == Some(&want) {
        return Ok(());
    }
    tracing::info!(global_cluster = %db.global_id(), version = %want, "rotating the master password");
    let password = secrets::rotate(&c, &name, &db.master_username).await?;
    let attr = MASTER_PASSWORD_VERSION.path();
    clusters::set_master_password(cfg, db, writer, &password, attr, timeout).await?;
    secrets::tag(&c, &info.arn, &secret::tags(cfg, db)).await?;
    Ok(())
}

/// A raised `master_password_wo_version`: the brought password onto the writer, then its
/// version onto the global cluster.
async fn set_given(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let (Some(given), Some(password)) = (&db.given_password, secret::given_value(db).await?) else {
        return Ok(());
    };
    let c = &cfg.region(&db.primary.region).rds;
    let Some(g) = rds::global(c, &db.global_id()).await? else {
        return Ok(());
    };
    let want = given.version.to_string();
    if rds::global_tags(&g).get(GIVEN_PASSWORD_TAG) == Some(&want) {
        return Ok(());
    }
    tracing::info!(global_cluster = %db.global_id(), version = %want, "setting the brought master password");
    let attr = MASTER_PASSWORD_WO_VERSION.path();
    clusters::set_master_password(cfg, db, writer, password, attr, timeout).await?;
    if let Some(arn) = g.global_cluster_arn() {
        rds::tag(
            c,
            arn,
            &Tags::from([(GIVEN_PASSWORD_TAG.to_string(), want)]),
        )
        .await?;
    }
    Ok(())
}
