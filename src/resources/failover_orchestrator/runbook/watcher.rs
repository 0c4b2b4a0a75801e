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
//! Each probe (an observation) is:
//! - an HTTP Task (`arn:aws:states:::http:invoke`, through the region's EventBridge connection)
//!   to the other region's health path, and one to this region's own;
//! - when the other's probe failed, Route 53's checkers for the other endpoint
//!   (`GetHealthCheckStatus`): `healthy` (more than 18% of checkers report success, Route 53's
//!   own rule), `unhealthy`, or `unknown` when Route 53's control plane (us-east-1) cannot be
//!   read.
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
//! Nothing here calls the other region, nor Route 53 except the one optional read above.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::{jx, retry, retry_on, timed, Builder, Tuning, METRIC_NAMESPACE};

/// The tag on a watcher's state machine that pauses it (`TrdrWatch = paused`); anything else, or
/// no tag, means watching.
pub const PAUSE_TAG: &str = "TrdrWatch";
pub const PAUSED: &str = "paused";
pub const WATCHING: &str = "watching";

/// How many observations a shift's output keeps (the most recent).
const KEEP_OBSERVATIONS: u32 = 12;
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

    fn shift_probes(&self) -> u32 {
        SCHEDULE_PERIOD_SECONDS
            .div_ceil(self.probe_interval_seconds.max(1))
            .max(1)
    }

    fn max_probes(&self) -> u32 {
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

const WRITER: &str = "($w := $states.result.GlobalClusters[0].GlobalClusterMembers[IsWriter = true].DbClusterArn; $exists($w) ? $w : 'none')";
const PROMOTING: &str = "$exists($states.result.GlobalClusters[0].FailoverState.Status)";

/// A probe failed: our probe of the other endpoint failed and Route 53 does not contradict it.
const FAILED: &str = "($not($other_ok) and $route53 != 'healthy')";

impl Builder<'_> {
    /// An HTTP Task to `url`: `ok_var` is true on a 2xx answer. A probe that fails is an
    /// observation, never an error of the shift: its Catch records it and moves on. A socket
    /// error is tried once more (a dropped connection is not an outage).
    #[allow(clippy::too_many_arguments)]
    fn probe(
        &mut self,
        name: &str,
        url: &str,
        connection: &str,
        ok_var: &str,
        detail_var: &str,
        timeout: u32,
        extra: &[(&str, Json)],
        next: &str,
    ) {
        let mut ok = BTreeMap::from([
            (
                ok_var.to_string(),
                jx("$states.result.StatusCode >= 200 and $states.result.StatusCode < 300"),
            ),
            (
                detail_var.to_string(),
                jx("'HTTP ' & $string($states.result.StatusCode)"),
            ),
        ]);
        let mut failed = BTreeMap::from([
            (ok_var.to_string(), Json::Bool(false)),
            (detail_var.to_string(), jx("$states.errorOutput.Error")),
        ]);
        for (k, v) in extra {
            ok.insert(k.to_string(), v.clone());
            failed.insert(k.to_string(), v.clone());
        }
        self.state(
            name,
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Arguments": {
                    "ApiEndpoint": url,
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": connection}
                },
                "TimeoutSeconds": timeout,
                "Retry": retry_on(self.t, &["States.Http.Socket"]),
                "Assign": ok,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": failed, "Next": next}],
                "Next": next
            }),
        );
    }

    /// `DescribeGlobalClusters` in the watcher's own region, assigning `assign`; a read that fails
    /// ends the shift (`cannot-read-writer`): nothing is decided on a writer it cannot see.
    fn read_global(&mut self, name: &str, global_cluster_id: &str, assign: Json, next: &str) {
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
                json!({"GlobalClusterIdentifier": global_cluster_id}),
            ),
            assign,
            retry(self.t),
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"outcome": "cannot-read-writer", "cause": jx("$states.errorOutput.Error")}, "Next": "Report"})],
            next,
        );
    }

    /// Reads the pause tag of this watcher's own state machine into `$paused`; not being able to
    /// read it counts as paused (the watcher acts only on what it can see).
    fn read_pause(&mut self, name: &str, next: &str) {
        let tagged =
            format!("$count($states.result.Tags[Key = '{PAUSE_TAG}' and Value = '{PAUSED}']) > 0");
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:sfn:listTagsForResource",
                json!({"ResourceArn": jx("$states.context.StateMachine.Id")}),
            ),
            json!({"paused": jx(&tagged)}),
            retry(self.t),
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"paused": true, "cause": jx("'cannot read the pause tag: ' & $states.errorOutput.Error")}, "Next": next})],
            next,
        );
    }
}

