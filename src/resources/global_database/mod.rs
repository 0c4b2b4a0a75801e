//! `trdr_global_database`: an Aurora PostgreSQL global database — the global cluster, one
//! regional cluster in each region, and their serverless v2 instances — in one block.
//!
//! - `mod.rs`: typed model, the composite lifecycle;
//! - `schema.rs`: each attribute declared once, the schema, the checks across attributes;
//! - `plan.rs`: the plan (switchover as a plan, failover drift, the engine version checked);
//! - `apply.rs`: the order of the steps that create, update and delete;
//! - one module per object, each from create to delete: `global_cluster.rs`, `clusters.rs`
//!   (with engine upgrades and the master password's setting), `instances.rs`,
//!   `parameter_groups.rs`, `secret.rs` (the master credentials), `password.rs` (a new master
//!   password), `switchover.rs` (which region writes); `busy.rs` retries calls on busy objects;
//! - `observe.rs`: read, drift and import.

mod apply;
mod busy;
mod clusters;
mod global_cluster;
mod instances;
mod observe;
mod parameter_groups;
mod password;
mod plan;
mod schema;
mod secret;
mod switchover;

pub use schema::schema;
use schema::*;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::aws::rds;
use crate::framework::PlanCall;
use crate::framework::{Diagnostics, IdentityField, Schema, Value};
use crate::naming::Naming;
use crate::ownership::{Anchor, Marker};
use crate::provider::{Configured, ProviderContext};
use crate::resources::composite::Composite;
use crate::resources::list::{self, Filter};
use crate::tags::{self, Tags};
use crate::timeouts::Operation;

const DEFAULT_TIMEOUTS: [&str; 3] = ["90m", "60m", "60m"];

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
            region: REGION.get(v)?,
            subnet_group: DB_SUBNET_GROUP_NAME.get(v),
            security_groups: VPC_SECURITY_GROUP_IDS.get(v).unwrap_or_default(),
            kms_key_id: KMS_KEY_ID.get(v),
            instance_count: INSTANCE_COUNT.get(v)? as u32,
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
    /// A password brought with `master_password_wo` and its version (then no secret of trdr's);
    /// the value only in an apply's working copy of the configuration, never in plan or state.
    pub given_password: Option<GivenPassword>,
    /// `rds.global_db_rpo` in trdr's cluster parameter groups; `None`: no group.
    pub max_rpo_seconds: Option<i64>,
    pub writer_region: String,
    pub backup_retention_days: i32,
    pub storage_encrypted: bool,
    pub min_capacity: f64,
    pub max_capacity: f64,
    pub primary: Member,
    pub secondary: Member,
    /// An automatic failover moved the writer away from `writer_region`, and the plan keeps it
    /// there (`writer_region` is a preference while `automatic_failover_by` is set).
    pub hold_writer: bool,
    /// The optional blocks the configuration spelled out ([`crate::resources::spelled`]).
    pub spelled: String,
}

/// The blocks whose presence AWS cannot show (see [`crate::resources::spelled`]).
pub const SPELLED: &[&str] = &["serverless_v2", "timeouts"];

/// A master password the configuration brings (`master_password_wo`).
#[derive(Clone, PartialEq)]
pub struct GivenPassword {
    /// `None` outside an apply: Terraform holds it in the configuration only.
    pub value: Option<String>,
    pub version: i64,
}

impl std::fmt::Debug for GivenPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GivenPassword {{ version: {}, value: <hidden> }}",
            self.version
        )
    }
}

impl Db {
    pub fn from_value(v: &Value) -> Option<Self> {
        let scaling = SERVERLESS_V2.of(v);
        let primary = Member::from_value(PRIMARY.of(v))?;
        Some(Db {
            naming: Naming::from_value(v)?,
            engine_version: ENGINE_VERSION.get(v)?,
            database_name: DATABASE_NAME.get(v),
            master_username: MASTER_USERNAME.get(v)?,
            master_password_version: MASTER_PASSWORD_VERSION.get(v)?,
            given_password: MASTER_PASSWORD_WO_VERSION
                .get(v)
                .map(|version| GivenPassword {
                    value: MASTER_PASSWORD_WO.get(v),
                    version,
                }),
            max_rpo_seconds: MAX_RPO_SECONDS.get(v),
            writer_region: WRITER_REGION
                .get(v)
                .unwrap_or_else(|| primary.region.clone()),
            hold_writer: AUTOMATIC_FAILOVER_BY.get(v).is_some()
                && CURRENT_WRITER_REGION
                    .get(v)
                    .is_some_and(|c| Some(&c) != WRITER_REGION.get(v).as_ref()),
            backup_retention_days: BACKUP_RETENTION_DAYS.get(v)? as i32,
            storage_encrypted: STORAGE_ENCRYPTED.get(v)?,
            spelled: crate::resources::spelled::tag_value(v, SPELLED),
            min_capacity: MIN_CAPACITY.get(scaling)?,
            max_capacity: MAX_CAPACITY.get(scaling)?,
            secondary: Member::from_value(SECONDARY.of(v))?,
            primary,
        })
    }

