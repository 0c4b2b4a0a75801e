output "api_endpoints" {
  description = "What clients call (the failover pair), and each region's own host name."
  value = {
    api                    = "https://${var.record_name}/health"
    (var.primary_region)   = "https://${module.domain_primary.fqdn}/health"
    (var.secondary_region) = "https://${module.domain_secondary.fqdn}/health"
  }
}

output "database_writer_endpoint" {
  description = "Where applications write: the Aurora global writer endpoint, the same before and after a failover."
  value       = module.dr.writer_endpoint
}

output "runbooks" {
  description = "Start the region that should write with {\"mode\": \"failover\" | \"switchover\" | \"drill\"}."
  value       = module.dr.state_machine_arns
}

output "rto_budget_seconds" {
  value = module.dr.rto_budget_seconds
}

output "failover_ready" {
  value = module.dr.ready
}