pub fn definition(s: &WatcherSpec) -> Json {
    let t = &s.tuning;
    let p = &s.policy;
    let mut b = Builder {
        t,
        states: serde_json::Map::new(),
    };
    let own_member = &s.own_member_arn;
    let (w, shift, max) = (p.window_probes(), p.shift_probes(), p.max_probes());
    // `SynchronizationStatus` is optional in the API model: absent reads as not in sync, so no
    // failback is made on a member whose state RDS does not report.
    let synced = format!("$count($states.result.GlobalClusters[0].GlobalClusterMembers[DbClusterArn = '{own_member}' and SynchronizationStatus = 'connected']) > 0");
    let failback = p.failback_probes();

    b.state("Start", json!({
        "Type": "Pass",
        "Assign": {
            "start": jx("$millis()"), "mark": jx("$millis()"), "steps": [],
            "paused": false, "outcome": "", "error": "", "cause": "", "blocked": "",
            "probes": 0, "streak": 0, "first_failed": 0, "failed_probes": 0, "partition": 0,
            "other_ok": true, "own_ok": true, "other_detail": "", "own_detail": "", "route53": "not-read",
            "observations": [], "decided": 0, "run_arn": "", "run_started": 0, "joined": false,
            "run_status": "", "run_output": {}, "run_polls": 0, "moved": 0,
            "first_failed_to_moved": 0, "detected_to_moved": 0, "writer": "",
            "window_probes": w, "healthy_streak": 0, "synced": false, "action": "failover",
            "approval": "none"
        },
        "Next": "ReadPause"
    }));
    b.read_pause("ReadPause", "IsPaused");
    b.state(
        "IsPaused",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$paused"), "Next": "Paused"}],
            "Default": "CheckDuty"
        }),
    );
    b.state(
        "Paused",
        json!({"Type": "Pass", "Assign": {"outcome": "paused"}, "Next": "Report"}),
    );
    // At most one shift on duty per region: a shift started while another runs ends at once.
    b.task_state(
        "CheckDuty",
        (
            "arn:aws:states:::aws-sdk:sfn:listExecutions",
            json!({"StateMachineArn": jx("$states.context.StateMachine.Id"), "StatusFilter": "RUNNING"}),
        ),
        json!({"others": jx("$count($states.result.Executions[ExecutionArn != $states.context.Execution.Id])")}),
        retry(t),
        // Not knowing is no reason to stop watching: the runbook refuses a second promotion.
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"others": 0}, "Next": "OnDuty"})],
        "OnDuty",
    );
    b.state(
        "OnDuty",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$others > 0"), "Next": "AnotherShift"}],
            "Default": "ReadWriter"
        }),
    );
    b.state(
        "AnotherShift",
        json!({"Type": "Pass", "Assign": {"outcome": "another-shift-on-duty"}, "Next": "Report"}),
    );
    b.read_global(
        "ReadWriter",
        &s.global_cluster_id,
        json!({"writer": jx(WRITER), "promoting": jx(PROMOTING), "synced": jx(&synced)}),
        "WhoWrites",
    );
    b.state(
        "WhoWrites",
        json!({
            "Type": "Choice",
            "Choices": [
                {"Condition": jx(&format!("$writer = '{own_member}'")), "Next": "WriterHere"},
                {"Condition": jx("$promoting"), "Next": "PromotionUnderWay"}
            ],
            "Default": "ProbeOther"
        }),
    );
    b.state(
        "WriterHere",
        json!({"Type": "Pass", "Assign": {"outcome": "writer-here"}, "Next": "Report"}),
    );
    b.state(
        "PromotionUnderWay",
        json!({"Type": "Pass", "Assign": {"outcome": "promotion-under-way"}, "Next": "Report"}),
    );

    // One observation: the other endpoint, our own, and Route 53's checkers when ours failed.
    b.probe(
        "ProbeOther",
        &s.other.url,
        &s.connection_arn,
        "other_ok",
        "other_detail",
        p.probe_timeout_seconds,
        &[("route53", json!("not-read"))],
        "ProbeOwn",
    );
    b.probe(
        "ProbeOwn",
        &s.own.url,
        &s.connection_arn,
        "own_ok",
        "own_detail",
        p.probe_timeout_seconds,
        &[],
        "OtherAnswered",
    );
    b.state(
        "OtherAnswered",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$other_ok"), "Next": "Tally"}],
            "Default": "ReadCheckers"
        }),
    );
    let checkers = "($obs := $states.result.HealthCheckObservations; $ok := $count($obs[$contains(StatusReport.Status, 'Success')]); $n := $count($obs); ($n > 0 and $ok / $n > 0.18) ? 'healthy' : 'unhealthy')";
    b.task_state(
        "ReadCheckers",
        (
            "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus",
            json!({"HealthCheckId": s.other.health_check_id}),
        ),
        json!({"route53": jx(checkers)}),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"route53": "unknown"}, "Next": "Tally"})],
        "Tally",
    );
    let observation = format!(
        "{{'at': $millis(), 'other': $other_ok ? 'ok' : 'failed', 'other_detail': $other_detail, 'own': $own_ok ? 'ok' : 'failed', 'own_detail': $own_detail, 'route53': $route53, 'failed': {FAILED}}}"
    );
    let keep = KEEP_OBSERVATIONS;
    b.state("Tally", json!({
        "Type": "Pass",
        "Assign": {
            "probes": jx("$probes + 1"),
            "streak": jx(&format!("{FAILED} ? $streak + 1 : 0")),
            "first_failed": jx(&format!("{FAILED} ? ($streak = 0 ? $millis() : $first_failed) : 0")),
            "failed_probes": jx(&format!("$failed_probes + ({FAILED} ? 1 : 0)")),
            "partition": jx("$partition + (($not($other_ok) and $route53 = 'healthy') ? 1 : 0)"),
            "healthy_streak": if failback.is_some() { jx("($other_ok and $own_ok) ? $healthy_streak + 1 : 0") } else { json!(0) },
            "blocked": jx(&format!("({FAILED} and $streak + 1 >= {w} and $not($own_ok)) ? 'own-endpoint-unhealthy' : (($not($other_ok) and $route53 = 'healthy') ? 'route53-reports-healthy' : $blocked)")),
            "observations": jx(&format!("$count($observations) >= {keep} ? $append($observations[[1..{}]], [{observation}]) : $append($observations, [{observation}])", keep - 1))
        },
        "Next": "Decide"
    }));
    b.state("Decide", json!({
        "Type": "Choice",
        "Choices": [
            {"Condition": jx(&format!("$streak >= {w} and $own_ok")), "Next": "Decided"},
            // The window is full but this region's own endpoint fails: not into this region. The
            // next shift looks again from a new streak.
            {"Condition": jx(&format!("$streak >= {w}")), "Next": "Blocked"},
            // Failback (home region only): both sides healthy for the whole failback window.
            {"Condition": jx(&format!("$healthy_streak >= {}", failback.unwrap_or(u32::MAX))), "Next": "FailbackDecided"},
            {"Condition": jx(&format!("$probes >= {max}")), "Next": "ShiftEnded"},
            // A shift stays on duty through a failure streak, and through a failback window.
            {"Condition": jx(&format!("$streak = 0 and $probes >= {shift} and {}", if failback.is_some() { "$healthy_streak = 0" } else { "true" })), "Next": "ShiftEnded"}
        ],
        "Default": "WaitProbe"
    }));
    b.state(
        "Blocked",
        json!({"Type": "Pass", "Assign": {"outcome": "blocked"}, "Next": "Report"}),
    );
    b.state(
        "WaitProbe",
        json!({"Type": "Wait", "Seconds": p.probe_interval_seconds, "Next": "ProbeOther"}),
    );
    b.state("ShiftEnded", json!({
        "Type": "Pass",
        "Assign": {"outcome": jx("$failed_probes > 0 ? 'watched-failures' : 'watched-healthy'")},
        "Next": "Report"
    }));

    // Failback: only onto a member RDS reports in sync, as a switchover (no data loss).
    b.state("FailbackDecided", json!({"Type": "Pass", "Assign": {"decided": jx("$millis()"), "action": "switchover"}, "Next": "FailbackInSync"}));
    b.read_global(
        "FailbackInSync",
        &s.global_cluster_id,
        json!({"synced": jx(&synced), "promoting": jx(PROMOTING)}),
        "InSync",
    );
    b.state(
        "InSync",
        json!({
            "Type": "Choice",
            "Choices": [
                {"Condition": jx("$promoting"), "Next": "PromotionUnderWay"},
                {"Condition": jx("$synced"), "Next": "ConfirmPause"}
            ],
            "Default": "NotInSync"
        }),
    );
    b.state("NotInSync", json!({"Type": "Pass", "Assign": {"outcome": "blocked", "blocked": "not-in-sync"}, "Next": "Report"}));

    // The decision, confirmed against the pause tag and RDS just before acting.
    b.state(
        "Decided",
        json!({"Type": "Pass", "Assign": {"decided": jx("$millis()")}, "Next": "ConfirmPause"}),
    );
    b.read_pause("ConfirmPause", "StillUnpaused");
    b.state(
        "StillUnpaused",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$paused"), "Next": "PausedAtDecision"}],
            "Default": "ConfirmWriter"
        }),
    );
    b.state("PausedAtDecision", json!({"Type": "Pass", "Assign": {"outcome": "paused", "blocked": "paused"}, "Next": "Report"}));
    b.read_global(
        "ConfirmWriter",
        &s.global_cluster_id,
        json!({"writer": jx(WRITER)}),
        "StillOtherWriter",
    );
    let after_confirm = if p.approval.is_some() && s.topic_arn.is_some() {
        "AskApproval"
    } else {
        "FindRun"
    };
    b.state("StillOtherWriter", json!({
        "Type": "Choice",
        "Choices": [{"Condition": jx(&format!("$writer = '{own_member}'")), "Next": "WriterHere"}],
        "Default": after_confirm
    }));
    if let (Some(a), Some(topic)) = (p.approval, s.topic_arn.as_deref()) {
        // The token goes to the topic; a person answers with SendTaskSuccess (approve) or
        // SendTaskFailure (reject) in this region. Unanswered, `proceed_on_timeout` decides.
        let request = format!(
            "$string({{'event': 'approval-needed', 'action': $action, 'region': '{}', 'watcher': $states.context.StateMachine.Name, 'execution': $states.context.Execution.Name, 'task_token': $states.context.Task.Token, 'timeout_seconds': {}, 'on_timeout': '{}', 'approve': 'aws stepfunctions send-task-success --region {} --task-output {{}} --task-token TOKEN', 'reject': 'aws stepfunctions send-task-failure --region {} --task-token TOKEN', 'observations': $observations}})",
            s.own.region, a.timeout_seconds, if a.proceed_on_timeout { "proceed" } else { "abandon" }, s.own.region, s.own.region
        );
        let on_timeout = if a.proceed_on_timeout {
            "ReconfirmPause"
        } else {
            "Unapproved"
        };
        b.state("AskApproval", json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
            "Arguments": {"TopicArn": topic, "Subject": "trdr automatic failover: approval needed", "Message": jx(&request)},
            "TimeoutSeconds": a.timeout_seconds,
            "Retry": retry_on(t, &["SNS.InternalErrorException"]),
            "Assign": {"approval": "approved"},
            "Catch": [
                {"ErrorEquals": ["States.Timeout"], "Assign": {"approval": "timed-out"}, "Next": on_timeout},
                {"ErrorEquals": ["States.ALL"], "Assign": {"approval": "rejected", "cause": jx("$states.errorOutput.Error")}, "Next": "Unapproved"}
            ],
            "Next": "ReconfirmPause"
        }));
        b.state("Unapproved", json!({"Type": "Pass", "Assign": {"outcome": "not-approved", "blocked": jx("$approval")}, "Next": "Report"}));
        // The wait may have been long: a pause tag set meanwhile, or a writer that moved here
        // meanwhile, still stops this failover after the answer.
        b.read_pause("ReconfirmPause", "StillUnpausedAfterApproval");
        b.state(
            "StillUnpausedAfterApproval",
            json!({
                "Type": "Choice",
                "Choices": [{"Condition": jx("$paused"), "Next": "PausedAtDecision"}],
                "Default": "ReconfirmWriter"
            }),
        );
        b.read_global(
            "ReconfirmWriter",
            &s.global_cluster_id,
            json!({"writer": jx(WRITER)}),
            "StillOtherWriterAfterApproval",
        );
        b.state("StillOtherWriterAfterApproval", json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx(&format!("$writer = '{own_member}'")), "Next": "WriterHere"}],
            "Default": "FindRun"
        }));
    }
    // Join a runbook execution already under way here (a person, or a shift before this one).
    b.task_state(
        "FindRun",
        (
            "arn:aws:states:::aws-sdk:sfn:listExecutions",
            json!({"StateMachineArn": s.runbook_arn, "StatusFilter": "RUNNING"}),
        ),
        json!({
            "run_arn": jx("$exists($states.result.Executions[0].ExecutionArn) ? $states.result.Executions[0].ExecutionArn : ''"),
            "joined": jx("$exists($states.result.Executions[0].ExecutionArn)"),
            "run_started": jx("$millis()")
        }),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"run_arn": "", "joined": false}, "Next": "JoinOrStart"})],
        "JoinOrStart",
    );
    b.state(
        "JoinOrStart",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$joined"), "Next": "WaitRun"}],
            "Default": "StartRun"
        }),
    );
    // StartExecution with the same name and input as a running execution returns that one, so
    // the retry is safe.
    b.task_state(
        "StartRun",
        (
            "arn:aws:states:::aws-sdk:sfn:startExecution",
            json!({
                "StateMachineArn": s.runbook_arn,
                "Name": jx("'auto-' & $action & '-' & $string($action = 'failover' ? $first_failed : $decided)"),
                "Input": jx("$string({'mode': $action, 'trigger': 'automatic', 'watcher': $states.context.Execution.Id, 'first_failed': $first_failed, 'observations': $observations})")
            }),
        ),
        json!({"run_arn": jx("$states.result.ExecutionArn"), "run_started": jx("$millis()")}),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"error": "RunbookNotStarted", "cause": jx("$states.errorOutput.Error & ': ' & $states.errorOutput.Cause")}, "Next": "NotifyWatchFailure"})],
        "WaitRun",
    );
    let run_polls = (s.runbook_timeout_seconds / t.poll_interval_seconds.max(1) as u64).max(1);
    b.state(
        "WaitRun",
        json!({"Type": "Wait", "Seconds": t.poll_interval_seconds, "Next": "ReadRun"}),
    );
    b.task_state(
        "ReadRun",
        ("arn:aws:states:::aws-sdk:sfn:describeExecution", json!({"ExecutionArn": jx("$run_arn")})),
        json!({
            "run_status": jx("$states.result.Status"),
            "run_output": jx("$exists($states.result.Output) ? $parse($states.result.Output) : {}"),
            "run_polls": jx("$run_polls + 1")
        }),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"run_polls": jx("$run_polls + 1")}, "Next": "RunDone"})],
        "RunDone",
    );
    b.state("RunDone", json!({
        "Type": "Choice",
        "Choices": [
            {"Condition": jx("$run_status = 'SUCCEEDED'"), "Next": "Moved"},
            {"Condition": jx("$run_status in ['FAILED', 'TIMED_OUT', 'ABORTED']"), "Next": "RunFailed"},
            {"Condition": jx(&format!("$run_polls >= {run_polls}")), "Next": "RunFailed"}
        ],
        "Default": "WaitRun"
    }));
    b.state("RunFailed", json!({
        "Type": "Pass",
        "Assign": {"error": "RunbookFailed", "cause": jx("'the runbook execution ' & $run_arn & ' ended ' & $run_status")},
        "Next": "NotifyWatchFailure"
    }));
    // When the writer moved: the runbook measures its own recovery from its start; a run this
    // shift joined is only known to be done now.
    b.state("Moved", json!({
        "Type": "Pass",
        "Assign": {
            "moved": jx("($not($joined) and $exists($run_output.recovery_seconds) and $run_output.recovery_seconds > 0) ? $run_started + $run_output.recovery_seconds * 1000 : $millis()"),
            "outcome": jx("$action = 'switchover' ? 'failed-back' : ($run_output.dns = 'pending' ? 'failed-over-dns-pending' : 'failed-over')")
        },
        "Next": "Measured"
    }));
    b.state(
        "Measured",
        json!({
            "Type": "Pass",
            "Assign": {
                "first_failed_to_moved": jx("$first_failed > 0 ? ($moved - $first_failed) / 1000 : 0"),
                "detected_to_moved": jx("($moved - $decided) / 1000")
            },
            "Next": "NotifyFailedOver"
        }),
    );
    let topic = s.topic_arn.as_deref();
    let notice = |event: &str| {
        format!(
        "$string({{'event': '{event}', 'watcher': $states.context.StateMachine.Name, 'execution': $states.context.Execution.Name, 'outcome': $outcome, 'runbook_execution': $run_arn, 'joined': $joined, 'first_failed_to_writer_moved_seconds': $first_failed_to_moved, 'detected_to_writer_moved_seconds': $detected_to_moved, 'error': $error, 'cause': $cause, 'observations': $observations}})"
    )
    };
    match topic {
        None => b.state("NotifyFailedOver", json!({"Type": "Pass", "Next": "PublishFailedOver"})),
        Some(topic) => b.task(
            "NotifyFailedOver",
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": topic, "Subject": "trdr automatic failover", "Message": jx(&notice("' & ($action = 'switchover' ? 'automatic-failback' : 'automatic-failover') & '"))}),
            BTreeMap::new(),
            "PublishFailedOver",
            "PublishFailedOver",
        ),
    }
    let dims = json!([{"Name": "Watcher", "Value": jx("$states.context.StateMachine.Name")}]);
    b.task_state(
        "PublishFailedOver",
        (
            "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
            json!({"Namespace": METRIC_NAMESPACE, "MetricData": [
                {"MetricName": "AutomaticFailoverSeconds", "Value": jx("$first_failed_to_moved"), "Unit": "Seconds", "Dimensions": dims},
                {"MetricName": "DetectionToWriterMovedSeconds", "Value": jx("$detected_to_moved"), "Unit": "Seconds", "Dimensions": dims}
            ]}),
        ),
        json!(timed("PublishFailedOver")),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Next": "Report"})],
        "Report",
    );
    match topic {
        None => b.state("NotifyWatchFailure", json!({"Type": "Pass", "Next": "Failed"})),
        Some(topic) => b.task(
            "NotifyWatchFailure",
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": topic, "Subject": "trdr automatic failover failed", "Message": jx(&notice("automatic-failover-failed"))}),
            BTreeMap::new(),
            "Failed",
            "Failed",
        ),
    }
    b.state("Report", json!({
        "Type": "Pass",
        "Output": jx(&format!(
            "{{'region': '{}', 'outcome': $outcome, 'paused': $paused, 'blocked': $blocked, 'probes': $probes, 'failed_probes': $failed_probes, 'partition_probes': $partition, 'streak': $streak, 'window_probes': $window_probes, 'first_failed': $first_failed, 'decided': $decided, 'runbook_execution': $run_arn, 'joined': $joined, 'runbook_outcome': $exists($run_output.outcome) ? $run_output.outcome : '', 'first_failed_to_writer_moved_seconds': $first_failed_to_moved, 'detected_to_writer_moved_seconds': $detected_to_moved, 'action': $action, 'approval': $approval, 'healthy_streak': $healthy_streak, 'synced': $synced, 'cause': $cause, 'observations': $observations}}",
            s.own.region
        )),
        "Next": "Done"
    }));
    b.state("Done", json!({"Type": "Succeed"}));
    b.state(
        "Failed",
        json!({"Type": "Fail", "Error": jx("$error"), "Cause": jx("$cause")}),
    );

    let per_probe =
        p.probe_interval_seconds + 2 * p.probe_timeout_seconds * 2 + 2 * t.task_timeout_seconds;
    // Waiting for a person is not probing: the approval's own timeout comes on top, so an
    // unanswered approval ends as `approval_on_timeout` says, never as a timed-out shift.
    let approval = s
        .topic_arn
        .as_ref()
        .and(p.approval)
        .map_or(0, |a| a.timeout_seconds as u64);
    let timeout = max as u64 * per_probe as u64 + approval + s.runbook_timeout_seconds + 120;
    json!({
        "Comment": format!("trdr failover watcher for {}: fails over to {} when {} stays down", s.name, s.own.region, s.other.region),
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "TimeoutSeconds": timeout,
        "States": b.states
    })
}

