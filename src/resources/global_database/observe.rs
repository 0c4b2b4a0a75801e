//! Read, drift and import. The writer region comes from RDS: after a failover outside Terraform
//! the state's `writer_region` follows it, so the plan shows the switch back as an in-place change.

use aws_sdk_rds::types::DbCluster;

use super::schema::*;
use super::Db;
use crate::aws::errors::AwsError;
use crate::aws::{rds, secrets};
use crate::framework::BlockAttr;
use crate::framework::Value;
use crate::naming::Naming;
use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
use crate::provider::Configured;
use crate::tags::AUTOMATIC_FAILOVER_TAG;

fn live_instances(list: &[aws_sdk_rds::types::DbInstance]) -> usize {
    list.iter()
        .filter(|i| i.db_instance_status() != Some("deleting"))
        .count()
}

/// `base` (state or plan) updated with what RDS reports; `None` when nothing exists any more.
pub async fn observe(cfg: &Configured, db: &Db, base: &Value) -> Result<Option<Value>, AwsError> {
    let gid = db.global_id();
    let global = rds::global(&cfg.region(&db.primary.region).rds, &gid).await?;
    let mut clusters: Vec<(&BlockAttr, Option<DbCluster>)> = Vec::new();
    for (which, m) in [(&PRIMARY, &db.primary), (&SECONDARY, &db.secondary)] {
        clusters.push((
            which,
            rds::cluster(&cfg.region(&m.region).rds, &db.cluster_id(&m.region)).await?,
        ));
    }
    if global.is_none() && clusters.iter().all(|(_, c)| c.is_none()) {
        return Ok(None);
    }

    let mut v = base.clone();
    ID.put(&mut v, gid.clone());
    GLOBAL_CLUSTER_IDENTIFIER.put(&mut v, gid.clone());
    ARN.put(
        &mut v,
        Value::from(
            global
                .as_ref()
                .and_then(|g| g.global_cluster_arn())
                .map(str::to_string),
        ),
    );
    WRITER_ENDPOINT.put(&mut v, global.as_ref().and_then(|g| g.endpoint()));
    let secret =
        secrets::describe(&cfg.region(&db.primary.region).secrets, &db.secret_name()).await?;
    MASTER_USER_SECRET_ARN.put(&mut v, secret.as_ref().map(|s| s.arn.clone()));
    if let Some(version) = secret
        .as_ref()
        .and_then(|s| s.tags.get(secrets::VERSION_TAG))
        .and_then(|t| t.parse::<i64>().ok())
    {
        MASTER_PASSWORD_VERSION.put(&mut v, version);
    }
    let current = global.as_ref().and_then(rds::writer_region);
    CURRENT_WRITER_REGION.put(&mut v, current.clone());
    // `TagList` is optional in the API model: no list reads as no watcher.
    let watched_by = global
        .as_ref()
        .and_then(|g| rds::global_tags(g).get(AUTOMATIC_FAILOVER_TAG).cloned());
    // Without automatic failover the state reports the writer as `writer_region` (so a plan
    // shows an out-of-band failover as a change); with it, the configured preference stays.
    if let Some(w) = &current {
        if watched_by.is_none() || WRITER_REGION.raw(&v).is_null() {
            WRITER_REGION.put(&mut v, w.clone());
        }
    }
    AUTOMATIC_FAILOVER_BY.put(&mut v, watched_by);

    for (which, cluster) in clusters {
        let m = if which.name == PRIMARY.name {
            &db.primary
        } else {
            &db.secondary
        };
        let rc = cfg.region(&m.region);
        let mut block = which.of(base).clone();
        match cluster {
            None => {
                STATUS.put(&mut block, "missing");
                INSTANCE_COUNT.put(&mut block, 0i64);
                for attr in MEMBER_COMPUTED {
                    attr.put(&mut block, Value::Null);
                }
            }
            Some(c) => {
                let id = c.db_cluster_identifier().unwrap_or_default().to_string();
                let member = global.as_ref().and_then(|g| rds::member_in(g, &m.region));
                CLUSTER_IDENTIFIER.put(&mut block, id.clone());
                CLUSTER_ARN.put(&mut block, c.db_cluster_arn());
                ENDPOINT.put(&mut block, c.endpoint());
                READER_ENDPOINT.put(&mut block, c.reader_endpoint());
                STATUS.put(
                    &mut block,
                    if member.is_some() {
                        c.status().unwrap_or("unknown").to_string()
                    } else {
                        "detached".to_string()
                    },
                );
                INSTANCE_COUNT.put(
                    &mut block,
                    live_instances(&rds::instances(&rc.rds, &id).await?) as i64,
                );
                if !VPC_SECURITY_GROUP_IDS.raw(&block).is_null() {
                    let groups: Vec<String> = c
                        .vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                        .collect();
                    VPC_SECURITY_GROUP_IDS.put(&mut block, Value::string_list(groups));
                }
                // Settings the whole database shares are read from the writer.
                if current.as_deref() == Some(m.region.as_str()) {
                    if let Some(ver) = c.engine_version() {
                        ENGINE_VERSION.put(&mut v, ver);
                    }
                    if let Some(days) = c.backup_retention_period() {
                        BACKUP_RETENTION_DAYS.put(&mut v, days as i64);
                    }
                    // trdr's group on the writer holds the RPO; any other group: none set.
                    let rpo = match c.db_cluster_parameter_group() {
                        Some(g) if g == db.rpo_group(&m.region) => {
                            rds::rpo_seconds(&rc.rds, g).await?
                        }
                        _ => None,
                    };
                    MAX_RPO_SECONDS.put(&mut v, rpo);
                    if let (Some(s), Some(Value::List(blocks))) = (
                        c.serverless_v2_scaling_configuration(),
                        v.get_mut(SERVERLESS_V2.name),
                    ) {
                        if let Some(b) = blocks.first_mut() {
                            MIN_CAPACITY.put(b, s.min_capacity().or(MIN_CAPACITY.default_value()));
                            MAX_CAPACITY.put(b, s.max_capacity().or(MAX_CAPACITY.default_value()));
                        }
                    }
                }
            }
        }
        which.put(&mut v, block);
    }
    Ok(Some(v))
}

