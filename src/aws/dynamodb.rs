//! Thin DynamoDB operations for the session table and its cross-region replica.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateReplicationGroupMemberAction,
    DeleteReplicationGroupMemberAction, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, ReplicationGroupUpdate, ScalarAttributeType,
    StreamSpecification, StreamViewType, TableDescription, TableStatus, Tag,
};
use aws_sdk_dynamodb::Client;

use super::errors::{AwsError, AwsResultExt, ErrorKind, OptionalExt};
use crate::tags::Tags;
use crate::waiter::{self, Backoff, Poll, WaitError};

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

pub async fn tags(c: &Client, arn: &str) -> Result<Tags, AwsError> {
    let out = c
        .list_tags_of_resource()
        .resource_arn(arn)
        .send()
        .await
        .aws("ListTagsOfResource", c)?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
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

/// Adds a replica in `region` to the table owned by `primary` (no-op when it exists).
pub async fn add_replica(primary: &Client, table: &str, region: &str) -> Result<(), AwsError> {
    let desc = describe(primary, table).await?;
    if desc
        .as_ref()
        .and_then(|t| replica_status(t, region))
        .is_some()
    {
        return Ok(());
    }
    primary
        .update_table()
        .table_name(table)
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .create(
                    CreateReplicationGroupMemberAction::builder()
                        .region_name(region)
                        .build()
                        .map_err(AwsError::building("UpdateTable"))?,
                )
                .build(),
        )
        .send()
        .await
        .aws("UpdateTable", primary)?;
    Ok(())
}

pub async fn remove_replica(primary: &Client, table: &str, region: &str) -> Result<(), AwsError> {
    let Some(desc) = describe(primary, table).await? else {
        return Ok(());
    };
    if replica_status(&desc, region).is_none() {
        return Ok(());
    }
    let res = primary
        .update_table()
        .table_name(table)
        .replica_updates(
            ReplicationGroupUpdate::builder()
                .delete(
                    DeleteReplicationGroupMemberAction::builder()
                        .region_name(region)
                        .build()
                        .map_err(AwsError::building("UpdateTable"))?,
                )
                .build(),
        )
        .send()
        .await
        .aws("UpdateTable", primary);
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
