data "trdr_failover_readiness" "trading" {
  global_database_id = trdr_global_database.trading.id
  orchestrator_id    = trdr_failover_orchestrator.trading.id
  regional_stack_ids = [trdr_regional_stack.primary.id, trdr_regional_stack.secondary.id]
}

output "ready" {
  value = data.trdr_failover_readiness.trading.ready
}

output "failing_checks" {
  value = [for c in data.trdr_failover_readiness.trading.checks : "${c.name}: ${c.detail}" if c.status == "fail"]
}
