//! The realistic sandbox's control API (`tests/sandbox/realistic.py`): set a health check's
//! observed health, switch Route 53's control plane off for a zone, resolve a record as Route 53's
//! data plane would, shorten or lengthen a role's IAM propagation, count the rules that fired.
//! Only on the sandbox: against a real account (`TF_ACC=1`) these calls are skipped.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value as Json;

pub struct Sandbox {
    addr: String,
}

impl Sandbox {
    /// The sandbox behind `endpoint`, or `None` on a real account.
    pub fn at(endpoint: Option<&str>) -> Option<Self> {
        let url = endpoint?;
        Some(Sandbox {
            addr: url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Json>) -> (u16, Json) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(&self.addr).expect("sandbox reachable");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status = raw
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let payload = raw.split("\r\n\r\n").nth(1).unwrap_or("{}");
        (status, serde_json::from_str(payload).unwrap_or(Json::Null))
    }

    fn post(&self, path: &str, body: Json) {
        let (status, answer) = self.call("POST", path, Some(body));
        assert_eq!(status, 200, "{path}: {answer}");
    }

    /// Makes `health_checks` Route 53 health checks and `state_machines` state machines in each of
    /// `regions` that are not trdr's, as a busy account holds them.
    pub fn seed_foreign(&self, health_checks: u32, state_machines: u32, regions: &[&str]) {
        let (status, answer) = self.call(
            "POST",
            "/_trdr/seed",
            Some(serde_json::json!({
                "health_checks": health_checks, "state_machines": state_machines, "regions": regions,
            })),
        );
        assert_eq!(status, 200, "seed: {answer}");
        assert_eq!(
            answer["state_machines"],
            u64::from(state_machines) * regions.len() as u64,
            "{answer}"
        );
    }

    /// A region outage (`down`) or its end: every API call to `region` fails as during an AWS
    /// outage, and its endpoints fail every probe.
    pub fn region_outage(&self, region: &str, down: bool) {
        self.post(
            "/_trdr/region/outage",
            serde_json::json!({"region": region, "down": down}),
        );
    }

    /// The SHA-256 (hex) of the master password cluster `db_cluster_id` in `region` was last
    /// given, and how often it was set: RDS never answers a password, the sandbox keeps a digest.
    pub fn master_password_digest(
        &self,
        region: &str,
        db_cluster_id: &str,
    ) -> (Option<String>, u64) {
        let (status, answer) = self.call(
            "GET",
            &format!("/_trdr/rds/master-password?region={region}&db_cluster_id={db_cluster_id}"),
            None,
        );
        assert_eq!(status, 200, "{answer}");
        (
            answer["sha256"].as_str().map(str::to_string),
            answer["changes"].as_u64().unwrap_or_default(),
        )
    }

    /// How long an eventually consistent global table's write takes to reach the other replicas
    /// (real seconds; 1 by default, "typically within a second").
    pub fn replication_lag(&self, seconds: f64) {
        self.post(
            "/_trdr/dynamodb/replication-lag",
            serde_json::json!({"seconds": seconds}),
        );
    }

    /// Listings answer pages of at most `size` items (`None`: AWS's own sizes), so a caller
    /// that does not follow `Marker`, `LastEvaluatedTableName` or `nextToken` misses items.
    pub fn list_page(&self, size: Option<u32>) {
        self.post("/_trdr/list-page", serde_json::json!({ "size": size }));
    }

    /// Makes `service` (MiniStack's name: "monitoring", "rds", ...) in `region` answer with a body
    /// the SDK cannot parse, or (`on` false) answer normally again.
    pub fn unreadable(&self, service: &str, region: &str, on: bool) {
        self.post(
            "/_trdr/unreadable",
            serde_json::json!({"service": service, "region": region, "on": on}),
        );
    }

    /// Answers global cluster `global_cluster_id` without its optional `Endpoint`.
    pub fn omit_global_endpoint(&self, global_cluster_id: &str) {
        self.post(
            "/_trdr/omit-optional",
            serde_json::json!({"global_cluster_id": global_cluster_id}),
        );
    }

    /// Answers `DescribeDBEngineVersions` for `version` without `ServerlessV2FeaturesSupport`.
    pub fn omit_serverless_support(&self, version: &str) {
        self.post(
            "/_trdr/omit-optional",
            serde_json::json!({"engine_version": version}),
        );
    }

    /// Forces an application endpoint's health (`None`: as its region is).
    pub fn endpoint_health(&self, fqdn: &str, healthy: Option<bool>) {
        self.post(
            "/_trdr/endpoint",
            serde_json::json!({"fqdn": fqdn, "healthy": healthy}),
        );
    }

    /// Successive probes of `fqdn` answer by `pattern` (true: healthy), repeating; empty ends it.
    pub fn endpoint_flap(&self, fqdn: &str, pattern: &[bool]) {
        self.post(
            "/_trdr/endpoint",
            serde_json::json!({"fqdn": fqdn, "flap": pattern}),
        );
    }

    /// `GET /_trdr/stats`: refusals by rule, promotions by global cluster, probes by host.
    pub fn stats(&self) -> Json {
        self.call("GET", "/_trdr/stats", None).1
    }

    pub fn set_health(&self, health_check_id: &str, healthy: bool) {
        self.post(
            "/_trdr/route53/health",
            serde_json::json!({"health_check_id": health_check_id, "healthy": healthy}),
        );
    }

    pub fn route53_control_plane(&self, zone_id: &str, available: bool) {
        self.post(
            "/_trdr/route53/control-plane",
            serde_json::json!({"zone_id": zone_id, "available": available}),
        );
    }

    pub fn iam_propagation(&self, role_arn: &str, seconds: f64) {
        self.post(
            "/_trdr/iam/propagation",
            serde_json::json!({"role_arn": role_arn, "seconds": seconds}),
        );
    }

    /// Promotion calls on `global_cluster_id` are accepted at once but answered `seconds` late.
    pub fn promotion_answer_delay(&self, global_cluster_id: &str, seconds: f64) {
        self.post(
            "/_trdr/rds/answer-delay",
            serde_json::json!({"global_cluster_id": global_cluster_id, "seconds": seconds}),
        );
    }

    /// The next creation of cluster `db_cluster_id` stays "creating" for `seconds` (unscaled).
    pub fn cluster_create_duration(&self, db_cluster_id: &str, seconds: f64) {
        self.post(
            "/_trdr/rds/create-duration",
            serde_json::json!({"db_cluster_id": db_cluster_id, "seconds": seconds}),
        );
    }

    /// What Route 53's resolvers answer for the failover pair `name` in `zone_id`.
    pub fn resolve(&self, zone_id: &str, name: &str) -> Option<String> {
        let (status, answer) = self.call(
            "GET",
            &format!("/_trdr/route53/resolve?zone_id={zone_id}&name={name}"),
            None,
        );
        (status == 200)
            .then(|| answer["value"].as_str().map(str::to_string))
            .flatten()
    }

    /// How often each rule refused a call so far (e.g. `iam_propagation`).
    pub fn refusals(&self, rule: &str) -> u64 {
        let (_, answer) = self.call("GET", "/_trdr/stats", None);
        answer["refusals"][rule].as_u64().unwrap_or(0)
    }

    pub fn config(&self) -> Json {
        self.call("GET", "/_trdr/config", None).1
    }
}
