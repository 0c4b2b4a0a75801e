//! The full topology (two regional stacks, the global database, the orchestrator, readiness) and
//! what it needs from the account first: a hosted zone and an alerts topic in each region.

use super::Workspace;

pub const PRIMARY_FQDN: &str = "abc123.execute-api.us-east-1.amazonaws.com";
pub const SECONDARY_FQDN: &str = "def456.execute-api.us-east-2.amazonaws.com";

/// What the test creates through the SDK before the apply: a hosted zone, the runbooks' IAM role,
/// and an alerts topic in each region with a queue subscribed to it.
pub struct Fixtures {
    pub zone_id: String,
    /// The runbooks' execution role, made through IAM like a real account needs it.
    pub role_arn: String,
    pub topic_name: String,
    pub queues: Vec<(String, String)>,
}

pub async fn fixtures(ws: &Workspace) -> Fixtures {
    let aws = ws.aws();
    let r53 = aws.route53().await;
    let zone = r53
        .create_hosted_zone()
        .name(format!("{}.example.com", ws.suffix))
        .caller_reference(format!("acc-{}", ws.suffix))
        .send()
        .await
        .unwrap();
    let zone_id = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let topic_name = format!("trdr-alerts-{}", ws.suffix);
    let mut queues = Vec::new();
    for region in ["us-east-1", "us-east-2"] {
        let sns = aws.sns(region).await;
        let topic = sns
            .create_topic()
            .name(&topic_name)
            .send()
            .await
            .unwrap()
            .topic_arn()
            .unwrap()
            .to_string();
        let sqs = aws.sqs(region).await;
        let url = sqs
            .create_queue()
            .queue_name(format!("alerts-{}", ws.suffix))
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let arn =
            attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(arn)
            .send()
            .await
            .unwrap();
        queues.push((region.to_string(), url));
    }
    let role_arn = aws
        .step_functions_role(&format!("trdr-failover-{}", ws.suffix))
        .await;
    Fixtures {
        zone_id,
        role_arn,
        topic_name,
        queues,
    }
}

pub fn topology(f: &Fixtures, rto_target: u32) -> String {
    format!(
        r#"
resource "trdr_regional_stack" "primary" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  region             = "us-east-1"
}}

resource "trdr_regional_stack" "secondary" {{
  name                 = "trdr"
  environment_suffix   = "SUFFIX"
  region               = "us-east-2"
  replica_of           = trdr_regional_stack.primary.id
  replication_role_arn = "arn:aws:iam::000000000000:role/trdr-s3-replication"
}}

resource "trdr_global_database" "trading" {{
  name               = "trdr"
  environment_suffix = "SUFFIX"
  engine_version     = "15.10"
  master_username    = "dbadmin"

  primary {{
    instance_count = 1
  }}
  secondary {{
    instance_count = 1
  }}
}}

resource "trdr_failover_orchestrator" "trading" {{
  name                   = "trdr"
  environment_suffix     = "SUFFIX"
  global_database_id     = trdr_global_database.trading.id
  execution_role_arn     = "{role}"
  notification_topic_arn = "arn:aws:sns:us-east-1:000000000000:{topic}"
  regional_stack_ids     = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]
  rto_target_seconds     = {rto_target}

  dns {{
    zone_id     = "{zone}"
    record_name = "api.SUFFIX.example.com"
  }}

  primary_endpoint {{
    fqdn        = "{PRIMARY_FQDN}"
    health_path = "/prod/health"
  }}

  secondary_endpoint {{
    fqdn        = "{SECONDARY_FQDN}"
    health_path = "/prod/health"
  }}

  health_check {{
    request_interval  = 10
    failure_threshold = 3
  }}
}}

data "trdr_failover_readiness" "trading" {{
  global_database_id = trdr_global_database.trading.id
  orchestrator_id    = trdr_failover_orchestrator.trading.id
  regional_stack_ids = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]
}}

output "ready" {{
  value = data.trdr_failover_readiness.trading.ready
}}

output "checks" {{
  value = data.trdr_failover_readiness.trading.checks
}}
"#,
        topic = f.topic_name,
        zone = f.zone_id,
        role = f.role_arn
    )
}

/// `topology` with the orchestrator's `automatic_failover` block (`settings`: its lines).
pub fn with_automatic_failover(topology: &str, settings: &str) -> String {
    topology.replacen(
        "  health_check {\n",
        &format!("  automatic_failover {{\n{settings}\n  }}\n\n  health_check {{\n"),
        1,
    )
}
