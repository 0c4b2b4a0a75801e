# search.tfquery.hcl, next to the provider configuration. `terraform query` lists every
# orchestrator whose runbook is in the provider's primary region (one ListStateMachines);
# `-generate-config-out=orchestrators.tf` writes their resource and import blocks.
list "trdr_failover_orchestrator" "all" {
  provider = trdr
}
