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

    /// One control call: its HTTP status and its JSON answer. An answer that is not HTTP, or
    /// whose body is not JSON, fails the test: read as an empty answer it would look like "no
    /// refusals, no promotions", exactly what some tests assert.
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
        let (head, payload) = raw
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{method} {path}: not an HTTP answer: {raw:?}"));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("{method} {path}: no HTTP status in {head:?}"));
        let answer = serde_json::from_str(payload).unwrap_or_else(|e| {
            panic!(
                "{method} {path} answered {status} with a body that is not JSON ({e}): {payload:?}"
            )
        });
        (status, answer)
    }

    /// A control call that must succeed (2xx): its JSON answer.
    fn must(&self, method: &str, path: &str, body: Option<Json>) -> Json {
        let (status, answer) = self.call(method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path} answered {status}: {answer}"
        );
        answer
    }

    fn post(&self, path: &str, body: Json) {
        self.must("POST", path, Some(body));
    }

    /// Makes `health_checks` Route 53 health checks and `state_machines` state machines in each of
    /// `regions` that are not trdr's, as a busy account holds them.
    pub fn seed_foreign(&self, health_checks: u32, state_machines: u32, regions: &[&str]) {
        let answer = self.must(
            "POST",
            "/_trdr/seed",
            Some(serde_json::json!({
                "health_checks": health_checks, "state_machines": state_machines, "regions": regions,
            })),
        );
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
        let answer = self.must(
            "GET",
            &format!("/_trdr/rds/master-password?region={region}&db_cluster_id={db_cluster_id}"),
            None,
        );
        let sha256 = match &answer["sha256"] {
            Json::Null => None,
            Json::String(digest) => Some(digest.clone()),
            other => panic!("master-password: sha256 is {other}"),
        };
        let changes = answer["changes"]
            .as_u64()
            .unwrap_or_else(|| panic!("master-password: no count of changes in {answer}"));
        (sha256, changes)
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

    /// `GET /_trdr/stats`: refusals by rule, promotions by global cluster, probes by host (each
    /// an object; a key that is absent counted nothing yet).
    pub fn stats(&self) -> Json {
        let stats = self.must("GET", "/_trdr/stats", None);
        for part in ["refusals", "promotions", "probes"] {
            assert!(stats[part].is_object(), "stats without {part}: {stats}");
        }
        stats
    }

    /// How many promotions (failovers and switchovers) the sandbox accepted for
    /// `global_cluster_id` so far.
    pub fn promotions(&self, global_cluster_id: &str) -> u64 {
        count(&self.stats()["promotions"], global_cluster_id)
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

    /// The next switchover or failover of `global_cluster_id` takes `seconds` (unscaled); one
    /// under way ends that long after it started (0: now).
    pub fn promotion_duration(&self, global_cluster_id: &str, seconds: f64) {
        self.post(
            "/_trdr/rds/promotion-duration",
            serde_json::json!({"global_cluster_id": global_cluster_id, "seconds": seconds}),
        );
    }

    /// What Route 53's resolvers answer for the failover pair `name` in `zone_id`.
    pub fn resolve(&self, zone_id: &str, name: &str) -> Option<String> {
        let path = format!("/_trdr/route53/resolve?zone_id={zone_id}&name={name}");
        let (status, answer) = self.call("GET", &path, None);
        match status {
            // No record of the pair answers (none healthy, or no such pair).
            404 => None,
            200 => Some(
                answer["value"]
                    .as_str()
                    .unwrap_or_else(|| panic!("GET {path}: no value in {answer}"))
                    .to_string(),
            ),
            _ => panic!("GET {path} answered {status}: {answer}"),
        }
    }

    /// How often each rule refused a call so far (e.g. `iam_propagation`).
    pub fn refusals(&self, rule: &str) -> u64 {
        count(&self.stats()["refusals"], rule)
    }

    pub fn config(&self) -> Json {
        self.must("GET", "/_trdr/config", None)
    }
}

/// The count under `key` in one of the stats' objects: 0 when absent (nothing counted yet), and
/// a failed test when it is there but not a count.
fn count(counts: &Json, key: &str) -> u64 {
    match &counts[key] {
        Json::Null => 0,
        n => n
            .as_u64()
            .unwrap_or_else(|| panic!("stats: {key} is {n}, not a count")),
    }
}
