//! The watcher's states, phase by phase in the order a shift meets them: each function adds
//! the states of one phase, and reads like that part of the definition.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::builder::{jx, retry, retry_on, timed, Builder};
use super::super::spec::METRIC_NAMESPACE;
use super::spec::{checkers_branch, Mode, WatcherSpec, KEEP_OBSERVATIONS};
use super::tasks::probe_branch;

const WRITER: &str = "($w := $states.result.GlobalClusters[0].GlobalClusterMembers[IsWriter = true].DbClusterArn; $exists($w) ? $w : 'none')";
const PROMOTING: &str = "$exists($states.result.GlobalClusters[0].FailoverState.Status)";

/// A probe failed: our probe of the other endpoint failed and Route 53 does not contradict it.
const FAILED: &str = "($not($other_ok) and $route53 != 'healthy')";

/// Whether RDS reports `own_member` in sync. `SynchronizationStatus` is optional in the API
/// model: absent reads as not in sync, so no failback is made on a member whose state RDS does
/// not report.
fn synced(own_member: &str) -> String {
    format!("$count($states.result.GlobalClusters[0].GlobalClusterMembers[DbClusterArn = '{own_member}' and SynchronizationStatus = 'connected']) > 0")
}

/// Every phase, in order.
pub(super) fn all(b: &mut Builder<'_>, s: &WatcherSpec) {
    start(b, s);
    duty(b, s);
    observation(b, s);
    decision(b, s);
    failback(b, s);
    confirmation(b, s);
    super::practice::states(b, s);
    // A watcher that practises both decisions has no state that could promote: no approval, no
    // runbook started or followed.
    if acts(s) {
        approval(b, s);
        start_run(b, s);
        follow_run(b, s);
        promoted(b, s);
    }
    report(b, s);
}

/// Whether any decision of this watcher is acted on.
fn acts(s: &WatcherSpec) -> bool {
    s.modes.failover == Mode::Act || s.modes.failback == Mode::Act
}

/// Start: the shift's variables, and the pause tag (a paused watcher ends its shift at once).
fn start(b: &mut Builder<'_>, s: &WatcherSpec) {
    let w = s.policy.window_probes();
    // Who paused and why, the round's pace and the modes (read back by `modes_of`).
    let mut assign = json!({
        "paused_by": "", "pause_reason": "", "paused_at": "", "round_started": jx("$millis()"),
        "mode": s.modes.failover.as_str(), "failback_mode": s.modes.failback.as_str()
    });
    let rest = json!({
        "start": jx("$millis()"), "mark": jx("$millis()"), "steps": [],
        "paused": false, "outcome": "", "error": "", "cause": "", "blocked": "",
        "probes": 0, "streak": 0, "first_failed": 0, "failed_probes": 0, "partition": 0,
        "other_ok": true, "own_ok": true, "other_detail": "", "own_detail": "", "route53": "not-read",
        "observations": [], "decided": 0, "run_arn": "", "run_started": 0, "joined": false,
        "run_status": "", "run_output": {}, "run_polls": 0, "moved": 0,
        "first_failed_to_moved": 0, "detected_to_moved": 0, "writer": "",
        "window_probes": w, "healthy_streak": 0, "synced": false, "action": "failover",
        "approval": "none"
    });
    if let (Some(a), Some(r)) = (assign.as_object_mut(), rest.as_object()) {
        a.extend(r.clone());
    }
    b.state(
        "Start",
        json!({"Type": "Pass", "Assign": assign, "Next": "ReadPause"}),
    );
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
}

/// At most one shift on duty per region, and who writes: a shift in the writer's region, or
/// during a promotion, ends here.
fn duty(b: &mut Builder<'_>, s: &WatcherSpec) {
    let t = &s.tuning;
    let own_member = &s.own_member_arn;
    let synced = synced(own_member);
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
            "Default": "Round"
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
}

/// One observation, a probe round: its requests at once — the other endpoint twice (a dropped
/// connection is not an outage), this region's own twice, Route 53's checkers for the other —
/// then the tally of the streak.
fn observation(b: &mut Builder<'_>, s: &WatcherSpec) {
    let p = &s.policy;
    let w = p.window_probes();
    let failback = p.failback_probes();
    b.state(
        "Round",
        json!({"Type": "Pass", "Assign": {"round_started": jx("$millis()")}, "Next": "ProbeRound"}),
    );
    let (other, own) = (
        probe_branch(&s.other.url, &s.connection_arn, p.probe_timeout_seconds),
        probe_branch(&s.own.url, &s.connection_arn, p.probe_timeout_seconds),
    );
    // A Parallel state's output is its branches' outputs in order; the round's variables are
    // assigned from it by the next state (branches assign nothing: each has its own scope).
    let lost = jx("'the probe round failed: ' & $states.errorOutput.Error");
    b.state("ProbeRound", json!({
        "Type": "Parallel",
        "Branches": [other.clone(), other, own.clone(), own, checkers_branch(&s.tuning, &s.other.health_check_id)],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"other_ok": false, "other_detail": lost, "own_ok": false, "own_detail": lost, "route53": "unknown"}, "Next": "Tally"}],
        "Next": "Observed"
    }));
    // Either request to an endpoint answering is that endpoint answering; the detail shown is
    // the answer, or the first request's error.
    let either = |i: usize| {
        (
            jx(&format!("$states.input[{i}].ok or $states.input[{}].ok", i + 1)),
            jx(&format!(
                "($states.input[{i}].ok or $not($states.input[{j}].ok)) ? $states.input[{i}].detail : $states.input[{j}].detail",
                j = i + 1
            )),
        )
    };
    let ((other_ok, other_detail), (own_ok, own_detail)) = (either(0), either(2));
    b.state(
        "Observed",
        json!({
            "Type": "Pass",
            "Assign": {
                "other_ok": other_ok, "other_detail": other_detail,
                "own_ok": own_ok, "own_detail": own_detail,
                "route53": jx("$states.input[4].route53")
            },
            "Next": "Tally"
        }),
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
}

