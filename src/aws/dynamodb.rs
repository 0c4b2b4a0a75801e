//! Thin DynamoDB operations for the session table and its cross-region replica.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalTableWitnessGroupMemberAction,
    CreateReplicationGroupMemberAction, DeleteGlobalTableWitnessGroupMemberAction,
    DeleteReplicationGroupMemberAction, GlobalTableWitnessGroupUpdate, KeySchemaElement, KeyType,
    MultiRegionConsistency, PointInTimeRecoverySpecification, ReplicationGroupUpdate,
    ScalarAttributeType, Select, StreamSpecification, StreamViewType, TableDescription,
    TableStatus, Tag,
};
use aws_sdk_dynamodb::Client;

use super::errors::{AwsError, AwsResultExt, ErrorKind, OptionalExt};
use crate::tags::Tags;
use crate::waiter::{self, Backoff, Poll, WaitError};

/// The region sets of multi-Region strong consistency (API reference,
/// CreateGlobalTableWitnessGroupMemberAction): a strongly consistent global table's replicas and
/// witness are three regions of one set.
pub const REGION_SETS: [(&str, &[&str]); 3] = [
    ("US", &["us-east-1", "us-east-2", "us-west-2"]),
    (
        "EU",
        &["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"],
    ),
    (
        "AP",
        &["ap-northeast-1", "ap-northeast-2", "ap-northeast-3"],
    ),
];

/// The region set `region` belongs to, if any.
pub fn region_set(region: &str) -> Option<&'static [&'static str]> {
    REGION_SETS
        .iter()
        .map(|(_, set)| *set)
        .find(|set| set.contains(&region))
}

