output "state_machine_arns" {
  value = trdr_failover_orchestrator.trading.state_machine_arns
}

output "watcher_arns" {
  description = "Each region's failover watcher (its executions' output says what each shift saw)."
  value       = trdr_failover_orchestrator.trading.watcher_arns
}

output "rto_budget_seconds" {
  value = trdr_failover_orchestrator.trading.rto_budget_seconds
}

output "global_database_id" {
  value = trdr_global_database.trading.id
}

output "writer_endpoint" {
  description = "The global writer endpoint: applications connect here and follow the writer through switchovers and failovers."
  value       = trdr_global_database.trading.writer_endpoint
}

output "writer_region" {
  value = trdr_global_database.trading.current_writer_region
}

output "ready" {
  value = data.trdr_failover_readiness.trading.ready
}

output "last_runs" {
  description = "Each region's last runbook execution: mode, status, outcome, when it ended, measured recovery seconds."
  value       = data.trdr_failover_readiness.trading.last_runs
}

output "checks" {
  value = data.trdr_failover_readiness.trading.checks
}

output "bucket_names" {
  value = merge(
    { for k, v in trdr_regional_stack.primary.bucket_names : "${var.primary_region}/${k}" => v },
    { for k, v in trdr_regional_stack.secondary.bucket_names : "${var.secondary_region}/${k}" => v },
  )
}

output "table_name" {
  value = trdr_regional_stack.primary.table_name
}

output "master_user_secret_arn" {
  value = trdr_global_database.trading.master_user_secret_arn
}

output "health_check_ids" {
  value = trdr_failover_orchestrator.trading.health_check_ids
}

output "session_witness" {
  description = "The session table's witness region and status (null with EVENTUAL sessions)."
  value = trdr_regional_stack.secondary.witness_status == null ? null : {
    region = trdr_regional_stack.secondary.session_table[0].witness_region
    status = trdr_regional_stack.secondary.witness_status
  }
}
