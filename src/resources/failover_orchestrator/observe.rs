//! Read, drift and import. DNS that follows the database's current writer is the desired state,
//! so a runbook run is never drift; anything else that departs from the model is listed in
//! `drift` for the plan to repair. Each object is read by the module that owns it; this one puts
//! what they saw into the state.

use std::collections::BTreeMap;

use super::desired::{resolve, Resolved, RTO_TARGET_TAG, STACKS_TAG};
use super::model::Orchestrator;
use super::runbook;
use super::schema::*;
use super::{alarms, dns, runbooks, watchers};
use crate::aws::errors::AwsError;
use crate::aws::sfn;
use crate::framework::Value;
use crate::naming::{Naming, ENVIRONMENT_SUFFIX, NAME};
use crate::provider::Configured;

pub async fn observe(
    cfg: &Configured,
    o: &Orchestrator,
    base: &Value,
) -> Result<Option<Value>, AwsError> {
    let resolved = resolve(cfg, o).await?.unwrap_or(Resolved {
        member_arns: BTreeMap::new(),
        writer: None,
    });
    let mut drift = Vec::new();
    // The configuration as AWS has it: every configurable attribute is read back from the
    // object that holds it, so plans diff attributes and `ignore_changes` works. `drift` keeps
    // only what no attribute can show (a missing object, a record or runbook out of line).
    let mut seen = o.clone();
    // Each region's runbook (and watcher, with automatic failover), described by the ARN its name
    // gives: the cost of a refresh does not grow with what else the account holds.
    let account = cfg.account().await;
    let mut found = Vec::new();
    let mut watched = BTreeMap::new();
    for e in o.regions() {
        if o.automatic.is_some() {
            if let Some(w) = watchers::find(cfg, o, &e.region, account.as_deref()).await? {
                watched.insert(e.region.clone(), w);
            }
        }
        found.push((
            e.region.clone(),
            runbooks::find(cfg, o, &e.region, account.as_deref()).await?,
        ));
    }
    let primary_runbook = found[0].1.as_ref().map(|d| d.arn.as_str());
    let applied = dns::applied_settings(cfg, o, primary_runbook).await?;
    let hcs = dns::observe_health_checks(cfg, o, applied, &mut seen, &mut drift).await?;
    let writer = resolved.writer.as_deref();
    let (records, active) =
        dns::observe_records(cfg, o, &mut seen, &hcs, writer, &mut drift).await?;
    let (arns, budget) = runbooks::observe(o, &seen, &resolved, &hcs, found, &mut drift);
    if let Some(a) = &o.automatic {
        let paused =
            watchers::observe(cfg, o, a, &arns, &watched, &resolved, &hcs, &mut drift).await?;
        // Reported only when the configuration asks for a pause state: otherwise the pause is
        // the operators' (`trdr_pause`, `trdr_resume`, the CLI), and a plan must not offer to
        // undo it.
        if let (Some(sa), Some(_)) = (seen.automatic.as_mut(), watchers::pause_asked(a)) {
            sa.paused = Some(paused);
        }
    }
    if hcs.is_empty() && !records && arns.is_empty() {
        return Ok(None);
    }
    alarms::observe(cfg, o, &mut drift).await?;
    let mut v = base.clone();
    WATCHER_ARNS.put(
        &mut v,
        Value::string_map(watched.iter().map(|(r, d)| (r.clone(), d.arn.clone()))),
    );
    ID.put(&mut v, o.id());
    HEALTH_CHECK_IDS.put(&mut v, Value::string_map(hcs));
    STATE_MACHINE_ARNS.put(&mut v, Value::string_map(arns));
    ACTIVE_REGION.put(&mut v, active);
    if let Some(b) = budget {
        RTO_BUDGET_SECONDS.put(&mut v, b);
    }
    report_configuration(&mut v, o, &seen);
    DRIFT.put(&mut v, Value::string_list(drift));
    Ok(Some(v))
}

