//! The orchestrator's attributes, each declared once (name, type, default, plan behaviour,
//! validators, documentation), the schema assembled from them, and the checks across attributes.

use std::time::Duration;

use super::runbook::watcher::Mode;
use crate::framework::attr::{Attr, BlockAttr};
use crate::framework::validate::{is_arn, is_iam_role_arn, Check};
use crate::framework::{Block, Diagnostics, Schema, Type, Value};
use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
use crate::resources::{references, regional_stack};
use crate::timeouts;

/// Create, update and delete each get 20 minutes unless `timeouts` says otherwise.
pub const DEFAULT_TIMEOUTS: [&str; 3] = ["20m", "20m", "20m"];
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

pub const ID: Attr<String> = Attr::computed(
    "id",
    "`name:environment_suffix`, e.g. `trading:dev`; known at plan time. Use it to import.",
)
.stable();
pub const GLOBAL_DATABASE_ID: Attr<String> = Attr::required(
    "global_database_id",
    "Id of the `trdr_global_database` whose writer the runbook moves.",
)
.replace()
.checks(references::GLOBAL_DATABASE);
pub const EXECUTION_ROLE_ARN: Attr<String> = Attr::required("execution_role_arn", "IAM role the state machines run as; it needs rds:DescribeGlobalClusters, rds:SwitchoverGlobalCluster, rds:FailoverGlobalCluster, route53:ChangeResourceRecordSets, route53:GetHealthCheckStatus, dynamodb:DescribeTable, sns:Publish and cloudwatch:PutMetricData (namespace `trdr`, each run's record); with `automatic_failover` also states:InvokeHTTPEndpoint, events:RetrieveConnectionCredentials, secretsmanager:GetSecretValue and DescribeSecret on the connection's secret, states:ListExecutions, StartExecution, DescribeExecution and ListTagsForResource.")
    .checks(&[Check::Matches("an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", is_iam_role_arn)]);
pub const NOTIFICATION_TOPIC_ARN: Attr<String> = Attr::optional("notification_topic_arn", "SNS topic for start, success and failure notices. Each region's runbook publishes to the topic of this name in its own region, so create it in both regions.")
    .checks(&[Check::Matches("an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", |s| is_arn(s) && s.split(':').nth(2) == Some("sns"))]);
pub const REGIONAL_STACK_IDS: Attr<Vec<String>> = Attr::optional(
    "regional_stack_ids",
    "Ids of the `trdr_regional_stack`s whose session tables a drill checks.",
)
.checks(regional_stack::STACK_IDS);
pub const RTO_TARGET_SECONDS: Attr<f64> = Attr::optional("rto_target_seconds", "Recovery-time objective in seconds. The default covers a failover with every other setting at its default: what trdr controls at its worst (`rto_budget_seconds`) plus 300 s for AWS's promotion, which AWS documents as taking minutes. Every run reports its measured recovery time against it and publishes an `rto-exceeded` notice when it was missed; a missed target never aborts a promotion. A plan warns when what trdr controls (`rto_budget_seconds`) already exceeds it.")
    .default(600.0)
    .checks(&[Check::Range(1.0, 3600.0)]);
pub const STATE_MACHINE_ARNS: Attr<Value> =
    Attr::computed("state_machine_arns", "Runbook state machine ARN by region.")
        .stable()
        .of_type(Type::map_of_strings);
pub const HEALTH_CHECK_IDS: Attr<Value> =
    Attr::computed("health_check_ids", "Route 53 health check id by region.")
        .stable()
        .of_type(Type::map_of_strings);
pub const ACTIVE_REGION: Attr<String> = Attr::computed("active_region", "Region the `PRIMARY` record points at now. It follows the database's writer after a runbook run; that is not drift.");
pub const RTO_BUDGET_SECONDS: Attr<f64> = Attr::computed("rto_budget_seconds", "The worst case of what trdr controls: detection (`request_interval` × `failure_threshold`; with `automatic_failover`, the watcher's window rounded to whole probe intervals plus one probe round at its slowest), the runbook's own overhead (every Task timing out on every attempt, every retry pause at its cap, one poll interval after the promotion finished) and the DNS TTL. AWS's promotion itself comes on top; AWS documents it as taking minutes.");
pub const DRIFT: Attr<Vec<String>> = Attr::computed("drift", "Out-of-band changes no attribute can show, found by the last refresh: a runbook or health check deleted, a runbook edited, a record pointing elsewhere. A plan that empties this list repairs them. Changed settings (health check threshold, endpoints, DNS TTL) show in their own attributes instead, so `ignore_changes` can accept them; the one `health_check` block reports the region whose check departs from what the last apply set.");

