//! The failover watcher: a Step Functions definition, one per region, that decides from evidence
//! gathered in its own region whether the other region's writer has failed, and then starts its
//! own region's runbook in `failover` mode.
//!
//! EventBridge Scheduler starts it every minute (`rate(1 minute)`, Scheduler's finest). One
//! execution is a *shift*: it looks at the pause tag and at who writes, then probes every
//! `probe_interval_seconds` for about a minute, and ends — unless a failure streak is under way,
//! in which case it stays on duty until the streak ends or reaches the window, so a window may
//! be longer than the schedule's minute. A shift that finds another shift still running ends at
//! once: at most one watches per region (Scheduler delivers at least once).
//!
//! Each probe (an observation) is a round of requests sent at once (a Parallel state), so a
//! round takes as long as its slowest request, never the sum of them:
//! - HTTP Tasks (`arn:aws:states:::http:invoke`, through the region's EventBridge connection) to
//!   the other region's health path and to this region's own, two of each: either answering is
//!   the endpoint answering (a dropped connection is not an outage);
//! - Route 53's checkers for the other endpoint (`GetHealthCheckStatus`): `healthy` (more than
//!   18% of checkers report success, Route 53's own rule), `unhealthy`, or `unknown` when Route
//!   53's control plane (us-east-1) cannot be read.
//!
//! Rounds start `probe_interval_seconds` apart (a slow round shortens the wait after it), so the
//! worst case from an outage to the decision is the window plus one round
//! ([`Policy::detection_seconds`]).
//!
//! A probe *fails* when our own probe of the other endpoint failed **and** Route 53's checkers do
//! not report it healthy (a partition between the two regions, where the checkers still reach
//! it, never counts). One successful probe ends a streak. The watcher fails over only when
//! `window_probes` probes in a row failed, this region's own endpoint answered the last probe,
//! the pause tag is not set, and RDS (read in this region) still shows the other region writing
//! with no promotion under way. It then joins a runbook execution already running in this
//! region, or starts one named after the streak's first failure; the runbook itself refuses a
//! second promotion. The shift's output lists its observations and, after a failover, the
//! measured time from the first failed probe and from the decision to the moved writer; both
//! are notified and published as CloudWatch metrics in this region.
//!
//! In practice mode ([`Mode::Practice`], per decision: failover and failback) the shift decides
//! through the same guards and then, instead of asking approval or starting the runbook,
//! publishes a `would-fail-over` (`would-fail-back`) notice with its observations and the
//! metric `WouldFailOver` (`WouldFailBack`) in this region. Every shift's output names its mode,
//! and who paused the watcher and why when it is paused.
//!
//! Nothing here calls the other region, nor Route 53 except the one optional read above.

use serde_json::{json, Value as Json};

use super::builder::Builder;

mod practice;
mod shift;
mod spec;
mod tasks;

pub use spec::{Approval, Mode, Modes, Policy, Probe, WatcherSpec, PAUSED, PAUSE_TAG, WATCHING};
pub use spec::{PAUSED_AT_TAG, PAUSED_BY_TAG, PAUSE_REASON_TAG};

/// The definition: the shift's states (see `shift.rs`) and an execution timeout that covers the
/// longest shift.
pub fn definition(s: &WatcherSpec) -> Json {
    let mut b = Builder {
        t: &s.tuning,
        states: serde_json::Map::new(),
    };
    shift::all(&mut b, s);
    json!({
        "Comment": format!("trdr failover watcher for {}: fails over to {} when {} stays down", s.name, s.own.region, s.other.region),
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "TimeoutSeconds": execution_timeout(s),
        "States": b.states
    })
}

/// The modes a deployed watcher's definition was generated with (its `Start` state assigns
/// them); `None` for a definition that is not a watcher's.
pub fn modes_of(definition: &Json) -> Option<Modes> {
    let assign = &definition["States"]["Start"]["Assign"];
    let mode = |key: &str| assign[key].as_str().map(Mode::parse);
    Some(Modes {
        failover: mode("mode")?,
        failback: mode("failback_mode")?,
    })
}

/// The longest shift: every probe at its worst, the approval's own timeout and the run it
/// follows, with a margin.
fn execution_timeout(s: &WatcherSpec) -> u64 {
    let (t, p) = (&s.tuning, &s.policy);
    // A round and the wait after it; two calls' time more for the states between rounds.
    let per_probe =
        (p.round_period_seconds(t) + p.round_seconds(t)).ceil() as u32 + 2 * t.task_timeout_seconds;
    // Waiting for a person is not probing: the approval's own timeout comes on top, so an
    // unanswered approval ends as `approval_on_timeout` says, never as a timed-out shift.
    let approval = s
        .topic_arn
        .as_ref()
        .and(p.approval)
        .map_or(0, |a| a.timeout_seconds as u64);
    p.max_probes() as u64 * per_probe as u64 + approval + s.runbook_timeout_seconds + 120
}

#[cfg(test)]
mod tests;
