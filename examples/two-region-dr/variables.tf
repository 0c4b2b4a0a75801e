variable "environment_suffix" {
  description = "Environment, e.g. dev or pr-123; every name carries it."
  type        = string
}

variable "primary_region" {
  type    = string
  default = "us-east-1"
}

variable "secondary_region" {
  type    = string
  default = "us-east-2"
}

variable "zone_id" {
  description = "Public hosted zone for the API's failover record."
  type        = string
}

variable "record_name" {
  description = "API host name, e.g. api.trading.example.com."
  type        = string
}

variable "alert_email" {
  description = "Subscribed to the alerts topic in both regions (each confirms once); null: none."
  type        = string
  default     = null
}

variable "max_rpo_seconds" {
  description = "Bound on what an unplanned failover can lose, in seconds (Aurora's rds.global_db_rpo, 20 or more)."
  type        = number
  default     = 20
}

variable "approval_timeout_seconds" {
  description = "When set, each automatic failover waits this long for a person (approval-needed notice on the alerts topic of the watcher's region), then proceeds; null: the watcher acts alone."
  type        = number
  default     = null
}

variable "watchers_paused" {
  description = "Pause both regions' watchers (planned maintenance). During an incident, pause one region's watcher with a tag instead; see README.md."
  type        = bool
  default     = false
}

locals {
  name = "trading"
  tags = {
    Project     = "trading"
    Environment = var.environment_suffix
  }
  regions = { primary = var.primary_region, secondary = var.secondary_region }
}
