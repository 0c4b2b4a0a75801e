//! What a destroy left behind: every kind of object trdr creates, looked for in every region the
//! caller names (and once for the global services), by the name every trdr object carries.
//!
//! The kinds are those `src/aws` creates: RDS global clusters, DB clusters, DB instances and
//! cluster parameter groups; Secrets Manager secrets and their replicas; Route 53 health checks
//! and record sets; S3 buckets; DynamoDB tables (a global table's replicas are tables in their
//! regions); Step Functions state machines; EventBridge Scheduler schedules and EventBridge
//! connections. CloudWatch alarms are looked for too: trdr makes none itself, but its watchers
//! publish the metrics alarms are put on, and one named for a test would be an orphan all the same.
//!
//! An object is the test's when its name carries the test's unique `environment_suffix` (every
//! physical name trdr derives contains it; a health check's caller reference is
//! `trdr:NAME:SUFFIX:REGION:` while it fits Route 53's 64 characters, which the tests' names do).
//! Every listing is followed to its last page (the account is shared, so ours may be on any page),
//! and any error fails the check: an answer that could not be read is never taken for "absent".
//! The only error taken for "gone" is a NotFound on an object the listing had just shown (another
//! test deleted it in between).

use std::collections::BTreeSet;
use std::fmt;

use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};

/// Where the global services (Route 53, the S3 bucket list) are asked.
const GLOBAL_HOME: &str = "us-east-1";

/// The region a global object is reported in.
pub const GLOBAL: &str = "global";

pub const GLOBAL_CLUSTER: &str = "RDS global cluster";
pub const DB_CLUSTER: &str = "RDS DB cluster";
pub const DB_INSTANCE: &str = "RDS DB instance";
pub const PARAMETER_GROUP: &str = "RDS DB cluster parameter group";
pub const SECRET: &str = "Secrets Manager secret";
pub const SECRET_REPLICA: &str = "Secrets Manager secret replica";
pub const HEALTH_CHECK: &str = "Route 53 health check";
pub const RECORD_SET: &str = "Route 53 record set";
pub const ALARM: &str = "CloudWatch alarm";
pub const BUCKET: &str = "S3 bucket";
pub const TABLE: &str = "DynamoDB table";
pub const STATE_MACHINE: &str = "Step Functions state machine";
pub const SCHEDULE: &str = "EventBridge Scheduler schedule";
pub const CONNECTION: &str = "EventBridge connection";

/// Every kind [`find`] looks for.
pub const KINDS: &[&str] = &[
    GLOBAL_CLUSTER,
    DB_CLUSTER,
    DB_INSTANCE,
    PARAMETER_GROUP,
    SECRET,
    SECRET_REPLICA,
    HEALTH_CHECK,
    RECORD_SET,
    ALARM,
    BUCKET,
    TABLE,
    STATE_MACHINE,
    SCHEDULE,
    CONNECTION,
];

/// One object left behind.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Leftover {
    pub kind: &'static str,
    /// The region it lives in, or [`GLOBAL`].
    pub region: String,
    pub id: String,
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.kind, self.id, self.region)
    }
}

/// A listing that failed: the check cannot say what is left.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{operation} in {region} failed: {message}")]
    Call {
        operation: &'static str,
        region: String,
        message: String,
    },
    #[error("an empty name to look for would match every object of the account")]
    EmptyMarker,
}

/// The account to look in: AWS as the environment configures it, or a sandbox endpoint (with
/// the sandbox's fixed credentials).
pub struct Account {
    endpoint: Option<String>,
    app: AppName,
}

impl Account {
    /// `app` is the SDK's app id, which marks these calls in the sandbox's call log as the
    /// caller's, not the provider's.
    pub fn new(endpoint: Option<String>, app: AppName) -> Self {
        Account { endpoint, app }
    }

