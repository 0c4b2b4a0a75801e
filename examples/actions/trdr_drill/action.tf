# Terraform 1.14 or later. Run it: terraform apply -invoke=action.trdr_drill.secondary
action "trdr_drill" "secondary" {
  config {
    orchestrator_id = trdr_failover_orchestrator.trading.id
    # region: default the region that does not write now
  }
}

# A drill after every change of the orchestrator: the new runbook proves itself at once.
resource "terraform_data" "runbook_version" {
  input = trdr_failover_orchestrator.trading.state_machine_arns

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.trdr_drill.secondary]
    }
  }
}
