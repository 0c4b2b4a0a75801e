//! Read, drift and import. The writer region comes from RDS: after a failover outside Terraform
//! the state's `writer_region` follows it, so the plan shows the switch back as an in-place change.

use aws_sdk_rds::types::{DbCluster, GlobalCluster};

use super::schema::*;
use super::{Db, Member};
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
    let mut clusters: Vec<(&BlockAttr, &Member, Option<DbCluster>)> = Vec::new();
    for (which, m) in [(&PRIMARY, &db.primary), (&SECONDARY, &db.secondary)] {
        clusters.push((
            which,
            m,
            rds::cluster(&cfg.region(&m.region).rds, &db.cluster_id(&m.region)).await?,
        ));
    }
    if global.is_none() && clusters.iter().all(|(_, _, c)| c.is_none()) {
        return Ok(None);
    }
    let mut v = base.clone();
    put_global(&mut v, db, global.as_ref());
    put_secret(cfg, &mut v, db).await?;
    let current = global.as_ref().and_then(rds::writer_region);
    put_writer(&mut v, global.as_ref(), current.clone());
    for (which, m, cluster) in clusters {
        let mut block = which.of(base).clone();
        match cluster {
            None => put_missing_member(&mut block),
            Some(c) => {
                let is_member = global
                    .as_ref()
                    .and_then(|g| rds::member_in(g, &m.region))
                    .is_some();
                put_member(cfg, &mut block, m, &c, is_member).await?;
                // Settings the whole database shares are read from the writer.
                if current.as_deref() == Some(m.region.as_str()) {
                    put_writer_settings(cfg, &mut v, db, m, &c).await?;
                }
            }
        }
        which.put(&mut v, block);
    }
    Ok(Some(v))
}

/// The global cluster's identifiers, ARN and writer endpoint.
fn put_global(v: &mut Value, db: &Db, global: Option<&GlobalCluster>) {
    let gid = db.global_id();
    ID.put(v, gid.clone());
    GLOBAL_CLUSTER_IDENTIFIER.put(v, gid);
    ARN.put(
        v,
        Value::from(
            global
                .and_then(|g| g.global_cluster_arn())
                .map(str::to_string),
        ),
    );
    WRITER_ENDPOINT.put(v, global.and_then(|g| g.endpoint()));
}

/// trdr's secret: its ARN, and the password version its tag records.
async fn put_secret(cfg: &Configured, v: &mut Value, db: &Db) -> Result<(), AwsError> {
    let secret =
        secrets::describe(&cfg.region(&db.primary.region).secrets, &db.secret_name()).await?;
    MASTER_USER_SECRET_ARN.put(v, secret.as_ref().map(|s| s.arn.clone()));
    if let Some(version) = secret
        .as_ref()
        .and_then(|s| s.tags.get(secrets::VERSION_TAG))
        .and_then(|t| t.parse::<i64>().ok())
    {
        MASTER_PASSWORD_VERSION.put(v, version);
    }
    Ok(())
}

/// The writer as RDS reports it, and the orchestrator whose automatic failover may move it.
fn put_writer(v: &mut Value, global: Option<&GlobalCluster>, current: Option<String>) {
    CURRENT_WRITER_REGION.put(v, current.clone());
    // `TagList` is optional in the API model: no list reads as no watcher.
    let watched_by = global.and_then(|g| rds::global_tags(g).get(AUTOMATIC_FAILOVER_TAG).cloned());
    // Without automatic failover the state reports the writer as `writer_region` (so a plan
    // shows an out-of-band failover as a change); with it, the configured preference stays.
    if let Some(w) = &current {
        if watched_by.is_none() || WRITER_REGION.raw(v).is_null() {
            WRITER_REGION.put(v, w.clone());
        }
    }
    AUTOMATIC_FAILOVER_BY.put(v, watched_by);
}

