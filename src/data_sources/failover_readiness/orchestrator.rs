//! The failover orchestrator's checks: health checks, runbooks in both regions, the watchers
//! of automatic failover where there are any (and whether they act or practise), and the
//! recovery-time budget.

use crate::aws::errors::AwsError;
use crate::aws::sfn;
use crate::naming::Naming;
use crate::provider::Configured;
use crate::resources::failover_orchestrator;
use crate::resources::failover_orchestrator::runbook::watcher::{self, Mode, Modes};

use super::report::{Checks, Status};

/// The orchestrator's checks; returns each region's runbook ARN (none without `id`).
pub(super) async fn orchestrator_checks(
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
    health_checks(&d.health_checks, checks);
    runbooks_deployed(&d.runbooks, checks);
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
                Some(w) if w.paused => checks.add(&name, Status::Warn, w.pause_detail()),
                Some(_) => checks.add(&name, Status::Pass, "a shift starts every minute"),
            }
            if w.is_some() {
                mode(
                    &format!("automatic failover mode ({region})"),
                    modes(cfg, id, region).await?,
                    checks,
                );
            }
        }
    }
    rto_budget(d.budget, checks);
    Ok(d.runbooks)
}

/// The modes `region`'s deployed watcher was generated with, read from its definition.
async fn modes(cfg: &Configured, id: &str, region: &str) -> Result<Option<Modes>, AwsError> {
    let (name, suffix) = id.split_once(':').unwrap_or((id, ""));
    let naming = Naming::new(name, suffix);
    let account = cfg.account().await;
    let deployed = sfn::locate(
        &cfg.region(region).sfn,
        account.as_deref(),
        &naming.watcher(region),
    )
    .await?;
    Ok(deployed
        .and_then(|d| watcher::modes_of(&serde_json::from_str(&d.definition).unwrap_or_default())))
}

/// Whether a watcher acts on its decisions: `warn` in practice mode, where this region does not
/// fail over (or back) by itself.
fn mode(name: &str, modes: Option<Modes>, checks: &mut Checks) {
    match modes {
        None => checks.add(
            name,
            Status::Warn,
            "the watcher's definition does not say its mode; apply to regenerate it",
        ),
        Some(Modes {
            failover: Mode::Act,
            failback: Mode::Act,
        }) => checks.add(name, Status::Pass, "act: a decision starts the runbook"),
        Some(m) => {
            let practised: Vec<&str> = [("failover", m.failover), ("failback", m.failback)]
                .into_iter()
                .filter(|(_, mode)| *mode == Mode::Practice)
                .map(|(what, _)| what)
                .collect();
            checks.add(name, Status::Warn, format!("practice ({}): a decision publishes a would-fail-over / would-fail-back notice and the WouldFailOver / WouldFailBack metric, and promotes nothing", practised.join(" and ")))
        }
    }
}

/// Each region has our health check.
fn health_checks(present: &[(String, bool)], checks: &mut Checks) {
    let missing: Vec<&str> = present
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(r, _)| r.as_str())
        .collect();
    let detail = if missing.is_empty() {
        "one per endpoint".to_string()
    } else {
        format!("missing for {}", missing.join(", "))
    };
    checks.add(
        "health checks present",
        Status::pass_if(missing.is_empty()),
        detail,
    );
}

/// Each region has its runbook's state machine.
fn runbooks_deployed(runbooks: &[(String, Option<String>)], checks: &mut Checks) {
    let missing: Vec<&str> = runbooks
        .iter()
        .filter(|(_, arn)| arn.is_none())
        .map(|(r, _)| r.as_str())
        .collect();
    let detail = if missing.is_empty() {
        "state machines found in both regions".to_string()
    } else {
        format!("missing in {}", missing.join(", "))
    };
    checks.add(
        "runbook deployed in both regions",
        Status::pass_if(missing.is_empty()),
        detail,
    );
}

/// What trdr controls of the recovery time (detection, the runbook's overhead, DNS TTL) against
/// the target, from the deployed runbooks' budget and target.
fn rto_budget(budget: Option<(f64, f64)>, checks: &mut Checks) {
    match budget {
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
}
