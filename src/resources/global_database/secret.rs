//! The master credentials: trdr's secret with a generated password, in the primary region and
//! replicated to the secondary (from create to delete), or the password the configuration
//! brings (`master_password_wo`), which no secret holds.

use super::schema::{MASTER_PASSWORD_WO, MASTER_USERNAME};
use super::Db;
use crate::aws::secrets;
use crate::provider::Configured;
use crate::steps::Failure;
use crate::tags::Tags;

/// The secret lives in the primary region; Secrets Manager replicates it to the secondary.
pub(super) fn client(cfg: &Configured, db: &Db) -> aws_sdk_secretsmanager::Client {
    cfg.region(&db.primary.region).secrets.clone()
}

/// The secret's tags, with the password version it holds.
pub(super) fn tags(cfg: &Configured, db: &Db) -> Tags {
    let mut t = db.tags(cfg, &db.primary.region);
    t.insert("TrdrGlobalDatabase".into(), db.global_id());
    t.insert(
        secrets::VERSION_TAG.into(),
        db.master_password_version.to_string(),
    );
    t
}

/// trdr's secret with a generated password, replicated to the secondary region; none with a
/// brought password. An existing one (an interrupted create) is kept, so the password RDS got
/// stays the password in the secret.
pub(super) async fn ensure(cfg: &Configured, db: &Db) -> Result<(), Failure> {
    if db.given_password.is_some() {
        return Ok(());
    }
    let c = client(cfg, db);
    let name = db.secret_name();
    let info = match secrets::describe(&c, &name).await? {
        Some(i) if i.deleted => {
            return Err(Failure::at(
                MASTER_USERNAME.path(),
                format!("secret {name} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id {name}) or delete it for good before applying"),
            ))
        }
        Some(i) => i,
        None => {
            if secrets::create(&c, &name, &db.master_username, &tags(cfg, db)).await? {
                // Made just now, so replicated nowhere yet: no second look.
                secrets::replicate(&c, &name, &db.secondary.region).await?;
                return Ok(());
            }
            // Made meanwhile by another run: as it is now.
            secrets::describe(&c, &name).await?.ok_or_else(|| Failure::found(format!("secret {name} is not visible after CreateSecret")))?
        }
    };
    if !info.replica_regions.contains(&db.secondary.region) {
        secrets::replicate(&c, &name, &db.secondary.region).await?;
    }
    Ok(())
}

/// The password of `master_password_wo`, from the apply's working copy of the configuration.
pub(super) async fn given_value(db: &Db) -> Result<Option<&str>, Failure> {
    match &db.given_password {
        None => Ok(None),
        Some(g) => g.value.as_deref().map(Some).ok_or_else(|| {
            Failure::at(MASTER_PASSWORD_WO.path(), "master_password_wo_version is set but the configuration gives this apply no master_password_wo value")
        }),
    }
}

/// The password a new cluster is created with: the first writer's, brought or from trdr's
/// secret; none for a cluster that joins as a secondary.
pub(super) async fn initial_password(
    cfg: &Configured,
    db: &Db,
    first_writer: bool,
) -> Result<Option<String>, Failure> {
    Ok(match (first_writer, given_value(db).await?) {
        (true, Some(given)) => Some(given.to_string()),
        (true, None) => Some(secrets::password(&client(cfg, db), &db.secret_name()).await?),
        (false, _) => None,
    })
}

/// Deletes trdr's secret (and with it its replica), when it exists.
pub(super) async fn delete(cfg: &Configured, db: &Db) -> Result<(), Failure> {
    secrets::delete(&client(cfg, db), &db.secret_name()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::global_database::declarations::sample_db;
    use crate::resources::global_database::GivenPassword;

    #[tokio::test]
    async fn a_brought_password_without_its_value_is_a_failure_at_master_password_wo() {
        let db = Db {
            given_password: Some(GivenPassword {
                value: None,
                version: 1,
            }),
            ..sample_db()
        };
        let failure = given_value(&db).await.unwrap_err();
        assert_eq!(failure.path, Some(MASTER_PASSWORD_WO.path()));
    }

    #[tokio::test]
    async fn a_brought_password_is_its_value_and_none_is_none() {
        let db = Db {
            given_password: Some(GivenPassword {
                value: Some("correct-horse".into()),
                version: 1,
            }),
            ..sample_db()
        };
        assert_eq!(given_value(&db).await.ok().flatten(), Some("correct-horse"));
        assert_eq!(given_value(&sample_db()).await.ok().flatten(), None);
    }
}
