//! Thin Secrets Manager operations for the global database's master credentials. RDS-managed
//! passwords (`ManageMasterUserPassword`) are not supported for clusters in an Aurora global
//! database, so trdr generates the password, keeps it in a secret of its own replicated to the
//! other region (the application reads it there after a failover), and hands it to RDS. The
//! password never leaves these calls: the SDK redacts `SecretString` and `MasterUserPassword`
//! from its debug output, and nothing here logs it.

use aws_sdk_secretsmanager::types::{ReplicaRegionType, Tag};
use aws_sdk_secretsmanager::Client;
use rand::Rng;

use super::errors::{AwsError, AwsResultExt, ErrorKind, OptionalExt, Regional};
use crate::tags::Tags;

/// Tag on the secret that records which `master_password_version` it holds.
pub const VERSION_TAG: &str = "TrdrPasswordVersion";

/// What `DescribeSecret` tells about our secret; never the value.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretInfo {
    pub arn: String,
    pub replica_regions: Vec<String>,
    pub tags: Tags,
    /// Scheduled for deletion (a secret in that state cannot be used or recreated).
    pub deleted: bool,
}

/// A password RDS accepts for Aurora PostgreSQL: 8 to 99 printable ASCII characters other than
/// `/`, `"`, `@` and space. Letters and digits only, 32 of them, keep it safe in any URL or shell.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..32)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The secret's JSON, in the shape RDS itself uses for its managed secrets.
fn secret_string(username: &str, password: &str) -> String {
    serde_json::json!({"engine": "postgres", "username": username, "password": password})
        .to_string()
}

pub async fn describe(c: &Client, name: &str) -> Result<Option<SecretInfo>, AwsError> {
    let out = c
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .aws("DescribeSecret", c)
        .found()?;
    Ok(out.map(|o| SecretInfo {
        arn: o.arn().unwrap_or_default().to_string(),
        replica_regions: o
            .replication_status()
            .iter()
            .filter_map(|r| r.region().map(str::to_string))
            .collect(),
        tags: o
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
        deleted: o.deleted_date().is_some(),
    }))
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Creates the secret with a fresh password; `Ok(false)` when it already existed.
pub async fn create(c: &Client, name: &str, username: &str, tags: &Tags) -> Result<bool, AwsError> {
    let res = c
        .create_secret()
        .name(name)
        .description("Master credentials of a trdr_global_database (managed by trdr)")
        .secret_string(secret_string(username, &generate_password()))
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("CreateSecret", c);
    match res {
        Ok(_) => Ok(true),
        Err(e) if e.code == "ResourceExistsException" || e.is(ErrorKind::AlreadyExists) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

pub async fn replicate(c: &Client, name: &str, region: &str) -> Result<(), AwsError> {
    c.replicate_secret_to_regions()
        .secret_id(name)
        .add_replica_regions(ReplicaRegionType::builder().region(region).build())
        .send()
        .await
        .aws("ReplicateSecretToRegions", c)?;
    Ok(())
}

/// The password stored in the secret, to hand to RDS.
pub async fn password(c: &Client, name: &str) -> Result<String, AwsError> {
    let out = c
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .aws("GetSecretValue", c)?;
    let value: serde_json::Value =
        serde_json::from_str(out.secret_string().unwrap_or_default()).unwrap_or_default();
    value
        .get("password")
        .and_then(|p| p.as_str())
        .map(str::to_string)
        .ok_or_else(|| AwsError {
            operation: "GetSecretValue",
            region: c.region_name(),
            code: "MalformedSecret".into(),
            message: format!("secret {name} has no \"password\" field"),
            kind: ErrorKind::InvalidInput,
            request_id: None,
        })
}

/// Stores a new password (replicas follow on their own) and returns it.
pub async fn rotate(c: &Client, name: &str, username: &str) -> Result<String, AwsError> {
    let password = generate_password();
    c.put_secret_value()
        .secret_id(name)
        .secret_string(secret_string(username, &password))
        .send()
        .await
        .aws("PutSecretValue", c)?;
    Ok(password)
}

pub async fn tag(c: &Client, arn: &str, tags: &Tags) -> Result<(), AwsError> {
    c.tag_resource()
        .secret_id(arn)
        .set_tags(Some(to_tags(tags)))
        .send()
        .await
        .aws("TagResource", c)?;
    Ok(())
}

/// Removes the replicas (a replicated secret cannot be deleted), then deletes the secret at once.
pub async fn delete(c: &Client, name: &str) -> Result<(), AwsError> {
    let Some(info) = describe(c, name).await? else {
        return Ok(());
    };
    if !info.replica_regions.is_empty() {
        c.remove_regions_from_replication()
            .secret_id(name)
            .set_remove_replica_regions(Some(info.replica_regions))
            .send()
            .await
            .aws("RemoveRegionsFromReplication", c)?;
    }
    c.delete_secret()
        .secret_id(name)
        .force_delete_without_recovery(true)
        .send()
        .await
        .aws("DeleteSecret", c)
        .found()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_random_and_safe_for_rds() {
        let a = generate_password();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate_password());
    }
}
