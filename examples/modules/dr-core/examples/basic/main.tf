# dr-core on its own: the trdr part of a two-region DR topology, with the roles, topics, zone and
# application endpoints you already have passed in. examples/two-region-dr/ builds all of those
# with hashicorp/aws; this example takes them as variables.
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
  default_tags = {
    Project = "trading"
  }
}

variable "environment_suffix" {
  description = "Environment, e.g. prod; part of every name."
  type        = string
}

variable "replication_role_arn" {
  description = "Role S3 assumes to replicate the buckets (examples/permissions/s3-replication-role.json.tftpl)."
  type        = string
}

variable "failover_role_arn" {
  description = "Role the runbooks and watchers run as (examples/permissions/runbook-role.json.tftpl)."
  type        = string
}

variable "alerts_topic_arn" {
  description = "Alerts topic in us-east-1; a topic of the same name must exist in us-east-2."
  type        = string
}

variable "zone_id" {
  type = string
}

variable "record_name" {
  description = "What clients call, e.g. api.trading.example.com."
  type        = string
}

variable "primary_endpoint" {
  description = "The application's host name in us-east-1, with a certificate for record_name."
  type        = string
}

variable "secondary_endpoint" {
  description = "The application's host name in us-east-2, with a certificate for record_name."
  type        = string
}

module "dr" {
  source = "../.."

  environment_suffix   = var.environment_suffix
  replication_role_arn = var.replication_role_arn
  failover_role_arn    = var.failover_role_arn
  alerts_topic_arn     = var.alerts_topic_arn
  zone_id              = var.zone_id
  record_name          = var.record_name
  primary_endpoint     = var.primary_endpoint
  secondary_endpoint   = var.secondary_endpoint
  health_path          = "/health"

  # Bound what an unplanned failover may lose (Aurora's rds.global_db_rpo), and require a
  # successful drill within two hours for readiness.
  max_rpo_seconds = 20
  max_drill_age   = "2h"

  # Watch a few weeks with approval before letting the watcher act alone: each automatic
  # promotion waits up to 15 minutes for a person, then proceeds.
  approval_timeout_seconds = 900
}

output "writer_endpoint" {
  value = module.dr.writer_endpoint
}

output "runbooks" {
  value = module.dr.state_machine_arns
}

output "ready" {
  value = module.dr.ready
}
