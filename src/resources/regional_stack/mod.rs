//! `trdr_regional_stack`: one region's data tier — the session table and the configuration and
//! audit-log buckets. A secondary (`replica_of` set) owns every cross-region link, so Terraform's
//! graph creates it after the primary and destroys it first.
//!
//! - `mod.rs`: schema, typed model, validation and plan;
//! - `apply.rs`: create / update / delete as ordered, idempotent steps;
//! - `observe.rs`: read and drift detection.

mod apply;
mod observe;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::framework::validate::{
    is_iam_role_arn, is_region, number_in_range, string_matches, unique_strings, whole_number,
};
use crate::framework::{Attribute, Block, Diagnostics, Path, PlanOutcome, Schema, Type, Value};
use crate::naming::{self, Naming};
use crate::ownership::{Anchor, Marker};
use crate::provider::{Configured, ProviderContext};
use crate::resources::composite::Composite;
use crate::timeouts::{self, Operation};

pub const DEFAULT_BUCKETS: [&str; 2] = ["config", "audit-logs"];
pub const DEFAULT_HASH_KEY: &str = "sessionId";
pub const DEFAULT_NONCURRENT_DAYS: i64 = 30;
const DEFAULT_TIMEOUTS: [&str; 3] = ["30m", "30m", "30m"];
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

/// Validates a list of stack ids (what `regional_stack_ids` attributes hold), naming each bad
/// element.
pub fn check_ids(diags: &mut Diagnostics, path: &Path, ids: &Value) {
    for (i, id) in ids.as_list().unwrap_or_default().iter().enumerate() {
        string_matches(
            diags,
            &path.index(i),
            id,
            "a regional stack id name:environment_suffix:region",
            |s| StackId::parse(s).is_some(),
        );
    }
}

/// The cross-region side of a secondary.
#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub primary_region: String,
    pub role_arn: Option<String>,
    pub two_way: bool,
}

/// The typed model of one stack, from a planned or stored state.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    pub id: StackId,
    pub buckets: Vec<String>,
    pub hash_key: String,
    pub noncurrent_days: i32,
    pub force_destroy: bool,
    pub replica: Option<Replica>,
}