    pub async fn config(&self, region: &str) -> SdkConfig {
        let mut l = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .app_name(self.app.clone());
        if let Some(url) = &self.endpoint {
            l = l
                .endpoint_url(url)
                .credentials_provider(aws_sdk_s3::config::Credentials::new(
                    "test", "test", None, None, "sandbox",
                ));
        }
        l.load().await
    }

    async fn s3(&self) -> aws_sdk_s3::Client {
        let c = self.config(GLOBAL_HOME).await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&c)
                .force_path_style(self.endpoint.is_some())
                .build(),
        )
    }
}

fn failed<E: std::error::Error>(operation: &'static str, region: &str) -> impl FnOnce(E) -> Error {
    let region = region.to_string();
    move |e| Error::Call {
        operation,
        region,
        message: DisplayErrorContext(&e).to_string(),
    }
}

/// The region of an ARN (`arn:aws:SERVICE:REGION:...`), where the listing's own region could be
/// wrong (RDS lists a global cluster from every region).
fn arn_region(arn: Option<&str>) -> Option<&str> {
    arn?.split(':').nth(3).filter(|r| !r.is_empty())
}

/// What carries `marker` in its name, of every kind, in `regions` and the global services, and
/// the record sets named one of `records` (names a configuration gave trdr in a zone of its own,
/// which need not carry the marker). Sorted by kind, region and id.
pub async fn find(
    account: &Account,
    marker: &str,
    regions: &[&str],
    records: &[&str],
) -> Result<Vec<Leftover>, Error> {
    if marker.is_empty() {
        return Err(Error::EmptyMarker);
    }
    let mut regions: Vec<&str> = regions.to_vec();
    regions.sort_unstable();
    regions.dedup();
    let mut found = Found {
        marker,
        items: BTreeSet::new(),
    };
    buckets(account, &mut found).await?;
    health_checks(account, &mut found).await?;
    record_sets(account, records, &mut found).await?;
    for region in regions {
        let conf = account.config(region).await;
        rds(&conf, region, &mut found).await?;
        secrets(&conf, region, &mut found).await?;
        tables(&conf, region, &mut found).await?;
        state_machines(&conf, region, &mut found).await?;
        schedules(&conf, region, &mut found).await?;
        connections(&conf, region, &mut found).await?;
        alarms(&conf, region, &mut found).await?;
    }
    Ok(found.items.into_iter().collect())
}

/// The leftovers so far, and what marks an object as the caller's.
struct Found<'a> {
    marker: &'a str,
    items: BTreeSet<Leftover>,
}

impl Found<'_> {
    fn ours(&self, name: &str) -> bool {
        name.contains(self.marker)
    }

    /// Records `id` when it carries the marker.
    fn check(&mut self, kind: &'static str, region: &str, id: &str) {
        if self.ours(id) {
            self.add(kind, region, id.to_string());
        }
    }

    fn add(&mut self, kind: &'static str, region: &str, id: String) {
        self.items.insert(Leftover {
            kind,
            region: region.to_string(),
            id,
        });
    }
}

async fn buckets(account: &Account, found: &mut Found<'_>) -> Result<(), Error> {
    let pages = account
        .s3()
        .await
        .list_buckets()
        .max_buckets(1000)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListBuckets", GLOBAL_HOME))?;
    for b in pages.iter().flat_map(|p| p.buckets()) {
        let name = b.name().unwrap_or_default();
        found.check(BUCKET, b.bucket_region().unwrap_or(GLOBAL), name);
    }
    Ok(())
}

async fn health_checks(account: &Account, found: &mut Found<'_>) -> Result<(), Error> {
    let c = aws_sdk_route53::Client::new(&account.config(GLOBAL_HOME).await);
    let pages = c
        .list_health_checks()
        .max_items(1000)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListHealthChecks", GLOBAL_HOME))?;
    for h in pages.iter().flat_map(|p| p.health_checks()) {
        if found.ours(h.caller_reference()) {
            found.add(
                HEALTH_CHECK,
                GLOBAL,
                format!("{} (caller reference {})", h.id(), h.caller_reference()),
            );
        }
    }
    Ok(())
}

