//! The watched watcher: CloudWatch alarms in each region, on Step Functions' own metrics
//! (namespace `AWS/States`, dimension `StateMachineArn`), notifying that region's topic.
//!
//! - *failed shifts*: the watcher's `ExecutionsFailed` (a broken role, a definition that no
//!   longer runs); with `automatic_failover` only;
//! - *shifts stopped*: the watcher's `ExecutionsStarted` below one a minute for three minutes,
//!   missing data counted as breaching, since a schedule that starts nothing publishes nothing
//!   (a disabled or deleted schedule, a role Scheduler cannot assume); with `automatic_failover`
//!   only. A new watcher has published nothing yet either, so the alarm has a warm-up (see
//!   [`WARM_UP_MINUTES`]): without it, it would go off, and page, at its creation;
//! - *runbook failed*: the runbook's `ExecutionsFailed`, whoever started it.
//!
//! An alarm is an object like the others: created with the orchestrator's tags, waited for until
//! `DescribeAlarms` reports it as asked, compared and read back on refresh, and deleted (and
//! waited for) with the orchestrator or, for the watcher's, with `automatic_failover`.

use std::time::Duration;

use super::desired::tags_for;
use super::model::Orchestrator;
use crate::aws::cloudwatch::{self, Alarm, AlarmSpec, STATES_NAMESPACE};
use crate::aws::errors::AwsError;
use crate::aws::sfn;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::tags;
use crate::waiter;

/// The alarms trdr deploys for an orchestrator in one region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    FailedShifts,
    ShiftsStopped,
    RunbookFailed,
}

impl Watch {
    const ALL: [Watch; 3] = [
        Watch::FailedShifts,
        Watch::ShiftsStopped,
        Watch::RunbookFailed,
    ];

    /// Whether it watches the watcher (deployed with `automatic_failover` only).
    fn on_watcher(self) -> bool {
        !matches!(self, Watch::RunbookFailed)
    }

    /// The alarm's name: the name of the state machine it watches and what it watches for.
    pub fn name(self, o: &Orchestrator, region: &str) -> String {
        match self {
            Watch::FailedShifts => format!("{}-failed-shifts", o.naming.watcher(region)),
            Watch::ShiftsStopped => format!("{}-shifts-stopped", o.naming.watcher(region)),
            Watch::RunbookFailed => format!("{}-failed-runs", o.naming.state_machine(region)),
        }
    }
}

/// Each alarm's period: Step Functions publishes its execution metrics every minute.
const PERIOD_SECONDS: i32 = 60;
/// Minutes without a started shift before *shifts stopped* goes off: a shift starts every
/// minute, and Scheduler may start one late (its flexible window is off, but delivery is not
/// instantaneous), so one empty minute is not yet a stopped watcher.
const STOPPED_MINUTES: i32 = 3;
/// *failed shifts* goes off when shifts failed in two of the last three minutes: one failure
/// (a throttled call that ran out of retries) is not yet a broken watcher.
const FAILED_SHIFTS: (i32, i32) = (2, 3);
/// *shifts stopped*'s warm-up (CloudWatch User Guide, "Alarm warm-up periods"): after
/// `PutMetricAlarm` creates or updates it, the alarm stays in `INSUFFICIENT_DATA` and performs
/// no action until data fills its evaluation window (three minutes of shifts, which a healthy
/// watcher gives a few minutes after its deploy: its first shift within a minute, its metrics
/// within a minute or two more) or this many minutes pass, whichever comes first. So a healthy
/// fresh deploy never pages, and a watcher that never starts a shift pages once it is over.
const WARM_UP_MINUTES: i32 = 10;
// Within `WarmUpPeriodDurationInMinutes`' range (1 to 2,880), and longer than a healthy watcher
// needs to fill the window.
const _: () = assert!(WARM_UP_MINUTES >= 1 && WARM_UP_MINUTES <= 2880);
const _: () = assert!(WARM_UP_MINUTES > STOPPED_MINUTES + 2);

