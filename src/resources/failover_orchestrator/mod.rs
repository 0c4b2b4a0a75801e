//! `trdr_failover_orchestrator`: the failover runbook in both regions and the DNS it steers —
//! an HTTPS health check per endpoint, the `PRIMARY`/`SECONDARY` failover record pair, and one
//! Step Functions state machine per region.
//!
//! - `mod.rs`: typed model and plan (including the RTO budget), the composite lifecycle;
//! - `schema.rs`: each attribute declared once, the schema, the checks across attributes;
//! - `runbook/`: the generated definition, and (`analysis.rs`) its worst-case budget and
//!   structural checks;
//! - `apply.rs`: create / update / delete as ordered steps;
//! - `observe.rs`: read, drift and import.

mod apply;
mod observe;
pub mod runbook;
mod schema;

pub use schema::schema;
use schema::*;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::aws::errors::AwsError;
use crate::aws::sfn;
use crate::framework::PlanCall;
use crate::framework::{Attr, BlockAttr, Diagnostics, IdentityField, Schema, Value};
use crate::naming::{Naming, ENVIRONMENT_SUFFIX};
use crate::ownership::{Anchor, Marker};
use crate::provider::config::ProviderConfig;
use crate::provider::{Configured, ProviderContext};
use crate::resources::composite::Composite;
use crate::resources::list::{self, Filter};
use crate::resources::regional_stack::StackId;
use crate::timeouts::Operation;
use runbook::watcher::{Approval, Policy, Probe, WatcherSpec};
use runbook::{Endpoint, RunbookSpec, Tuning};

const DEFAULT_TIMEOUTS: [&str; 3] = ["20m", "20m", "20m"];
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);

#[derive(Clone, Debug, PartialEq)]
pub struct EndpointCfg {
    pub region: String,
    pub fqdn: String,
    pub health_path: String,
}

/// The typed model, from a planned or stored state and the provider's regions.
#[derive(Clone, Debug, PartialEq)]
pub struct Orchestrator {
    pub naming: Naming,
    pub global_id: String,
    pub role_arn: String,
    pub topic_arn: Option<String>,
    pub stack_ids: Vec<StackId>,
    pub zone_id: String,
    pub record_name: String,
    pub ttl: u32,
    pub primary: EndpointCfg,
    pub secondary: EndpointCfg,
    pub interval: i32,
    pub threshold: i32,
    pub tuning: Tuning,
    pub rto_target: f64,
    /// `automatic_failover`, when the block is set.
    pub automatic: Option<Automatic>,
    /// The health check ids a state recorded, by region (empty on a create or an import): read
    /// by id instead of listing the account's health checks.
    pub health_check_ids: std::collections::BTreeMap<String, String>,
}

/// The `automatic_failover` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Automatic {
    pub policy: Policy,
    pub paused: bool,
    pub schedule_role_arn: String,
}

impl Automatic {
    fn from_block(a: &Value, failback: &Value, execution_role: &str) -> Option<Self> {
        if a.is_null() {
            return None;
        }
        let get = |x: &Attr<i64>| x.get(a).unwrap_or_default().max(0) as u32;
        Some(Automatic {
            policy: Policy {
                probe_interval_seconds: get(&PROBE_INTERVAL_SECONDS),
                probe_timeout_seconds: get(&PROBE_TIMEOUT_SECONDS),
                failure_window_seconds: get(&FAILURE_WINDOW_SECONDS),
                approval: APPROVAL_TIMEOUT_SECONDS.get(a).map(|t| Approval {
                    timeout_seconds: t.max(0) as u32,
                    proceed_on_timeout: APPROVAL_ON_TIMEOUT.get(a).as_deref() != Some("abandon"),
                }),
                failback_window_seconds: (!failback.is_null()).then(|| {
                    HEALTHY_WINDOW_SECONDS
                        .get(failback)
                        .unwrap_or_default()
                        .max(0) as u32
                }),
            },
            paused: PAUSED.get(a).unwrap_or_default(),
            schedule_role_arn: SCHEDULE_ROLE_ARN
                .get(a)
                .unwrap_or_else(|| execution_role.to_string()),
        })
    }
}

