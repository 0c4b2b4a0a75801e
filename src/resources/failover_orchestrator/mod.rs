//! `trdr_failover_orchestrator`: the failover runbook in both regions and the DNS it steers —
//! an HTTPS health check per endpoint, the `PRIMARY`/`SECONDARY` failover record pair, and one
//! Step Functions state machine per region.
//!
//! - `mod.rs`: schema, typed model, validation and plan (including the RTO budget);
//! - `runbook.rs`: the generated definition, its worst-case budget and structural checks;
//! - `apply.rs`: create / update / delete as ordered steps;
//! - `observe.rs`: read, drift and import.

mod apply;
mod observe;
pub mod runbook;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::framework::schema::{NestedBlock, Nesting};
use crate::framework::validate::{
    is_arn, is_iam_role_arn, number_in_range, string_matches, whole_number,
};
use crate::framework::{
    Attribute, Block, Diagnostics, Path, PlanOutcome, ResourceType, Schema, Type, Value,
};
use crate::naming::{self, Naming};
use crate::ownership;
use crate::provider::config::ProviderConfig;
use crate::provider::ProviderContext;
use crate::resources::regional_stack::StackId;
use crate::timeouts::{self, Operation};
use crate::waiter;
use runbook::{Endpoint, RunbookSpec, Tuning};

const DEFAULT_TIMEOUTS: [&str; 3] = ["20m", "20m", "20m"];
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
pub const DEFAULT_HEALTH_PATH: &str = "/health";

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
}

fn num(v: &Value, default: f64) -> f64 {
    v.as_f64().unwrap_or(default)
}

impl Orchestrator {
    pub fn from_value(v: &Value, cfg: &ProviderConfig) -> Option<Self> {
        let dns = v.get("dns");
        let hc = v.get("health_check").first_block();
        let rb = v.get("runbook").first_block();
        let d = Tuning::default();
        let endpoint = |key: &str, region: &str| -> Option<EndpointCfg> {
            let e = v.get(key);
            Some(EndpointCfg {
                region: region.to_string(),
                fqdn: e.get("fqdn").as_str()?.to_string(),
                health_path: e
                    .get("health_path")
                    .as_str()
                    .unwrap_or(DEFAULT_HEALTH_PATH)
                    .to_string(),
            })
        };
        Some(Orchestrator {
            naming: Naming::from_value(v)?,
            global_id: v.get("global_database_id").as_str()?.to_string(),
            role_arn: v.get("execution_role_arn").as_str()?.to_string(),
            topic_arn: v.get("notification_topic_arn").as_str().map(str::to_string),
            stack_ids: v
                .get("regional_stack_ids")
                .as_list()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().and_then(StackId::parse))
                        .collect()
                })
                .unwrap_or_default(),
            zone_id: dns.get("zone_id").as_str()?.to_string(),
            record_name: dns
                .get("record_name")
                .as_str()?
                .trim_end_matches('.')
                .to_string(),
            ttl: num(dns.get("ttl"), 60.0) as u32,
            primary: endpoint("primary_endpoint", &cfg.primary_region)?,
            secondary: endpoint("secondary_endpoint", &cfg.secondary_region)?,
            interval: num(hc.get("request_interval"), 30.0) as i32,
            threshold: num(hc.get("failure_threshold"), 3.0) as i32,
            tuning: Tuning {
                poll_interval_seconds: num(
                    rb.get("poll_interval_seconds"),
                    d.poll_interval_seconds as f64,
                ) as u32,
                promotion_timeout_seconds: num(
                    rb.get("promotion_timeout_seconds"),
                    d.promotion_timeout_seconds as f64,
                ) as u32,
                task_timeout_seconds: num(
                    rb.get("task_timeout_seconds"),
                    d.task_timeout_seconds as f64,
                ) as u32,
                task_retries: num(rb.get("task_retries"), d.task_retries as f64) as u32,
            },
            rto_target: num(v.get("rto_target_seconds"), 300.0),
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

    /// Seconds until Route 53 declares a failed endpoint unhealthy.
    pub fn detection_seconds(&self) -> f64 {
        (self.interval * self.threshold) as f64
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
            "{} s = detection {} s (health_check request_interval × failure_threshold) + runbook overhead ≤ {} s + DNS TTL {} s, before AWS's own promotion time (documented as minutes; see the failover guide)",
            self.total(), self.detection, self.overhead, self.ttl
        )
    }
}