/// The alarm `w` as the configuration asks it, for state machine `arn` in `region`.
pub fn spec(w: Watch, o: &Orchestrator, region: &str, arn: &str) -> AlarmSpec {
    let (metric, comparison, missing, (datapoints, periods), what) = match w {
        Watch::FailedShifts => (
            "ExecutionsFailed",
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
            FAILED_SHIFTS,
            "shifts of the failover watcher failed in two of the last three minutes: it may not be able to fail over",
        ),
        Watch::ShiftsStopped => (
            "ExecutionsStarted",
            "LessThanThreshold",
            "breaching",
            (STOPPED_MINUTES, STOPPED_MINUTES),
            "no shift of the failover watcher started for three minutes: nothing watches this region's partner (a disabled or deleted schedule, or a schedule role that cannot start it)",
        ),
        Watch::RunbookFailed => (
            "ExecutionsFailed",
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
            (1, 1),
            "an execution of the failover runbook failed",
        ),
    };
    AlarmSpec {
        name: w.name(o, region),
        description: format!("trdr {} in {region}: {what}.", o.id()),
        namespace: STATES_NAMESPACE.into(),
        metric: metric.into(),
        dimension: ("StateMachineArn".into(), arn.to_string()),
        statistic: "Sum".into(),
        period_seconds: PERIOD_SECONDS,
        evaluation_periods: periods,
        datapoints_to_alarm: datapoints,
        threshold: 1.0,
        comparison: comparison.into(),
        treat_missing_data: missing.into(),
        actions: o.topic_in(region).into_iter().collect(),
        warm_up_minutes: (w == Watch::ShiftsStopped).then_some(WARM_UP_MINUTES),
    }
}

/// Every alarm name trdr may have deployed in `region`, deployed now or not.
fn names(o: &Orchestrator, region: &str) -> Vec<String> {
    Watch::ALL.iter().map(|w| w.name(o, region)).collect()
}

/// The alarms the configuration asks for in `region`, with the ARNs of the state machines they
/// watch (built from the account, or found by listing when it is unknown; an alarm on a state
/// machine that cannot be found is left out: its own step reports that).
async fn wanted(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
) -> Result<Vec<AlarmSpec>, AwsError> {
    let c = &cfg.region(region).sfn;
    let account = cfg.account().await;
    let mut out = Vec::new();
    for w in Watch::ALL {
        if w.on_watcher() && o.automatic.is_none() {
            continue;
        }
        let name = if w.on_watcher() {
            o.naming.watcher(region)
        } else {
            o.naming.state_machine(region)
        };
        if let Some(arn) = sfn::address(c, account.as_deref(), &name).await? {
            out.push(spec(w, o, region, &arn));
        }
    }
    Ok(out)
}

/// How long CloudWatch may take to report an alarm it accepted (or to stop reporting one it
/// deleted): its API is eventually consistent.
const SETTLE: Duration = Duration::from_secs(60);

/// Waits until `DescribeAlarms` reports each of `want` as asked and none of `gone`.
async fn settle(
    c: &aws_sdk_cloudwatch::Client,
    region: &str,
    want: &[AlarmSpec],
    gone: &[String],
) -> Result<(), Failure> {
    let mut all: Vec<String> = want.iter().map(|s| s.name.clone()).collect();
    all.extend(gone.iter().cloned());
    let what = format!("the failover alarms in {region} to be as configured");
    waiter::wait_for(&what, SETTLE, waiter::Backoff::default(), || async {
        let have = cloudwatch::alarms(c, &all).await?;
        let pending: Vec<&str> = want
            .iter()
            .filter(|s| have.get(&s.name).is_none_or(|a| a.spec != **s))
            .map(|s| s.name.as_str())
            .chain(
                gone.iter()
                    .filter(|n| have.contains_key(*n))
                    .map(String::as_str),
            )
            .collect();
        Ok::<_, AwsError>(if pending.is_empty() {
            waiter::Poll::Ready(())
        } else {
            waiter::Poll::Pending(format!("not yet as asked: {}", pending.join(", ")))
        })
    })
    .await?;
    Ok(())
}

