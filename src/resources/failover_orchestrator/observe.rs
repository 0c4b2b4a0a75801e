//! Read, drift and import. DNS that follows the database's current writer is the desired state,
//! so a runbook run is never drift; anything else that departs from the model is listed in
//! `drift` for the plan to repair.

use std::collections::BTreeMap;

use super::apply::{desired_records, rendered, resolve, Resolved};
use super::runbook::{self, PRIMARY_SET_ID, SECONDARY_SET_ID};
use super::Orchestrator;
use crate::aws::errors::{AwsError, ErrorKind};
use crate::aws::{route53, sfn};
use crate::framework::Value;
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

    let mut hcs = BTreeMap::new();
    for e in o.regions() {
        let found =
            route53::health_checks_with_prefix(r53, &o.health_check_prefix(&e.region)).await?;
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
                let c = h.health_check_config();
                if c.and_then(|c| c.fully_qualified_domain_name()) != Some(e.fqdn.as_str())
                    || c.and_then(|c| c.resource_path()) != Some(e.health_path.as_str())
                    || c.and_then(|c| c.failure_threshold()) != Some(o.threshold)
                    || c.and_then(|c| c.request_interval()) != Some(o.interval)
                {
                    drift.push(format!(
                        "health check {} for {} differs from the configuration",
                        h.id(),
                        e.region
                    ));
                }
            }
        }
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
    let primary = records.iter().find(|r| r.primary);
    let active = primary
        .and_then(|p| o.regions().into_iter().find(|e| e.fqdn == p.target))
        .map(|e| e.region.clone());
    match resolved.writer.as_deref() {
        Some(writer) => {
            let mut want = desired_records(o, writer, &hcs);
            let mut have = records.clone();
            want.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
            have.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
            if have != want {
                drift.push(format!(
                    "failover records of {} do not match: PRIMARY should point at {} (the writer region {writer}) with SECONDARY on {}, TTL {}",
                    o.record_name,
                    o.endpoint(writer).fqdn,
                    o.other(writer).fqdn,
                    o.ttl
                ));
            }
        }
        None => drift.push(format!("global database {} has no writer", o.global_id)),
    }

    let mut arns = BTreeMap::new();
    let mut budget: Option<f64> = None;
    for e in o.regions() {
        let c = &cfg.region(&e.region).sfn;
        let name = o.naming.state_machine(&e.region);
        let Some(arn) = sfn::find(c, &name).await? else {
            drift.push(format!("runbook {name} is missing in {}", e.region));
            continue;
        };
        anything = true;
        arns.insert(e.region.clone(), arn.clone());
        if let Some(d) = sfn::describe(c, &arn).await? {
            let deployed: serde_json::Value =
                serde_json::from_str(&d.definition).unwrap_or_default();
            let b = o.detection_seconds() + runbook::overhead_seconds(&deployed) + o.ttl as f64;
            budget = Some(budget.map_or(b, |x: f64| x.max(b)));
            if !resolved.member_arns.is_empty()
                && deployed != rendered(o, &e.region, &resolved, &hcs)
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
    if !anything {
        return Ok(None);
    }
    let mut v = base.clone();
    v.set("id", o.id());
    v.set("health_check_ids", Value::string_map(hcs));
    v.set("state_machine_arns", Value::string_map(arns));
    v.set("active_region", Value::from(active));
    if let Some(b) = budget {
        v.set("rto_budget_seconds", b);
    }
    v.set("drift", Value::string_list(drift));
    Ok(Some(v))
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
    let Some(arn) = sfn::find(c, &naming.state_machine(region)).await? else {
        return Ok(None);
    };
    let Some(deployed) = sfn::describe(c, &arn).await? else {
        return Ok(None);
    };
    let d: serde_json::Value = serde_json::from_str(&deployed.definition).unwrap_or_default();
    let tags = sfn::tags(c, &arn).await?;
    let st = &d["States"];
    let changes = &st["MoveDns"]["Arguments"]["ChangeBatch"]["Changes"];
    let record = |i: usize, key: &str| changes[i]["ResourceRecordSet"][key].clone();

    let mut v = Value::object();
    v.set("name", name);
    v.set("environment_suffix", suffix);
    v.set(
        "global_database_id",
        Value::from(
            st["ReadWriter"]["Arguments"]["GlobalClusterIdentifier"]
                .as_str()
                .map(str::to_string),
        ),
    );
    v.set("execution_role_arn", deployed.role_arn.clone());
    if let Some(topic) = st["NotifyStart"]["Arguments"]["TopicArn"].as_str() {
        v.set("notification_topic_arn", topic);
    }
    if let Some(stacks) = tags.get("TrdrStacks") {
        v.set(
            "regional_stack_ids",
            Value::string_list(stacks.split(' ').map(str::to_string)),
        );
    }
    if let Some(t) = tags
        .get("TrdrRtoTarget")
        .and_then(|t| t.parse::<f64>().ok())
    {
        v.set("rto_target_seconds", t);
    }
    let mut dns = Value::object();
    dns.set(
        "zone_id",
        Value::from(
            st["MoveDns"]["Arguments"]["HostedZoneId"]
                .as_str()
                .map(str::to_string),
        ),
    );
    dns.set(
        "record_name",
        Value::from(record(0, "Name").as_str().map(str::to_string)),
    );
    dns.set("ttl", record(0, "Ttl").as_f64().unwrap_or(60.0));
    v.set("dns", dns);
    let r53 = &cfg.region(region).route53;
    let mut interval = 30;
    let mut threshold = 3;
    for (key, r) in [
        ("primary_endpoint", &cfg.config.primary_region),
        ("secondary_endpoint", &cfg.config.secondary_region),
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
        e.set("fqdn", Value::from(fqdn));
        e.set(
            "health_path",
            Value::from(
                conf.as_ref()
                    .and_then(|c| c.resource_path().map(str::to_string)),
            ),
        );
        if let Some(c) = &conf {
            interval = c.request_interval().unwrap_or(30);
            threshold = c.failure_threshold().unwrap_or(3);
        }
        v.set(key, e);
    }
    // Optional blocks only when they say something the defaults do not, as a user would write it.
    if (interval, threshold) != (30, 3) {
        let mut hc = Value::object();
        hc.set("request_interval", interval as i64);
        hc.set("failure_threshold", threshold as i64);
        v.set("health_check", Value::List(vec![hc]));
    }
    if let Some(rb) = tags.get("TrdrRunbook") {
        let f = super::tag_fields(rb);
        let d = super::runbook::Tuning::default();
        let fields = [
            ("poll_interval_seconds", "interval", d.poll_interval_seconds),
            (
                "promotion_timeout_seconds",
                "promotion",
                d.promotion_timeout_seconds,
            ),
            ("task_timeout_seconds", "task", d.task_timeout_seconds),
            ("task_retries", "retries", d.task_retries),
        ];
        let values: Vec<(&str, u32, u32)> = fields
            .iter()
            .filter_map(|(attr, key, default)| {
                Some((*attr, f.get(*key).copied()? as u32, *default))
            })
            .collect();
        if values.len() == fields.len() && values.iter().any(|(_, x, d)| x != d) {
            let mut b = Value::object();
            for (attr, x, _) in values {
                b.set(attr, x as i64);
            }
            v.set("runbook", Value::List(vec![b]));
        }
    }
    let Some(o) = Orchestrator::from_value(&v, &cfg.config) else {
        return Ok(None);
    };
    v.set("rto_budget_seconds", o.budget().total());
    observe(cfg, &o, &v).await
}
