//! Ordered, idempotent steps for the global database. Create and update share `converge`:
//! global cluster → the writer's cluster (with credentials) → its instances, waited until it is
//! available and listed as writer → the other region's cluster (no credentials) → its instances
//! → engine upgrade (secondary first) → switchover to `writer_region`. Each step looks before it
//! acts, so an interrupted run continues and drift is repaired.

use std::time::Duration;

use futures::FutureExt;

use super::schema::{
    ENGINE_VERSION, MASTER_PASSWORD_VERSION, MASTER_PASSWORD_WO, MASTER_PASSWORD_WO_VERSION,
    MASTER_USERNAME, MAX_RPO_SECONDS, WRITER_REGION,
};
use super::Db;
use crate::aws::errors::shown;
use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::rds::{self, ClusterChange, ClusterSpec, GlobalSpec};
use crate::aws::secrets;
use crate::framework::Diagnostics;
use crate::ownership::{self, Anchor, Marker};
use crate::provider::Configured;
use crate::steps::{self, Failure, Step};
use crate::tags::{self, Tags};
use crate::waiter::{self, typical, Backoff, Poll};

fn tags_for(cfg: &Configured, db: &Db, region: &str) -> Tags {
    tags::standard(&cfg.config.default_tags, &db.naming.suffix, region)
}

/// The secret lives in the primary region; Secrets Manager replicates it to the secondary.
fn secrets_client(cfg: &Configured, db: &Db) -> aws_sdk_secretsmanager::Client {
    cfg.region(&db.primary.region).secrets.clone()
}

fn secret_tags(cfg: &Configured, db: &Db) -> Tags {
    let mut t = tags_for(cfg, db, &db.primary.region);
    t.insert("TrdrGlobalDatabase".into(), db.global_id());
    t.insert(
        secrets::VERSION_TAG.into(),
        db.master_password_version.to_string(),
    );
    t
}

/// trdr's secret with a generated password, replicated to the secondary region. An existing one
/// (an interrupted create) is kept, so the password RDS got stays the password in the secret.
async fn ensure_secret(cfg: &Configured, db: &Db) -> Result<(), Failure> {
    let c = secrets_client(cfg, db);
    let name = db.secret_name();
    let info = match secrets::describe(&c, &name).await? {
        Some(i) if i.deleted => {
            return Err(Failure::at(
                MASTER_USERNAME.path(),
                format!("secret {name} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id {name}) or delete it for good before applying"),
            ))
        }
        Some(i) => i,
        None => {
            if secrets::create(&c, &name, &db.master_username, &secret_tags(cfg, db)).await? {
                // Made just now, so replicated nowhere yet: no second look.
                secrets::replicate(&c, &name, &db.secondary.region).await?;
                return Ok(());
            }
            // Made meanwhile by another run: as it is now.
            secrets::describe(&c, &name).await?.ok_or_else(|| Failure::found(format!("secret {name} is not visible after CreateSecret")))?
        }
    };
    if !info.replica_regions.contains(&db.secondary.region) {
        secrets::replicate(&c, &name, &db.secondary.region).await?;
    }
    Ok(())
}

/// A raised `master_password_version`: a new password into the secret, then onto the writer.
/// The version tag moves last, so an interrupted rotation is repeated by the next apply.
async fn rotate_password(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = secrets_client(cfg, db);
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
    let rc = &cfg.region(writer).rds;
    let id = db.cluster_id(writer);
    when_settled(&format!("set the master password on {id}"), timeout, || {
        rds::set_master_password(rc, &id, &password)
    })
    .await
    .map_err(|f| f.about(MASTER_PASSWORD_VERSION.path()))?;
    wait_cluster(cfg, writer, &id, None, typical::CLUSTER_MODIFY, timeout).await?;
    secrets::tag(&c, &info.arn, &secret_tags(cfg, db)).await?;
    Ok(())
}

