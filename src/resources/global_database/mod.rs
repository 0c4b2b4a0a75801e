//! `trdr_global_database`: an Aurora PostgreSQL global database — the global cluster, one
//! regional cluster in each region, and their serverless v2 instances — in one block.
//!
//! - `mod.rs`: schema, typed model, validation and plan (switchover as a plan, failover drift);
//! - `apply.rs`: ordered create, in-place update, switchover, engine upgrade, reverse delete;
//! - `observe.rs`: read, drift and import.

mod apply;
mod observe;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::rds;
use crate::framework::schema::{NestedBlock, Nesting};
use crate::framework::validate::{is_region, number_in_range, string_matches, whole_number};
use crate::framework::{
    Attribute, Block, Diagnostics, Path, PlanOutcome, ResourceType, Schema, Type, Value,
};
use crate::naming::{self, Naming};
use crate::ownership::{self, Marker};
use crate::provider::ProviderContext;
use crate::timeouts::{self, Operation};
use crate::waiter;

const DEFAULT_TIMEOUTS: [&str; 3] = ["90m", "60m", "60m"];
pub const DEFAULT_MIN_ACU: f64 = 0.5;
pub const DEFAULT_MAX_ACU: f64 = 16.0;
pub const MAX_INSTANCES: f64 = 16.0;

fn default_timeout(op: Operation) -> Duration {
    match op {
        Operation::Create => Duration::from_secs(90 * 60),
        _ => Duration::from_secs(60 * 60),
    }
}

/// One region's member as configured.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub region: String,
    pub subnet_group: Option<String>,
    pub security_groups: Vec<String>,
    pub kms_key_id: Option<String>,
    pub instance_count: u32,
}

impl Member {
    fn from_value(v: &Value) -> Option<Self> {
        Some(Member {
            region: v.get("region").as_str()?.to_string(),
            subnet_group: v.get("db_subnet_group_name").as_str().map(str::to_string),
            security_groups: v
                .get("vpc_security_group_ids")
                .as_list()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            kms_key_id: v.get("kms_key_id").as_str().map(str::to_string),
            instance_count: v.get("instance_count").as_f64().unwrap_or(1.0) as u32,
        })
    }
}

/// The typed model, from a planned or stored state.
#[derive(Clone, Debug, PartialEq)]
pub struct Db {
    pub naming: Naming,
    pub engine_version: String,
    pub database_name: Option<String>,
    pub master_username: String,
    /// Raising it rotates the master password (a new one in the secret, then on the writer).
    pub master_password_version: i64,
    pub writer_region: String,
    pub backup_retention_days: i32,
    pub storage_encrypted: bool,
    pub min_capacity: f64,
    pub max_capacity: f64,
    pub primary: Member,
    pub secondary: Member,
}

impl Db {
    pub fn from_value(v: &Value) -> Option<Self> {
        let scaling = v.get("serverless_v2").first_block();
        let primary = Member::from_value(v.get("primary"))?;
        Some(Db {
            naming: Naming::from_value(v)?,
            engine_version: v.get("engine_version").as_str()?.to_string(),
            database_name: v.get("database_name").as_str().map(str::to_string),
            master_username: v.get("master_username").as_str()?.to_string(),
            master_password_version: v.get("master_password_version").as_f64().unwrap_or(1.0)
                as i64,
            writer_region: v
                .get("writer_region")
                .as_str()
                .unwrap_or(&primary.region)
                .to_string(),
            backup_retention_days: v.get("backup_retention_days").as_f64().unwrap_or(7.0) as i32,
            storage_encrypted: v.get("storage_encrypted").as_bool().unwrap_or(true),
            min_capacity: scaling
                .get("min_capacity")
                .as_f64()
                .unwrap_or(DEFAULT_MIN_ACU),
            max_capacity: scaling
                .get("max_capacity")
                .as_f64()
                .unwrap_or(DEFAULT_MAX_ACU),
            secondary: Member::from_value(v.get("secondary"))?,
            primary,
        })
    }