/// A member whose cluster is gone.
fn put_missing_member(block: &mut Value) {
    STATUS.put(block, "missing");
    INSTANCE_COUNT.put(block, 0i64);
    for attr in MEMBER_COMPUTED {
        attr.put(block, Value::Null);
    }
}

/// A member's cluster: its identifiers, endpoints, status (`detached` when the global cluster
/// does not list it), live instances and security groups.
async fn put_member(
    cfg: &Configured,
    block: &mut Value,
    m: &Member,
    c: &DbCluster,
    is_member: bool,
) -> Result<(), AwsError> {
    let rc = cfg.region(&m.region);
    let id = c.db_cluster_identifier().unwrap_or_default().to_string();
    CLUSTER_IDENTIFIER.put(block, id.clone());
    CLUSTER_ARN.put(block, c.db_cluster_arn());
    ENDPOINT.put(block, c.endpoint());
    READER_ENDPOINT.put(block, c.reader_endpoint());
    STATUS.put(
        block,
        if is_member {
            c.status().unwrap_or("unknown").to_string()
        } else {
            "detached".to_string()
        },
    );
    INSTANCE_COUNT.put(
        block,
        live_instances(&rds::instances(&rc.rds, &id).await?) as i64,
    );
    if !VPC_SECURITY_GROUP_IDS.raw(block).is_null() {
        VPC_SECURITY_GROUP_IDS.put(block, Value::string_list(security_groups(c)));
    }
    Ok(())
}

/// The settings the whole database shares, from the writer's cluster `c`: engine version,
/// backup retention, RPO and capacity.
async fn put_writer_settings(
    cfg: &Configured,
    v: &mut Value,
    db: &Db,
    m: &Member,
    c: &DbCluster,
) -> Result<(), AwsError> {
    if let Some(ver) = c.engine_version() {
        ENGINE_VERSION.put(v, ver);
    }
    if let Some(days) = c.backup_retention_period() {
        BACKUP_RETENTION_DAYS.put(v, days as i64);
    }
    // trdr's group on the writer holds the RPO; any other group: none set.
    let rpo = match c.db_cluster_parameter_group() {
        Some(g) if g == db.rpo_group(&m.region) => {
            rds::rpo_seconds(&cfg.region(&m.region).rds, g).await?
        }
        _ => None,
    };
    MAX_RPO_SECONDS.put(v, rpo);
    if let (Some(s), Some(Value::List(blocks))) = (
        c.serverless_v2_scaling_configuration(),
        v.get_mut(SERVERLESS_V2.name),
    ) {
        if let Some(b) = blocks.first_mut() {
            MIN_CAPACITY.put(b, s.min_capacity().or(MIN_CAPACITY.default_value()));
            MAX_CAPACITY.put(b, s.max_capacity().or(MAX_CAPACITY.default_value()));
        }
    }
    Ok(())
}

/// The ids of the cluster's VPC security groups.
fn security_groups(c: &DbCluster) -> Vec<String> {
    c.vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
        .collect()
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
    let id = &naming.global_cluster();
    let Some(g) = rds::global(&cfg.region(&cfg.config.primary_region).rds, id).await? else {
        return Ok(None);
    };
    let (primary, secondary, writer_region) = member_regions(cfg, &g);
    let Some(wc) = rds::cluster(
        &cfg.region(&writer_region).rds,
        &naming.regional_cluster(&writer_region),
    )
    .await?
    else {
        return Ok(None);
    };
    let mut v = Value::object();
    put_database(&mut v, naming, &g, &wc, &writer_region);
    crate::resources::spelled::restore(&super::schema().block, &rds::global_tags(&g), &mut v);
    for (which, region) in [(&PRIMARY, &primary), (&SECONDARY, &secondary)] {
        let c = rds::cluster(&cfg.region(region).rds, &naming.regional_cluster(region)).await?;
        which.put(&mut v, member_configuration(region, c.as_ref()));
    }
    let Some(db) = Db::from_value(&v) else {
        return Ok(None);
    };
    observe(cfg, &db, &v).await
}

