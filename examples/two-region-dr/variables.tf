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
  type    = string
  default = null
}

locals {
  name = "trading"
  tags = {
    Project     = "trading"
    Environment = var.environment_suffix
  }
  regions = { primary = var.primary_region, secondary = var.secondary_region }
}