/// The alarms of `region` as the configuration asks: missing or changed ones put, tags brought
/// in line, the watcher's deleted when `automatic_failover` is off.
pub async fn ensure(cfg: &Configured, o: &Orchestrator, region: &str) -> Result<(), Failure> {
    let c = &cfg.region(region).cloudwatch;
    let want = wanted(cfg, o, region).await?;
    let have = cloudwatch::alarms(c, &names(o, region)).await?;
    let tags = tags_for(cfg, o, region);
    let mut changed = Vec::new();
    for s in &want {
        match have.get(&s.name) {
            Some(a) if a.spec == *s => {
                let actual = cloudwatch::tags(c, &a.arn).await?.unwrap_or_default();
                if !tags::contains_all(&actual, &tags) {
                    cloudwatch::tag(c, &a.arn, &tags).await?;
                }
            }
            Some(a) => {
                cloudwatch::put_alarm(c, s, &tags).await?;
                // PutMetricAlarm applies tags to a new alarm only.
                cloudwatch::tag(c, &a.arn, &tags).await?;
                changed.push(s.clone());
            }
            None => {
                cloudwatch::put_alarm(c, s, &tags).await?;
                changed.push(s.clone());
            }
        }
    }
    let stale: Vec<String> = have
        .keys()
        .filter(|n| !want.iter().any(|s| &s.name == *n))
        .cloned()
        .collect();
    if !stale.is_empty() {
        cloudwatch::delete_alarms(c, &stale).await?;
    }
    if !changed.is_empty() || !stale.is_empty() {
        settle(c, region, &changed, &stale).await?;
    }
    Ok(())
}

/// Deletes every alarm of `region` and waits until CloudWatch no longer reports them.
pub async fn remove(cfg: &Configured, o: &Orchestrator, region: &str) -> Result<(), Failure> {
    let c = &cfg.region(region).cloudwatch;
    let have: Vec<String> = cloudwatch::alarms(c, &names(o, region))
        .await?
        .into_keys()
        .collect();
    if have.is_empty() {
        return Ok(());
    }
    cloudwatch::delete_alarms(c, &have).await?;
    settle(c, region, &[], &have).await
}

/// Each region's alarms against the configuration: a missing, changed or retagged alarm, and a
/// watcher's alarm left without `automatic_failover`, is drift the next apply repairs.
pub async fn observe(
    cfg: &Configured,
    o: &Orchestrator,
    drift: &mut Vec<String>,
) -> Result<(), AwsError> {
    for e in o.regions() {
        let region = e.region.as_str();
        let c = &cfg.region(region).cloudwatch;
        let want = wanted(cfg, o, region).await?;
        let have = cloudwatch::alarms(c, &names(o, region)).await?;
        let tags = tags_for(cfg, o, region);
        for s in &want {
            match have.get(&s.name) {
                None => drift.push(format!("the alarm {} is missing in {region}", s.name)),
                Some(a) if a.spec != *s => drift.push(differs(a, s, region)),
                Some(a) => {
                    let actual = cloudwatch::tags(c, &a.arn).await?.unwrap_or_default();
                    if !tags::contains_all(&actual, &tags) {
                        drift.push(format!(
                            "the alarm {} in {region} lacks trdr's tags",
                            s.name
                        ));
                    }
                }
            }
        }
        for name in have.keys().filter(|n| !want.iter().any(|s| &s.name == *n)) {
            drift.push(format!(
                "the alarm {name} remains in {region} though nothing asks for it"
            ));
        }
    }
    Ok(())
}