/// Where the version of a brought password (`master_password_wo_version`) that the writer has is
/// recorded: a tag on the global cluster, moved after the password, so an interrupted change is
/// repeated by the next apply.
pub const GIVEN_PASSWORD_TAG: &str = "TrdrPasswordVersion";

/// The password of `master_password_wo`, from the apply's working copy of the configuration.
async fn given_value(db: &Db) -> Result<Option<&str>, Failure> {
    match &db.given_password {
        None => Ok(None),
        Some(g) => g.value.as_deref().map(Some).ok_or_else(|| {
            Failure::at(MASTER_PASSWORD_WO.path(), "master_password_wo_version is set but the configuration gives this apply no master_password_wo value")
        }),
    }
}

/// A raised `master_password_wo_version`: the brought password onto the writer, then its
/// version onto the global cluster.
async fn set_given_password(
    cfg: &Configured,
    db: &Db,
    writer: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let (Some(given), Some(password)) = (&db.given_password, given_value(db).await?) else {
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
    let rc = &cfg.region(writer).rds;
    let id = db.cluster_id(writer);
    when_settled(&format!("set the master password on {id}"), timeout, || {
        rds::set_master_password(rc, &id, password)
    })
    .await
    .map_err(|f| f.about(MASTER_PASSWORD_WO_VERSION.path()))?;
    wait_cluster(cfg, writer, &id, None, typical::CLUSTER_MODIFY, timeout).await?;
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

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// Retries `op` while RDS says the object is busy (promoting, modifying, deleting), up to `timeout`.
async fn when_settled<F, Fut>(what: &str, timeout: Duration, op: F) -> Result<(), Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    waiter::retry_while(what, timeout, |e| e.is(ErrorKind::Conflict), op).await?;
    Ok(())
}

/// Waits for cluster `id` to be available (on `version`), paced by how long the transition it
/// is in typically takes.
async fn wait_cluster(
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

/// Creates the regional cluster if missing, otherwise brings its settings in line.
async fn ensure_cluster(
    cfg: &Configured,
    db: &Db,
    region: &str,
    first_writer: bool,
    timeout: Duration,
) -> Result<(), Failure> {
    let c = &cfg.region(region).rds;
    let m = db.member(region);
    let id = db.cluster_id(region);
    // A cluster of this name still being deleted (an earlier destroy) cannot be adopted, and RDS
    // refuses to create its namesake until it is gone.
    waiter::wait_until_gone(
        &format!("earlier cluster {id} deleted"),
        timeout,
        || async {
            Ok(rds::cluster(c, &id)
                .await?
                .filter(|cl| cl.status() == Some("deleting"))
                .map(|_| "deleting".to_string()))
        },
    )
    .await?;
    // trdr's cluster parameter group first, so a new cluster is created with it.
    let group = db.rpo_group(region);
    if let Some(seconds) = db.max_rpo_seconds {
        rds::ensure_rpo_group(
            c,
            &group,
            &db.engine_version,
            seconds,
            &tags_for(cfg, db, region),
        )
        .await
        .map_err(|e| Failure::from(e).about(MAX_RPO_SECONDS.path()))?;
    }
    let wanted_group = db.max_rpo_seconds.map(|_| group.as_str());
    // What the wait below waits through: a create (ours, or an interrupted one continued) or a
    // modification.
    let mut transition = typical::CLUSTER_MODIFY;
    match rds::cluster(c, &id).await? {
        None => {
            transition = typical::CLUSTER_CREATE;
            let password = match (first_writer, given_value(db).await?) {
                (true, Some(given)) => Some(given.to_string()),
                (true, None) => {
                    Some(secrets::password(&secrets_client(cfg, db), &db.secret_name()).await?)
                }
                (false, _) => None,
            };
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
                parameter_group: wanted_group,
                tags: &tags_for(cfg, db, region),
            };
            // No error is classified by its message text: the plan already checked the engine
            // version with RDS, and AWS's message names whatever it refuses.
            rds::create_cluster(c, &spec).await.map_err(Failure::from)?;
        }
        Some(cl) => {
            if cl.status() == Some("creating") {
                transition = typical::CLUSTER_CREATE;
            }
            let scaling = cl.serverless_v2_scaling_configuration();
            let groups: Vec<String> = cl
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect();
            // Attach trdr's group, or go back to the default from it.
            let current = cl.db_cluster_parameter_group();
            let default_group = rds::default_parameter_group(&db.engine_version);
            let group_change = match wanted_group {
                Some(w) if current != Some(w) => Some(w),
                None if current == Some(group.as_str()) => Some(default_group.as_str()),
                _ => None,
            };
            let differs = scaling.and_then(|s| s.min_capacity()) != Some(db.min_capacity)
                || scaling.and_then(|s| s.max_capacity()) != Some(db.max_capacity)
                || cl.backup_retention_period() != Some(db.backup_retention_days)
                || (!m.security_groups.is_empty() && groups != m.security_groups)
                || group_change.is_some();
            if differs {
                let change = ClusterChange {
                    id: &id,
                    min_capacity: db.min_capacity,
                    max_capacity: db.max_capacity,
                    backup_retention_days: db.backup_retention_days,
                    security_groups: Some(&m.security_groups),
                    engine_version: None,
                    parameter_group: group_change,
                };
                when_settled(&format!("modify cluster {id}"), timeout, || {
                    rds::modify_cluster(c, &change)
                })
                .await?;
            }
        }
    }
    wait_cluster(cfg, region, &id, None, transition, timeout).await?;
    if db.max_rpo_seconds.is_none() {
        delete_rpo_group(cfg, db, region, timeout).await?;
    }
    Ok(())
}

/// Deletes trdr's cluster parameter group in `region` when it exists (after the cluster left it).
async fn delete_rpo_group(
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

/// Exactly `instance_count` instances named `CLUSTER-1..N`, all available.
async fn ensure_instances(
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
    // Instances of these names still being deleted cannot be adopted; RDS refuses their
    // namesakes until they are gone.
    waiter::wait_until_gone(
        &format!("earlier instances of {cluster} deleted"),
        timeout,
        || async {
            let deleting: Vec<String> = rds::instances(c, &cluster)
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
    let existing = rds::instances(c, &cluster).await?;
    let tags = tags_for(cfg, db, region);
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
    waiter::wait_for(
        &format!("{} instance(s) of {cluster} available", wanted.len()),
        timeout,
        Backoff::expecting(typical::INSTANCE_CREATE),
        || async {
            let now = rds::instances(c, &cluster).await?;
            let ready = wanted.iter().all(|w| {
                now.iter().any(|i| {
                    i.db_instance_identifier() == Some(w)
                        && i.db_instance_status() == Some("available")
                })
            });
            Ok(if ready && now.len() == wanted.len() {
                Poll::Ready(())
            } else {
                Poll::Pending(
                    now.iter()
                        .map(|i| {
                            format!(
                                "{} {}",
                                shown(i.db_instance_identifier()),
                                shown(i.db_instance_status())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
        },
    )
    .await?;
    Ok(())
}

async fn wait_writer(
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

/// Secondary first, then the writer; a major version goes through the global cluster.
async fn upgrade(
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
    let on_version = |e: AwsError| Failure::from(e).about(ENGINE_VERSION.path());
    if major(&current) != major(&db.engine_version) {
        rds::upgrade_global_major(wc, &db.global_id(), &db.engine_version)
            .await
            .map_err(on_version)?;
    } else {
        for region in [reader, writer] {
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
            let res = when_settled(&format!("upgrade {id}"), timeout, || {
                rds::modify_cluster(c, &change)
            })
            .await;
            res.map_err(|f| f.about(ENGINE_VERSION.path()))?;
            wait_cluster(
                cfg,
                region,
                &id,
                Some(&db.engine_version),
                typical::CLUSTER_UPGRADE,
                timeout,
            )
            .await?;
        }
        return Ok(());
    }
    for region in [reader, writer] {
        wait_cluster(
            cfg,
            region,
            &db.cluster_id(region),
            Some(&db.engine_version),
            typical::CLUSTER_UPGRADE,
            timeout,
        )
        .await?;
    }
    Ok(())
}

async fn switchover(cfg: &Configured, db: &Db, timeout: Duration) -> Result<(), Failure> {
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

/// On create, `marker` goes on the global cluster (see `crate::ownership`).
pub async fn converge(
    cfg: &Configured,
    db: &Db,
    marker: Option<&Marker>,
    timeout: Duration,
    diags: &mut Diagnostics,
) {
    let gid = db.global_id();
    let current = match rds::global(&cfg.region(&db.primary.region).rds, &gid).await {
        Ok(g) => g.and_then(|g| rds::writer_region(&g)),
        Err(e) => return e.report(diags, None, &format!("read global database {gid}")),
    };
    // The cluster that writes now keeps writing until the final switchover step.
    let writer = current.clone().unwrap_or_else(|| db.writer_region.clone());
    let reader = db.other(&writer).region.clone();
    let first = current.is_none();
    let (w, r) = (writer.as_str(), reader.as_str());

    let mut global_tags = tags_for(cfg, db, &db.primary.region);
    global_tags.extend(marker.map(Marker::tags).unwrap_or_default());
    if let Some(given) = &db.given_password {
        // The writer is created with this version's password.
        global_tags.insert(GIVEN_PASSWORD_TAG.into(), given.version.to_string());
    }
    let sc = format!("master secret {}", db.secret_name());
    let (wc, rc, gc, ic, up) = (
        format!("cluster {}", db.cluster_id(w)),
        format!("cluster {}", db.cluster_id(r)),
        format!("global cluster {gid}"),
        format!("instances of {}", db.cluster_id(w)),
        format!("instances of {}", db.cluster_id(r)),
    );
    let list: Vec<Step<'_, Failure>> = vec![
        Step::new(gc.clone(), &[], || {
            async {
                let spec = GlobalSpec {
                    id: &gid,
                    engine_version: &db.engine_version,
                    database_name: db.database_name.as_deref(),
                    storage_encrypted: db.storage_encrypted,
                    tags: &global_tags,
                };
                rds::create_global(&cfg.region(&db.primary.region).rds, &spec)
                    .await
                    .map_err(|e| match e.kind {
                        ErrorKind::InvalidInput => Failure::from(e).about(ENGINE_VERSION.path()),
                        _ => e.into(),
                    })
            }
            .boxed()
        }),
        Step::new(sc.clone(), &[], move || {
            async move {
                match db.given_password {
                    Some(_) => Ok(()),
                    None => ensure_secret(cfg, db).await,
                }
            }
            .boxed()
        }),
        Step::new(wc.clone(), &[&gc, &sc], move || {
            ensure_cluster(cfg, db, w, first, timeout).boxed()
        }),
        Step::new("master password", &[&ic], move || {
            async move {
                match db.given_password {
                    Some(_) => set_given_password(cfg, db, w, timeout).await,
                    None => rotate_password(cfg, db, w, timeout).await,
                }
            }
            .boxed()
        }),
        Step::new(ic.clone(), &[&wc], move || {
            async move {
                ensure_instances(cfg, db, w, timeout).await?;
                wait_writer(cfg, db, w, timeout).await
            }
            .boxed()
        }),
        Step::new(rc.clone(), &[&ic], move || {
            ensure_cluster(cfg, db, r, false, timeout).boxed()
        }),
        Step::new(up.clone(), &[&rc], move || {
            ensure_instances(cfg, db, r, timeout).boxed()
        }),
        Step::new("engine version", &[&ic, &up], move || {
            upgrade(cfg, db, w, r, timeout).boxed()
        }),
        Step::new(
            format!("writer {}", db.writer_region),
            &["engine version", "master password"],
            move || switchover(cfg, db, timeout).boxed(),
        ),
    ];
    steps::run_reporting(list, format!("apply global database {gid}"), diags).await;
}

/// Deletes every instance of the cluster in `region`, waiting until they are gone.
async fn delete_instances(
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

async fn detach(cfg: &Configured, db: &Db, region: &str, timeout: Duration) -> Result<(), Failure> {
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

async fn delete_cluster(
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
    delete_rpo_group(cfg, db, region, timeout).await
}

/// Deletes in reverse: the non-writer member (instances, detach, cluster), then the writer, then
/// the global cluster. Every step checks first, so a destroy interrupted anywhere finishes on the
/// next run.
pub async fn destroy(cfg: &Configured, db: &Db, timeout: Duration, diags: &mut Diagnostics) {
    let gid = db.global_id();
    let writer = match rds::global(&cfg.region(&db.primary.region).rds, &gid).await {
        Ok(g) => g
            .and_then(|g| rds::writer_region(&g))
            .unwrap_or_else(|| db.writer_region.clone()),
        Err(e) => return e.report(diags, None, &format!("read global database {gid}")),
    };
    let reader = db.other(&writer).region.clone();
    let (w, r) = (writer.as_str(), reader.as_str());
    let ids = [
        format!("delete instances in {r}"),
        format!("detach {r}"),
        format!("delete cluster in {r}"),
        format!("delete instances in {w}"),
        format!("detach {w}"),
        format!("delete cluster in {w}"),
    ];
    let list: Vec<Step<'_, Failure>> = vec![
        Step::new(ids[0].clone(), &[], move || {
            delete_instances(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[1].clone(), &[&ids[0]], move || {
            detach(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[2].clone(), &[&ids[1]], move || {
            delete_cluster(cfg, db, r, timeout).boxed()
        }),
        Step::new(ids[3].clone(), &[&ids[2]], move || {
            delete_instances(cfg, db, w, timeout).boxed()
        }),
        Step::new(ids[4].clone(), &[&ids[3]], move || {
            detach(cfg, db, w, timeout).boxed()
        }),
        Step::new(ids[5].clone(), &[&ids[4]], move || {
            delete_cluster(cfg, db, w, timeout).boxed()
        }),
        Step::new(format!("delete global cluster {gid}"), &[&ids[5]], || {
            async {
                let c = &cfg.region(w).rds;
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
            .boxed()
        }),
        Step::new(
            format!("delete master secret {}", db.secret_name()),
            &[&format!("delete global cluster {gid}")],
            move || {
                async move {
                    secrets::delete(&secrets_client(cfg, db), &db.secret_name()).await?;
                    Ok(())
                }
                .boxed()
            },
        ),
    ];
    steps::run_reporting(list, format!("destroy global database {gid}"), diags).await;
}

/// The global cluster as a create finds it: absent (or being deleted), or with its tags.
pub async fn anchor(cfg: &Configured, db: &Db) -> Result<Anchor, AwsError> {
    let c = &cfg.region(&db.primary.region).rds;
    Ok(match rds::global(c, &db.global_id()).await? {
        Some(g) if g.status() != Some("deleting") => Anchor::Tagged(rds::global_tags(&g)),
        _ => Anchor::Absent,
    })
}

/// After an apply that succeeded: the global cluster is marked as this state's.
pub async fn mark_complete(cfg: &Configured, db: &Db) -> Result<(), AwsError> {
    let c = &cfg.region(&db.primary.region).rds;
    let Some(g) = rds::global(c, &db.global_id()).await? else {
        return Ok(());
    };
    if let (Some(m), Some(arn)) = (
        ownership::to_complete(&rds::global_tags(&g)),
        g.global_cluster_arn(),
    ) {
        rds::tag(c, arn, &m.tags()).await?;
    }
    Ok(())
}
