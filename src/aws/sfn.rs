//! Thin Step Functions operations for the failover runbooks.

use aws_sdk_sfn::types::{
    ExecutionStatus, StateMachineType, Tag, ValidateStateMachineDefinitionSeverity,
};
use aws_sdk_sfn::Client;

use super::errors::{AwsError, AwsResultExt, OptionalExt};
use crate::tags::Tags;

/// The ARN of the state machine named `name`, if it exists, found by listing every state machine
/// of the region (AWS's largest page, 1,000): only where no account id is known
/// ([`locate`]), as on an import or an interrupted create without one.
pub async fn find(c: &Client, name: &str) -> Result<Option<String>, AwsError> {
    // Page by page, stopping at the page that has it.
    let mut pages = c
        .list_state_machines()
        .max_results(LIST_PAGE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.aws("ListStateMachines", c)?;
        if let Some(sm) = page.state_machines().iter().find(|sm| sm.name() == name) {
            return Ok(Some(sm.state_machine_arn().to_string()));
        }
    }
    Ok(None)
}

/// The names of every state machine in `c`'s region (pages of [`LIST_PAGE`]). For
/// `terraform query` only.
pub async fn names(c: &Client) -> Result<Vec<String>, AwsError> {
    let machines: Vec<_> = c
        .list_state_machines()
        .max_results(LIST_PAGE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListStateMachines", c)?;
    Ok(machines.into_iter().map(|sm| sm.name).collect())
}

/// `ListStateMachines`' largest page (the API reference: 1–1000, default 100).
const LIST_PAGE: i32 = 1000;

/// `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`, as Step Functions names them.
pub fn arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{}:states:{region}:{account}:stateMachine:{name}",
        super::partition(region)
    )
}

/// The state machine named `name` in `c`'s region: one `DescribeStateMachine` on the ARN its
/// name gives when `account` is known, whatever else the account holds; found by listing
/// ([`find`]) otherwise.
pub async fn locate(
    c: &Client,
    account: Option<&str>,
    name: &str,
) -> Result<Option<Deployed>, AwsError> {
    match address(c, account, name).await? {
        Some(arn) => describe(c, &arn).await,
        None => Ok(None),
    }
}

/// The ARN to act on for state machine `name` (tag, delete, start): built from `account` with no
/// call — the action's own not-found answer says it is gone — or, the account unknown, found by
/// listing (`None`: there is none).
pub async fn address(
    c: &Client,
    account: Option<&str>,
    name: &str,
) -> Result<Option<String>, AwsError> {
    match (account, c.config().region()) {
        (Some(account), Some(region)) => Ok(Some(arn(region.as_ref(), account, name))),
        _ => find(c, name).await,
    }
}

/// One execution of a runbook, as Step Functions reports it.
#[derive(Clone, Debug)]
pub struct Run {
    pub status: String,
    pub started: std::time::SystemTime,
    /// Unset while it runs.
    pub stopped: Option<std::time::SystemTime>,
    pub input: serde_json::Value,
    pub output: serde_json::Value,
}

fn system_time(t: &aws_smithy_types::DateTime) -> std::time::SystemTime {
    std::time::SystemTime::try_from(*t).unwrap_or(std::time::UNIX_EPOCH)
}

