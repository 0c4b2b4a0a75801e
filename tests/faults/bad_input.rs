//! Bad input across the provider block, every resource and the data source: each case fails at
//! validate or plan with a diagnostic about the attribute (its summary names it, and Terraform
//! points at the attribute's line in main.tf), makes no AWS call (the endpoint is a listener that
//! counts connections), and never panics the plugin.

use crate::support::{CallCounter, Workspace};
use crate::workspace;

const STACK: &str = r#"
resource "trdr_regional_stack" "p" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
  EXTRA
}"#;

const DB: &str = r#"
resource "trdr_global_database" "d" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  engine_version     = "15.10"
  master_username    = "dbadmin"
  EXTRA
  primary {
    PRIMARY
  }
  secondary {
    SECONDARY
  }
}"#;

const ORCH: &str = r#"
resource "trdr_failover_orchestrator" "o" {
  name               = "trdr"
  environment_suffix = "SUFFIX"
  global_database_id = "trdr-global-SUFFIX"
  execution_role_arn = "arn:aws:iam::000000000000:role/failover"
  EXTRA
  dns {
    zone_id     = "Z0123456789ABCDEFGHIJ"
    record_name = "api.example.com"
    DNS
  }
  primary_endpoint {
    fqdn = "a.example.com"
  }
  secondary_endpoint {
    fqdn = "b.example.com"
  }
}"#;

fn stack(extra: &str) -> String {
    STACK.replace("EXTRA", extra)
}

fn db(extra: &str, primary: &str, secondary: &str) -> String {
    DB.replace("EXTRA", extra)
        .replace("PRIMARY", primary)
        .replace("SECONDARY", secondary)
}

fn orch(extra: &str, dns: &str) -> String {
    ORCH.replace("EXTRA", extra).replace("DNS", dns)
}

fn write(ws: &Workspace, endpoint: &str, provider: &str, body: &str) {
    let hcl = format!(
        "terraform {{\n  required_providers {{\n    trdr = {{ source = \"trdr-dev/trdr\" }}\n  }}\n}}\n\nprovider \"trdr\" {{\n  endpoint_url = \"{endpoint}\"\n{provider}\n}}\n{}\n",
        body.replace("SUFFIX", &ws.suffix)
    );
    std::fs::write(ws.path().join("main.tf"), hcl).unwrap();
}

/// One error as Terraform prints it (`-no-color`): its summary, and the line of main.tf it
/// points at (`on main.tf line N, in ...:`), when it points at one.
#[derive(Debug)]
struct Printed {
    summary: String,
    line: Option<usize>,
}

/// The errors in Terraform's human-readable output.
fn errors(out: &str) -> Vec<Printed> {
    let mut found: Vec<Printed> = Vec::new();
    for line in out.lines() {
        // Terraform frames each diagnostic with box-drawing characters on a terminal.
        let line = line.trim_start_matches(['│', '╷', '╵']).trim();
        if let Some(summary) = line.strip_prefix("Error: ") {
            found.push(Printed {
                summary: summary.to_string(),
                line: None,
            });
        } else if let (Some(last), Some(at)) =
            (found.last_mut(), line.strip_prefix("on main.tf line "))
        {
            if last.line.is_none() {
                last.line = at.split(',').next().and_then(|n| n.parse().ok());
            }
        }
    }
    found
}

/// The line (1-based) of `path` (`assume_role[0].role_arn`, `dns.zone_id`) in `main_tf`: each
/// step of the path is the next attribute or block of that name after the previous one, starting
/// in the provider block (`in_provider`) or at the first resource or data source. Terraform points
/// at an attribute's own line, and at the header of the resource for a path that ends at a block
/// (`automatic_failback[0]`) or at an attribute missing from the configuration (a required one
/// left out; the last resource is the one that lacks it in these cases).
fn attribute_line(main_tf: &str, in_provider: bool, path: &str) -> usize {
    let lines: Vec<&str> = main_tf.lines().map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| {
            if in_provider {
                l.starts_with("provider \"trdr\"")
            } else {
                l.starts_with("resource \"") || l.starts_with("data \"")
            }
        })
        .expect("main.tf has the block");
    let mut at = start;
    for step in path.split('.') {
        let name = step.split('[').next().unwrap_or(step);
        let Some(next) = lines[at + 1..].iter().position(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with([' ', '=', '{']))
        }) else {
            let header = lines
                .iter()
                .rposition(|l| l.starts_with("resource \""))
                .expect("a resource lacks it");
            return header + 1;
        };
        at += 1 + next;
    }
    let name = path.rsplit('.').next().unwrap_or(path);
    let name = name.split('[').next().unwrap_or(name);
    if lines[at][name.len()..].trim_start().starts_with('{') {
        let header = lines[..at]
            .iter()
            .rposition(|l| l.starts_with("resource \"") || l.starts_with("data \""))
            .expect("the block is in a resource");
        return header + 1;
    }
    at + 1
}