/// Record sets named for the test or one of `records`, in every hosted zone of the account,
/// except a zone's own SOA and NS records (a zone is the caller's, not trdr's).
async fn record_sets(
    account: &Account,
    records: &[&str],
    found: &mut Found<'_>,
) -> Result<(), Error> {
    let named = |name: &str| {
        records
            .iter()
            .any(|r| r.trim_end_matches('.') == name.trim_end_matches('.'))
    };
    use aws_sdk_route53::types::RrType;
    let c = aws_sdk_route53::Client::new(&account.config(GLOBAL_HOME).await);
    let zones = c
        .list_hosted_zones()
        .max_items(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListHostedZones", GLOBAL_HOME))?;
    for zone in zones.iter().flat_map(|p| p.hosted_zones()) {
        let mut next: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut req = c
                .list_resource_record_sets()
                .hosted_zone_id(zone.id())
                .max_items(300);
            if let Some((name, kind, set_id)) = next.take() {
                req = req
                    .start_record_name(name)
                    .start_record_type(kind)
                    .set_start_record_identifier(set_id);
            }
            let out = match req.send().await {
                Ok(out) => out,
                // Another test deleted the zone since it was listed: nothing of ours is in it.
                Err(e) if e.code() == Some("NoSuchHostedZone") => break,
                Err(e) => return Err(failed("ListResourceRecordSets", GLOBAL_HOME)(e)),
            };
            for r in out.resource_record_sets() {
                let apex = r.name().trim_end_matches('.') == zone.name().trim_end_matches('.');
                if apex && matches!(r.r#type(), RrType::Soa | RrType::Ns) {
                    continue;
                }
                if found.ours(r.name()) || named(r.name()) {
                    found.add(
                        RECORD_SET,
                        GLOBAL,
                        format!(
                            "{} {} {} in zone {}",
                            r.name(),
                            r.r#type().as_str(),
                            r.set_identifier().unwrap_or("-"),
                            zone.id().trim_start_matches("/hostedzone/")
                        ),
                    );
                }
            }
            match (
                out.is_truncated(),
                out.next_record_name(),
                out.next_record_type(),
            ) {
                (true, Some(name), Some(kind)) => {
                    next = Some((
                        name.to_string(),
                        kind.clone(),
                        out.next_record_identifier().map(str::to_string),
                    ))
                }
                _ => break,
            }
        }
    }
    Ok(())
}

async fn rds(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let c = aws_sdk_rds::Client::new(conf);
    let globals = c
        .describe_global_clusters()
        .max_records(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("DescribeGlobalClusters", region))?;
    for g in globals.iter().flat_map(|p| p.global_clusters()) {
        // A global cluster belongs to no region (its ARN names none) and every region lists
        // it: reported once.
        found.check(
            GLOBAL_CLUSTER,
            GLOBAL,
            g.global_cluster_identifier().unwrap_or_default(),
        );
    }
    let clusters = c
        .describe_db_clusters()
        .max_records(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("DescribeDBClusters", region))?;
    for cl in clusters.iter().flat_map(|p| p.db_clusters()) {
        let home = arn_region(cl.db_cluster_arn()).unwrap_or(region);
        found.check(
            DB_CLUSTER,
            home,
            cl.db_cluster_identifier().unwrap_or_default(),
        );
    }
    let instances = c
        .describe_db_instances()
        .max_records(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("DescribeDBInstances", region))?;
    for i in instances.iter().flat_map(|p| p.db_instances()) {
        let home = arn_region(i.db_instance_arn()).unwrap_or(region);
        found.check(
            DB_INSTANCE,
            home,
            i.db_instance_identifier().unwrap_or_default(),
        );
    }
    let groups = c
        .describe_db_cluster_parameter_groups()
        .max_records(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("DescribeDBClusterParameterGroups", region))?;
    for g in groups.iter().flat_map(|p| p.db_cluster_parameter_groups()) {
        let home = arn_region(g.db_cluster_parameter_group_arn()).unwrap_or(region);
        let name = g.db_cluster_parameter_group_name().unwrap_or_default();
        found.check(PARAMETER_GROUP, home, name);
    }
    Ok(())
}

