//! `trdr_regional_stack`: one region's data tier — the session table and the configuration and
//! audit-log buckets. A secondary (`replica_of` set) owns every cross-region link, so Terraform's
//! graph creates it after the primary and destroys it first.
//!
//! - `schema.rs`: each attribute declared once, the schema, the checks across attributes;
//! - `mod.rs`: typed model, the composite lifecycle;
//! - `plan.rs`: the plan, and what a change replaces;
//! - `apply.rs`: create / update / delete as ordered, idempotent steps;
//! - `observe.rs`: read and drift detection;
//! - `discover.rs`: import and listing;
//! - `names.rs`: the tag and rule names that apply and observe share.

mod apply;
mod discover;
mod names;
mod observe;
mod plan;
pub mod schema;

pub use schema::schema;
use schema::*;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::dynamodb;
use crate::aws::errors::AwsError;
use crate::framework::validate::is_region;
use crate::framework::PlanCall;
use crate::framework::{Diagnostics, IdentityField, Schema, Value};
use crate::naming::Naming;
use crate::ownership::{Anchor, Marker};
use crate::provider::{Configured, ProviderContext};
use crate::resources::composite::Composite;
use crate::resources::list::{self, Filter};
use crate::resources::spelled;
use crate::timeouts::Operation;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// `name:environment_suffix:region`, e.g. `trading:dev:us-east-1`: the import id, and what a
/// secondary's `replica_of` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackId {
    pub naming: Naming,
    pub region: String,
}

impl StackId {
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split(':');
        let (name, suffix, region) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || name.is_empty() || suffix.is_empty() || !is_region(region) {
            return None;
        }
        Some(StackId {
            naming: Naming::new(name, suffix),
            region: region.to_string(),
        })
    }
}

impl std::fmt::Display for StackId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.naming.name, self.naming.suffix, self.region
        )
    }
}

/// A list of stack ids (what `regional_stack_ids` attributes hold), each element checked.
pub const STACK_IDS: &[crate::framework::validate::Check] =
    &[crate::framework::validate::Check::Each(
        &crate::framework::validate::Check::Matches(
            "a regional stack id name:environment_suffix:region",
            |s| StackId::parse(s).is_some(),
        ),
    )];

/// The cross-region side of a secondary.
#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub primary_region: String,
    pub role_arn: Option<String>,
    pub two_way: bool,
}

/// The session table's multi-Region consistency mode (DynamoDB's `MultiRegionConsistency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    Eventual,
    Strong,
}

impl Consistency {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "EVENTUAL" => Some(Consistency::Eventual),
            "STRONG" => Some(Consistency::Strong),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Consistency::Eventual => "EVENTUAL",
            Consistency::Strong => "STRONG",
        }
    }
}

/// The typed model of one stack, from a planned or stored state.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    pub id: StackId,
    pub buckets: Vec<String>,
    pub hash_key: String,
    pub consistency: Consistency,
    /// The witness region of a strongly consistent secondary's global table.
    pub witness: Option<String>,
    pub noncurrent_days: i32,
    pub force_destroy: bool,
    pub replica: Option<Replica>,
    /// The optional blocks the configuration spelled out ([`spelled::TAG`]).
    pub spelled: String,
}

/// The blocks whose presence AWS cannot show (see [`spelled`]).
pub const SPELLED: &[&str] = &["session_table", "timeouts"];

impl Stack {
    pub fn from_value(v: &Value) -> Option<Self> {
        let naming = Naming::from_value(v)?;
        let two_way = BIDIRECTIONAL.get(v)?;
        let replica = REPLICA_OF
            .get(v)
            .as_deref()
            .and_then(StackId::parse)
            .map(|p| Replica {
                primary_region: p.region,
                role_arn: REPLICATION_ROLE_ARN.get(v),
                two_way,
            });
        let region = REGION.get(v)?;
        let consistency = effective_consistency(v);
        let witness = match (&replica, consistency) {
            (Some(r), Consistency::Strong) => WITNESS_REGION
                .get(SESSION_TABLE.of(v))
                .or_else(|| witness_for(&r.primary_region, &region, None).ok()),
            _ => None,
        };
        Some(Stack {
            id: StackId { naming, region },
            buckets: BUCKETS.get(v)?,
            hash_key: effective_hash_key(v),
            consistency,
            witness,
            noncurrent_days: NONCURRENT_DAYS.get(v)? as i32,
            force_destroy: FORCE_DESTROY.get(v)?,
            replica,
            spelled: spelled::tag_value(v, SPELLED),
        })
    }

