//! The watcher's definition: sound structure, the evidence it decides on, its guards, and the
//! bounds of a shift.

use serde_json::Value as Json;

use super::super::{structural_problems, worst_case_seconds, Tuning};
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
        modes: Modes::default(),
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

fn practising(failover: Mode, failback: Mode) -> WatcherSpec {
    let mut s = spec(true);
    s.policy.approval = Some(Approval {
        timeout_seconds: 900,
        proceed_on_timeout: true,
    });
    s.policy.failback_window_seconds = Some(600);
    s.modes = Modes { failover, failback };
    s
}

/// The resources of every Task in the definition, branches included.
fn resources(d: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for st in d["States"].as_object().unwrap().values() {
        if let Some(r) = st["Resource"].as_str() {
            out.push(r.to_string());
        }
        for branch in st["Branches"].as_array().into_iter().flatten() {
            out.extend(resources(branch));
        }
    }
    out
}

/// One round's requests are the branches of one Parallel state: the other endpoint twice, our
/// own twice, Route 53's checkers; no request is made outside it, and no HTTP request is
/// retried in turn (its retry is the request beside it).
#[test]
fn a_probe_round_sends_its_requests_at_once() {
    let d = definition(&spec(true));
    let st = &d["States"];
    let round = &st["ProbeRound"];
    assert_eq!(round["Type"], "Parallel");
    assert_eq!(st["Round"]["Next"], "ProbeRound");
    assert_eq!(round["Next"], "Observed");
    assert_eq!(round["Catch"][0]["Next"], "Tally");
    assert_eq!(round["Catch"][0]["Assign"]["own_ok"], false);
    let branches = round["Branches"].as_array().unwrap();
    let urls: Vec<&str> = branches
        .iter()
        .map(|b| {
            b["States"]["Request"]["Arguments"]["ApiEndpoint"]
                .as_str()
                .unwrap_or("route53")
        })
        .collect();
    assert_eq!(
        urls,
        [
            "https://a.example.com/health",
            "https://a.example.com/health",
            "https://b.example.com/health",
            "https://b.example.com/health",
            "route53"
        ]
    );
    for b in &branches[..4] {
        let request = &b["States"]["Request"];
        assert_eq!(request["TimeoutSeconds"], 5, "{b}");
        assert!(request.get("Retry").is_none(), "{b}");
        assert_eq!(request["Catch"][0]["Output"]["ok"], false, "{b}");
        let problems = structural_problems(b);
        assert_eq!(problems, ["Task Request has no Retry"], "{b}");
    }
    let checkers = &branches[4];
    assert_eq!(structural_problems(checkers), Vec::<String>::new());
    assert_eq!(
        checkers["States"]["ReadCheckers"]["Arguments"]["HealthCheckId"],
        "hc-a"
    );
    // Either request answering is the endpoint answering.
    let observed = &st["Observed"]["Assign"];
    assert_eq!(
        observed["other_ok"],
        "{% $states.input[0].ok or $states.input[1].ok %}"
    );
    assert_eq!(
        observed["own_ok"],
        "{% $states.input[2].ok or $states.input[3].ok %}"
    );
    assert_eq!(observed["route53"], "{% $states.input[4].route53 %}");
    // Outside the round, nothing probes.
    for (name, s) in st.as_object().unwrap() {
        let r = s["Resource"].as_str().unwrap_or_default();
        assert!(
            !r.contains("http:invoke") && !r.contains("getHealthCheckStatus"),
            "{name}"
        );
    }
    // Rounds keep their cadence: the wait is what is left of the interval.
    let wait = st["WaitProbe"]["Seconds"].as_str().unwrap();
    assert!(
        wait.contains("10 - $floor(($millis() - $round_started) / 1000)"),
        "{wait}"
    );
    assert_eq!(st["WaitProbe"]["Next"], "Round");
    let pace = st["Decide"]["Choices"].as_array().unwrap().last().unwrap();
    assert_eq!(pace["Next"], "Round", "{pace}");
}

