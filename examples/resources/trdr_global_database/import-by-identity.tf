# Terraform 1.12 and later: an import block names the database by its topology's name and
# suffix (the global cluster trading-global-dev).
import {
  to       = trdr_global_database.trading
  identity = { name = "trading", environment_suffix = "dev" }
}