#[test]
fn forty_and_more_invalid_configurations_fail_early_naming_the_attribute() {
    let ws = workspace!("badm");
    let counter = CallCounter::new();
    let ok_stack = stack("");
    let secondary = |extra: &str| {
        format!(
            "{ok_stack}\nresource \"trdr_regional_stack\" \"s\" {{\n  name = \"trdr\"\n  environment_suffix = \"SUFFIX\"\n  region = \"us-east-2\"\n  replica_of = trdr_regional_stack.p.id\n  {extra}\n}}"
        )
    };
    let cases: Vec<(&str, &str, String, &str)> = vec![
        // The provider block.
        ("provider: same region twice", "secondary_region = \"us-east-1\"", ok_stack.clone(), "secondary_region"),
        ("provider: malformed region", "primary_region = \"useast1\"", ok_stack.clone(), "primary_region"),
        ("provider: no attempts", "max_attempts = 0", ok_stack.clone(), "max_attempts"),
        ("provider: fractional attempts", "max_attempts = 2.5", ok_stack.clone(), "max_attempts"),
        ("provider: too many attempts", "max_attempts = 100", ok_stack.clone(), "max_attempts"),
        ("provider: old and new name of attempts", "max_retries = 3\n  max_attempts = 3", ok_stack.clone(), "max_retries"),
        ("provider: role is not an ARN", "assume_role {\n    role_arn = \"deployer\"\n  }", ok_stack.clone(), "assume_role[0].role_arn"),
        ("provider: short session name", "assume_role {\n    role_arn = \"arn:aws:iam::1:role/x\"\n    session_name = \"x\"\n  }", ok_stack.clone(), "assume_role[0].session_name"),
        // trdr_regional_stack.
        ("stack: replica in the same region", "", secondary("replication_role_arn = \"arn:aws:iam::0:role/r\"").replace("region = \"us-east-2\"", "region = \"us-east-1\""), "replica_of"),
        ("stack: replica without a role", "", secondary(""), "replication_role_arn"),
        ("stack: role is not an ARN", "", secondary("replication_role_arn = \"r\""), "replication_role_arn"),
        ("stack: replica_of not an id", "", stack("replica_of = \"primary\""), "replica_of"),
        ("stack: duplicate purposes", "", stack("buckets = [\"config\", \"config\"]"), "buckets[1]"),
        ("stack: non-DNS purpose", "", stack("buckets = [\"Config_Logs\"]"), "buckets[0]"),
        ("stack: bucket name too long", "", stack("").replace("\"trdr\"", "\"tradingplatform-core\"").replace("\"SUFFIX\"", "\"a-very-long-suffix-x1234\""), "environment_suffix"),
        ("stack: negative expiry", "", stack("noncurrent_version_expiration_days = -5"), "noncurrent_version_expiration_days"),
        ("stack: zero expiry", "", stack("noncurrent_version_expiration_days = 0"), "noncurrent_version_expiration_days"),
        ("stack: fractional expiry", "", stack("noncurrent_version_expiration_days = 1.5"), "noncurrent_version_expiration_days"),
        ("stack: uppercase name", "", stack("").replace("\"trdr\"", "\"Trading\""), "name"),
        ("stack: double hyphen suffix", "", stack("").replace("\"SUFFIX\"", "\"dev--1\""), "environment_suffix"),
        ("stack: malformed region", "", stack("").replace("\"us-east-1\"", "\"east\""), "region"),
        ("stack: empty hash key", "", stack("session_table {\n    hash_key = \"\"\n  }"), "session_table[0].hash_key"),
        ("stack: bad timeout", "", stack("timeouts {\n    create = \"soon\"\n  }"), "timeouts[0].create"),
        // trdr_global_database.
        ("db: identical regions", "", db("", "region = \"us-east-1\"", "region = \"us-east-1\""), "secondary.region"),
        ("db: writer outside the members", "", db("writer_region = \"us-west-2\"", "", ""), "writer_region"),
        ("db: engine without global databases", "", db("", "", "").replace("\"15.10\"", "\"9.6\""), "engine_version"),
        ("db: malformed engine", "", db("", "", "").replace("\"15.10\"", "\"15\""), "engine_version"),
        ("db: min above max", "", db("serverless_v2 {\n    min_capacity = 8\n    max_capacity = 4\n  }", "", ""), "serverless_v2[0].min_capacity"),
        ("db: capacity not in 0.5 steps", "", db("serverless_v2 {\n    min_capacity = 0.75\n  }", "", ""), "serverless_v2[0].min_capacity"),
        ("db: capacity above 256", "", db("serverless_v2 {\n    max_capacity = 512\n  }", "", ""), "serverless_v2[0].max_capacity"),
        ("db: RPO below AWS's 20 seconds", "", db("max_rpo_seconds = 19", "", ""), "max_rpo_seconds"),
        ("db: RPO not whole seconds", "", db("max_rpo_seconds = 30.5", "", ""), "max_rpo_seconds"),
        ("db: no instances", "", db("", "instance_count = 0", ""), "primary.instance_count"),
        ("db: too many instances", "", db("", "", "instance_count = 17"), "secondary.instance_count"),
        ("db: illegal master user", "", db("", "", "").replace("\"dbadmin\"", "\"1admin\""), "master_username"),
        ("db: reserved master user", "", db("", "", "").replace("\"dbadmin\"", "\"rdsadmin\""), "master_username"),
        ("db: illegal database name", "", db("database_name = \"my-db\"", "", ""), "database_name"),
        ("db: retention out of range", "", db("backup_retention_days = 0", "", ""), "backup_retention_days"),
        ("db: illegal name", "", db("", "", "").replace("\"trdr\"", "\"Trading_DB\""), "name"),
        ("db: bad timeout", "", db("timeouts {\n    delete = \"1x\"\n  }", "", ""), "timeouts[0].delete"),
        // trdr_failover_orchestrator.
        ("orchestrator: RTO target of zero", "", orch("rto_target_seconds = 0", ""), "rto_target_seconds"),
        ("orchestrator: interval not 10 or 30", "", orch("health_check {\n    request_interval = 15\n  }", ""), "health_check[0].request_interval"),
        ("orchestrator: threshold out of range", "", orch("health_check {\n    failure_threshold = 0\n  }", ""), "health_check[0].failure_threshold"),
        ("orchestrator: a window of under 20 s", "", orch("automatic_failover {\n    failure_window_seconds = 10\n  }", ""), "automatic_failover[0].failure_window_seconds"),
        ("orchestrator: approval without a topic", "", orch("automatic_failover {\n    approval_timeout_seconds = 600\n  }", ""), "automatic_failover[0].approval_timeout_seconds"),
        ("orchestrator: a watcher schedule name over AWS's 64 characters", "", orch("automatic_failover {}", "").replace("\"trdr\"", "\"tradingplatform-core-services-ab\"").replace("\"SUFFIX\"", "\"a-very-long-suffix-x1234\""), "environment_suffix"),
        ("provider: an API budget above the whole limit", "api_budget_share = 1.5", ok_stack.clone(), "api_budget_share"),
        ("orchestrator: failback without failover", "", orch("automatic_failback {}", ""), "automatic_failback[0]"),
        ("orchestrator: promotion timeout too short", "", orch("runbook {\n    promotion_timeout_seconds = 10\n  }", ""), "runbook[0].promotion_timeout_seconds"),
        ("orchestrator: role is not an ARN", "", orch("", "").replace("arn:aws:iam::000000000000:role/failover", "failover"), "execution_role_arn"),
        ("orchestrator: topic is not SNS", "", orch("notification_topic_arn = \"arn:aws:sqs:us-east-1:0:q\"", ""), "notification_topic_arn"),
        ("orchestrator: malformed zone", "", orch("", "").replace("Z0123456789ABCDEFGHIJ", "zone 1"), "dns.zone_id"),
        ("orchestrator: negative TTL", "", orch("", "ttl = -1"), "dns.ttl"),
        ("orchestrator: one endpoint twice", "", orch("", "").replace("b.example.com", "a.example.com"), "secondary_endpoint.fqdn"),
        ("orchestrator: stack id malformed", "", orch("regional_stack_ids = [\"trdr\"]", ""), "regional_stack_ids[0]"),
        ("orchestrator: global id malformed", "", orch("", "").replace("\"trdr-global-SUFFIX\"", "\"trdr\""), "global_database_id"),
        // trdr_failover_readiness.
        ("readiness: global id malformed", "", "data \"trdr_failover_readiness\" \"r\" {\n  global_database_id = \"x\"\n}".into(), "global_database_id"),
        ("readiness: stack id malformed", "", "data \"trdr_failover_readiness\" \"r\" {\n  global_database_id = \"a-global-b\"\n  regional_stack_ids = [\"x\"]\n}".into(), "regional_stack_ids[0]"),
        ("readiness: orchestrator id malformed", "", "data \"trdr_failover_readiness\" \"r\" {\n  global_database_id = \"a-global-b\"\n  orchestrator_id = \"x\"\n}".into(), "orchestrator_id"),
        ("readiness: drill age unparsable", "", "data \"trdr_failover_readiness\" \"r\" {\n  global_database_id = \"a-global-b\"\n  orchestrator_id = \"a:b\"\n  max_drill_age = \"two hours\"\n}".into(), "max_drill_age"),
    ];
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (what, provider, body, attr) in &cases {
        write(&ws, &counter.url(), provider, body);
        let main_tf = std::fs::read_to_string(ws.path().join("main.tf")).unwrap();
        let summary = format!("Invalid value for \"{attr}\"");
        let line = attribute_line(&main_tf, !provider.is_empty(), attr);
        let (code, out) = ws.plan();
        let printed = errors(&out);
        let about_it = printed
            .iter()
            .any(|e| e.summary == summary && e.line == Some(line));
        if code != 1
            || !about_it
            || out.contains("panic")
            || out.contains("plugin crashed")
            || out.contains("Internal error")
        {
            failures.push(format!(
                "{what}: exit {code}, expected an error `{summary}` at main.tf line {line}, got {printed:?}:\n{out}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(counter.connections(), 0, "no case may reach AWS");
    eprintln!(
        "bad-input matrix: {} cases, all failed at plan naming the attribute, 0 AWS calls",
        cases.len()
    );
}