fn endpoint_block(which: &str) -> Block {
    Block::new(&format!("The application endpoint in the {which} region (the provider's {which}_region)."))
        .attr(Attribute::required("fqdn", Type::String, "Host name of the endpoint, e.g. `abc123.execute-api.us-east-1.amazonaws.com`; the health check probes it over HTTPS and the failover record points at it."))
        .attr(Attribute::with_default("health_path", Type::String, DEFAULT_HEALTH_PATH, "Path the health check requests (default `/health`)."))
}

pub fn schema() -> Schema {
    let single = |name: &'static str, block: Block, replace: bool| NestedBlock {
        name,
        nesting: Nesting::Single,
        block,
        requires_replace: replace,
    };
    Schema {
        version: 0,
        block: Block::new("The failover runbook and the DNS it steers: an HTTPS health check per endpoint, the `PRIMARY`/`SECONDARY` failover record pair (on the database's writer region and the other), and a Step Functions state machine in each region that makes its own region the writer — so it runs while the other region is down. Input `{\"mode\": \"failover\" | \"switchover\" | \"drill\"}`.")
            .attr(Attribute::computed("id", Type::String, "`name:environment_suffix`, e.g. `trading:dev`; known at plan time. Use it to import.").stable())
            .attr(Attribute::required("name", Type::String, "Purpose of the platform, e.g. `trading`.").replace())
            .attr(Attribute::required("environment_suffix", Type::String, "Environment, e.g. `dev`.").replace())
            .attr(Attribute::required("global_database_id", Type::String, "Id of the `trdr_global_database` whose writer the runbook moves.").replace())
            .attr(Attribute::required("execution_role_arn", Type::String, "IAM role the state machines run as; it needs rds:DescribeGlobalClusters, rds:SwitchoverGlobalCluster, rds:FailoverGlobalCluster, route53:ChangeResourceRecordSets, route53:GetHealthCheckStatus, dynamodb:DescribeTable and sns:Publish."))
            .attr(Attribute::optional("notification_topic_arn", Type::String, "SNS topic for start, success and failure notices. Each region's runbook publishes to the topic of this name in its own region, so create it in both regions."))
            .attr(Attribute::optional("regional_stack_ids", Type::list_of_strings(), "Ids of the `trdr_regional_stack`s whose session tables a drill checks."))
            .attr(Attribute::with_default("rto_target_seconds", Type::Number, 300i64, "Recovery-time objective in seconds (default 300). Every run reports its measured recovery time against it and publishes an `rto-exceeded` notice when it was missed; a missed target never aborts a promotion. A plan warns when what trdr controls (`rto_budget_seconds`) already exceeds it."))
            .attr(Attribute::computed("state_machine_arns", Type::map_of_strings(), "Runbook state machine ARN by region.").stable())
            .attr(Attribute::computed("health_check_ids", Type::map_of_strings(), "Route 53 health check id by region.").stable())
            .attr(Attribute::computed("active_region", Type::String, "Region the `PRIMARY` record points at now. It follows the database's writer after a runbook run; that is not drift."))
            .attr(Attribute::computed("rto_budget_seconds", Type::Number, "The worst case of what trdr controls: detection (`request_interval` × `failure_threshold`), the runbook's own overhead (every Task timing out on every attempt, every retry pause at its cap, one poll interval after the promotion finished) and the DNS TTL. AWS's promotion itself comes on top; AWS documents it as taking minutes."))
            .attr(Attribute::computed("drift", Type::list_of_strings(), "Out-of-band changes no attribute can show, found by the last refresh: a runbook or health check deleted, a runbook edited, a record pointing elsewhere. A plan that empties this list repairs them. Changed settings (health check threshold, endpoints, DNS TTL) show in their own attributes instead, so `ignore_changes` can accept them; the one `health_check` block reports the region whose check departs from what the last apply set."))
            .block(single("dns", Block::new("The failover record pair.")
                .attr(Attribute::required("zone_id", Type::String, "Route 53 hosted zone id.").replace())
                .attr(Attribute::required("record_name", Type::String, "Record name, e.g. `api.trading.example.com`.").replace())
                .attr(Attribute::with_default("ttl", Type::Number, 60i64, "TTL of both records in seconds (default 60).")), false))
            .block(single("primary_endpoint", endpoint_block("primary"), false))
            .block(single("secondary_endpoint", endpoint_block("secondary"), false))
            .optional_block("health_check", Block::new("How Route 53 probes each endpoint.")
                .attr(Attribute::with_default("request_interval", Type::Number, 30i64, "Seconds between probes: 10 or 30 (default 30). A change replaces the health checks."))
                .attr(Attribute::with_default("failure_threshold", Type::Number, 3i64, "Consecutive failures before an endpoint is unhealthy, 1 to 10 (default 3); changed in place.")))
            .optional_block("runbook", Block::new("Bounds of the generated runbook; with the health check and DNS TTL they determine `rto_budget_seconds`.")
                .attr(Attribute::with_default("poll_interval_seconds", Type::Number, Tuning::default().poll_interval_seconds as i64, "Wait between polls of the promotion (1 to 30, default 5): the runbook notices a finished promotion at most this late."))
                .attr(Attribute::with_default("promotion_timeout_seconds", Type::Number, Tuning::default().promotion_timeout_seconds as i64, "How long the runbook waits for AWS to finish the promotion before reporting `PromotionTimedOut` (60 to 3600, default 900: AWS documents promotion as taking minutes). The execution timeout is derived from it."))
                .attr(Attribute::with_default("task_timeout_seconds", Type::Number, Tuning::default().task_timeout_seconds as i64, "Timeout of each AWS call (1 to 30, default 2)."))
                .attr(Attribute::with_default("task_retries", Type::Number, Tuning::default().task_retries as i64, "Retries of each AWS call, with backoff and jitter (1 to 5, default 1).")))
            .optional_block("timeouts", timeouts::block(DEFAULT_TIMEOUTS)),
    }
}

