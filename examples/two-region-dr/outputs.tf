output "api_endpoints" {
  value = {
    (var.primary_region)   = "https://${aws_api_gateway_rest_api.primary.id}.execute-api.${var.primary_region}.amazonaws.com/${module.health_primary.stage_name}/health"
    (var.secondary_region) = "https://${aws_api_gateway_rest_api.secondary.id}.execute-api.${var.secondary_region}.amazonaws.com/${module.health_secondary.stage_name}/health"
  }
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
