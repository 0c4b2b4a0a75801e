//! Read, drift and import. DNS that follows the database's current writer is the desired state,
//! so a runbook run is never drift; anything else that departs from the model is listed in
//! `drift` for the plan to repair.

use std::collections::BTreeMap;

use super::apply::{desired_records, rendered, resolve, Resolved};
use super::runbook::{self, watcher, PRIMARY_SET_ID, SECONDARY_SET_ID};
use super::schema::*;
use super::Orchestrator;
use crate::aws::errors::{AwsError, ErrorKind, OptionalExt};
use crate::aws::{events, route53, scheduler, sfn};
use crate::framework::{Attr, Value};
use crate::naming::{ENVIRONMENT_SUFFIX, NAME};
use crate::provider::Configured;

pub async fn observe(
    cfg: &Configured,
    o: &Orchestrator,
    base: &Value,
) -> Result<Option<Value>, AwsError> {
    let r53 = &cfg.region(&o.primary.region).route53;
    let resolved = resolve(cfg, o).await?.unwrap_or(Resolved {
        member_arns: BTreeMap::new(),
        writer: None,
    });
    let mut drift = Vec::new();
    let mut anything = false;
    // The configuration as AWS has it: every configurable attribute is read back from the
    // object that holds it, so plans diff attributes and `ignore_changes` works. `drift` keeps
    // only what no attribute can show (a missing object, a record or runbook out of line).
    let mut seen = o.clone();
    let mut seen_hc: Option<(i32, i32)> = None;
    // Each region's runbook (and watcher, with automatic failover), described by the ARN its name
    // gives: the cost of a refresh does not grow with what else the account holds.
    let account = cfg.account().await;
    let mut runbooks = Vec::new();
    let mut watchers = BTreeMap::new();
    for e in o.regions() {
        let c = &cfg.region(&e.region).sfn;
        let name = o.naming.state_machine(&e.region);
        if o.automatic.is_some() {
            if let Some(w) =
                sfn::locate(c, account.as_deref(), &o.naming.watcher(&e.region)).await?
            {
                watchers.insert(e.region.clone(), w);
            }
        }
        let deployed = sfn::locate(c, account.as_deref(), &name).await?;
        runbooks.push((e, name, deployed));
    }
    let applied =
        applied_health_check(cfg, o, runbooks[0].2.as_ref().map(|d| d.arn.as_str())).await?;

    // The health checks by the ids the state holds (GetHealthCheck); listing the account's health
    // checks only where the state has none (an import, a state from before this was recorded).
    let mut hcs = BTreeMap::new();
    for e in o.regions() {
        let prefix = o.health_check_prefix(&e.region);
        let known = o.health_check_ids.get(&e.region).map(String::as_str);
        let found = route53::ours(r53, &prefix, known).await?;
        match found
            .iter()
            .find(|h| {
                h.health_check_config().and_then(|c| c.request_interval()) == Some(o.interval)
            })
            .or(found.first())
        {
            None => drift.push(format!(
                "health check for {} ({}) is missing",
                e.region, e.fqdn
            )),
            Some(h) => {
                anything = true;
                hcs.insert(e.region.clone(), h.id().to_string());
                let Some(c) = h.health_check_config() else {
                    continue;
                };
                let endpoint = if e.region == o.primary.region {
                    &mut seen.primary
                } else {
                    &mut seen.secondary
                };
                if let Some(f) = c.fully_qualified_domain_name() {
                    endpoint.fqdn = f.to_string();
                }
                if let Some(p) = c.resource_path() {
                    endpoint.health_path = p.to_string();
                }
                let actual = (
                    c.request_interval().unwrap_or(o.interval),
                    c.failure_threshold().unwrap_or(o.threshold),
                );
                // One block configures both checks: the first that departs from what the last
                // apply set is what the state reports (both normally agree).
                if seen_hc.is_none_or(|s| s == applied && actual != applied) {
                    seen_hc = Some(actual);
                }
            }
        }
    }
    if let Some((interval, threshold)) = seen_hc {
        (seen.interval, seen.threshold) = (interval, threshold);
    }

    let zone = o.zone_id.trim_start_matches("/hostedzone/");
    let records = match route53::failover_records(
        r53,
        zone,
        &o.record_name,
        &[PRIMARY_SET_ID, SECONDARY_SET_ID],
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.is(ErrorKind::NotFound) => Vec::new(),
        Err(e) => return Err(e),
    };
    anything |= !records.is_empty();
    if let Some(ttl) = records.iter().find(|r| r.primary).map(|r| r.ttl) {
        seen.ttl = ttl.max(0) as u32;
    }
    // The region PRIMARY serves: by its health check, which names the region even when an
    // endpoint's host name changed out of band; by host name otherwise.
    let primary = records.iter().find(|r| r.primary);
    let active = primary.and_then(|p| {
        hcs.iter()
            .find(|(_, id)| p.health_check_id.as_deref() == Some(id.as_str()))
            .map(|(region, _)| region.clone())
            .or_else(|| {
                o.regions()
                    .into_iter()
                    .chain(seen.regions())
                    .find(|e| e.fqdn == p.target)
                    .map(|e| e.region.clone())
            })
    });
    match resolved.writer.as_deref() {
        Some(writer) => {
            let mut want = desired_records(&seen, writer, &hcs);
            let mut have = records.clone();
            want.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
            have.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
            if have != want {
                drift.push(format!(
                    "failover records of {} do not match: PRIMARY should point at {} (the writer region {writer}) with SECONDARY on {}, each with its health check",
                    o.record_name,
                    seen.endpoint(writer).fqdn,
                    seen.other(writer).fqdn,
                ));
            }
        }
        None => drift.push(format!("global database {} has no writer", o.global_id)),
    }

    let mut arns = BTreeMap::new();
    let mut budget: Option<f64> = None;
    for (e, name, deployed) in runbooks {
        let Some(d) = deployed else {
            drift.push(format!("runbook {name} is missing in {}", e.region));
            continue;
        };
        anything = true;
        arns.insert(e.region.clone(), d.arn.clone());
        {
            let deployed: serde_json::Value =
                serde_json::from_str(&d.definition).unwrap_or_default();
            let b =
                seen.detection_seconds() + runbook::overhead_seconds(&deployed) + seen.ttl as f64;
            budget = Some(budget.map_or(b, |x: f64| x.max(b)));
            if !resolved.member_arns.is_empty()
                && deployed != rendered(&seen, &e.region, &resolved, &hcs)
            {
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
    }
    if let Some(a) = &o.automatic {
        let paused =
            observe_watchers(cfg, o, a, &arns, &watchers, &resolved, &hcs, &mut drift).await?;
        if let Some(sa) = seen.automatic.as_mut() {
            sa.paused = paused;
        }
    }
    if !anything {
        return Ok(None);
    }
    let mut v = base.clone();
    WATCHER_ARNS.put(
        &mut v,
        Value::string_map(watchers.iter().map(|(r, d)| (r.clone(), d.arn.clone()))),
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

/// Each region's watcher, its schedule and connection: missing or changed ones are drift; the
/// pause tag is reported in `automatic_failover.paused` (paused when either region's is).
#[allow(clippy::too_many_arguments)]
async fn observe_watchers(
    cfg: &Configured,
    o: &Orchestrator,
    a: &super::Automatic,
    runbook_arns: &BTreeMap<String, String>,
    watchers: &BTreeMap<String, sfn::Deployed>,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
    drift: &mut Vec<String>,
) -> Result<bool, AwsError> {
    let mut paused = false;
    for e in o.regions() {
        let rc = cfg.region(&e.region);
        let name = o.naming.watcher(&e.region);
        let connection =
            events::describe(&rc.events, &o.naming.probe_connection(&e.region)).await?;
        if connection.is_none() {
            drift.push(format!(
                "the watcher's connection {} is missing in {}",
                o.naming.probe_connection(&e.region),
                e.region
            ));
        }
        let Some(d) = watchers.get(&e.region) else {
            drift.push(format!("watcher {name} is missing in {}", e.region));
            continue;
        };
        let arn = &d.arn;
        let tags = sfn::tags(&rc.sfn, arn).await?;
        paused |= tags.get(watcher::PAUSE_TAG).map(String::as_str) == Some(watcher::PAUSED);
        if let (Some(conn), Some(runbook), Some(member)) = (
            connection.as_ref(),
            runbook_arns.get(&e.region),
            resolved.member_arns.get(&e.region),
        ) {
            let deployed: serde_json::Value =
                serde_json::from_str(&d.definition).unwrap_or_default();
            let spec = o.watcher_spec(a, &e.region, member, runbook, &conn.arn, hcs);
            if deployed != watcher::definition(&spec) {
                drift.push(format!(
                    "watcher {name} differs from the generated definition"
                ));
            }
        }
        match scheduler::get(&rc.scheduler, &name).await? {
            None => drift.push(format!("the schedule {name} that starts the watcher is missing in {}", e.region)),
            Some(s) if !s.enabled => drift.push(format!("the schedule {name} is disabled: no watcher shift starts in {} (pause with the TrdrWatch tag instead)", e.region)),
            Some(s) if s.target_arn != *arn || s.role_arn != a.schedule_role_arn => {
                drift.push(format!("the schedule {name} does not start the watcher as configured"))
            }
            Some(_) => {}
        }
    }
    Ok(paused)
}

/// The health check settings the last apply set, from the primary runbook's (`runbook`) tags;
/// the state's own when the tag is missing (a runbook deployed before it existed, or none).
async fn applied_health_check(
    cfg: &Configured,
    o: &Orchestrator,
    runbook: Option<&str>,
) -> Result<(i32, i32), AwsError> {
    let stated = (o.interval, o.threshold);
    let Some(arn) = runbook else {
        return Ok(stated);
    };
    let tags = sfn::tags(&cfg.region(&o.primary.region).sfn, arn).await?;
    let f = super::tag_fields(
        tags.get(super::apply::HEALTH_CHECK_TAG)
            .map_or("", String::as_str),
    );
    Ok(match (f.get("interval"), f.get("threshold")) {
        (Some(i), Some(t)) => (*i as i32, *t as i32),
        _ => stated,
    })
}

/// Writes what AWS has into the configurable attributes that differ from the state. An optional
/// block the state lacks is added only when AWS departs from its defaults, as a user would
/// write it.
fn report_configuration(v: &mut Value, o: &Orchestrator, seen: &Orchestrator) {
    if (seen.interval, seen.threshold) != (o.interval, o.threshold) {
        let hc = health_check_block(seen.interval, seen.threshold);
        if HEALTH_CHECK.of(v).is_null() && hc.is_none() {
            v.set(HEALTH_CHECK.name, Value::List(Vec::new()));
        } else {
            HEALTH_CHECK.put(v, hc.unwrap_or_else(|| health_check_value(seen)));
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

fn health_check_value(seen: &Orchestrator) -> Value {
    let mut hc = Value::object();
    REQUEST_INTERVAL.put(&mut hc, seen.interval as i64);
    FAILURE_THRESHOLD.put(&mut hc, seen.threshold as i64);
    hc
}

/// The `health_check` block as a user would write it: only when it departs from the defaults.
fn health_check_block(interval: i32, threshold: i32) -> Option<Value> {
    let defaults = (
        REQUEST_INTERVAL.default_value().unwrap_or_default(),
        FAILURE_THRESHOLD.default_value().unwrap_or_default(),
    );
    ((interval as i64, threshold as i64) != defaults).then(|| {
        let mut hc = Value::object();
        REQUEST_INTERVAL.put(&mut hc, interval as i64);
        FAILURE_THRESHOLD.put(&mut hc, threshold as i64);
        hc
    })
}

/// The `automatic_failover` (and `automatic_failback`) blocks of an imported orchestrator, from
/// its primary region's watcher: its policy tag, its pause tag and its schedule's role.
async fn discover_watcher(
    cfg: &Configured,
    naming: &crate::naming::Naming,
    region: &str,
    role: &str,
    v: &mut Value,
) -> Result<(), AwsError> {
    let rc = cfg.region(region);
    let name = naming.watcher(region);
    let account = cfg.account().await;
    let Some(arn) = sfn::address(&rc.sfn, account.as_deref(), &name).await? else {
        return Ok(());
    };
    let Some(tags) = sfn::tags(&rc.sfn, &arn).await.found()? else {
        return Ok(());
    };
    let f = super::tag_fields(
        tags.get(super::apply::WATCH_POLICY_TAG)
            .map_or("", String::as_str),
    );
    let field = |k: &str| f.get(k).map(|x| *x as i64).filter(|x| *x > 0);
    let mut a = Value::object();
    for (attr, key) in [
        (&PROBE_INTERVAL_SECONDS, "interval"),
        (&PROBE_TIMEOUT_SECONDS, "timeout"),
        (&FAILURE_WINDOW_SECONDS, "window"),
    ] {
        attr.put(&mut a, field(key).or(attr.default_value()));
    }
    PAUSED.put(
        &mut a,
        tags.get(watcher::PAUSE_TAG).map(String::as_str) == Some(watcher::PAUSED),
    );
    if let Some(t) = field("approval") {
        APPROVAL_TIMEOUT_SECONDS.put(&mut a, t);
        let proceed = f.get("proceed").copied().unwrap_or(1.0) > 0.0;
        APPROVAL_ON_TIMEOUT.put(&mut a, if proceed { "proceed" } else { "abandon" });
    } else {
        APPROVAL_ON_TIMEOUT.put(&mut a, APPROVAL_ON_TIMEOUT.default_value());
    }
    if let Some(s) = scheduler::get(&rc.scheduler, &name).await? {
        if s.role_arn != role {
            SCHEDULE_ROLE_ARN.put(&mut a, s.role_arn);
        }
    }
    AUTOMATIC_FAILOVER.put(v, a);
    if let Some(w) = field("failback") {
        let mut b = Value::object();
        HEALTHY_WINDOW_SECONDS.put(&mut b, w);
        AUTOMATIC_FAILBACK.put(v, b);
    }
    Ok(())
}

/// Rebuilds the configuration of orchestrator `name:environment_suffix` from the deployed
/// runbooks, their tags and the health checks.
pub async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
    let Some((name, suffix)) = id.split_once(':') else {
        return Ok(None);
    };
    let naming = crate::naming::Naming::new(name, suffix);
    let region = &cfg.config.primary_region;
    let c = &cfg.region(region).sfn;
    let account = cfg.account().await;
    let Some(deployed) = sfn::locate(c, account.as_deref(), &naming.state_machine(region)).await?
    else {
        return Ok(None);
    };
    let arn = deployed.arn.clone();
    let d: serde_json::Value = serde_json::from_str(&deployed.definition).unwrap_or_default();
    let tags = sfn::tags(c, &arn).await?;
    let st = &d["States"];
    let changes = runbook::dns_changes(&d);
    let record = |i: usize, key: &str| changes[i]["ResourceRecordSet"][key].clone();

    let mut v = Value::object();
    NAME.put(&mut v, name);
    ENVIRONMENT_SUFFIX.put(&mut v, suffix);
    GLOBAL_DATABASE_ID.put(
        &mut v,
        st["ReadWriter"]["Arguments"]["GlobalClusterIdentifier"].as_str(),
    );
    EXECUTION_ROLE_ARN.put(&mut v, deployed.role_arn.clone());
    NOTIFICATION_TOPIC_ARN.put(&mut v, st["NotifyStart"]["Arguments"]["TopicArn"].as_str());
    if let Some(stacks) = tags.get("TrdrStacks") {
        REGIONAL_STACK_IDS.put(
            &mut v,
            Value::string_list(stacks.split(' ').map(str::to_string)),
        );
    }
    let target = tags
        .get("TrdrRtoTarget")
        .and_then(|t| t.parse::<f64>().ok());
    RTO_TARGET_SECONDS.put(&mut v, target.or(RTO_TARGET_SECONDS.default_value()));
    let mut dns = Value::object();
    ZONE_ID.put(
        &mut dns,
        st["MoveDns"]["Arguments"]["HostedZoneId"].as_str(),
    );
    RECORD_NAME.put(&mut dns, record(0, "Name").as_str());
    TTL.put(&mut dns, record(0, "Ttl").as_i64().or(TTL.default_value()));
    DNS.put(&mut v, dns);
    let r53 = &cfg.region(region).route53;
    let mut interval = REQUEST_INTERVAL.default_value().unwrap_or_default() as i32;
    let mut threshold = FAILURE_THRESHOLD.default_value().unwrap_or_default() as i32;
    for (block, r) in [
        (&PRIMARY_ENDPOINT, &cfg.config.primary_region),
        (&SECONDARY_ENDPOINT, &cfg.config.secondary_region),
    ] {
        let hc = route53::health_checks_with_prefix(r53, &naming.health_check_prefix(r)).await?;
        let conf = hc.first().and_then(|h| h.health_check_config().cloned());
        let mut e = Value::object();
        let fallback = if r == region {
            record(0, "ResourceRecords")
        } else {
            record(1, "ResourceRecords")
        };
        let fqdn = conf
            .as_ref()
            .and_then(|c| c.fully_qualified_domain_name().map(str::to_string))
            .or_else(|| fallback[0]["Value"].as_str().map(str::to_string));
        FQDN.put(&mut e, fqdn);
        HEALTH_PATH.put(
            &mut e,
            conf.as_ref()
                .and_then(|c| c.resource_path())
                .map(str::to_string)
                .or(HEALTH_PATH.default_value()),
        );
        if let Some(c) = &conf {
            interval = c.request_interval().unwrap_or(interval);
            threshold = c.failure_threshold().unwrap_or(threshold);
        }
        block.put(&mut v, e);
    }
    // Optional blocks only when they say something the defaults do not, as a user would write it.
    if let Some(hc) = health_check_block(interval, threshold) {
        HEALTH_CHECK.put(&mut v, hc);
    }
    if let Some(rb) = tags.get("TrdrRunbook") {
        let f = super::tag_fields(rb);
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
        if values.len() == fields.len() && values.iter().any(|(a, x)| a.default_value() != Some(*x))
        {
            let mut b = Value::object();
            for (attr, x) in values {
                attr.put(&mut b, x);
            }
            RUNBOOK.put(&mut v, b);
        }
    }
    discover_watcher(cfg, &naming, region, &deployed.role_arn, &mut v).await?;
    let Some(o) = Orchestrator::from_value(&v, &cfg.config) else {
        return Ok(None);
    };
    RTO_BUDGET_SECONDS.put(&mut v, o.budget().total());
    observe(cfg, &o, &v).await
}
