output "api_endpoints" {
  description = "What clients call (the failover pair: POST /trades, signed with SigV4/SigV4a), and each region's own health URL (what Route 53 and the watchers probe)."
  value = {
    trades                 = "https://${var.record_name}/trades"
    health                 = "https://${var.record_name}${local.health_path}"
    (var.primary_region)   = "https://${module.domain_primary.fqdn}${local.health_path}"
    (var.secondary_region) = "https://${module.domain_secondary.fqdn}${local.health_path}"
  }
}

output "app_db_secret_arns" {
  description = "The application's own database secret (user trading_app) by region: the DBA writes its credentials once, in the primary region."
  value = {
    (var.primary_region)   = local.app_secret_arns["primary"]
    (var.secondary_region) = local.app_secret_arns["secondary"]
  }
}

output "dead_letter_queues" {
  description = "Each region's trade dead-letter queue (inspect, then redrive with `aws sqs start-message-move-task`)."
  value = {
    (var.primary_region)   = aws_sqs_queue.trades_dlq_primary.url
    (var.secondary_region) = aws_sqs_queue.trades_dlq_secondary.url
  }
}

output "kms_key_arns" {
  description = "Each region's customer managed key."
  value = {
    (var.primary_region)   = aws_kms_key.platform_primary.arn
    (var.secondary_region) = aws_kms_key.platform_secondary.arn
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
