//! The plan of a global database: regions resolved, the engine version checked with RDS, the
//! changes trdr refuses, the computed attributes, and the writer — kept where an automatic
//! failover put it, or moved by a switchover, each said in a warning.

use super::schema::*;
use super::{Db, GlobalDatabase};
use crate::aws::rds;
use crate::framework::{BlockAttr, Diagnostics, PlanCall, Value};

impl GlobalDatabase {
    pub(super) async fn plan_database(&self, call: PlanCall<'_>) {
        let PlanCall {
            out,
            prior,
            config,
            diags,
        } = call;
        let Some(cfg) = self.ctx.get() else { return };
        let planned = &mut out.state;
        resolve_regions(
            planned,
            config,
            &cfg.config.primary_region,
            &cfg.config.secondary_region,
        );
        check_resolved(planned, diags);
        if diags.has_errors() {
            return;
        }
        let Some(db) = Db::from_value(planned) else {
            return;
        };
        let prior_db = prior.and_then(Db::from_value);
        if let Some(p) = &prior_db {
            if refuse_major_upgrade_with_rpo(p, &db, diags) {
                return;
            }
        }
        if engine_to_check(planned, prior) {
            self.check_engine(&db, diags).await;
        }
        if let Some(p) = &prior_db {
            if refuse_password_switch(p, &db, diags) {
                return;
            }
        }
        put_computed(planned, prior, &db);
        let held = held_writer(planned, prior, &db);
        if let Some((current, _)) = &held {
            CURRENT_WRITER_REGION.put(planned, current.clone());
        }
        let changed = prior.is_some_and(|p| changes_in_place(p, planned));
        for (which, region) in [
            (&PRIMARY, db.primary.region.clone()),
            (&SECONDARY, db.secondary.region.clone()),
        ] {
            set_member_computed(planned, which, prior, changed, Some(db.cluster_id(&region)));
        }
        match prior {
            None => plan_create(planned, &db),
            Some(prior) => plan_update(planned, prior, &db, held.as_ref(), diags),
        }
    }

    /// What RDS says of the engine version, checked at plan time (cached per version): it exists,
    /// supports global databases and Serverless v2, and allows the configured capacities.
    async fn check_engine(&self, db: &Db, diags: &mut Diagnostics) {
        let (version, region) = (db.engine_version.as_str(), db.primary.region.as_str());
        let cached = self
            .engine_support
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(version)
            .copied();
        let answer = match cached {
            Some(a) => a,
            None => {
                let Some(cfg) = self.ctx.get() else { return };
                match rds::engine_support(&cfg.region(region).rds, version).await {
                    Ok(a) => {
                        self.engine_support
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(version.to_string(), a);
                        a
                    }
                    Err(e) => {
                        // Not a verdict on the version: leave it to the apply, and say so.
                        tracing::warn!(error = %e, engine_version = version, "could not check the engine version at plan time");
                        return diags.warning(
                            Some(ENGINE_VERSION.path()),
                            "Engine version not checked at plan time",
                            format!("DescribeDBEngineVersions failed ({e}), so whether Aurora PostgreSQL {version} supports global databases and the configured Serverless v2 capacity is checked only when the apply creates the clusters."),
                        );
                    }
                }
            }
        };
        judge_engine(db, answer, diags);
    }
}

/// RDS's answer about the engine version (`None`: not offered) against the configuration.
fn judge_engine(db: &Db, answer: Option<rds::EngineSupport>, diags: &mut Diagnostics) {
    let (version, region) = (db.engine_version.as_str(), db.primary.region.as_str());
    let ev = ENGINE_VERSION.path();
    let Some(support) = answer else {
        return diags.attr_error(&ev, format!("RDS in {region} does not offer Aurora PostgreSQL {version}; pick a listed version (aws rds describe-db-engine-versions --engine aurora-postgresql)."));
    };
    if !support.global_databases {
        diags.attr_error(
            &ev,
            format!("Aurora PostgreSQL {version} does not support global databases."),
        );
    }
    let (min_acu, max_acu) = match support.serverless_v2 {
        rds::Serverless::Limits(min, max) => (min, max),
        rds::Serverless::No => {
            return diags.attr_error(&ev, format!("Aurora PostgreSQL {version} does not support Aurora Serverless v2: RDS offers no db.serverless instance for it (DescribeOrderableDBInstanceOptions). Use 13.6, 14.3, 15.2, 16.1 or later."));
        }
        rds::Serverless::Offered => {
            return diags.warning(
                Some(SERVERLESS_V2.path()),
                "Serverless v2 capacity not checked at plan time",
                format!("RDS offers db.serverless for Aurora PostgreSQL {version} but does not report its capacity limits (ServerlessV2FeaturesSupport, optional in the API model), so min_capacity {} and max_capacity {} are checked only when the apply creates the instances.", db.min_capacity, db.max_capacity),
            );
        }
    };
    let sp = SERVERLESS_V2.path();
    if db.min_capacity < min_acu {
        diags.attr_error(&MIN_CAPACITY.under(&sp), format!("{} ACU needs automatic pause support, which Aurora PostgreSQL {version} lacks (its minimum is {min_acu} ACU); use {min_acu} or a version that supports 0 ACU (13.15, 14.12, 15.7, 16.3 or later).", db.min_capacity));
    }
    if db.max_capacity > max_acu {
        diags.attr_error(&MAX_CAPACITY.under(&sp), format!("{} ACU is above what Aurora PostgreSQL {version} allows ({max_acu} ACU); 256 ACU needs 13.20, 14.17, 15.12, 16.8, 17.4 or later.", db.max_capacity));
    }
}