    pub fn bucket(&self, purpose: &str) -> String {
        self.id.naming.bucket(purpose, &self.id.region)
    }

    /// The twin of our bucket `purpose` in the primary region.
    pub fn primary_bucket(&self, purpose: &str) -> Option<String> {
        let r = self.replica.as_ref()?;
        Some(self.id.naming.bucket(purpose, &r.primary_region))
    }

    pub fn table(&self) -> String {
        self.id.naming.session_table()
    }
}

fn effective_hash_key(v: &Value) -> String {
    HASH_KEY.get(SESSION_TABLE.of(v)).unwrap_or_default()
}

fn effective_consistency(v: &Value) -> Consistency {
    CONSISTENCY
        .get(SESSION_TABLE.of(v))
        .as_deref()
        .and_then(Consistency::parse)
        .unwrap_or(Consistency::Eventual)
}

pub struct RegionalStack {
    ctx: Arc<ProviderContext>,
}

impl RegionalStack {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        RegionalStack { ctx }
    }
}

#[async_trait]
impl Composite for RegionalStack {
    type Model = Stack;
    const NAME: &'static str = "regional_stack";
    const KIND: &'static str = "regional stack";

    fn context(&self) -> &Arc<ProviderContext> {
        &self.ctx
    }

    const SCHEMA: fn() -> Schema = schema;
    const CHECK: fn(&Value, &mut Diagnostics) = schema::check;

    async fn plan(&self, call: PlanCall<'_>) {
        plan::plan(&self.ctx, call).await
    }

    fn model(_cfg: &Configured, v: &Value) -> Option<Stack> {
        Stack::from_value(v)
    }

    fn id(stack: &Stack) -> String {
        stack.id.to_string()
    }

    fn default_timeout(_op: Operation) -> Duration {
        DEFAULT_TIMEOUT
    }

    fn anchor_name(stack: &Stack) -> String {
        match stack.replica {
            Some(_) => format!("the replica of {} in {}", stack.table(), stack.id.region),
            None => format!("session table {}", stack.table()),
        }
    }

    async fn anchor(cfg: &Configured, stack: &Stack) -> Result<Anchor, AwsError> {
        apply::anchor(cfg, stack).await
    }

    async fn mark_complete(cfg: &Configured, stack: &Stack) -> Result<(), AwsError> {
        apply::mark_complete(cfg, stack).await
    }

    async fn converge(
        cfg: &Configured,
        stack: &Stack,
        prior: Option<&Stack>,
        marker: Option<&Marker>,
        timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::converge(cfg, stack, prior, marker, timeout, diags).await
    }

    async fn destroy(cfg: &Configured, stack: &Stack, timeout: Duration, diags: &mut Diagnostics) {
        apply::destroy(cfg, stack, timeout, diags).await
    }

    async fn observe(
        cfg: &Configured,
        stack: &Stack,
        base: &Value,
    ) -> Result<Option<Value>, AwsError> {
        Ok(observe::observe(cfg, stack)
            .await?
            .map(|seen| seen.into_state(base, stack)))
    }