/// Secrets, those scheduled for deletion included (trdr deletes its secret at once, so one
/// waiting out a recovery window was not destroyed as it should be), and their replicas: a
/// replica is listed in its own region with another `PrimaryRegion`, and named by its primary.
async fn secrets(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let c = aws_sdk_secretsmanager::Client::new(conf);
    let pages = c
        .list_secrets()
        .include_planned_deletion(true)
        .max_results(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListSecrets", region))?;
    for s in pages.iter().flat_map(|p| p.secret_list()) {
        let name = s.name().unwrap_or_default();
        if !found.ours(name) {
            continue;
        }
        let primary = s.primary_region().unwrap_or(region);
        if primary != region {
            found.add(SECRET_REPLICA, region, name.to_string());
            continue;
        }
        let shown = match s.deleted_date() {
            Some(_) => format!("{name} (scheduled for deletion)"),
            None => name.to_string(),
        };
        found.add(SECRET, region, shown);
        let described = match c.describe_secret().secret_id(name).send().await {
            Ok(d) => d,
            // Deleted since it was listed.
            Err(e) if e.code() == Some("ResourceNotFoundException") => continue,
            Err(e) => return Err(failed("DescribeSecret", region)(e)),
        };
        for replica in described.replication_status() {
            if let Some(r) = replica.region() {
                found.add(SECRET_REPLICA, r, name.to_string());
            }
        }
    }
    Ok(())
}

async fn tables(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let pages = aws_sdk_dynamodb::Client::new(conf)
        .list_tables()
        .limit(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListTables", region))?;
    for name in pages.iter().flat_map(|p| p.table_names()) {
        found.check(TABLE, region, name);
    }
    Ok(())
}

async fn state_machines(
    conf: &SdkConfig,
    region: &str,
    found: &mut Found<'_>,
) -> Result<(), Error> {
    let pages = aws_sdk_sfn::Client::new(conf)
        .list_state_machines()
        .max_results(1000)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListStateMachines", region))?;
    for m in pages.iter().flat_map(|p| p.state_machines()) {
        found.check(STATE_MACHINE, region, m.name());
    }
    Ok(())
}

/// Schedules of every group (trdr's are in `default`).
async fn schedules(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let pages = aws_sdk_scheduler::Client::new(conf)
        .list_schedules()
        .max_results(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("ListSchedules", region))?;
    for s in pages.iter().flat_map(|p| p.schedules()) {
        let name = s.name().unwrap_or_default();
        if found.ours(name) {
            let group = s.group_name().unwrap_or("default");
            found.add(SCHEDULE, region, format!("{group}/{name}"));
        }
    }
    Ok(())
}

/// Connections, page by page (the SDK has no paginator for `ListConnections`).
async fn connections(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let c = aws_sdk_eventbridge::Client::new(conf);
    let mut token: Option<String> = None;
    loop {
        let out = c
            .list_connections()
            .limit(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(failed("ListConnections", region))?;
        for conn in out.connections() {
            found.check(CONNECTION, region, conn.name().unwrap_or_default());
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(()),
        }
    }
}

async fn alarms(conf: &SdkConfig, region: &str, found: &mut Found<'_>) -> Result<(), Error> {
    let pages = aws_sdk_cloudwatch::Client::new(conf)
        .describe_alarms()
        .max_records(100)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(failed("DescribeAlarms", region))?;
    for p in &pages {
        let metric = p.metric_alarms().iter().filter_map(|a| a.alarm_name());
        let composite = p.composite_alarms().iter().filter_map(|a| a.alarm_name());
        for name in metric.chain(composite) {
            found.check(ALARM, region, name);
        }
    }
    Ok(())
}

/// The failure message naming each leftover, one a line; `None` when nothing is left.
pub fn report(marker: &str, regions: &[&str], left: &[Leftover]) -> Option<String> {
    if left.is_empty() {
        return None;
    }
    let lines: Vec<String> = left.iter().map(|l| format!("  {l}")).collect();
    Some(format!(
        "{} object(s) named for {marker:?} left behind (looked in {} and the global services):\n{}",
        left.len(),
        regions.join(", "),
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(marker: &str) -> Found<'_> {
        Found {
            marker,
            items: BTreeSet::new(),
        }
    }

    #[test]
    fn only_names_carrying_the_marker_are_ours() {
        let mut f = found("acc-1a2b3");
        f.check(TABLE, "us-east-1", "trdr-sessions-acc-1a2b3");
        f.check(TABLE, "us-east-1", "trdr-sessions-acc-9z9z9");
        f.check(BUCKET, GLOBAL, "trdr-config-us-east-1-acc-1a2b3");
        // Sorted by kind: "DynamoDB table" before "S3 bucket".
        let ids: Vec<_> = f.items.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            ["trdr-sessions-acc-1a2b3", "trdr-config-us-east-1-acc-1a2b3"]
        );
    }

    #[test]
    fn one_object_seen_from_two_regions_is_one_leftover() {
        let mut f = found("x1");
        f.check(GLOBAL_CLUSTER, "us-east-1", "trdr-global-x1");
        f.check(GLOBAL_CLUSTER, "us-east-1", "trdr-global-x1");
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn the_report_names_kind_region_and_id_of_each() {
        let left = vec![
            Leftover {
                kind: DB_INSTANCE,
                region: "us-east-2".into(),
                id: "trdr-us-east-2-x1-1".into(),
            },
            Leftover {
                kind: HEALTH_CHECK,
                region: GLOBAL.into(),
                id: "abc (caller reference trdr:trdr:x1:us-east-1:0a0b0c0d)".into(),
            },
        ];
        let text = report("x1", &["us-east-1", "us-east-2"], &left).unwrap();
        assert!(
            text.contains("RDS DB instance trdr-us-east-2-x1-1 (us-east-2)"),
            "{text}"
        );
        assert!(text.contains("Route 53 health check abc"), "{text}");
        assert!(text.starts_with("2 object(s)"), "{text}");
        assert_eq!(report("x1", &["us-east-1"], &[]), None);
    }

    #[test]
    fn arn_regions() {
        assert_eq!(
            arn_region(Some("arn:aws:rds:us-east-2:000000000000:cluster:c")),
            Some("us-east-2")
        );
        assert_eq!(
            arn_region(Some("arn:aws:rds::000000000000:global-cluster:g")),
            None
        );
        assert_eq!(arn_region(None), None);
    }

    #[tokio::test]
    async fn an_account_that_cannot_be_read_is_an_error_not_nothing_left() {
        // Nothing listens on port 9 of the loopback: every call fails to connect.
        let account = Account::new(
            Some("http://127.0.0.1:9".into()),
            AppName::new("trdr-leftovers-test").unwrap(),
        );
        match find(&account, "x1", &["us-east-1"], &[]).await {
            Err(Error::Call { operation, .. }) => assert_eq!(operation, "ListBuckets"),
            other => panic!("expected the first listing to fail, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_empty_marker_is_refused_before_any_call() {
        // No endpoint is listening on port 9: a call would fail with a connection error instead.
        let account = Account::new(
            Some("http://127.0.0.1:9".into()),
            AppName::new("trdr-leftovers-test").unwrap(),
        );
        assert!(matches!(
            find(&account, "", &["us-east-1"], &[]).await,
            Err(Error::EmptyMarker)
        ));
    }
}
