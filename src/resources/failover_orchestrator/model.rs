//! The orchestrator's typed model, read from a planned or stored state and the provider's
//! regions, and what follows from it alone: each region's runbook and watcher specification, and
//! the worst-case recovery budget.

use std::collections::BTreeMap;

use super::runbook::watcher::{Approval, Mode, Modes, Policy, Probe, WatcherSpec};
use super::runbook::{self, Endpoint, RunbookSpec, Tuning};
use super::schema::*;
use crate::framework::{Attr, BlockAttr, Value};
use crate::naming::Naming;
use crate::provider::config::ProviderConfig;
use crate::resources::regional_stack::StackId;

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
    /// Whether the watchers act on their failover and failback decisions or only report them
    /// (`mode` in `automatic_failover` and `automatic_failback`).
    pub modes: Modes,
    /// The health check ids a state recorded, by region (empty on a create or an import): read
    /// by id instead of listing the account's health checks.
    pub health_check_ids: BTreeMap<String, String>,
    /// The optional blocks the configuration spelled out ([`crate::resources::spelled`]).
    pub spelled: String,
}

/// The `automatic_failover` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Automatic {
    pub policy: Policy,
    /// `Some` only when the configuration sets `paused`: otherwise the pause is the operators'.
    pub paused: Option<bool>,
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
            paused: PAUSED.get(a),
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

/// The `runbook` block's defaults.
impl Default for Tuning {
    fn default() -> Self {
        Tuning::from_block(&Value::Null)
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
            spelled: crate::resources::spelled::tag_value(v, SPELLED),
            rto_target: RTO_TARGET_SECONDS.get(v)?,
            automatic: Automatic::from_block(
                AUTOMATIC_FAILOVER.of(v),
                AUTOMATIC_FAILBACK.of(v),
                &EXECUTION_ROLE_ARN.get(v)?,
            ),
            modes: Modes {
                failover: Mode::parse(
                    &FAILOVER_MODE
                        .get(AUTOMATIC_FAILOVER.of(v))
                        .unwrap_or_default(),
                ),
                failback: Mode::parse(
                    &FAILBACK_MODE
                        .get(AUTOMATIC_FAILBACK.of(v))
                        .unwrap_or_default(),
                ),
            },
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
        let (mut policy, mut modes) = (a.policy, self.modes);
        if region != self.primary.region || policy.failback_window_seconds.is_none() {
            policy.failback_window_seconds = None;
            modes.failback = Mode::Act;
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
            modes,
            tuning: self.tuning,
            runbook_timeout_seconds: runbook["TimeoutSeconds"].as_u64().unwrap_or(3600),
        }
    }

    /// Seconds until a failed writer region is acted on: Route 53 declaring the endpoint
    /// unhealthy (`request_interval` × `failure_threshold`), or with `automatic_failover` the
    /// watcher's window at its worst (whole probe intervals plus one round at its slowest). In
    /// practice mode the same figure is when the `would-fail-over` notice reaches a person.
    pub fn detection_seconds(&self) -> f64 {
        match &self.automatic {
            Some(a) => a.policy.detection_seconds(&self.tuning),
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
            "{} s = detection {} s (health_check request_interval × failure_threshold, or automatic_failover's window plus one probe round) + runbook overhead ≤ {} s + DNS TTL {} s, before AWS's own promotion time (documented as minutes; see the failover guide)",
            self.total(), self.detection, self.overhead, self.ttl
        )
    }
}

#[cfg(test)]
mod declarations {
    use super::*;
    use crate::resources::config;
    use serde_json::json;

    #[test]
    fn the_models_defaults_are_the_schemas() {
        let provider = ProviderConfig::for_tests(3);
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
        let provider = ProviderConfig::for_tests(8);
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
                                    "approval_timeout_seconds": 900, "approval_on_timeout": "abandon",
                                    "mode": "practice"}],
            "automatic_failback": [{"healthy_window_seconds": 600, "mode": "act"}],
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
            ("automatic_failover[0].mode", Value::from("observe")),
            ("automatic_failback[0].mode", Value::from("dry-run")),
        ]);
        crate::framework::validate::assert_checks_report_their_paths(&schema().block, &valid, &bad);
    }

    /// `mode` in each block reaches the watchers: failover's in both regions, failback's only in
    /// the home region's (the only one that fails back).
    #[test]
    fn each_blocks_mode_reaches_its_watchers() {
        let provider = ProviderConfig::for_tests(3);
        let body = |failover: &str, failback: &str| {
            config(json!({
                "name": "trading", "environment_suffix": "dev",
                "global_database_id": "trading-global-dev",
                "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
                "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
                "primary_endpoint": {"fqdn": "a.example.com"},
                "secondary_endpoint": {"fqdn": "b.example.com"},
                "health_check": [{}], "runbook": [{}],
                "automatic_failover": [{"mode": failover}],
                "automatic_failback": [{"mode": failback}],
            }))
        };
        let model = |failover: &str, failback: &str| {
            let planned =
                crate::framework::plan::plan(&schema().block, None, &body(failover, failback))
                    .state;
            Orchestrator::from_value(&planned, &provider).expect("a valid configuration")
        };
        let o = model("practice", "act");
        assert_eq!(
            o.modes,
            Modes {
                failover: Mode::Practice,
                failback: Mode::Act
            }
        );
        let o = model("act", "practice");
        let a = o.automatic.clone().unwrap();
        let watcher = |region: &str| {
            o.watcher_spec(
                &a,
                region,
                "arn:aws:rds:r:0:cluster:c",
                "rb",
                "conn",
                &BTreeMap::new(),
            )
            .modes
        };
        assert_eq!(watcher("us-east-1").failback, Mode::Practice);
        assert_eq!(watcher("us-east-2").failback, Mode::Act);
        // The default is today's behaviour.
        let planned = crate::framework::plan::plan(
            &schema().block,
            None,
            &config(json!({
                "name": "trading", "environment_suffix": "dev",
                "global_database_id": "trading-global-dev",
                "execution_role_arn": "arn:aws:iam::123456789012:role/failover",
                "dns": {"zone_id": "Z0123456789ABCDEFGHIJ", "record_name": "api.example.com"},
                "primary_endpoint": {"fqdn": "a.example.com"},
                "secondary_endpoint": {"fqdn": "b.example.com"},
                "health_check": [{}], "runbook": [{}],
                "automatic_failover": [{}],
            })),
        )
        .state;
        let o = Orchestrator::from_value(&planned, &provider).unwrap();
        assert_eq!(o.modes, Modes::default());
        // With every default, detection is within the window plus 10 s.
        assert!(
            o.detection_seconds() <= 60.0 + 10.0,
            "{}",
            o.detection_seconds()
        );
    }
}
