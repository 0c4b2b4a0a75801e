output "state_machine_arns" {
  description = "Each region's runbook: start it with {\"mode\": \"failover\" | \"switchover\" | \"drill\"}."
  value       = trdr_failover_orchestrator.trading.state_machine_arns
}

output "watcher_arns" {
  description = "Each region's failover watcher (its executions' output says what each shift saw)."
  value       = trdr_failover_orchestrator.trading.watcher_arns
}

output "rto_budget_seconds" {
  description = "The worst case of what trdr controls (detection, runbook overhead, DNS TTL), before AWS's promotion."
  value       = trdr_failover_orchestrator.trading.rto_budget_seconds
}

output "global_database_id" {
  description = "The global cluster's identifier."
  value       = trdr_global_database.trading.id
}

output "writer_endpoint" {
  description = "The global writer endpoint: applications connect here and follow the writer through switchovers and failovers."
  value       = trdr_global_database.trading.writer_endpoint
}

output "writer_region" {
  description = "The region whose cluster writes now (it follows switchovers and failovers)."
  value       = trdr_global_database.trading.current_writer_region
}

output "ready" {
  description = "Whether the topology can fail over now (readiness)."
  value       = data.trdr_failover_readiness.trading.ready
}

output "last_runs" {
  description = "Each region's last runbook execution: mode, status, outcome, when it ended, measured recovery seconds."
  value       = data.trdr_failover_readiness.trading.last_runs
}

output "checks" {
  description = "Each readiness check: name, status (pass, warn, fail, unknown), detail."
  value       = data.trdr_failover_readiness.trading.checks
}

output "bucket_names" {
  description = "Each bucket, by REGION/purpose."
  value = merge(
    { for k, v in trdr_regional_stack.primary.bucket_names : "${var.primary_region}/${k}" => v },
    { for k, v in trdr_regional_stack.secondary.bucket_names : "${var.secondary_region}/${k}" => v },
  )
}

output "table_name" {
  description = "The session table's name, the same in both regions."
  value       = trdr_regional_stack.primary.table_name
}

output "master_user_secret_arn" {
  description = "The master credentials' secret in the primary region."
  value       = trdr_global_database.trading.master_user_secret_arn
}

# Secrets Manager gives a replica the primary's ARN with its own region in it, so each region's
# applications read their own copy and keep working while the other region is down.
output "master_user_secret_arns" {
  description = "The master credentials' secret by region: the primary's, and its replica in the secondary region."
  value = {
    (var.primary_region)   = trdr_global_database.trading.master_user_secret_arn
    (var.secondary_region) = replace(trdr_global_database.trading.master_user_secret_arn, ":${var.primary_region}:", ":${var.secondary_region}:")
  }
}

output "rto_target_seconds" {
  description = "The recovery-time objective the runs report against."
  value       = trdr_failover_orchestrator.trading.rto_target_seconds
}

output "runbook_names" {
  description = "Each region's runbook state machine name (the Runbook dimension of its trdr metrics)."
  value       = { for region, arn in trdr_failover_orchestrator.trading.state_machine_arns : region => element(split(":", arn), 6) }
}

output "watcher_names" {
  description = "Each region's watcher state machine name (the Watcher dimension of its trdr metrics); empty without automatic_failover."
  value       = { for region, arn in trdr_failover_orchestrator.trading.watcher_arns : region => element(split(":", arn), 6) }
}

output "health_check_ids" {
  description = "Each region's Route 53 health check id (its HealthCheckStatus metric is in us-east-1)."
  value       = trdr_failover_orchestrator.trading.health_check_ids
}

output "session_witness" {
  description = "The session table's witness region and status (null with EVENTUAL sessions)."
  value = trdr_regional_stack.secondary.witness_status == null ? null : {
    region = trdr_regional_stack.secondary.session_table[0].witness_region
    status = trdr_regional_stack.secondary.witness_status
  }
}

output "cluster_reader_endpoints" {
  description = "Each region's own cluster reader endpoint: what a regional health check queries (it answers in the region whatever the writer's place)."
  value = {
    (var.primary_region)   = trdr_global_database.trading.primary.reader_endpoint
    (var.secondary_region) = trdr_global_database.trading.secondary.reader_endpoint
  }
}
