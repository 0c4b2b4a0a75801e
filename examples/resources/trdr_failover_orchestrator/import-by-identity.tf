# Terraform 1.12 and later: an import block names the orchestrator by its topology's name and
# suffix.
import {
  to       = trdr_failover_orchestrator.trading
  identity = { name = "trading", environment_suffix = "dev" }
}
