# Terraform 1.14 or later: terraform apply -invoke=action.trdr_pause.maintenance
# The pause stays until trdr_resume (or the CLI): an apply does not undo it. With OpenTofu, tag
# the watcher with the AWS CLI as the failover guide shows.
action "trdr_pause" "maintenance" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    reason          = "database maintenance, CHG-1234"
    # region = "us-east-2"  # default: both regions' watchers
    # by     = "jane"       # default: the caller's identity ARN
  }
}
