# Terraform 1.14 or later: terraform apply -invoke=action.trdr_resume.after_maintenance
action "trdr_resume" "after_maintenance" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
  }
}
