# The complete two-region DR platform for the trading system: trdr owns the cross-region core
# (module dr-core, shared with examples/sandbox/ and tested there); hashicorp/aws owns the rest.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
    trdr = {
      source = "trdr-dev/trdr"
    }
    archive = {
      source = "hashicorp/archive"
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
