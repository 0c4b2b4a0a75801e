//! What a watcher is built from: its evidence policy, the two sides it probes and everything
//! else resolved at apply time, and the pause tag it reads.

use serde_json::{json, Value as Json};

use super::super::builder::{jx, retry};
use super::super::spec::Tuning;
use super::super::worst_case_seconds;

/// The tag on a watcher's state machine that pauses it (`TrdrWatch = paused`); anything else, or
/// no tag, means watching.
pub const PAUSE_TAG: &str = "TrdrWatch";
pub const PAUSED: &str = "paused";
pub const WATCHING: &str = "watching";
/// Who paused the watcher, why and when (RFC 3339), beside the pause tag: set by the `trdr_pause`
/// action (or by hand with the CLI), cleared by `trdr_resume`. Values within Step Functions' tag
/// character set.
pub const PAUSED_BY_TAG: &str = "TrdrWatchPausedBy";
pub const PAUSE_REASON_TAG: &str = "TrdrWatchPauseReason";
pub const PAUSED_AT_TAG: &str = "TrdrWatchPausedAt";

/// How many observations a shift's output keeps (the most recent).
pub(super) const KEEP_OBSERVATIONS: u32 = 12;
/// A shift lasts about the schedule's period when all is well.
const SCHEDULE_PERIOD_SECONDS: u32 = 60;
/// A shift on duty through a long streak that never reaches a decision (e.g. Route 53 reporting
/// the other endpoint healthy) ends after an hour; the next one starts a new streak. Bounds the
/// execution's history (25,000 events).
const MAX_SHIFT_SECONDS: u32 = 3600;

/// What a watcher does once it has decided: `Act` starts the runbook (a failover, or a failback
/// switchover); `Practice` publishes what it would have done (a `would-fail-over` or
/// `would-fail-back` notice and metric) and never promotes, so a team can watch it decide before
/// it trusts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Act,
    Practice,
}

impl Mode {
    pub const NAMES: [&'static str; 2] = ["act", "practice"];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Act => "act",
            Mode::Practice => "practice",
        }
    }

    /// The schema's spelling; anything else is refused at plan time, so reads as `Act` here.
    pub fn parse(s: &str) -> Mode {
        if s == "practice" {
            Mode::Practice
        } else {
            Mode::Act
        }
    }
}

/// The modes of the two decisions a watcher makes: `automatic_failover`'s and
/// `automatic_failback`'s, set apart so a team can trust one before the other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modes {
    pub failover: Mode,
    pub failback: Mode,
}

/// Route 53's checkers for the other endpoint, read in one probe round (a branch of its Parallel
/// state): `healthy` when more than 18% of them report success (Route 53's own rule),
/// `unhealthy`, or `unknown` when the read fails (Route 53's control plane is in us-east-1).
/// Built here, where the round's worst case is computed from it.
pub(super) fn checkers_branch(t: &Tuning, health_check_id: &str) -> Json {
    let checkers = "($obs := $states.result.HealthCheckObservations; $ok := $count($obs[$contains(StatusReport.Status, 'Success')]); $n := $count($obs); ($n > 0 and $ok / $n > 0.18) ? 'healthy' : 'unhealthy')";
    json!({
        "StartAt": "ReadCheckers",
        "States": {
            "ReadCheckers": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus",
                "Arguments": {"HealthCheckId": health_check_id},
                "TimeoutSeconds": t.task_timeout_seconds,
                "Retry": retry(t),
                "Output": {"route53": jx(checkers)},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"route53": "unknown"}, "Next": "CheckersUnread"}],
                "End": true
            },
            "CheckersUnread": {"Type": "Pass", "End": true}
        }
    })
}

/// The watcher's evidence policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    pub probe_interval_seconds: u32,
    pub probe_timeout_seconds: u32,
    /// Sustained failure before failing over, in seconds (a whole number of probes, at least 2).
    pub failure_window_seconds: u32,
    /// A person approves each automatic promotion, within a timeout.
    pub approval: Option<Approval>,
    /// This region is the home region and fails back to itself (a switchover) after this long
    /// of both endpoints healthy with its member in sync.
    pub failback_window_seconds: Option<u32>,
}

/// The approval step: the watcher publishes a task token to the notification topic and waits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Approval {
    pub timeout_seconds: u32,
    /// What an unanswered request means: go ahead (true) or give up (false).
    pub proceed_on_timeout: bool,
}

impl Policy {
    /// Failed probes in a row that make the decision.
    pub fn window_probes(&self) -> u32 {
        self.failure_window_seconds
            .div_ceil(self.probe_interval_seconds.max(1))
            .max(2)
    }

    /// Healthy probes in a row that make a failback.
    pub fn failback_probes(&self) -> Option<u32> {
        self.failback_window_seconds
            .map(|w| w.div_ceil(self.probe_interval_seconds.max(1)).max(2))
    }

    pub(super) fn shift_probes(&self) -> u32 {
        SCHEDULE_PERIOD_SECONDS
            .div_ceil(self.probe_interval_seconds.max(1))
            .max(1)
    }

    pub(super) fn max_probes(&self) -> u32 {
        (MAX_SHIFT_SECONDS / self.probe_interval_seconds.max(1))
            .max(self.window_probes() + self.shift_probes())
            .max(self.failback_probes().unwrap_or(0) + self.shift_probes())
    }

    /// The worst case of one probe round. Its requests run at once (a Parallel state: the other
    /// endpoint twice, this region's twice, Route 53's checkers), so the round takes as long as
    /// its slowest request: a probe timing out, or the checkers' read timing out on every
    /// attempt with its retry pauses.
    pub fn round_seconds(&self, t: &Tuning) -> f64 {
        let checkers = worst_case_seconds(&checkers_branch(t, ""), 1);
        f64::from(self.probe_timeout_seconds).max(checkers)
    }

    /// Rounds start every `probe_interval_seconds` counted from the previous round's start, or
    /// at once when a round took longer than that.
    pub fn round_period_seconds(&self, t: &Tuning) -> f64 {
        f64::from(self.probe_interval_seconds).max(self.round_seconds(t))
    }

    /// The worst case from the other region's failure to the decision: up to one period until
    /// the first round that sees it, the window's further rounds a period apart, and the last
    /// round at its slowest. Rounds do not add up their requests, so this is the window plus
    /// one round.
    pub fn detection_seconds(&self, t: &Tuning) -> f64 {
        f64::from(self.window_probes()) * self.round_period_seconds(t) + self.round_seconds(t)
    }
}

/// One side the watcher probes.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub region: String,
    /// `https://FQDN/health_path`
    pub url: String,
    pub health_check_id: String,
}

/// Everything one region's watcher needs, resolved at apply time.
#[derive(Clone, Debug, PartialEq)]
pub struct WatcherSpec {
    pub name: String,
    pub global_cluster_id: String,
    /// This region's member cluster: the writer a failover makes.
    pub own_member_arn: String,
    pub own: Probe,
    pub other: Probe,
    /// This region's runbook.
    pub runbook_arn: String,
    /// This region's EventBridge connection for the HTTP Tasks.
    pub connection_arn: String,
    pub topic_arn: Option<String>,
    pub policy: Policy,
    /// Act on a decision, or only report it.
    pub modes: Modes,
    pub tuning: Tuning,
    /// The runbook's execution timeout: how long the watcher follows the run it started.
    pub runbook_timeout_seconds: u64,
}
