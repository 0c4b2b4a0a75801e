//! The DNS the orchestrator steers: an HTTPS health check per endpoint (Route 53 health checks
//! are global, created through the primary region's client) and the `PRIMARY`/`SECONDARY`
//! failover record pair on the database's writer. Created, compared, read back and deleted here.

use std::collections::BTreeMap;

use aws_sdk_route53::types::{ChangeAction, HealthCheck};

use super::desired::{desired_records, sorted, tag_fields, tags_for, HEALTH_CHECK_TAG};
use super::model::Orchestrator;
use super::runbook::{PRIMARY_SET_ID, SECONDARY_SET_ID};
use super::schema::*;
use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::route53::{self, FailoverRecord, HealthCheckSpec};
use crate::aws::sfn;
use crate::framework::Value;
use crate::naming::Naming;
use crate::provider::Configured;
use crate::steps::Failure;

/// Our health check for `region` with the configured interval: `(id, superseded ids)`.
pub async fn ensure_health_check(
    cfg: &Configured,
    o: &Orchestrator,
    region: &str,
    recorded: Option<&str>,
) -> Result<(String, Vec<String>), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    let e = o.endpoint(region);
    let prefix = o.health_check_prefix(region);
    // The check the prior state recorded, read by its id; the account's checks are listed only
    // without one (a create, which may continue an interrupted one) or when a new check is due
    // (an interval change, which an earlier attempt may have made already).
    let right_interval = |h: &HealthCheck| {
        h.health_check_config().and_then(|c| c.request_interval()) == Some(o.interval)
    };
    let mut existing = route53::ours(c, &prefix, recorded).await?;
    if recorded.is_some() && !existing.iter().any(right_interval) {
        existing = route53::ours(c, &prefix, None).await?;
    }
    let (keep, old): (Vec<_>, Vec<_>) = existing.into_iter().partition(right_interval);
    let tags = tags_for(cfg, o, region);
    let id = match keep.first() {
        Some(h) => {
            let conf = h.health_check_config();
            let same = conf.and_then(|c| c.fully_qualified_domain_name()) == Some(e.fqdn.as_str())
                && conf.and_then(|c| c.resource_path()) == Some(e.health_path.as_str())
                && conf.and_then(|c| c.failure_threshold()) == Some(o.threshold);
            if !same {
                route53::update_health_check(c, h.id(), &e.fqdn, &e.health_path, o.threshold)
                    .await?;
            }
            h.id().to_string()
        }
        None => {
            let reference = format!("{prefix}{:08x}", rand::random::<u32>());
            let spec = HealthCheckSpec {
                caller_reference: &reference,
                fqdn: &e.fqdn,
                path: &e.health_path,
                interval: o.interval,
                threshold: o.threshold,
            };
            route53::create_health_check(c, &spec, &tags).await?
        }
    };
    let superseded = old
        .iter()
        .map(|h| h.id().to_string())
        .chain(keep.iter().skip(1).map(|h| h.id().to_string()))
        .collect();
    Ok((id, superseded))
}

/// The failover record pair as it should be with `writer` writing, upserted in one batch when
/// Route 53 holds anything else.
pub async fn ensure_records(
    cfg: &Configured,
    o: &Orchestrator,
    writer: &str,
    hcs: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    let zone = o.zone_id.trim_start_matches("/hostedzone/");
    let desired = desired_records(o, writer, hcs);
    let current =
        route53::failover_records(c, zone, &o.record_name, &[PRIMARY_SET_ID, SECONDARY_SET_ID])
            .await
            .map_err(|e| Failure::from(e).about(ZONE_ID.under(&DNS.path())))?;
    if sorted(current) != sorted(desired.clone()) {
        route53::change(
            c,
            zone,
            &o.record_name,
            ChangeAction::Upsert,
            &desired,
            &format!("trdr {}: PRIMARY on {writer}", o.id()),
        )
        .await
        .map_err(|e| Failure::from(e).about(DNS.path()))?;
    }
    Ok(())
}

/// The health check settings the last apply set, from the primary runbook's (`runbook`) tags;
/// the state's own when the tag is missing (a runbook deployed before it existed, or none).
pub async fn applied_settings(
    cfg: &Configured,
    o: &Orchestrator,
    runbook: Option<&str>,
) -> Result<(i32, i32), AwsError> {
    let stated = (o.interval, o.threshold);
    let Some(arn) = runbook else {
        return Ok(stated);
    };
    let tags = sfn::tags(&cfg.region(&o.primary.region).sfn, arn).await?;
    let f = tag_fields(tags.get(HEALTH_CHECK_TAG).map_or("", String::as_str));
    Ok(match (f.get("interval"), f.get("threshold")) {
        (Some(i), Some(t)) => (*i as i32, *t as i32),
        _ => stated,
    })
}

pub fn health_check_value(seen: &Orchestrator) -> Value {
    let mut hc = Value::object();
    REQUEST_INTERVAL.put(&mut hc, seen.interval as i64);
    FAILURE_THRESHOLD.put(&mut hc, seen.threshold as i64);
    hc
}

/// The `health_check` block as a user would write it: only when it departs from the defaults.
pub fn health_check_block(interval: i32, threshold: i32) -> Option<Value> {
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

/// Deletes the health checks an apply superseded (another interval, or a duplicate), once
/// nothing points at them any more.
pub async fn retire(cfg: &Configured, o: &Orchestrator, ids: Vec<String>) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    for id in ids {
        route53::delete_health_check(c, &id).await?;
    }
    Ok(())
}