pub const DNS: BlockAttr = BlockAttr::single("dns", "The failover record pair.");
pub const ZONE_ID: Attr<String> = Attr::required("zone_id", "Route 53 hosted zone id.")
    .replace()
    .checks(&[Check::Matches(
        "a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
        |s| {
            let id = s.trim_start_matches("/hostedzone/");
            !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_alphanumeric())
        },
    )]);
pub const RECORD_NAME: Attr<String> = Attr::required(
    "record_name",
    "Record name, e.g. `api.trading.example.com`.",
)
.replace()
.checks(&[Check::Matches("a DNS name", is_dns_name)]);
pub const TTL: Attr<i64> = Attr::optional("ttl", "TTL of both records in seconds.")
    .default(60)
    .checks(&[Check::Whole, Check::Range(0.0, 172800.0)]);

pub const PRIMARY_ENDPOINT: BlockAttr = BlockAttr::single(
    "primary_endpoint",
    "The application endpoint in the primary region (the provider's primary_region).",
);
pub const SECONDARY_ENDPOINT: BlockAttr = BlockAttr::single(
    "secondary_endpoint",
    "The application endpoint in the secondary region (the provider's secondary_region).",
);
pub const FQDN: Attr<String> = Attr::required("fqdn", "Host name of the endpoint, e.g. `abc123.execute-api.us-east-1.amazonaws.com`; the health check probes it over HTTPS and the failover record points at it.")
    .checks(&[Check::Matches("a host name", is_dns_name)]);
pub const HEALTH_PATH: Attr<String> =
    Attr::optional("health_path", "Path the health check requests.")
        .default("/health")
        .checks(&[Check::Matches("a path starting with /", |s| {
            s.starts_with('/') && s.len() <= 255
        })]);

pub const HEALTH_CHECK: BlockAttr =
    BlockAttr::optional("health_check", "How Route 53 probes each endpoint.");
pub const REQUEST_INTERVAL: Attr<i64> = Attr::optional(
    "request_interval",
    "Seconds between probes: 10 or 30. A change replaces the health checks.",
)
.default(30)
.checks(&[Check::Rule(|v| {
    let n = v.as_f64()?;
    (n != 10.0 && n != 30.0)
        .then(|| format!("{n} is not allowed: Route 53 probes every 10 or 30 seconds."))
})]);
pub const FAILURE_THRESHOLD: Attr<i64> = Attr::optional(
    "failure_threshold",
    "Consecutive failures before an endpoint is unhealthy, 1 to 10; changed in place.",
)
.default(3)
.checks(&[Check::Whole, Check::Range(1.0, 10.0)]);

pub const RUNBOOK: BlockAttr = BlockAttr::optional("runbook", "Bounds of the generated runbook; with the health check and DNS TTL they determine `rto_budget_seconds`.");
pub const POLL_INTERVAL_SECONDS: Attr<i64> = Attr::optional("poll_interval_seconds", "Wait between polls of the promotion (1 to 30): the runbook notices a finished promotion at most this late.")
    .default(5)
    .checks(&[Check::Whole, Check::Range(1.0, 30.0)]);
pub const PROMOTION_TIMEOUT_SECONDS: Attr<i64> = Attr::optional("promotion_timeout_seconds", "How long the runbook waits for AWS to finish the promotion before reporting `PromotionTimedOut` (60 to 3600; AWS documents promotion as taking minutes). The execution timeout is derived from it.")
    .default(900)
    .checks(&[Check::Whole, Check::Range(60.0, 3600.0)]);
pub const TASK_TIMEOUT_SECONDS: Attr<i64> = Attr::optional(
    "task_timeout_seconds",
    "Timeout of each AWS call (1 to 30).",
)
.default(2)
.checks(&[Check::Whole, Check::Range(1.0, 30.0)]);
pub const TASK_RETRIES: Attr<i64> = Attr::optional(
    "task_retries",
    "Retries of each AWS call after its first attempt, with backoff and jitter (1 to 5).",
)
.default(1)
.checks(&[Check::Whole, Check::Range(1.0, 5.0)]);