/// Members' regions left unset take the provider's; `writer_region` unset is the primary's.
fn resolve_regions(planned: &mut Value, config: &Value, primary: &str, secondary: &str) {
    for (which, default) in [(&PRIMARY, primary), (&SECONDARY, secondary)] {
        if REGION.raw(which.of(config)).is_null() {
            if let Some(m) = planned.get_mut(which.name) {
                REGION.put(m, default.to_string());
            }
        }
    }
    let primary_region = REGION.raw(PRIMARY.of(planned)).clone();
    if WRITER_REGION.raw(config).is_null() {
        WRITER_REGION.put(planned, primary_region);
    }
}

/// A major version upgrade with `max_rpo_seconds` set, refused: trdr's groups belong to the old
/// family. `true` when refused.
fn refuse_major_upgrade_with_rpo(prior: &Db, db: &Db, diags: &mut Diagnostics) -> bool {
    if db.max_rpo_seconds.is_none()
        || rds::family(&prior.engine_version) == rds::family(&db.engine_version)
    {
        return false;
    }
    diags.attr_error(&ENGINE_VERSION.path(), format!("a major version upgrade ({} to {}) with max_rpo_seconds set is not supported: trdr's cluster parameter groups belong to the old version's family. Remove max_rpo_seconds and apply, upgrade, then set it again.", prior.engine_version, db.engine_version));
    true
}

/// The engine version and capacity are known and new (or changed): RDS is asked about them.
fn engine_to_check(planned: &Value, prior: Option<&Value>) -> bool {
    !ENGINE_VERSION.raw(planned).is_unknown()
        && planned.get(SERVERLESS_V2.name).is_wholly_known()
        && prior.is_none_or(|p| {
            ENGINE_VERSION.raw(p) != ENGINE_VERSION.raw(planned)
                || SERVERLESS_V2.of(p) != SERVERLESS_V2.of(planned)
        })
}

/// A switch between trdr's generated secret and a brought password, refused. `true` when
/// refused.
fn refuse_password_switch(prior: &Db, db: &Db, diags: &mut Diagnostics) -> bool {
    if prior.given_password.is_some() == db.given_password.is_some() {
        return false;
    }
    let (from, to) = match db.given_password {
        Some(_) => ("trdr's generated secret", "master_password_wo"),
        None => ("master_password_wo", "trdr's generated secret"),
    };
    diags.attr_error(&MASTER_PASSWORD_WO_VERSION.path(), format!("switching an existing database from {from} to {to} is not supported: trdr would leave a secret whose password the database no longer has, or none where applications read one. Keep the current way, or replace the database."));
    true
}

/// The identifiers, the writer as configured, the watcher as the prior state has it, and with a
/// brought password the secret's attributes known null.
fn put_computed(planned: &mut Value, prior: Option<&Value>, db: &Db) {
    ID.put(planned, db.global_id());
    if db.given_password.is_some() {
        // No secret of trdr's with a brought password: known null, never "known after apply".
        MASTER_PASSWORD_VERSION.put(planned, Value::Null);
        MASTER_USER_SECRET_ARN.put(planned, Value::Null);
    }
    GLOBAL_CLUSTER_IDENTIFIER.put(planned, db.global_id());
    CURRENT_WRITER_REGION.put(planned, db.writer_region.clone());
    AUTOMATIC_FAILOVER_BY.put(
        planned,
        prior.map_or(Value::Null, |p| AUTOMATIC_FAILOVER_BY.raw(p).clone()),
    );
}

