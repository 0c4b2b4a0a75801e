//! Thin EventBridge Scheduler operations: the schedule that starts a region's failover watcher.
//!
//! Schedules live in the account's `default` group (Scheduler tags groups, not schedules). Rate
//! expressions go down to `rate(1 minute)`, Scheduler's finest; delivery is at least once, so a
//! target may be started twice for one occurrence (the watcher tolerates that).

use std::time::SystemTime;

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;
use aws_sdk_scheduler::types::{
    FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState, Target,
};
use aws_sdk_scheduler::Client;

use super::errors::{AwsError, AwsResultExt, OptionalExt};

/// What trdr sets on a schedule; `GetSchedule` reports the same fields.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleSpec {
    pub name: String,
    pub expression: String,
    pub target_arn: String,
    pub role_arn: String,
    pub input: String,
    pub enabled: bool,
    pub description: String,
}

fn target(s: &ScheduleSpec) -> Result<Target, AwsError> {
    // A missed start is covered by the next minute's: no retries, no backlog of old starts.
    let retry = RetryPolicy::builder()
        .maximum_retry_attempts(0)
        .maximum_event_age_in_seconds(60)
        .build();
    Target::builder()
        .arn(&s.target_arn)
        .role_arn(&s.role_arn)
        .input(&s.input)
        .retry_policy(retry)
        .build()
        .map_err(AwsError::building("CreateSchedule"))
}

fn window() -> Result<FlexibleTimeWindow, AwsError> {
    FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(AwsError::building("CreateSchedule"))
}

fn state(enabled: bool) -> ScheduleState {
    if enabled {
        ScheduleState::Enabled
    } else {
        ScheduleState::Disabled
    }
}

/// GetSchedule of `name`; `None` when it does not exist.
async fn describe(c: &Client, name: &str) -> Result<Option<GetScheduleOutput>, AwsError> {
    c.get_schedule()
        .name(name)
        .send()
        .await
        .aws("GetSchedule", c)
        .found()
}

/// The schedule named `name`, as trdr would have written it; `None` when it does not exist.
/// `Target.Input` and `Description` are optional in the API model: absent reads as empty.
pub async fn get(c: &Client, name: &str) -> Result<Option<ScheduleSpec>, AwsError> {
    let Some(out) = describe(c, name).await? else {
        return Ok(None);
    };
    let t = out.target();
    Ok(Some(ScheduleSpec {
        name: name.to_string(),
        expression: out.schedule_expression().unwrap_or_default().to_string(),
        target_arn: t.map(|t| t.arn().to_string()).unwrap_or_default(),
        role_arn: t.map(|t| t.role_arn().to_string()).unwrap_or_default(),
        input: t.and_then(|t| t.input()).unwrap_or_default().to_string(),
        enabled: out.state() != Some(&ScheduleState::Disabled),
        description: out.description().unwrap_or_default().to_string(),
    }))
}

/// Since when schedule `name` has been starting its target as it is now: its last modification
/// (its creation, when never modified), if it exists and is enabled; `None` otherwise. A
/// schedule created, changed or re-enabled at that moment starts its first occurrence after it.
pub async fn armed_since(c: &Client, name: &str) -> Result<Option<SystemTime>, AwsError> {
    let Some(out) = describe(c, name).await? else {
        return Ok(None);
    };
    if out.state() == Some(&ScheduleState::Disabled) {
        return Ok(None);
    }
    Ok(out
        .last_modification_date()
        .or(out.creation_date())
        .and_then(|t| SystemTime::try_from(*t).ok()))
}

/// Every field of a schedule on a Create or Update request (Update replaces the whole schedule).
macro_rules! with_schedule {
    ($request:expr, $s:expr) => {
        $request
            .name(&$s.name)
            .schedule_expression(&$s.expression)
            .flexible_time_window(window()?)
            .target(target($s)?)
            .state(state($s.enabled))
            .description(&$s.description)
    };
}

pub async fn create(c: &Client, s: &ScheduleSpec) -> Result<(), AwsError> {
    with_schedule!(c.create_schedule(), s)
        .send()
        .await
        .aws("CreateSchedule", c)?;
    Ok(())
}

/// `UpdateSchedule` replaces the whole schedule: every field is sent.
pub async fn update(c: &Client, s: &ScheduleSpec) -> Result<(), AwsError> {
    with_schedule!(c.update_schedule(), s)
        .send()
        .await
        .aws("UpdateSchedule", c)?;
    Ok(())
}

pub async fn delete(c: &Client, name: &str) -> Result<(), AwsError> {
    c.delete_schedule()
        .name(name)
        .send()
        .await
        .aws("DeleteSchedule", c)
        .found()?;
    Ok(())
}
