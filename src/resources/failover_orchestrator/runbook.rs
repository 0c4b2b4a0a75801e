//! The failover runbook: a Step Functions definition generated from the same model as the
//! database, as plain data. One per region; each makes its own region the writer, so it runs
//! while the other region is down.
//!
//! Input `{"mode": "failover" | "switchover" | "drill"}`:
//! already the writer → succeed at once; `drill` → readiness report, no change; `switchover` →
//! `SwitchoverGlobalCluster`, `failover` → `FailoverGlobalCluster` with `AllowDataLoss`; then a
//! bounded poll of `DescribeGlobalClusters` (short waits, no long sleep); then the `PRIMARY`
//! record moved to this region in one batch with `SECONDARY`; then validation. Every Task has
//! Retry (backoff + jitter) and Catch; start, success and failure are published when a topic is
//! set. The output lists how long each step took.
//!
//! [`rto_budget_seconds`] computes the worst case from the definition itself, and
//! [`structural_problems`] checks what the sandbox's validator does not.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

/// Knobs that bound the runbook's duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tuning {
    pub poll_interval_seconds: u32,
    pub max_polls: u32,
    pub task_timeout_seconds: u32,
    pub task_retries: u32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            poll_interval_seconds: 2,
            max_polls: 4,
            task_timeout_seconds: 2,
            task_retries: 1,
        }
    }
}

/// Retry pauses: 1 s, doubling, capped at 2 s, with full jitter.
const RETRY_INTERVAL: u32 = 1;
const RETRY_BACKOFF: f64 = 2.0;
const RETRY_MAX_DELAY: u32 = 2;

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
}

pub const PRIMARY_SET_ID: &str = "trdr-primary";
pub const SECONDARY_SET_ID: &str = "trdr-secondary";

/// States of the bounded poll loop (for the budget).
const POLL_WAIT: &str = "WaitForPromotion";
const POLL_TASK: &str = "PollPromotion";

fn retry(t: &Tuning) -> Json {
    json!([{
        "ErrorEquals": ["States.ALL"],
        "MaxAttempts": t.task_retries,
        "IntervalSeconds": RETRY_INTERVAL,
        "BackoffRate": RETRY_BACKOFF,
        "MaxDelaySeconds": RETRY_MAX_DELAY,
        "JitterStrategy": "FULL"
    }])
}

/// A JSONata expression.
fn jx(e: &str) -> Json {
    Json::String(format!("{{% {e} %}}"))
}

/// Appends a step's duration to `$steps` and moves the mark.
fn timed(step: &str) -> BTreeMap<String, Json> {
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

struct Builder<'a> {
    t: &'a Tuning,
    states: serde_json::Map<String, Json>,
}

