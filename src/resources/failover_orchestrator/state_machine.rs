//! A generated state machine deployed as written: checked by us and by
//! `ValidateStateMachineDefinition` first, created or updated as the execution role, and left
//! alone when AWS already holds it. The runbooks and the watchers are both deployed this way.

use std::time::Duration;

use super::model::Orchestrator;
use super::runbook;
use super::schema::EXECUTION_ROLE_ARN;
use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::sfn;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::tags::{self, Tags};
use crate::waiter::{self, WaitError};

/// How long a new role may take to become assumable (IAM is eventually consistent; the
/// `hashicorp/aws` provider waits as long).
const IAM_PROPAGATION: Duration = Duration::from_secs(120);

/// Creates or updates state machine `name` in `region` with `definition`, run as the execution
/// role, after checking the definition ourselves and with `ValidateStateMachineDefinition`.
pub async fn ensure_state_machine(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    name: &str,
    definition: &serde_json::Value,
    tags: &Tags,
    timeout: Duration,
) -> Result<String, Failure> {
    let c = &cfg.region(region).sfn;
    let problems = runbook::structural_problems(definition);
    if !problems.is_empty() {
        return Err(Failure::found(format!(
            "provider bug: the generated state machine {name} is malformed: {}",
            problems.join("; ")
        )));
    }
    let text = definition.to_string();
    let account = cfg.account().await;
    let deployed = sfn::locate(c, account.as_deref(), name).await?;
    if let Some(d) = &deployed {
        let same = serde_json::from_str::<serde_json::Value>(&d.definition)
            .ok()
            .as_ref()
            == Some(definition)
            && d.role_arn == o.role_arn;
        if same && tags::contains_all(&sfn::tags(c, &d.arn).await?, tags) {
            // Nothing to change: no validation, no write.
            return Ok(d.arn.clone());
        }
    }
    // A definition about to be written is checked first, so a rejection names what is wrong.
    let errors = sfn::validate(c, &text).await?;
    if !errors.is_empty() {
        return Err(Failure::found(format!(
            "ValidateStateMachineDefinition rejected {name} in {region}: {}",
            errors.join("; ")
        )));
    }
    let on_role = |e: WaitError| Failure::from(e).about(EXECUTION_ROLE_ARN.path());
    // IAM is eventually consistent: a role made moments ago (often in the same apply) cannot be
    // assumed yet, and Step Functions answers AccessDeniedException until it can.
    let propagating = |e: &AwsError| e.is(ErrorKind::AccessDenied);
    let role_wait = timeout.min(IAM_PROPAGATION);
    let role_what = format!("Step Functions to assume {} (IAM propagation)", o.role_arn);
    Ok(match deployed {
        None => waiter::retry_while(&role_what, role_wait, propagating, || {
            sfn::create(c, name, &text, &o.role_arn, tags)
        })
        .await
        .map_err(on_role)?,
        Some(d) => {
            waiter::retry_while(&role_what, role_wait, propagating, || {
                sfn::update(c, &d.arn, &text, &o.role_arn, tags)
            })
            .await
            .map_err(on_role)?;
            d.arn
        }
    })
}
