//! What a watcher is built from: its evidence policy, the two sides it probes and everything
//! else resolved at apply time, and the pause tag it reads.

use super::super::spec::Tuning;

/// The tag on a watcher's state machine that pauses it (`TrdrWatch = paused`); anything else, or
/// no tag, means watching.
pub const PAUSE_TAG: &str = "TrdrWatch";
pub const PAUSED: &str = "paused";
pub const WATCHING: &str = "watching";
/// Who paused the watcher, why and when (RFC 3339), beside the pause tag: set by the `trdr_pause`
/// action (or by hand with the CLI), cleared by `trdr_resume`. Values within Step Functions' tag
/// character set.
#[allow(dead_code)] // read and written by the pause actions, which come next
pub const PAUSED_BY_TAG: &str = "TrdrWatchPausedBy";
#[allow(dead_code)]
pub const PAUSE_REASON_TAG: &str = "TrdrWatchPauseReason";
#[allow(dead_code)]
pub const PAUSED_AT_TAG: &str = "TrdrWatchPausedAt";

/// How many observations a shift's output keeps (the most recent).
pub(super) const KEEP_OBSERVATIONS: u32 = 12;
/// A shift lasts about the schedule's period when all is well.
const SCHEDULE_PERIOD_SECONDS: u32 = 60;
/// A shift on duty through a long streak that never reaches a decision (e.g. Route 53 reporting
/// the other endpoint healthy) ends after an hour; the next one starts a new streak. Bounds the
/// execution's history (25,000 events).
const MAX_SHIFT_SECONDS: u32 = 3600;

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

    /// The worst case from the first failed probe to the decision: the window, each probe's two
    /// HTTP calls and the checkers' read timing out.
    pub fn detection_seconds(&self, task_timeout: u32) -> f64 {
        let per_probe = self.probe_interval_seconds + 2 * self.probe_timeout_seconds + task_timeout;
        (self.window_probes() * per_probe) as f64
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
    pub tuning: Tuning,
    /// The runbook's execution timeout: how long the watcher follows the run it started.
    pub runbook_timeout_seconds: u64,
}
