//! Thin Route 53 operations: the HTTPS health checks and the failover record pair.

use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HealthCheck, HealthCheckConfig, HealthCheckType,
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, RrType, Tag, TagResourceType,
};
use aws_sdk_route53::Client;

use super::errors::{AwsError, AwsResultExt, OptionalExt};
use crate::tags::Tags;

/// `ListHealthChecks`' largest page (the API reference: at most 1,000; 100 when not asked).
const LIST_PAGE: i32 = 1000;

/// Health checks whose caller reference starts with `prefix` (ours are `trdr:NAME:SUFFIX:REGION:`),
/// by listing every health check of the account: only where no id is known (a create that may
/// continue an interrupted one, an import); a refresh reads its checks by id ([`health_check`]).
pub async fn health_checks_with_prefix(
    c: &Client,
    prefix: &str,
) -> Result<Vec<HealthCheck>, AwsError> {
    let mut found = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = c
            .list_health_checks()
            .max_items(LIST_PAGE)
            .set_marker(marker.clone())
            .send()
            .await
            .aws("ListHealthChecks", c)?;
        found.extend(
            out.health_checks()
                .iter()
                .filter(|h| h.caller_reference().starts_with(prefix))
                .cloned(),
        );
        match out.next_marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(found),
        }
    }
}

/// Our health checks with caller-reference `prefix`: the one with id `known`, read by its id
/// (none when it is gone or is not ours), or — no id known — all the account's listing holds.
pub async fn ours(
    c: &Client,
    prefix: &str,
    known: Option<&str>,
) -> Result<Vec<HealthCheck>, AwsError> {
    match known {
        Some(id) => Ok(health_check(c, id)
            .await?
            .filter(|h| h.caller_reference().starts_with(prefix))
            .into_iter()
            .collect()),
        None => health_checks_with_prefix(c, prefix).await,
    }
}

pub async fn health_check(c: &Client, id: &str) -> Result<Option<HealthCheck>, AwsError> {
    Ok(c.get_health_check()
        .health_check_id(id)
        .send()
        .await
        .aws("GetHealthCheck", c)
        .found()?
        .and_then(|o| o.health_check))
}

pub struct HealthCheckSpec<'a> {
    pub caller_reference: &'a str,
    pub fqdn: &'a str,
    pub path: &'a str,
    pub interval: i32,
    pub threshold: i32,
}

pub async fn create_health_check(
    c: &Client,
    s: &HealthCheckSpec<'_>,
    tags: &Tags,
) -> Result<String, AwsError> {
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Https)
        .fully_qualified_domain_name(s.fqdn)
        .resource_path(s.path)
        .port(443)
        .request_interval(s.interval)
        .failure_threshold(s.threshold)
        // EnableSNI is left to AWS's default, which is true for HTTPS checks.
        .build()
        .map_err(AwsError::building("CreateHealthCheck"))?;
    let out = c
        .create_health_check()
        .caller_reference(s.caller_reference)
        .health_check_config(config)
        .send()
        .await
        .aws("CreateHealthCheck", c)?;
    let id = out
        .health_check()
        .map(|h| h.id().to_string())
        .unwrap_or_default();
    tag_health_check(c, &id, tags).await?;
    Ok(id)
}

pub async fn tag_health_check(c: &Client, id: &str, tags: &Tags) -> Result<(), AwsError> {
    let tags: Vec<Tag> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    c.change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(id)
        .set_add_tags(Some(tags))
        .send()
        .await
        .aws("ChangeTagsForResource", c)?;
    Ok(())
}

/// Path, domain and threshold change in place; the interval cannot (the caller replaces).
pub async fn update_health_check(
    c: &Client,
    id: &str,
    fqdn: &str,
    path: &str,
    threshold: i32,
) -> Result<(), AwsError> {
    c.update_health_check()
        .health_check_id(id)
        .fully_qualified_domain_name(fqdn)
        .resource_path(path)
        .failure_threshold(threshold)
        .send()
        .await
        .aws("UpdateHealthCheck", c)?;
    Ok(())
}

pub async fn delete_health_check(c: &Client, id: &str) -> Result<(), AwsError> {
    c.delete_health_check()
        .health_check_id(id)
        .send()
        .await
        .aws("DeleteHealthCheck", c)
        .found()?;
    Ok(())
}

/// One record of the failover pair.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverRecord {
    pub set_identifier: String,
    pub primary: bool,
    pub target: String,
    pub health_check_id: Option<String>,
    pub ttl: i64,
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

/// The records named `name` with one of `set_ids`.
pub async fn failover_records(
    c: &Client,
    zone: &str,
    name: &str,
    set_ids: &[&str],
) -> Result<Vec<FailoverRecord>, AwsError> {
    let out = c
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(name)
        .start_record_type(RrType::Cname)
        .send()
        .await
        .aws("ListResourceRecordSets", c)?;
    Ok(out
        .resource_record_sets()
        .iter()
        .filter(|r| fqdn(r.name()) == fqdn(name) && r.r#type() == &RrType::Cname)
        .filter(|r| r.set_identifier().is_some_and(|s| set_ids.contains(&s)))
        .map(|r| FailoverRecord {
            set_identifier: r.set_identifier().unwrap_or_default().to_string(),
            primary: r.failover() == Some(&ResourceRecordSetFailover::Primary),
            target: r
                .resource_records()
                .first()
                .map(|v| v.value().trim_end_matches('.').to_string())
                .unwrap_or_default(),
            health_check_id: r.health_check_id().map(str::to_string),
            ttl: r.ttl().unwrap_or_default(),
        })
        .collect())
}

fn record_set(name: &str, r: &FailoverRecord) -> Result<ResourceRecordSet, AwsError> {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .set_identifier(&r.set_identifier)
        .failover(if r.primary {
            ResourceRecordSetFailover::Primary
        } else {
            ResourceRecordSetFailover::Secondary
        })
        .ttl(r.ttl)
        .set_health_check_id(r.health_check_id.clone())
        .resource_records(
            ResourceRecord::builder()
                .value(&r.target)
                .build()
                .map_err(AwsError::building("ChangeResourceRecordSets"))?,
        )
        .build()
        .map_err(AwsError::building("ChangeResourceRecordSets"))
}

/// Applies every change in one atomic batch.
pub async fn change(
    c: &Client,
    zone: &str,
    name: &str,
    action: ChangeAction,
    records: &[FailoverRecord],
    comment: &str,
) -> Result<(), AwsError> {
    if records.is_empty() {
        return Ok(());
    }
    let changes = records
        .iter()
        .map(|r| {
            Change::builder()
                .action(action.clone())
                .resource_record_set(record_set(name, r)?)
                .build()
                .map_err(AwsError::building("ChangeResourceRecordSets"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    c.change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .comment(comment)
                .set_changes(Some(changes))
                .build()
                .map_err(AwsError::building("ChangeResourceRecordSets"))?,
        )
        .send()
        .await
        .aws("ChangeResourceRecordSets", c)?;
    Ok(())
}