    /// The drift list, and the buckets the state lacks.
    fn unconverged(stack: &Stack, state: &Value) -> Vec<String> {
        let present = BUCKETS.get(state).unwrap_or_default();
        let drift = DRIFT.get(state).unwrap_or_default().into_iter();
        let missing = stack
            .buckets
            .iter()
            .filter(|p| !present.contains(p))
            .map(|p| format!("bucket {} is missing", stack.bucket(p)));
        drift.chain(missing).collect()
    }

    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
        let Some(id) = StackId::parse(id) else {
            return Ok(None);
        };
        discover::discover(cfg, &id).await
    }

    /// A table found by listing is a stack only if trdr tagged it (`ManagedBy = trdr`), which
    /// its discovery reads anyway; a topology the filter names is read as an import reads it.
    async fn discover_listed(
        cfg: &Configured,
        filter: &Filter,
        candidate: &Value,
    ) -> Result<Option<Value>, AwsError> {
        match Self::identity_id(candidate).and_then(|id| StackId::parse(&id)) {
            Some(id) if filter.named().is_some() => discover::discover(cfg, &id).await,
            Some(id) => discover::discover_owned(cfg, &id).await,
            None => Ok(None),
        }
    }

    fn missing(id: &str) -> String {
        format!("No session table or buckets of stack {id} were found in its region.")
    }

    fn import_id_problem(id: &str) -> Option<String> {
        StackId::parse(id).is_none().then(|| format!("{id:?} is not a stack id; use name:environment_suffix:region, e.g. trading:dev:us-east-1."))
    }

    const IDENTITY: &'static [IdentityField] = list::STACK;

    fn identity_id(identity: &Value) -> Option<String> {
        let naming = list::naming_of(identity)?;
        let region = identity.get("region").as_str()?;
        Some(format!("{}:{}:{region}", naming.name, naming.suffix))
    }

    const LIST_BY_REGION: bool = true;

    const LIST_DESCRIPTION: &'static str = "Finds the regional stacks in the provider's two regions for `terraform query` (Terraform 1.14 and later): the session tables named `NAME-sessions-SUFFIX` (one `ListTables` per region, page by page) and tagged `ManagedBy = trdr`, each read as an import reads it (which reads the table's tags first); what cannot be imported is not listed. With `name` and `environment_suffix` both set, nothing is listed: that topology's stacks are read directly. A region that cannot be listed is a warning, and the other region's stacks are still listed. `-generate-config-out` writes a `resource` and an `import` block (by identity) for each.";

    /// The session tables named `NAME-sessions-SUFFIX` in each of the provider's regions the
    /// filter selects (a secondary's is its replica there): one listing per region, none when the
    /// filter names the topology. Which of them trdr made, [`Composite::discover_listed`] says.
    async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value> {
        let regions = [&cfg.config.primary_region, &cfg.config.secondary_region];
        if let Some(r) = filter.region.as_ref().filter(|r| !regions.contains(r)) {
            diags.error(
                Some(list::REGION.path()),
                "Region not served by this provider",
                format!("{r:?} is neither the provider's primary_region nor its secondary_region; list it with a provider configured for it."),
            );
            return vec![];
        }
        let mut found = Vec::new();
        for region in regions.into_iter().filter(|r| filter.wants_region(r)) {
            if let Some(naming) = filter.named() {
                found.push(list::identity(&naming, Some(region)));
                continue;
            }
            match dynamodb::table_names(&cfg.region(region).dynamodb).await {
                Ok(names) => found.extend(names.iter().filter_map(|t| {
                    let naming = list::parse(t, "-sessions-")?;
                    filter
                        .wants(&naming)
                        .then(|| list::identity(&naming, Some(region)))
                })),
                Err(e) => e.warn(diags, &format!("list the tables in {region}")),
            }
        }
        found
    }
}

/// The live state of stack `id` (with its `drift` list), as an import would see it; `None` when
/// it does not exist. For readiness checks.
pub async fn inspect(
    cfg: &crate::provider::Configured,
    id: &StackId,
) -> Result<Option<Value>, crate::aws::errors::AwsError> {
    discover::discover(cfg, id).await
}

#[cfg(test)]
mod declarations {
    use super::*;
    use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
    use crate::resources::config;
    use serde_json::json;

    #[test]
    fn the_models_defaults_are_the_schemas() {
        for replica_of in [None, Some("trading:dev:us-east-1")] {
            let mut config = Value::object();
            NAME.put(&mut config, "trading");
            ENVIRONMENT_SUFFIX.put(&mut config, "dev");
            REGION.put(&mut config, "us-east-2");
            REPLICA_OF.put(&mut config, replica_of);
            SESSION_TABLE.put(&mut config, Value::object());
            crate::resources::assert_model_defaults_are_the_schemas(
                &schema(),
                &config,
                Stack::from_value,
            );
        }
    }

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let (timeouts, mut bad) = crate::resources::timeouts_cases();
        let valid = config(json!({
            "name": "trading", "environment_suffix": "dev", "region": "us-east-2",
            "buckets": ["config", "audit-logs"], "noncurrent_version_expiration_days": 30,
            "replica_of": "trading:dev:us-east-1",
            "replication_role_arn": "arn:aws:iam::123456789012:role/replication",
            "session_table": [{"hash_key": "sessionId"}], "timeouts": timeouts,
        }));
        bad.extend([
            ("name", Value::from("Trading")),
            ("environment_suffix", Value::from("pr--1")),
            ("region", Value::from("moon-1")),
            ("buckets", Value::string_list(["config", "config"])),
            ("buckets[1]", Value::from("Audit_Logs")),
            ("noncurrent_version_expiration_days", Value::from(0.5)),
            ("replica_of", Value::from("trading-us-east-1")),
            ("replication_role_arn", Value::from("arn:aws:s3:::bucket")),
            ("session_table[0].hash_key", Value::from("")),
            ("session_table[0].consistency", Value::from("WEAK")),
            ("session_table[0].witness_region", Value::from("moon")),
        ]);
        crate::framework::validate::assert_checks_report_their_paths(&schema().block, &valid, &bad);
    }
}