impl Builder<'_> {
    /// A Task with timeout, Retry and a Catch to `on_error` that records the failure.
    fn task(
        &mut self,
        name: &str,
        resource: &str,
        args: Json,
        mut assign: BTreeMap<String, Json>,
        next: &str,
        on_error: &str,
    ) {
        assign.extend(timed(name));
        self.states.insert(
            name.to_string(),
            json!({
                "Type": "Task",
                "Resource": resource,
                "Arguments": args,
                "TimeoutSeconds": self.t.task_timeout_seconds,
                "Retry": retry(self.t),
                "Assign": assign,
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "Assign": {
                        "error": jx("$states.errorOutput.Error"),
                        "cause": jx(&format!("'{name}: ' & ($exists($states.errorOutput.Cause) ? $states.errorOutput.Cause : $states.errorOutput.Error)")),
                        "steps": jx(&format!("$append($steps, [{{'step': '{name}', 'ms': $millis() - $mark, 'failed': true}}])")),
                        "mark": jx("$millis()")
                    },
                    "Next": on_error
                }],
                "Next": next
            }),
        );
    }

    fn state(&mut self, name: &str, v: Json) {
        self.states.insert(name.to_string(), v);
    }

    /// Publishes `event` to the topic, or just moves on when there is none. A failed notice never
    /// stops the runbook: its Catch moves on too.
    fn notify(&mut self, name: &str, topic: Option<&str>, event: &str, next: &str) {
        match topic {
            None => self.state(name, json!({"Type": "Pass", "Next": next})),
            Some(topic) => {
                let message = format!(
                    "$string({{'event': '{event}', 'runbook': $states.context.StateMachine.Name, 'execution': $states.context.Execution.Name, 'mode': $mode, 'error': $error, 'cause': $cause, 'steps': $steps}})"
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
}

fn describe_global(id: &str) -> Json {
    json!({"GlobalClusterIdentifier": id})
}

/// The writer member's ARN in a DescribeGlobalClusters result.
const WRITER: &str = "($w := $states.result.GlobalClusters[0].GlobalClusterMembers[IsWriter = true].DbClusterArn; $exists($w) ? $w : 'none')";

pub fn definition(s: &RunbookSpec) -> Json {
    let t = &s.tuning;
    let mut b = Builder {
        t,
        states: serde_json::Map::new(),
    };
    let topic = s.topic_arn.as_deref();
    let target = &s.target_cluster_arn;

    b.state(
        "Start",
        json!({
            "Type": "Pass",
            "Assign": {
                "mode": jx("$exists($states.input.mode) ? $states.input.mode : 'missing'"),
                "start": jx("$millis()"),
                "mark": jx("$millis()"),
                "steps": [],
                "polls": 0,
                "error": "",
                "cause": "",
                "outcome": "",
                "writer_before": "",
                "writer_after": "",
                "checks": [],
                "change": {}
            },
            "Next": "CheckInput"
        }),
    );
    b.state("CheckInput", json!({
        "Type": "Choice",
        "Choices": [{"Condition": jx("$mode in ['failover', 'switchover', 'drill']"), "Next": "NotifyStart"}],
        "Default": "RejectInput"
    }));
    b.state("RejectInput", json!({
        "Type": "Pass",
        "Assign": {"error": "InvalidInput", "cause": jx("'mode must be failover, switchover or drill, not ' & $mode")},
        "Next": "NotifyFailure"
    }));
    b.notify("NotifyStart", topic, "started", "ReadWriter");
    b.task(
        "ReadWriter",
        "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
        describe_global(&s.global_cluster_id),
        BTreeMap::from([
            ("writer_before".into(), jx(WRITER)),
            (
                "members".into(),
                jx("$states.result.GlobalClusters[0].GlobalClusterMembers"),
            ),
        ]),
        "Route",
        "NotifyFailure",
    );
    b.state(
        "Route",
        json!({
            "Type": "Choice",
            "Choices": [
                {"Condition": jx(&format!("$writer_before = '{target}'")), "Next": "AlreadyWriter"},
                {"Condition": jx("$mode = 'drill'"), "Next": "DrillMembers"},
                {"Condition": jx("$mode = 'switchover'"), "Next": "Switchover"}
            ],
            "Default": "Failover"
        }),
    );
    b.state(
        "AlreadyWriter",
        json!({
            "Type": "Pass",
            "Assign": {"outcome": "already-writer", "writer_after": jx("$writer_before")},
            "Next": "NotifySuccess"
        }),
    );

    // Drill: look, change nothing.
    b.state("DrillMembers", json!({
        "Type": "Pass",
        "Assign": {
            "checks": jx(&format!(
                "[{{'name': 'target member', 'status': $count($members[DbClusterArn = '{target}']) = 1 ? 'pass' : 'fail'}}, {{'name': 'members synchronised', 'status': $count($members[IsWriter = false and SynchronizationStatus != 'connected']) = 0 ? 'pass' : 'fail'}}]"
            ))
        },
        "Next": s.tables.first().map(|_| "DrillTable0".to_string()).unwrap_or_else(|| "DrillHealthOwn".into())
    }));
    for (i, table) in s.tables.iter().enumerate() {
        let next = if i + 1 < s.tables.len() {
            format!("DrillTable{}", i + 1)
        } else {
            "DrillHealthOwn".into()
        };
        let name = format!("DrillTable{i}");
        b.task(
            &name,
            "arn:aws:states:::aws-sdk:dynamodb:describeTable",
            json!({"TableName": table}),
            BTreeMap::from([(
                "checks".into(),
                jx(&format!("$append($checks, [{{'name': 'table {table} in {}', 'status': $states.result.Table.TableStatus = 'ACTIVE' ? 'pass' : 'fail'}}])", s.own.region)),
            )]),
            &next,
            "DrillFailed",
        );
    }
    for (name, ep, next) in [
        ("DrillHealthOwn", &s.own, "DrillHealthOther"),
        ("DrillHealthOther", &s.other, "DrillReport"),
    ] {
        b.states.insert(
            name.to_string(),
            json!({
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:route53:getHealthCheck",
                "Arguments": {"HealthCheckId": ep.health_check_id},
                "TimeoutSeconds": t.task_timeout_seconds,
                "Retry": retry(t),
                "Assign": {
                    "checks": jx(&format!("$append($checks, [{{'name': 'health check {}', 'status': 'pass'}}])", ep.region)),
                    "steps": jx(&format!("$append($steps, [{{'step': '{name}', 'ms': $millis() - $mark}}])")),
                    "mark": jx("$millis()")
                },
                // Not being able to look is a warning for a drill, not a failure.
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "Assign": {
                        "checks": jx(&format!("$append($checks, [{{'name': 'health check {}', 'status': 'warn', 'detail': $states.errorOutput.Error}}])", ep.region)),
                        "steps": jx(&format!("$append($steps, [{{'step': '{name}', 'ms': $millis() - $mark}}])")),
                        "mark": jx("$millis()")
                    },
                    "Next": next
                }],
                "Next": next
            }),
        );
    }
    if !s.tables.is_empty() {
        b.state("DrillFailed", json!({
        "Type": "Pass",
            "Assign": {"checks": jx("$append($checks, [{'name': 'drill', 'status': 'fail', 'detail': $cause}])"), "error": "", "cause": ""},
            "Next": "DrillHealthOwn"
        }));
    }
    b.state("DrillReport", json!({
        "Type": "Pass",
        "Assign": {"outcome": jx("$count($checks[status = 'fail']) = 0 ? 'drill-ready' : 'drill-not-ready'"), "writer_after": jx("$writer_before")},
        "Next": "NotifySuccess"
    }));

    // Promotion, then a bounded poll with short waits.
    b.task(
        "Switchover",
        "arn:aws:states:::aws-sdk:rds:switchoverGlobalCluster",
        json!({"GlobalClusterIdentifier": s.global_cluster_id, "TargetDbClusterIdentifier": target}),
        BTreeMap::new(),
        POLL_TASK,
        "NotifyFailure",
    );
    b.task(
        "Failover",
        "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster",
        json!({"GlobalClusterIdentifier": s.global_cluster_id, "TargetDbClusterIdentifier": target, "AllowDataLoss": true}),
        BTreeMap::new(),
        POLL_TASK,
        "NotifyFailure",
    );
    b.state(
        POLL_WAIT,
        json!({
            "Type": "Wait",
            "Comment": format!("bounded poll: at most {} polls", t.max_polls),
            "Seconds": t.poll_interval_seconds,
            "Next": POLL_TASK
        }),
    );
    let mut poll_assign = BTreeMap::from([
        ("polls".to_string(), jx("$polls + 1")),
        ("writer_after".to_string(), jx(WRITER)),
        (
            "pending".to_string(),
            jx("$exists($states.result.GlobalClusters[0].FailoverState.Status)"),
        ),
    ]);
    poll_assign.extend(timed("PollPromotion"));
    b.states.insert(
        POLL_TASK.to_string(),
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
            "Arguments": describe_global(&s.global_cluster_id),
            "TimeoutSeconds": t.task_timeout_seconds,
            "Retry": retry(t),
            "Assign": poll_assign,
            // A poll that failed is still a poll: the bound holds either way.
            "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"polls": jx("$polls + 1"), "pending": true}, "Next": "PromotionDone"}],
            "Next": "PromotionDone"
        }),
    );
    b.state("PromotionDone", json!({
        "Type": "Choice",
        "Choices": [
            {"Condition": jx(&format!("$not($pending) and $writer_after = '{target}'")), "Next": "MoveDns"},
            {"Condition": jx(&format!("$polls >= {}", t.max_polls)), "Next": "PromotionTimedOut"}
        ],
        "Default": POLL_WAIT
    }));
    b.state("PromotionTimedOut", json!({
        "Type": "Pass",
        "Assign": {"error": "PromotionTimedOut", "cause": jx(&format!("'the writer was still ' & $writer_after & ' after {} polls'", t.max_polls))},
        "Next": "NotifyFailure"
    }));

    // DNS: PRIMARY on this region, SECONDARY on the other, in one atomic batch.
    let record = |set_id: &str, failover: &str, ep: &Endpoint| {
        json!({"Action": "UPSERT", "ResourceRecordSet": {
            "Name": s.record_name, "Type": "CNAME", "SetIdentifier": set_id, "Failover": failover,
            "Ttl": s.ttl, "HealthCheckId": ep.health_check_id, "ResourceRecords": [{"Value": ep.fqdn}]
        }})
    };
    b.task(
        "MoveDns",
        "arn:aws:states:::aws-sdk:route53:changeResourceRecordSets",
        json!({"HostedZoneId": s.zone_id, "ChangeBatch": {
            "Comment": format!("trdr: PRIMARY to {}", s.own.region),
            "Changes": [record(PRIMARY_SET_ID, "PRIMARY", &s.own), record(SECONDARY_SET_ID, "SECONDARY", &s.other)]
        }}),
        BTreeMap::from([("change".into(), jx("$states.result.ChangeInfo"))]),
        "ValidateWriter",
        "NotifyFailure",
    );
    b.task(
        "ValidateWriter",
        "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
        describe_global(&s.global_cluster_id),
        BTreeMap::from([("writer_after".into(), jx(WRITER))]),
        "Validated",
        "NotifyFailure",
    );
    b.state("Validated", json!({
        "Type": "Choice",
        "Choices": [{
            "Condition": jx(&format!("$writer_after = '{target}' and $change.Status in ['PENDING', 'INSYNC']")),
            "Next": "Promoted"
        }],
        "Default": "ValidationFailed"
    }));
    b.state(
        "Promoted",
        json!({"Type": "Pass", "Assign": {"outcome": "promoted"}, "Next": "NotifySuccess"}),
    );
    b.state("ValidationFailed", json!({
        "Type": "Pass",
        "Assign": {"error": "ValidationFailed", "cause": jx("'writer is ' & $writer_after & ', DNS change ' & $string($change)")},
        "Next": "NotifyFailure"
    }));

    b.notify("NotifySuccess", topic, "succeeded", "Report");
    b.notify("NotifyFailure", topic, "failed", "Failed");
    b.state("Report", json!({
        "Type": "Pass",
        "Next": "Succeeded",
        "Output": jx(&format!(
            "{{'mode': $mode, 'region': '{}', 'outcome': $outcome, 'writer_before': $writer_before, 'writer_after': $writer_after, 'polls': $polls, 'steps': $steps, 'total_ms': $millis() - $start, 'checks': $checks, 'dns_change': $change}}",
            s.own.region
        ))
    }));
    b.state("Succeeded", json!({"Type": "Succeed"}));
    b.state(
        "Failed",
        json!({"Type": "Fail", "Error": jx("$error"), "Cause": jx("$cause")}),
    );

    json!({
        "Comment": format!("trdr failover runbook for {}: makes {} the writer", s.name, s.own.region),
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "TimeoutSeconds": 600,
        "States": b.states
    })
}