/// A round takes its slowest request, so the detection's worst case is the window plus one
/// round; the figures are the definition's own.
#[test]
fn detection_is_the_window_plus_one_round() {
    let t = Tuning::default();
    let d = definition(&spec(true));
    let slowest = d["States"]["ProbeRound"]["Branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| worst_case_seconds(b, 1))
        .fold(0.0, f64::max);
    let p = spec(true).policy;
    assert_eq!(p.round_seconds(&t), slowest);
    // Defaults: 5 s probe timeout; the checkers' read 2 s, its retry 2 s after at most 1 s.
    assert_eq!(p.round_seconds(&t), 5.0);
    assert_eq!(p.detection_seconds(&t), 6.0 * 10.0 + 5.0);
    assert!(p.detection_seconds(&t) <= f64::from(p.failure_window_seconds) + 10.0);
    // The bench's 30 s window: 3 rounds 10 s apart and the last at its slowest.
    let bench = Policy {
        failure_window_seconds: 30,
        ..p
    };
    assert_eq!(bench.detection_seconds(&t), 35.0);
    // A round slower than the interval sets the pace.
    let slow = Policy {
        probe_interval_seconds: 5,
        probe_timeout_seconds: 30,
        failure_window_seconds: 20,
        ..p
    };
    assert_eq!(slow.round_period_seconds(&t), 30.0);
    assert_eq!(slow.detection_seconds(&t), 4.0 * 30.0 + 30.0);
    // The checkers' read with slow calls and many retries can be the slowest request.
    let t = Tuning {
        task_timeout_seconds: 10,
        task_retries: 2,
        ..t
    };
    assert_eq!(p.round_seconds(&t), 10.0 + 2.0 * 10.0 + 1.0 + 2.0);
}

/// In practice mode a decision goes through every guard and then publishes what it would have
/// done; a watcher practising both decisions cannot start a runbook or ask approval at all.
#[test]
fn practice_mode_reports_instead_of_acting() {
    let d = definition(&practising(Mode::Practice, Mode::Practice));
    assert_eq!(structural_problems(&d), Vec::<String>::new());
    let st = &d["States"];
    let rs = resources(&d);
    assert!(
        !rs.iter()
            .any(|r| r.contains("startExecution") || r.contains("waitForTaskToken")),
        "{rs:?}"
    );
    // The same guards: the window with our own endpoint answering, the pause tag, the writer.
    assert_eq!(st["Decided"]["Next"], "ConfirmPause");
    assert_eq!(
        st["StillUnpaused"]["Choices"][0]["Next"],
        "PausedAtDecision"
    );
    assert_eq!(st["StillOtherWriter"]["Choices"][0]["Next"], "WriterHere");
    assert_eq!(st["StillOtherWriter"]["Default"], "WouldAct");
    assert_eq!(st["InSync"]["Choices"][1]["Next"], "ConfirmPause");
    assert_eq!(
        st["WouldAct"]["Assign"]["outcome"],
        "{% $action = 'switchover' ? 'would-fail-back' : 'would-fail-over' %}"
    );
    let notice = st["NotifyWouldAct"]["Arguments"]["Message"]
        .as_str()
        .unwrap();
    for field in [
        "'event': $outcome",
        "'observations': $observations",
        "'streak': $streak",
    ] {
        assert!(notice.contains(field), "{field}: {notice}");
    }
    assert_eq!(
        st["NotifyWouldAct"]["Arguments"]["TopicArn"],
        "arn:aws:sns:us-east-2:000000000000:alerts"
    );
    assert_eq!(st["NotifyWouldAct"]["Next"], "PublishWouldAct");
    let metric = &st["PublishWouldAct"]["Arguments"];
    assert_eq!(metric["Namespace"], "trdr");
    assert_eq!(
        metric["MetricData"][0]["MetricName"],
        "{% $action = 'switchover' ? 'WouldFailBack' : 'WouldFailOver' %}"
    );
    assert_eq!(st["PublishWouldAct"]["Next"], "Report");
    assert_eq!(
        modes_of(&d),
        Some(Modes {
            failover: Mode::Practice,
            failback: Mode::Practice
        })
    );
    // Without a topic, the metric alone.
    let mut s = practising(Mode::Practice, Mode::Practice);
    s.topic_arn = None;
    let d = definition(&s);
    assert_eq!(structural_problems(&d), Vec::<String>::new());
    assert_eq!(d["States"]["NotifyWouldAct"]["Type"], "Pass");
}

/// One decision practised, the other acted on: only the practised action is diverted; acting on
/// both is today's definition, with no practice states.
#[test]
fn practice_diverts_only_the_practised_decision() {
    let d = definition(&practising(Mode::Practice, Mode::Act));
    assert_eq!(structural_problems(&d), Vec::<String>::new());
    let choices = &d["States"]["StillOtherWriter"];
    assert_eq!(
        choices["Choices"][1]["Condition"],
        "{% $action = 'failover' %}"
    );
    assert_eq!(choices["Choices"][1]["Next"], "WouldAct");
    assert_eq!(choices["Choices"].as_array().unwrap().len(), 2);
    assert_eq!(choices["Default"], "AskApproval");
    let d = definition(&practising(Mode::Act, Mode::Practice));
    let choices = &d["States"]["StillOtherWriter"];
    assert_eq!(
        choices["Choices"][1]["Condition"],
        "{% $action = 'switchover' %}"
    );
    assert_eq!(
        modes_of(&d),
        Some(Modes {
            failover: Mode::Act,
            failback: Mode::Practice
        })
    );
    // Acting on both: today's definition, with no practice states.
    let d = definition(&practising(Mode::Act, Mode::Act));
    assert!(d["States"].get("WouldAct").is_none());
    assert_eq!(
        d["States"]["StillOtherWriter"]["Choices"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(modes_of(&d), Some(Modes::default()));
    assert_eq!(modes_of(&serde_json::json!({"States": {}})), None);
}

/// Every shift's output says its mode and, when paused, who paused and why: read from the tags
/// beside the pause tag each time the tag is read.
#[test]
fn every_shift_reports_its_mode_and_who_paused() {
    let d = definition(&practising(Mode::Practice, Mode::Act));
    let st = &d["States"];
    for read in ["ReadPause", "ConfirmPause"] {
        let assign = &st[read]["Assign"];
        for (var, tag) in [
            ("paused_by", PAUSED_BY_TAG),
            ("pause_reason", PAUSE_REASON_TAG),
            ("paused_at", PAUSED_AT_TAG),
        ] {
            let e = assign[var].as_str().unwrap();
            assert!(e.contains(&format!("Key = '{tag}'")), "{read}.{var}: {e}");
        }
    }
    let out = st["Report"]["Output"].as_str().unwrap();
    for field in [
        "'mode': $action = 'switchover' ? $failback_mode : $mode",
        "'paused_by': $paused_by",
        "'pause_reason': $pause_reason",
    ] {
        assert!(out.contains(field), "{field}: {out}");
    }
    assert_eq!(st["Start"]["Assign"]["mode"], "practice");
    assert_eq!(st["Start"]["Assign"]["failback_mode"], "act");
    assert_eq!(st["Start"]["Assign"]["paused_by"], "");
}
