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

variable "primary_cidr" {
  description = "The primary region's VPC CIDR block (IPv4, /16 to /24); must not overlap secondary_cidr (the VPCs are peered)."
  type        = string
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.primary_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.primary_cidr))
    error_message = "primary_cidr: an IPv4 CIDR block from /16 to /24, e.g. 10.10.0.0/16."
  }
}

variable "secondary_cidr" {
  description = "The secondary region's VPC CIDR block (IPv4, /16 to /24); must not overlap primary_cidr (the VPCs are peered)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.secondary_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-4])$", var.secondary_cidr))
    error_message = "secondary_cidr: an IPv4 CIDR block from /16 to /24, e.g. 10.20.0.0/16."
  }

  # Two blocks overlap exactly when their networks agree at the shorter of the two prefixes.
  # (try: a malformed block is reported by the validations above, not here.)
  validation {
    condition = try(
      cidrhost("${cidrhost(var.primary_cidr, 0)}/${min(tonumber(split("/", var.primary_cidr)[1]), tonumber(split("/", var.secondary_cidr)[1]))}", 0)
      != cidrhost("${cidrhost(var.secondary_cidr, 0)}/${min(tonumber(split("/", var.primary_cidr)[1]), tonumber(split("/", var.secondary_cidr)[1]))}", 0),
      true,
    )
    error_message = "secondary_cidr overlaps primary_cidr: peered VPCs need disjoint CIDR blocks."
  }
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
  description = "Bound on what an unplanned failover can lose, in seconds (Aurora's rds.global_db_rpo, 20 or more); see README.md, Data loss."
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

variable "enable_waf" {
  description = "Associate an AWS WAF web ACL (AWS managed rule groups and a rate limit) with each region's API stage."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests a single client IP may make in any 5 minutes before the web ACL blocks it."
  type        = number
  default     = 2000
}

variable "api_throttle" {
  description = "Stage-wide API Gateway throttling per region: steady requests per second and burst."
  type        = object({ rate = number, burst = number })
  default     = { rate = 200, burst = 400 }
}

variable "log_retention_days" {
  description = "Retention of every log group (functions, API access and execution logs, WAF, VPC flow logs)."
  type        = number
  default     = 365
}

variable "processor_concurrency" {
  description = "Reserved concurrency of each region's trade processor (and the queue's maximum concurrency); see README.md for the database arithmetic."
  type        = number
  default     = 50
}

variable "health_concurrency" {
  description = "Reserved concurrency of each region's health function."
  type        = number
  default     = 10
}

variable "health_budget_ms" {
  description = "How long the health function may take before it answers 503. Route 53 marks a probe failed when the response takes more than 2 s after connecting, so keep it well below."
  type        = number
  default     = 1500

  validation {
    condition     = var.health_budget_ms >= 200 && var.health_budget_ms <= 1800
    error_message = "health_budget_ms: 200 to 1800 (Route 53 waits 2 s for a response)."
  }
}

locals {
  name = "trading"
  tags = {
    Project     = "trading"
    Environment = var.environment_suffix
  }
  regions     = { primary = var.primary_region, secondary = var.secondary_region }
  health_path = "/health"
}

variable "primary_zone_ids" {
  description = "Availability Zone ids of the primary region's private subnets (ids name the same zone in every account; Lambda does not run in use1-az3)."
  type        = list(string)
  default     = ["use1-az1", "use1-az2", "use1-az4"]
}

variable "secondary_zone_ids" {
  description = "Availability Zone ids of the secondary region's private subnets."
  type        = list(string)
  default     = ["use2-az1", "use2-az2", "use2-az3"]
}

variable "secret_recovery_window_days" {
  description = "How long a destroyed application secret can be restored (7 to 30 days, or 0 to delete at once). A name stays taken for that long: set 0 for short-lived environments such as pr-123 that are recreated under the same name."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days: 0, or 7 to 30."
  }
}

variable "manage_api_gateway_account" {
  description = "Set API Gateway's CloudWatch role, an account-wide setting per region, from this environment. Exactly one environment per account and region may do so (another one's destroy would reset it): set false in the others."
  type        = bool
  default     = true
}
