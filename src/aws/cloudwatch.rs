//! Thin CloudWatch operations: the recent maximum of a metric, and metric alarms (put, read
//! back by name, tag, delete).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag, WarmUpConfiguration,
};
use aws_sdk_cloudwatch::Client;
use aws_smithy_types::DateTime;

use super::errors::{AwsError, AwsResultExt, OptionalExt};
use crate::tags::Tags;

/// Aurora's cluster-level metrics.
pub const RDS_NAMESPACE: &str = "AWS/RDS";

/// The largest value of `metric` (with `dimension = value`) over the last `window`, from
/// one-minute maxima; `None` when CloudWatch has no data for it.
pub async fn recent_maximum(
    c: &Client,
    namespace: &str,
    metric: &str,
    dimension: (&str, &str),
    window: Duration,
) -> Result<Option<f64>, AwsError> {
    let now = SystemTime::now();
    let out = c
        .get_metric_statistics()
        .namespace(namespace)
        .metric_name(metric)
        .dimensions(
            Dimension::builder()
                .name(dimension.0)
                .value(dimension.1)
                .build(),
        )
        .start_time(DateTime::from(now - window))
        .end_time(DateTime::from(now))
        .period(60)
        .statistics(Statistic::Maximum)
        .send()
        .await
        .aws("GetMetricStatistics", c)?;
    Ok(out
        .datapoints()
        .iter()
        .filter_map(|d| d.maximum())
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x)))))
}

/// Step Functions' execution metrics (Step Functions developer guide, "Monitoring Step Functions
/// metrics using Amazon CloudWatch": `ExecutionsStarted`, `ExecutionsFailed`, … per
/// `StateMachineArn`).
pub const STATES_NAMESPACE: &str = "AWS/States";

/// A metric alarm on one metric with one dimension, as trdr deploys and compares it. Every field
/// is one `PutMetricAlarm` sets and `DescribeAlarms` reports back.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    pub description: String,
    pub namespace: String,
    pub metric: String,
    pub dimension: (String, String),
    /// `Sum`, `Average`, `Maximum`, `Minimum` or `SampleCount`.
    pub statistic: String,
    pub period_seconds: i32,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: i32,
    pub threshold: f64,
    /// `GreaterThanOrEqualToThreshold`, `LessThanThreshold`, …
    pub comparison: String,
    /// `breaching`, `notBreaching`, `ignore` or `missing`.
    pub treat_missing_data: String,
    /// Notified on the transitions to `ALARM` (SNS topic ARNs).
    pub actions: Vec<String>,
    /// The warm-up after the alarm is created or updated, in minutes (`WarmUpConfiguration`,
    /// CloudWatch User Guide, "Alarm warm-up periods"): until then it stays in
    /// `INSUFFICIENT_DATA` and performs no action, unless data fills its evaluation window
    /// sooner, which ends the warm-up. `None`: no warm-up.
    pub warm_up_minutes: Option<i32>,
}

/// An alarm as `DescribeAlarms` reports it: its settings and its state.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub spec: AlarmSpec,
    pub arn: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
}

fn alarm_of(a: &MetricAlarm) -> Alarm {
    let dimension = a
        .dimensions()
        .first()
        .map(|d| {
            (
                d.name().unwrap_or_default().to_string(),
                d.value().unwrap_or_default().to_string(),
            )
        })
        .unwrap_or_default();
    let evaluation_periods = a.evaluation_periods().unwrap_or_default();
    Alarm {
        spec: AlarmSpec {
            name: a.alarm_name().unwrap_or_default().to_string(),
            description: a.alarm_description().unwrap_or_default().to_string(),
            namespace: a.namespace().unwrap_or_default().to_string(),
            metric: a.metric_name().unwrap_or_default().to_string(),
            dimension,
            statistic: a
                .statistic()
                .map(|s| s.as_str())
                .unwrap_or_default()
                .to_string(),
            period_seconds: a.period().unwrap_or_default(),
            evaluation_periods,
            // AWS reports DatapointsToAlarm only when it was set; unset means all of them.
            datapoints_to_alarm: a.datapoints_to_alarm().unwrap_or(evaluation_periods),
            threshold: a.threshold().unwrap_or_default(),
            comparison: a
                .comparison_operator()
                .map(|c| c.as_str())
                .unwrap_or_default()
                .to_string(),
            // AWS's default when none was given.
            treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_string(),
            actions: a.alarm_actions().to_vec(),
            warm_up_minutes: a
                .warm_up_configuration()
                .and_then(|w| w.warm_up_period_duration_in_minutes()),
        },
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        state: a
            .state_value()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_string(),
    }
}

