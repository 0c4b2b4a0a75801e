terraform {
  required_providers {
    trdr = {
      source = "trdr-dev/trdr"
    }
  }
}

provider "trdr" {
  primary_region   = "us-east-1"
  secondary_region = "us-east-2"

  # Optional: a shared-config profile; otherwise the standard AWS credential chain.
  # profile = "dr-sandbox"

  # Optional: one endpoint for every service, e.g. the local sandbox from `make sandbox`.
  # Defaults to the TRDR_ENDPOINT_URL environment variable.
  # endpoint_url = "http://127.0.0.1:4566"

  max_attempts = 8

  default_tags = {
    Project = "trading"
  }

  # assume_role {
  #   role_arn     = "arn:aws:iam::123456789012:role/dr-deployer"
  #   session_name = "trdr"
  #   external_id  = var.external_id
  # }
}
