//! Thin CloudWatch reads: the recent maximum of a metric.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{Dimension, Statistic};
use aws_sdk_cloudwatch::Client;
use aws_smithy_types::DateTime;

use super::errors::{AwsError, AwsResultExt};

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
