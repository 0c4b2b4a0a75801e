//! The runbook's definition: sound structure, bounded waits, the promotion's retry rules, and a
//! budget that counts what it should.

use super::spec::{RDS_BUSY, RDS_THROTTLED};
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
