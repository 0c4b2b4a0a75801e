//! What the configuration asks AWS to hold, as both an apply (which writes it) and a refresh
//! (which compares against it) need it: the database as it is now, the tags every object
//! carries, the failover record pair and each region's rendered runbook.

use std::collections::BTreeMap;

use super::model::Orchestrator;
use super::runbook::{self, Tuning, PRIMARY_SET_ID, SECONDARY_SET_ID};
use crate::aws::errors::AwsError;
use crate::aws::rds;
use crate::aws::route53::FailoverRecord;
use crate::provider::Configured;
use crate::tags::{self, Tags};

/// What the database looks like now.
pub struct Resolved {
    pub member_arns: BTreeMap<String, String>,
    pub writer: Option<String>,
}

pub async fn resolve(cfg: &Configured, o: &Orchestrator) -> Result<Option<Resolved>, AwsError> {
    let Some(g) = rds::global(&cfg.region(&o.primary.region).rds, &o.global_id).await? else {
        return Ok(None);
    };
    let member_arns = o
        .regions()
        .iter()
        .filter_map(|e| rds::member_in(&g, &e.region).map(|a| (e.region.clone(), a)))
        .collect();
    Ok(Some(Resolved {
        member_arns,
        writer: rds::writer_region(&g),
    }))
}

/// Tag with the health check settings an apply set: a refresh reports the check that departs
/// from them (the one block configures both regions' checks).
pub const HEALTH_CHECK_TAG: &str = "TrdrHealthCheck";
/// Tag with the runbook block's bounds ([`runbook_tag`]): import reads them back.
pub const RUNBOOK_TAG: &str = "TrdrRunbook";
/// Tag with `rto_target_seconds`: import and readiness read it back.
pub const RTO_TARGET_TAG: &str = "TrdrRtoTarget";
/// Tag with the fixed parts of the budget (detection and TTL): readiness adds the deployed
/// runbook's overhead to them.
pub const RTO_TAG: &str = "TrdrRto";
/// Tag with the regional stack ids, separated by spaces: import reads them back.
pub const STACKS_TAG: &str = "TrdrStacks";

/// The tags of every object the orchestrator deploys in `region`.
pub fn tags_for(cfg: &Configured, o: &Orchestrator, region: &str) -> Tags {
    let mut t = tags::standard(&cfg.config.default_tags, &o.naming.suffix, region);
    t.insert("TrdrOrchestrator".into(), o.id());
    t.insert(RTO_TARGET_TAG.into(), o.rto_target.to_string());
    t.insert(RUNBOOK_TAG.into(), runbook_tag(&o.tuning));
    t.insert(
        HEALTH_CHECK_TAG.into(),
        format!("interval={} threshold={}", o.interval, o.threshold),
    );
    let b = o.budget();
    t.insert(
        RTO_TAG.into(),
        format!("detection={} ttl={}", b.detection, b.ttl),
    );
    if !o.stack_ids.is_empty() {
        t.insert(
            STACKS_TAG.into(),
            o.stack_ids
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    t
}

/// The runbook's bounds as a tag value. Step Functions tag values allow letters, digits, white
/// space and `_ . : / = + - @` only (no commas).
pub fn runbook_tag(t: &Tuning) -> String {
    format!(
        "interval={} promotion={} task={} retries={}",
        t.poll_interval_seconds,
        t.promotion_timeout_seconds,
        t.task_timeout_seconds,
        t.task_retries
    )
}

/// `key=value` pairs separated by spaces, as our tags carry them (Step Functions tag values allow
/// letters, digits, white space and `_ . : / = + - @` only).
pub fn tag_fields(tag: &str) -> BTreeMap<String, f64> {
    tag.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

/// The record pair as it should be with `writer` writing.
pub fn desired_records(
    o: &Orchestrator,
    writer: &str,
    hcs: &BTreeMap<String, String>,
) -> Vec<FailoverRecord> {
    let (w, other) = (o.endpoint(writer), o.other(writer));
    vec![
        FailoverRecord {
            set_identifier: PRIMARY_SET_ID.into(),
            primary: true,
            target: w.fqdn.clone(),
            health_check_id: hcs.get(&w.region).cloned(),
            ttl: o.ttl as i64,
        },
        FailoverRecord {
            set_identifier: SECONDARY_SET_ID.into(),
            primary: false,
            target: other.fqdn.clone(),
            health_check_id: hcs.get(&other.region).cloned(),
            ttl: o.ttl as i64,
        },
    ]
}

/// Records in a fixed order (by set identifier), to compare a pair as a set.
pub fn sorted(mut r: Vec<FailoverRecord>) -> Vec<FailoverRecord> {
    r.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    r
}

/// The definition for `region` as it should be deployed now.
pub fn rendered(
    o: &Orchestrator,
    region: &str,
    resolved: &Resolved,
    hcs: &BTreeMap<String, String>,
) -> serde_json::Value {
    let other = &o.other(region).region;
    let arn = resolved
        .member_arns
        .get(region)
        .cloned()
        .unwrap_or_default();
    let spec = o.spec(
        region,
        &arn,
        hcs.get(region).map(String::as_str).unwrap_or_default(),
        hcs.get(other).map(String::as_str).unwrap_or_default(),
    );
    runbook::definition(&spec)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Whether `v` is a legal Step Functions tag value.
    pub fn sfn_tag_value_ok(v: &str) -> bool {
        v.len() <= 256
            && v.chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
    }

    /// Issue 9, item 5: a comma in a tag value makes CreateStateMachine fail on AWS.
    #[test]
    fn runbook_tags_use_only_characters_step_functions_allows() {
        let t = runbook_tag(&Tuning::default());
        assert!(sfn_tag_value_ok(&t), "{t}");
        assert!(!sfn_tag_value_ok("2,4,2,1"));
        let f = tag_fields(&t);
        assert_eq!(f["promotion"], 900.0);
        for v in [
            "trading:dev",
            "detection=30 ttl=60",
            "trdr:pair:us-east-1 trdr:pair:us-east-2",
        ] {
            assert!(sfn_tag_value_ok(v), "{v}");
        }
    }
}
