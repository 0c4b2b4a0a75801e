//! The watcher's definition: sound structure, the evidence it decides on, its guards, and the
//! bounds of a shift.

use super::super::{structural_problems, Tuning};
use super::*;

fn spec(topic: bool) -> WatcherSpec {
    WatcherSpec {
        name: "trading-dev".into(),
        global_cluster_id: "trading-global-dev".into(),
        own_member_arn: "arn:aws:rds:us-east-2:000000000000:cluster:trading-us-east-2-dev".into(),
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
            "arn:aws:events:us-east-2:000000000000:connection/trading-probe-us-east-2-dev/1".into(),
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
