//! When each region's watcher last ran a shift: the newest start among its executions. A shift
//! starts every minute; a watcher none of whose shifts started within three of those minutes (nor
//! its schedule armed within them: the shifts-stopped alarm's three minutes) is not watching, whatever the schedule and the tags say (a disabled
//! schedule, a role Scheduler cannot assume, a region whose Scheduler does not fire).
//!
//! What the check says must not change between two reads while nothing changes: a plan right
//! after an apply reads it again, and an output of `checks` that differed would make that plan
//! non-empty. So a watching watcher's detail names no time at all (it would move with every
//! shift), and a stopped one's names the last start, which no longer moves.

use std::time::{Duration, SystemTime};

use crate::aws::errors::{AwsError, AwsResultExt};
use crate::aws::{scheduler, sfn};
use crate::naming::Naming;
use crate::provider::Configured;
use crate::waiter;

use super::report::{Checks, Status};

/// How often the watcher's schedule starts a shift (`rate(1 minute)`, see the orchestrator's
/// `watchers.rs`).
const SHIFT_PERIOD: Duration = Duration::from_secs(60);

/// How many of the schedule's periods without a start make a stopped watcher: as many as its
/// shifts-stopped alarm waits (the orchestrator's `alarms.rs`), which leaves a shift that starts
/// a little late on a busy machine (the sandbox's minute is 0.6 s) counted as running.
const STALE_PERIODS: u32 = 3;

/// How many of the newest executions the newest start is looked for in: `ListExecutions` lists
/// by stop date, so a shift still running (started later than one that stopped after it began)
/// may not be first.
const LOOKBACK: i32 = 10;

/// What readiness knows of one region's watcher's shifts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shifts {
    /// The newest start among its executions; `None`: it never ran.
    last_started: Option<SystemTime>,
    /// Since when its schedule has been enabled as it is (see [`scheduler::armed_since`]);
    /// `None`: no schedule, or a disabled one.
    armed: Option<SystemTime>,
}

/// One `last watcher shift (REGION)` check per region where orchestrator `id` has a watcher:
/// `pass` while shifts start, `warn` when none started for more than [`STALE_PERIODS`] of the
/// schedule's periods (nor was its schedule armed within them), `unknown` (with the failed call) when the
/// executions cannot be read.
pub(super) async fn last_shift_checks(cfg: &Configured, id: &str, checks: &mut Checks) {
    let (name, suffix) = id.split_once(':').unwrap_or((id, ""));
    let naming = Naming::new(name, suffix);
    let account = cfg.account().await;
    let stale = STALE_PERIODS * waiter::sandbox_scaled(SHIFT_PERIOD);
    for region in [&cfg.config.primary_region, &cfg.config.secondary_region] {
        let check = format!("last watcher shift ({region})");
        match shifts(cfg, region, account.as_deref(), &naming.watcher(region)).await {
            // No watcher in this region: automatic failover is off, nothing to report.
            Ok(None) => {}
            Ok(Some(s)) => {
                let (status, detail) = judge(s, SystemTime::now(), stale);
                checks.add(&check, status, detail);
            }
            Err(e) => checks.unreadable(&check, &e),
        }
    }
}

