//! What is deployed of an orchestrator, by id, for the readiness data source: the health
//! checks, the runbooks and their budget, the watchers. Read from AWS alone, without a state.

use super::desired::{tag_fields, RTO_TAG, RTO_TARGET_TAG};
use super::runbook::{self, watcher};
use crate::aws::errors::{AwsError, OptionalExt};
use crate::aws::{route53, scheduler, sfn};
use crate::naming::Naming;
use crate::provider::Configured;

/// What is deployed of orchestrator `name:environment_suffix`, for readiness checks.
pub struct Deployment {
    /// Region → whether our health check exists.
    pub health_checks: Vec<(String, bool)>,
    /// Region → the runbook's ARN, when it exists.
    pub runbooks: Vec<(String, Option<String>)>,
    /// Worst-case budget of the deployed runbooks and the target they were deployed with.
    pub budget: Option<(f64, f64)>,
    /// Region → the watcher as deployed (`automatic_failover`), `None` where there is none.
    pub watchers: Vec<(String, Option<Watching>)>,
}

/// A region's watcher as readiness sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Watching {
    /// Tagged `TrdrWatch = paused`.
    pub paused: bool,
    /// Who paused it, why and since when, as `trdr_pause` (or a person with the CLI) tagged it.
    pub paused_by: Option<String>,
    pub pause_reason: Option<String>,
    pub paused_at: Option<String>,
    /// Its schedule exists and is enabled: shifts start every minute.
    pub scheduled: bool,
}

impl Watching {
    /// The pause as readiness reports it: who, since when and why, as far as the tags say.
    pub fn pause_detail(&self) -> String {
        let by = self.paused_by.as_deref().unwrap_or("an unnamed operator");
        let since = self
            .paused_at
            .as_deref()
            .map(|t| format!(" since {t}"))
            .unwrap_or_default();
        let why = self.pause_reason.as_deref().unwrap_or("no reason given");
        format!("paused by {by}{since}: {why} (TrdrWatch = paused; trdr_resume or the CLI resumes it): this region does not fail over by itself")
    }
}

pub async fn inspect(cfg: &Configured, id: &str) -> Result<Deployment, AwsError> {
    let (name, suffix) = id.split_once(':').unwrap_or((id, ""));
    let naming = Naming::new(name, suffix);
    let regions = [
        cfg.config.primary_region.clone(),
        cfg.config.secondary_region.clone(),
    ];
    let r53 = &cfg.region(&regions[0]).route53;
    let mut d = Deployment {
        health_checks: Vec::new(),
        runbooks: Vec::new(),
        budget: None,
        watchers: Vec::new(),
    };
    // Everything by the ARN or id it has, never by listing the account, where the account id is
    // known: a data source read on every plan must not cost more in a busy account.
    let account = cfg.account().await;
    let account = account.as_deref();
    for region in &regions {
        let c = &cfg.region(region).sfn;
        let watcher = watching(cfg, &naming, region, account).await?;
        d.watchers.push((region.clone(), watcher));
        let deployed = sfn::locate(c, account, &naming.state_machine(region)).await?;
        let definition: Option<serde_json::Value> = deployed
            .as_ref()
            .map(|dep| serde_json::from_str(&dep.definition).unwrap_or_default());
        // This region's health check is the one its runbook's PRIMARY record names.
        let prefix = naming.health_check_prefix(region);
        let named = definition.as_ref().and_then(|def| {
            runbook::dns_changes(def)
                .as_array()?
                .iter()
                .map(|c| &c["ResourceRecordSet"])
                .find(|r| r["Failover"] == "PRIMARY")?["HealthCheckId"]
                .as_str()
                .map(str::to_string)
        });
        let present = !route53::ours(r53, &prefix, named.as_deref())
            .await?
            .is_empty();
        d.health_checks.push((region.clone(), present));
        d.runbooks
            .push((region.clone(), deployed.as_ref().map(|dep| dep.arn.clone())));
        if let (Some(dep), Some(def)) = (&deployed, &definition) {
            let (b, target) = budget(c, &dep.arn, def).await?;
            d.budget = Some(
                d.budget
                    .map_or((b, target), |(x, t): (f64, f64)| (x.max(b), t)),
            );
        }
    }
    Ok(d)
}

/// The watcher of `region` as readiness sees it, `None` where there is none.
async fn watching(
    cfg: &Configured,
    naming: &Naming,
    region: &str,
    account: Option<&str>,
) -> Result<Option<Watching>, AwsError> {
    let rc = cfg.region(region);
    let Some(arn) = sfn::address(&rc.sfn, account, &naming.watcher(region)).await? else {
        return Ok(None);
    };
    let Some(tags) = sfn::tags(&rc.sfn, &arn).await.found()? else {
        return Ok(None);
    };
    let schedule = scheduler::get(&rc.scheduler, &naming.watcher(region)).await?;
    let tag = |k: &str| tags.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(Some(Watching {
        paused: tags.get(watcher::PAUSE_TAG).map(String::as_str) == Some(watcher::PAUSED),
        paused_by: tag(watcher::PAUSED_BY_TAG),
        pause_reason: tag(watcher::PAUSE_REASON_TAG),
        paused_at: tag(watcher::PAUSED_AT_TAG),
        scheduled: schedule.is_some_and(|s| s.enabled),
    }))
}

/// A deployed runbook's worst case (the fixed parts its tags carry plus the definition's own
/// overhead) and the target it was deployed with (300 s when the tag is missing).
async fn budget(
    c: &aws_sdk_sfn::Client,
    arn: &str,
    definition: &serde_json::Value,
) -> Result<(f64, f64), AwsError> {
    let tags = sfn::tags(c, arn).await?;
    let target = tags
        .get(RTO_TARGET_TAG)
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(300.0);
    let fixed = tags
        .get(RTO_TAG)
        .map(|t| tag_fields(t).values().sum::<f64>())
        .unwrap_or(0.0);
    Ok((fixed + runbook::overhead_seconds(definition), target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paused(by: Option<&str>, reason: Option<&str>, at: Option<&str>) -> Watching {
        Watching {
            paused: true,
            paused_by: by.map(str::to_string),
            pause_reason: reason.map(str::to_string),
            paused_at: at.map(str::to_string),
            scheduled: true,
        }
    }

    /// Readiness says who paused, since when and why; a pause tagged by hand without them
    /// still reads as a pause.
    #[test]
    fn the_pause_detail_names_who_when_and_why() {
        let d = paused(
            Some("arn:aws:iam::123456789012:user/jane"),
            Some("DB maintenance"),
            Some("2026-12-07T13:00:00Z"),
        )
        .pause_detail();
        assert!(
            d.starts_with("paused by arn:aws:iam::123456789012:user/jane since 2026-12-07T13:00:00Z: DB maintenance"),
            "{d}"
        );
        let d = paused(None, None, None).pause_detail();
        assert!(
            d.starts_with("paused by an unnamed operator: no reason given"),
            "{d}"
        );
    }
}
