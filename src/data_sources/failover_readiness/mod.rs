//! `trdr_failover_readiness`: can the topology fail over right now? Each check is `pass`, `warn`
//! or `fail` with a detail; `ready` means no check failed.
//!
//! The schema ([`schema`]) and the report ([`report`]) sit apart from the groups of checks, one
//! module each: the database ([`database`]), the regional stacks ([`stacks`]), the orchestrator
//! ([`orchestrator`]), its runbooks' executions ([`runs`]) and its watchers' shifts
//! ([`watch`]).

mod database;
mod orchestrator;
mod report;
mod runs;
mod schema;
mod stacks;
mod watch;

use std::sync::Arc;

use async_trait::async_trait;

use crate::framework::validate;
use crate::framework::{DataSourceType, Diagnostics, Schema, Value};
use crate::provider::ProviderContext;
use crate::resources::regional_stack::StackId;

use database::database_checks;
use orchestrator::orchestrator_checks;
use report::Checks;
pub use report::Status;
use runs::run_checks;
use schema::*;
use stacks::stack_checks;

pub struct FailoverReadiness {
    ctx: Arc<ProviderContext>,
}

impl FailoverReadiness {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        FailoverReadiness { ctx }
    }
}

#[async_trait]
impl DataSourceType for FailoverReadiness {
    fn name(&self) -> &'static str {
        "failover_readiness"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    /// Every check is an attribute's own, run from the schema.
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::schema(diags, &schema::schema().block, config);
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let id = GLOBAL_DATABASE_ID.get(config)?;
        let stacks: Vec<StackId> = REGIONAL_STACK_IDS
            .get(config)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| StackId::parse(s))
            .collect();
        let mut checks = Checks::default();
        // Each group of checks reads on its own: one that cannot read its data reports itself
        // `unknown` and the others still run. Only configuration errors fail the read.
        let writer = match database_checks(&cfg, &id, &mut checks).await {
            Ok(w) => w,
            Err(e) => {
                checks.unreadable("global database", &e);
                None
            }
        };
        if let Err(e) = stack_checks(&cfg, &stacks, &mut checks).await {
            checks.unreadable("regional stacks", &e);
        }
        let orchestrator = ORCHESTRATOR_ID.get(config);
        let runbooks = match orchestrator_checks(&cfg, orchestrator.as_deref(), &mut checks).await {
            Ok(r) => r,
            Err(e) => {
                checks.unreadable("failover orchestrator", &e);
                Default::default()
            }
        };
        if let Some(id) = orchestrator.as_deref() {
            watch::last_shift_checks(&cfg, id, &mut checks).await;
        }
        let max_age = MAX_DRILL_AGE
            .get(config)
            .and_then(|d| crate::timeouts::parse_duration(&d));
        let runs = match orchestrator.as_deref() {
            Some(_) => match run_checks(&cfg, &runbooks, max_age, &mut checks).await {
                Ok(r) => r,
                Err(e) => {
                    checks.unreadable("runbook executions", &e);
                    Vec::new()
                }
            },
            None => {
                if max_age.is_some() {
                    checks.add(
                        "drill within max_drill_age",
                        Status::Fail,
                        "no orchestrator_id given: the drills are its runbooks'",
                    );
                }
                Vec::new()
            }
        };
        let mut v = config.clone();
        ID.put(&mut v, id);
        READY.put(&mut v, checks.ready());
        WRITER_REGION.put(&mut v, writer);
        CHECKS.put(&mut v, checks.to_value());
        LAST_RUNS.put(&mut v, Value::List(runs));
        Some(v)
    }
}

#[cfg(test)]
mod declarations {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let valid = crate::resources::config(json!({
            "global_database_id": "trading-global-dev",
            "orchestrator_id": "trading:dev",
            "regional_stack_ids": ["trading:dev:us-east-1"],
            "max_drill_age": "2h",
        }));
        validate::assert_checks_report_their_paths(
            &schema::schema().block,
            &valid,
            &[
                ("global_database_id", Value::from("trading")),
                ("orchestrator_id", Value::from("trading")),
                ("regional_stack_ids[0]", Value::from("trading:dev")),
                ("max_drill_age", Value::from("every hour")),
            ],
        );
    }
}
