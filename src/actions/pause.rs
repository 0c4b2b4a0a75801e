//! `trdr_pause` and `trdr_resume`: pausing the watchers of `automatic_failover` is an operation,
//! not configuration. The pause is a tag on each watcher's state machine (`TrdrWatch = paused`,
//! which every shift reads before it acts), with who paused, why and since when beside it; an
//! apply leaves those tags as they are unless `automatic_failover.paused` is set. Resuming sets
//! `TrdrWatch = watching` and removes the three.
//!
//! Each region's watcher is tagged in its own region, and one region that does not answer does
//! not keep the other from pausing: during an outage the region that still runs is the one whose
//! watcher may act.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::sfn;
use crate::framework::attr::Attr;
use crate::framework::resource::Progress;
use crate::framework::validate::{self, is_region, Check};
use crate::framework::{ActionType, Block, Diagnostics, Schema, Value};
use crate::naming::Naming;
use crate::provider::{Configured, ProviderContext};
use crate::resources::failover_orchestrator::runbook::watcher::{
    PAUSED, PAUSED_AT_TAG, PAUSED_BY_TAG, PAUSE_REASON_TAG, PAUSE_TAG, WATCHING,
};

const ORCHESTRATOR_ID: Attr<String> = Attr::required(
    "orchestrator_id",
    "Id of the `trdr_failover_orchestrator` (`name:environment_suffix`) whose watchers this is about.",
)
.checks(&[Check::Matches(
    "an orchestrator id name:environment_suffix",
    |s| s.split(':').count() == 2 && !s.starts_with(':') && !s.ends_with(':'),
)]);
const REGION: Attr<String> = Attr::optional(
    "region",
    "The region whose watcher this is about, one of the provider's two regions; default: both.",
)
.checks(&[Check::Matches(
    "an AWS region name such as us-east-2",
    is_region,
)]);
const REASON: Attr<String> = Attr::required("reason", "Why the watchers pause, for the colleague who finds them paused: kept in the `TrdrWatchPauseReason` tag (Step Functions' tag characters: anything else becomes `_`; at most 256 characters) and shown by `trdr_failover_readiness`.")
    .checks(&[Check::Matches("a reason that is not blank", |s| !s.trim().is_empty())]);
const BY: Attr<String> = Attr::optional("by", "Who pauses, kept in the `TrdrWatchPausedBy` tag (sanitized as `reason` is). Default: the ARN of the identity the provider runs as (`sts:GetCallerIdentity`).");

/// Whether the action pauses or resumes.
pub struct PauseAction {
    ctx: Arc<ProviderContext>,
    pause: bool,
}

impl PauseAction {
    pub fn new(ctx: Arc<ProviderContext>, pause: bool) -> Self {
        PauseAction { ctx, pause }
    }

