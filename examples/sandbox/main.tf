# The two-region DR topology against the local sandbox (MiniStack): `make demo` applies it.
# The hosted zone and the alert topics are made by the demo through the AWS API first.
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

provider "trdr" {
  primary_region   = "us-east-1"
  secondary_region = "us-east-2"
  # endpoint_url comes from TRDR_ENDPOINT_URL, which `make sandbox` prints.
  default_tags = {
    Project = "trading"
  }
}

variable "environment_suffix" {
  type    = string
  default = "demo"
}

variable "zone_id" {
  description = "Hosted zone for the failover records."
  type        = string
}

variable "alerts_topic_name" {
  type    = string
  default = "trading-alerts-demo"
}

module "dr" {
  source = "../modules/dr-core"

  environment_suffix   = var.environment_suffix
  replication_role_arn = "arn:aws:iam::000000000000:role/trading-s3-replication-${var.environment_suffix}"
  failover_role_arn    = "arn:aws:iam::000000000000:role/trading-failover-${var.environment_suffix}"
  alerts_topic_arn     = "arn:aws:sns:us-east-1:000000000000:${var.alerts_topic_name}"
  zone_id              = var.zone_id
  record_name          = "api.trading.example.com"
  primary_endpoint     = "abc123.execute-api.us-east-1.amazonaws.com"
  secondary_endpoint   = "def456.execute-api.us-east-2.amazonaws.com"
  health_path          = "/prod/health"
  max_rpo_seconds      = 60
  max_drill_age        = "2h"
  # Automatic failover is on (dr-core's default); the demo takes us-east-1 down to show it.
  failure_window_seconds = 30
  # A sandbox is thrown away: destroy empties its buckets. Production keeps the default (false).
  force_destroy = true
}

output "dr" {
  value = module.dr
}
