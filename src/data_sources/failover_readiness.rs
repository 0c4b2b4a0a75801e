//! `trdr_failover_readiness`: can the topology fail over right now? Each check is `pass`, `warn`
//! or `fail` with a detail; `ready` means no check failed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::aws::{cloudwatch, rds, sfn};
use crate::framework::validate::{self, Check};
use crate::framework::{Attr, Block, DataSourceType, Diagnostics, Schema, Type, Value};
use crate::provider::{Configured, ProviderContext};
use crate::resources::regional_stack::{self, schema as stack, StackId};
use crate::resources::{failover_orchestrator, references};
use aws_sdk_sfn::types::ExecutionStatus;

pub struct FailoverReadiness {
    ctx: Arc<ProviderContext>,
}

impl FailoverReadiness {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        FailoverReadiness { ctx }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    /// The check could not read its data: not ready, and the detail says why.
    Unknown,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
        }
    }
}

#[derive(Default)]
struct Checks(Vec<(String, Status, String)>);

impl Checks {
    fn add(&mut self, name: &str, status: Status, detail: impl Into<String>) {
        self.0.push((name.to_string(), status, detail.into()));
    }

    fn ready(&self) -> bool {
        self.0
            .iter()
            .all(|(_, s, _)| !matches!(s, Status::Fail | Status::Unknown))
    }

    /// A check whose data could not be read: `unknown`, with the call that failed and why.
    fn unreadable(&mut self, name: &str, e: &AwsError) {
        self.add(name, Status::Unknown, format!("could not be read: {e}"));
    }

    fn to_value(&self) -> Value {
        Value::List(
            self.0
                .iter()
                .map(|(n, s, d)| {
                    let [name, status, detail] = CHECK_FIELDS;
                    let mut v = Value::object();
                    v.set(name, n.clone());
                    v.set(status, s.as_str());
                    v.set(detail, d.clone());
                    v
                })
                .collect(),
        )
    }
}

/// The fields of each element of `checks`.
const CHECK_FIELDS: [&str; 3] = ["name", "status", "detail"];

const ID: Attr<String> = Attr::computed("id", "The global database id.");
const GLOBAL_DATABASE_ID: Attr<String> =
    Attr::required("global_database_id", "Id of the `trdr_global_database`.")
        .checks(references::GLOBAL_DATABASE);
const ORCHESTRATOR_ID: Attr<String> = Attr::optional(
    "orchestrator_id",
    "Id of the `trdr_failover_orchestrator`; enables the health check, runbook and RTO checks.",
)
.checks(&[Check::Matches(
    "an orchestrator id name:environment_suffix",
    |s| s.split(':').count() == 2,
)]);
const REGIONAL_STACK_IDS: Attr<Vec<String>> = Attr::optional("regional_stack_ids", "Ids of `trdr_regional_stack`s whose replicas, point-in-time recovery, replication and session consistency (the mode, and a strongly consistent secondary's witness) to check.")
    .checks(regional_stack::STACK_IDS);
const MAX_DRILL_AGE: Attr<String> = Attr::optional("max_drill_age", "How recent the last successful drill must be, in Go duration syntax (e.g. `\"2h\"`): the check `drill within max_drill_age` fails when neither region's runbook finished a drill with outcome `drill-ready` within it. Unset: no such check. Needs `orchestrator_id`.")
    .checks(crate::timeouts::GO_DURATION);
