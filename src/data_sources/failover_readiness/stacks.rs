//! The regional stacks' checks: each table's replica ACTIVE with point-in-time recovery, each
//! secondary's buckets replicating, and what a failover would lose of the sessions.

use crate::aws::errors::AwsError;
use crate::framework::Value;
use crate::provider::Configured;
use crate::resources::regional_stack::{self, schema as stack, StackId};

use super::report::{Checks, Status};

pub(super) async fn stack_checks(
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
            replication(id, &drift, checks);
        }
        let (status, detail) = session_consistency(&state, secondary);
        checks.add(&format!("session consistency ({id})"), status, detail);
    }
    Ok(())
}

/// A secondary's buckets replicate both ways: no drift names a bucket or its replication.
fn replication(id: &StackId, drift: &[String], checks: &mut Checks) {
    let name = format!("replication configured ({id})");
    let broken: Vec<&str> = drift
        .iter()
        .filter(|d| d.contains("replication") || d.contains("bucket"))
        .map(String::as_str)
        .collect();
    if broken.is_empty() {
        let detail = "every bucket replicates to and from its twin";
        checks.add(&name, Status::Pass, detail);
    } else {
        checks.add(&name, Status::Fail, broken.join("; "));
    }
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
