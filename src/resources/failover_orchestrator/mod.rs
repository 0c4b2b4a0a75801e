//! `trdr_failover_orchestrator`: the failover runbook in both regions and the DNS it steers —
//! an HTTPS health check per endpoint, the `PRIMARY`/`SECONDARY` failover record pair, and one
//! Step Functions state machine per region — and, with `automatic_failover`, a watcher in each
//! region that starts the runbook by itself.
//!
//! This file wires the resource together; each module below owns one thing:
//! - `schema.rs`: each attribute declared once, the schema, the checks across attributes;
//! - `model.rs`: the typed model, each region's runbook and watcher specification, the RTO
//!   budget; `plan.rs`: the plan;
//! - `desired.rs`: what the configuration asks AWS to hold (the database's members, the tags,
//!   the record pair, the rendered runbooks), shared by apply and refresh;
//! - the objects, each created, compared, read back and deleted by its own module: `dns.rs`
//!   (health checks and the record pair), `runbooks.rs` (the runbooks, the anchor among them),
//!   `watchers.rs` (watchers, their schedules and probe connections), `mark.rs` (the
//!   automatic-failover tag on the global cluster), `alarms.rs` (the CloudWatch alarms that
//!   watch the watchers and the runbooks); `state_machine.rs` deploys a generated definition for
//!   the runbooks and the watchers alike;
//! - `apply.rs`: create / update / delete as ordered steps over those objects;
//! - `observe.rs`: read, drift and import; `inspect.rs`: what readiness sees; `upgrade.rs`: state
//!   stored by earlier schema versions;
//! - `runbook/`: the generated definitions (runbook and watcher) as plain data, and
//!   (`analysis.rs`) their worst-case budget and structural checks.

mod alarms;
mod apply;
mod desired;
mod dns;
mod inspect;
mod mark;
mod model;
mod observe;
mod plan;
pub mod runbook;
mod runbooks;
mod schema;
mod state_machine;
mod upgrade;
mod watchers;

pub use desired::tag_fields;
pub use inspect::{inspect, Deployment, Watching};
pub use model::{Automatic, Budget, EndpointCfg, Orchestrator, PROMOTION_ALLOWANCE_SECONDS};
pub use schema::schema;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::framework::{Diagnostics, IdentityField, PlanCall, Schema, Value};
use crate::ownership::{Anchor, Marker};
use crate::provider::{Configured, ProviderContext};
use crate::resources::composite::Composite;
use crate::resources::list::{self, Filter};
use crate::timeouts::Operation;
use schema::{DEFAULT_TIMEOUT, DRIFT};

pub struct FailoverOrchestrator {
    ctx: Arc<ProviderContext>,
}

impl FailoverOrchestrator {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        FailoverOrchestrator { ctx }
    }
}

#[async_trait]
impl Composite for FailoverOrchestrator {
    type Model = Orchestrator;
    const NAME: &'static str = "failover_orchestrator";
    const KIND: &'static str = "failover orchestrator";

    fn context(&self) -> &Arc<ProviderContext> {
        &self.ctx
    }

    const SCHEMA: fn() -> Schema = schema;
    const UPGRADERS: &'static [crate::framework::Upgrader] = upgrade::UPGRADERS;
    const CHECK: fn(&Value, &mut Diagnostics) = schema::check;

    async fn plan(&self, call: PlanCall<'_>) {
        let Some(cfg) = self.ctx.get() else { return };
        plan::plan(&cfg.config, call)
    }

    fn model(cfg: &Configured, v: &Value) -> Option<Orchestrator> {
        Orchestrator::from_value(v, &cfg.config)
    }

    fn id(o: &Orchestrator) -> String {
        o.id()
    }

    fn default_timeout(_op: Operation) -> Duration {
        DEFAULT_TIMEOUT
    }

    fn anchor_name(o: &Orchestrator) -> String {
        format!(
            "runbook state machine {} in {}",
            o.naming.state_machine(&o.primary.region),
            o.primary.region
        )
    }

    async fn anchor(cfg: &Configured, o: &Orchestrator) -> Result<Anchor, AwsError> {
        runbooks::anchor(cfg, o).await
    }

    async fn mark_complete(cfg: &Configured, o: &Orchestrator) -> Result<(), AwsError> {
        runbooks::mark_complete(cfg, o).await
    }

    async fn converge(
        cfg: &Configured,
        o: &Orchestrator,
        prior: Option<&Orchestrator>,
        marker: Option<&Marker>,
        timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::converge(cfg, o, prior, marker, timeout, diags).await
    }

    async fn destroy(
        cfg: &Configured,
        o: &Orchestrator,
        _timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::destroy(cfg, o, diags).await
    }

    async fn observe(
        cfg: &Configured,
        o: &Orchestrator,
        base: &Value,
    ) -> Result<Option<Value>, AwsError> {
        observe::observe(cfg, o, base).await
    }

    fn unconverged(_o: &Orchestrator, state: &Value) -> Vec<String> {
        DRIFT.get(state).unwrap_or_default()
    }

    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
        observe::discover(cfg, id).await
    }

    fn missing(id: &str) -> String {
        format!("No runbook state machines for {id:?} (name:environment_suffix) were found.")
    }

    const IDENTITY: &'static [IdentityField] = list::TOPOLOGY;

    const LIST_DESCRIPTION: &'static str = "Finds the failover orchestrators for `terraform query` (Terraform 1.14 and later): the runbooks named `NAME-failover-PRIMARY_REGION-SUFFIX` in the provider's primary region (`ListStateMachines`, page by page), each read as an import reads it. With `name` and `environment_suffix` both set, nothing is listed: that orchestrator is read directly. `-generate-config-out` writes a `resource` and an `import` block (by identity) for each.";

    fn identity_id(identity: &Value) -> Option<String> {
        let naming = list::naming_of(identity)?;
        Some(format!("{}:{}", naming.name, naming.suffix))
    }

    async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value> {
        runbooks::candidates(cfg, filter, diags).await
    }
}
