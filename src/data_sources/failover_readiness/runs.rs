//! The runbooks' executions: the last run in each region (for `last_runs`) and, when asked,
//! whether a drill succeeded recently enough.

use std::time::{Duration, SystemTime};

use aws_sdk_sfn::types::ExecutionStatus;

use crate::aws::errors::AwsError;
use crate::aws::sfn;
use crate::framework::Value;
use crate::provider::Configured;

use super::report::{Checks, Status};
use super::schema::RUN_FIELDS;

/// How many recent successful executions per region a drill is looked for in.
const DRILL_LOOKBACK: i32 = 10;

/// The last run of each region's runbook (for `last_runs`), and, with `max_age`, whether a drill
/// succeeded within it.
pub(super) async fn run_checks(
    cfg: &Configured,
    runbooks: &[(String, Option<String>)],
    max_age: Option<Duration>,
    checks: &mut Checks,
) -> Result<Vec<Value>, AwsError> {
    let now = SystemTime::now();
    let mut last = Vec::new();
    let mut newest_drill: Option<(String, SystemTime)> = None;
    for (region, arn) in runbooks {
        let Some(arn) = arn else { continue };
        let c = &cfg.region(region).sfn;
        if let Some(run) = sfn::recent_runs(c, arn, None, 1).await?.into_iter().next() {
            last.push(run_value(region, &run));
        }
        if max_age.is_some() {
            let drills =
                sfn::recent_runs(c, arn, Some(ExecutionStatus::Succeeded), DRILL_LOOKBACK).await?;
            let drill = drills
                .iter()
                .find(|r| r.input["mode"] == "drill" && r.output["outcome"] == "drill-ready");
            if let Some(ended) = drill.and_then(|d| d.stopped) {
                if newest_drill.as_ref().is_none_or(|(_, t)| ended > *t) {
                    newest_drill = Some((region.clone(), ended));
                }
            }
        }
    }
    if let Some(max) = max_age {
        drill_age(newest_drill, max, now, checks);
    }
    Ok(last)
}

/// Whether the newest successful drill (its region and end) ended within `max` of `now`.
fn drill_age(
    newest: Option<(String, SystemTime)>,
    max: Duration,
    now: SystemTime,
    checks: &mut Checks,
) {
    let minutes = |d: Duration| format!("{:.1} min", d.as_secs_f64() / 60.0);
    match newest {
        Some((region, ended)) => {
            let age = now.duration_since(ended).unwrap_or_default();
            checks.add(
                "drill within max_drill_age",
                Status::pass_if(age <= max),
                format!(
                    "the last successful drill ended in {region} {} ago (max_drill_age {})",
                    minutes(age),
                    minutes(max)
                ),
            );
        }
        None => checks.add(
            "drill within max_drill_age",
            Status::Fail,
            format!("no successful drill (outcome drill-ready) among the last {DRILL_LOOKBACK} successful runs of either runbook; start one with {{\"mode\": \"drill\"}}"),
        ),
    }
}

/// One element of `last_runs`.
fn run_value(region: &str, run: &sfn::Run) -> Value {
    let text = |j: &serde_json::Value| j.as_str().map(str::to_string);
    let ended = run.stopped.and_then(|t| {
        aws_smithy_types::DateTime::from(t)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .ok()
    });
    let fields: [Value; 6] = [
        Value::from(region),
        Value::from(text(&run.input["mode"])),
        Value::from(run.status.clone()),
        Value::from(text(&run.output["outcome"])),
        Value::from(ended),
        Value::from(run.output["recovery_seconds"].as_f64()),
    ];
    let mut v = Value::object();
    for ((name, _), x) in RUN_FIELDS.iter().zip(fields) {
        v.set(name, x);
    }
    v
}
