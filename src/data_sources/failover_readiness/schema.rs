//! The data source's attributes and schema: what it is asked (the ids to check) and what it
//! reports (each check, the writer region, the runbooks' last runs).

use crate::framework::validate::Check;
use crate::framework::{Attr, Block, Schema, Type, Value};
use crate::resources::{references, regional_stack};

/// The fields of each element of `checks`.
pub(super) const CHECK_FIELDS: [&str; 3] = ["name", "status", "detail"];

pub(super) const ID: Attr<String> = Attr::computed("id", "The global database id.");
pub(super) const GLOBAL_DATABASE_ID: Attr<String> =
    Attr::required("global_database_id", "Id of the `trdr_global_database`.")
        .checks(references::GLOBAL_DATABASE);
pub(super) const ORCHESTRATOR_ID: Attr<String> = Attr::optional(
    "orchestrator_id",
    "Id of the `trdr_failover_orchestrator`; enables the health check, runbook and RTO checks.",
)
.checks(&[Check::Matches(
    "an orchestrator id name:environment_suffix",
    |s| s.split(':').count() == 2,
)]);
pub(super) const REGIONAL_STACK_IDS: Attr<Vec<String>> = Attr::optional("regional_stack_ids", "Ids of `trdr_regional_stack`s whose replicas, point-in-time recovery, replication and session consistency (the mode, and a strongly consistent secondary's witness) to check.")
    .checks(regional_stack::STACK_IDS);
pub(super) const MAX_DRILL_AGE: Attr<String> = Attr::optional("max_drill_age", "How recent the last successful drill must be, in Go duration syntax (e.g. `\"2h\"`): the check `drill within max_drill_age` fails when neither region's runbook finished a drill with outcome `drill-ready` within it. Unset: no such check. Needs `orchestrator_id`.")
    .checks(crate::timeouts::GO_DURATION);
/// A field of an object attribute: its name and type.
type Field = (&'static str, fn() -> Type);

/// The fields of each element of `last_runs`.
pub(super) const RUN_FIELDS: [Field; 6] = [
    ("region", || Type::String),
    ("mode", || Type::String),
    ("status", || Type::String),
    ("outcome", || Type::String),
    ("ended", || Type::String),
    ("recovery_seconds", || Type::Number),
];
pub(super) const LAST_RUNS: Attr<Value> = Attr::computed("last_runs", "The last execution of each region's runbook (needs `orchestrator_id`): `region`, `mode` (`failover`, `switchover` or `drill`), `status` (Step Functions' `SUCCEEDED`, `FAILED`, `RUNNING`, ...), `outcome` (e.g. `promoted`, `drill-ready`), `ended` (RFC 3339, null while running) and `recovery_seconds` as the run measured it (0 for a drill).")
    .of_type(|| {
        Type::List(Box::new(Type::Object(
            RUN_FIELDS.iter().map(|(n, t)| (n.to_string(), t())).collect(),
        )))
    });
pub(super) const READY: Attr<bool> = Attr::computed(
    "ready",
    "True when no check failed and every check could read its data.",
);
pub(super) const WRITER_REGION: Attr<String> =
    Attr::computed("writer_region", "Region of the database's writer.");
pub(super) const CHECKS: Attr<Value> = Attr::computed(
    "checks",
    "Each check: `name`, `status` (`pass`, `warn`, `fail`, or `unknown` when its data could not be read — the data source still succeeds, so a plan during an incident is not blocked) and `detail`.",
)
.of_type(|| {
    Type::List(Box::new(Type::Object(
        CHECK_FIELDS
            .iter()
            .map(|f| (f.to_string(), Type::String))
            .collect(),
    )))
});

pub(super) fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("Whether the DR topology can fail over now: member synchronisation, engine versions, secondary instances, the secondary's replication lag over the last 10 minutes against the database's `max_rpo_seconds` (when set; CloudWatch `AuroraGlobalDBRPOLag`, else `AuroraGlobalDBReplicationLag`), table replicas and point-in-time recovery, S3 replication, health checks, the runbooks in both regions and their RTO budget. Each check is `pass`, `warn` or `fail`.")
            .with(&[&ID, &GLOBAL_DATABASE_ID, &ORCHESTRATOR_ID, &REGIONAL_STACK_IDS, &MAX_DRILL_AGE, &READY, &WRITER_REGION, &CHECKS, &LAST_RUNS]),
    }
}