    /// The standard tags of what trdr makes for this database in `region`.
    pub fn tags(&self, cfg: &Configured, region: &str) -> Tags {
        tags::standard(&cfg.config.default_tags, &self.naming.suffix, region)
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

    /// trdr's cluster parameter group of the member in `region` (with `max_rpo_seconds`).
    pub fn rpo_group(&self, region: &str) -> String {
        rds::rpo_group(&self.cluster_id(region))
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
}

#[async_trait]
impl Composite for GlobalDatabase {
    type Model = Db;
    const NAME: &'static str = "global_database";
    const KIND: &'static str = "global database";

    fn context(&self) -> &Arc<ProviderContext> {
        &self.ctx
    }

    const SCHEMA: fn() -> Schema = schema;
    const CHECK: fn(&Value, &mut Diagnostics) = schema::check;

    async fn plan(&self, call: PlanCall<'_>) {
        self.plan_database(call).await
    }

    fn model(_cfg: &Configured, v: &Value) -> Option<Db> {
        Db::from_value(v)
    }

    fn id(db: &Db) -> String {
        db.global_id()
    }

    fn default_timeout(op: Operation) -> Duration {
        default_timeout(op)
    }

    fn anchor_name(db: &Db) -> String {
        format!("global cluster {}", db.global_id())
    }

    async fn anchor(cfg: &Configured, db: &Db) -> Result<Anchor, AwsError> {
        global_cluster::anchor(cfg, db).await
    }

    async fn mark_complete(cfg: &Configured, db: &Db) -> Result<(), AwsError> {
        global_cluster::mark_complete(cfg, db).await
    }

    async fn converge(
        cfg: &Configured,
        db: &Db,
        _prior: Option<&Db>,
        marker: Option<&Marker>,
        timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::converge(cfg, db, marker, timeout, diags).await
    }

    async fn destroy(cfg: &Configured, db: &Db, timeout: Duration, diags: &mut Diagnostics) {
        apply::destroy(cfg, db, timeout, diags).await
    }

    async fn observe(cfg: &Configured, db: &Db, base: &Value) -> Result<Option<Value>, AwsError> {
        observe::observe(cfg, db, base).await
    }

    /// A switchover that finished without moving the writer.
    fn unconverged(db: &Db, state: &Value) -> Vec<String> {
        let writer = CURRENT_WRITER_REGION.get(state).unwrap_or_default();
        if writer == db.writer_region {
            return Vec::new();
        }
        vec![format!(
            "the writer is in {writer:?}, not {:?}: the switchover finished without moving it",
            db.writer_region
        )]
    }

    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
        observe::discover(cfg, id).await
    }

    fn missing(id: &str) -> String {
        format!("No global cluster {id:?} with members named like NAME-REGION-SUFFIX was found.")
    }

    const IDENTITY: &'static [IdentityField] = list::TOPOLOGY;

    const LIST_DESCRIPTION: &'static str = "Finds the global databases trdr made for `terraform query` (Terraform 1.14 and later): the global clusters tagged `ManagedBy = trdr` and named `NAME-global-SUFFIX` after their `Environment` tag (`DescribeGlobalClusters` in the primary region, else the secondary, page by page), each read as an import reads it. With `name` and `environment_suffix` both set, nothing is listed: that database is read directly. `-generate-config-out` writes a `resource` and an `import` block (by identity) for each.";

    fn identity_id(identity: &Value) -> Option<String> {
        Some(list::naming_of(identity)?.global_cluster())
    }

    async fn discover_identity(
        cfg: &Configured,
        identity: &Value,
    ) -> Result<Option<Value>, AwsError> {
        match list::naming_of(identity) {
            Some(naming) => observe::discover_named(cfg, &naming).await,
            None => Ok(None),
        }
    }

    /// The global clusters trdr made (tag `ManagedBy = trdr`), named `NAME-global-SUFFIX` with
    /// `SUFFIX` their `Environment` tag: one listing in the primary region, else the secondary.
    async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value> {
        if let Some(naming) = filter.named() {
            return vec![list::identity(&naming, None)];
        }
        let mut problems = Vec::new();
        for region in [&cfg.config.primary_region, &cfg.config.secondary_region] {
            match rds::globals(&cfg.region(region).rds).await {
                Ok(globals) => {
                    return globals
                        .iter()
                        .filter_map(|g| {
                            let tags = rds::global_tags(g);
                            if !tags::is_ours(&tags) {
                                return None;
                            }
                            let suffix = tags.get("Environment")?;
                            let id = g.global_cluster_identifier()?;
                            let naming = list::parse(id, "-global-")?;
                            (naming.suffix == *suffix && filter.wants(&naming))
                                .then(|| list::identity(&naming, None))
                        })
                        .collect();
                }
                Err(e) => problems.push((region, e)),
            }
        }
        for (region, e) in problems {
            e.warn(diags, &format!("list the global clusters in {region}"));
        }
        vec![]
    }
}

#[cfg(test)]
mod declarations {
    use super::*;
    use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
    use crate::resources::config;
    use serde_json::json;

