# Terraform 1.14 or later: terraform apply -invoke=action.trdr_switchover.to_us_east_2
# Then set trdr_global_database's writer_region to "us-east-2" (the action reminds you), or the
# next apply moves the writer back; with automatic failover writer_region is a preference.
action "trdr_switchover" "to_us_east_2" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    region          = "us-east-2"
  }
}