/// The primary, secondary and writer regions of a found global cluster: the provider's primary
/// region when it holds a member (else the writer's), the other member's region (else the
/// provider's secondary), and the writer (else the primary).
fn member_regions(cfg: &Configured, g: &GlobalCluster) -> (String, String, String) {
    let regions: Vec<String> = g
        .global_cluster_members()
        .iter()
        .filter_map(|m| {
            m.db_cluster_arn()
                .and_then(rds::arn_region)
                .map(str::to_string)
        })
        .collect();
    let writer = rds::writer_region(g);
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
    let writer_region = writer.unwrap_or_else(|| primary.clone());
    (primary, secondary, writer_region)
}

/// The database-wide configuration, from the global cluster and the writer's cluster `wc`.
fn put_database(v: &mut Value, naming: &Naming, g: &GlobalCluster, wc: &DbCluster, writer: &str) {
    NAME.put(v, naming.name.as_str());
    ENVIRONMENT_SUFFIX.put(v, naming.suffix.as_str());
    ENGINE_VERSION.put(v, wc.engine_version());
    // RDS may answer an empty DatabaseName for a cluster made without one: that is none.
    let database_name = [g.database_name(), wc.database_name()]
        .into_iter()
        .flatten()
        .find(|n| !n.is_empty());
    DATABASE_NAME.put(v, database_name);
    MASTER_USERNAME.put(v, wc.master_username());
    WRITER_REGION.put(v, writer.to_string());
    STORAGE_ENCRYPTED.put(v, g.storage_encrypted().unwrap_or(true));
    if let Some(scaling) = scaling_configuration(wc) {
        SERVERLESS_V2.put(v, scaling);
    }
}

/// The `serverless_v2` block of the writer's capacity; `None` at the defaults. The block with
/// the defaults means what no block means; an import (or a query's generated configuration)
/// writes it only when the capacity differs, so a configuration without it plans no change.
fn scaling_configuration(wc: &DbCluster) -> Option<Value> {
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
    let defaults = MIN_CAPACITY.raw(&scaling).as_f64() == MIN_CAPACITY.default_value()
        && MAX_CAPACITY.raw(&scaling).as_f64() == MAX_CAPACITY.default_value();
    (!defaults).then_some(scaling)
}

/// A member block: its region, and from its cluster (when found) a subnet group other than the
/// default and its security groups.
fn member_configuration(region: &str, c: Option<&DbCluster>) -> Value {
    let mut m = Value::object();
    REGION.put(&mut m, region.to_string());
    if let Some(c) = c {
        if let Some(sg) = c.db_subnet_group().filter(|s| *s != "default") {
            DB_SUBNET_GROUP_NAME.put(&mut m, sg);
        }
        let groups = security_groups(c);
        if !groups.is_empty() {
            VPC_SECURITY_GROUP_IDS.put(&mut m, Value::string_list(groups));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::ServerlessV2ScalingConfigurationInfo;

    fn cluster(min: f64, max: f64) -> DbCluster {
        DbCluster::builder()
            .serverless_v2_scaling_configuration(
                ServerlessV2ScalingConfigurationInfo::builder()
                    .min_capacity(min)
                    .max_capacity(max)
                    .build(),
            )
            .build()
    }

    #[test]
    fn an_import_writes_serverless_v2_only_when_the_capacity_is_not_the_default() {
        assert_eq!(scaling_configuration(&cluster(0.5, 16.0)), None);
        assert_eq!(scaling_configuration(&DbCluster::builder().build()), None);
        let block = scaling_configuration(&cluster(0.0, 64.0)).expect("a block");
        assert_eq!(MIN_CAPACITY.get(&block), Some(0.0));
        assert_eq!(MAX_CAPACITY.get(&block), Some(64.0));
    }
}