pub const AUTOMATIC_FAILOVER: BlockAttr = BlockAttr::optional("automatic_failover", "Fail over without a person: a watcher in each region (a Step Functions state machine started every minute by EventBridge Scheduler) probes both endpoints' health paths from its own region through HTTP Tasks and, when the other region has been failing for `failure_window_seconds` while its own endpoint answers, starts its own region's runbook in `failover` mode. With it, `writer_region` on the global database is a preference: a plan never moves the writer back after a failover. See the failover guide for the evidence, the guards and the cost.");
pub const PROBE_INTERVAL_SECONDS: Attr<i64> = Attr::optional(
    "probe_interval_seconds",
    "Seconds between a watcher's probes (5 to 60).",
)
.default(10)
.checks(&[Check::Whole, Check::Range(5.0, 60.0)]);
pub const PROBE_TIMEOUT_SECONDS: Attr<i64> = Attr::optional(
    "probe_timeout_seconds",
    "Timeout of one probe's HTTP request (1 to 30).",
)
.default(5)
.checks(&[Check::Whole, Check::Range(1.0, 30.0)]);
pub const FAILURE_WINDOW_SECONDS: Attr<i64> = Attr::optional("failure_window_seconds", "How long the other region must fail every probe, with Route 53's checkers not reporting it healthy, before the watcher fails over (20 to 3600, rounded up to whole probes, at least two). One successful probe starts the window again.")
    .default(60)
    .checks(&[Check::Whole, Check::Range(20.0, 3600.0)]);
pub const FAILOVER_MODE: Attr<String> = Attr::optional("mode", "`act`: a decision starts the runbook in `failover` mode. `practice`: the watchers probe and decide exactly as they would, through the same guards (the window, their own endpoint answering, the pause tag, the writer read again), and then, instead of asking approval or starting anything, publish a `would-fail-over` notice with their observations to `notification_topic_arn` in their own region and the CloudWatch metric `WouldFailOver` (namespace `trdr`, dimension `Watcher`); they never promote. Watch a practice period before switching to `act` (see the failover guide); the switch is an in-place update.")
    .default("act")
    .checks(&[Check::OneOf(&Mode::NAMES)]);
pub const PAUSED: Attr<bool> = Attr::optional("paused", "Pausing is an operation, not configuration: leave this unset and pause or resume with the actions `trdr_pause` and `trdr_resume` (or, without actions, by tagging the watcher's state machine `TrdrWatch = paused` with the AWS CLI, see the failover guide); an apply then never changes the pause. Set it only to make the configuration own the pause: `true` pauses both watchers, `false` resumes them, and a refresh reports a pause made otherwise as a change.");
pub const SCHEDULE_ROLE_ARN: Attr<String> = Attr::optional("schedule_role_arn", "IAM role EventBridge Scheduler assumes to start the watcher (`states:StartExecution` on the watchers; trusted by scheduler.amazonaws.com). Default: `execution_role_arn`, which must then trust scheduler.amazonaws.com too.")
    .checks(&[Check::Matches("an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", is_iam_role_arn)]);
pub const APPROVAL_TIMEOUT_SECONDS: Attr<i64> = Attr::optional("approval_timeout_seconds", "When set, each automatic promotion waits for a person: the watcher publishes an `approval-needed` notice with a Step Functions task token to `notification_topic_arn` (required then) in its own region, and goes ahead on `SendTaskSuccess`, gives up on `SendTaskFailure`. Unanswered after this many seconds (60 to 86400), `approval_on_timeout` decides.")
    .checks(&[Check::Whole, Check::Range(60.0, 86400.0)]);
pub const APPROVAL_ON_TIMEOUT: Attr<String> = Attr::optional("approval_on_timeout", "What an unanswered approval means: `proceed` (the approval is a chance to veto, and a person asleep must not keep the platform down) or `abandon`.")
    .default("proceed")
    .checks(&[Check::OneOf(&["proceed", "abandon"])]);

pub const AUTOMATIC_FAILBACK: BlockAttr = BlockAttr::optional("automatic_failback", "Switch back by itself (a managed switchover, no data loss) once the primary region (the provider's `primary_region`) has been healthy for `healthy_window_seconds`, with the current writer's endpoint healthy too and the primary's member reported in sync by RDS; the same guards as `automatic_failover` (pause, approval, one promotion). Needs `automatic_failover`.");
pub const HEALTHY_WINDOW_SECONDS: Attr<i64> = Attr::optional(
    "healthy_window_seconds",
    "How long both endpoints must answer every probe before failing back (60 to 3000).",
)
.default(600)
.checks(&[Check::Whole, Check::Range(60.0, 3000.0)]);
pub const FAILBACK_MODE: Attr<String> = Attr::optional("mode", "`act`: a failback decision starts the runbook in `switchover` mode. `practice`: the home region's watcher decides exactly as it would and publishes a `would-fail-back` notice and the metric `WouldFailBack` instead; it never switches over. Independent of `automatic_failover`'s `mode`.")
    .default("act")
    .checks(&[Check::OneOf(&Mode::NAMES)]);