    pub fn global_id(&self) -> String {
        self.naming.global_cluster()
    }

    pub fn cluster_id(&self, region: &str) -> String {
        self.naming.regional_cluster(region)
    }

    /// trdr's secret with the master credentials; it lives in `primary.region`, replicated to
    /// `secondary.region`.
    pub fn secret_name(&self) -> String {
        self.naming.master_secret()
    }

    pub fn instance_id(&self, region: &str, n: u32) -> String {
        format!("{}-{n}", self.cluster_id(region))
    }

    pub fn member(&self, region: &str) -> &Member {
        if self.secondary.region == region {
            &self.secondary
        } else {
            &self.primary
        }
    }

    /// The member that is not in `region`.
    pub fn other(&self, region: &str) -> &Member {
        if self.primary.region == region {
            &self.secondary
        } else {
            &self.primary
        }
    }
}

fn member_block(which: &str) -> Block {
    Block::new(&format!("The {which} region's cluster and its instances."))
        .attr(Attribute::optional_computed("region", Type::String, &format!("Region of this member (default: the provider's {which}_region).")).replace())
        .attr(Attribute::optional("db_subnet_group_name", Type::String, "DB subnet group of the regional cluster.").replace())
        .attr(Attribute::optional("vpc_security_group_ids", Type::list_of_strings(), "VPC security groups of the regional cluster; changed in place."))
        .attr(Attribute::optional("kms_key_id", Type::String, "KMS key for storage encryption in this region (default: the regional AWS-managed key).").replace())
        .attr(Attribute::with_default("instance_count", Type::Number, 1i64, "Number of `db.serverless` instances (1 to 16); changed in place."))
        .attr(Attribute::computed("cluster_identifier", Type::String, "Regional cluster identifier, `NAME-REGION-SUFFIX`.").stable())
        .attr(Attribute::computed("cluster_arn", Type::String, "ARN of the regional cluster.").stable())
        .attr(Attribute::computed("endpoint", Type::String, "Cluster (writer) endpoint.").stable())
        .attr(Attribute::computed("reader_endpoint", Type::String, "Reader endpoint.").stable())
        .attr(Attribute::computed("status", Type::String, "Cluster status as RDS reports it (`available`, or `missing` when it was deleted outside Terraform)."))
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("An Aurora PostgreSQL global database: the global cluster, one regional cluster in each region, and their serverless v2 instances, created in order (writer first), switched over as a plan, and deleted member by member in reverse. trdr generates the master password into a Secrets Manager secret of its own, replicated to the secondary region (RDS-managed passwords are not supported for global databases); no password ever enters Terraform state, plan output or logs.")
            .attr(Attribute::computed("id", Type::String, "The global cluster identifier.").stable())
            .attr(Attribute::required("name", Type::String, "Purpose of the platform, e.g. `trading`; part of every identifier.").replace())
            .attr(Attribute::required("environment_suffix", Type::String, "Environment, e.g. `dev` or `pr-123`; part of every identifier.").replace())
            .attr(Attribute::required("engine_version", Type::String, "Aurora PostgreSQL version, e.g. `15.10`; it must support global databases. A change upgrades the secondary first, then the writer."))
            .attr(Attribute::optional("database_name", Type::String, "Name of the initial database.").replace())
            .attr(Attribute::required("master_username", Type::String, "Master user name. The password is generated by trdr into the secret `master_user_secret_arn` (JSON `username` / `password`), in the primary region and replicated to the secondary.").replace())
            .attr(Attribute::with_default("master_password_version", Type::Number, 1i64, "Raise it (e.g. 1 → 2) to rotate the master password in place: trdr generates a new password into the secret, then sets it on the writer cluster. Applications read the secret again after a rotation."))
            .attr(Attribute::optional_computed("writer_region", Type::String, "Region whose cluster writes (default: `primary.region`). A change is a managed switchover (`SwitchoverGlobalCluster`, no data loss). After a failover outside Terraform, set it to the new writer region to accept the failover."))
            .attr(Attribute::with_default("backup_retention_days", Type::Number, 7i64, "Days of automated backups (1 to 35)."))
            .attr(Attribute::with_default("storage_encrypted", Type::Bool, true, "Encrypt storage (with each member's `kms_key_id` or the regional AWS-managed key).").replace())
            .attr(Attribute::computed("global_cluster_identifier", Type::String, "Global cluster identifier, `NAME-global-SUFFIX`.").stable())
            .attr(Attribute::computed("arn", Type::String, "ARN of the global cluster.").stable())
            .attr(Attribute::computed("current_writer_region", Type::String, "Region of the writer as RDS reports it. It differs from `writer_region` after a failover outside Terraform."))
            .attr(Attribute::computed("master_user_secret_arn", Type::String, "ARN of trdr's Secrets Manager secret holding the master credentials (`trdr/NAME-global-SUFFIX/master`), in the primary region; a replica of the same name exists in the secondary region.").stable())
            .optional_block(
                "serverless_v2",
                Block::new("Serverless v2 capacity of every instance, in Aurora capacity units (ACU), in steps of 0.5.")
                    .attr(Attribute::with_default("min_capacity", Type::Number, DEFAULT_MIN_ACU, "Minimum ACU (0 to 256, default 0.5)."))
                    .attr(Attribute::with_default("max_capacity", Type::Number, DEFAULT_MAX_ACU, "Maximum ACU (0.5 to 256, default 16).")),
            )
            .block(NestedBlock { name: "primary", nesting: Nesting::Single, block: member_block("primary"), requires_replace: false })
            .block(NestedBlock { name: "secondary", nesting: Nesting::Single, block: member_block("secondary"), requires_replace: false })
            .optional_block("timeouts", timeouts::block(DEFAULT_TIMEOUTS)),
    }
}

