//! Practice mode's states: what the shift would have done, published instead of done. The shift
//! reaches them (`WouldAct`) where it would otherwise ask approval or start the runbook.

use std::collections::BTreeMap;

use serde_json::json;

use super::super::builder::{jx, retry, timed, Builder};
use super::super::spec::METRIC_NAMESPACE;
use super::spec::{Mode, WatcherSpec};

/// Practice mode: what the shift would have done, published instead of done — a notice to the
/// region's topic and a metric in its own region — and never a promotion.
pub(super) fn states(b: &mut Builder<'_>, s: &WatcherSpec) {
    if s.modes.failover == Mode::Act && s.modes.failback == Mode::Act {
        return;
    }
    let t = &s.tuning;
    b.state("WouldAct", json!({
        "Type": "Pass",
        "Assign": {"outcome": jx("$action = 'switchover' ? 'would-fail-back' : 'would-fail-over'")},
        "Next": "NotifyWouldAct"
    }));
    match s.topic_arn.as_deref() {
        None => b.state(
            "NotifyWouldAct",
            json!({"Type": "Pass", "Next": "PublishWouldAct"}),
        ),
        Some(topic) => {
            let notice = format!(
                "$string({{'event': $outcome, 'mode': 'practice', 'action': $action, 'region': '{}', 'watcher': $states.context.StateMachine.Name, 'execution': $states.context.Execution.Name, 'would_start': {{'runbook': '{}', 'input': {{'mode': $action, 'trigger': 'automatic'}}}}, 'writer': $writer, 'streak': $streak, 'window_probes': $window_probes, 'healthy_streak': $healthy_streak, 'synced': $synced, 'first_failed': $first_failed, 'decided': $decided, 'first_failed_to_decided_seconds': $first_failed > 0 ? ($decided - $first_failed) / 1000 : 0, 'observations': $observations}})",
                s.own.region, s.runbook_arn
            );
            b.task(
                "NotifyWouldAct",
                "arn:aws:states:::sns:publish",
                json!({"TopicArn": topic, "Subject": jx("'trdr automatic failover (practice): ' & $outcome"), "Message": jx(&notice)}),
                BTreeMap::new(),
                "PublishWouldAct",
                "PublishWouldAct",
            );
        }
    }
    let dims = json!([{"Name": "Watcher", "Value": jx("$states.context.StateMachine.Name")}]);
    b.task_state(
        "PublishWouldAct",
        (
            "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
            json!({"Namespace": METRIC_NAMESPACE, "MetricData": [
                {"MetricName": jx("$action = 'switchover' ? 'WouldFailBack' : 'WouldFailOver'"), "Value": 1, "Unit": "Count", "Dimensions": dims}
            ]}),
        ),
        json!(timed("PublishWouldAct")),
        retry(t),
        vec![json!({"ErrorEquals": ["States.ALL"], "Next": "Report"})],
        "Report",
    );
}