/// After each observation: decide, keep watching, or end the shift.
fn decision(b: &mut Builder<'_>, s: &WatcherSpec) {
    let p = &s.policy;
    let (w, shift, max) = (p.window_probes(), p.shift_probes(), p.max_probes());
    let failback = p.failback_probes();
    let interval_ms = u64::from(p.probe_interval_seconds) * 1000;
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
            {"Condition": jx(&format!("$streak = 0 and $probes >= {shift} and {}", if failback.is_some() { "$healthy_streak = 0" } else { "true" })), "Next": "ShiftEnded"},
            // Rounds keep their cadence: a slow round shortens the wait after it, and one that
            // took the whole interval is followed by the next at once.
            {"Condition": jx(&format!("$millis() - $round_started >= {}", interval_ms)), "Next": "Round"}
        ],
        "Default": "WaitProbe"
    }));
    b.state(
        "Blocked",
        json!({"Type": "Pass", "Assign": {"outcome": "blocked"}, "Next": "Report"}),
    );
    b.state(
        "WaitProbe",
        json!({
            "Type": "Wait",
            "Seconds": jx(&format!("$max([1, {} - $floor(($millis() - $round_started) / 1000)])", p.probe_interval_seconds)),
            "Next": "Round"
        }),
    );
    b.state("ShiftEnded", json!({
        "Type": "Pass",
        "Assign": {"outcome": jx("$failed_probes > 0 ? 'watched-failures' : 'watched-healthy'")},
        "Next": "Report"
    }));
}

/// Failback (the home region's watcher only): only onto a member RDS reports in sync.
fn failback(b: &mut Builder<'_>, s: &WatcherSpec) {
    let synced = synced(&s.own_member_arn);
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
}

/// The decision, confirmed against the pause tag and RDS just before acting.
fn confirmation(b: &mut Builder<'_>, s: &WatcherSpec) {
    let p = &s.policy;
    let own_member = &s.own_member_arn;
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
    let after_confirm = if !acts(s) {
        "WouldAct"
    } else if p.approval.is_some() && s.topic_arn.is_some() {
        "AskApproval"
    } else {
        "FindRun"
    };
    // A decision in practice mode has passed every guard an action would: here it is reported
    // instead, before any approval is asked or any runbook started.
    let mut choices =
        vec![json!({"Condition": jx(&format!("$writer = '{own_member}'")), "Next": "WriterHere"})];
    for (action, mode) in [
        ("failover", s.modes.failover),
        ("switchover", s.modes.failback),
    ] {
        if mode == Mode::Practice && acts(s) {
            choices.push(
                json!({"Condition": jx(&format!("$action = '{action}'")), "Next": "WouldAct"}),
            );
        }
    }
    b.state(
        "StillOtherWriter",
        json!({"Type": "Choice", "Choices": choices, "Default": after_confirm}),
    );
}

/// With `approval_timeout_seconds` and a topic: a person approves the promotion, and the pause
/// tag and the writer are confirmed again after the answer.
fn approval(b: &mut Builder<'_>, s: &WatcherSpec) {
    let t = &s.tuning;
    let p = &s.policy;
    let own_member = &s.own_member_arn;
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
}

/// Join a runbook execution already under way here, or start one.
fn start_run(b: &mut Builder<'_>, s: &WatcherSpec) {
    let t = &s.tuning;
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
}

/// Follow the run until it ends, and measure when the writer moved.
fn follow_run(b: &mut Builder<'_>, s: &WatcherSpec) {
    let t = &s.tuning;
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
}

/// Notices and metrics of an automatic promotion, and of a failed one.
fn promoted(b: &mut Builder<'_>, s: &WatcherSpec) {
    let t = &s.tuning;
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
    b.state(
        "Failed",
        json!({"Type": "Fail", "Error": jx("$error"), "Cause": jx("$cause")}),
    );
}

/// The shift's output and its end.
fn report(b: &mut Builder<'_>, s: &WatcherSpec) {
    b.state("Report", json!({
        "Type": "Pass",
        "Output": jx(&format!(
            "{{'region': '{}', 'mode': $action = 'switchover' ? $failback_mode : $mode, 'outcome': $outcome, 'paused': $paused, 'paused_by': $paused_by, 'pause_reason': $pause_reason, 'paused_at': $paused_at, 'blocked': $blocked, 'probes': $probes, 'failed_probes': $failed_probes, 'partition_probes': $partition, 'streak': $streak, 'window_probes': $window_probes, 'first_failed': $first_failed, 'decided': $decided, 'runbook_execution': $run_arn, 'joined': $joined, 'runbook_outcome': $exists($run_output.outcome) ? $run_output.outcome : '', 'first_failed_to_writer_moved_seconds': $first_failed_to_moved, 'detected_to_writer_moved_seconds': $detected_to_moved, 'action': $action, 'approval': $approval, 'healthy_streak': $healthy_streak, 'synced': $synced, 'cause': $cause, 'observations': $observations}}",
            s.own.region
        )),
        "Next": "Done"
    }));
    b.state("Done", json!({"Type": "Succeed"}));
}
