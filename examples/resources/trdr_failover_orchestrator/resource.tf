# The failover runbook in both regions and the DNS it steers. Start the runbook of the region
# that should write with {"mode": "failover"} (the other region is down), {"mode": "switchover"}
# (planned, no data loss) or {"mode": "drill"} (readiness report, no change).
resource "trdr_failover_orchestrator" "trading" {
  name                   = "trading"
  environment_suffix     = "dev"
  global_database_id     = trdr_global_database.trading.id
  execution_role_arn     = "arn:aws:iam::123456789012:role/trading-failover-dev"
  notification_topic_arn = "arn:aws:sns:us-east-1:123456789012:trading-alerts-dev" # a topic of this name in each region
  regional_stack_ids     = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]

  dns {
    zone_id     = "Z0123456789ABCDEFGHIJ"
    record_name = "api.trading.example.com"
    ttl         = 60
  }

  primary_endpoint {
    fqdn        = "abc123.execute-api.us-east-1.amazonaws.com"
    health_path = "/prod/health"
  }

  secondary_endpoint {
    fqdn        = "def456.execute-api.us-east-2.amazonaws.com"
    health_path = "/prod/health"
  }

  health_check {
    request_interval  = 10
    failure_threshold = 3
  }

  # What trdr controls (detection 30 s + runbook overhead + TTL 60 s) plus AWS's promotion
  # (documented as minutes). Every run reports its measured recovery time against it.
  rto_target_seconds = 300
}

output "rto_budget_seconds" {
  value = trdr_failover_orchestrator.trading.rto_budget_seconds
}