/// With automatic failover, the configured writer is a preference: a writer that moved while
/// `writer_region` stayed as it was is kept where it is. The region it is in, and the watcher.
fn held_writer(planned: &Value, prior: Option<&Value>, db: &Db) -> Option<(String, String)> {
    let p = prior?;
    let current = CURRENT_WRITER_REGION.get(p)?;
    let by = AUTOMATIC_FAILOVER_BY.get(p)?;
    (current != db.writer_region && WRITER_REGION.raw(p) == WRITER_REGION.raw(planned))
        .then_some((current, by))
}

/// What an update changes in place: the members' status is unknown until it is done.
fn changes_in_place(p: &Value, planned: &Value) -> bool {
    let differs = |a: &str, b: &str| p.get(a) != planned.get(a) || p.get(b) != planned.get(b);
    differs(ENGINE_VERSION.name, WRITER_REGION.name)
        || differs(BACKUP_RETENTION_DAYS.name, SERVERLESS_V2.name)
        || MASTER_PASSWORD_VERSION.raw(p) != MASTER_PASSWORD_VERSION.raw(planned)
        || MASTER_PASSWORD_WO_VERSION.raw(p) != MASTER_PASSWORD_WO_VERSION.raw(planned)
        || MAX_RPO_SECONDS.raw(p) != MAX_RPO_SECONDS.raw(planned)
        || MEMBERS.iter().any(|m| {
            let (was, now) = (m.of(p), m.of(planned));
            INSTANCE_COUNT.raw(was) != INSTANCE_COUNT.raw(now)
                || VPC_SECURITY_GROUP_IDS.raw(was) != VPC_SECURITY_GROUP_IDS.raw(now)
                || STATUS.raw(was).as_str() != Some("available")
        })
}

fn set_member_computed(
    planned: &mut Value,
    which: &BlockAttr,
    prior: Option<&Value>,
    changed: bool,
    cluster_id: Option<String>,
) {
    let Some(m) = planned.get_mut(which.name) else {
        return;
    };
    if let Some(id) = cluster_id {
        CLUSTER_IDENTIFIER.put(m, id);
    }
    let prior_m = prior.map(|p| which.of(p));
    for attr in MEMBER_COMPUTED {
        let v = prior_m
            .map(|p| attr.raw(p).clone())
            .filter(|v| !v.is_null())
            .unwrap_or(Value::Unknown);
        attr.put(m, v);
    }
    let status = match prior_m.and_then(|p| STATUS.raw(p).as_str()) {
        Some("available") if !changed => Value::from("available"),
        _ => Value::Unknown,
    };
    STATUS.put(m, status);
}

/// A new database: its ARN, secret and writer endpoint known after apply.
fn plan_create(planned: &mut Value, db: &Db) {
    ARN.put(planned, Value::Unknown);
    MASTER_USER_SECRET_ARN.put(
        planned,
        match db.given_password {
            Some(_) => Value::Null,
            None => Value::Unknown,
        },
    );
    WRITER_ENDPOINT.put(planned, Value::Unknown);
}

