# Terraform 1.12 and later: an import block names the stack by its identity, no id string.
import {
  to       = trdr_regional_stack.primary
  identity = { name = "trading", environment_suffix = "dev", region = "us-east-1" }
}

import {
  to       = trdr_regional_stack.secondary
  identity = { name = "trading", environment_suffix = "dev", region = "us-east-2" }
}
