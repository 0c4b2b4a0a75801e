//! Thin RDS operations for the Aurora global database. Reads return `None` for absent objects;
//! creates adopt what already exists under the same identifier.

use aws_sdk_rds::types::{
    ApplyMethod, DbCluster, DbInstance, Filter, GlobalCluster, Parameter,
    ServerlessV2ScalingConfiguration, Tag,
};
use aws_sdk_rds::Client;

use super::errors::{AwsError, AwsResultExt, ErrorKind, OptionalExt};
use crate::tags::Tags;

pub const ENGINE: &str = "aurora-postgresql";
pub const INSTANCE_CLASS: &str = "db.serverless";

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The region of an RDS ARN (`arn:aws:rds:REGION:ACCOUNT:cluster:ID`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

pub fn arn_resource_id(arn: &str) -> Option<&str> {
    arn.rsplit(':').next()
}

pub async fn global(c: &Client, id: &str) -> Result<Option<GlobalCluster>, AwsError> {
    Ok(c.describe_global_clusters()
        .global_cluster_identifier(id)
        .send()
        .await
        .aws("DescribeGlobalClusters", c)
        .found()?
        .and_then(|o| o.global_clusters.and_then(|mut v| v.pop())))
}

/// Every global cluster the account has, as `DescribeGlobalClusters` lists them without an
/// identifier, page by page (the API reference: `MaxRecords` 20–100, then `Marker`). For
/// `terraform query` only: a plan never lists.
pub async fn globals(c: &Client) -> Result<Vec<GlobalCluster>, AwsError> {
    c.describe_global_clusters()
        .max_records(GLOBALS_PAGE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("DescribeGlobalClusters", c)
}

/// `DescribeGlobalClusters`' largest page.
const GLOBALS_PAGE: i32 = 100;

/// The global cluster's tags, as `DescribeGlobalClusters` lists them.
pub fn global_tags(g: &GlobalCluster) -> Tags {
    g.tag_list()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// Adds or overwrites tags on any RDS resource (`AddTagsToResource`).
pub async fn tag(c: &Client, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    c.add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("AddTagsToResource", c)?;
    Ok(())
}

/// Removes tags by key from any RDS resource (`RemoveTagsFromResource`).
pub async fn untag(c: &Client, arn: &str, keys: &[&str]) -> Result<(), AwsError> {
    c.remove_tags_from_resource()
        .resource_name(arn)
        .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
        .send()
        .await
        .aws("RemoveTagsFromResource", c)?;
    Ok(())
}

/// The writer member's region.
pub fn writer_region(g: &GlobalCluster) -> Option<String> {
    g.global_cluster_members()
        .iter()
        .find(|m| m.is_writer() == Some(true))
        .and_then(|m| m.db_cluster_arn())
        .and_then(arn_region)
        .map(str::to_string)
}

/// The member cluster ARNs, by region.
pub fn member_in(g: &GlobalCluster, region: &str) -> Option<String> {
    g.global_cluster_members()
        .iter()
        .filter_map(|m| m.db_cluster_arn())
        .find(|a| arn_region(a) == Some(region))
        .map(str::to_string)
}

/// A switchover or failover still under way.
pub fn failover_pending(g: &GlobalCluster) -> bool {
    g.failover_state().is_some_and(|f| f.status().is_some())
}

pub struct GlobalSpec<'a> {
    pub id: &'a str,
    pub engine_version: &'a str,
    pub database_name: Option<&'a str>,
    pub storage_encrypted: bool,
    pub tags: &'a Tags,
}

pub async fn create_global(c: &Client, s: &GlobalSpec<'_>) -> Result<(), AwsError> {
    if global(c, s.id).await?.is_some() {
        tracing::info!(global_cluster = s.id, "adopting existing global cluster");
        return Ok(());
    }
    let res = c
        .create_global_cluster()
        .global_cluster_identifier(s.id)
        .engine(ENGINE)
        .engine_version(s.engine_version)
        .set_database_name(s.database_name.map(str::to_string))
        .storage_encrypted(s.storage_encrypted)
        .deletion_protection(false)
        .set_tags(Some(to_tags(s.tags)))
        .send()
        .await
        .aws("CreateGlobalCluster", c);
    match res {
        Err(e) if e.is(ErrorKind::AlreadyExists) => Ok(()),
        other => other.map(|_| ()),
    }
}

pub async fn cluster(c: &Client, id: &str) -> Result<Option<DbCluster>, AwsError> {
    Ok(c.describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .aws("DescribeDBClusters", c)
        .found()?
        .and_then(|o| o.db_clusters.and_then(|mut v| v.pop())))
}

/// Aurora PostgreSQL's global RPO parameter: commits wait while every secondary lags more than
/// this many seconds behind (20 at least).
pub const RPO_PARAMETER: &str = "rds.global_db_rpo";

/// trdr's RPO cluster parameter group of cluster `cluster_id`: named after it.
pub fn rpo_group(cluster_id: &str) -> String {
    format!("{cluster_id}-rpo")
}

/// The cluster parameter group family of an engine version, e.g. `aurora-postgresql15`.
pub fn family(engine_version: &str) -> String {
    format!(
        "{ENGINE}{}",
        engine_version.split('.').next().unwrap_or(engine_version)
    )
}

/// The family's default cluster parameter group, which a cluster returns to when trdr's is
/// removed.
pub fn default_parameter_group(engine_version: &str) -> String {
    format!("default.{}", family(engine_version))
}

/// Creates cluster parameter group `name` if missing and sets `rds.global_db_rpo` in it (a
/// dynamic parameter: applied at once to the clusters that use the group).
pub async fn ensure_rpo_group(
    c: &Client,
    name: &str,
    engine_version: &str,
    seconds: i64,
    tags: &Tags,
) -> Result<(), AwsError> {
    let created = c
        .create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(name)
        .db_parameter_group_family(family(engine_version))
        .description(RPO_GROUP_DESCRIPTION)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("CreateDBClusterParameterGroup", c);
    match created {
        Err(e) if e.is(ErrorKind::AlreadyExists) => {}
        other => {
            other?;
        }
    }
    if rpo_seconds(c, name).await? == Some(seconds) {
        return Ok(());
    }
    c.modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(name)
        .parameters(
            Parameter::builder()
                .parameter_name(RPO_PARAMETER)
                .parameter_value(seconds.to_string())
                .apply_method(ApplyMethod::Immediate)
                .build(),
        )
        .send()
        .await
        .aws("ModifyDBClusterParameterGroup", c)?;
    Ok(())
}

/// `rds.global_db_rpo` as set in cluster parameter group `name`; `None` when the group or the
/// setting does not exist.
pub async fn rpo_seconds(c: &Client, name: &str) -> Result<Option<i64>, AwsError> {
    let out = c
        .describe_db_cluster_parameters()
        .db_cluster_parameter_group_name(name)
        .source("user")
        .send()
        .await
        .aws("DescribeDBClusterParameters", c)
        .found()?;
    Ok(out.and_then(|o| {
        o.parameters()
            .iter()
            .find(|p| p.parameter_name() == Some(RPO_PARAMETER))
            .and_then(|p| p.parameter_value()?.parse().ok())
    }))
}

const RPO_GROUP_DESCRIPTION: &str = "Aurora global database RPO (managed by trdr)";

/// Whether cluster parameter group `name` exists and is trdr's (by its description), so a group
/// of the same name that a user made is never deleted.
pub async fn trdr_group_exists(c: &Client, name: &str) -> Result<bool, AwsError> {
    let out = c
        .describe_db_cluster_parameter_groups()
        .db_cluster_parameter_group_name(name)
        .send()
        .await
        .aws("DescribeDBClusterParameterGroups", c)
        .found()?;
    Ok(out.is_some_and(|o| {
        o.db_cluster_parameter_groups()
            .iter()
            .any(|g| g.description() == Some(RPO_GROUP_DESCRIPTION))
    }))
}

/// Deletes cluster parameter group `name` (absent is fine). RDS refuses while a cluster uses it.
pub async fn delete_parameter_group(c: &Client, name: &str) -> Result<(), AwsError> {
    c.delete_db_cluster_parameter_group()
        .db_cluster_parameter_group_name(name)
        .send()
        .await
        .aws("DeleteDBClusterParameterGroup", c)
        .found()?;
    Ok(())
}

pub struct ClusterSpec<'a> {
    pub id: &'a str,
    pub global_id: &'a str,
    pub engine_version: &'a str,
    /// Only the first writer gets credentials (user name, password); a secondary inherits them.
    pub credentials: Option<(&'a str, &'a str)>,
    pub database_name: Option<&'a str>,
    pub backup_retention_days: i32,
    pub storage_encrypted: bool,
    pub kms_key_id: Option<&'a str>,
    pub subnet_group: Option<&'a str>,
    pub security_groups: &'a [String],
    pub min_capacity: f64,
    pub max_capacity: f64,
    /// A cluster parameter group of trdr's (with `max_rpo_seconds`); the default otherwise.
    pub parameter_group: Option<&'a str>,
    pub tags: &'a Tags,
}

fn scaling(min: f64, max: f64) -> ServerlessV2ScalingConfiguration {
    ServerlessV2ScalingConfiguration::builder()
        .min_capacity(min)
        .max_capacity(max)
        .build()
}

pub async fn create_cluster(c: &Client, s: &ClusterSpec<'_>) -> Result<(), AwsError> {
    if cluster(c, s.id).await?.is_some() {
        tracing::info!(cluster = s.id, "adopting existing cluster");
        return Ok(());
    }
    let mut req = c
        .create_db_cluster()
        .db_cluster_identifier(s.id)
        .engine(ENGINE)
        .engine_version(s.engine_version)
        .global_cluster_identifier(s.global_id)
        .backup_retention_period(s.backup_retention_days)
        .storage_encrypted(s.storage_encrypted)
        .set_kms_key_id(s.kms_key_id.map(str::to_string))
        .set_db_subnet_group_name(s.subnet_group.map(str::to_string))
        .set_vpc_security_group_ids(
            (!s.security_groups.is_empty()).then(|| s.security_groups.to_vec()),
        )
        .serverless_v2_scaling_configuration(scaling(s.min_capacity, s.max_capacity))
        .deletion_protection(false)
        .set_db_cluster_parameter_group_name(s.parameter_group.map(str::to_string))
        .set_tags(Some(to_tags(s.tags)));
    // RDS-managed passwords (ManageMasterUserPassword) are not supported for global database
    // members; the password comes from trdr's own secret.
    if let Some((user, password)) = s.credentials {
        req = req
            .master_username(user)
            .master_user_password(password)
            .set_database_name(s.database_name.map(str::to_string));
    }
    match req.send().await.aws("CreateDBCluster", c) {
        Err(e) if e.is(ErrorKind::AlreadyExists) => Ok(()),
        other => other.map(|_| ()),
    }
}

pub struct ClusterChange<'a> {
    pub id: &'a str,
    pub min_capacity: f64,
    pub max_capacity: f64,
    pub backup_retention_days: i32,
    pub security_groups: Option<&'a [String]>,
    pub engine_version: Option<&'a str>,
    /// The cluster parameter group to switch to.
    pub parameter_group: Option<&'a str>,
}