    /// A database as the unit tests of its parts start from: 15.10, trdr's secret, no RPO.
    pub(super) fn sample_db() -> Db {
        let member = |region: &str| Member {
            region: region.to_string(),
            subnet_group: None,
            security_groups: Vec::new(),
            kms_key_id: None,
            instance_count: 1,
        };
        Db {
            naming: Naming::new("trading", "dev"),
            engine_version: "15.10".into(),
            database_name: None,
            master_username: "dbadmin".into(),
            master_password_version: 1,
            given_password: None,
            max_rpo_seconds: None,
            writer_region: "us-east-1".into(),
            backup_retention_days: 7,
            storage_encrypted: true,
            min_capacity: 0.5,
            max_capacity: 16.0,
            primary: member("us-east-1"),
            secondary: member("us-east-2"),
            hold_writer: false,
            spelled: String::new(),
        }
    }

    #[test]
    fn the_models_defaults_are_the_schemas() {
        let mut config = Value::object();
        NAME.put(&mut config, "trading");
        ENVIRONMENT_SUFFIX.put(&mut config, "dev");
        ENGINE_VERSION.put(&mut config, "15.10");
        MASTER_USERNAME.put(&mut config, "dbadmin");
        for (which, region) in [(&PRIMARY, "us-east-1"), (&SECONDARY, "us-east-2")] {
            let mut m = Value::object();
            REGION.put(&mut m, region);
            which.put(&mut config, m);
        }
        SERVERLESS_V2.put(&mut config, Value::object());
        crate::resources::assert_model_defaults_are_the_schemas(&schema(), &config, |v| {
            let mut db = Db::from_value(v)?;
            // Planned by the resource, not a default: the primary region when unset.
            db.writer_region = db.primary.region.clone();
            Some(db)
        });
    }

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let (timeouts, mut bad) = crate::resources::timeouts_cases();
        let valid = config(json!({
            "name": "trading", "environment_suffix": "dev", "engine_version": "15.10",
            "database_name": "app", "master_username": "dbadmin", "master_password_version": 1,
            "max_rpo_seconds": 20,
            "backup_retention_days": 7, "serverless_v2": [{"min_capacity": 0.5, "max_capacity": 16}],
            "primary": {"region": "us-east-1", "instance_count": 1},
            "secondary": {"region": "us-east-2", "instance_count": 2},
            "timeouts": timeouts,
        }));
        bad.extend([
            ("name", Value::from("1trading")),
            ("environment_suffix", Value::from("dev-")),
            ("engine_version", Value::from("9.6")),
            ("database_name", Value::from("1app")),
            ("master_username", Value::from("postgres")),
            ("master_password_version", Value::from(0i64)),
            ("master_password_wo", Value::from("short")),
            ("master_password_wo_version", Value::from(0.5)),
            ("backup_retention_days", Value::from(36i64)),
            ("max_rpo_seconds", Value::from(19i64)),
            ("serverless_v2[0].min_capacity", Value::from(0.3)),
            ("serverless_v2[0].max_capacity", Value::from(300.0)),
            ("primary.region", Value::from("east")),
            ("primary.instance_count", Value::from(1.5)),
            ("secondary.region", Value::from("west")),
            ("secondary.instance_count", Value::from(17i64)),
        ]);
        crate::framework::validate::assert_checks_report_their_paths(&schema().block, &valid, &bad);
    }
}
