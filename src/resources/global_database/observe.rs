//! Read, drift and import. The writer region comes from RDS: after a failover outside Terraform
//! the state's `writer_region` follows it, so the plan shows the switch back as an in-place change.

use aws_sdk_rds::types::DbCluster;

use super::{Db, DEFAULT_MAX_ACU, DEFAULT_MIN_ACU};
use crate::aws::errors::AwsError;
use crate::aws::{rds, secrets};
use crate::framework::Value;
use crate::naming::Naming;
use crate::provider::Configured;

fn live_instances(list: &[aws_sdk_rds::types::DbInstance]) -> usize {
    list.iter()
        .filter(|i| i.db_instance_status() != Some("deleting"))
        .count()
}

/// `base` (state or plan) updated with what RDS reports; `None` when nothing exists any more.
pub async fn observe(cfg: &Configured, db: &Db, base: &Value) -> Result<Option<Value>, AwsError> {
    let gid = db.global_id();
    let global = rds::global(&cfg.region(&db.primary.region).rds, &gid).await?;
    let mut clusters: Vec<(&str, Option<DbCluster>)> = Vec::new();
    for (which, m) in [("primary", &db.primary), ("secondary", &db.secondary)] {
        clusters.push((
            which,
            rds::cluster(&cfg.region(&m.region).rds, &db.cluster_id(&m.region)).await?,
        ));
    }
    if global.is_none() && clusters.iter().all(|(_, c)| c.is_none()) {
        return Ok(None);
    }

    let mut v = base.clone();
    v.set("id", gid.clone());
    v.set("global_cluster_identifier", gid.clone());
    v.set(
        "arn",
        Value::from(
            global
                .as_ref()
                .and_then(|g| g.global_cluster_arn())
                .map(str::to_string),
        ),
    );
    let secret =
        secrets::describe(&cfg.region(&db.primary.region).secrets, &db.secret_name()).await?;
    v.set(
        "master_user_secret_arn",
        Value::from(secret.as_ref().map(|s| s.arn.clone())),
    );
    if let Some(version) = secret
        .as_ref()
        .and_then(|s| s.tags.get(secrets::VERSION_TAG))
        .and_then(|t| t.parse::<i64>().ok())
    {
        v.set("master_password_version", version);
    }
    let current = global.as_ref().and_then(rds::writer_region);
    v.set("current_writer_region", Value::from(current.clone()));
    if let Some(w) = &current {
        v.set("writer_region", w.clone());
    }

    for (which, cluster) in clusters {
        let m = if which == "primary" {
            &db.primary
        } else {
            &db.secondary
        };
        let rc = cfg.region(&m.region);
        let mut block = base.get(which).clone();
        match cluster {
            None => {
                block.set("status", "missing");
                block.set("instance_count", 0i64);
                for attr in ["cluster_arn", "endpoint", "reader_endpoint"] {
                    block.set(attr, Value::Null);
                }
            }
            Some(c) => {
                let id = c.db_cluster_identifier().unwrap_or_default().to_string();
                let member = global.as_ref().and_then(|g| rds::member_in(g, &m.region));
                block.set("cluster_identifier", id.clone());
                block.set(
                    "cluster_arn",
                    Value::from(c.db_cluster_arn().map(str::to_string)),
                );
                block.set("endpoint", Value::from(c.endpoint().map(str::to_string)));
                block.set(
                    "reader_endpoint",
                    Value::from(c.reader_endpoint().map(str::to_string)),
                );
                block.set(
                    "status",
                    if member.is_some() {
                        c.status().unwrap_or("unknown").to_string()
                    } else {
                        "detached".to_string()
                    },
                );
                block.set(
                    "instance_count",
                    live_instances(&rds::instances(&rc.rds, &id).await?) as i64,
                );
                if !block.get("vpc_security_group_ids").is_null() {
                    let groups: Vec<String> = c
                        .vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                        .collect();
                    block.set("vpc_security_group_ids", Value::string_list(groups));
                }
                // Settings the whole database shares are read from the writer.
                if current.as_deref() == Some(m.region.as_str()) {
                    if let Some(ver) = c.engine_version() {
                        v.set("engine_version", ver.to_string());
                    }
                    if let Some(days) = c.backup_retention_period() {
                        v.set("backup_retention_days", days as i64);
                    }
                    if let (Some(s), Some(Value::List(blocks))) = (
                        c.serverless_v2_scaling_configuration(),
                        v.get_mut("serverless_v2"),
                    ) {
                        if let Some(b) = blocks.first_mut() {
                            b.set("min_capacity", s.min_capacity().unwrap_or(DEFAULT_MIN_ACU));
                            b.set("max_capacity", s.max_capacity().unwrap_or(DEFAULT_MAX_ACU));
                        }
                    }
                }
            }
        }
        v.set(which, block);
    }
    Ok(Some(v))
}

/// Rebuilds the configuration of global cluster `id` (`NAME-global-SUFFIX`) from RDS.
pub async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
    let Some((name, suffix)) = id.split_once("-global-") else {
        return Ok(None);
    };
    let naming = Naming::new(name, suffix);
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
    v.set("name", name);
    v.set("environment_suffix", suffix);
    v.set(
        "engine_version",
        Value::from(wc.engine_version().map(str::to_string)),
    );
    v.set(
        "database_name",
        Value::from(g.database_name().or(wc.database_name()).map(str::to_string)),
    );
    v.set(
        "master_username",
        Value::from(wc.master_username().map(str::to_string)),
    );
    v.set("writer_region", writer_region.clone());
    v.set("storage_encrypted", g.storage_encrypted().unwrap_or(true));
    let mut scaling = Value::object();
    let s = wc.serverless_v2_scaling_configuration();
    scaling.set(
        "min_capacity",
        s.and_then(|s| s.min_capacity()).unwrap_or(DEFAULT_MIN_ACU),
    );
    scaling.set(
        "max_capacity",
        s.and_then(|s| s.max_capacity()).unwrap_or(DEFAULT_MAX_ACU),
    );
    v.set("serverless_v2", Value::List(vec![scaling]));
    for (which, region) in [("primary", &primary), ("secondary", &secondary)] {
        let mut m = Value::object();
        m.set("region", region.clone());
        if let Some(c) =
            rds::cluster(&cfg.region(region).rds, &naming.regional_cluster(region)).await?
        {
            if let Some(sg) = c.db_subnet_group().filter(|s| *s != "default") {
                m.set("db_subnet_group_name", sg.to_string());
            }
            let groups: Vec<String> = c
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect();
            if !groups.is_empty() {
                m.set("vpc_security_group_ids", Value::string_list(groups));
            }
        }
        v.set(which, m);
    }
    let Some(db) = Db::from_value(&v) else {
        return Ok(None);
    };
    observe(cfg, &db, &v).await
}
