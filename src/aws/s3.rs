//! Thin S3 operations for the regional stack's buckets. Each is idempotent.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, Delete, DeleteMarkerReplication,
    DeleteMarkerReplicationStatus, Destination, ExpirationStatus, LifecycleRule,
    LifecycleRuleFilter, Metrics, MetricsStatus, NoncurrentVersionExpiration, ObjectIdentifier,
    PublicAccessBlockConfiguration, ReplicaModifications, ReplicaModificationsStatus,
    ReplicationConfiguration, ReplicationRule, ReplicationRuleFilter, ReplicationRuleStatus,
    ReplicationTime, ReplicationTimeStatus, ReplicationTimeValue, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    SourceSelectionCriteria, Tag, Tagging, VersioningConfiguration,
};
use aws_sdk_s3::Client;

use super::errors::{AwsError, AwsResultExt, ErrorKind, OptionalExt};
use crate::tags::Tags;

pub const LIFECYCLE_RULE_ID: &str = "trdr-retention";
pub const ABORT_MULTIPART_DAYS: i32 = 7;
/// Replication Time Control: S3's 15-minute replication SLA, with metrics.
pub const RTC_MINUTES: i32 = 15;

async fn exists(c: &Client, bucket: &str) -> Result<bool, AwsError> {
    Ok(c.head_bucket()
        .bucket(bucket)
        .send()
        .await
        .aws("HeadBucket", c)
        .found()?
        .is_some())
}

/// Creates the bucket, or adopts it when we already own it (a repeated create after a crash):
/// no look first, as `CreateBucket` itself says so — `BucketAlreadyOwnedByYou`, or in us-east-1
/// success (S3 API reference, CreateBucket) — and someone else's bucket of that name is
/// `BucketAlreadyExists`, an error.
pub async fn create(c: &Client, bucket: &str, region: &str) -> Result<(), AwsError> {
    let mut req = c.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    match req.send().await.aws("CreateBucket", c) {
        Err(e) if e.is(ErrorKind::AlreadyExists) => {
            tracing::info!(bucket, "adopting existing bucket");
            Ok(())
        }
        other => other.map(|_| ()),
    }
}

/// Versioning, default encryption, public access blocked, lifecycle and tags.
pub async fn configure(
    c: &Client,
    bucket: &str,
    noncurrent_days: i32,
    tags: &Tags,
) -> Result<(), AwsError> {
    enable_versioning(c, bucket).await?;
    enable_encryption(c, bucket).await?;
    block_public_access(c, bucket).await?;
    put_lifecycle(c, bucket, noncurrent_days).await?;
    put_tags(c, bucket, tags).await
}

/// Versioning on, which replication and the noncurrent-version lifecycle need.
async fn enable_versioning(c: &Client, bucket: &str) -> Result<(), AwsError> {
    c.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .aws("PutBucketVersioning", c)?;
    Ok(())
}

/// SSE-S3 default encryption, with a bucket key.
async fn enable_encryption(c: &Client, bucket: &str) -> Result<(), AwsError> {
    let sse = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(AwsError::building("PutBucketEncryption"))?;
    c.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(sse)
                        .bucket_key_enabled(true)
                        .build(),
                )
                .build()
                .map_err(AwsError::building("PutBucketEncryption"))?,
        )
        .send()
        .await
        .aws("PutBucketEncryption", c)?;
    Ok(())
}

/// Every public access block on.
async fn block_public_access(c: &Client, bucket: &str) -> Result<(), AwsError> {
    c.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .aws("PutPublicAccessBlock", c)?;
    Ok(())
}

/// trdr's lifecycle rule: noncurrent versions expire after `noncurrent_days`, incomplete
/// multipart uploads are aborted after [`ABORT_MULTIPART_DAYS`].
async fn put_lifecycle(c: &Client, bucket: &str, noncurrent_days: i32) -> Result<(), AwsError> {
    let rule = LifecycleRule::builder()
        .id(LIFECYCLE_RULE_ID)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(noncurrent_days)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(ABORT_MULTIPART_DAYS)
                .build(),
        )
        .build()
        .map_err(AwsError::building("PutBucketLifecycleConfiguration"))?;
    c.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(AwsError::building("PutBucketLifecycleConfiguration"))?,
        )
        .send()
        .await
        .aws("PutBucketLifecycleConfiguration", c)?;
    Ok(())
}

/// The bucket's tag set, replaced by `tags`.
async fn put_tags(c: &Client, bucket: &str, tags: &Tags) -> Result<(), AwsError> {
    let tag_set = tags
        .iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect::<Vec<_>>();
    c.put_bucket_tagging()
        .bucket(bucket)
        .tagging(
            Tagging::builder()
                .set_tag_set(Some(tag_set))
                .build()
                .map_err(AwsError::building("PutBucketTagging"))?,
        )
        .send()
        .await
        .aws("PutBucketTagging", c)?;
    Ok(())
}

