//! The builder every generated state machine (runbook, watcher) is written with: the Task shape
//! (timeout, Retry with backoff and jitter, Catch, Assign), notices, metrics, the drill's health
//! look and the promotion call.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::spec::{Endpoint, Tuning, METRIC_NAMESPACE, POLL_WAIT, RDS_BUSY, RDS_THROTTLED};

/// Retry pauses: 1 s, doubling, capped at 2 s, with full jitter.
const RETRY_INTERVAL: u32 = 1;
const RETRY_BACKOFF: f64 = 2.0;
const RETRY_MAX_DELAY: u32 = 2;
pub(super) fn retry_on(t: &Tuning, errors: &[&str]) -> Json {
    json!([{
        "ErrorEquals": errors,
        "MaxAttempts": t.task_retries,
        "IntervalSeconds": RETRY_INTERVAL,
        "BackoffRate": RETRY_BACKOFF,
        "MaxDelaySeconds": RETRY_MAX_DELAY,
        "JitterStrategy": "FULL"
    }])
}

/// Calls that are safe to repeat (reads, UPSERTs, notices).
pub(super) fn retry(t: &Tuning) -> Json {
    retry_on(t, &["States.ALL"])
}

/// A JSONata expression.
pub(super) fn jx(e: &str) -> Json {
    Json::String(format!("{{% {e} %}}"))
}

/// Appends a step's duration to `$steps` and moves the mark.
pub(super) fn timed(step: &str) -> BTreeMap<String, Json> {
    BTreeMap::from([
        (
            "steps".to_string(),
            jx(&format!(
                "$append($steps, [{{'step': '{step}', 'ms': $millis() - $mark}}])"
            )),
        ),
        ("mark".to_string(), jx("$millis()")),
    ])
}

/// The Catch that records a failure and moves to `next`.
fn catch_failure(name: &str, errors: &[&str], next: &str) -> Json {
    json!({
        "ErrorEquals": errors,
        "Assign": {
            "error": jx("$states.errorOutput.Error"),
            "cause": jx(&format!("'{name}: ' & ($exists($states.errorOutput.Cause) ? $states.errorOutput.Cause : $states.errorOutput.Error)")),
            "steps": jx(&format!("$append($steps, [{{'step': '{name}', 'ms': $millis() - $mark, 'failed': true}}])")),
            "mark": jx("$millis()")
        },
        "Next": next
    })
}

pub(super) struct Builder<'a> {
    pub(super) t: &'a Tuning,
    pub(super) states: serde_json::Map<String, Json>,
}