#[cfg(test)]
mod tests {
    use super::super::structural_problems;
    use super::*;

    fn spec(topic: bool) -> WatcherSpec {
        WatcherSpec {
            name: "trading-dev".into(),
            global_cluster_id: "trading-global-dev".into(),
            own_member_arn: "arn:aws:rds:us-east-2:000000000000:cluster:trading-us-east-2-dev"
                .into(),
            own: Probe {
                region: "us-east-2".into(),
                url: "https://b.example.com/health".into(),
                health_check_id: "hc-b".into(),
            },
            other: Probe {
                region: "us-east-1".into(),
                url: "https://a.example.com/health".into(),
                health_check_id: "hc-a".into(),
            },
            runbook_arn:
                "arn:aws:states:us-east-2:000000000000:stateMachine:trading-failover-us-east-2-dev"
                    .into(),
            connection_arn:
                "arn:aws:events:us-east-2:000000000000:connection/trading-probe-us-east-2-dev/1"
                    .into(),
            topic_arn: topic.then(|| "arn:aws:sns:us-east-2:000000000000:alerts".into()),
            policy: Policy {
                probe_interval_seconds: 10,
                probe_timeout_seconds: 5,
                failure_window_seconds: 60,
                approval: None,
                failback_window_seconds: None,
            },
            tuning: Tuning::default(),
            runbook_timeout_seconds: 1200,
        }
    }

