# Terraform 1.14 or later, when us-east-1 has failed: terraform apply -invoke=action.trdr_failover.to_us_east_2
# It needs nothing from the failed region: the runbook, RDS and Route 53 calls all run in us-east-2.
action "trdr_failover" "to_us_east_2" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}