fn check(config: &Value, diags: &mut Diagnostics) {
    naming::check_name_part(
        diags,
        &Path::attr("name"),
        config.get("name"),
        naming::MAX_NAME_LEN,
    );
    naming::check_name_part(
        diags,
        &Path::attr("environment_suffix"),
        config.get("environment_suffix"),
        naming::MAX_SUFFIX_LEN,
    );
    crate::resources::global_database::check_id(
        diags,
        &Path::attr("global_database_id"),
        config.get("global_database_id"),
    );
    string_matches(
        diags,
        &Path::attr("execution_role_arn"),
        config.get("execution_role_arn"),
        "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        is_iam_role_arn,
    );
    string_matches(
        diags,
        &Path::attr("notification_topic_arn"),
        config.get("notification_topic_arn"),
        "an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
        |s| is_arn(s) && s.split(':').nth(2) == Some("sns"),
    );
    crate::resources::regional_stack::check_ids(
        diags,
        &Path::attr("regional_stack_ids"),
        config.get("regional_stack_ids"),
    );
    let dns = config.get("dns");
    string_matches(
        diags,
        &Path::attr("dns").then("zone_id"),
        dns.get("zone_id"),
        "a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
        |s| {
            let id = s.trim_start_matches("/hostedzone/");
            !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_alphanumeric())
        },
    );
    string_matches(
        diags,
        &Path::attr("dns").then("record_name"),
        dns.get("record_name"),
        "a DNS name",
        is_dns_name,
    );
    let ttl = dns.get("ttl");
    whole_number(diags, &Path::attr("dns").then("ttl"), ttl);
    number_in_range(diags, &Path::attr("dns").then("ttl"), ttl, 0.0, 172800.0);
    for which in ["primary_endpoint", "secondary_endpoint"] {
        let e = config.get(which);
        string_matches(
            diags,
            &Path::attr(which).then("fqdn"),
            e.get("fqdn"),
            "a host name",
            is_dns_name,
        );
        string_matches(
            diags,
            &Path::attr(which).then("health_path"),
            e.get("health_path"),
            "a path starting with /",
            |s| s.starts_with('/') && s.len() <= 255,
        );
    }
    let (p, s) = (
        config.get("primary_endpoint").get("fqdn").as_str(),
        config.get("secondary_endpoint").get("fqdn").as_str(),
    );
    if p.is_some() && p == s {
        diags.attr_error(
            &Path::attr("secondary_endpoint").then("fqdn"),
            "is the same as primary_endpoint.fqdn; failover needs an endpoint in each region.",
        );
    }
    let hc = config.get("health_check").first_block();
    let hp = Path::attr("health_check").index(0);
    if let Some(n) = hc.get("request_interval").as_f64() {
        if n != 10.0 && n != 30.0 {
            diags.attr_error(
                &hp.then("request_interval"),
                format!("{n} is not allowed: Route 53 probes every 10 or 30 seconds."),
            );
        }
    }
    whole_number(
        diags,
        &hp.then("failure_threshold"),
        hc.get("failure_threshold"),
    );
    number_in_range(
        diags,
        &hp.then("failure_threshold"),
        hc.get("failure_threshold"),
        1.0,
        10.0,
    );
    let rb = config.get("runbook").first_block();
    let rp = Path::attr("runbook").index(0);
    for (attr, min, max) in [
        ("poll_interval_seconds", 1.0, 30.0),
        ("promotion_timeout_seconds", 60.0, 3600.0),
        ("task_timeout_seconds", 1.0, 30.0),
        ("task_retries", 1.0, 5.0),
    ] {
        whole_number(diags, &rp.then(attr), rb.get(attr));
        number_in_range(diags, &rp.then(attr), rb.get(attr), min, max);
    }
    number_in_range(
        diags,
        &Path::attr("rto_target_seconds"),
        config.get("rto_target_seconds"),
        1.0,
        3600.0,
    );
    timeouts::validate(diags, config);
}