    #[test]
    fn watcher_definitions_are_structurally_sound() {
        for topic in [true, false] {
            assert_eq!(
                structural_problems(&definition(&spec(topic))),
                Vec::<String>::new(),
                "topic {topic}"
            );
        }
    }

    #[test]
    fn approval_and_failback_are_wired_in_only_when_asked() {
        let plain = definition(&spec(true));
        assert!(plain["States"].get("AskApproval").is_none());
        assert_eq!(plain["States"]["StillOtherWriter"]["Default"], "FindRun");
        let mut s = spec(true);
        s.policy.approval = Some(Approval {
            timeout_seconds: 900,
            proceed_on_timeout: false,
        });
        s.policy.failback_window_seconds = Some(600);
        let d = definition(&s);
        assert_eq!(structural_problems(&d), Vec::<String>::new());
        let ask = &d["States"]["AskApproval"];
        assert_eq!(
            ask["Resource"],
            "arn:aws:states:::sns:publish.waitForTaskToken"
        );
        assert_eq!(ask["TimeoutSeconds"], 900);
        assert_eq!(ask["Catch"][0]["Next"], "Unapproved");
        // An answer (or proceed on timeout) is followed by the pause tag and the writer again.
        assert_eq!(ask["Next"], "ReconfirmPause");
        assert_eq!(
            d["States"]["StillUnpausedAfterApproval"]["Choices"][0]["Next"],
            "PausedAtDecision"
        );
        assert_eq!(
            d["States"]["StillOtherWriterAfterApproval"]["Choices"][0]["Next"],
            "WriterHere"
        );
        assert_eq!(
            d["States"]["StillOtherWriterAfterApproval"]["Default"],
            "FindRun"
        );
        // The whole shift outlasts its longest probing plus the longest approval wait, so an
        // unanswered approval is decided by approval_on_timeout, not by the shift timing out.
        let without = definition(&spec(true))["TimeoutSeconds"].as_u64().unwrap();
        s.policy.approval = Some(Approval {
            timeout_seconds: 86_400,
            proceed_on_timeout: true,
        });
        s.policy.failback_window_seconds = None;
        let day = definition(&s)["TimeoutSeconds"].as_u64().unwrap();
        assert_eq!(day, without + 86_400);
        s.policy.approval = Some(Approval {
            timeout_seconds: 900,
            proceed_on_timeout: false,
        });
        s.policy.failback_window_seconds = Some(600);
        assert!(ask["Arguments"]["Message"]
            .as_str()
            .unwrap()
            .contains("$states.context.Task.Token"));
        let decide = d["States"]["Decide"]["Choices"].to_string();
        assert!(decide.contains("$healthy_streak >= 60"), "{decide}");
        // A failback needs the member in sync, and is a switchover.
        assert_eq!(d["States"]["InSync"]["Default"], "NotInSync");
        assert_eq!(
            d["States"]["FailbackDecided"]["Assign"]["action"],
            "switchover"
        );
        // Without a topic there is nobody to ask: no approval step (the plan refuses that).
        s.topic_arn = None;
        assert!(definition(&s)["States"].get("AskApproval").is_none());
    }