/// The newest executions of state machine `arn` (at most `max`, newest first; only those with
/// `status` when given), each described for its input and output.
pub async fn recent_runs(
    c: &Client,
    arn: &str,
    status: Option<ExecutionStatus>,
    max: i32,
) -> Result<Vec<Run>, AwsError> {
    let out = c
        .list_executions()
        .state_machine_arn(arn)
        .set_status_filter(status)
        .max_results(max)
        .send()
        .await
        .aws("ListExecutions", c)?;
    let mut items: Vec<_> = out.executions().to_vec();
    items.sort_by_key(|e| std::cmp::Reverse(system_time(e.start_date())));
    let mut runs = Vec::new();
    for e in items.into_iter().take(max.max(0) as usize) {
        let d = c
            .describe_execution()
            .execution_arn(e.execution_arn())
            .send()
            .await
            .aws("DescribeExecution", c)?;
        let json = |s: Option<&str>| {
            s.and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        runs.push(Run {
            status: d.status().as_str().to_string(),
            started: system_time(d.start_date()),
            stopped: d.stop_date().map(system_time),
            input: json(d.input()),
            output: json(d.output()),
        });
    }
    Ok(runs)
}

/// A state machine as Step Functions describes it.
pub struct Deployed {
    pub arn: String,
    pub definition: String,
    pub role_arn: String,
}

pub async fn describe(c: &Client, arn: &str) -> Result<Option<Deployed>, AwsError> {
    Ok(c.describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .aws("DescribeStateMachine", c)
        .found()?
        .map(|o| Deployed {
            arn: o.state_machine_arn().to_string(),
            definition: o.definition().to_string(),
            role_arn: o.role_arn().to_string(),
        }))
}

/// `ValidateStateMachineDefinition`'s errors (warnings are logged).
pub async fn validate(c: &Client, definition: &str) -> Result<Vec<String>, AwsError> {
    let out = c
        .validate_state_machine_definition()
        .definition(definition)
        .r#type(StateMachineType::Standard)
        .send()
        .await
        .aws("ValidateStateMachineDefinition", c)?;
    let mut errors = Vec::new();
    for d in out.diagnostics() {
        let text = format!(
            "{} {}: {}",
            d.code(),
            d.location().unwrap_or_default(),
            d.message()
        );
        if d.severity() == &ValidateStateMachineDefinitionSeverity::Error {
            errors.push(text);
        } else {
            tracing::warn!(diagnostic = %text, "state machine definition warning");
        }
    }
    Ok(errors)
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub async fn create(
    c: &Client,
    name: &str,
    definition: &str,
    role_arn: &str,
    tags: &Tags,
) -> Result<String, AwsError> {
    let out = c
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role_arn)
        .r#type(StateMachineType::Standard)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("CreateStateMachine", c)?;
    Ok(out.state_machine_arn().to_string())
}

pub async fn update(
    c: &Client,
    arn: &str,
    definition: &str,
    role_arn: &str,
    tags: &Tags,
) -> Result<(), AwsError> {
    c.update_state_machine()
        .state_machine_arn(arn)
        .definition(definition)
        .role_arn(role_arn)
        .send()
        .await
        .aws("UpdateStateMachine", c)?;
    tag(c, arn, tags).await
}

/// Adds or overwrites tags (`TagResource`).
pub async fn tag(c: &Client, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    c.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("TagResource", c)?;
    Ok(())
}

/// Removes the tags `keys` (`UntagResource`); keys the resource does not have are no error.
pub async fn untag(c: &Client, arn: &str, keys: &[&str]) -> Result<(), AwsError> {
    c.untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
        .send()
        .await
        .aws("UntagResource", c)?;
    Ok(())
}

/// The longest tag value Step Functions accepts.
pub const TAG_VALUE_MAX: usize = 256;

/// `text` as a Step Functions tag value: letters, digits, white space and `_ . : / = + - @` kept
/// (AWS's `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`), anything else a `_`, cut to 256 characters. For
/// values a person writes (a reason) or an identity ARN, which must not make the call fail.
pub fn tag_value(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(TAG_VALUE_MAX)
        .collect()
}

/// The commands that follow and stop execution `arn` in `region`, for a person reading a
/// diagnostic.
pub fn execution_commands(arn: &str, region: &str) -> String {
    format!(
        "Follow it:  aws stepfunctions describe-execution --execution-arn {arn} --region {region}\nStop it:    aws stepfunctions stop-execution --execution-arn {arn} --region {region}"
    )
}

pub async fn tags(c: &Client, arn: &str) -> Result<Tags, AwsError> {
    let out = c
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .aws("ListTagsForResource", c)?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

pub async fn delete(c: &Client, arn: &str) -> Result<(), AwsError> {
    c.delete_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .aws("DeleteStateMachine", c)
        .found()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reason or an ARN with characters Step Functions refuses in a tag value, or longer than
    /// it allows, still makes a value it accepts; legal text is kept as written.
    #[test]
    fn tag_values_keep_what_step_functions_accepts_and_replace_the_rest() {
        let arn = "arn:aws:sts::123456789012:assumed-role/Ops/jane@example.com";
        assert_eq!(tag_value(arn), arn);
        assert_eq!(
            tag_value("DB upgrade, ticket #42 (Jane's)"),
            "DB upgrade_ ticket _42 _Jane_s_"
        );
        assert_eq!(tag_value("Wartung für Ölpumpe"), "Wartung für Ölpumpe");
        let long = tag_value(&"x".repeat(300));
        assert_eq!(long.chars().count(), TAG_VALUE_MAX);
    }
}