impl Tuning {
    /// From the `runbook` block's object (null: every default).
    pub fn from_block(rb: &Value) -> Self {
        let get = |a: &Attr<i64>| a.get(rb).unwrap_or_default() as u32;
        Tuning {
            poll_interval_seconds: get(&POLL_INTERVAL_SECONDS),
            promotion_timeout_seconds: get(&PROMOTION_TIMEOUT_SECONDS),
            task_timeout_seconds: get(&TASK_TIMEOUT_SECONDS),
            task_retries: get(&TASK_RETRIES),
        }
    }
}

impl Orchestrator {
    pub fn from_value(v: &Value, cfg: &ProviderConfig) -> Option<Self> {
        let (dns, hc) = (DNS.of(v), HEALTH_CHECK.of(v));
        let endpoint = |block: &BlockAttr, region: &str| -> Option<EndpointCfg> {
            let e = block.of(v);
            Some(EndpointCfg {
                region: region.to_string(),
                fqdn: FQDN.get(e)?,
                health_path: HEALTH_PATH.get(e)?,
            })
        };
        Some(Orchestrator {
            naming: Naming::from_value(v)?,
            global_id: GLOBAL_DATABASE_ID.get(v)?,
            role_arn: EXECUTION_ROLE_ARN.get(v)?,
            topic_arn: NOTIFICATION_TOPIC_ARN.get(v),
            stack_ids: REGIONAL_STACK_IDS
                .get(v)
                .unwrap_or_default()
                .iter()
                .filter_map(|s| StackId::parse(s))
                .collect(),
            zone_id: ZONE_ID.get(dns)?,
            record_name: RECORD_NAME.get(dns)?.trim_end_matches('.').to_string(),
            ttl: TTL.get(dns)? as u32,
            primary: endpoint(&PRIMARY_ENDPOINT, &cfg.primary_region)?,
            secondary: endpoint(&SECONDARY_ENDPOINT, &cfg.secondary_region)?,
            interval: REQUEST_INTERVAL.get(hc)? as i32,
            threshold: FAILURE_THRESHOLD.get(hc)? as i32,
            tuning: Tuning::from_block(RUNBOOK.of(v)),
            rto_target: RTO_TARGET_SECONDS.get(v)?,
            automatic: Automatic::from_block(
                AUTOMATIC_FAILOVER.of(v),
                AUTOMATIC_FAILBACK.of(v),
                &EXECUTION_ROLE_ARN.get(v)?,
            ),
            health_check_ids: HEALTH_CHECK_IDS
                .raw(v)
                .as_map()
                .map(|m| {
                    m.iter()
                        .filter_map(|(r, id)| Some((r.clone(), id.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    pub fn id(&self) -> String {
        format!("{}:{}", self.naming.name, self.naming.suffix)
    }

    pub fn regions(&self) -> [&EndpointCfg; 2] {
        [&self.primary, &self.secondary]
    }

    pub fn other(&self, region: &str) -> &EndpointCfg {
        if self.primary.region == region {
            &self.secondary
        } else {
            &self.primary
        }
    }

    pub fn endpoint(&self, region: &str) -> &EndpointCfg {
        self.other(&self.other(region).region)
    }

    /// Caller-reference prefix of our health check for `region`.
    pub fn health_check_prefix(&self, region: &str) -> String {
        self.naming.health_check_prefix(region)
    }

    /// The topic of the same name in `region`: each runbook notifies in its own region, so it
    /// does not depend on the region that failed.
    pub fn topic_in(&self, region: &str) -> Option<String> {
        let arn = self.topic_arn.as_ref()?;
        let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() == 6 {
            parts[3] = region;
        }
        Some(parts.join(":"))
    }

    /// Session tables a drill checks.
    pub fn tables(&self) -> Vec<String> {
        let mut t: Vec<String> = self
            .stack_ids
            .iter()
            .map(|s| s.naming.session_table())
            .collect();
        t.sort();
        t.dedup();
        t
    }

    /// The runbook for `region`, once the ARNs and health check ids are known.
    pub fn spec(
        &self,
        region: &str,
        target_cluster_arn: &str,
        hc_own: &str,
        hc_other: &str,
    ) -> RunbookSpec {
        let (own, other) = (self.endpoint(region), self.other(region));
        RunbookSpec {
            name: format!("{}-{}", self.naming.name, self.naming.suffix),
            global_cluster_id: self.global_id.clone(),
            target_cluster_arn: target_cluster_arn.to_string(),
            own: Endpoint {
                region: own.region.clone(),
                fqdn: own.fqdn.clone(),
                health_check_id: hc_own.to_string(),
            },
            other: Endpoint {
                region: other.region.clone(),
                fqdn: other.fqdn.clone(),
                health_check_id: hc_other.to_string(),
            },
            zone_id: self.zone_id.trim_start_matches("/hostedzone/").to_string(),
            record_name: self.record_name.clone(),
            ttl: self.ttl,
            topic_arn: self.topic_in(region),
            tables: self.tables(),
            tuning: self.tuning,
            rto_target_seconds: self.rto_target,
        }
    }

    /// The watcher for `region`, once its runbook, connection, member and health checks exist.
    /// Failback is the primary (home) region's watcher's only.
    pub fn watcher_spec(
        &self,
        a: &Automatic,
        region: &str,
        own_member_arn: &str,
        runbook_arn: &str,
        connection_arn: &str,
        hcs: &BTreeMap<String, String>,
    ) -> WatcherSpec {
        let mut policy = a.policy;
        if region != self.primary.region {
            policy.failback_window_seconds = None;
        }
        let (own, other) = (self.endpoint(region), self.other(region));
        let probe = |e: &EndpointCfg| Probe {
            region: e.region.clone(),
            url: format!("https://{}{}", e.fqdn, e.health_path),
            health_check_id: hcs.get(&e.region).cloned().unwrap_or_default(),
        };
        let runbook = runbook::definition(&self.spec(region, own_member_arn, "hc", "hc"));
        WatcherSpec {
            name: format!("{}-{}", self.naming.name, self.naming.suffix),
            global_cluster_id: self.global_id.clone(),
            own_member_arn: own_member_arn.to_string(),
            own: probe(own),
            other: probe(other),
            runbook_arn: runbook_arn.to_string(),
            connection_arn: connection_arn.to_string(),
            topic_arn: self.topic_in(region),
            policy,
            tuning: self.tuning,
            runbook_timeout_seconds: runbook["TimeoutSeconds"].as_u64().unwrap_or(3600),
        }
    }

    /// Seconds until a failed writer region is acted on: Route 53 declaring the endpoint
    /// unhealthy (`request_interval` × `failure_threshold`), or with `automatic_failover` the
    /// watcher's window at its worst (every probe timing out).
    pub fn detection_seconds(&self) -> f64 {
        match &self.automatic {
            Some(a) => a.policy.detection_seconds(self.tuning.task_timeout_seconds),
            None => (self.interval * self.threshold) as f64,
        }
    }

    /// The runbook's own worst case over both regions; the ARNs and ids do not change it.
    pub fn overhead(&self) -> f64 {
        self.regions()
            .iter()
            .map(|e| {
                let d = runbook::definition(&self.spec(
                    &e.region,
                    "arn:aws:rds:r:0:cluster:c",
                    "hc",
                    "hc",
                ));
                runbook::overhead_seconds(&d)
            })
            .fold(0.0, f64::max)
    }

    /// The worst case of what trdr controls: detection, the runbook's overhead, the DNS TTL.
    pub fn budget(&self) -> Budget {
        Budget {
            detection: self.detection_seconds(),
            overhead: self.overhead(),
            ttl: self.ttl as f64,
        }
    }
}

/// What the docs and the default `rto_target_seconds` allow for AWS's own promotion of a global
/// database, which AWS documents as taking minutes (the realistic sandbox takes 300 s too).
pub const PROMOTION_ALLOWANCE_SECONDS: f64 = 300.0;

/// The parts of the recovery time that trdr controls. AWS's promotion comes on top: AWS documents
/// it as taking minutes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    pub detection: f64,
    pub overhead: f64,
    pub ttl: f64,
}

impl Budget {
    pub fn total(&self) -> f64 {
        self.detection + self.overhead + self.ttl
    }

    pub fn explain(&self) -> String {
        format!(
            "{} s = detection {} s (health_check request_interval × failure_threshold, or automatic_failover's window) + runbook overhead ≤ {} s + DNS TTL {} s, before AWS's own promotion time (documented as minutes; see the failover guide)",
            self.total(), self.detection, self.overhead, self.ttl
        )
    }
}

pub struct FailoverOrchestrator {
    ctx: Arc<ProviderContext>,
}

impl FailoverOrchestrator {
    pub fn new(ctx: Arc<ProviderContext>) -> Self {
        FailoverOrchestrator { ctx }
    }
}

#[async_trait]
impl Composite for FailoverOrchestrator {
    type Model = Orchestrator;
    const NAME: &'static str = "failover_orchestrator";
    const KIND: &'static str = "failover orchestrator";

    fn context(&self) -> &Arc<ProviderContext> {
        &self.ctx
    }

    const SCHEMA: fn() -> Schema = schema;
    const CHECK: fn(&Value, &mut Diagnostics) = schema::check;

    async fn plan(&self, call: PlanCall<'_>) {
        let PlanCall {
            out, prior, diags, ..
        } = call;
        let Some(cfg) = self.ctx.get() else { return };
        if diags.has_errors() {
            return;
        }
        let planned = &mut out.state;
        let Some(o) = Orchestrator::from_value(planned, &cfg.config) else {
            RTO_BUDGET_SECONDS.put(planned, Value::Unknown);
            return;
        };
        // Names AWS limits (Step Functions state machines 80 characters; EventBridge Scheduler
        // schedules and EventBridge connections 64): refused here, not halfway through an apply.
        for e in o.regions() {
            let mut names = vec![(
                o.naming.state_machine(&e.region),
                80,
                "Step Functions state machine",
            )];
            if o.automatic.is_some() {
                names.push((
                    o.naming.watcher(&e.region),
                    64,
                    "EventBridge Scheduler schedule",
                ));
                names.push((
                    o.naming.probe_connection(&e.region),
                    64,
                    "EventBridge connection",
                ));
            }
            for (n, max, what) in names {
                if n.len() > max {
                    diags.attr_error(
                        &ENVIRONMENT_SUFFIX.path(),
                        format!("the {what} {n} would be {} characters long; AWS allows {max}. Shorten name or environment_suffix.", n.len()),
                    );
                }
            }
        }
        if diags.has_errors() {
            return;
        }
        if !REGIONAL_STACK_IDS.raw(planned).is_wholly_known() {
            RTO_BUDGET_SECONDS.put(planned, Value::Unknown);
        } else {
            let budget = o.budget();
            RTO_BUDGET_SECONDS.put(planned, budget.total());
            // A warning, not an error: refusing to deploy a runbook because a target is out of
            // reach would leave the topology with none.
            if budget.total() > o.rto_target {
                diags.warning(
                    Some(RTO_TARGET_SECONDS.path()),
                    "RTO target below what trdr controls",
                    format!(
                        "What trdr controls can take up to {}, above rto_target_seconds = {}. Runs will report the target as missed. Lower health_check, dns.ttl or the runbook block's task_timeout_seconds / task_retries / poll_interval_seconds, or raise rto_target_seconds.",
                        budget.explain(), o.rto_target
                    ),
                );
            }
        }
        ID.put(planned, o.id());
        DRIFT.put(planned, Value::List(Vec::new()));
        match prior {
            None => {
                STATE_MACHINE_ARNS.put(planned, Value::Unknown);
                HEALTH_CHECK_IDS.put(planned, Value::Unknown);
                ACTIVE_REGION.put(planned, Value::Unknown);
                WATCHER_ARNS.put(planned, Value::Unknown);
            }
            Some(prior) => {
                // A new interval means new health checks.
                let interval = |v: &Value| REQUEST_INTERVAL.raw(HEALTH_CHECK.of(v)).clone();
                if interval(prior) != interval(planned) {
                    HEALTH_CHECK_IDS.put(planned, Value::Unknown);
                }
                // DNS follows the database's writer: it moves only when a repair re-points it. A
                // repair may also recreate a runbook or a health check, whose ARN or id is then new.
                let repairs = !DRIFT.get(prior).unwrap_or_default().is_empty();
                let watching = |v: &Value| !AUTOMATIC_FAILOVER.of(v).is_null();
                if repairs || watching(prior) != watching(planned) {
                    WATCHER_ARNS.put(planned, Value::Unknown);
                } else {
                    WATCHER_ARNS.put(planned, WATCHER_ARNS.raw(prior).clone());
                }
                if repairs {
                    ACTIVE_REGION.put(planned, Value::Unknown);
                    STATE_MACHINE_ARNS.put(planned, Value::Unknown);
                    HEALTH_CHECK_IDS.put(planned, Value::Unknown);
                } else {
                    ACTIVE_REGION.put(planned, ACTIVE_REGION.raw(prior).clone());
                }
            }
        }
    }

    fn model(cfg: &Configured, v: &Value) -> Option<Orchestrator> {
        Orchestrator::from_value(v, &cfg.config)
    }

    fn id(o: &Orchestrator) -> String {
        o.id()
    }

    fn default_timeout(_op: Operation) -> Duration {
        DEFAULT_TIMEOUT
    }

    fn anchor_name(o: &Orchestrator) -> String {
        format!(
            "runbook state machine {} in {}",
            o.naming.state_machine(&o.primary.region),
            o.primary.region
        )
    }

    async fn anchor(cfg: &Configured, o: &Orchestrator) -> Result<Anchor, AwsError> {
        apply::anchor(cfg, o).await
    }

    async fn mark_complete(cfg: &Configured, o: &Orchestrator) -> Result<(), AwsError> {
        apply::mark_complete(cfg, o).await
    }

    async fn converge(
        cfg: &Configured,
        o: &Orchestrator,
        prior: Option<&Orchestrator>,
        marker: Option<&Marker>,
        timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::converge(cfg, o, prior, marker, timeout, diags).await
    }

    async fn destroy(
        cfg: &Configured,
        o: &Orchestrator,
        _timeout: Duration,
        diags: &mut Diagnostics,
    ) {
        apply::destroy(cfg, o, diags).await
    }

    async fn observe(
        cfg: &Configured,
        o: &Orchestrator,
        base: &Value,
    ) -> Result<Option<Value>, AwsError> {
        observe::observe(cfg, o, base).await
    }

    fn unconverged(_o: &Orchestrator, state: &Value) -> Vec<String> {
        DRIFT.get(state).unwrap_or_default()
    }

    async fn discover(cfg: &Configured, id: &str) -> Result<Option<Value>, AwsError> {
        observe::discover(cfg, id).await
    }

    fn missing(id: &str) -> String {
        format!("No runbook state machines for {id:?} (name:environment_suffix) were found.")
    }

    const IDENTITY: &'static [IdentityField] = list::TOPOLOGY;

    const LIST_DESCRIPTION: &'static str = "Finds the failover orchestrators for `terraform query` (Terraform 1.14 and later): the runbooks named `NAME-failover-PRIMARY_REGION-SUFFIX` in the provider's primary region (`ListStateMachines`, page by page), each read as an import reads it. With `name` and `environment_suffix` both set, nothing is listed: that orchestrator is read directly. `-generate-config-out` writes a `resource` and an `import` block (by identity) for each.";

    fn identity_id(identity: &Value) -> Option<String> {
        let naming = list::naming_of(identity)?;
        Some(format!("{}:{}", naming.name, naming.suffix))
    }

    /// The runbooks named `NAME-failover-PRIMARY-SUFFIX` in the primary region (where an import
    /// reads an orchestrator): one listing, none when the filter names the topology.
    async fn candidates(cfg: &Configured, filter: &Filter, diags: &mut Diagnostics) -> Vec<Value> {
        if let Some(naming) = filter.named() {
            return vec![list::identity(&naming, None)];
        }
        let region = &cfg.config.primary_region;
        let middle = format!("-failover-{region}-");
        match sfn::names(&cfg.region(region).sfn).await {
            Ok(names) => names
                .iter()
                .filter_map(|n| {
                    let naming = list::parse(n, &middle)?;
                    filter.wants(&naming).then(|| list::identity(&naming, None))
                })
                .collect(),
            Err(e) => {
                e.warn(diags, &format!("list the state machines in {region}"));
                vec![]
            }
        }
    }
}

/// `key=value` pairs separated by spaces, as our tags carry them (Step Functions tag values allow
/// letters, digits, white space and `_ . : / = + - @` only).
pub fn tag_fields(tag: &str) -> BTreeMap<String, f64> {
    tag.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k.to_string(), v.parse().ok()?)))
        .collect()
}

/// What is deployed of orchestrator `name:environment_suffix`, for readiness checks.
pub struct Deployment {
    /// Region → whether our health check exists.
    pub health_checks: Vec<(String, bool)>,
    /// Region → the runbook's ARN, when it exists.
    pub runbooks: Vec<(String, Option<String>)>,
    /// Worst-case budget of the deployed runbooks and the target they were deployed with.
    pub budget: Option<(f64, f64)>,
    /// Region → the watcher as deployed (`automatic_failover`), `None` where there is none.
    pub watchers: Vec<(String, Option<Watching>)>,
}

/// A region's watcher as readiness sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Watching {
    /// Tagged `TrdrWatch = paused`.
    pub paused: bool,
    /// Its schedule exists and is enabled: shifts start every minute.
    pub scheduled: bool,
}

pub async fn inspect(
    cfg: &crate::provider::Configured,
    id: &str,
) -> Result<Deployment, crate::aws::errors::AwsError> {
    use crate::aws::errors::OptionalExt;
    use crate::aws::{route53, sfn};
    let (name, suffix) = id.split_once(':').unwrap_or((id, ""));
    let naming = Naming::new(name, suffix);
    let regions = [
        cfg.config.primary_region.clone(),
        cfg.config.secondary_region.clone(),
    ];
    let r53 = &cfg.region(&regions[0]).route53;
    let mut d = Deployment {
        health_checks: Vec::new(),
        runbooks: Vec::new(),
        budget: None,
        watchers: Vec::new(),
    };
    // Everything by the ARN or id it has, never by listing the account, where the account id is
    // known: a data source read on every plan must not cost more in a busy account.
    let account = cfg.account().await;
    let account = account.as_deref();
    for region in &regions {
        let rc = cfg.region(region);
        let c = &rc.sfn;
        let watcher = match sfn::address(c, account, &naming.watcher(region)).await? {
            None => None,
            Some(arn) => match sfn::tags(c, &arn).await.found()? {
                None => None,
                Some(tags) => {
                    let schedule =
                        crate::aws::scheduler::get(&rc.scheduler, &naming.watcher(region)).await?;
                    Some(Watching {
                        paused: tags.get(runbook::watcher::PAUSE_TAG).map(String::as_str)
                            == Some(runbook::watcher::PAUSED),
                        scheduled: schedule.is_some_and(|s| s.enabled),
                    })
                }
            },
        };
        d.watchers.push((region.clone(), watcher));
        let deployed = sfn::locate(c, account, &naming.state_machine(region)).await?;
        let definition: Option<serde_json::Value> = deployed
            .as_ref()
            .map(|dep| serde_json::from_str(&dep.definition).unwrap_or_default());
        // This region's health check is the one its runbook's PRIMARY record names.
        let prefix = naming.health_check_prefix(region);
        let named = definition.as_ref().and_then(|def| {
            runbook::dns_changes(def)
                .as_array()?
                .iter()
                .map(|c| &c["ResourceRecordSet"])
                .find(|r| r["Failover"] == "PRIMARY")?["HealthCheckId"]
                .as_str()
                .map(str::to_string)
        });
        let present = !route53::ours(r53, &prefix, named.as_deref())
            .await?
            .is_empty();
        d.health_checks.push((region.clone(), present));
        d.runbooks
            .push((region.clone(), deployed.as_ref().map(|dep| dep.arn.clone())));
        if let (Some(dep), Some(def)) = (&deployed, &definition) {
            let tags = sfn::tags(c, &dep.arn).await?;
            let target = tags
                .get("TrdrRtoTarget")
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(300.0);
            let fixed = tags
                .get("TrdrRto")
                .map(|t| tag_fields(t).values().sum::<f64>())
                .unwrap_or(0.0);
            let b = fixed + runbook::overhead_seconds(def);
            d.budget = Some(
                d.budget
                    .map_or((b, target), |(x, t): (f64, f64)| (x.max(b), t)),
            );
        }
    }
    Ok(d)
}

#[cfg(test)]
mod declarations {
    use super::*;
    use crate::resources::config;
    use serde_json::json;

    #[test]
    fn the_models_defaults_are_the_schemas() {
        let provider = ProviderConfig {
            primary_region: "us-east-1".into(),
            secondary_region: "us-east-2".into(),
            profile: None,
            endpoint_url: None,
            max_attempts: 3,
            api_budget_share: 0.5,
            default_tags: Default::default(),
            assume_role: None,
        };
        let config = config(json!({
            "name": "trading", "environment_suffix": "dev",
            "global_database_id": "trading-global-dev",
            "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
            "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
            "primary_endpoint": {"fqdn": "a.example.com"},
            "secondary_endpoint": {"fqdn": "b.example.com"},
            "health_check": [{}], "runbook": [{}],
        }));
        crate::resources::assert_model_defaults_are_the_schemas(&schema(), &config, |v| {
            Orchestrator::from_value(v, &provider)
        });
    }

    /// The default target is at least what a failover takes with every other setting at its
    /// default: trdr's worst case plus the promotion AWS documents as minutes. Otherwise every
    /// run on AWS would report `rto-exceeded`.
    #[test]
    fn the_default_rto_target_covers_a_failover_with_default_settings() {
        let provider = ProviderConfig {
            primary_region: "us-east-1".into(),
            secondary_region: "us-east-2".into(),
            profile: None,
            endpoint_url: None,
            max_attempts: 8,
            api_budget_share: 0.5,
            default_tags: Default::default(),
            assume_role: None,
        };
        let target = RTO_TARGET_SECONDS.default_value().unwrap();
        for extra in [
            json!({}),
            json!({"automatic_failover": [{}]}),
            json!({"automatic_failover": [{}], "automatic_failback": [{}]}),
        ] {
            let mut body = json!({
                "name": "trading", "environment_suffix": "dev",
                "global_database_id": "trading-global-dev",
                "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
                "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
                "primary_endpoint": {"fqdn": "a.example.com"},
                "secondary_endpoint": {"fqdn": "b.example.com"},
                "health_check": [{}], "runbook": [{}],
            });
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let planned =
                crate::framework::plan::plan(&schema().block, None, &config(body.clone())).state;
            let o = Orchestrator::from_value(&planned, &provider).expect("a valid configuration");
            let worst = o.budget().total() + PROMOTION_ALLOWANCE_SECONDS;
            assert!(
                worst <= target,
                "{extra}: {} + promotion {PROMOTION_ALLOWANCE_SECONDS} s = {worst} s > default rto_target_seconds {target}",
                o.budget().explain()
            );
        }
    }

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let (timeouts, mut bad) = crate::resources::timeouts_cases();
        let valid = config(json!({
            "name": "trading", "environment_suffix": "dev",
            "global_database_id": "trading-global-dev",
            "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
            "notification_topic_arn": "arn:aws:sns:us-east-1:123456789012:dr",
            "regional_stack_ids": ["trading:dev:us-east-1", "trading:dev:us-east-2"],
            "rto_target_seconds": 300,
            "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com", "ttl": 60},
            "primary_endpoint": {"fqdn": "a.example.com", "health_path": "/health"},
            "secondary_endpoint": {"fqdn": "b.example.com", "health_path": "/ready"},
            "health_check": [{"request_interval": 10, "failure_threshold": 3}],
            "runbook": [{"poll_interval_seconds": 5, "promotion_timeout_seconds": 900,
                         "task_timeout_seconds": 2, "task_retries": 1}],
            "automatic_failover": [{"probe_interval_seconds": 10, "probe_timeout_seconds": 5,
                                    "failure_window_seconds": 60, "paused": false,
                                    "schedule_role_arn": "arn:aws:iam::123456789012:role/scheduler",
                                    "approval_timeout_seconds": 900, "approval_on_timeout": "abandon"}],
            "automatic_failback": [{"healthy_window_seconds": 600}],
            "timeouts": timeouts,
        }));
        bad.extend([
            ("name", Value::from("")),
            ("environment_suffix", Value::from("Dev")),
            ("global_database_id", Value::from("trading-dev")),
            ("execution_role_arn", Value::from("failover")),
            (
                "notification_topic_arn",
                Value::from("arn:aws:sqs:us-east-1:123456789012:dr"),
            ),
            ("regional_stack_ids[1]", Value::from("trading-dev")),
            ("rto_target_seconds", Value::from(0i64)),
            ("dns.zone_id", Value::from("zone-1")),
            ("dns.record_name", Value::from("-api.example.com")),
            ("dns.ttl", Value::from(1.5)),
            ("primary_endpoint.fqdn", Value::from("a..example.com")),
            ("primary_endpoint.health_path", Value::from("health")),
            ("secondary_endpoint.fqdn", Value::from("b example.com")),
            ("secondary_endpoint.health_path", Value::from("ready")),
            ("health_check[0].request_interval", Value::from(20i64)),
            ("health_check[0].failure_threshold", Value::from(11i64)),
            ("runbook[0].poll_interval_seconds", Value::from(31i64)),
            ("runbook[0].promotion_timeout_seconds", Value::from(59i64)),
            ("runbook[0].task_timeout_seconds", Value::from(0i64)),
            ("runbook[0].task_retries", Value::from(1.5)),
            (
                "automatic_failover[0].probe_interval_seconds",
                Value::from(4i64),
            ),
            (
                "automatic_failover[0].probe_timeout_seconds",
                Value::from(31i64),
            ),
            (
                "automatic_failover[0].failure_window_seconds",
                Value::from(19i64),
            ),
            (
                "automatic_failover[0].schedule_role_arn",
                Value::from("scheduler"),
            ),
            (
                "automatic_failover[0].approval_timeout_seconds",
                Value::from(59i64),
            ),
            (
                "automatic_failover[0].approval_on_timeout",
                Value::from("wait"),
            ),
            (
                "automatic_failback[0].healthy_window_seconds",
                Value::from(3001i64),
            ),
        ]);
        crate::framework::validate::assert_checks_report_their_paths(&schema().block, &valid, &bad);
    }
}