/// A field of an object attribute: its name and type.
type Field = (&'static str, fn() -> Type);

/// The fields of each element of `last_runs`.
const RUN_FIELDS: [Field; 6] = [
    ("region", || Type::String),
    ("mode", || Type::String),
    ("status", || Type::String),
    ("outcome", || Type::String),
    ("ended", || Type::String),
    ("recovery_seconds", || Type::Number),
];
const LAST_RUNS: Attr<Value> = Attr::computed("last_runs", "The last execution of each region's runbook (needs `orchestrator_id`): `region`, `mode` (`failover`, `switchover` or `drill`), `status` (Step Functions' `SUCCEEDED`, `FAILED`, `RUNNING`, ...), `outcome` (e.g. `promoted`, `drill-ready`), `ended` (RFC 3339, null while running) and `recovery_seconds` as the run measured it (0 for a drill).")
    .of_type(|| {
        Type::List(Box::new(Type::Object(
            RUN_FIELDS.iter().map(|(n, t)| (n.to_string(), t())).collect(),
        )))
    });
const READY: Attr<bool> = Attr::computed(
    "ready",
    "True when no check failed and every check could read its data.",
);
const WRITER_REGION: Attr<String> =
    Attr::computed("writer_region", "Region of the database's writer.");
const CHECKS: Attr<Value> = Attr::computed(
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

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("Whether the DR topology can fail over now: member synchronisation, engine versions, secondary instances, the secondary's replication lag over the last 10 minutes against the database's `max_rpo_seconds` (when set; CloudWatch `AuroraGlobalDBRPOLag`, else `AuroraGlobalDBReplicationLag`), table replicas and point-in-time recovery, S3 replication, health checks, the runbooks in both regions and their RTO budget. Each check is `pass`, `warn` or `fail`.")
            .with(&[&ID, &GLOBAL_DATABASE_ID, &ORCHESTRATOR_ID, &REGIONAL_STACK_IDS, &MAX_DRILL_AGE, &READY, &WRITER_REGION, &CHECKS, &LAST_RUNS]),
    }
}

async fn database_checks(
    cfg: &Configured,
    id: &str,
    checks: &mut Checks,
) -> Result<Option<String>, AwsError> {
    let primary = &cfg.config.primary_region;
    let Some(g) = rds::global(&cfg.region(primary).rds, id).await? else {
        checks.add(
            "global database exists",
            Status::Fail,
            format!("no global cluster {id} in {primary}"),
        );
        return Ok(None);
    };
    let writer = rds::writer_region(&g);
    let members = g.global_cluster_members();
    let readers: Vec<_> = members
        .iter()
        .filter(|m| m.is_writer() != Some(true))
        .collect();
    if readers.is_empty() {
        checks.add(
            "members synchronised",
            Status::Fail,
            "the global database has no secondary member to fail over to",
        );
    } else {
        let lagging: Vec<String> = readers
            .iter()
            .filter(|m| m.synchronization_status().map(|s| s.as_str()) != Some("connected"))
            .map(|m| {
                format!(
                    "{} is {}",
                    m.db_cluster_arn().unwrap_or_default(),
                    crate::aws::errors::shown(m.synchronization_status().map(|s| s.as_str()))
                )
            })
            .collect();
        if lagging.is_empty() {
            checks.add(
                "members synchronised",
                Status::Pass,
                format!("{} secondary member(s) connected", readers.len()),
            );
        } else {
            checks.add("members synchronised", Status::Fail, lagging.join("; "));
        }
    }
    let mut versions = Vec::new();
    // The writer's RPO bound (trdr's parameter group on it), and each secondary's cluster.
    let mut rpo_bound = None;
    let mut secondaries = Vec::new();
    for m in members {
        let Some(arn) = m.db_cluster_arn() else {
            continue;
        };
        let (Some(region), Some(cluster)) = (rds::arn_region(arn), rds::arn_resource_id(arn))
        else {
            continue;
        };
        let c = &cfg.region(region).rds;
        let Some(cl) = rds::cluster(c, cluster).await? else {
            continue;
        };
        versions.push(format!("{region} {}", cl.engine_version().unwrap_or("?")));
        if m.is_writer() == Some(true) {
            if let Some(group) = cl
                .db_cluster_parameter_group()
                .filter(|g| *g == rds::rpo_group(cluster))
            {
                rpo_bound = rds::rpo_seconds(c, group).await?;
            }
        } else {
            secondaries.push((region.to_string(), cluster.to_string()));
        }
        if m.is_writer() != Some(true) {
            // An instance being deleted will not serve after a promotion.
            let count = rds::instances(c, cluster)
                .await?
                .iter()
                .filter(|i| i.db_instance_status() != Some("deleting"))
                .count();
            let status = if count > 0 {
                Status::Pass
            } else {
                Status::Fail
            };
            let detail = if count > 0 {
                format!("{cluster} has {count} instance(s)")
            } else {
                format!("{cluster} has no instances; promoted, it could not serve")
            };
            checks.add(
                &format!("secondary has instances ({region})"),
                status,
                detail,
            );
        }
    }
    let distinct: std::collections::BTreeSet<&str> = versions
        .iter()
        .filter_map(|v| v.split(' ').nth(1))
        .collect();
    let status = if distinct.len() <= 1 {
        Status::Pass
    } else {
        Status::Warn
    };
    checks.add("engine versions equal", status, versions.join(", "));
    if let Some(bound) = rpo_bound {
        for (region, cluster) in &secondaries {
            if let Err(e) = rpo_check(cfg, region, cluster, bound, checks).await {
                checks.unreadable(
                    &format!("replication lag within max_rpo_seconds ({region})"),
                    &e,
                );
            }
        }
    }
    Ok(writer)
}

