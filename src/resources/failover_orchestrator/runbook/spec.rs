//! What a generated state machine is built from: the runbook's bounds and endpoints, resolved at
//! apply time, and the names the runbook, its builder and its analysis share.

/// The CloudWatch namespace of the runbooks' metrics.
pub const METRIC_NAMESPACE: &str = "trdr";

/// Knobs that bound the runbook's duration. Their defaults are the `runbook` block's (see the
/// orchestrator's model, which reads them from the schema).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tuning {
    pub poll_interval_seconds: u32,
    /// How long to wait for AWS to finish a promotion before reporting `PromotionTimedOut`.
    pub promotion_timeout_seconds: u32,
    pub task_timeout_seconds: u32,
    pub task_retries: u32,
}

impl Tuning {
    /// Polls that fit in the promotion timeout.
    pub fn max_polls(&self) -> u32 {
        self.promotion_timeout_seconds
            .div_ceil(self.poll_interval_seconds.max(1))
            .max(1)
    }
}

/// Step Functions' names for the RDS errors the promotion call branches on
/// (`ServiceName.ExceptionName`, with the `Exception` suffix Step Functions always uses).
pub(super) const RDS_THROTTLED: &str = "Rds.ThrottlingException";
pub(super) const RDS_BUSY: &str = "Rds.InvalidGlobalClusterStateException";

#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub region: String,
    pub fqdn: String,
    pub health_check_id: String,
}

/// Everything one region's runbook needs, resolved at apply time.
#[derive(Clone, Debug, PartialEq)]
pub struct RunbookSpec {
    pub name: String,
    pub global_cluster_id: String,
    /// This region's member cluster: the promotion target.
    pub target_cluster_arn: String,
    pub own: Endpoint,
    pub other: Endpoint,
    pub zone_id: String,
    pub record_name: String,
    pub ttl: u32,
    /// This region's notification topic.
    pub topic_arn: Option<String>,
    /// Session tables to check in this region during a drill.
    pub tables: Vec<String>,
    pub tuning: Tuning,
    /// Each run's measured recovery time is reported against it.
    pub rto_target_seconds: f64,
}

pub const PRIMARY_SET_ID: &str = "trdr-primary";
pub const SECONDARY_SET_ID: &str = "trdr-secondary";

/// States of the bounded poll loop (for the budget).
pub(super) const POLL_WAIT: &str = "WaitForPromotion";
pub(super) const POLL_TASK: &str = "PollPromotion";