/// What of alarm `a` departs from `want`, by setting.
fn differs(a: &Alarm, want: &AlarmSpec, region: &str) -> String {
    let h = &a.spec;
    let mut what = Vec::new();
    let mut check = |name: &str, differ: bool| {
        if differ {
            what.push(name.to_string());
        }
    };
    check(
        "metric",
        (&h.namespace, &h.metric) != (&want.namespace, &want.metric),
    );
    check("state machine", h.dimension != want.dimension);
    check("statistic", h.statistic != want.statistic);
    check(
        "periods",
        (
            h.period_seconds,
            h.evaluation_periods,
            h.datapoints_to_alarm,
        ) != (
            want.period_seconds,
            want.evaluation_periods,
            want.datapoints_to_alarm,
        ),
    );
    check(
        "threshold",
        h.threshold != want.threshold || h.comparison != want.comparison,
    );
    check(
        "missing data",
        h.treat_missing_data != want.treat_missing_data,
    );
    check("notified topic", h.actions != want.actions);
    check("warm-up", h.warm_up_minutes != want.warm_up_minutes);
    check("description", h.description != want.description);
    format!(
        "the alarm {} in {region} differs from the configuration ({})",
        want.name,
        what.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::failover_orchestrator::desired::tests::sfn_tag_value_ok;

    use crate::provider::config::ProviderConfig;
    use crate::resources::failover_orchestrator::schema::schema;
    use serde_json::json;

    fn orchestrator(topic: Option<&str>) -> Orchestrator {
        let provider = ProviderConfig::for_tests(3);
        let config = crate::resources::config(json!({
            "name": "trading", "environment_suffix": "dev",
            "global_database_id": "trading-global-dev",
            "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
            "notification_topic_arn": topic,
            "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
            "primary_endpoint": {"fqdn": "a.example.com"},
            "secondary_endpoint": {"fqdn": "b.example.com"},
            "health_check": [{}], "runbook": [{}], "automatic_failover": [{}],
        }));
        let planned = crate::framework::plan::plan(&schema().block, None, &config).state;
        Orchestrator::from_value(&planned, &provider).expect("a valid configuration")
    }

    /// Issue 32: a stopped watcher publishes nothing, so only missing data treated as breaching
    /// raises the alarm; a failed shift or run is a count of at least one.
    #[test]
    fn the_stopped_watcher_alarm_counts_missing_data_as_breaching() {
        let o = orchestrator(Some("arn:aws:sns:us-east-1:123456789012:alerts"));
        let arn = "arn:aws:states:us-east-2:123456789012:stateMachine:w";
        let stopped = spec(Watch::ShiftsStopped, &o, "us-east-2", arn);
        assert_eq!(stopped.metric, "ExecutionsStarted");
        assert_eq!(stopped.treat_missing_data, "breaching");
        assert_eq!(stopped.comparison, "LessThanThreshold");
        // It warms up (a new watcher has no data yet); the others have nothing to wait for.
        assert_eq!(stopped.warm_up_minutes, Some(WARM_UP_MINUTES));
        assert_eq!(stopped.dimension, ("StateMachineArn".into(), arn.into()));
        for w in [Watch::FailedShifts, Watch::RunbookFailed] {
            let s = spec(w, &o, "us-east-2", arn);
            assert_eq!(
                (s.metric.as_str(), s.treat_missing_data.as_str()),
                ("ExecutionsFailed", "notBreaching"),
                "{w:?}"
            );
            assert!(s.datapoints_to_alarm <= s.evaluation_periods, "{w:?}");
            assert_eq!(s.warm_up_minutes, None, "{w:?}");
        }
        // Each region's alarms notify that region's topic.
        assert_eq!(
            stopped.actions,
            vec!["arn:aws:sns:us-east-2:123456789012:alerts".to_string()]
        );
        assert!(
            spec(Watch::RunbookFailed, &orchestrator(None), "us-east-2", arn)
                .actions
                .is_empty()
        );
    }

    /// The failover guide tells operators what the alarms do: its figures are these.
    #[test]
    fn the_guide_quotes_the_alarms_settings() {
        let guide = include_str!("../../../templates/guides/failover-operations.md");
        for quoted in [
            format!("below 1 for {STOPPED_MINUTES} minutes in a row"),
            format!("a {WARM_UP_MINUTES}-minute warm-up"),
            format!("for {WARM_UP_MINUTES} minutes after"),
            format!("when the {WARM_UP_MINUTES} minutes are over"),
        ] {
            assert!(guide.contains(&quoted), "the guide lacks {quoted:?}");
        }
    }

    /// The names are the watched state machine's, distinct per alarm and region, within
    /// CloudWatch's 255 characters even for the longest name and suffix.
    #[test]
    fn alarm_names_are_distinct_and_within_cloudwatch_limits() {
        let mut o = orchestrator(None);
        o.naming = crate::naming::Naming::new(&"n".repeat(32), &"s".repeat(24));
        let mut all: Vec<String> = ["us-east-1", "ap-southeast-2"]
            .iter()
            .flat_map(|r| names(&o, r))
            .collect();
        assert!(all.iter().all(|n| n.len() <= 255));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
        assert!(names(&o, "us-east-1")[0].starts_with(&o.naming.watcher("us-east-1")));
        let d = spec(Watch::ShiftsStopped, &o, "us-east-1", "arn").description;
        assert!(d.len() <= 1024, "{d}");
        assert!(sfn_tag_value_ok(&o.id()));
    }
}
