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
  type    = string
  default = "us-east-1"
}

variable "secondary_region" {
  type    = string
  default = "us-east-2"
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
  type    = string
  default = "15.10"
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
  type = string
}

variable "record_name" {
  type = string
}

variable "primary_endpoint" {
  description = "Application endpoint host name in the primary region."
  type        = string
}

variable "secondary_endpoint" {
  type = string
}

variable "health_path" {
  type    = string
  default = "/health"
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
