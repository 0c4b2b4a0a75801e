//! The orchestrator's schema and the checks that need neither AWS nor the provider's
//! configuration (unknown values are skipped).

use super::runbook::Tuning;
use super::{DEFAULT_HEALTH_PATH, DEFAULT_TIMEOUTS};
use crate::framework::schema::{NestedBlock, Nesting};
use crate::framework::validate::{
    is_arn, is_iam_role_arn, number_in_range, string_matches, whole_number,
};
use crate::framework::{Attribute, Block, Diagnostics, Path, Schema, Type, Value};
use crate::naming;
use crate::timeouts;

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

pub(super) fn check(config: &Value, diags: &mut Diagnostics) {
    naming::check_names(diags, config);
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