pub async fn modify_cluster(c: &Client, m: &ClusterChange<'_>) -> Result<(), AwsError> {
    c.modify_db_cluster()
        .db_cluster_identifier(m.id)
        .serverless_v2_scaling_configuration(scaling(m.min_capacity, m.max_capacity))
        .backup_retention_period(m.backup_retention_days)
        .set_vpc_security_group_ids(
            m.security_groups
                .filter(|g| !g.is_empty())
                .map(|g| g.to_vec()),
        )
        .set_engine_version(m.engine_version.map(str::to_string))
        .set_db_cluster_parameter_group_name(m.parameter_group.map(str::to_string))
        .apply_immediately(true)
        .send()
        .await
        .aws("ModifyDBCluster", c)?;
    Ok(())
}

pub async fn upgrade_global_major(
    c: &Client,
    global_id: &str,
    version: &str,
) -> Result<(), AwsError> {
    c.modify_global_cluster()
        .global_cluster_identifier(global_id)
        .engine_version(version)
        .allow_major_version_upgrade(true)
        .send()
        .await
        .aws("ModifyGlobalCluster", c)?;
    Ok(())
}

pub async fn instances(c: &Client, cluster_id: &str) -> Result<Vec<DbInstance>, AwsError> {
    let out = c
        .describe_db_instances()
        .filters(
            Filter::builder()
                .name("db-cluster-id")
                .values(cluster_id)
                .build(),
        )
        .send()
        .await
        .aws("DescribeDBInstances", c)
        .found()?;
    Ok(out
        .map(|o| o.db_instances.unwrap_or_default())
        .unwrap_or_default())
}

