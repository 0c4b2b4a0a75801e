//! The failover runbook: a Step Functions definition generated from the same model as the
//! database, as plain data. One per region; each makes its own region the writer, so it runs
//! while the other region is down.
//!
//! Input `{"mode": "failover" | "switchover" | "drill"}`:
//! already the writer → succeed at once; `drill` → readiness report (members, tables, the health
//! checks' observed status), no change; `switchover` → `SwitchoverGlobalCluster`, `failover` →
//! `FailoverGlobalCluster` with `AllowDataLoss`. The promotion call is never retried blindly: only
//! throttling (the call was refused) is retried; a timeout or `InvalidGlobalClusterStateFault`
//! after a call that may have been accepted means "possibly promoting" and the runbook polls.
//! It then polls `DescribeGlobalClusters` every `poll_interval_seconds` until the promotion is
//! done, for at most `promotion_timeout_seconds` (AWS documents promotion as taking minutes).
//! DNS is best effort: the `PRIMARY` record moves to this region in one batch with `SECONDARY`,
//! and a failed change (Route 53's control plane lives in us-east-1) is reported as pending while
//! the health-checked pair moves traffic on Route 53's data plane. Validation checks the writer.
//! Every Task has Retry (backoff + jitter) and Catch; start, success, failure and a missed
//! `rto_target_seconds` are published when a topic is set. The output lists how long each step
//! took and the measured recovery time against the target; a missed target never aborts a run.
//!
//! [`overhead_seconds`] is the runbook's own worst case without the promotion itself,
//! [`worst_case_seconds`] the whole bounded run (it sets the execution timeout), and
//! [`structural_problems`] checks what the sandbox's validator does not.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

mod analysis;
mod builder;
mod spec;
pub mod watcher;

pub use analysis::{overhead_seconds, structural_problems, worst_case_seconds};
pub use spec::{Endpoint, RunbookSpec, Tuning, METRIC_NAMESPACE, PRIMARY_SET_ID, SECONDARY_SET_ID};

use builder::{jx, retry, timed, Builder};
use spec::{POLL_TASK, POLL_WAIT};

/// Margin of the execution timeout over the definition's worst case.
const EXECUTION_MARGIN_SECONDS: f64 = 60.0;

fn describe_global(id: &str) -> Json {
    json!({"GlobalClusterIdentifier": id})
}

/// The writer member's ARN in a DescribeGlobalClusters result.
const WRITER: &str = "($w := $states.result.GlobalClusters[0].GlobalClusterMembers[IsWriter = true].DbClusterArn; $exists($w) ? $w : 'none')";

/// The record changes of a deployed runbook's DNS step, as [`definition`] writes them (PRIMARY on
/// its region, SECONDARY on the other, each with its health check): what import and readiness
/// read back from a runbook.
pub fn dns_changes(definition: &Json) -> &Json {
    &definition["States"]["MoveDns"]["Arguments"]["ChangeBatch"]["Changes"]
}

/// The definition, phase by phase in the order a run meets them.
pub fn definition(s: &RunbookSpec) -> Json {
    let t = &s.tuning;
    let max_polls = t.max_polls();
    let mut b = Builder {
        t,
        states: serde_json::Map::new(),
    };
    start(&mut b, s);
    route(&mut b, s);
    drill(&mut b, s);
    promotion(&mut b, s);
    dns_and_validation(&mut b, s);
    reporting(&mut b, s);

    let mut d = json!({
        "Comment": format!("trdr failover runbook for {}: makes {} the writer", s.name, s.own.region),
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": b.states
    });
    // The execution may take as long as the definition's own worst case, and no longer.
    let worst = worst_case_seconds(&d, max_polls);
    d["TimeoutSeconds"] = json!((worst + EXECUTION_MARGIN_SECONDS).ceil() as u64);
    d
}

/// Start: the run's variables, and the input check.
fn start(b: &mut Builder<'_>, s: &RunbookSpec) {
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
                "accepted": false,
                "in_progress": false,
                "error": "",
                "cause": "",
                "outcome": "",
                "writer_before": "",
                "writer_after": "",
                "checks": [],
                "dns": "unchanged",
                "change": {},
                "recovery_seconds": 0,
                "rto_target": s.rto_target_seconds,
                "rto_exceeded": false
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
}