/// Rebuilds the configuration of global cluster `id` (`NAME-global-SUFFIX`) from RDS.
pub async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
    match id.split_once("-global-") {
        Some((name, suffix)) => discover_named(cfg, &Naming::new(name, suffix)).await,
        None => Ok(None),
    }
}

/// [`discover`] of the global database `naming` names (an identity's name and suffix, which
/// need no parsing of the identifier).
pub async fn discover_named(cfg: &Configured, naming: &Naming) -> Result<Option<Value>, AwsError> {
    let (name, suffix) = (naming.name.as_str(), naming.suffix.as_str());
    let id = &naming.global_cluster();
    let Some(g) = rds::global(&cfg.region(&cfg.config.primary_region).rds, id).await? else {
        return Ok(None);
    };
    let regions: Vec<String> = g
        .global_cluster_members()
        .iter()
        .filter_map(|m| {
            m.db_cluster_arn()
                .and_then(rds::arn_region)
                .map(str::to_string)
        })
        .collect();
    let writer = rds::writer_region(&g);
    let primary = if regions.contains(&cfg.config.primary_region) {
        cfg.config.primary_region.clone()
    } else {
        writer
            .clone()
            .unwrap_or_else(|| cfg.config.primary_region.clone())
    };
    let secondary = regions
        .iter()
        .find(|r| **r != primary)
        .cloned()
        .unwrap_or_else(|| cfg.config.secondary_region.clone());
    let writer_region = writer.clone().unwrap_or_else(|| primary.clone());
    let Some(wc) = rds::cluster(
        &cfg.region(&writer_region).rds,
        &naming.regional_cluster(&writer_region),
    )
    .await?
    else {
        return Ok(None);
    };

    let mut v = Value::object();
    NAME.put(&mut v, name);
    ENVIRONMENT_SUFFIX.put(&mut v, suffix);
    ENGINE_VERSION.put(&mut v, wc.engine_version());
    // RDS may answer an empty DatabaseName for a cluster made without one: that is none.
    let database_name = [g.database_name(), wc.database_name()]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty());
    DATABASE_NAME.put(&mut v, database_name);
    MASTER_USERNAME.put(&mut v, wc.master_username());
    WRITER_REGION.put(&mut v, writer_region.clone());
    STORAGE_ENCRYPTED.put(&mut v, g.storage_encrypted().unwrap_or(true));
    let mut scaling = Value::object();
    let s = wc.serverless_v2_scaling_configuration();
    MIN_CAPACITY.put(
        &mut scaling,
        s.and_then(|s| s.min_capacity())
            .or(MIN_CAPACITY.default_value()),
    );
    MAX_CAPACITY.put(
        &mut scaling,
        s.and_then(|s| s.max_capacity())
            .or(MAX_CAPACITY.default_value()),
    );
    // The block with the defaults means what no block means; an import (or a query's generated
    // configuration) writes it only when the capacity differs, so a configuration without it plans
    // no change.
    let defaults = MIN_CAPACITY.raw(&scaling).as_f64() == MIN_CAPACITY.default_value()
        && MAX_CAPACITY.raw(&scaling).as_f64() == MAX_CAPACITY.default_value();
    if !defaults {
        SERVERLESS_V2.put(&mut v, scaling);
    }
    for (which, region) in [(&PRIMARY, &primary), (&SECONDARY, &secondary)] {
        let mut m = Value::object();
        REGION.put(&mut m, region.clone());
        if let Some(c) =
            rds::cluster(&cfg.region(region).rds, &naming.regional_cluster(region)).await?
        {
            if let Some(sg) = c.db_subnet_group().filter(|s| *s != "default") {
                DB_SUBNET_GROUP_NAME.put(&mut m, sg);
            }
            let groups: Vec<String> = c
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect();
            if !groups.is_empty() {
                VPC_SECURITY_GROUP_IDS.put(&mut m, Value::string_list(groups));
            }
        }
        which.put(&mut v, m);
    }
    let Some(db) = Db::from_value(&v) else {
        return Ok(None);
    };
    observe(cfg, &db, &v).await
}