pub async fn create_instance(
    c: &Client,
    id: &str,
    cluster_id: &str,
    tags: &Tags,
) -> Result<(), AwsError> {
    let res = c
        .create_db_instance()
        .db_instance_identifier(id)
        .db_cluster_identifier(cluster_id)
        .engine(ENGINE)
        .db_instance_class(INSTANCE_CLASS)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("CreateDBInstance", c);
    match res {
        Err(e) if e.is(ErrorKind::AlreadyExists) => Ok(()),
        other => other.map(|_| ()),
    }
}

pub async fn delete_instance(c: &Client, id: &str) -> Result<(), AwsError> {
    c.delete_db_instance()
        .db_instance_identifier(id)
        .skip_final_snapshot(true)
        .send()
        .await
        .aws("DeleteDBInstance", c)
        .found()?;
    Ok(())
}

pub async fn switchover(c: &Client, global_id: &str, target_arn: &str) -> Result<(), AwsError> {
    c.switchover_global_cluster()
        .global_cluster_identifier(global_id)
        .target_db_cluster_identifier(target_arn)
        .send()
        .await
        .aws("SwitchoverGlobalCluster", c)?;
    Ok(())
}

pub async fn remove_from_global(
    c: &Client,
    global_id: &str,
    cluster_arn: &str,
) -> Result<(), AwsError> {
    c.remove_from_global_cluster()
        .global_cluster_identifier(global_id)
        .db_cluster_identifier(cluster_arn)
        .send()
        .await
        .aws("RemoveFromGlobalCluster", c)
        .found()?;
    Ok(())
}

