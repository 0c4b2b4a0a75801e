# The trdr core: regional data tier, global database, runbooks, readiness.
module "dr" {
  source = "../modules/dr-core"

  environment_suffix   = var.environment_suffix
  primary_region       = var.primary_region
  secondary_region     = var.secondary_region
  replication_role_arn = aws_iam_role.s3_replication.arn
  failover_role_arn    = aws_iam_role.failover.arn
  alerts_topic_arn     = aws_sns_topic.alerts_primary.arn
  zone_id              = var.zone_id
  record_name          = var.record_name
  # Each region's custom domain (a certificate for record_name there), not the default
  # execute-api host names, whose certificates do not match record_name.
  primary_endpoint   = module.domain_primary.fqdn
  secondary_endpoint = module.domain_secondary.fqdn
  health_path        = "/health"
  max_drill_age      = "2h"
  database = {
    primary_subnet_group      = module.network_primary.db_subnet_group
    primary_security_groups   = [module.network_primary.db_security_group]
    secondary_subnet_group    = module.network_secondary.db_subnet_group
    secondary_security_groups = [module.network_secondary.db_security_group]
  }
}

# Alerts: a topic of the same name in each region, so each region's runbook notifies locally.
resource "aws_sns_topic" "alerts_primary" {
  provider = aws.primary
  name     = "${local.name}-alerts-${var.environment_suffix}"
}

resource "aws_sns_topic" "alerts_secondary" {
  provider = aws.secondary
  name     = "${local.name}-alerts-${var.environment_suffix}"
}

resource "aws_sns_topic_subscription" "alerts_email" {
  for_each  = var.alert_email == null ? {} : { primary = aws_sns_topic.alerts_primary.arn, secondary = aws_sns_topic.alerts_secondary.arn }
  provider  = aws.primary
  topic_arn = each.value
  protocol  = "email"
  endpoint  = var.alert_email
}

# Configuration the applications read, per region.
resource "aws_ssm_parameter" "primary" {
  for_each = {
    "db-secret-arn"  = module.dr.master_user_secret_arn
    "session-table"  = module.dr.table_name
    "global-cluster" = module.dr.global_database_id
    "runbook-arn"    = module.dr.state_machine_arns[var.primary_region]
  }
  provider = aws.primary
  name     = "/${local.name}/${var.environment_suffix}/${each.key}"
  type     = "String"
  value    = each.value
}

resource "aws_ssm_parameter" "secondary" {
  for_each = {
    "db-secret-arn"  = module.dr.master_user_secret_arn
    "session-table"  = module.dr.table_name
    "global-cluster" = module.dr.global_database_id
    "runbook-arn"    = module.dr.state_machine_arns[var.secondary_region]
  }
  provider = aws.secondary
  name     = "/${local.name}/${var.environment_suffix}/${each.key}"
  type     = "String"
  value    = each.value
}