fn is_dns_name(s: &str) -> bool {
    let s = s.trim_end_matches('.');
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
        })
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
impl ResourceType for FailoverOrchestrator {
    fn name(&self) -> &'static str {
        "failover_orchestrator"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check(config, diags);
    }

    async fn plan(
        &self,
        out: &mut PlanOutcome,
        prior: Option<&Value>,
        config: &Value,
        diags: &mut Diagnostics,
    ) {
        check(config, diags);
        let Some(cfg) = self.ctx.get() else { return };
        if diags.has_errors() {
            return;
        }
        let planned = &mut out.state;
        let Some(o) = Orchestrator::from_value(planned, &cfg.config) else {
            planned.set("rto_budget_seconds", Value::Unknown);
            return;
        };
        if !planned.get("regional_stack_ids").is_wholly_known() {
            planned.set("rto_budget_seconds", Value::Unknown);
        } else {
            let budget = o.budget();
            planned.set("rto_budget_seconds", budget.total());
            // A warning, not an error: refusing to deploy a runbook because a target is out of
            // reach would leave the topology with none.
            if budget.total() > o.rto_target {
                diags.warning(
                    Some(Path::attr("rto_target_seconds")),
                    "RTO target below what trdr controls",
                    format!(
                        "What trdr controls can take up to {}, above rto_target_seconds = {}. Runs will report the target as missed. Lower health_check, dns.ttl or the runbook block's task_timeout_seconds / task_retries / poll_interval_seconds, or raise rto_target_seconds.",
                        budget.explain(), o.rto_target
                    ),
                );
            }
        }
        planned.set("id", o.id());
        planned.set("drift", Value::List(Vec::new()));
        match prior {
            None => {
                planned.set("state_machine_arns", Value::Unknown);
                planned.set("health_check_ids", Value::Unknown);
                planned.set("active_region", Value::Unknown);
            }
            Some(prior) => {
                // A new interval means new health checks.
                let interval = |v: &Value| {
                    v.get("health_check")
                        .first_block()
                        .get("request_interval")
                        .clone()
                };
                if interval(prior) != interval(planned) {
                    planned.set("health_check_ids", Value::Unknown);
                }
                // DNS follows the database's writer: it moves only when a repair re-points it. A
                // repair may also recreate a runbook or a health check, whose ARN or id is then new.
                let repairs = prior.get("drift").as_list().is_some_and(|d| !d.is_empty());
                if repairs {
                    planned.set("active_region", Value::Unknown);
                    planned.set("state_machine_arns", Value::Unknown);
                    planned.set("health_check_ids", Value::Unknown);
                } else {
                    planned.set("active_region", prior.get("active_region").clone());
                }
            }
        }
    }

    async fn create(&self, planned: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let o = Orchestrator::from_value(planned, &cfg.config)?;
        let timeout = timeouts::get(planned, Operation::Create, DEFAULT_TIMEOUT);
        let marker = match apply::anchor(&cfg, &o).await {
            Err(e) => {
                e.report(
                    diags,
                    None,
                    &format!("read failover orchestrator {}", o.id()),
                );
                return None;
            }
            Ok(anchor) => match ownership::claim(&anchor) {
                Ok(m) => {
                    ownership::note_resumed(
                        diags,
                        &anchor,
                        &format!("failover orchestrator {}", o.id()),
                    );
                    m
                }
                Err(owner) => {
                    let what = format!(
                        "runbook state machine {} in {}",
                        o.naming.state_machine(&o.primary.region),
                        o.primary.region
                    );
                    let (title, id) = (format!("Failover orchestrator {}", o.id()), o.id());
                    ownership::refuse(diags, &title, &id, &what, owner, "environment_suffix");
                    return None;
                }
            },
        };
        waiter::with_deadline(
            timeout,
            apply::converge(&cfg, &o, Some(&marker), timeout, diags),
        )
        .await;
        self.finish(&cfg, &o, planned, diags).await
    }

    async fn read(&self, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let o = Orchestrator::from_value(state, &cfg.config)?;
        match observe::observe(&cfg, &o, state).await {
            Ok(v) => v,
            Err(e) => {
                e.report(
                    diags,
                    None,
                    &format!("read failover orchestrator {}", o.id()),
                );
                None
            }
        }
    }

    async fn update(
        &self,
        _prior: &Value,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let o = Orchestrator::from_value(planned, &cfg.config)?;
        let timeout = timeouts::get(planned, Operation::Update, DEFAULT_TIMEOUT);
        waiter::with_deadline(timeout, apply::converge(&cfg, &o, None, timeout, diags)).await;
        self.finish(&cfg, &o, planned, diags).await
    }

    async fn delete(&self, prior: &Value, diags: &mut Diagnostics) {
        let Some(cfg) = self.ctx.require(diags) else {
            return;
        };
        let Some(o) = Orchestrator::from_value(prior, &cfg.config) else {
            return;
        };
        let timeout = timeouts::get(prior, Operation::Delete, DEFAULT_TIMEOUT);
        waiter::with_deadline(timeout, apply::destroy(&cfg, &o, diags)).await;
    }

    async fn import(&self, id: &str, diags: &mut Diagnostics) -> Option<Value> {
        let cfg = self.ctx.require(diags)?;
        let missing =
            format!("No runbook state machines for {id:?} (name:environment_suffix) were found.");
        crate::aws::errors::imported(
            observe::discover(&cfg, id).await,
            diags,
            &format!("failover orchestrator {id}"),
            missing,
        )
    }
}

