//! The global database's checks: a secondary to fail over to and in sync, engine versions equal,
//! instances in each secondary to serve after a promotion, and the replication lag against the
//! writer's RPO bound.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_rds::types::GlobalClusterMember;

use crate::aws::errors::AwsError;
use crate::aws::{cloudwatch, rds};
use crate::provider::Configured;

use super::report::{Checks, Status};

/// The database's checks; returns the writer's region (none when the database does not exist).
pub(super) async fn database_checks(
    cfg: &Configured,
    id: &str,
    checks: &mut Checks,
) -> Result<Option<String>, AwsError> {
    let primary = &cfg.config.primary_region;
    let Some(g) = rds::global(&cfg.region(primary).rds, id).await? else {
        checks.add(
            "global database exists",
            Status::Fail,
            format!("no global cluster {id} in {primary}"),
        );
        return Ok(None);
    };
    let members = g.global_cluster_members();
    members_synchronised(members, checks);
    let clusters = member_clusters(cfg, members, checks).await?;
    engine_versions(&clusters.versions, checks);
    if let Some(bound) = clusters.rpo_bound {
        for (region, cluster) in &clusters.secondaries {
            if let Err(e) = rpo_check(cfg, region, cluster, bound, checks).await {
                checks.unreadable(
                    &format!("replication lag within max_rpo_seconds ({region})"),
                    &e,
                );
            }
        }
    }
    Ok(rds::writer_region(&g))
}

/// Every secondary member is `connected`, and there is at least one.
fn members_synchronised(members: &[GlobalClusterMember], checks: &mut Checks) {
    let name = "members synchronised";
    let readers: Vec<_> = members
        .iter()
        .filter(|m| m.is_writer() != Some(true))
        .collect();
    if readers.is_empty() {
        let detail = "the global database has no secondary member to fail over to";
        checks.add(name, Status::Fail, detail);
        return;
    }
    let lagging: Vec<String> = readers
        .iter()
        .filter(|m| m.synchronization_status().map(|s| s.as_str()) != Some("connected"))
        .map(|m| {
            format!(
                "{} is {}",
                m.db_cluster_arn().unwrap_or_default(),
                crate::aws::errors::shown(m.synchronization_status().map(|s| s.as_str()))
            )
        })
        .collect();
    if lagging.is_empty() {
        let detail = format!("{} secondary member(s) connected", readers.len());
        checks.add(name, Status::Pass, detail);
    } else {
        checks.add(name, Status::Fail, lagging.join("; "));
    }
}

/// What the member clusters tell: each one's engine version, the writer's RPO bound (trdr's
/// parameter group on it), and each secondary's region and cluster.
#[derive(Default)]
struct MemberClusters {
    versions: Vec<String>,
    rpo_bound: Option<i64>,
    secondaries: Vec<(String, String)>,
}

/// Reads each member's cluster, checking on the way that each secondary has instances.
async fn member_clusters(
    cfg: &Configured,
    members: &[GlobalClusterMember],
    checks: &mut Checks,
) -> Result<MemberClusters, AwsError> {
    let mut out = MemberClusters::default();
    for m in members {
        let Some(arn) = m.db_cluster_arn() else {
            continue;
        };
        let (Some(region), Some(cluster)) = (rds::arn_region(arn), rds::arn_resource_id(arn))
        else {
            continue;
        };
        let c = &cfg.region(region).rds;
        let Some(cl) = rds::cluster(c, cluster).await? else {
            continue;
        };
        let version = cl.engine_version().unwrap_or("?");
        out.versions.push(format!("{region} {version}"));
        if m.is_writer() == Some(true) {
            if let Some(group) = cl
                .db_cluster_parameter_group()
                .filter(|g| *g == rds::rpo_group(cluster))
            {
                out.rpo_bound = rds::rpo_seconds(c, group).await?;
            }
        } else {
            out.secondaries
                .push((region.to_string(), cluster.to_string()));
            secondary_instances(c, region, cluster, checks).await?;
        }
    }
    Ok(out)
}

/// A secondary has an instance to serve once promoted; one being deleted will not.
async fn secondary_instances(
    c: &aws_sdk_rds::Client,
    region: &str,
    cluster: &str,
    checks: &mut Checks,
) -> Result<(), AwsError> {
    let count = rds::instances(c, cluster)
        .await?
        .iter()
        .filter(|i| i.db_instance_status() != Some("deleting"))
        .count();
    let detail = if count > 0 {
        format!("{cluster} has {count} instance(s)")
    } else {
        format!("{cluster} has no instances; promoted, it could not serve")
    };
    checks.add(
        &format!("secondary has instances ({region})"),
        Status::pass_if(count > 0),
        detail,
    );
    Ok(())
}

/// Differing engine versions are a warning: a failover works, but the new writer runs another
/// version than the application was tested with.
fn engine_versions(versions: &[String], checks: &mut Checks) {
    let distinct: BTreeSet<&str> = versions
        .iter()
        .filter_map(|v| v.split(' ').nth(1))
        .collect();
    let status = if distinct.len() <= 1 {
        Status::Pass
    } else {
        Status::Warn
    };
    checks.add("engine versions equal", status, versions.join(", "));
}

/// What the metrics look back over for the RPO check.
const LAG_WINDOW: Duration = Duration::from_secs(10 * 60);

/// The secondary's replication lag over the last ten minutes against `max_rpo_seconds`:
/// `AuroraGlobalDBRPOLag` (Aurora PostgreSQL's RPO lag, in milliseconds), else
/// `AuroraGlobalDBReplicationLag`. No data is a warning, a lag above the bound a failure: a
/// failover then loses more than `max_rpo_seconds` of commits, and commits on the writer wait.
async fn rpo_check(
    cfg: &Configured,
    region: &str,
    cluster: &str,
    bound: i64,
    checks: &mut Checks,
) -> Result<(), AwsError> {
    let name = format!("replication lag within max_rpo_seconds ({region})");
    let cw = &cfg.region(region).cloudwatch;
    let mut seen = None;
    for metric in ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"] {
        let max = cloudwatch::recent_maximum(
            cw,
            cloudwatch::RDS_NAMESPACE,
            metric,
            ("DBClusterIdentifier", cluster),
            LAG_WINDOW,
        )
        .await?;
        if let Some(ms) = max {
            seen = Some((metric, ms));
            break;
        }
    }
    let (status, detail) = match seen {
        None => (
            Status::Warn,
            format!("no AuroraGlobalDBRPOLag or AuroraGlobalDBReplicationLag data for {cluster} in the last 10 minutes"),
        ),
        Some((metric, ms)) if ms / 1000.0 > bound as f64 => (
            Status::Fail,
            format!("{metric} of {cluster} reached {:.1} s, above max_rpo_seconds = {bound}: a failover now could lose more, and commits on the writer wait", ms / 1000.0),
        ),
        Some((metric, ms)) => (
            Status::Pass,
            format!("{metric} of {cluster} at most {:.1} s in the last 10 minutes (max_rpo_seconds = {bound})", ms / 1000.0),
        ),
    };
    checks.add(&name, status, detail);
    Ok(())
}