/// Writes what AWS has into the configurable attributes that differ from the state. An optional
/// block the state lacks is added only when AWS departs from its defaults, as a user would
/// write it.
fn report_configuration(v: &mut Value, o: &Orchestrator, seen: &Orchestrator) {
    if (seen.interval, seen.threshold) != (o.interval, o.threshold) {
        let hc = dns::health_check_block(seen.interval, seen.threshold);
        if HEALTH_CHECK.of(v).is_null() && hc.is_none() {
            v.set(HEALTH_CHECK.name, Value::List(Vec::new()));
        } else {
            HEALTH_CHECK.put(v, hc.unwrap_or_else(|| dns::health_check_value(seen)));
        }
    }
    if let (Some(before), Some(after)) = (&o.automatic, &seen.automatic) {
        if before.paused != after.paused {
            if let Some(block) = v
                .get_mut(AUTOMATIC_FAILOVER.name)
                .and_then(|b| b.first_block_mut())
            {
                PAUSED.put(block, after.paused);
            }
        }
    }
    if seen.ttl != o.ttl {
        if let Some(dns) = v.get_mut(DNS.name) {
            TTL.put(dns, seen.ttl as i64);
        }
    }
    for (block, before, after) in [
        (&PRIMARY_ENDPOINT, &o.primary, &seen.primary),
        (&SECONDARY_ENDPOINT, &o.secondary, &seen.secondary),
    ] {
        if before == after {
            continue;
        }
        if let Some(e) = v.get_mut(block.name) {
            FQDN.put(e, after.fqdn.clone());
            HEALTH_PATH.put(e, after.health_path.clone());
        }
    }
}

/// Rebuilds the configuration of orchestrator `name:environment_suffix` from the deployed
/// runbooks, their tags and the health checks.
pub async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
    let Some((name, suffix)) = id.split_once(':') else {
        return Ok(None);
    };
    let naming = Naming::new(name, suffix);
    let region = &cfg.config.primary_region;
    let c = &cfg.region(region).sfn;
    let account = cfg.account().await;
    let Some(deployed) = sfn::locate(c, account.as_deref(), &naming.state_machine(region)).await?
    else {
        return Ok(None);
    };
    let d: serde_json::Value = serde_json::from_str(&deployed.definition).unwrap_or_default();
    let tags = sfn::tags(c, &deployed.arn).await?;
    let st = &d["States"];
    let changes = runbook::dns_changes(&d);
    let record = |key: &str| changes[0]["ResourceRecordSet"][key].clone();

    let mut v = Value::object();
    NAME.put(&mut v, name);
    ENVIRONMENT_SUFFIX.put(&mut v, suffix);
    GLOBAL_DATABASE_ID.put(
        &mut v,
        st["ReadWriter"]["Arguments"]["GlobalClusterIdentifier"].as_str(),
    );
    EXECUTION_ROLE_ARN.put(&mut v, deployed.role_arn.clone());
    NOTIFICATION_TOPIC_ARN.put(&mut v, st["NotifyStart"]["Arguments"]["TopicArn"].as_str());
    if let Some(stacks) = tags.get(STACKS_TAG) {
        REGIONAL_STACK_IDS.put(
            &mut v,
            Value::string_list(stacks.split(' ').map(str::to_string)),
        );
    }
    let target = tags.get(RTO_TARGET_TAG).and_then(|t| t.parse::<f64>().ok());
    RTO_TARGET_SECONDS.put(&mut v, target.or(RTO_TARGET_SECONDS.default_value()));
    let mut dns_block = Value::object();
    ZONE_ID.put(
        &mut dns_block,
        st["MoveDns"]["Arguments"]["HostedZoneId"].as_str(),
    );
    RECORD_NAME.put(&mut dns_block, record("Name").as_str());
    TTL.put(
        &mut dns_block,
        record("Ttl").as_i64().or(TTL.default_value()),
    );
    DNS.put(&mut v, dns_block);
    dns::discover(cfg, &naming, changes, &mut v).await?;
    runbooks::discover(&tags, &mut v);
    crate::resources::spelled::restore(&super::schema().block, &tags, &mut v);
    watchers::discover(cfg, &naming, region, &deployed.role_arn, &mut v).await?;
    let Some(o) = Orchestrator::from_value(&v, &cfg.config) else {
        return Ok(None);
    };
    RTO_BUDGET_SECONDS.put(&mut v, o.budget().total());
    observe(cfg, &o, &v).await
}