/// What a bucket looks like now, for drift detection.
#[derive(Debug, Default)]
pub struct BucketFacts {
    pub versioning_enabled: bool,
    pub encrypted: bool,
    pub public_access_blocked: bool,
    pub noncurrent_days: Option<i32>,
    pub abort_multipart_days: Option<i32>,
    pub tags: Tags,
}

/// The names of the buckets in `region` (`c`'s) that begin with `prefix`, page by page: the
/// S3 API reference recommends only paginated `ListBuckets` (`MaxBuckets` 1–10,000, then
/// `ContinuationToken`), and refuses unpaginated ones for accounts allowed more than 10,000
/// buckets. `Prefix` and `BucketRegion` let S3 filter, so the answer does not grow with the
/// account's other buckets.
pub async fn bucket_names(c: &Client, prefix: &str, region: &str) -> Result<Vec<String>, AwsError> {
    let buckets: Vec<_> = c
        .list_buckets()
        .prefix(prefix)
        .bucket_region(region)
        .max_buckets(BUCKETS_PAGE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("ListBuckets", c)?;
    Ok(buckets.into_iter().filter_map(|b| b.name).collect())
}

/// A page of `ListBuckets`: a topology has a few buckets; the prefix leaves little else.
const BUCKETS_PAGE: i32 = 1000;

/// `None` when the bucket does not exist.
pub async fn inspect(c: &Client, bucket: &str) -> Result<Option<BucketFacts>, AwsError> {
    let Some(v) = c
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .aws("GetBucketVersioning", c)
        .found()?
    else {
        return Ok(None);
    };
    let mut facts = BucketFacts {
        versioning_enabled: v.status() == Some(&BucketVersioningStatus::Enabled),
        ..Default::default()
    };
    facts.encrypted = c
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .aws("GetBucketEncryption", c)
        .found()?
        .and_then(|e| {
            e.server_side_encryption_configuration()
                .map(|c| !c.rules().is_empty())
        })
        .unwrap_or(false);
    facts.public_access_blocked = c
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .aws("GetPublicAccessBlock", c)
        .found()?
        .and_then(|p| {
            p.public_access_block_configuration().map(|b| {
                b.block_public_acls() == Some(true)
                    && b.ignore_public_acls() == Some(true)
                    && b.block_public_policy() == Some(true)
                    && b.restrict_public_buckets() == Some(true)
            })
        })
        .unwrap_or(false);
    if let Some(lc) = c
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
        .aws("GetBucketLifecycleConfiguration", c)
        .found()?
    {
        if let Some(rule) = lc
            .rules()
            .iter()
            .find(|r| r.id() == Some(LIFECYCLE_RULE_ID))
        {
            facts.noncurrent_days = rule
                .noncurrent_version_expiration()
                .and_then(|n| n.noncurrent_days());
            facts.abort_multipart_days = rule
                .abort_incomplete_multipart_upload()
                .and_then(|a| a.days_after_initiation());
        }
    }
    if let Some(t) = c
        .get_bucket_tagging()
        .bucket(bucket)
        .send()
        .await
        .aws("GetBucketTagging", c)
        .found()?
    {
        facts.tags = t
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
    }
    Ok(Some(facts))
}

/// A replication rule as trdr writes it: everything, with RTC 15 min + metrics and delete markers,
/// and replica-modification sync for two-way replication.
pub fn rule(
    id: &str,
    destination_bucket: &str,
    two_way: bool,
) -> Result<ReplicationRule, AwsError> {
    let build_err = AwsError::building("PutBucketReplication");
    let destination = Destination::builder()
        .bucket(format!("arn:aws:s3:::{destination_bucket}"))
        .replication_time(
            ReplicationTime::builder()
                .status(ReplicationTimeStatus::Enabled)
                .time(ReplicationTimeValue::builder().minutes(RTC_MINUTES).build())
                .build()
                .map_err(&build_err)?,
        )
        .metrics(
            Metrics::builder()
                .status(MetricsStatus::Enabled)
                .event_threshold(ReplicationTimeValue::builder().minutes(RTC_MINUTES).build())
                .build()
                .map_err(&build_err)?,
        )
        .build()
        .map_err(&build_err)?;
    let mut rule = ReplicationRule::builder()
        .id(id)
        .priority(1)
        .status(ReplicationRuleStatus::Enabled)
        .filter(ReplicationRuleFilter::builder().prefix("").build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(DeleteMarkerReplicationStatus::Enabled)
                .build(),
        )
        .destination(destination);
    if two_way {
        rule = rule.source_selection_criteria(
            SourceSelectionCriteria::builder()
                .replica_modifications(
                    ReplicaModifications::builder()
                        .status(ReplicaModificationsStatus::Enabled)
                        .build()
                        .map_err(&build_err)?,
                )
                .build(),
        );
    }
    rule.build().map_err(build_err)
}

pub async fn replication(
    c: &Client,
    bucket: &str,
) -> Result<Option<ReplicationConfiguration>, AwsError> {
    Ok(c.get_bucket_replication()
        .bucket(bucket)
        .send()
        .await
        .aws("GetBucketReplication", c)
        .found()?
        .and_then(|r| r.replication_configuration))
}

/// Does `bucket` carry rule `id` replicating everything to `destination` with the settings trdr
/// writes?
pub fn has_rule(
    config: Option<&ReplicationConfiguration>,
    id: &str,
    destination: &str,
    two_way: bool,
) -> bool {
    let Some(config) = config else { return false };
    config.rules().iter().any(|r| {
        r.id() == Some(id)
            && r.status() == &ReplicationRuleStatus::Enabled
            && r.destination().map(|d| d.bucket()) == Some(&format!("arn:aws:s3:::{destination}"))
            && r.destination()
                .and_then(|d| d.replication_time())
                .is_some_and(|t| t.status() == &ReplicationTimeStatus::Enabled)
            && r.delete_marker_replication()
                .and_then(|d| d.status())
                .is_some_and(|s| s == &DeleteMarkerReplicationStatus::Enabled)
            && (!two_way
                || r.source_selection_criteria()
                    .and_then(|s| s.replica_modifications())
                    .is_some_and(|m| m.status() == &ReplicaModificationsStatus::Enabled))
    })
}

/// Puts `rule` on `bucket`, keeping any rules that are not ours.
pub async fn put_rule(
    c: &Client,
    bucket: &str,
    role_arn: &str,
    rule: ReplicationRule,
) -> Result<(), AwsError> {
    let existing = replication(c, bucket).await?;
    let mut rules: Vec<ReplicationRule> = existing
        .map(|cfg| {
            cfg.rules()
                .iter()
                .filter(|r| r.id() != rule.id())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    rules.push(rule);
    let config = ReplicationConfiguration::builder()
        .role(role_arn)
        .set_rules(Some(rules))
        .build()
        .map_err(AwsError::building("PutBucketReplication"))?;
    c.put_bucket_replication()
        .bucket(bucket)
        .replication_configuration(config)
        .send()
        .await
        .aws("PutBucketReplication", c)?;
    Ok(())
}

/// Removes rule `id` from `bucket` (the whole configuration when it was the last rule).
pub async fn remove_rule(c: &Client, bucket: &str, id: &str) -> Result<(), AwsError> {
    let Some(cfg) = replication(c, bucket).await? else {
        return Ok(());
    };
    let rest: Vec<ReplicationRule> = cfg
        .rules()
        .iter()
        .filter(|r| r.id() != Some(id))
        .cloned()
        .collect();
    if rest.len() == cfg.rules().len() {
        return Ok(());
    }
    if rest.is_empty() {
        c.delete_bucket_replication()
            .bucket(bucket)
            .send()
            .await
            .aws("DeleteBucketReplication", c)
            .found()?;
        return Ok(());
    }
    let config = ReplicationConfiguration::builder()
        .role(cfg.role())
        .set_rules(Some(rest))
        .build()
        .map_err(AwsError::building("PutBucketReplication"))?;
    c.put_bucket_replication()
        .bucket(bucket)
        .replication_configuration(config)
        .send()
        .await
        .aws("PutBucketReplication", c)?;
    Ok(())
}

/// Deletes every object version and delete marker, then the bucket. A missing bucket is fine.
pub async fn delete(c: &Client, bucket: &str, force: bool) -> Result<(), AwsError> {
    if !exists(c, bucket).await? {
        return Ok(());
    }
    if force {
        loop {
            let page = c
                .list_object_versions()
                .bucket(bucket)
                .max_keys(1000)
                .send()
                .await
                .aws("ListObjectVersions", c);
            let Some(page) = page.found()? else {
                return Ok(());
            };
            let mut ids: Vec<ObjectIdentifier> = Vec::new();
            for v in page.versions() {
                if let Some(key) = v.key() {
                    if let Ok(id) = ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(v.version_id().map(str::to_string))
                        .build()
                    {
                        ids.push(id);
                    }
                }
            }
            for m in page.delete_markers() {
                if let Some(key) = m.key() {
                    if let Ok(id) = ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(m.version_id().map(str::to_string))
                        .build()
                    {
                        ids.push(id);
                    }
                }
            }
            if ids.is_empty() {
                break;
            }
            let del = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(AwsError::building("DeleteObjects"))?;
            c.delete_objects()
                .bucket(bucket)
                .delete(del)
                .send()
                .await
                .aws("DeleteObjects", c)?;
        }
    }
    c.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .aws("DeleteBucket", c)
        .found()?;
    Ok(())
}