pub async fn delete_cluster(c: &Client, id: &str) -> Result<(), AwsError> {
    c.delete_db_cluster()
        .db_cluster_identifier(id)
        .skip_final_snapshot(true)
        .send()
        .await
        .aws("DeleteDBCluster", c)
        .found()?;
    Ok(())
}

pub async fn delete_global(c: &Client, id: &str) -> Result<(), AwsError> {
    c.delete_global_cluster()
        .global_cluster_identifier(id)
        .send()
        .await
        .aws("DeleteGlobalCluster", c)
        .found()?;
    Ok(())
}

/// Whether a version runs Aurora Serverless v2, and within which limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Serverless {
    /// `ServerlessV2FeaturesSupport` (min, max ACU): min 0 means auto-pause is supported; max is
    /// 256 on recent versions, 128 on older ones.
    Limits(f64, f64),
    /// RDS offers `db.serverless` for the version (`DescribeOrderableDBInstanceOptions`) but did
    /// not report its limits: `ServerlessV2FeaturesSupport` is optional in the API model.
    Offered,
    /// RDS offers no `db.serverless` instance for the version: a definite no.
    No,
}

/// What one Aurora PostgreSQL version supports, as `DescribeDBEngineVersions` reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineSupport {
    /// `SupportsGlobalDatabases` (optional in the API model: absent reads as not supported).
    pub global_databases: bool,
    pub serverless_v2: Serverless,
}

/// What RDS says of `version` of Aurora PostgreSQL; `None` when RDS does not list it at all.
/// Without `ServerlessV2FeaturesSupport`, the documented way to ask is whether `db.serverless` is
/// orderable for the version.
pub async fn engine_support(c: &Client, version: &str) -> Result<Option<EngineSupport>, AwsError> {
    let out = c
        .describe_db_engine_versions()
        .engine(ENGINE)
        .engine_version(version)
        .send()
        .await
        .aws("DescribeDBEngineVersions", c)?;
    let Some(v) = out
        .db_engine_versions()
        .iter()
        .find(|v| v.engine_version() == Some(version))
    else {
        return Ok(None);
    };
    let serverless_v2 = match v.serverless_v2_features_support() {
        Some(f) => Serverless::Limits(
            f.min_capacity().unwrap_or(0.5),
            f.max_capacity().unwrap_or(128.0),
        ),
        None if serverless_orderable(c, version).await? => Serverless::Offered,
        None => Serverless::No,
    };
    Ok(Some(EngineSupport {
        global_databases: v.supports_global_databases() == Some(true),
        serverless_v2,
    }))
}

/// Whether RDS offers `db.serverless` instances of `version` (`DescribeOrderableDBInstanceOptions`).
pub async fn serverless_orderable(c: &Client, version: &str) -> Result<bool, AwsError> {
    let out = c
        .describe_orderable_db_instance_options()
        .engine(ENGINE)
        .engine_version(version)
        .db_instance_class("db.serverless")
        .send()
        .await
        .aws("DescribeOrderableDBInstanceOptions", c)?;
    Ok(!out.orderable_db_instance_options().is_empty())
}

/// Sets a new master password on the writer cluster (the secondary follows through replication).
pub async fn set_master_password(c: &Client, id: &str, password: &str) -> Result<(), AwsError> {
    c.modify_db_cluster()
        .db_cluster_identifier(id)
        .master_user_password(password)
        .apply_immediately(true)
        .send()
        .await
        .aws("ModifyDBCluster", c)?;
    Ok(())
}