/// What the metrics look back over for the RPO check.
const LAG_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The secondary's replication lag over the last ten minutes against `max_rpo_seconds`:
/// `AuroraGlobalDBRPOLag` (Aurora PostgreSQL's RPO lag, in milliseconds), else
/// `AuroraGlobalDBReplicationLag`. No data is a warning, a lag above the bound a failure: a
/// failover then loses more than `max_rpo_seconds` of commits, and commits on the writer wait.
async fn rpo_check(
    cfg: &Configured,
    region: &str,
    cluster: &str,
    bound: i64,
    checks: &mut Checks,
) -> Result<(), AwsError> {
    let name = format!("replication lag within max_rpo_seconds ({region})");
    let cw = &cfg.region(region).cloudwatch;
    let mut seen = None;
    for metric in ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"] {
        let max = cloudwatch::recent_maximum(
            cw,
            cloudwatch::RDS_NAMESPACE,
            metric,
            ("DBClusterIdentifier", cluster),
            LAG_WINDOW,
        )
        .await?;
        if let Some(ms) = max {
            seen = Some((metric, ms));
            break;
        }
    }
    let (status, detail) = match seen {
        None => (
            Status::Warn,
            format!("no AuroraGlobalDBRPOLag or AuroraGlobalDBReplicationLag data for {cluster} in the last 10 minutes"),
        ),
        Some((metric, ms)) if ms / 1000.0 > bound as f64 => (
            Status::Fail,
            format!("{metric} of {cluster} reached {:.1} s, above max_rpo_seconds = {bound}: a failover now could lose more, and commits on the writer wait", ms / 1000.0),
        ),
        Some((metric, ms)) => (
            Status::Pass,
            format!("{metric} of {cluster} at most {:.1} s in the last 10 minutes (max_rpo_seconds = {bound})", ms / 1000.0),
        ),
    };
    checks.add(&name, status, detail);
    Ok(())
}

