# The complete two-region DR platform for the trading system: trdr owns the cross-region core
# (module dr-core, shared with examples/sandbox/ and tested there); hashicorp/aws owns the rest.
terraform {
  # Supported Terraform versions: see the README at the repository's root.
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    trdr = {
      source  = "trdr-dev/trdr"
      version = "~> 0.1"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}

provider "aws" {
  alias  = "primary"
  region = var.primary_region
  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias  = "secondary"
  region = var.secondary_region
  default_tags {
    tags = local.tags
  }
}

provider "trdr" {
  primary_region   = var.primary_region
  secondary_region = var.secondary_region
  default_tags     = local.tags
}