/// An update: the writer endpoint as read, and a warning when the writer stays where a failover
/// put it or a switchover will move it.
fn plan_update(
    planned: &mut Value,
    prior: &Value,
    db: &Db,
    held: Option<&(String, String)>,
    diags: &mut Diagnostics,
) {
    // Once the global cluster exists, the refresh before this plan read its writer endpoint: a
    // null is AWS's answer (`GlobalCluster.Endpoint` is optional in the API model), known —
    // never a perpetual "known after apply".
    if !ARN.raw(prior).is_null() {
        WRITER_ENDPOINT.put(planned, WRITER_ENDPOINT.raw(prior).clone());
    }
    let current = CURRENT_WRITER_REGION.get(prior).unwrap_or_default();
    if let Some((current, by)) = held {
        diags.warning(
            Some(WRITER_REGION.path()),
            format!("The writer is in {current} after a failover; this plan keeps it there"),
            format!(
                "RDS reports {current} as the writer region. Automatic failover is on (trdr_failover_orchestrator {by}), so writer_region = \"{w}\" is a preference and no plan moves the writer back by itself. To stay: set writer_region = \"{current}\". To move back once {w} is healthy: set writer_region = \"{current}\", apply, then set it back to \"{w}\" (that plan shows the switchover), or start the runbook in {w} with {{\"mode\": \"switchover\"}}.",
                w = db.writer_region
            ),
        );
    } else if !current.is_empty() && current != db.writer_region {
        diags.warning(
            Some(WRITER_REGION.path()),
            format!("Applying moves the writer from {current} to {}", db.writer_region),
            format!(
                "RDS reports {current} as the writer region now. Applying this plan runs a managed switchover (SwitchoverGlobalCluster, no data loss) to {}. If the writer moved to {current} by a failover outside Terraform (AWS-initiated, or the failover runbook) and should stay there, set writer_region = \"{current}\" instead; the plan is then empty.",
                db.writer_region
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::global_database::declarations::sample_db;
    use crate::resources::global_database::GivenPassword;

    fn support(serverless_v2: rds::Serverless) -> Option<rds::EngineSupport> {
        Some(rds::EngineSupport {
            global_databases: true,
            serverless_v2,
        })
    }

    fn error_paths(diags: &Diagnostics) -> Vec<Option<crate::framework::Path>> {
        diags.errors().map(|d| d.path.clone()).collect()
    }

    #[test]
    fn an_engine_version_rds_does_not_offer_is_an_error_at_engine_version() {
        let mut diags = Diagnostics::default();
        judge_engine(&sample_db(), None, &mut diags);
        assert_eq!(error_paths(&diags), vec![Some(ENGINE_VERSION.path())]);
    }

    #[test]
    fn capacities_outside_the_versions_limits_are_errors_at_each_capacity() {
        let db = Db {
            min_capacity: 0.0,
            max_capacity: 256.0,
            ..sample_db()
        };
        let mut diags = Diagnostics::default();
        judge_engine(
            &db,
            support(rds::Serverless::Limits(0.5, 128.0)),
            &mut diags,
        );
        let sp = SERVERLESS_V2.path();
        assert_eq!(
            error_paths(&diags),
            vec![Some(MIN_CAPACITY.under(&sp)), Some(MAX_CAPACITY.under(&sp))]
        );
    }

    #[test]
    fn capacity_limits_rds_does_not_report_are_a_warning_not_an_error() {
        let mut diags = Diagnostics::default();
        judge_engine(&sample_db(), support(rds::Serverless::Offered), &mut diags);
        assert!(!diags.has_errors());
        assert_eq!(diags.0.len(), 1);
        let mut diags = Diagnostics::default();
        judge_engine(&sample_db(), support(rds::Serverless::No), &mut diags);
        assert_eq!(error_paths(&diags), vec![Some(ENGINE_VERSION.path())]);
    }

    #[test]
    fn a_major_upgrade_is_refused_only_with_an_rpo() {
        let prior = sample_db();
        let with_rpo = |version: &str| Db {
            engine_version: version.into(),
            max_rpo_seconds: Some(20),
            ..sample_db()
        };
        let mut diags = Diagnostics::default();
        assert!(refuse_major_upgrade_with_rpo(
            &prior,
            &with_rpo("16.4"),
            &mut diags
        ));
        assert_eq!(error_paths(&diags), vec![Some(ENGINE_VERSION.path())]);
        let mut diags = Diagnostics::default();
        assert!(!refuse_major_upgrade_with_rpo(
            &prior,
            &with_rpo("15.12"),
            &mut diags
        ));
        let without_rpo = Db {
            engine_version: "16.4".into(),
            ..sample_db()
        };
        assert!(!refuse_major_upgrade_with_rpo(
            &prior,
            &without_rpo,
            &mut diags
        ));
        assert!(!diags.has_errors());
    }

    #[test]
    fn switching_between_the_secret_and_a_brought_password_is_refused() {
        let brought = Db {
            given_password: Some(GivenPassword {
                value: None,
                version: 1,
            }),
            ..sample_db()
        };
        let mut diags = Diagnostics::default();
        assert!(refuse_password_switch(&sample_db(), &brought, &mut diags));
        assert!(refuse_password_switch(&brought, &sample_db(), &mut diags));
        assert_eq!(
            error_paths(&diags),
            vec![Some(MASTER_PASSWORD_WO_VERSION.path()); 2]
        );
        let mut diags = Diagnostics::default();
        assert!(!refuse_password_switch(&brought, &brought, &mut diags));
        assert!(!refuse_password_switch(
            &sample_db(),
            &sample_db(),
            &mut diags
        ));
        assert!(!diags.has_errors());
    }
}