/// Validates a reference to a global database (`NAME-global-SUFFIX`, its `id`).
pub fn check_id(diags: &mut Diagnostics, path: &Path, id: &Value) {
    string_matches(
        diags,
        path,
        id,
        "a global cluster identifier (use trdr_global_database.<name>.id)",
        |s| s.contains("-global-"),
    );
}

/// `MAJOR.MINOR` with a major version that has Aurora global databases.
fn engine_version_problem(v: &str) -> Option<String> {
    let mut parts = v.split('.');
    let (Some(major), Some(minor), None) = (parts.next(), parts.next(), parts.next()) else {
        return Some(format!(
            "{v:?} is not an Aurora PostgreSQL version like \"15.10\""
        ));
    };
    let (Ok(major), Ok(_)) = (major.parse::<u32>(), minor.parse::<u32>()) else {
        return Some(format!(
            "{v:?} is not an Aurora PostgreSQL version like \"15.10\""
        ));
    };
    if !(11..=17).contains(&major) {
        return Some(format!("Aurora PostgreSQL {major} has no global database support; use 11 to 17 (e.g. \"15.10\")"));
    }
    None
}

fn identifier_problem(id: &str) -> Option<String> {
    if id.len() > 63 {
        return Some(format!(
            "identifier {id:?} would be {} characters long; RDS allows 63",
            id.len()
        ));
    }
    None
}