impl FailoverOrchestrator {
    async fn finish(
        &self,
        cfg: &crate::provider::Configured,
        o: &Orchestrator,
        planned: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let seen = observe::observe(cfg, o, planned).await;
        if let Ok(Some(v)) = &seen {
            let drift: Vec<&str> = v
                .get("drift")
                .as_list()
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if !diags.has_errors() && !drift.is_empty() {
                diags.error(
                    None,
                    format!("Orchestrator {} did not converge", o.id()),
                    drift.join("\n"),
                );
            }
        }
        let state = crate::aws::errors::read_back(
            seen,
            diags,
            &format!("failover orchestrator {}", o.id()),
            planned,
        );
        // Last, so a crash before it leaves a create the next apply continues.
        if !diags.has_errors() {
            if let Err(e) = apply::mark_complete(cfg, o).await {
                ownership::unmarked_warning(diags, &o.id(), &e);
            }
        }
        state
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
    /// Region → whether the runbook exists.
    pub runbooks: Vec<(String, bool)>,
    /// Worst-case budget of the deployed runbooks and the target they were deployed with.
    pub budget: Option<(f64, f64)>,
}

pub async fn inspect(
    cfg: &crate::provider::Configured,
    id: &str,
) -> Result<Deployment, crate::aws::errors::AwsError> {
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
    };
    for region in &regions {
        let hcs =
            route53::health_checks_with_prefix(r53, &naming.health_check_prefix(region)).await?;
        d.health_checks.push((region.clone(), !hcs.is_empty()));
        let c = &cfg.region(region).sfn;
        let arn = sfn::find(c, &naming.state_machine(region)).await?;
        d.runbooks.push((region.clone(), arn.is_some()));
        if let Some(arn) = arn {
            let tags = sfn::tags(c, &arn).await?;
            let target = tags
                .get("TrdrRtoTarget")
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(300.0);
            let fixed = tags
                .get("TrdrRto")
                .map(|t| tag_fields(t).values().sum::<f64>())
                .unwrap_or(0.0);
            if let Some(deployed) = sfn::describe(c, &arn).await? {
                let def: serde_json::Value =
                    serde_json::from_str(&deployed.definition).unwrap_or_default();
                let b = fixed + runbook::overhead_seconds(&def);
                d.budget = Some(
                    d.budget
                        .map_or((b, target), |(x, t): (f64, f64)| (x.max(b), t)),
                );
            }
        }
    }
    Ok(d)
}