async fn stack_checks(
    cfg: &Configured,
    ids: &[StackId],
    checks: &mut Checks,
) -> Result<(), AwsError> {
    if ids.is_empty() {
        checks.add(
            "replicas ACTIVE with PITR",
            Status::Warn,
            "no regional_stack_ids given",
        );
        return Ok(());
    }
    for id in ids {
        let Some(state) = regional_stack::inspect(cfg, id).await? else {
            checks.add(&format!("stack {id}"), Status::Fail, "does not exist");
            continue;
        };
        let drift = stack::DRIFT.get(&state).unwrap_or_default();
        let pitr: Vec<&String> = drift
            .iter()
            .filter(|d| d.contains("point-in-time") || d.contains("session table"))
            .collect();
        let secondary = !stack::REPLICA_OF.raw(&state).is_null();
        let replica = stack::REPLICA_STATUS
            .get(&state)
            .unwrap_or_else(|| "none".into());
        let (status, detail) = match (secondary, replica.as_str(), pitr.is_empty()) {
            (true, "ACTIVE", true) => (
                Status::Pass,
                format!("replica in {} ACTIVE, PITR on", id.region),
            ),
            (true, other, _) if other != "ACTIVE" => {
                (Status::Fail, format!("replica in {} is {other}", id.region))
            }
            (_, _, false) => (
                Status::Fail,
                pitr.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            (false, _, true) => (
                Status::Pass,
                format!("table in {} ACTIVE, PITR on", id.region),
            ),
            _ => (Status::Fail, "unexpected".to_string()),
        };
        checks.add(&format!("replicas ACTIVE with PITR ({id})"), status, detail);
        if secondary {
            let broken: Vec<&String> = drift
                .iter()
                .filter(|d| d.contains("replication") || d.contains("bucket"))
                .collect();
            if broken.is_empty() {
                checks.add(
                    &format!("replication configured ({id})"),
                    Status::Pass,
                    "every bucket replicates to and from its twin",
                );
            } else {
                checks.add(
                    &format!("replication configured ({id})"),
                    Status::Fail,
                    broken
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
        }
        let (status, detail) = session_consistency(&state, secondary);
        checks.add(&format!("session consistency ({id})"), status, detail);
    }
    Ok(())
}

/// What a failover would lose of the sessions, from the mode DynamoDB reports and, for a strongly
/// consistent secondary, the witness that lets the survivor keep writing.
fn session_consistency(state: &Value, secondary: bool) -> (Status, String) {
    let block = stack::SESSION_TABLE.of(state);
    let mode = stack::CONSISTENCY.get(block).unwrap_or_default();
    let witness = stack::WITNESS_REGION
        .get(block)
        .unwrap_or_else(|| "none".into());
    match (mode.as_str(), secondary, stack::WITNESS_STATUS.get(state).as_deref()) {
        ("STRONG", true, Some("ACTIVE")) => (Status::Pass, format!("STRONG, witness in {witness} ACTIVE: a region loss loses no committed session (RPO 0) and the survivor keeps writing")),
        ("STRONG", true, Some("CREATING")) => (Status::Warn, format!("STRONG, witness in {witness} still CREATING: until it is ACTIVE a region loss would stop session writes in the survivor")),
        ("STRONG", true, other) => (Status::Fail, format!("STRONG, but the witness is {}: a region loss would stop session writes in the survivor", other.map_or_else(|| format!("missing ({witness})"), |s| format!("{s} in {witness}")))),
        ("STRONG", false, _) => (Status::Pass, "STRONG (the secondary reports the witness): RPO 0 for sessions".to_string()),
        _ => (Status::Pass, "EVENTUAL: a failover can leave the last second or so of session writes behind in the failed region, reconciled last-writer-wins when it returns".to_string()),
    }
}

/// The orchestrator's checks; returns each region's runbook ARN (none without `id`).
async fn orchestrator_checks(
    cfg: &Configured,
    id: Option<&str>,
    checks: &mut Checks,
) -> Result<Vec<(String, Option<String>)>, AwsError> {
    let Some(id) = id else {
        for name in [
            "health checks present",
            "runbook deployed in both regions",
            "RTO budget within target",
        ] {
            checks.add(name, Status::Warn, "no orchestrator_id given");
        }
        return Ok(Vec::new());
    };
    let d = failover_orchestrator::inspect(cfg, id).await?;
    let missing = |v: &[(String, bool)]| {
        v.iter()
            .filter(|(_, ok)| !ok)
            .map(|(r, _)| r.clone())
            .collect::<Vec<_>>()
    };
    let hc = missing(&d.health_checks);
    checks.add(
        "health checks present",
        if hc.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        if hc.is_empty() {
            "one per endpoint".to_string()
        } else {
            format!("missing for {}", hc.join(", "))
        },
    );
    let rb: Vec<String> = d
        .runbooks
        .iter()
        .filter(|(_, arn)| arn.is_none())
        .map(|(r, _)| r.clone())
        .collect();
    checks.add(
        "runbook deployed in both regions",
        if rb.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        if rb.is_empty() {
            "state machines found in both regions".to_string()
        } else {
            format!("missing in {}", rb.join(", "))
        },
    );
    // Automatic failover: checked only where a watcher is deployed in either region.
    if d.watchers.iter().any(|(_, w)| w.is_some()) {
        for (region, w) in &d.watchers {
            let name = format!("automatic failover watching ({region})");
            match w {
                None => checks.add(
                    &name,
                    Status::Fail,
                    "no watcher in this region, though the other region has one",
                ),
                Some(w) if !w.scheduled => checks.add(
                    &name,
                    Status::Fail,
                    "the watcher's schedule is missing or disabled: no shift starts",
                ),
                Some(w) if w.paused => checks.add(
                    &name,
                    Status::Warn,
                    "paused (TrdrWatch = paused): this region does not fail over by itself",
                ),
                Some(_) => checks.add(&name, Status::Pass, "a shift starts every minute"),
            }
        }
    }
    match d.budget {
        Some((b, t)) if b <= t => checks.add(
            "RTO budget within target",
            Status::Pass,
            format!("what trdr controls is at most {b} s ≤ target {t} s; AWS's promotion (minutes) comes on top"),
        ),
        // Failover still works; the target will be reported as missed.
        Some((b, t)) => checks.add(
            "RTO budget within target",
            Status::Warn,
            format!("what trdr controls may take {b} s (detection + runbook overhead + DNS TTL) > target {t} s, before AWS's promotion (minutes)"),
        ),
        None => checks.add(
            "RTO budget within target",
            Status::Fail,
            "no runbook deployed",
        ),
    }
    Ok(d.runbooks)
}

/// How many recent successful executions per region a drill is looked for in.
const DRILL_LOOKBACK: i32 = 10;

/// The last run of each region's runbook (for `last_runs`), and, with `max_age`, whether a drill
/// succeeded within it.
async fn run_checks(
    cfg: &Configured,
    runbooks: &[(String, Option<String>)],
    max_age: Option<Duration>,
    checks: &mut Checks,
) -> Result<Vec<Value>, AwsError> {
    let now = std::time::SystemTime::now();
    let mut last = Vec::new();
    let mut newest_drill: Option<(String, std::time::SystemTime)> = None;
    for (region, arn) in runbooks {
        let Some(arn) = arn else { continue };
        let c = &cfg.region(region).sfn;
        if let Some(run) = sfn::recent_runs(c, arn, None, 1).await?.into_iter().next() {
            last.push(run_value(region, &run));
        }
        if max_age.is_some() {
            let drills =
                sfn::recent_runs(c, arn, Some(ExecutionStatus::Succeeded), DRILL_LOOKBACK).await?;
            let drill = drills
                .iter()
                .find(|r| r.input["mode"] == "drill" && r.output["outcome"] == "drill-ready");
            if let Some(ended) = drill.and_then(|d| d.stopped) {
                if newest_drill.as_ref().is_none_or(|(_, t)| ended > *t) {
                    newest_drill = Some((region.clone(), ended));
                }
            }
        }
    }
    if let Some(max) = max_age {
        let minutes = |d: Duration| format!("{:.1} min", d.as_secs_f64() / 60.0);
        match newest_drill {
            Some((region, ended)) => {
                let age = now.duration_since(ended).unwrap_or_default();
                let status = if age <= max {
                    Status::Pass
                } else {
                    Status::Fail
                };
                checks.add(
                    "drill within max_drill_age",
                    status,
                    format!(
                        "the last successful drill ended in {region} {} ago (max_drill_age {})",
                        minutes(age),
                        minutes(max)
                    ),
                );
            }
            None => checks.add(
                "drill within max_drill_age",
                Status::Fail,
                format!("no successful drill (outcome drill-ready) among the last {DRILL_LOOKBACK} successful runs of either runbook; start one with {{\"mode\": \"drill\"}}"),
            ),
        }
    }
    Ok(last)
}

/// One element of `last_runs`.
fn run_value(region: &str, run: &sfn::Run) -> Value {
    let text = |j: &serde_json::Value| j.as_str().map(str::to_string);
    let ended = run.stopped.and_then(|t| {
        aws_smithy_types::DateTime::from(t)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .ok()
    });
    let fields: [Value; 6] = [
        Value::from(region),
        Value::from(text(&run.input["mode"])),
        Value::from(run.status.clone()),
        Value::from(text(&run.output["outcome"])),
        Value::from(ended),
        Value::from(run.output["recovery_seconds"].as_f64()),
    ];
    let mut v = Value::object();
    for ((name, _), x) in RUN_FIELDS.iter().zip(fields) {
        v.set(name, x);
    }
    v
}

#[async_trait]
impl DataSourceType for FailoverReadiness {
    fn name(&self) -> &'static str {
        "failover_readiness"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    /// Every check is an attribute's own, run from the schema.
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::schema(diags, &schema().block, config);
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
            &schema().block,
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