/// Checks needing neither AWS nor the provider configuration; unknown values are skipped.
fn check(config: &Value, diags: &mut Diagnostics) {
    naming::check_name_part(
        diags,
        &Path::attr("name"),
        config.get("name"),
        naming::MAX_NAME_LEN,
    );
    naming::check_name_part(
        diags,
        &Path::attr("environment_suffix"),
        config.get("environment_suffix"),
        naming::MAX_SUFFIX_LEN,
    );
    if let Some(v) = config.get("engine_version").as_str() {
        if let Some(p) = engine_version_problem(v) {
            diags.attr_error(&Path::attr("engine_version"), format!("{p}."));
        }
    }
    let sql_ident = |s: &str| {
        (1..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    string_matches(
        diags,
        &Path::attr("database_name"),
        config.get("database_name"),
        "a database name: a letter, then letters, digits or underscores, at most 63",
        sql_ident,
    );
    string_matches(
        diags,
        &Path::attr("master_username"),
        config.get("master_username"),
        "a user name: a letter, then letters, digits or underscores, at most 63",
        sql_ident,
    );
    if config
        .get("master_username")
        .as_str()
        .is_some_and(|u| ["rdsadmin", "postgres", "admin"].contains(&u))
    {
        diags.attr_error(
            &Path::attr("master_username"),
            "is reserved by RDS; choose another master user name.",
        );
    }
    let days = config.get("backup_retention_days");
    whole_number(diags, &Path::attr("backup_retention_days"), days);
    let version = config.get("master_password_version");
    whole_number(diags, &Path::attr("master_password_version"), version);
    number_in_range(
        diags,
        &Path::attr("master_password_version"),
        version,
        1.0,
        1e9,
    );
    number_in_range(diags, &Path::attr("backup_retention_days"), days, 1.0, 35.0);

    let scaling = config.get("serverless_v2").first_block();
    let sp = Path::attr("serverless_v2").index(0);
    for (attr, min) in [("min_capacity", 0.0), ("max_capacity", 0.5)] {
        let v = scaling.get(attr);
        number_in_range(diags, &sp.then(attr), v, min, 256.0);
        if let Some(n) = v.as_f64() {
            if (n * 2.0).fract() != 0.0 {
                diags.attr_error(&sp.then(attr), format!("{n} is not a multiple of 0.5 ACU."));
            }
        }
    }
    if let (Some(min), Some(max)) = (
        scaling
            .get("min_capacity")
            .as_f64()
            .or(Some(DEFAULT_MIN_ACU))
            .filter(|_| !scaling.get("min_capacity").is_unknown()),
        scaling
            .get("max_capacity")
            .as_f64()
            .or(Some(DEFAULT_MAX_ACU))
            .filter(|_| !scaling.get("max_capacity").is_unknown()),
    ) {
        if min > max {
            diags.attr_error(
                &sp.then("min_capacity"),
                format!("min_capacity {min} is greater than max_capacity {max}."),
            );
        }
    }

    for which in ["primary", "secondary"] {
        let m = config.get(which);
        let mp = Path::attr(which);
        string_matches(
            diags,
            &mp.then("region"),
            m.get("region"),
            "an AWS region name such as us-east-1",
            is_region,
        );
        let count = m.get("instance_count");
        whole_number(diags, &mp.then("instance_count"), count);
        number_in_range(diags, &mp.then("instance_count"), count, 1.0, MAX_INSTANCES);
    }
    let (pr, sr) = (
        config.get("primary").get("region").as_str(),
        config.get("secondary").get("region").as_str(),
    );
    if let (Some(p), Some(s)) = (pr, sr) {
        if p == s {
            diags.attr_error(
                &Path::attr("secondary").then("region"),
                format!("secondary.region must differ from primary.region; both are {p:?}."),
            );
        }
    }
    timeouts::validate(diags, config);
}

/// Checks once regions are resolved (the provider's defaults applied).
fn check_resolved(planned: &Value, diags: &mut Diagnostics) {
    let (Some(p), Some(s)) = (
        planned.get("primary").get("region").as_str(),
        planned.get("secondary").get("region").as_str(),
    ) else {
        return;
    };
    if p == s {
        diags.attr_error(&Path::attr("secondary").then("region"), format!("the primary and secondary members are both in {p:?} (after the provider's region defaults); a global database needs two regions."));
    }
    if let Some(w) = planned.get("writer_region").as_str() {
        if w != p && w != s {
            diags.attr_error(
                &Path::attr("writer_region"),
                format!(
                    "{w:?} is neither the primary region {p:?} nor the secondary region {s:?}."
                ),
            );
        }
    }
    if let Some(n) = Naming::from_value(planned) {
        let count = |m: &str| planned.get(m).get("instance_count").as_f64().unwrap_or(1.0) as u32;
        for (which, region) in [("primary", p), ("secondary", s)] {
            let longest = format!("{}-{}", n.regional_cluster(region), count(which));
            if let Some(problem) =
                identifier_problem(&longest).or_else(|| identifier_problem(&n.global_cluster()))
            {
                diags.attr_error(
                    &Path::attr("environment_suffix"),
                    format!("{problem}; shorten name or environment_suffix."),
                );
            }
        }
    }
}

pub struct GlobalDatabase {
    ctx: Arc<ProviderContext>,
    /// DescribeDBEngineVersions answers, so a plan asks once per version.
    engine_support: Mutex<HashMap<String, Option<rds::EngineSupport>>>,
}

impl GlobalDatabase {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        GlobalDatabase {
            ctx,
            engine_support: Mutex::new(HashMap::new()),
        }
    }

    /// What RDS says of the engine version, checked at plan time (cached per version): it exists,
    /// supports global databases and Serverless v2, and allows the configured capacities.
    async fn check_engine(&self, db: &Db, diags: &mut Diagnostics) {
        let (version, region) = (db.engine_version.as_str(), db.primary.region.as_str());
        let cached = self
            .engine_support
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(version)
            .copied();
        let answer = match cached {
            Some(a) => a,
            None => {
                let Some(cfg) = self.ctx.get() else { return };
                match rds::engine_support(&cfg.region(region).rds, version).await {
                    Ok(a) => {
                        self.engine_support
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(version.to_string(), a);
                        a
                    }
                    Err(e) => {
                        // Not a verdict on the version: leave it to the apply, and say so.
                        tracing::warn!(error = %e, engine_version = version, "could not check the engine version at plan time");
                        return diags.warning(
                            Some(Path::attr("engine_version")),
                            "Engine version not checked at plan time",
                            format!("DescribeDBEngineVersions failed ({e}), so whether Aurora PostgreSQL {version} supports global databases and the configured Serverless v2 capacity is checked only when the apply creates the clusters."),
                        );
                    }
                }
            }
        };
        let ev = Path::attr("engine_version");
        let Some(support) = answer else {
            return diags.attr_error(&ev, format!("RDS in {region} does not offer Aurora PostgreSQL {version}; pick a listed version (aws rds describe-db-engine-versions --engine aurora-postgresql)."));
        };
        if !support.global_databases {
            diags.attr_error(
                &ev,
                format!("Aurora PostgreSQL {version} does not support global databases."),
            );
        }
        let Some((min_acu, max_acu)) = support.serverless_v2 else {
            return diags.attr_error(&ev, format!("Aurora PostgreSQL {version} does not support Aurora Serverless v2 (db.serverless instances); RDS reports no ServerlessV2FeaturesSupport for it. Use 13.6, 14.3, 15.2, 16.1 or later."));
        };
        let sp = Path::attr("serverless_v2").index(0);
        if db.min_capacity < min_acu {
            diags.attr_error(&sp.then("min_capacity"), format!("{} ACU needs automatic pause support, which Aurora PostgreSQL {version} lacks (its minimum is {min_acu} ACU); use {min_acu} or a version that supports 0 ACU (13.15, 14.12, 15.7, 16.3 or later).", db.min_capacity));
        }
        if db.max_capacity > max_acu {
            diags.attr_error(&sp.then("max_capacity"), format!("{} ACU is above what Aurora PostgreSQL {version} allows ({max_acu} ACU); 256 ACU needs 13.20, 14.17, 15.12, 16.8, 17.4 or later.", db.max_capacity));
        }
    }
}

fn set_member_computed(
    planned: &mut Value,
    which: &str,
    prior: Option<&Value>,
    changed: bool,
    cluster_id: Option<String>,
) {
    let Some(m) = planned.get_mut(which) else {
        return;
    };
    if let Some(id) = cluster_id {
        m.set("cluster_identifier", id);
    }
    let prior_m = prior.map(|p| p.get(which));
    for attr in ["cluster_arn", "endpoint", "reader_endpoint"] {
        let v = prior_m
            .map(|p| p.get(attr).clone())
            .filter(|v| !v.is_null())
            .unwrap_or(Value::Unknown);
        m.set(attr, v);
    }
    let status = match prior_m.and_then(|p| p.get("status").as_str()) {
        Some("available") if !changed => Value::from("available"),
        _ => Value::Unknown,
    };
    m.set("status", status);
}

#[async_trait]
impl ResourceType for GlobalDatabase {
    fn name(&self) -> &'static str {
        "global_database"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check(config, diags);
    }

    async fn plan(
        &self,
        out: &mut PlanOutcome,
        prior: Option<&Value>,
        config: &Value,
        diags: &mut Diagnostics,
    ) {
        check(config, diags);
        let Some(cfg) = self.ctx.get() else { return };
        let planned = &mut out.state;
        for (which, default) in [
            ("primary", &cfg.config.primary_region),
            ("secondary", &cfg.config.secondary_region),
        ] {
            if config.get(which).get("region").is_null() {
                if let Some(m) = planned.get_mut(which) {
                    m.set("region", default.clone());
                }
            }
        }
        let primary_region = planned.get("primary").get("region").clone();
        if config.get("writer_region").is_null() {
            planned.set("writer_region", primary_region);
        }
        check_resolved(planned, diags);
        if diags.has_errors() {
            return;
        }
        let Some(db) = Db::from_value(planned) else {
            return;
        };
        if !planned.get("engine_version").is_unknown()
            && planned.get("serverless_v2").is_wholly_known()
            && prior.is_none_or(|p| {
                p.get("engine_version") != planned.get("engine_version")
                    || p.get("serverless_v2") != planned.get("serverless_v2")
            })
        {
            self.check_engine(&db, diags).await;
        }

        let planned = &mut out.state;
        planned.set("id", db.global_id());
        planned.set("global_cluster_identifier", db.global_id());
        planned.set("current_writer_region", db.writer_region.clone());
        let changed = prior.is_some_and(|p| {
            [
                "engine_version",
                "writer_region",
                "backup_retention_days",
                "serverless_v2",
                "master_password_version",
            ]
            .iter()
            .any(|a| p.get(a) != planned.get(a))
                || ["primary", "secondary"].iter().any(|m| {
                    ["instance_count", "vpc_security_group_ids"]
                        .iter()
                        .any(|a| p.get(m).get(a) != planned.get(m).get(a))
                        || p.get(m).get("status").as_str() != Some("available")
                })
        });
        for (which, region) in [
            ("primary", db.primary.region.clone()),
            ("secondary", db.secondary.region.clone()),
        ] {
            set_member_computed(planned, which, prior, changed, Some(db.cluster_id(&region)));
        }
        match prior {
            None => {
                planned.set("arn", Value::Unknown);
                planned.set("master_user_secret_arn", Value::Unknown);
            }
            Some(prior) => {
                if prior.get("master_user_secret_arn").is_null() {
                    planned.set("master_user_secret_arn", Value::Unknown);
                }
                let current = prior
                    .get("current_writer_region")
                    .as_str()
                    .unwrap_or_default();
                if !current.is_empty() && current != db.writer_region {
                    diags.warning(
                        Some(Path::attr("writer_region")),
                        format!("Applying moves the writer from {current} to {}", db.writer_region),
                        format!(
                            "RDS reports {current} as the writer region now. Applying this plan runs a managed switchover (SwitchoverGlobalCluster, no data loss) to {}. If the writer moved to {current} by a failover outside Terraform (AWS-initiated, or the failover runbook) and should stay there, set writer_region = \"{current}\" instead; the plan is then empty.",
                            db.writer_region
                        ),
                    );
                }
            }
        }
    }

    async fn create(&self, planned: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let db = Db::from_value(planned)?;
        let timeout = timeouts::get(
            planned,
            Operation::Create,
            default_timeout(Operation::Create),
        );
        let gid = db.global_id();
        let marker = match apply::anchor(&cfg, &db).await {
            Err(e) => {
                e.report(diags, None, &format!("read global database {gid}"));
                return None;
            }
            Ok(anchor) => match ownership::claim(&anchor) {
                Ok(m) => {
                    ownership::note_resumed(diags, &anchor, &format!("global database {gid}"));
                    m
                }
                Err(owner) => {
                    let (what, object) = (
                        format!("Global database {gid}"),
                        format!("global cluster {gid}"),
                    );
                    ownership::refuse(diags, &what, &gid, &object, owner, "environment_suffix");
                    return None;
                }
            },
        };
        waiter::with_deadline(timeout, apply::converge(&cfg, &db, &marker, timeout, diags)).await;
        self.finish(&cfg, &db, planned, diags).await
    }

    async fn read(&self, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let db = Db::from_value(state)?;
        match observe::observe(&cfg, &db, state).await {
            Ok(v) => v,
            Err(e) => {
                e.report(
                    diags,
                    None,
                    &format!("read global database {}", db.global_id()),
                );
                None
            }
        }
    }

    async fn update(
        &self,
        _prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let db = Db::from_value(planned)?;
        let timeout = timeouts::get(
            planned,
            Operation::Update,
            default_timeout(Operation::Update),
        );
        waiter::with_deadline(
            timeout,
            apply::converge(&cfg, &db, &Marker::fresh(), timeout, diags),
        )
        .await;
        self.finish(&cfg, &db, planned, diags).await
    }

    async fn delete(&self, prior: &Value, diags: &mut Diagnostics) {
        let (Some(cfg), Some(db)) = (self.ctx.require(diags), Db::from_value(prior)) else {
            return;
        };
        let timeout = timeouts::get(prior, Operation::Delete, default_timeout(Operation::Delete));
        waiter::with_deadline(timeout, apply::destroy(&cfg, &db, timeout, diags)).await;
    }

    async fn import(&self, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let missing = format!(
            "No global cluster {id:?} with members named like NAME-REGION-SUFFIX was found."
        );
        crate::aws::errors::imported(
            observe::discover(&cfg, id).await,
            diags,
            &format!("global database {id}"),
            missing,
        )
    }
}

impl GlobalDatabase {
    /// The state after an apply, read back from RDS; on a failed apply it records what exists.
    async fn finish(
        &self,
        cfg: &crate::provider::Configured,
        db: &Db,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let seen = observe::observe(cfg, db, planned).await;
        if let Ok(Some(v)) = &seen {
            let writer = v.get("current_writer_region").as_str().unwrap_or_default();
            if !diags.has_errors() && writer != db.writer_region {
                diags.error(
                    Some(Path::attr("writer_region")),
                    format!("The writer is in {writer:?}, not {:?}", db.writer_region),
                    "The switchover finished without moving the writer. Run the apply again; it continues the switchover.",
                );
            }
        }
        let state = crate::aws::errors::read_back(
            seen,
            diags,
            &format!("global database {}", db.global_id()),
            planned,
        );
        // Last, so a crash before it leaves a create the next apply continues.
        if !diags.has_errors() {
            if let Err(e) = apply::mark_complete(cfg, db).await {
                ownership::unmarked_warning(diags, &db.global_id(), &e);
            }
        }
        state
    }
}
