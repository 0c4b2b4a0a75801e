//! `trdr_failover_readiness`: can the topology fail over right now? Each check is `pass`, `warn`
//! or `fail` with a detail; `ready` means no check failed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::aws::{cloudwatch, rds};
use crate::framework::validate::{self, Check};
use crate::framework::{Attr, Block, DataSourceType, Diagnostics, Schema, Type, Value};
use crate::provider::{Configured, ProviderContext};
use crate::resources::regional_stack::{self, schema as stack, StackId};
use crate::resources::{failover_orchestrator, global_database};

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
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
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
        self.0.iter().all(|(_, s, _)| *s != Status::Fail)
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
        .checks(global_database::REFERENCE);
const ORCHESTRATOR_ID: Attr<String> = Attr::optional(
    "orchestrator_id",
    "Id of the `trdr_failover_orchestrator`; enables the health check, runbook and RTO checks.",
)
.checks(&[Check::Matches(
    "an orchestrator id name:environment_suffix",
    |s| s.split(':').count() == 2,
)]);
const REGIONAL_STACK_IDS: Attr<Vec<String>> = Attr::optional("regional_stack_ids", "Ids of `trdr_regional_stack`s whose replicas, point-in-time recovery and replication to check.")
    .checks(regional_stack::STACK_IDS);
const READY: Attr<bool> = Attr::computed("ready", "True when no check failed.");
const WRITER_REGION: Attr<String> =
    Attr::computed("writer_region", "Region of the database's writer.");
const CHECKS: Attr<Value> = Attr::computed(
    "checks",
    "Each check: `name`, `status` (`pass`, `warn` or `fail`) and `detail`.",
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
            .with(&[&ID, &GLOBAL_DATABASE_ID, &ORCHESTRATOR_ID, &REGIONAL_STACK_IDS, &READY, &WRITER_REGION, &CHECKS]),
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
                    "{} is {:?}",
                    m.db_cluster_arn().unwrap_or_default(),
                    m.synchronization_status().map(|s| s.as_str())
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
                .filter(|g| *g == format!("{cluster}-rpo"))
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
            rpo_check(cfg, region, cluster, bound, checks).await?;
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
    }
    Ok(())
}

async fn orchestrator_checks(
    cfg: &Configured,
    id: Option<&str>,
    checks: &mut Checks,
) -> Result<(), AwsError> {
    let Some(id) = id else {
        for name in [
            "health checks present",
            "runbook deployed in both regions",
            "RTO budget within target",
        ] {
            checks.add(name, Status::Warn, "no orchestrator_id given");
        }
        return Ok(());
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
    let rb = missing(&d.runbooks);
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
    Ok(())
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
        let result = async {
            let writer = database_checks(&cfg, &id, &mut checks).await?;
            stack_checks(&cfg, &stacks, &mut checks).await?;
            let orchestrator = ORCHESTRATOR_ID.get(config);
            orchestrator_checks(&cfg, orchestrator.as_deref(), &mut checks).await?;
            Ok::<_, AwsError>(writer)
        }
        .await;
        let writer = match result {
            Ok(w) => w,
            Err(e) => {
                e.report(diags, None, "check failover readiness");
                return None;
            }
        };
        let mut v = config.clone();
        ID.put(&mut v, id);
        READY.put(&mut v, checks.ready());
        WRITER_REGION.put(&mut v, writer);
        CHECKS.put(&mut v, checks.to_value());
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
        }));
        validate::assert_checks_report_their_paths(
            &schema().block,
            &valid,
            &[
                ("global_database_id", Value::from("trading")),
                ("orchestrator_id", Value::from("trading")),
                ("regional_stack_ids[0]", Value::from("trading:dev")),
            ],
        );
    }
}
