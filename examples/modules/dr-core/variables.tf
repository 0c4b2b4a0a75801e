variable "name" {
  description = "Purpose of the platform, e.g. trading."
  type        = string
  default     = "trading"
}

variable "environment_suffix" {
  description = "Environment, e.g. dev or pr-123; part of every physical name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{1,24}$", var.environment_suffix))
    error_message = "environment_suffix: 1 to 24 lowercase letters, digits or hyphens (it is part of bucket names)."
  }
}

variable "primary_region" {
  description = "Region that writes normally; the provider's primary_region."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Standby region; the provider's secondary_region."
  type        = string
  default     = "us-east-2"
}

variable "session_consistency" {
  description = "The session table's consistency: STRONG (multi-Region strong consistency, RPO 0 for sessions; both regions and the witness in one region set) or EVENTUAL. DynamoDB cannot change it later: a change replaces both stacks and discards the sessions."
  type        = string
  default     = "STRONG"
}

variable "session_witness_region" {
  description = "With STRONG sessions, the witness region; null takes the third region of the pair's region set (set it in the EU set, which has four)."
  type        = string
  default     = null
}

variable "engine_version" {
  description = "Aurora PostgreSQL version of the global database (its serverless v2 support is checked at plan)."
  type        = string
  default     = "15.10"
}

variable "max_rpo_seconds" {
  description = "Bound on what an unplanned failover can lose (Aurora's rds.global_db_rpo, 20 or more); null: AWS's default behaviour."
  type        = number
  default     = null
}

variable "max_drill_age" {
  description = "How recent the last successful drill must be for readiness (Go duration, e.g. \"2h\"); null: not checked."
  type        = string
  default     = null
}

variable "database" {
  description = "Per-region database networking: subnet group and security groups (null in the sandbox)."
  type = object({
    primary_subnet_group      = optional(string)
    primary_security_groups   = optional(list(string))
    secondary_subnet_group    = optional(string)
    secondary_security_groups = optional(list(string))
  })
  default = {}
}

variable "replication_role_arn" {
  description = "Role S3 assumes to replicate the buckets."
  type        = string
}

variable "failover_role_arn" {
  description = "Role the failover runbooks run as."
  type        = string
}

variable "alerts_topic_arn" {
  description = "Alerts topic; a topic of the same name must exist in both regions."
  type        = string
}

variable "zone_id" {
  description = "Route 53 hosted zone of record_name."
  type        = string
}

variable "record_name" {
  description = "What clients call, e.g. api.trading.example.com: the failover record pair."
  type        = string
}

variable "primary_endpoint" {
  description = "Application endpoint host name in the primary region."
  type        = string
}

variable "secondary_endpoint" {
  description = "Application endpoint host name in the secondary region."
  type        = string
}

variable "health_path" {
  description = "Path the health checks and the watchers probe on each endpoint."
  type        = string
  default     = "/health"
}

variable "force_destroy" {
  description = "Empty the buckets (every object version) on destroy. false: a destroy refuses buckets that still hold objects."
  type        = bool
  default     = false
}

variable "rto_target_seconds" {
  description = "Recovery-time objective each run reports against; null: the provider's default (what trdr controls plus AWS's documented promotion)."
  type        = number
  default     = null
}

variable "automatic_failover" {
  description = "A watcher in each region fails over to it by itself when the other region's writer stays down."
  type        = bool
  default     = true
}

variable "failure_window_seconds" {
  description = "How long the writer region must fail every probe before the watcher fails over (20 to 3600)."
  type        = number
  default     = 60
}

variable "watchers_paused" {
  description = "Pause both watchers (maintenance). An operator can also pause one region's watcher during an incident by tagging its state machine TrdrWatch = paused; see the failover guide."
  type        = bool
  default     = false
}

variable "approval_timeout_seconds" {
  description = "When set, each automatic promotion waits this long for a person to approve or reject it (notice with a task token on the alerts topic of the watcher's region); null: no approval."
  type        = number
  default     = null
}

variable "approval_on_timeout" {
  description = "What an unanswered approval means: proceed (the approval is a chance to veto) or abandon."
  type        = string
  default     = "proceed"

  validation {
    condition     = contains(["proceed", "abandon"], var.approval_on_timeout)
    error_message = "approval_on_timeout: proceed or abandon."
  }
}

variable "automatic_failback" {
  description = "Switch back to the primary region (no data loss) once it has been healthy and in sync for failback_window_seconds."
  type        = bool
  default     = false
}

variable "failback_window_seconds" {
  description = "How long both regions must be healthy before an automatic failback (60 to 3000)."
  type        = number
  default     = 600
}
