terraform {
  # Supported Terraform versions: see the README at the repository's root.
  required_version = ">= 1.11"

  required_providers {
    trdr = {
      source  = "trdr-dev/trdr"
      version = "~> 0.1"
    }
  }
}
