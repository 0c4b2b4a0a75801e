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
pub mod watcher;

pub use analysis::{overhead_seconds, structural_problems, worst_case_seconds};

/// The CloudWatch namespace of the runbooks' metrics.
pub const METRIC_NAMESPACE: &str = "trdr";

/// Knobs that bound the runbook's duration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tuning {
    pub poll_interval_seconds: u32,
    /// How long to wait for AWS to finish a promotion before reporting `PromotionTimedOut`.
    pub promotion_timeout_seconds: u32,
    pub task_timeout_seconds: u32,
    pub task_retries: u32,
}

/// The `runbook` block's defaults.
impl Default for Tuning {
    fn default() -> Self {
        Tuning::from_block(&crate::framework::Value::Null)
    }
}

impl Tuning {
    /// Polls that fit in the promotion timeout.
    pub fn max_polls(&self) -> u32 {
        self.promotion_timeout_seconds
            .div_ceil(self.poll_interval_seconds.max(1))
            .max(1)
    }
}

/// Margin of the execution timeout over the definition's worst case.
const EXECUTION_MARGIN_SECONDS: f64 = 60.0;

/// Step Functions' names for the RDS errors the promotion call branches on
/// (`ServiceName.ExceptionName`, with the `Exception` suffix Step Functions always uses).
const RDS_THROTTLED: &str = "Rds.ThrottlingException";
const RDS_BUSY: &str = "Rds.InvalidGlobalClusterStateException";

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
const POLL_WAIT: &str = "WaitForPromotion";
const POLL_TASK: &str = "PollPromotion";

use builder::{jx, retry, retry_on, timed, Builder};

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

pub fn definition(s: &RunbookSpec) -> Json {
    let t = &s.tuning;
    let max_polls = t.max_polls();
    let mut b = Builder {
        t,
        states: serde_json::Map::new(),
    };
    entry(&mut b, s);
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

/// Start, the input check, the writer read and the routing by mode; an already-writer run ends here.
fn entry(b: &mut Builder<'_>, s: &RunbookSpec) {
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
            rto_target_seconds: 60.0,
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
        states["ValidateWriter"]["Next"] = json!("Nowhere");
        states["Failover"].as_object_mut().unwrap().remove("Retry");
        states.insert("Orphan".into(), json!({"Type": "Pass", "End": true}));
        let problems = structural_problems(&d).join("\n");
        assert!(
            problems.contains("ValidateWriter goes to \"Nowhere\""),
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

    /// Issue 9, item 1: a promotion takes minutes on AWS; the runbook must wait that long.
    #[test]
    fn the_runbook_waits_for_a_promotion_of_minutes_polling_at_short_intervals() {
        let t = Tuning::default();
        assert!(t.promotion_timeout_seconds >= 600, "{t:?}");
        assert!(t.poll_interval_seconds <= 5, "{t:?}");
        let d = definition(&spec(true, 0));
        let polls = t.max_polls();
        assert_eq!(polls, 180);
        let cond = d["States"]["PromotionDone"]["Choices"][1]["Condition"]
            .as_str()
            .unwrap();
        assert!(cond.contains(&format!("$polls >= {polls}")), "{cond}");
        let waited = polls as f64 * t.poll_interval_seconds as f64;
        assert!(waited >= 15.0 * 60.0, "waits {waited} s for a promotion");
    }

    /// Issue 9, item 2: the promotion call is never retried blindly; a timeout or "invalid
    /// state" after it leads to polling, not to failure.
    #[test]
    fn the_promotion_call_is_retried_only_when_throttled_and_polls_when_unsure() {
        let d = definition(&spec(true, 0));
        for name in ["Failover", "Switchover"] {
            let st = &d["States"][name];
            assert_eq!(
                st["Retry"][0]["ErrorEquals"],
                json!([RDS_THROTTLED]),
                "{name}"
            );
            let unsure = &st["Catch"][0];
            assert_eq!(unsure["Next"], POLL_WAIT, "{name}");
            let errors = unsure["ErrorEquals"].as_array().unwrap();
            assert!(errors.contains(&json!("States.Timeout")), "{name}");
            assert!(errors.contains(&json!(RDS_BUSY)), "{name}");
            assert_eq!(st["Catch"][1]["ErrorEquals"], json!(["States.ALL"]));
        }
    }

    /// Issue 9, item 3: a failed DNS change is reported as pending; the run goes on to validate.
    #[test]
    fn a_failed_dns_change_is_pending_not_a_failed_run() {
        let d = definition(&spec(true, 0));
        let c = &d["States"]["MoveDns"]["Catch"][0];
        assert_eq!(c["Next"], "ValidateWriter");
        assert_eq!(c["Assign"]["dns"], "pending");
        let validated = d["States"]["Validated"]["Choices"][0]["Condition"]
            .as_str()
            .unwrap();
        assert!(!validated.contains("change"), "{validated}");
    }

    /// Issue 9, item 9: the execution timeout follows the definition, never a fixed 600 s.
    #[test]
    fn the_execution_timeout_covers_the_worst_case() {
        for promotion in [60, 900, 3600] {
            let t = Tuning {
                promotion_timeout_seconds: promotion,
                ..Tuning::default()
            };
            let d = definition(&RunbookSpec {
                tuning: t,
                ..spec(true, 1)
            });
            let worst = worst_case_seconds(&d, t.max_polls());
            let timeout = d["TimeoutSeconds"].as_f64().unwrap();
            assert!(timeout >= worst, "{timeout} < {worst}");
            assert!(timeout <= worst + EXECUTION_MARGIN_SECONDS + 1.0);
            assert!(worst >= promotion as f64, "{worst} < {promotion}");
        }
    }

    /// Issue 9, item 10: the drill asks Route 53 what its checkers observe.
    #[test]
    fn the_drill_reads_health_check_status_not_configuration() {
        let d = definition(&spec(true, 0));
        for name in ["DrillHealthOwn", "DrillHealthOther"] {
            let st = &d["States"][name];
            assert_eq!(
                st["Resource"],
                "arn:aws:states:::aws-sdk:route53:getHealthCheckStatus"
            );
            let check = st["Assign"]["checks"].as_str().unwrap();
            assert!(check.contains("HealthCheckObservations"), "{check}");
        }
        assert!(!d.to_string().contains("getHealthCheck\""));
    }

    #[test]
    fn overhead_counts_timeouts_retries_and_one_poll_but_not_the_promotion() {
        let t = Tuning::default();
        let d = definition(&spec(true, 0));
        // Per task: 2 s timeout, one retry after at most 1 s → 5 s. Failover path with a topic:
        // NotifyStart, ReadWriter, Failover, one wait (5 s) and poll, MoveDns, ValidateWriter,
        // NotifySuccess, NotifyRtoExceeded, PublishSucceeded.
        let overhead = overhead_seconds(&d);
        assert_eq!(overhead, 5.0 * 9.0 + 5.0);
        let without_topic = overhead_seconds(&definition(&spec(false, 0)));
        assert_eq!(without_topic, overhead - 15.0);
        let worst = worst_case_seconds(&d, t.max_polls());
        assert_eq!(worst, overhead + (5.0 + 5.0) * (t.max_polls() - 1) as f64);
    }
}