    #[test]
    fn the_window_is_a_whole_number_of_probes_and_at_least_two() {
        let p = Policy {
            probe_interval_seconds: 10,
            probe_timeout_seconds: 5,
            failure_window_seconds: 60,
            approval: None,
            failback_window_seconds: None,
        };
        assert_eq!(p.window_probes(), 6);
        assert_eq!(
            Policy {
                failure_window_seconds: 5,
                ..p
            }
            .window_probes(),
            2
        );
        assert_eq!(
            Policy {
                failure_window_seconds: 65,
                ..p
            }
            .window_probes(),
            7
        );
        assert!(p.max_probes() >= p.window_probes() + p.shift_probes());
    }

    /// The decision needs the whole window, our own endpoint healthy, and is confirmed against
    /// the pause tag and RDS before the runbook starts.
    #[test]
    fn the_decision_is_guarded() {
        let d = definition(&spec(true));
        let st = &d["States"];
        let first = st["Decide"]["Choices"][0]["Condition"].as_str().unwrap();
        assert!(
            first.contains("$streak >= 6") && first.contains("$own_ok"),
            "{first}"
        );
        assert_eq!(st["Decided"]["Next"], "ConfirmPause");
        assert_eq!(st["StillUnpaused"]["Default"], "ConfirmWriter");
        assert_eq!(st["StillOtherWriter"]["Default"], "FindRun");
        assert_eq!(st["JoinOrStart"]["Choices"][0]["Next"], "WaitRun");
        // A failed probe counts only when Route 53 does not report the endpoint healthy.
        let streak = st["Tally"]["Assign"]["streak"].as_str().unwrap();
        assert!(streak.contains("$route53 != 'healthy'"), "{streak}");
        // Not being able to read the pause tag counts as paused.
        assert_eq!(st["ReadPause"]["Catch"][0]["Assign"]["paused"], true);
    }

    /// Nothing in the watcher calls the other region: every AWS call is an aws-sdk task (made in
    /// the watcher's own region), Route 53's status read, or an HTTP probe.
    #[test]
    fn the_watcher_depends_on_nothing_in_the_other_region() {
        let d = definition(&spec(true));
        for (name, st) in d["States"].as_object().unwrap() {
            let r = st["Resource"].as_str().unwrap_or_default();
            assert!(!r.contains("us-east-1"), "{name}: {r}");
            if st["Type"] == "Task" {
                let args = st["Arguments"].to_string();
                assert!(
                    !args.contains("arn:aws:rds:us-east-1") && !args.contains(":states:us-east-1"),
                    "{name}: {args}"
                );
            }
        }
    }
}