/// The shifts of the watcher named `name` in `region`; `None` when there is no such watcher.
async fn shifts(
    cfg: &Configured,
    region: &str,
    account: Option<&str>,
    name: &str,
) -> Result<Option<Shifts>, AwsError> {
    let rc = cfg.region(region);
    let Some(last_started) = last_start(&rc.sfn, account, name).await? else {
        return Ok(None);
    };
    let armed = scheduler::armed_since(&rc.scheduler, name).await?;
    Ok(Some(Shifts {
        last_started,
        armed,
    }))
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

/// RFC 3339, as `last_runs` gives times.
fn rfc3339(t: SystemTime) -> String {
    aws_smithy_types::DateTime::from(t)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// The check's status and detail for shifts `s` seen at `now`, stopped after `stale` without a
/// start. A schedule armed within `stale` has not yet had its chance to start one: a watcher
/// deployed, changed or re-enabled a moment ago is not late.
fn judge(s: Shifts, now: SystemTime, stale: Duration) -> (Status, String) {
    let recent = |t: Option<SystemTime>| {
        t.is_some_and(|t| now.duration_since(t).unwrap_or_default() <= stale)
    };
    if recent(s.last_started) || recent(s.armed) {
        return (
            Status::Pass,
            "running: its schedule starts a shift every minute, and none is late".into(),
        );
    }
    let why = "the watcher is not watching (its schedule is disabled or deleted, or cannot start it); its shifts-stopped alarm says when it stopped";
    match s.last_started {
        Some(t) => (
            Status::Warn,
            format!(
                "stopped: the last shift started at {}, more than three minutes ago: {why}",
                rfc3339(t)
            ),
        ),
        None => (
            Status::Warn,
            format!("stopped: the watcher has never run a shift: {why}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: Duration = Duration::from_secs(60 * STALE_PERIODS as u64);

    fn at(now: SystemTime, secs_ago: u64) -> Option<SystemTime> {
        Some(now - Duration::from_secs(secs_ago))
    }

    #[test]
    fn shifts_older_than_three_periods_are_a_stopped_watcher() {
        let now = SystemTime::now();
        let armed = at(now, 3600);
        let judged = |last: Option<SystemTime>| {
            judge(
                Shifts {
                    last_started: last,
                    armed,
                },
                now,
                STALE,
            )
        };
        assert_eq!(judged(at(now, 30)).0, Status::Pass);
        assert_eq!(judged(at(now, 180)).0, Status::Pass);
        let (status, detail) = judged(at(now, 181));
        assert_eq!(status, Status::Warn);
        assert!(
            detail.starts_with("stopped: the last shift started at "),
            "{detail}"
        );
        assert!(detail.contains("not watching"), "{detail}");
        assert_eq!(judged(None).0, Status::Warn);
        // A clock behind the execution's start is no reason to warn.
        assert_eq!(judged(Some(now + Duration::from_secs(5))).0, Status::Pass);
    }

    /// Issue 32: a plan right after an apply reads readiness again; while the watcher runs,
    /// the check reads the same whatever the moment, and while it is stopped, too.
    #[test]
    fn the_check_reads_the_same_at_any_moment_while_nothing_changes() {
        let t0 = SystemTime::now();
        let running = |now: SystemTime, last: u64| {
            judge(
                Shifts {
                    last_started: Some(now - Duration::from_secs(last)),
                    armed: Some(t0 - Duration::from_secs(3600)),
                },
                now,
                STALE,
            )
        };
        let later = t0 + Duration::from_secs(600);
        assert_eq!(running(t0, 5), running(later, 50));
        let stopped = |now: SystemTime| {
            judge(
                Shifts {
                    last_started: Some(t0 - Duration::from_secs(300)),
                    armed: None,
                },
                now,
                STALE,
            )
        };
        assert_eq!(stopped(t0), stopped(later));
        assert_eq!(stopped(t0).0, Status::Warn);
    }

    /// The first apply reads readiness before the new schedule started its first shift, and
    /// the plan after it reads a shift: both say the same.
    #[test]
    fn a_watcher_armed_a_moment_ago_is_not_late() {
        let now = SystemTime::now();
        let fresh = judge(
            Shifts {
                last_started: None,
                armed: at(now, 10),
            },
            now,
            STALE,
        );
        let first = judge(
            Shifts {
                last_started: at(now, 1),
                armed: at(now, 70),
            },
            now,
            STALE,
        );
        assert_eq!(fresh, first);
        assert_eq!(fresh.0, Status::Pass);
        // Re-enabled after a stop: the old last shift does not make it stopped.
        let re_enabled = Shifts {
            last_started: at(now, 3600),
            armed: at(now, 10),
        };
        assert_eq!(judge(re_enabled, now, STALE), fresh);
        // Never started though armed long ago: stopped.
        let never = Shifts {
            last_started: None,
            armed: at(now, 600),
        };
        assert_eq!(judge(never, now, STALE).0, Status::Warn);
    }
}