/// The sets as the docs and diagnostics name them.
pub fn region_sets_text() -> String {
    REGION_SETS
        .iter()
        .map(|(name, set)| format!("{name}: {}", set.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The names of every table in `c`'s region, page by page (the API reference: `Limit` 1–100,
/// then `ExclusiveStartTableName` from `LastEvaluatedTableName`). For `terraform query` only.
pub async fn table_names(c: &Client) -> Result<Vec<String>, AwsError> {
    c.list_tables()
        .limit(TABLES_PAGE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListTables", c)
}

/// `ListTables`' largest page.
const TABLES_PAGE: i32 = 100;

pub async fn describe(c: &Client, table: &str) -> Result<Option<TableDescription>, AwsError> {
    Ok(c.describe_table()
        .table_name(table)
        .send()
        .await
        .aws("DescribeTable", c)
        .found()?
        .and_then(|o| o.table))
}

pub fn hash_key(t: &TableDescription) -> Option<&str> {
    t.key_schema()
        .iter()
        .find(|k| k.key_type() == &KeyType::Hash)
        .map(|k| k.attribute_name())
}

/// The status of the replica in `region` as the table in another region reports it.
pub fn replica_status(t: &TableDescription, region: &str) -> Option<String> {
    t.replicas()
        .iter()
        .find(|r| r.region_name() == Some(region))
        .map(|r| {
            r.replica_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "UNKNOWN".into())
        })
}

/// The global table's consistency mode as DynamoDB reports it: `None` for a single-region table
/// or when the answer leaves the field out (the API model marks it optional; EVENTUAL is the
/// default).
pub fn consistency(t: &TableDescription) -> Option<&str> {
    t.multi_region_consistency().map(|m| m.as_str())
}

/// The witness of a strongly consistent global table: its region and status.
pub fn witness(t: &TableDescription) -> Option<(String, String)> {
    t.global_table_witnesses().first().map(|w| {
        (
            w.region_name().unwrap_or_default().to_string(),
            w.witness_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "UNKNOWN".into()),
        )
    })
}

/// Whether the table holds any item: one strongly consistent `Scan` of at most one item.
pub async fn holds_items(c: &Client, table: &str) -> Result<bool, AwsError> {
    let out = c
        .scan()
        .table_name(table)
        .limit(1)
        .select(Select::Count)
        .consistent_read(true)
        .send()
        .await
        .aws("Scan", c)?;
    Ok(out.count() > 0 || out.last_evaluated_key().is_some())
}

/// Whether Time to Live is on (or being turned on) for the table.
pub async fn ttl_on(c: &Client, table: &str) -> Result<bool, AwsError> {
    let out = c
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .aws("DescribeTimeToLive", c)?;
    Ok(out
        .time_to_live_description()
        .and_then(|d| d.time_to_live_status())
        .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING")))
}

/// On-demand, streams with new and old images. Adopts an existing table of the same name.
pub async fn create(c: &Client, table: &str, key: &str, tags: &Tags) -> Result<(), AwsError> {
    if describe(c, table).await?.is_some() {
        tracing::info!(table, "adopting existing table");
        return Ok(());
    }
    let build = AwsError::building("CreateTable");
    let res = c
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(&build)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(&build)?,
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(&build)?,
        )
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("CreateTable", c);
    match res {
        Err(e) if e.is(ErrorKind::AlreadyExists) || e.code == "ResourceInUseException" => Ok(()),
        other => other.map(|_| ()),
    }
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

pub async fn tag(c: &Client, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    c.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("TagResource", c)?;
    Ok(())
}

/// The resource's tags, page by page (`ListTagsOfResource` answers a `NextToken` while more
/// remain).
pub async fn tags(c: &Client, arn: &str) -> Result<Tags, AwsError> {
    let mut tags = Tags::new();
    let mut token: Option<String> = None;
    loop {
        let out = c
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .aws("ListTagsOfResource", c)?;
        tags.extend(
            out.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(tags),
        }
    }
}

/// How long DynamoDB's tags may lag a change: "a few seconds" (API reference, TagResource).
pub const TAG_LAG: Duration = Duration::from_secs(10);

/// The tags of `arn` once they include every one of `want`, or as they are after [`TAG_LAG`]:
/// `ListTagsOfResource` is eventually consistent and may answer the previous (or an empty) tag
/// set for a few seconds after `CreateTable` or `TagResource`.
pub async fn tags_settled(c: &Client, arn: &str, want: &Tags) -> Result<Tags, AwsError> {
    let deadline = tokio::time::Instant::now() + TAG_LAG;
    loop {
        let now = tags(c, arn).await?;
        if crate::tags::contains_all(&now, want) || tokio::time::Instant::now() >= deadline {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn wait_active(
    c: &Client,
    table: &str,
    timeout: Duration,
) -> Result<TableDescription, WaitError> {
    waiter::wait_for(
        &format!("table {table} ACTIVE"),
        timeout,
        Backoff::default(),
        || async {
            Ok(match describe(c, table).await? {
                Some(t) if t.table_status() == Some(&TableStatus::Active) => Poll::Ready(t),
                Some(t) => Poll::Pending(super::errors::shown(t.table_status())),
                None => Poll::Pending("not found yet".into()),
            })
        },
    )
    .await
}

pub async fn pitr_enabled(c: &Client, table: &str) -> Result<bool, AwsError> {
    let out = c
        .describe_continuous_backups()
        .table_name(table)
        .send()
        .await
        .aws("DescribeContinuousBackups", c)?;
    Ok(out
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED"))
}

pub async fn enable_pitr(c: &Client, table: &str) -> Result<(), AwsError> {
    c.update_continuous_backups()
        .table_name(table)
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .map_err(AwsError::building("UpdateContinuousBackups"))?,
        )
        .send()
        .await
        .aws("UpdateContinuousBackups", c)?;
    Ok(())
}

/// Adds a replica in `region` to `table`, the primary's table as `primary` just described it
/// (no-op when it has that replica). With a `witness`, the one call that makes the table a
/// strongly consistent global table: the replica, the witness and `MultiRegionConsistency`
/// STRONG together (DynamoDB adds a witness only when it makes the global table).
pub async fn add_replica(
    primary: &Client,
    table: &TableDescription,
    region: &str,
    witness: Option<&str>,
) -> Result<(), AwsError> {
    if replica_status(table, region).is_some() {
        return Ok(());
    }
    let name = table.table_name().unwrap_or_default();
    let build = AwsError::building("UpdateTable");
    let mut call = primary.update_table().table_name(name).replica_updates(
        ReplicationGroupUpdate::builder()
            .create(
                CreateReplicationGroupMemberAction::builder()
                    .region_name(region)
                    .build()
                    .map_err(&build)?,
            )
            .build(),
    );
    if let Some(w) = witness {
        call = call
            .multi_region_consistency(MultiRegionConsistency::Strong)
            .global_table_witness_updates(
                GlobalTableWitnessGroupUpdate::builder()
                    .create(
                        CreateGlobalTableWitnessGroupMemberAction::builder()
                            .region_name(w)
                            .build()
                            .map_err(&build)?,
                    )
                    .build(),
            );
    }
    call.send().await.aws("UpdateTable", primary)?;
    Ok(())
}

pub async fn remove_replica(primary: &Client, table: &str, region: &str) -> Result<(), AwsError> {
    let Some(desc) = describe(primary, table).await? else {
        return Ok(());
    };
    if replica_status(&desc, region).is_none() {
        return Ok(());
    }
    let build = AwsError::building("UpdateTable");
    let mut call = primary.update_table().table_name(table).replica_updates(
        ReplicationGroupUpdate::builder()
            .delete(
                DeleteReplicationGroupMemberAction::builder()
                    .region_name(region)
                    .build()
                    .map_err(&build)?,
            )
            .build(),
    );
    // A strongly consistent table's witness goes with the replica, in the same call (DynamoDB
    // removes a witness only so); what remains is a single-region table.
    if let Some((w, _)) = witness(&desc) {
        call = call.global_table_witness_updates(
            GlobalTableWitnessGroupUpdate::builder()
                .delete(
                    DeleteGlobalTableWitnessGroupMemberAction::builder()
                        .region_name(w)
                        .build()
                        .map_err(&build)?,
                )
                .build(),
        );
    }
    let res = call.send().await.aws("UpdateTable", primary);
    match res {
        // Another run removed it between our look and our call.
        Err(e) if e.is(ErrorKind::NotFound) => Ok(()),
        other => other.map(|_| ()),
    }
}

pub async fn delete(c: &Client, table: &str) -> Result<(), AwsError> {
    c.delete_table()
        .table_name(table)
        .send()
        .await
        .aws("DeleteTable", c)
        .found()?;
    Ok(())
}
