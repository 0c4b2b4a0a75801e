# The trdr core: regional data tier, global database, runbooks, watchers, readiness.
module "dr" {
  source = "../modules/dr-core"

  environment_suffix   = var.environment_suffix
  primary_region       = var.primary_region
  secondary_region     = var.secondary_region
  replication_role_arn = aws_iam_role.s3_replication.arn
  failover_role_arn    = aws_iam_role.failover.arn
  # A topic of this name exists in each region (below): each region's runbook and watcher
  # publish to their own region's topic, so notices still arrive while the other region is down.
  alerts_topic_arn = aws_sns_topic.alerts_primary.arn
  zone_id          = var.zone_id
  record_name      = var.record_name
  # Each region's custom domain (a certificate for record_name there), not the default
  # execute-api host names, whose certificates do not match record_name.
  primary_endpoint   = module.domain_primary.fqdn
  secondary_endpoint = module.domain_secondary.fqdn
  health_path        = "/health"
  max_drill_age      = "2h"
  # An unplanned failover loses at most this much committed data: while the secondary lags more
  # than this, commits on the writer wait (Aurora's rds.global_db_rpo, 20 s at least). The price is
  # write latency when replication lags. It is a bound, not zero: README.md, Data loss.
  max_rpo_seconds = var.max_rpo_seconds
  # Automatic failover (the watcher) is on: dr-core's default. See README.md for pause and approval.
  approval_timeout_seconds = var.approval_timeout_seconds
  watchers_paused          = var.watchers_paused
  database = {
    primary_subnet_group      = module.network_primary.db_subnet_group
    primary_security_groups   = [module.network_primary.db_security_group]
    secondary_subnet_group    = module.network_secondary.db_subnet_group
    secondary_security_groups = [module.network_secondary.db_security_group]
  }
}

# Alerts: a topic of the same name in each region, so each region's runbook and watcher notify
# locally, encrypted under the region's key (whose policy lets CloudWatch alarms and the runbook
# and watcher role publish). Each subscription is made in its topic's region (SNS subscribes there).
resource "aws_sns_topic" "alerts_primary" {
  provider          = aws.primary
  name              = "${local.name}-alerts-${var.environment_suffix}"
  kms_master_key_id = aws_kms_key.platform_primary.arn
}

resource "aws_sns_topic" "alerts_secondary" {
  provider          = aws.secondary
  name              = "${local.name}-alerts-${var.environment_suffix}"
  kms_master_key_id = aws_kms_key.platform_secondary.arn
}

resource "aws_sns_topic_subscription" "alerts_email_primary" {
  count     = var.alert_email == null ? 0 : 1
  provider  = aws.primary
  topic_arn = aws_sns_topic.alerts_primary.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_sns_topic_subscription" "alerts_email_secondary" {
  count     = var.alert_email == null ? 0 : 1
  provider  = aws.secondary
  topic_arn = aws_sns_topic.alerts_secondary.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

# Configuration the applications read, per region, each naming its own region's objects: the
# application's secret (its replica in the secondary region; never the master secret), that
# region's runbook. None of these values is secret, so they are plain strings.
resource "aws_ssm_parameter" "primary" {
  for_each = {
    "db-secret-arn"  = local.app_secret_arns["primary"]
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
    "db-secret-arn"  = local.app_secret_arns["secondary"]
    "session-table"  = module.dr.table_name
    "global-cluster" = module.dr.global_database_id
    "runbook-arn"    = module.dr.state_machine_arns[var.secondary_region]
  }
  provider = aws.secondary
  name     = "/${local.name}/${var.environment_suffix}/${each.key}"
  type     = "String"
  value    = each.value
}