pub const WATCHER_ARNS: Attr<Value> = Attr::computed("watcher_arns", "With `automatic_failover`: the watcher state machine's ARN by region (its executions' output lists what each shift saw); empty without.")
    .of_type(Type::map_of_strings);

fn endpoint_block() -> Block {
    Block::default().with(&[&FQDN, &HEALTH_PATH])
}

/// The blocks whose presence AWS cannot show (see [`crate::resources::spelled`]).
pub const SPELLED: &[&str] = &["health_check", "runbook", "timeouts"];

pub fn schema() -> Schema {
    Schema {
        // 1: see upgrade.rs.
        version: 1,
        block: Block::new("The failover runbook and the DNS it steers: an HTTPS health check per endpoint, the `PRIMARY`/`SECONDARY` failover record pair (on the database's writer region and the other), and a Step Functions state machine in each region that makes its own region the writer — so it runs while the other region is down. Input `{\"mode\": \"failover\" | \"switchover\" | \"drill\"}`.")
            .with(&[&ID, &NAME, &ENVIRONMENT_SUFFIX, &GLOBAL_DATABASE_ID, &EXECUTION_ROLE_ARN, &NOTIFICATION_TOPIC_ARN, &REGIONAL_STACK_IDS, &RTO_TARGET_SECONDS, &STATE_MACHINE_ARNS, &HEALTH_CHECK_IDS, &ACTIVE_REGION, &RTO_BUDGET_SECONDS, &DRIFT, &WATCHER_ARNS])
            .nest(&DNS, Block::default().with(&[&ZONE_ID, &RECORD_NAME, &TTL]))
            .nest(&PRIMARY_ENDPOINT, endpoint_block())
            .nest(&SECONDARY_ENDPOINT, endpoint_block())
            .nest(&HEALTH_CHECK, Block::default().with(&[&REQUEST_INTERVAL, &FAILURE_THRESHOLD]))
            .nest(&RUNBOOK, Block::default()
                .with(&[&POLL_INTERVAL_SECONDS, &PROMOTION_TIMEOUT_SECONDS, &TASK_TIMEOUT_SECONDS, &TASK_RETRIES]))
            .nest(&AUTOMATIC_FAILOVER, Block::default()
                .with(&[&PROBE_INTERVAL_SECONDS, &PROBE_TIMEOUT_SECONDS, &FAILURE_WINDOW_SECONDS, &FAILOVER_MODE, &PAUSED, &SCHEDULE_ROLE_ARN, &APPROVAL_TIMEOUT_SECONDS, &APPROVAL_ON_TIMEOUT]))
            .nest(&AUTOMATIC_FAILBACK, Block::default().with(&[&HEALTHY_WINDOW_SECONDS, &FAILBACK_MODE]))
            .block(timeouts::block(DEFAULT_TIMEOUTS)),
    }
}

/// The checks across attributes (each attribute's own run from the schema).
pub(super) fn check(config: &Value, diags: &mut Diagnostics) {
    let (p, s) = (
        FQDN.raw(PRIMARY_ENDPOINT.of(config)).as_str(),
        FQDN.raw(SECONDARY_ENDPOINT.of(config)).as_str(),
    );
    if p.is_some() && p == s {
        diags.attr_error(
            &FQDN.under(&SECONDARY_ENDPOINT.path()),
            "is the same as primary_endpoint.fqdn; failover needs an endpoint in each region.",
        );
    }
    check_automatic(config, diags);
}

/// The checks of `automatic_failover` and `automatic_failback` that span attributes.
fn check_automatic(config: &Value, diags: &mut Diagnostics) {
    let auto = AUTOMATIC_FAILOVER.of(config);
    if !AUTOMATIC_FAILBACK.of(config).is_null() && auto.is_null() {
        diags.attr_error(
            &AUTOMATIC_FAILBACK.path(),
            "needs an automatic_failover block: the watchers it uses are automatic failover's.",
        );
    }
    if !APPROVAL_TIMEOUT_SECONDS.raw(auto).is_null() && NOTIFICATION_TOPIC_ARN.raw(config).is_null()
    {
        diags.attr_error(
            &APPROVAL_TIMEOUT_SECONDS.under(&AUTOMATIC_FAILOVER.path()),
            "needs notification_topic_arn: the approval request (its task token) is published there.",
        );
    }
}

fn is_dns_name(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
        })
}
