//! When each region's watcher last ran a shift: the newest start among its executions. A shift
//! starts every minute; a last shift older than two of those minutes means nothing is watching,
//! whatever the schedule and the tags say (a disabled schedule, a role Scheduler cannot assume,
//! a region whose Scheduler does not fire).

use std::time::{Duration, SystemTime};

use crate::aws::errors::{AwsError, AwsResultExt};
use crate::aws::sfn;
use crate::naming::Naming;
use crate::provider::Configured;
use crate::waiter;

use super::report::{Checks, Status};

/// How often the watcher's schedule starts a shift (`rate(1 minute)`, see the orchestrator's
/// `watchers.rs`).
const SHIFT_PERIOD: Duration = Duration::from_secs(60);

/// How many of the newest executions the newest start is looked for in: `ListExecutions` lists
/// by stop date, so a shift still running (started later than one that stopped after it began)
/// may not be first.
const LOOKBACK: i32 = 10;

/// One `last watcher shift (REGION)` check per region where orchestrator `id` has a watcher:
/// `warn` when the last shift started more than twice the schedule's period ago, or none ever
/// did; `unknown` (with the failed call) when the executions cannot be read.
pub(super) async fn last_shift_checks(cfg: &Configured, id: &str, checks: &mut Checks) {
    let (name, suffix) = id.split_once(':').unwrap_or((id, ""));
    let naming = Naming::new(name, suffix);
    let account = cfg.account().await;
    let now = SystemTime::now();
    let stale = 2 * waiter::sandbox_scaled(SHIFT_PERIOD);
    for region in [&cfg.config.primary_region, &cfg.config.secondary_region] {
        let check = format!("last watcher shift ({region})");
        let c = &cfg.region(region).sfn;
        match last_start(c, account.as_deref(), &naming.watcher(region)).await {
            // No watcher in this region: automatic failover is off, nothing to report.
            Ok(None) => {}
            Ok(Some(started)) => {
                let (status, detail) = judge(started, now, stale);
                checks.add(&check, status, detail);
            }
            Err(e) => checks.unreadable(&check, &e),
        }
    }
}

/// The newest start among the watcher's executions: `None` when there is no watcher named
/// `name`, `Some(None)` when it never ran.
async fn last_start(
    c: &aws_sdk_sfn::Client,
    account: Option<&str>,
    name: &str,
) -> Result<Option<Option<SystemTime>>, AwsError> {
    let Some(watcher) = sfn::locate(c, account, name).await? else {
        return Ok(None);
    };
    let out = c
        .list_executions()
        .state_machine_arn(&watcher.arn)
        .max_results(LOOKBACK)
        .send()
        .await
        .aws("ListExecutions", c)?;
    Ok(Some(
        out.executions()
            .iter()
            .filter_map(|e| SystemTime::try_from(*e.start_date()).ok())
            .max(),
    ))
}

/// The check's status and detail for a last shift started at `started` (`None`: never), seen at
/// `now`, stale after `stale`.
fn judge(started: Option<SystemTime>, now: SystemTime, stale: Duration) -> (Status, String) {
    let Some(started) = started else {
        return (
            Status::Warn,
            "the watcher has never run a shift: its schedule starts none (disabled, deleted, or a role Scheduler cannot assume)".into(),
        );
    };
    let age = now.duration_since(started).unwrap_or_default();
    let ago = format!("the last shift started {:.0} s ago", age.as_secs_f64());
    if age <= stale {
        (
            Status::Pass,
            format!("{ago}; one starts every {} s", SHIFT_PERIOD.as_secs()),
        )
    } else {
        (
            Status::Warn,
            format!(
                "{ago}, more than twice the schedule's {} s: the watcher is not watching (its schedule is disabled or deleted, or cannot start it); its shifts-stopped alarm says when it stopped",
                SHIFT_PERIOD.as_secs()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_shift_older_than_two_periods_warns() {
        let now = SystemTime::now();
        let stale = 2 * SHIFT_PERIOD;
        let at = |secs: u64| Some(now - Duration::from_secs(secs));
        assert_eq!(judge(at(30), now, stale).0, Status::Pass);
        assert_eq!(judge(at(120), now, stale).0, Status::Pass);
        let (status, detail) = judge(at(121), now, stale);
        assert_eq!(status, Status::Warn);
        assert!(detail.contains("121 s ago"), "{detail}");
        assert_eq!(judge(None, now, stale).0, Status::Warn);
        // A clock behind the execution's start is no reason to warn.
        assert_eq!(
            judge(Some(now + Duration::from_secs(5)), now, stale).0,
            Status::Pass
        );
    }
}