impl Stack {
    pub fn from_value(v: &Value) -> Option<Self> {
        let naming = Naming::from_value(v)?;
        let region = v.get("region").as_str()?.to_string();
        let buckets = v
            .get("buckets")
            .as_list()
            .map(|l| {
                l.iter()
                    .filter_map(|b| b.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| DEFAULT_BUCKETS.iter().map(|s| s.to_string()).collect());
        let replica = v
            .get("replica_of")
            .as_str()
            .and_then(StackId::parse)
            .map(|p| Replica {
                primary_region: p.region,
                role_arn: v.get("replication_role_arn").as_str().map(str::to_string),
                two_way: v.get("bidirectional_replication").as_bool().unwrap_or(true),
            });
        Some(Stack {
            id: StackId { naming, region },
            buckets,
            hash_key: effective_hash_key(v),
            noncurrent_days: v
                .get("noncurrent_version_expiration_days")
                .as_f64()
                .unwrap_or(DEFAULT_NONCURRENT_DAYS as f64) as i32,
            force_destroy: v.get("force_destroy").as_bool().unwrap_or(true),
            replica,
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
    v.get("session_table")
        .first_block()
        .get("hash_key")
        .as_str()
        .unwrap_or(DEFAULT_HASH_KEY)
        .to_string()
}

pub struct RegionalStack {
    ctx: Arc<ProviderContext>,
}

impl RegionalStack {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        RegionalStack { ctx }
    }
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("One region's data tier of the DR topology: the DynamoDB session table and the S3 buckets (configuration, audit logs). A secondary stack (`replica_of` set) also owns the cross-region links: S3 replication to and from the primary's buckets and the DynamoDB replica of the primary's table.")
            .attr(Attribute::computed("id", Type::String, "Stack id `name:environment_suffix:region`, e.g. `trading:dev:us-east-1`; known at plan time. Use it as `replica_of` and to import.").stable())
            .attr(Attribute::required("name", Type::String, "Purpose of the platform, e.g. `trading`. Lowercase letters, digits and hyphens; part of every physical name.").replace())
            .attr(Attribute::required("environment_suffix", Type::String, "Environment, e.g. `dev` or `pr-123`. Part of every physical name, so environments never collide.").replace())
            .attr(Attribute::required("region", Type::String, "AWS region of this stack.").replace())
            .attr(Attribute::with_default("buckets", Type::list_of_strings(), Value::string_list(DEFAULT_BUCKETS), "Bucket purposes; each becomes bucket `NAME-PURPOSE-REGION-SUFFIX` (versioned, encrypted, public access blocked, lifecycle-managed). Default `[\"config\", \"audit-logs\"]`. A secondary must use purposes its primary has."))
            .attr(Attribute::with_default("noncurrent_version_expiration_days", Type::Number, DEFAULT_NONCURRENT_DAYS, "Days after which noncurrent object versions expire (default 30). Incomplete multipart uploads are always aborted after 7 days."))
            .attr(Attribute::with_default("force_destroy", Type::Bool, true, "Empty every object version and delete marker on destroy so the buckets can be deleted (default true)."))
            .attr(Attribute::optional("replica_of", Type::String, "Id of the primary stack (another region). Makes this stack the secondary: it creates its buckets, then replication from each primary bucket to its twin here (and back when `bidirectional_replication`), then a replica of the primary's session table in this region.").replace())
            .attr(Attribute::optional("replication_role_arn", Type::String, "IAM role S3 assumes to replicate objects; required with `replica_of` when there are buckets."))
            .attr(Attribute::with_default("bidirectional_replication", Type::Bool, true, "Also replicate this stack's buckets back to the primary, with replica-modification sync, so data flows back after a failback (default true)."))
            .attr(Attribute::computed("bucket_names", Type::map_of_strings(), "Bucket name by purpose.").stable())
            .attr(Attribute::computed("bucket_arns", Type::map_of_strings(), "Bucket ARN by purpose.").stable())
            .attr(Attribute::computed("table_name", Type::String, "Name of the session table (`NAME-sessions-SUFFIX`); a secondary's is the replica of the primary's.").stable())
            .attr(Attribute::computed("table_arn", Type::String, "ARN of the session table in this region.").stable())
            .attr(Attribute::computed("stream_arn", Type::String, "ARN of the table's stream (`NEW_AND_OLD_IMAGES`) in this region.").stable())
            .attr(Attribute::computed("replica_status", Type::String, "For a secondary, the status of its table replica as the primary reports it (`ACTIVE` when healthy); null for a primary."))
            .attr(Attribute::computed("drift", Type::list_of_strings(), "Out-of-band changes no attribute can show, found by the last refresh (versioning suspended, point-in-time recovery off, a replication rule removed, ...). A plan that shows this list emptied repairs them. A deleted bucket leaves `buckets`, a lifecycle rule changed shows in `noncurrent_version_expiration_days`, a table made again with another key in `session_table`: their own attributes, so `ignore_changes` can accept them."))
            .optional_block(
                "session_table",
                Block::new("The session table's key. A secondary's replica has the primary's key.")
                    .attr(Attribute::with_default("hash_key", Type::String, DEFAULT_HASH_KEY, "Partition key attribute (string), default `sessionId`. Changing it replaces the stack.")),
            )
            .optional_block("timeouts", timeouts::block(DEFAULT_TIMEOUTS)),
    }
}

/// Every check that needs no AWS call. Unknown values are skipped; `plan` runs this again once
/// references (such as `replica_of`) are known.
fn check(config: &Value, diags: &mut Diagnostics) {
    naming::check_names(diags, config);
    string_matches(
        diags,
        &Path::attr("region"),
        config.get("region"),
        "an AWS region name such as us-east-1",
        is_region,
    );
    let buckets = config.get("buckets");
    unique_strings(diags, &Path::attr("buckets"), buckets);
    for (i, b) in buckets.as_list().unwrap_or_default().iter().enumerate() {
        naming::check_name_part(diags, &Path::attr("buckets").index(i), b, 20);
    }
    let days = config.get("noncurrent_version_expiration_days");
    whole_number(
        diags,
        &Path::attr("noncurrent_version_expiration_days"),
        days,
    );
    number_in_range(
        diags,
        &Path::attr("noncurrent_version_expiration_days"),
        days,
        1.0,
        3650.0,
    );
    string_matches(
        diags,
        &Path::attr("session_table").index(0).then("hash_key"),
        config.get("session_table").first_block().get("hash_key"),
        "a key attribute name of 1 to 255 characters",
        |s| (1..=255).contains(&s.len()),
    );
    timeouts::validate(diags, config);

    let replica_of = config.get("replica_of");
    string_matches(
        diags,
        &Path::attr("replica_of"),
        replica_of,
        "a stack id `name:environment_suffix:region` (use trdr_regional_stack.<primary>.id)",
        |s| StackId::parse(s).is_some(),
    );
    string_matches(
        diags,
        &Path::attr("replication_role_arn"),
        config.get("replication_role_arn"),
        "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        is_iam_role_arn,
    );
    if let (Some(primary), Some(region)) = (
        replica_of.as_str().and_then(StackId::parse),
        config.get("region").as_str(),
    ) {
        if primary.region == region {
            diags.attr_error(&Path::attr("replica_of"), format!("the primary stack {primary} is in {region}, the same region as this stack; a secondary must be in another region."));
        }
        if let Some(ours) = Naming::from_value(config) {
            if primary.naming != ours {
                diags.attr_error(&Path::attr("replica_of"), format!("the primary stack {primary} has another name or environment_suffix than this stack ({}:{}); a secondary replicates its own environment's primary.", ours.name, ours.suffix));
            }
        }
        let has_buckets = buckets
            .as_list()
            .map_or(!buckets.is_unknown(), |l| !l.is_empty());
        if config.get("replication_role_arn").is_null() && has_buckets {
            diags.attr_error(
                &Path::attr("replication_role_arn"),
                "required when replica_of is set: S3 needs a role to replicate the buckets.",
            );
        }
    }
    if let Some(naming) = Naming::from_value(config) {
        check_derived_names(&naming, config, diags);
    }
}

/// Derived names within AWS limits; the error points at the attribute most likely to blame.
fn check_derived_names(n: &Naming, config: &Value, diags: &mut Diagnostics) {
    let Some(region) = config.get("region").as_str() else {
        return;
    };
    let default_buckets = Value::string_list(DEFAULT_BUCKETS);
    let buckets = match config.get("buckets") {
        Value::Null => &default_buckets,
        b => b,
    };
    for (i, purpose) in buckets.as_list().unwrap_or_default().iter().enumerate() {
        let Some(purpose) = purpose.as_str() else {
            continue;
        };
        if let Some(problem) = naming::bucket_name_problem(&n.bucket(purpose, region)) {
            diags.attr_error(
                &Path::attr("environment_suffix"),
                format!("with buckets[{i}] = {purpose:?}, {problem}. Shorten name, environment_suffix or the bucket purpose."),
            );
        }
    }
    if let Some(problem) = naming::table_name_problem(&n.session_table()) {
        diags.attr_error(&Path::attr("environment_suffix"), problem);
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
        let planned = &mut out.state;
        let Some(stack) =
            Stack::from_value(planned).filter(|_| planned.get("buckets").is_wholly_known())
        else {
            return;
        };
        planned.set("id", stack.id.to_string());
        planned.set("table_name", stack.table());
        planned.set(
            "bucket_names",
            Value::string_map(stack.buckets.iter().map(|p| (p.clone(), stack.bucket(p)))),
        );
        planned.set(
            "bucket_arns",
            Value::string_map(
                stack
                    .buckets
                    .iter()
                    .map(|p| (p.clone(), format!("arn:aws:s3:::{}", stack.bucket(p)))),
            ),
        );
        planned.set("drift", Value::List(Vec::new()));
        match prior {
            None => {
                planned.set("table_arn", Value::Unknown);
                planned.set("stream_arn", Value::Unknown);
                planned.set(
                    "replica_status",
                    if stack.replica.is_some() {
                        Value::Unknown
                    } else {
                        Value::Null
                    },
                );
            }
            Some(prior) => {
                if effective_hash_key(prior) != stack.hash_key {
                    out.requires_replace
                        .push(Path::attr("session_table").index(0).then("hash_key"));
                    planned.set("table_arn", Value::Unknown);
                    planned.set("stream_arn", Value::Unknown);
                }
                let status = match (&stack.replica, prior.get("replica_status").as_str()) {
                    (None, _) => Value::Null,
                    (Some(_), Some("ACTIVE")) => Value::from("ACTIVE"),
                    (Some(_), _) => Value::Unknown,
                };
                planned.set("replica_status", status);
            }
        }
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
        let present: Vec<&str> = state
            .get("buckets")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let drift = state
            .get("drift")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string));
        let missing = stack
            .buckets
            .iter()
            .filter(|p| !present.contains(&p.as_str()))
            .map(|p| format!("bucket {} is missing", stack.bucket(p)));
        drift.chain(missing).collect()
    }

    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
        let Some(id) = StackId::parse(id) else {
            return Ok(None);
        };
        observe::discover(cfg, &id).await
    }