fn edges(state: &Json) -> Vec<&str> {
    let mut out = Vec::new();
    for key in ["Next", "Default"] {
        if let Some(n) = state.get(key).and_then(Json::as_str) {
            out.push(n);
        }
    }
    for list in ["Choices", "Catch"] {
        for c in state
            .get(list)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = c.get("Next").and_then(Json::as_str) {
                out.push(n);
            }
        }
    }
    out
}

/// The worst time one state can take: a Task's timeout on every attempt plus the retry pauses
/// (jitter only shortens them); a Wait's seconds.
fn worst_seconds(state: &Json) -> f64 {
    match state.get("Type").and_then(Json::as_str) {
        Some("Task") => {
            let timeout = state
                .get("TimeoutSeconds")
                .and_then(Json::as_f64)
                .unwrap_or(60.0);
            let mut total = timeout;
            for r in state
                .get("Retry")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let attempts = r.get("MaxAttempts").and_then(Json::as_u64).unwrap_or(3);
                let interval = r
                    .get("IntervalSeconds")
                    .and_then(Json::as_f64)
                    .unwrap_or(1.0);
                let rate = r.get("BackoffRate").and_then(Json::as_f64).unwrap_or(2.0);
                let cap = r
                    .get("MaxDelaySeconds")
                    .and_then(Json::as_f64)
                    .unwrap_or(f64::MAX);
                for i in 0..attempts {
                    total += timeout + (interval * rate.powi(i as i32)).min(cap);
                }
            }
            total
        }
        Some("Wait") => state.get("Seconds").and_then(Json::as_f64).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Worst-case duration of the runbook in seconds: the longest path through the definition, with
/// the poll loop taken `max_polls` times.
pub fn rto_budget_seconds(definition: &Json, max_polls: u32) -> f64 {
    let states = definition.get("States").and_then(Json::as_object);
    let Some(states) = states else {
        return f64::INFINITY;
    };
    fn longest(
        name: &str,
        states: &serde_json::Map<String, Json>,
        stack: &mut BTreeSet<String>,
        memo: &mut BTreeMap<String, f64>,
    ) -> f64 {
        if let Some(v) = memo.get(name) {
            return *v;
        }
        let Some(state) = states.get(name) else {
            return 0.0;
        };
        stack.insert(name.to_string());
        let mut best = 0.0f64;
        for next in edges(state) {
            if stack.contains(next) {
                continue; // the loop's back edge; its repetitions are added below
            }
            best = best.max(longest(next, states, stack, memo));
        }
        stack.remove(name);
        let v = worst_seconds(state) + best;
        memo.insert(name.to_string(), v);
        v
    }
    let start = definition
        .get("StartAt")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let path = longest(start, states, &mut BTreeSet::new(), &mut BTreeMap::new());
    let one_poll = states.get(POLL_WAIT).map(worst_seconds).unwrap_or(0.0)
        + states.get(POLL_TASK).map(worst_seconds).unwrap_or(0.0);
    path + one_poll * max_polls.saturating_sub(1) as f64
}

/// What the sandbox's `ValidateStateMachineDefinition` would let through: missing targets,
/// Tasks without Retry or Catch, unreachable states, no terminal state.
pub fn structural_problems(definition: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(states) = definition.get("States").and_then(Json::as_object) else {
        return vec!["no States".into()];
    };
    let start = definition
        .get("StartAt")
        .and_then(Json::as_str)
        .unwrap_or_default();
    if !states.contains_key(start) {
        problems.push(format!("StartAt {start:?} is not a state"));
    }
    for (name, state) in states {
        let ty = state.get("Type").and_then(Json::as_str).unwrap_or_default();
        for next in edges(state) {
            if !states.contains_key(next) {
                problems.push(format!("{name} goes to {next:?}, which does not exist"));
            }
        }
        let terminal =
            matches!(ty, "Succeed" | "Fail") || state.get("End") == Some(&Json::Bool(true));
        if !terminal && ty != "Choice" && state.get("Next").is_none() {
            problems.push(format!("{name} has neither Next nor End"));
        }
        if ty == "Task" {
            if state
                .get("Retry")
                .and_then(Json::as_array)
                .is_none_or(|r| r.is_empty())
            {
                problems.push(format!("Task {name} has no Retry"));
            }
            if state
                .get("Catch")
                .and_then(Json::as_array)
                .is_none_or(|c| c.is_empty())
            {
                problems.push(format!("Task {name} has no Catch"));
            }
            if state.get("TimeoutSeconds").is_none() {
                problems.push(format!("Task {name} has no TimeoutSeconds"));
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![start];
    while let Some(n) = todo.pop() {
        if seen.insert(n.to_string()) {
            if let Some(s) = states.get(n) {
                todo.extend(edges(s));
            }
        }
    }
    for name in states.keys() {
        if !seen.contains(name) {
            problems.push(format!("{name} is unreachable"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(topic: bool, tables: usize) -> RunbookSpec {
        RunbookSpec {
            name: "trading-dev".into(),
            global_cluster_id: "trading-global-dev".into(),
            target_cluster_arn: "arn:aws:rds:us-east-2:000000000000:cluster:trading-us-east-2-dev"
                .into(),
            own: Endpoint {
                region: "us-east-2".into(),
                fqdn: "b.example.com".into(),
                health_check_id: "hc-b".into(),
            },
            other: Endpoint {
                region: "us-east-1".into(),
                fqdn: "a.example.com".into(),
                health_check_id: "hc-a".into(),
            },
            zone_id: "Z1".into(),
            record_name: "api.example.com".into(),
            ttl: 60,
            topic_arn: topic.then(|| "arn:aws:sns:us-east-2:000000000000:alerts".into()),
            tables: (0..tables).map(|i| format!("t{i}")).collect(),
            tuning: Tuning::default(),
        }
    }

    #[test]
    fn generated_definitions_are_structurally_sound() {
        for (topic, tables) in [(true, 2), (false, 0), (true, 0), (false, 1)] {
            let d = definition(&spec(topic, tables));
            assert_eq!(
                structural_problems(&d),
                Vec::<String>::new(),
                "topic {topic}, tables {tables}"
            );
        }
    }

    #[test]
    fn the_checker_finds_what_the_sandbox_validator_misses() {
        let mut d = definition(&spec(true, 1));
        let states = d["States"].as_object_mut().unwrap();
        states["MoveDns"]["Next"] = json!("Nowhere");
        states["Failover"].as_object_mut().unwrap().remove("Retry");
        states.insert("Orphan".into(), json!({"Type": "Pass", "End": true}));
        let problems = structural_problems(&d).join("\n");
        assert!(
            problems.contains("MoveDns goes to \"Nowhere\""),
            "{problems}"
        );
        assert!(
            problems.contains("Task Failover has no Retry"),
            "{problems}"
        );
        assert!(problems.contains("Orphan is unreachable"), "{problems}");
    }

    #[test]
    fn every_task_retries_with_backoff_and_jitter_and_no_long_sleep() {
        let d = definition(&spec(true, 1));
        for (name, s) in d["States"].as_object().unwrap() {
            if s["Type"] == "Task" {
                assert_eq!(s["Retry"][0]["JitterStrategy"], "FULL", "{name}");
                assert!(
                    s["Retry"][0]["BackoffRate"].as_f64().unwrap() > 1.0,
                    "{name}"
                );
            }
            if s["Type"] == "Wait" {
                assert!(s["Seconds"].as_u64().unwrap() <= 5, "{name} sleeps long");
            }
        }
    }

    #[test]
    fn budget_counts_timeouts_retries_and_the_poll_bound() {
        let t = Tuning::default();
        let d = definition(&spec(true, 0));
        // Per task: 2 s timeout, one retry after at most 1 s → 5 s. Failover path with a topic:
        // NotifyStart, ReadWriter, Failover, 4 polls with 3 × 2 s waits between them, MoveDns,
        // ValidateWriter, NotifySuccess.
        let budget = rto_budget_seconds(&d, t.max_polls);
        assert_eq!(budget, 5.0 * 7.0 + 3.0 * (2.0 + 5.0));
        assert!(budget <= 60.0, "defaults fit the 60 s target: {budget}");
        let without_topic = rto_budget_seconds(&definition(&spec(false, 0)), t.max_polls);
        assert_eq!(without_topic, budget - 10.0);
        let more = Tuning { max_polls: 10, ..t };
        let d2 = definition(&RunbookSpec {
            tuning: more,
            ..spec(true, 0)
        });
        assert_eq!(rto_budget_seconds(&d2, 10), budget + 6.0 * 7.0);
    }
}