impl Builder<'_> {
    /// Every Task's shape: the call (resource, arguments), its timeout, Retry, what it assigns,
    /// its Catches and `next`.
    pub(super) fn task_state(
        &mut self,
        name: &str,
        (resource, args): (&str, Json),
        assign: Json,
        retry: Json,
        catch: Vec<Json>,
        next: &str,
    ) {
        self.states.insert(
            name.to_string(),
            json!({
                "Type": "Task",
                "Resource": resource,
                "Arguments": args,
                "TimeoutSeconds": self.t.task_timeout_seconds,
                "Retry": retry,
                "Assign": assign,
                "Catch": catch,
                "Next": next
            }),
        );
    }

    /// A Task with timeout, Retry and a Catch to `on_error` that records the failure.
    pub(super) fn task(
        &mut self,
        name: &str,
        resource: &str,
        args: Json,
        mut assign: BTreeMap<String, Json>,
        next: &str,
        on_error: &str,
    ) {
        assign.extend(timed(name));
        let catch = vec![catch_failure(name, &["States.ALL"], on_error)];
        self.task_state(
            name,
            (resource, args),
            json!(assign),
            retry(self.t),
            catch,
            next,
        );
    }

    pub(super) fn state(&mut self, name: &str, v: Json) {
        self.states.insert(name.to_string(), v);
    }

    /// Publishes `event` to the topic, or just moves on when there is none. A failed notice never
    /// stops the runbook: its Catch moves on too.
    pub(super) fn notify(&mut self, name: &str, topic: Option<&str>, event: &str, next: &str) {
        match topic {
            None => self.state(name, json!({"Type": "Pass", "Next": next})),
            Some(topic) => {
                let message = format!(
                    "$string({{'event': '{event}', 'runbook': $states.context.StateMachine.Name, 'execution': $states.context.Execution.Name, 'mode': $mode, 'outcome': $outcome, 'dns': $dns, 'recovery_seconds': $recovery_seconds, 'rto_target_seconds': $rto_target, 'rto_exceeded': $rto_exceeded, 'error': $error, 'cause': $cause, 'steps': $steps}})"
                );
                self.task(
                    name,
                    "arn:aws:states:::sns:publish",
                    json!({"TopicArn": topic, "Subject": format!("trdr runbook {event}"), "Message": jx(&message)}),
                    BTreeMap::new(),
                    next,
                    next,
                );
            }
        }
    }

    /// Publishes the run to CloudWatch in the runbook's own region (namespace [`METRIC_NAMESPACE`],
    /// dimensions `Runbook` and `Mode`): `RunSucceeded` (`succeeded`: 1 or 0), `RunSeconds` and
    /// `RecoverySeconds`. A failed publish never stops the runbook and never replaces its error.
    pub(super) fn metrics(&mut self, name: &str, succeeded: &str, next: &str) {
        let dims = json!([
            {"Name": "Runbook", "Value": jx("$states.context.StateMachine.Name")},
            {"Name": "Mode", "Value": jx("$mode")}
        ]);
        let datum = |metric: &str, value: &str, unit: &str| json!({"MetricName": metric, "Value": jx(value), "Unit": unit, "Dimensions": dims});
        let recorded_only = json!({
            "ErrorEquals": ["States.ALL"],
            "Assign": {
                "steps": jx(&format!("$append($steps, [{{'step': '{name}', 'ms': $millis() - $mark, 'failed': true}}])")),
                "mark": jx("$millis()")
            },
            "Next": next
        });
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
                json!({
                    "Namespace": METRIC_NAMESPACE,
                    "MetricData": [
                        datum("RunSucceeded", succeeded, "Count"),
                        datum("RunSeconds", "($millis() - $start) / 1000", "Seconds"),
                        datum("RecoverySeconds", "$recovery_seconds", "Seconds")
                    ]
                }),
            ),
            json!(timed(name)),
            retry(self.t),
            vec![recorded_only],
            next,
        );
    }

    /// The drill's look at one endpoint's health check: `GetHealthCheckStatus` (what Route 53's
    /// checkers observe; `GetHealthCheck` only returns configuration). Route 53 considers an
    /// endpoint healthy when more than 18% of its checkers report it healthy. An unhealthy own
    /// endpoint fails the drill; an unhealthy other endpoint is a warning (that is when failover
    /// is needed); not being able to look is a warning.
    pub(super) fn drill_health(&mut self, name: &str, ep: &Endpoint, own: bool, next: &str) {
        let t = self.t;
        let unhealthy = if own { "fail" } else { "warn" };
        let check = format!(
            "($obs := $states.result.HealthCheckObservations; $ok := $count($obs[$contains(StatusReport.Status, 'Success')]); $n := $count($obs); $append($checks, [{{'name': 'health check {region}', 'status': ($n > 0 and $ok / $n > 0.18) ? 'pass' : '{unhealthy}', 'detail': $string($ok) & ' of ' & $string($n) & ' checkers report healthy'}}]))",
            region = ep.region
        );
        let mut assign = timed(name);
        assign.insert("checks".into(), jx(&check));
        let mut cannot_look = timed(name);
        cannot_look.insert(
            "checks".into(),
            jx(&format!("$append($checks, [{{'name': 'health check {}', 'status': 'warn', 'detail': $states.errorOutput.Error}}])", ep.region)),
        );
        let catch =
            vec![json!({"ErrorEquals": ["States.ALL"], "Assign": cannot_look, "Next": next})];
        self.task_state(
            name,
            (
                "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus",
                json!({"HealthCheckId": ep.health_check_id}),
            ),
            json!(assign),
            retry(t),
            catch,
            next,
        );
    }

    /// `SwitchoverGlobalCluster` / `FailoverGlobalCluster`: retried only when throttled (the call
    /// was refused, nothing started). A timeout or "invalid state" may mean the promotion was
    /// accepted or is already running, so the runbook polls and decides from what RDS reports.
    pub(super) fn promote(&mut self, name: &str, resource: &str, args: Json) {
        let mut assign = BTreeMap::from([("accepted".to_string(), Json::Bool(true))]);
        assign.extend(timed(name));
        let mut unsure = catch_failure(name, &["States.Timeout", RDS_BUSY], POLL_WAIT);
        unsure["Assign"]["accepted"] = Json::Bool(false);
        let catch = vec![
            unsure,
            catch_failure(name, &["States.ALL"], "NotifyFailure"),
        ];
        let retry = retry_on(self.t, &[RDS_THROTTLED]);
        self.task_state(
            name,
            (resource, args),
            json!(assign),
            retry,
            catch,
            POLL_WAIT,
        );
    }
}