    fn missing(id: &str) -> String {
        format!("No session table or buckets of stack {id} were found in its region.")
    }

    fn import_id_problem(id: &str) -> Option<String> {
        StackId::parse(id).is_none().then(|| format!("{id:?} is not a stack id; use name:environment_suffix:region, e.g. trading:dev:us-east-1."))
    }
}

/// The live state of stack `id` (with its `drift` list), as an import would see it; `None` when
/// it does not exist. For readiness checks.
pub async fn inspect(
    cfg: &crate::provider::Configured,
    id: &StackId,
) -> Result<Option<Value>, crate::aws::errors::AwsError> {
    observe::discover(cfg, id).await
}

#[cfg(test)]
mod defaults {
    use super::*;

    #[test]
    fn the_models_defaults_are_the_schemas() {
        for replica_of in [None, Some("trading:dev:us-east-1")] {
            let mut config = Value::object();
            config.set("name", "trading");
            config.set("environment_suffix", "dev");
            config.set("region", "us-east-2");
            if let Some(p) = replica_of {
                config.set("replica_of", p);
            }
            config.set("session_table", Value::List(vec![Value::object()]));
            crate::resources::assert_model_defaults_are_the_schemas(
                &schema(),
                &config,
                Stack::from_value,
            );
        }
    }
}