/// `DescribeAlarms`' largest `AlarmNames` list and page (CloudWatch API reference: 100).
const DESCRIBE_NAMES: usize = 100;

/// The metric alarms among `names` that exist, by name: one `DescribeAlarms` per hundred names,
/// whatever else the region holds.
pub async fn alarms(c: &Client, names: &[String]) -> Result<BTreeMap<String, Alarm>, AwsError> {
    let mut found = BTreeMap::new();
    for chunk in names.chunks(DESCRIBE_NAMES) {
        let out = c
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .max_records(DESCRIBE_NAMES as i32)
            .send()
            .await
            .aws("DescribeAlarms", c)?;
        for a in out.metric_alarms() {
            let a = alarm_of(a);
            found.insert(a.spec.name.clone(), a);
        }
    }
    Ok(found)
}

/// Creates or replaces alarm `spec.name` (`PutMetricAlarm` replaces every setting). `tags` apply
/// when it creates the alarm; [`tag`] brings an existing alarm's tags in line.
pub async fn put_alarm(c: &Client, spec: &AlarmSpec, tags: &Tags) -> Result<(), AwsError> {
    c.put_metric_alarm()
        .alarm_name(&spec.name)
        .alarm_description(&spec.description)
        .namespace(&spec.namespace)
        .metric_name(&spec.metric)
        .dimensions(
            Dimension::builder()
                .name(&spec.dimension.0)
                .value(&spec.dimension.1)
                .build(),
        )
        .statistic(Statistic::from(spec.statistic.as_str()))
        .period(spec.period_seconds)
        .evaluation_periods(spec.evaluation_periods)
        .datapoints_to_alarm(spec.datapoints_to_alarm)
        .threshold(spec.threshold)
        .comparison_operator(ComparisonOperator::from(spec.comparison.as_str()))
        .treat_missing_data(&spec.treat_missing_data)
        // No `Unit`: the API reference recommends omitting it, since a unit the metric is not
        // published with leaves the alarm in INSUFFICIENT_DATA for good.
        .actions_enabled(true)
        .set_alarm_actions(Some(spec.actions.clone()))
        .set_warm_up_configuration(spec.warm_up_minutes.map(|m| {
            WarmUpConfiguration::builder()
                .warm_up_period_duration_in_minutes(m)
                .build()
        }))
        .set_tags(Some(cw_tags(tags)))
        .send()
        .await
        .aws("PutMetricAlarm", c)?;
    Ok(())
}

fn cw_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The tags of alarm `arn`; `None` when there is no such alarm.
pub async fn tags(c: &Client, arn: &str) -> Result<Option<Tags>, AwsError> {
    let out = c
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .aws("ListTagsForResource", c)
        .found()?;
    Ok(out.map(|o| {
        o.tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }))
}

/// Adds or overwrites `tags` on alarm `arn`.
pub async fn tag(c: &Client, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    c.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(cw_tags(tags)))
        .send()
        .await
        .aws("TagResource", c)?;
    Ok(())
}

/// Deletes the alarms named `names` (up to 100 a call). CloudWatch still deletes the others when
/// a name does not exist (API reference, DeleteAlarms); callers name the alarms they found, and
/// a `ResourceNotFound` for one deleted meanwhile counts as done.
pub async fn delete_alarms(c: &Client, names: &[String]) -> Result<(), AwsError> {
    for chunk in names.chunks(DESCRIBE_NAMES) {
        c.delete_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .send()
            .await
            .aws("DeleteAlarms", c)
            .found()?;
    }
    Ok(())
}