/// The writer read and the routing by mode; an already-writer run ends here.
fn route(b: &mut Builder<'_>, s: &RunbookSpec) {
    let topic = s.topic_arn.as_deref();
    let target = &s.target_cluster_arn;
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
            (
                "in_progress".into(),
                jx(&format!(
                    "$states.result.GlobalClusters[0].FailoverState.ToDbClusterArn = '{target}'"
                )),
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
                {"Condition": jx(&format!("$writer_before = '{target}' and $not($in_progress)")), "Next": "AlreadyWriter"},
                {"Condition": jx("$mode = 'drill'"), "Next": "DrillMembers"},
                // A promotion to this region already under way (an earlier run, or AWS): wait for it.
                {"Condition": jx("$in_progress"), "Next": POLL_WAIT},
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
}

/// The drill: look at members, tables and health checks, change nothing.
fn drill(b: &mut Builder<'_>, s: &RunbookSpec) {
    let target = &s.target_cluster_arn;
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
    b.drill_health("DrillHealthOwn", &s.own, true, "DrillHealthOther");
    b.drill_health("DrillHealthOther", &s.other, false, "DrillReport");
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
}

/// The promotion call and the bounded poll until RDS reports it done.
fn promotion(b: &mut Builder<'_>, s: &RunbookSpec) {
    let t = b.t;
    let max_polls = t.max_polls();
    let target = &s.target_cluster_arn;
    // Promotion, then a bounded poll with short waits.
    b.promote(
        "Switchover",
        "arn:aws:states:::aws-sdk:rds:switchoverGlobalCluster",
        json!({"GlobalClusterIdentifier": s.global_cluster_id, "TargetDbClusterIdentifier": target}),
    );
    b.promote(
        "Failover",
        "arn:aws:states:::aws-sdk:rds:failoverGlobalCluster",
        json!({"GlobalClusterIdentifier": s.global_cluster_id, "TargetDbClusterIdentifier": target, "AllowDataLoss": true}),
    );
    b.state(
        POLL_WAIT,
        json!({
            "Type": "Wait",
            "Comment": format!("bounded poll: at most {max_polls} polls in promotion_timeout_seconds = {}", t.promotion_timeout_seconds),
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
        (
            "in_progress".to_string(),
            jx(&format!(
                "$states.result.GlobalClusters[0].FailoverState.ToDbClusterArn = '{target}'"
            )),
        ),
    ]);
    poll_assign.extend(timed("PollPromotion"));
    b.task_state(
        POLL_TASK,
        (
            "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
            describe_global(&s.global_cluster_id),
        ),
        json!(poll_assign),
        retry(t),
        // A poll that failed is still a poll: the bound holds either way.
        vec![json!({"ErrorEquals": ["States.ALL"], "Assign": {"polls": jx("$polls + 1"), "pending": true, "in_progress": true}, "Next": "PromotionDone"})],
        "PromotionDone",
    );
    b.state("PromotionDone", json!({
        "Type": "Choice",
        "Choices": [
            {"Condition": jx(&format!("$not($pending) and $writer_after = '{target}'")), "Next": "MoveDns"},
            {"Condition": jx(&format!("$polls >= {max_polls}")), "Next": "PromotionTimedOut"},
            // Neither promoting towards us nor done, after a call we could not confirm and a few
            // looks: the promotion never started.
            {"Condition": jx("$not($accepted) and $not($in_progress) and $polls >= 3"), "Next": "PromotionNotStarted"}
        ],
        "Default": POLL_WAIT
    }));
    b.state("PromotionTimedOut", json!({
        "Type": "Pass",
        "Assign": {"error": "PromotionTimedOut", "cause": jx(&format!("'the writer was still ' & $writer_after & ' after {} s ({max_polls} polls); the promotion may still complete: check DescribeGlobalClusters'", t.promotion_timeout_seconds))},
        "Next": "NotifyFailure"
    }));
    b.state("PromotionNotStarted", json!({
        "Type": "Pass",
        "Assign": {"error": "PromotionNotStarted", "cause": jx("'the promotion call did not confirm and RDS shows no promotion towards this region; the writer is ' & $writer_after & '. ' & $cause")},
        "Next": "NotifyFailure"
    }));
}

/// DNS (best effort) and the validation of the writer.
fn dns_and_validation(b: &mut Builder<'_>, s: &RunbookSpec) {
    let t = b.t;
    let target = &s.target_cluster_arn;
    // DNS, best effort: PRIMARY on this region, SECONDARY on the other, in one atomic batch.
    let record = |set_id: &str, failover: &str, ep: &Endpoint| {
        json!({"Action": "UPSERT", "ResourceRecordSet": {
            "Name": s.record_name, "Type": "CNAME", "SetIdentifier": set_id, "Failover": failover,
            "Ttl": s.ttl, "HealthCheckId": ep.health_check_id, "ResourceRecords": [{"Value": ep.fqdn}]
        }})
    };
    let mut dns_assign = BTreeMap::from([
        ("change".to_string(), jx("$states.result.ChangeInfo")),
        ("dns".to_string(), Json::String("changed".into())),
    ]);
    dns_assign.extend(timed("MoveDns"));
    b.task_state(
        "MoveDns",
        (
            "arn:aws:states:::aws-sdk:route53:changeResourceRecordSets",
            json!({"HostedZoneId": s.zone_id, "ChangeBatch": {
                "Comment": format!("trdr: PRIMARY to {}", s.own.region),
                "Changes": [record(PRIMARY_SET_ID, "PRIMARY", &s.own), record(SECONDARY_SET_ID, "SECONDARY", &s.other)]
            }}),
        ),
        json!(dns_assign),
        retry(t),
        // The database is already promoted: a DNS failure is reported, not fatal.
        vec![json!({
            "ErrorEquals": ["States.ALL"],
            "Assign": {
                "dns": "pending",
                "change": jx("{'error': $states.errorOutput.Error, 'cause': $states.errorOutput.Cause}"),
                "steps": jx("$append($steps, [{'step': 'MoveDns', 'ms': $millis() - $mark, 'failed': true}])"),
                "mark": jx("$millis()")
            },
            "Next": "ValidateWriter"
        })],
        "ValidateWriter",
    );
    b.task(
        "ValidateWriter",
        "arn:aws:states:::aws-sdk:rds:describeGlobalClusters",
        describe_global(&s.global_cluster_id),
        BTreeMap::from([("writer_after".into(), jx(WRITER))]),
        "Validated",
        "NotifyFailure",
    );
    b.state(
        "Validated",
        json!({
            "Type": "Choice",
            "Choices": [{
                "Condition": jx(&format!("$writer_after = '{target}'")),
                "Next": "Promoted"
            }],
            "Default": "ValidationFailed"
        }),
    );
    b.state(
        "Promoted",
        json!({
            "Type": "Pass",
            "Assign": {
                // An unconfirmed promotion call that turned out accepted is no error (the steps
                // still show it).
                "error": "",
                "cause": "",
                "outcome": jx("$dns = 'pending' ? 'promoted-dns-pending' : 'promoted'"),
                "recovery_seconds": jx("($millis() - $start) / 1000"),
                "rto_exceeded": jx("($millis() - $start) / 1000 > $rto_target")
            },
            "Next": "NotifySuccess"
        }),
    );
    b.state("ValidationFailed", json!({
        "Type": "Pass",
        "Assign": {"error": "ValidationFailed", "cause": jx("'writer is ' & $writer_after & ' after the promotion reported done'")},
        "Next": "NotifyFailure"
    }));
}

/// Notices, metrics, the output and the end states.
fn reporting(b: &mut Builder<'_>, s: &RunbookSpec) {
    let topic = s.topic_arn.as_deref();
    b.notify("NotifySuccess", topic, "succeeded", "RtoMissed");
    b.state(
        "RtoMissed",
        json!({
            "Type": "Choice",
            "Choices": [{"Condition": jx("$rto_exceeded"), "Next": "NotifyRtoExceeded"}],
            "Default": "PublishSucceeded"
        }),
    );
    b.notify(
        "NotifyRtoExceeded",
        topic,
        "rto-exceeded",
        "PublishSucceeded",
    );
    b.metrics(
        "PublishSucceeded",
        "$outcome in ['promoted', 'promoted-dns-pending', 'already-writer', 'drill-ready'] ? 1 : 0",
        "Report",
    );
    b.notify("NotifyFailure", topic, "failed", "PublishFailed");
    b.metrics("PublishFailed", "0", "Failed");
    b.state("Report", json!({
        "Type": "Pass",
        "Next": "Succeeded",
        "Output": jx(&format!(
            "{{'mode': $mode, 'region': '{}', 'outcome': $outcome, 'writer_before': $writer_before, 'writer_after': $writer_after, 'polls': $polls, 'steps': $steps, 'total_ms': $millis() - $start, 'recovery_seconds': $recovery_seconds, 'rto_target_seconds': $rto_target, 'rto_exceeded': $rto_exceeded, 'checks': $checks, 'dns': $dns, 'dns_change': $change}}",
            s.own.region
        ))
    }));
    b.state("Succeeded", json!({"Type": "Succeed"}));
    b.state(
        "Failed",
        json!({"Type": "Fail", "Error": jx("$error"), "Cause": jx("$cause")}),
    );
}

#[cfg(test)]
mod tests;