    /// The regions the configuration names: `region`, else both. `None` with an error when
    /// `region` is neither of the provider's.
    fn regions(cfg: &Configured, config: &Value, diags: &mut Diagnostics) -> Option<Vec<String>> {
        let both = vec![
            cfg.config.primary_region.clone(),
            cfg.config.secondary_region.clone(),
        ];
        match REGION.get(config) {
            None => Some(both),
            Some(r) if both.contains(&r) => Some(vec![r]),
            Some(r) => {
                diags.attr_error(
                    &REGION.path(),
                    format!(
                        "{r} is neither of the provider's regions ({}); the watchers are there.",
                        both.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// The tags a pause puts on a watcher, `by` and `reason` made legal tag values.
    fn pause_tags(by: &str, reason: &str, at: SystemTime) -> crate::tags::Tags {
        let at = aws_smithy_types::DateTime::from(at)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap_or_default();
        [
            (PAUSE_TAG, PAUSED.to_string()),
            (PAUSED_BY_TAG, sfn::tag_value(by)),
            (PAUSE_REASON_TAG, sfn::tag_value(reason)),
            (PAUSED_AT_TAG, at),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Who pauses: `by`, else the caller's identity ARN; when STS cannot say, a warning and
    /// `unknown caller` (a pause during an incident must not fail for want of a name).
    async fn who(&self, cfg: &Configured, config: &Value, diags: &mut Diagnostics) -> String {
        if let Some(by) = BY.get(config).filter(|b| !b.trim().is_empty()) {
            return by;
        }
        match cfg.clients.caller_arn().await.filter(|a| !a.is_empty()) {
            Some(arn) => arn,
            None => {
                diags.warning(
                    Some(BY.path()),
                    "Who pauses is not known",
                    "STS did not say which identity the provider runs as (sts:GetCallerIdentity; the log says why), so the pause tags name an unknown caller. Set `by` to name who pauses.",
                );
                "unknown caller".to_string()
            }
        }
    }

    /// Tags (or, resuming, re-tags and untags) the watcher of `region`; `Ok(false)` when the
    /// orchestrator has no watcher there.
    async fn apply_to(
        &self,
        cfg: &Configured,
        naming: &Naming,
        region: &str,
        tags: &crate::tags::Tags,
    ) -> Result<bool, AwsError> {
        let c = &cfg.region(region).sfn;
        let account = cfg.account().await;
        let Some(arn) = sfn::address(c, account.as_deref(), &naming.watcher(region)).await? else {
            return Ok(false);
        };
        let tagged = sfn::tag(c, &arn, tags).await;
        match tagged {
            Err(e) if e.is(ErrorKind::NotFound) => return Ok(false),
            other => other?,
        }
        if !self.pause {
            sfn::untag(c, &arn, &[PAUSED_BY_TAG, PAUSE_REASON_TAG, PAUSED_AT_TAG]).await?;
        }
        Ok(true)
    }
}

#[async_trait]
impl ActionType for PauseAction {
    fn name(&self) -> &'static str {
        if self.pause {
            "pause"
        } else {
            "resume"
        }
    }

    fn schema(&self) -> Schema {
        let block = if self.pause {
            Block::new("Pauses the watchers of `automatic_failover` (both regions', or `region`'s) until `trdr_resume`: a paused watcher runs its shifts and reports them, and never starts the runbook. The pause is an operation, not configuration: it is a tag on each watcher's state machine (`TrdrWatch = paused`, with who paused, why and since when in `TrdrWatchPausedBy`, `TrdrWatchPauseReason` and `TrdrWatchPausedAt`), which an apply leaves as it is unless `automatic_failover.paused` is set; `trdr_failover_readiness` shows it. `terraform apply -invoke=action.trdr_pause.NAME` (Terraform 1.14 and later; with OpenTofu, or without Terraform, tag the watcher with the AWS CLI as the failover guide shows).")
                .with(&[&ORCHESTRATOR_ID, &REGION, &REASON, &BY])
        } else {
            Block::new("Resumes the watchers of `automatic_failover` (both regions', or `region`'s) that `trdr_pause` or the AWS CLI paused: tags each watcher's state machine `TrdrWatch = watching` and removes who paused, why and when. The next shift (within a minute) watches again. `terraform apply -invoke=action.trdr_resume.NAME` (Terraform 1.14 and later; with OpenTofu, use the AWS CLI as the failover guide shows).")
                .with(&[&ORCHESTRATOR_ID, &REGION])
        };
        Schema { version: 0, block }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate::schema(diags, &self.schema().block, config);
    }

    async fn plan(&self, config: &Value, diags: &mut Diagnostics) {
        if !config.is_wholly_known() {
            return;
        }
        let Some(cfg) = self.ctx.require(diags) else {
            return;
        };
        Self::regions(&cfg, config, diags);
    }

    async fn invoke(&self, config: &Value, progress: Progress<'_>, diags: &mut Diagnostics) {
        let Some(cfg) = self.ctx.require(diags) else {
            return;
        };
        let Some(regions) = Self::regions(&cfg, config, diags) else {
            return;
        };
        let Some(id) = ORCHESTRATOR_ID.get(config) else {
            return;
        };
        let Some((name, suffix)) = id.split_once(':') else {
            return;
        };
        let naming = Naming::new(name, suffix);
        let (tags, said) = if self.pause {
            let by = self.who(&cfg, config, diags).await;
            let reason = REASON.get(config).unwrap_or_default();
            let tags = Self::pause_tags(&by, &reason, SystemTime::now());
            let said = format!(
                "paused by {} ({})",
                tags[PAUSED_BY_TAG], tags[PAUSE_REASON_TAG]
            );
            (tags, said)
        } else {
            let tags = [(PAUSE_TAG.to_string(), WATCHING.to_string())]
                .into_iter()
                .collect();
            (tags, "watching again".to_string())
        };
        // Every region is tried: one that cannot be tagged does not keep the other from it.
        for region in &regions {
            match self.apply_to(&cfg, &naming, region, &tags).await {
                Ok(true) => progress(format!("watcher of {id} in {region}: {said}")),
                Ok(false) => diags.attr_error(
                    &ORCHESTRATOR_ID.path(),
                    format!("orchestrator {id} has no watcher in {region}: its automatic_failover is not deployed (apply it first)."),
                ),
                Err(e) => e.report(
                    diags,
                    None,
                    &format!("{} the watcher of {id} in {region}", self.name()),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a pause writes: the pause tag readiness and every shift read, and who, why and when,
    /// each a value Step Functions accepts whatever the person typed.
    #[test]
    fn a_pause_tags_who_why_and_when_in_legal_values() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_650_000);
        let t = PauseAction::pause_tags(
            "arn:aws:sts::123456789012:assumed-role/Ops/jane",
            "DB maintenance, CHG-42 (rollback: resume)",
            at,
        );
        assert_eq!(t[PAUSE_TAG], PAUSED);
        assert_eq!(
            t[PAUSED_BY_TAG],
            "arn:aws:sts::123456789012:assumed-role/Ops/jane"
        );
        assert_eq!(
            t[PAUSE_REASON_TAG],
            "DB maintenance_ CHG-42 _rollback: resume_"
        );
        assert_eq!(t[PAUSED_AT_TAG], "2026-12-07T13:26:40Z");
    }

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let ctx = Arc::new(ProviderContext::default());
        let pause = PauseAction::new(ctx, true);
        let valid = crate::resources::config(serde_json::json!({
            "orchestrator_id": "trading:dev",
            "region": "us-east-2",
            "reason": "maintenance",
            "by": "jane",
        }));
        validate::assert_checks_report_their_paths(
            &pause.schema().block,
            &valid,
            &[
                ("orchestrator_id", Value::from("trading")),
                ("region", Value::from("east")),
                ("reason", Value::from("  ")),
            ],
        );
    }
}