/// Deletes the record pair as Route 53 holds it (none when the zone is gone).
pub async fn delete_records(cfg: &Configured, o: &Orchestrator) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    let zone = o.zone_id.trim_start_matches("/hostedzone/");
    let current =
        route53::failover_records(c, zone, &o.record_name, &[PRIMARY_SET_ID, SECONDARY_SET_ID])
            .await
            .or_else(|e| {
                if e.is(ErrorKind::NotFound) {
                    Ok(Vec::new())
                } else {
                    Err(e)
                }
            })?;
    route53::change(
        c,
        zone,
        &o.record_name,
        ChangeAction::Delete,
        &current,
        &format!("trdr {}: destroy", o.id()),
    )
    .await?;
    Ok(())
}

/// Deletes every health check of ours, both regions', found by caller-reference prefix.
pub async fn delete_health_checks(cfg: &Configured, o: &Orchestrator) -> Result<(), Failure> {
    let c = &cfg.region(&o.primary.region).route53;
    for region in [&o.primary.region, &o.secondary.region] {
        for h in route53::health_checks_with_prefix(c, &o.health_check_prefix(region)).await? {
            route53::delete_health_check(c, h.id()).await?;
        }
    }
    Ok(())
}

/// The health checks by the ids the state holds (GetHealthCheck); the account's health checks
/// are listed only where the state has none (an import, a state from before this was recorded).
/// What they hold goes into `seen` (endpoints; interval and threshold, the first departing from
/// `applied`, what the last apply set); a missing one is drift. Returns the ids found, by region.
pub async fn observe_health_checks(
    cfg: &Configured,
    o: &Orchestrator,
    applied: (i32, i32),
    seen: &mut Orchestrator,
    drift: &mut Vec<String>,
) -> Result<BTreeMap<String, String>, AwsError> {
    let r53 = &cfg.region(&o.primary.region).route53;
    let mut seen_hc: Option<(i32, i32)> = None;
    let mut hcs = BTreeMap::new();
    for e in o.regions() {
        let prefix = o.health_check_prefix(&e.region);
        let known = o.health_check_ids.get(&e.region).map(String::as_str);
        let found = route53::ours(r53, &prefix, known).await?;
        let right_interval = |h: &&HealthCheck| {
            h.health_check_config().and_then(|c| c.request_interval()) == Some(o.interval)
        };
        let Some(h) = found.iter().find(right_interval).or(found.first()) else {
            drift.push(format!(
                "health check for {} ({}) is missing",
                e.region, e.fqdn
            ));
            continue;
        };
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
    if let Some((interval, threshold)) = seen_hc {
        (seen.interval, seen.threshold) = (interval, threshold);
    }
    Ok(hcs)
}

/// The record pair as Route 53 holds it: its TTL goes into `seen`; a pair that does not follow
/// the database's `writer` (the desired state, so a runbook run is never drift) is drift.
/// Returns whether any record exists, and the region `PRIMARY` serves.
pub async fn observe_records(
    cfg: &Configured,
    o: &Orchestrator,
    seen: &mut Orchestrator,
    hcs: &BTreeMap<String, String>,
    writer: Option<&str>,
    drift: &mut Vec<String>,
) -> Result<(bool, Option<String>), AwsError> {
    let r53 = &cfg.region(&o.primary.region).route53;
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
    if let Some(ttl) = records.iter().find(|r| r.primary).map(|r| r.ttl) {
        seen.ttl = ttl.max(0) as u32;
    }
    let active = active_region(o, seen, &records, hcs);
    match writer {
        Some(writer) => {
            if sorted(records.clone()) != sorted(desired_records(seen, writer, hcs)) {
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
    Ok((!records.is_empty(), active))
}

/// The region `PRIMARY` serves: by its health check, which names the region even when an
/// endpoint's host name changed out of band; by host name otherwise.
fn active_region(
    o: &Orchestrator,
    seen: &Orchestrator,
    records: &[FailoverRecord],
    hcs: &BTreeMap<String, String>,
) -> Option<String> {
    let primary = records.iter().find(|r| r.primary)?;
    hcs.iter()
        .find(|(_, id)| primary.health_check_id.as_deref() == Some(id.as_str()))
        .map(|(region, _)| region.clone())
        .or_else(|| {
            o.regions()
                .into_iter()
                .chain(seen.regions())
                .find(|e| e.fqdn == primary.target)
                .map(|e| e.region.clone())
        })
}

/// The endpoint blocks and the `health_check` block of an imported orchestrator, from our health
/// checks (found by caller-reference prefix); an endpoint without one falls back to the record
/// its runbook writes (`records`, PRIMARY first, as `runbook::dns_changes` reads them).
pub async fn discover(
    cfg: &Configured,
    naming: &Naming,
    records: &serde_json::Value,
    v: &mut Value,
) -> Result<(), AwsError> {
    let region = &cfg.config.primary_region;
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
        let fallback =
            &records[if r == region { 0 } else { 1 }]["ResourceRecordSet"]["ResourceRecords"];
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
        block.put(v, e);
    }
    // Only when it says something the defaults do not, as a user would write it.
    if let Some(hc) = health_check_block(interval, threshold) {
        HEALTH_CHECK.put(v, hc);
    }
    Ok(())
}
