//! The runbooks: one Step Functions state machine per region (see `runbook`), the primary
//! region's being the anchor that marks the orchestrator as this state's. Deployed, compared,
//! read back and deleted here.

use std::collections::BTreeMap;
use std::time::Duration;

use super::desired::{rendered, tag_fields, tags_for, Resolved, RUNBOOK_TAG};
use super::model::Orchestrator;
use super::runbook;
use super::schema::*;
use super::state_machine::ensure_state_machine;
use crate::aws::errors::{AwsError, OptionalExt};
use crate::aws::sfn;
use crate::framework::{Attr, Diagnostics, Value};
use crate::ownership::{self, Anchor, Marker};
use crate::provider::Configured;
use crate::resources::list::{self, Filter};
use crate::steps::Failure;

/// The runbook of `region`, described by the ARN its name gives.
pub async fn find(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    account: Option<&str>,
) -> Result<Option<sfn::Deployed>, AwsError> {
    sfn::locate(
        &cfg.region(region).sfn,
        account,
        &o.naming.state_machine(region),
    )
    .await
}

/// The runbook of `region` as the model renders it, deployed; `marker` goes on it (the anchor).
pub async fn ensure(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    marker: Option<&Marker>,
    timeout: Duration,
) -> Result<String, Failure> {
    let definition = rendered(o, region, resolved, hcs);
    let mut tags = tags_for(cfg, o, region);
    tags.extend(marker.map(Marker::tags).unwrap_or_default());
    tags.insert(crate::resources::spelled::TAG.into(), o.spelled.clone());
    let name = o.naming.state_machine(region);
    ensure_state_machine(cfg, o, region, &name, &definition, &tags, timeout).await
}

/// Deletes the runbook of `region`, if there is one.
pub async fn delete(cfg: &Configured, o: &Orchestrator, region: &str) -> Result<(), Failure> {
    let c = &cfg.region(region).sfn;
    let account = cfg.account().await;
    let name = o.naming.state_machine(region);
    if let Some(arn) = sfn::address(c, account.as_deref(), &name).await? {
        sfn::delete(c, &arn).await?;
    }
    Ok(())
}

/// The anchor as a create finds it: the primary region's runbook and its tags.
pub async fn anchor(cfg: &Configured, o: &Orchestrator) -> Result<Anchor, AwsError> {
    let c = &cfg.region(&o.primary.region).sfn;
    let account = cfg.account().await;
    let name = o.naming.state_machine(&o.primary.region);
    Ok(match sfn::address(c, account.as_deref(), &name).await? {
        Some(arn) => match sfn::tags(c, &arn).await.found()? {
            Some(tags) => Anchor::Tagged(tags),
            None => Anchor::Absent,
        },
        None => Anchor::Absent,
    })
}

/// After an apply that succeeded: the anchor is marked as this state's.
pub async fn mark_complete(cfg: &Configured, o: &Orchestrator) -> Result<(), AwsError> {
    let c = &cfg.region(&o.primary.region).sfn;
    let account = cfg.account().await;
    let name = o.naming.state_machine(&o.primary.region);
    let Some(arn) = sfn::address(c, account.as_deref(), &name).await? else {
        return Ok(());
    };
    let Some(tags) = sfn::tags(c, &arn).await.found()? else {
        return Ok(());
    };
    if let Some(m) = ownership::to_complete(&tags) {
        sfn::tag(c, &arn, &m.tags()).await?;
    }
    Ok(())
}

/// The runbooks named `NAME-failover-PRIMARY-SUFFIX` in the primary region (where an import
/// reads an orchestrator): one listing, none when the filter names the topology.
pub async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value> {
    if let Some(naming) = filter.named() {
        return vec![list::identity(&naming, None)];
    }
    let region = &cfg.config.primary_region;
    let middle = format!("-failover-{region}-");
    match sfn::names(&cfg.region(region).sfn).await {
        Ok(names) => names
            .iter()
            .filter_map(|n| {
                let naming = list::parse(n, &middle)?;
                filter.wants(&naming).then(|| list::identity(&naming, None))
            })
            .collect(),
        Err(e) => {
            e.warn(diags, &format!("list the state machines in {region}"));
            vec![]
        }
    }
}

/// Each region's runbook as [`find`] found it, against what the model renders: a missing,
/// edited or differently run one is drift. Returns the ARNs by region and the worst-case budget
/// of the deployed definitions (with `seen`'s detection and TTL).
pub fn observe(
    o: &Orchestrator,
    seen: &Orchestrator,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    found: Vec<(String, Option<sfn::Deployed>)>,
    drift: &mut Vec<String>,
) -> (BTreeMap<String, String>, Option<f64>) {
    let mut arns = BTreeMap::new();
    let mut budget: Option<f64> = None;
    for (region, deployed) in found {
        let name = o.naming.state_machine(&region);
        let Some(d) = deployed else {
            drift.push(format!("runbook {name} is missing in {region}"));
            continue;
        };
        arns.insert(region.clone(), d.arn.clone());
        let deployed: serde_json::Value = serde_json::from_str(&d.definition).unwrap_or_default();
        let b = seen.detection_seconds() + runbook::overhead_seconds(&deployed) + seen.ttl as f64;
        budget = Some(budget.map_or(b, |x: f64| x.max(b)));
        if !resolved.member_arns.is_empty() && deployed != rendered(seen, &region, resolved, hcs) {
            drift.push(format!(
                "runbook {name} differs from the generated definition"
            ));
        }
        if d.role_arn != o.role_arn {
            drift.push(format!(
                "runbook {name} runs as {} instead of execution_role_arn",
                d.role_arn
            ));
        }
    }
    (arns, budget)
}

/// The `runbook` block of an imported orchestrator, from its runbook's tag: only when every
/// bound is there and one departs from the defaults, as a user would write it.
pub fn discover(tags: &crate::tags::Tags, v: &mut Value) {
    let Some(rb) = tags.get(RUNBOOK_TAG) else {
        return;
    };
    let f = tag_fields(rb);
    let fields = [
        (&POLL_INTERVAL_SECONDS, "interval"),
        (&PROMOTION_TIMEOUT_SECONDS, "promotion"),
        (&TASK_TIMEOUT_SECONDS, "task"),
        (&TASK_RETRIES, "retries"),
    ];
    let values: Vec<(&Attr<i64>, i64)> = fields
        .iter()
        .filter_map(|(attr, key)| Some((*attr, f.get(*key).copied()? as i64)))
        .collect();
    if values.len() == fields.len() && values.iter().any(|(a, x)| a.default_value() != Some(*x)) {
        let mut b = Value::object();
        for (attr, x) in values {
            attr.put(&mut b, x);
        }
        RUNBOOK.put(v, b);
    }
}
